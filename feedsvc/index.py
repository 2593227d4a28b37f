"""All visible posts, grouped into feeds: the site, each category and each tag, newest first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from feedsvc.errors import PostError
from feedsvc.posts import Post
from feedsvc.slugs import slugify


class FeedKind(StrEnum):
    """What a feed collects."""

    SITE = "site"
    CATEGORY = "category"
    TAG = "tag"


@dataclass(frozen=True)
class FeedKey:
    """Which feed: its kind, the category or tag name as written, and its URL slug."""

    kind: FeedKind
    slug: str  # "" for the site feed
    name: str  # "" for the site feed


SITE_FEED = FeedKey(FeedKind.SITE, "", "")


@dataclass
class Index:
    """The newest posts of every feed, plus what could not be indexed."""

    feeds: dict[FeedKey, list[Post]] = field(default_factory=dict)  # newest first, at most limit
    totals: dict[FeedKey, int] = field(default_factory=dict)  # all visible posts of each feed
    visible: int = 0  # posts published and due
    problems: list[PostError] = field(default_factory=list)  # clashes between posts


def feed_order(key: FeedKey) -> tuple[int, str]:
    """Site feed first, then categories, then tags, each by slug: the order of every listing."""
    return (list(FeedKind).index(key.kind), key.slug)


def is_visible(post: Post, now: dt.datetime, future: bool) -> bool:
    """Published, and due: dated no later than now, unless the site publishes future posts."""
    return post.published and (future or post.date <= now)


def build_index(
    posts: Iterable[Post], now: dt.datetime, item_limit: int, future: bool = False
) -> Index:
    """Group the visible posts into feeds. Posts are ordered newest first (ties by source path);
    a second post claiming an id already taken is reported and left out, so no reader sees two
    entries with one id."""
    index = Index(feeds={SITE_FEED: []}, totals={SITE_FEED: 0})
    owner_of_id: dict[str, Post] = {}
    names_of_slug: dict[tuple[FeedKind, str], str] = {}
    ordered = sorted(
        (p for p in posts if is_visible(p, now, future)),
        key=lambda p: (p.date, p.source),
        reverse=True,
    )
    for post in ordered:
        first = owner_of_id.setdefault(post.id, post)
        if first is not post:
            index.problems.append(
                PostError(Path(post.source), f"id {post.id!r} is already used by {first.source}")
            )
            continue
        index.visible += 1
        keys = [SITE_FEED]
        for kind, names in ((FeedKind.CATEGORY, post.categories), (FeedKind.TAG, post.tags)):
            for name in names:
                key = _key(kind, name, names_of_slug, post, index)
                if key is not None:
                    keys.append(key)
        for key in keys:
            entries = index.feeds.setdefault(key, [])
            if len(entries) < item_limit:
                entries.append(post)
            index.totals[key] = index.totals.get(key, 0) + 1
    index.feeds = dict(sorted(index.feeds.items(), key=lambda item: feed_order(item[0])))
    return index


def _key(
    kind: FeedKind,
    name: str,
    names_of_slug: dict[tuple[FeedKind, str], str],
    post: Post,
    index: Index,
) -> FeedKey | None:
    slug = slugify(name)
    taken = names_of_slug.setdefault((kind, slug), name)
    if taken != name:  # a hash collision: astronomically rare, but never merge two feeds
        index.problems.append(
            PostError(Path(post.source), f"{kind} {name!r} has the same URL as {taken!r}")
        )
        return None
    return FeedKey(kind, slug, name)
