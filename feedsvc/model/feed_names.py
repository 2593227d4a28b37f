"""Which feeds a post belongs to: the site feed, and one per category and tag name it carries.

The one owner of the slug-clash rule, for the index built from scratch and the live index alike:
each name's feed is worked out once, and when two names share a slug (a SHA-1 collision,
astronomically rare) the name met first keeps the feed and the other is reported, so two feeds
are never merged. (The index meets names newest post first; the live index in the order posts
arrive over the service's life: the only way the two can differ.)
"""

from __future__ import annotations

from pathlib import Path

from feedsvc.content.post import Post
from feedsvc.content.slugs import slugify
from feedsvc.errors import PostError
from feedsvc.model.kinds import SITE_FEED, FeedKey, FeedKind


class FeedNames:
    """Category and tag names met so far, each with its feed (or None when its slug is taken)."""

    def __init__(self) -> None:
        self._key_of_name: dict[tuple[FeedKind, str], FeedKey | None] = {}
        self._name_of_slug: dict[tuple[FeedKind, str], str] = {}

    def keys_of(self, post: Post) -> tuple[list[FeedKey], list[PostError]]:
        """The feeds `post` belongs to, and a problem for each of its names whose slug another
        name already has."""
        keys = [SITE_FEED]
        clashes: list[PostError] = []
        for kind, names in ((FeedKind.CATEGORY, post.categories), (FeedKind.TAG, post.tags)):
            for name in names:
                key = self._key_of_name.get((kind, name), _UNKNOWN)
                if key is _UNKNOWN:
                    key = self._key_of_name[(kind, name)] = self._key(kind, name)
                if isinstance(key, FeedKey):
                    keys.append(key)
                else:
                    taken = self._name_of_slug[(kind, slugify(name))]
                    reason = f"{kind} {name!r} has the URL of {taken!r}"
                    clashes.append(PostError(Path(post.source), reason))
        return keys, clashes

    def _key(self, kind: FeedKind, name: str) -> FeedKey | None:
        slug = slugify(name)
        if self._name_of_slug.setdefault((kind, slug), name) != name:
            return None
        return FeedKey(kind, slug, name)


_UNKNOWN = object()
