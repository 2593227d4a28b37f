"""The index: newest first, limited, future posts held back until their time, ids unique."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from feedsvc.model.index import build_index
from feedsvc.model.kinds import SITE_FEED, FeedKey, FeedKind
from feedsvc.pipeline.build import read_posts

from .conftest import MakeSettings, write_post


def _posts(content_dir: Path, make_settings: MakeSettings) -> list:
    write_post(content_dir, "a.md", "title: A\ndate: 2022-01-01\ncategories: news\ntags: x y")
    write_post(content_dir, "b.md", "title: B\ndate: 2022-01-03\ncategories: news\ntags: y")
    write_post(content_dir, "c.md", "title: C\ndate: 2022-01-02\ncategories: 港股")
    write_post(content_dir, "d.md", "title: D\ndate: 2022-01-04\ntags: x\npublished: false")
    write_post(content_dir, "e.md", "title: E\ndate: 2030-01-01 08:00:00 +0800\ntags: x")
    return read_posts(make_settings()).posts


def test_feeds_newest_first(content_dir: Path, make_settings: MakeSettings) -> None:
    index = build_index(
        _posts(content_dir, make_settings), dt.datetime(2026, 1, 1, tzinfo=dt.UTC), 20
    )
    titles = {key: [p.title for p in posts] for key, posts in index.feeds.items()}
    assert titles == {
        SITE_FEED: ["B", "C", "A"],
        FeedKey(FeedKind.CATEGORY, "news", "news"): ["B", "A"],
        FeedKey(FeedKind.CATEGORY, "港股", "港股"): ["C"],
        FeedKey(FeedKind.TAG, "x", "x"): ["A"],
        FeedKey(FeedKind.TAG, "y", "y"): ["B", "A"],
    }
    assert index.visible == 3
    assert next(iter(index.feeds)) == SITE_FEED


def test_item_limit_keeps_the_newest(content_dir: Path, make_settings: MakeSettings) -> None:
    index = build_index(
        _posts(content_dir, make_settings), dt.datetime(2026, 1, 1, tzinfo=dt.UTC), 2
    )
    assert [p.title for p in index.feeds[SITE_FEED]] == ["B", "C"]
    assert index.totals[SITE_FEED] == 3


def test_future_post_appears_once_its_time_comes(
    content_dir: Path, make_settings: MakeSettings
) -> None:
    posts = _posts(content_dir, make_settings)
    due = dt.datetime(2030, 1, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    before = build_index(posts, due - dt.timedelta(seconds=1), 20)
    at = build_index(posts, due, 20)
    assert "E" not in [p.title for p in before.feeds[SITE_FEED]]
    assert at.feeds[SITE_FEED][0].title == "E"
    early = build_index(posts, due - dt.timedelta(days=3000), 20, future=True)
    assert "E" in [p.title for p in early.feeds[SITE_FEED]]


def test_a_reused_id_is_reported_not_duplicated(
    content_dir: Path, make_settings: MakeSettings
) -> None:
    write_post(content_dir, "one.md", "title: One\ndate: 2022-01-01\nid: same")
    write_post(content_dir, "two.md", "title: Two\ndate: 2022-01-02\nid: same")
    index = build_index(
        read_posts(make_settings()).posts, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), 20
    )
    assert [p.title for p in index.feeds[SITE_FEED]] == ["Two"]
    assert [str(e) for e in index.problems] == [
        "one.md: id 'https://news.example.com/same' is already used by two.md"
    ]
