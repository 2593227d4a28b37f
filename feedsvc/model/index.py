"""All visible posts, grouped into feeds: the site, each category and each tag, newest first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from feedsvc.content.posts import Post
from feedsvc.content.slugs import slugify
from feedsvc.errors import PostError


class FeedKind(StrEnum):
    """What a feed collects."""

    SITE = "site"
    CATEGORY = "category"
    TAG = "tag"


class FeedKey(NamedTuple):
    """Which feed: its kind, the category or tag name as written, and its URL slug. (A tuple:
    an index of 100,000 posts hashes these over a million times.)"""

    kind: FeedKind
    slug: str  # "" for the site feed
    name: str  # "" for the site feed


SITE_FEED = FeedKey(FeedKind.SITE, "", "")


@dataclass
class Index:
    """The newest posts of every feed, plus what could not be indexed."""

    feeds: dict[FeedKey, list[Post]] = field(default_factory=dict)  # newest first, at most limit
    totals: dict[FeedKey, int] = field(default_factory=dict)  # all visible posts of each feed
    # Every visible post, newest first, of each feed with archive pages: those of an archived
    # kind with more posts than item_limit.
    history: dict[FeedKey, list[Post]] = field(default_factory=dict)
    visible: int = 0  # posts published and due
    problems: list[PostError] = field(default_factory=list)  # clashes between posts


def feed_order(key: FeedKey) -> tuple[int, str]:
    """Site feed first, then categories, then tags, each by slug: the order of every listing."""
    return (list(FeedKind).index(key.kind), key.slug)


def is_visible(post: Post, now: dt.datetime, future: bool) -> bool:
    """Published, and due: dated no later than now, unless the site publishes future posts."""
    return post.published and (future or post.epoch <= now.timestamp())


def build_index(
    posts: Iterable[Post],
    now: dt.datetime,
    item_limit: int,
    future: bool = False,
    archived: frozenset[FeedKind] = frozenset(),
) -> Index:
    """Group the visible posts into feeds. Posts are ordered newest first (ties by source path);
    a second post claiming an id already taken is reported and left out, so no reader sees two
    entries with one id."""
    index = Index(feeds={SITE_FEED: []}, totals={SITE_FEED: 0})
    owner_of_id: dict[str, Post] = {}
    keys = _Keys(index)
    cutoff = float("inf") if future else now.timestamp()
    visible = [p for p in posts if p.published and p.epoch <= cutoff]
    visible.sort(key=lambda p: (p.epoch, p.source), reverse=True)
    feeds, totals = index.feeds, index.totals
    everything: dict[FeedKey, list[Post]] = {}
    for post in visible:  # 100,000 posts on a large site: keep this loop plain
        first = owner_of_id.setdefault(post.id, post)
        if first is not post:
            index.problems.append(
                PostError(Path(post.source), f"id {post.id!r} is already used by {first.source}")
            )
            continue
        index.visible += 1
        for key in keys.of(post):
            entries = feeds.get(key)
            if entries is None:
                entries = feeds[key] = []
            if len(entries) < item_limit:
                entries.append(post)
            totals[key] = totals.get(key, 0) + 1
            if key.kind in archived:
                everything.setdefault(key, []).append(post)
    index.feeds = dict(sorted(feeds.items(), key=lambda item: feed_order(item[0])))
    index.history = {key: posts for key, posts in everything.items() if len(posts) > item_limit}
    return index


class _Keys:
    """The feeds a post belongs to, each category and tag name worked out once per index."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.known: dict[tuple[FeedKind, str], FeedKey | None] = {}
        self.names_of_slug: dict[tuple[FeedKind, str], str] = {}

    def of(self, post: Post) -> list[FeedKey]:
        keys = [SITE_FEED]
        for kind, names in ((FeedKind.CATEGORY, post.categories), (FeedKind.TAG, post.tags)):
            for name in names:
                key = self.known.get((kind, name), _UNKNOWN)
                if key is _UNKNOWN:
                    key = self.known[(kind, name)] = _key(kind, name, self.names_of_slug)
                if key is None:
                    taken = self.names_of_slug[(kind, slugify(name))]
                    self.index.problems.append(
                        PostError(Path(post.source), f"{kind} {name!r} has the URL of {taken!r}")
                    )
                elif isinstance(key, FeedKey):
                    keys.append(key)
        return keys


_UNKNOWN = object()


def _key(
    kind: FeedKind, name: str, names_of_slug: dict[tuple[FeedKind, str], str]
) -> FeedKey | None:
    """The feed of a name, or None when another name already has its slug (a hash collision:
    astronomically rare, but two feeds are never merged)."""
    slug = slugify(name)
    if names_of_slug.setdefault((kind, slug), name) != name:
        return None
    return FeedKey(kind, slug, name)
