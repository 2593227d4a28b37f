"""The live index gives, after any sequence of changes, what build_index gives from scratch."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

import pytest

from feedsvc.content.posts import Post
from feedsvc.model.index import Index, build_index
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
