"""The live index gives, after any sequence of changes, what build_index gives from scratch."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

import pytest

from feedsvc.content.post import Post
from feedsvc.model.index import Index, build_index
from feedsvc.model.kinds import SITE_FEED
from feedsvc.model.live_index import LiveIndex
from feedsvc.pipeline.build import read_posts
from feedsvc.settings import EXAMPLE_CONTENT

from .conftest import NOW, MakeSettings

LIMIT = 5


def _same(live: Index, fresh: Index) -> None:
    assert list(live.feeds) == list(fresh.feeds)
    for key, posts in fresh.feeds.items():
        assert [p.source for p in live.feeds[key]] == [p.source for p in posts], key
    assert live.totals == fresh.totals
    assert live.visible == fresh.visible
    assert sorted(map(str, live.problems)) == sorted(map(str, fresh.problems))


@pytest.fixture
def example_posts(make_settings: MakeSettings) -> list[Post]:
    return read_posts(make_settings(content_dir=EXAMPLE_CONTENT)).posts


@pytest.mark.parametrize(("seed", "moving_clock"), [(seed, seed % 2 == 0) for seed in range(6)])
def test_random_changes_match_a_fresh_index(
    example_posts: list[Post], seed: int, moving_clock: bool
) -> None:
    """With a moving clock every snapshot is worked out whole; with a fixed one (nothing comes
    due), only the feeds whose members changed are, and the rest is taken from the last one."""
    rng = random.Random(seed)
    current = {p.source: p for p in example_posts}
    live = LiveIndex(LIMIT)
    live.update(current.values())
    for step in range(30):
        changed: list[Post] = []
        removed: list[str] = []
        for _ in range(rng.randint(1, 4)):
            source = rng.choice(sorted(current))
            action = rng.random()
            if action < 0.2 and len(current) > 3:
                removed.append(source)
                del current[source]
                changed = [p for p in changed if p.source != source]  # as a catalog reports it
                continue
            post = current[source]
            if action < 0.4:  # move it in time, maybe into the future
                post = dataclasses.replace(post, epoch=post.epoch + rng.randint(-(10**8), 10**8))
            elif action < 0.55:
                post = dataclasses.replace(post, tags=(*post.tags[1:], f"t{rng.randint(0, 3)}"))
            elif action < 0.7:
                post = dataclasses.replace(post, published=not post.published)
            elif action < 0.85:  # reuse another post's id
                post = dataclasses.replace(post, id=current[rng.choice(sorted(current))].id)
            else:  # a brand-new file
                post = dataclasses.replace(post, source=f"new-{step}-{source}")
            current[post.source] = post
            changed.append(post)
        live.update(changed, removed)
        now = NOW + dt.timedelta(days=rng.randint(-2000, 2000)) if moving_clock else NOW
        index, _ = live.snapshot(now, everything=moving_clock)
        _same(index, build_index(current.values(), now, LIMIT))


def test_future_setting_publishes_early(example_posts: list[Post]) -> None:
    later = [dataclasses.replace(example_posts[0], epoch=NOW.timestamp() + 10**9)]
    live = LiveIndex(LIMIT, future=True)
    live.update(example_posts[1:] + later)
    _same(live.snapshot(NOW)[0], build_index(example_posts[1:] + later, NOW, LIMIT, future=True))


def test_removed_unknown_source_is_ignored(example_posts: list[Post]) -> None:
    live = LiveIndex(LIMIT)
    live.update(example_posts, removed=[str(Path("never-seen.md"))])
    _same(live.snapshot(NOW)[0], build_index(example_posts, NOW, LIMIT))


@pytest.mark.parametrize(("seed", "limit"), [(0, LIMIT), (1, 0), (2, LIMIT), (3, 0)])
def test_posts_with_their_own_window_match_a_fresh_index(
    example_posts: list[Post], seed: int, limit: int
) -> None:
    """A Hugo post with a publishDate later than its date, or an expiryDate, is in the feeds only
    within that window; the live index agrees with a fresh one at every moment, and says when
    the next window opens or closes, so a refresh that vouches nothing came due is right."""
    rng = random.Random(seed)
    current = {p.source: p for p in example_posts}
    for source in rng.sample(sorted(current), 12):
        post = current[source]
        start = post.epoch + rng.randint(0, 10**8) if rng.random() < 0.5 else None
        end = post.epoch + rng.randint(0, 2 * 10**8) if rng.random() < 0.7 else None
        current[source] = dataclasses.replace(post, publish_at=start, expires_at=end)
    for expired in (False, True):
        live = LiveIndex(limit, expired=expired)
        live.update(current.values())
        now = NOW - dt.timedelta(days=4000)
        live.snapshot(now)
        for _ in range(40):
            due = live.next_due(now)
            step = dt.timedelta(days=rng.randint(1, 400))
            later = now + step
            vouched = due is None or due > later  # nothing comes due: only dirty feeds redone
            index, _ = live.snapshot(later, everything=not vouched)
            _same(index, build_index(current.values(), later, limit, expired=expired))
            now = later


def test_a_window_opening_or_closing_is_the_next_due_time(example_posts: list[Post]) -> None:
    old = example_posts[0]
    start, end = NOW.timestamp() + 100, NOW.timestamp() + 500
    post = dataclasses.replace(old, epoch=NOW.timestamp() - 100, publish_at=start, expires_at=end)
    live = LiveIndex(LIMIT)
    live.update([post])
    assert live.next_due(NOW) == dt.datetime.fromtimestamp(start, dt.UTC)
    assert [p.source for p in live.snapshot(NOW)[0].feeds[SITE_FEED]] == []
    at_start = dt.datetime.fromtimestamp(start, dt.UTC)
    assert live.next_due(at_start) == dt.datetime.fromtimestamp(end, dt.UTC)
    assert [p.source for p in live.snapshot(at_start)[0].feeds[SITE_FEED]] == [old.source]
    at_end = dt.datetime.fromtimestamp(end, dt.UTC)
    assert live.next_due(at_end) is None
    assert live.snapshot(at_end)[0].feeds[SITE_FEED] == []
    assert LiveIndex(LIMIT, future=True, expired=True).next_due(NOW) is None
