"""The index kept between refreshes: only changed posts move, so 100,000 posts are not re-sorted.

Each feed keeps every published post it holds as a list sorted in feed order (index.py's
`order_of`); a snapshot at time `now` takes the newest due entries of each by
bisection. Snapshots equal what `build_index`
gives for the same posts (tests/test_live_index.py checks this); which feeds a post is in is
feed_names.py's rule, shared with the index.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import sys
from collections.abc import Iterable

from feedsvc.content.post import Post
from feedsvc.errors import PostError
from feedsvc.model.feed_names import FeedNames
from feedsvc.model.index import Index, id_taken, order_of
from feedsvc.model.kinds import SITE_FEED, FeedKey, FeedKind, feed_order

# A post in a feed's list: its order_of, which ends with its source (the key of `posts`).
_Entry = tuple[float, str, str]
# One feed in a snapshot: its newest posts, how many it has, and all of them if it keeps history.
_Snapshot = tuple[list[Post], int, list[Post] | None]


class LiveIndex:
    """Published posts grouped into feeds, updated post by post."""

    def __init__(
        self,
        item_limit: int,
        future: bool = False,
        archived: frozenset[FeedKind] = frozenset(),
        expired: bool = False,
    ) -> None:
        self.item_limit = item_limit or sys.maxsize  # 0: no limit
        self.future = future
        self.expired = expired  # expired posts stay (a Hugo site's buildExpired)
        # source -> (publish_at, expires_at) of each post shown other than from its date on, for
        # ever (few: a Hugo post with a later publishDate or an expiryDate)
        self.windows: dict[str, tuple[float, float]] = {}
        self.archived = archived  # kinds whose feeds keep their history (Index.history)
        self.posts: dict[str, Post] = {}  # source -> published post
        self.members: dict[FeedKey, list[_Entry]] = {SITE_FEED: []}
        self.claims: dict[str, set[str]] = {}  # id -> sources of the posts that carry it
        self.shared: set[str] = set()  # ids carried by more than one post (rare)
        self.keys_of: dict[str, list[FeedKey]] = {}  # source -> the feeds it is in
        self.clashes: dict[str, list[PostError]] = {}  # source -> names that lost their slug
        self._names = FeedNames()
        self.dirty: set[FeedKey] = set()  # feeds whose members changed since the last snapshot
        self._last: dict[FeedKey, _Snapshot] | None = None  # the last snapshot

    def update(self, changed: Iterable[Post], removed: Iterable[str] = ()) -> None:
        """Take new or changed posts (unpublished ones leave) and forget removed sources."""
        for source in removed:
            self._remove(source)
        for post in changed:
            self._remove(post.source)
            if post.published:
                self._add(post)

    def snapshot(self, now: dt.datetime, everything: bool = True) -> tuple[Index, set[FeedKey]]:
        """The feeds as of `now` (what build_index gives for the same posts), and which feeds may
        differ from the last snapshot. With everything=False the caller vouches that no post
        came due since the last snapshot, so only feeds whose members changed are worked out."""
        cut = math.inf if self.future else now.timestamp()
        hidden = self._hidden(now.timestamp())
        losers, problems = self._duplicates(cut, hidden)
        last = None if everything or losers or self._last is None else self._last
        changed = set(self.members) if last is None else set(self.dirty)
        self.dirty = set()
        index = Index(problems=problems)
        snapshot: dict[FeedKey, _Snapshot] = {}
        for key in sorted(self.members, key=feed_order):
            if last is not None and key not in changed and key in last:
                snapshot[key] = last[key]
                index.feeds[key], index.totals[key], history = last[key]
                if history is not None:
                    index.history[key] = history
                continue
            members = self.members[key]
            end = _due_end(members, cut)
            total = end
            left_out = losers | hidden if hidden else losers
            if left_out:
                total -= sum(1 for *_, source in members[:end] if source in left_out)
            if total == 0 and key != SITE_FEED:
                continue
            entries = list[Post]()
            position = end - 1
            while position >= 0 and len(entries) < self.item_limit:
                source = members[position][2]
                if source not in left_out:
                    entries.append(self.posts[source])
                position -= 1
            index.feeds[key] = entries
            index.totals[key] = total
            history = None
            if key.kind in self.archived and total > self.item_limit:
                history = index.history[key] = [
                    self.posts[source]
                    for *_, source in reversed(members[:end])
                    if source not in left_out
                ]
            snapshot[key] = (entries, total, history)
        self._last = snapshot
        index.visible = index.totals[SITE_FEED]
        for source in sorted(self.clashes):
            if self.posts[source].epoch <= cut and source not in hidden:
                index.problems.extend(self.clashes[source])
        return index, changed

    def _add(self, post: Post) -> None:
        self.posts[post.source] = post
        claimants = self.claims.setdefault(post.id, set())
        claimants.add(post.source)
        if len(claimants) > 1:
            self.shared.add(post.id)
        keys, clashes = self._names.keys_of(post)
        if clashes:
            self.clashes[post.source] = clashes
        self.keys_of[post.source] = keys
        if post.publish_at is not None or post.expires_at is not None:
            start = -math.inf if post.publish_at is None else post.publish_at
            self.windows[post.source] = (start, post.expires_at or math.inf)
        entry = order_of(post)
        for key in keys:
            bisect.insort(self.members.setdefault(key, []), entry)
        self.dirty.update(keys)

    def _remove(self, source: str) -> None:
        post = self.posts.pop(source, None)
        if post is None:
            return
        claimants = self.claims[post.id]
        claimants.discard(source)
        if len(claimants) < 2:
            self.shared.discard(post.id)
        if not claimants:
            del self.claims[post.id]
        entry = order_of(post)
        keys = self.keys_of.pop(source)
        self.dirty.update(keys)
        for key in keys:
            members = self.members[key]
            del members[bisect.bisect_left(members, entry)]
            if not members and key != SITE_FEED:
                del self.members[key]
        self.clashes.pop(source, None)
        self.windows.pop(source, None)

    def _hidden(self, moment: float) -> set[str]:
        """Posts their own window keeps out at `moment`: not out yet (a later publishDate),
        or expired."""
        return {
            source
            for source, (start, end) in self.windows.items()
            if (not self.future and moment < start) or (not self.expired and moment >= end)
        }

    def next_due(self, now: dt.datetime) -> dt.datetime | None:
        """When the feeds next change with no file changing: the earliest future post comes due,
        or a post's window opens or closes."""
        moment = now.timestamp()
        times: list[float] = []
        if not self.future:
            site = self.members[SITE_FEED]
            later = _due_end(site, moment)
            if later < len(site):
                times.append(site[later][0])
        for start, end in self.windows.values():
            times += [t for t in (start, end) if moment < t < math.inf]
        return dt.datetime.fromtimestamp(min(times), dt.UTC) if times else None

    def _duplicates(self, cut: float, hidden: set[str]) -> tuple[set[str], list[PostError]]:
        """Posts that reuse a due post's id: the first in feed order keeps it, as in
        build_index, the others are left out."""
        losers: set[str] = set()
        problems: list[PostError] = []
        for shared_id in sorted(self.shared):
            due = sorted(
                (
                    post
                    for post in map(self.posts.__getitem__, self.claims[shared_id])
                    if post.epoch <= cut and post.source not in hidden
                ),
                key=order_of,
                reverse=True,
            )
            for post in due[1:]:
                losers.add(post.source)
                problems.append(id_taken(post, due[0]))
        return losers, problems


def _due_end(members: list[_Entry], cut: float) -> int:
    """How many of a feed's entries are dated no later than `cut` (they come first): a 1-tuple
    sorts before every entry that starts with the same number."""
    return bisect.bisect_left(members, (math.nextafter(cut, math.inf),))
