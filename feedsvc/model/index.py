"""All visible posts, grouped into feeds: the site, each category and each tag, newest first."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from feedsvc.content.post import Post
from feedsvc.errors import PostError
from feedsvc.model.feed_names import FeedNames
from feedsvc.model.kinds import SITE_FEED, FeedKey, FeedKind, feed_order


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


def is_visible(post: Post, now: dt.datetime, future: bool, expired: bool = False) -> bool:
    """Published, and due: dated no later than now, unless the site publishes future posts; and
    within its own window (a Hugo post's later publishDate, its expiryDate) if it has one."""
    moment = now.timestamp()
    return (
        post.published
        and (future or post.epoch <= moment)
        and in_window(post, moment, future, expired)
    )


def in_window(post: Post, moment: float, future: bool, expired: bool) -> bool:
    """Whether a post is shown at `moment` (Unix seconds) by its own window: out before its
    `publish_at` (unless the site publishes future posts), out from its `expires_at` on (unless
    it keeps expired ones)."""
    return (future or post.publish_at is None or post.publish_at <= moment) and (
        expired or post.expires_at is None or moment < post.expires_at
    )


def order_of(post: Post) -> tuple[float, str, str]:
    """A post's place in every feed: feeds list the post with the greater one first, the newer,
    and of two of the same second the one its site's rules put first (`Post.order_key`; then
    the source, so that no two posts tie). The index and the live index both order by this,
    and by it decide which post keeps an id."""
    return (post.epoch, post.order_key, post.source)


def id_taken(post: Post, keeper: Post) -> PostError:
    """Why `post` is left out: `keeper`, before it in feed order (`order_of`), keeps the id both
    carry, so no reader sees two entries with one id."""
    return PostError(Path(post.source), f"id {post.id!r} is already used by {keeper.source}")


def build_index(
    posts: Iterable[Post],
    now: dt.datetime,
    item_limit: int,
    future: bool = False,
    archived: frozenset[FeedKind] = frozenset(),
    expired: bool = False,
) -> Index:
    """Group the visible posts into feeds (at most `item_limit` in each; 0: no limit). Posts are
    in feed order (`order_of`); a later post claiming an id already taken is reported and left
    out (`id_taken`)."""
    index = Index(feeds={SITE_FEED: []}, totals={SITE_FEED: 0})
    owner_of_id: dict[str, Post] = {}
    names = FeedNames()
    item_limit = item_limit or sys.maxsize
    moment = now.timestamp()
    cutoff = float("inf") if future else moment
    visible = [
        p
        for p in posts
        if p.published
        and p.epoch <= cutoff
        and (
            (p.publish_at is None and p.expires_at is None) or in_window(p, moment, future, expired)
        )
    ]
    visible.sort(key=order_of, reverse=True)
    feeds, totals = index.feeds, index.totals
    everything: dict[FeedKey, list[Post]] = {}
    for post in visible:  # 100,000 posts on a large site: keep this loop plain
        first = owner_of_id.setdefault(post.id, post)
        if first is not post:
            index.problems.append(id_taken(post, first))
            continue
        index.visible += 1
        keys, clashes = names.keys_of(post)
        index.problems += clashes
        for key in keys:
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
