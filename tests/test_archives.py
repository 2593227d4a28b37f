"""Archive pages (RFC 5005) as a server sends them: full pages immutable, the newest one not, and
a refresh that adds posts turns the partial page into a full one without touching the others."""

from __future__ import annotations

import dataclasses
import urllib.request
from pathlib import Path

import lxml.etree

from feedsvc.pipeline.refresh import Refresher
from feedsvc.published.manifest import current_folder
from feedsvc.settings import Settings
from feedsvc.web.app import cache_control, create_app
from feedsvc.web.documents import IMMUTABLE

from .conftest import NOW, MakeSettings, write_post
from .servers import nginx

FH = "{http://purl.org/syndication/history/1.0}"


def _site(content_dir: Path, make_settings: MakeSettings, tmp_path: Path, posts: int) -> Settings:
    for day in range(1, posts + 1):
        write_post(content_dir, f"p{day:02d}.md", f"title: P{day}\ndate: 2022-01-{day:02d}")
    return make_settings(
        item_limit=2, archive_page_size=3, archive_kinds=["site"], state_dir=tmp_path / "state"
    )


def _previous_archives(feed: lxml.etree._Element) -> list[str | None]:
    """The hrefs of an Atom feed's prev-archive links."""
    return [
        link.get("href")
        for link in feed.findall("{http://www.w3.org/2005/Atom}link")
        if link.get("rel") == "prev-archive"
    ]


def _pages(settings: Settings) -> list[str]:
    folder = current_folder(settings.state_dir)
    assert folder is not None
    return sorted(p.name for p in (folder / "archives" / "feed").iterdir() if p.suffix == ".atom")


def test_full_pages_are_immutable_and_the_newest_is_not(
    content_dir: Path, make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = _site(content_dir, make_settings, tmp_path, posts=7)
    Refresher(settings).refresh(NOW)
    assert _pages(settings) == ["1.atom", "2.atom", "3-partial.atom"]
    client = create_app(settings).test_client()
    for path, expected in (
        ("/archives/feed/1.atom", IMMUTABLE),
        ("/archives/feed/2.json", IMMUTABLE),
        ("/archives/feed/3-partial.rss", cache_control(settings)),
        ("/feed.atom", cache_control(settings)),
    ):
        with client.get(path) as response:
            assert response.status_code == 200, path
            assert response.headers["Cache-Control"] == expected, path
            assert response.headers["Vary"] == (
                "Accept, Accept-Encoding" if path == "/feed.atom" else "Accept-Encoding"
            )
    with nginx(settings.state_dir, tmp_path) as server:
        for path, expected in (
            ("archives/feed/1.atom", IMMUTABLE),
            ("archives/feed/3-partial.atom", cache_control(settings)),
        ):
            with urllib.request.urlopen(server.url + path) as response:
                assert response.headers["Cache-Control"] == expected, path
                assert response.headers["Vary"] == "Accept-Encoding", path


def test_a_new_post_fills_the_partial_page_and_leaves_full_pages_alone(
    content_dir: Path, make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = _site(content_dir, make_settings, tmp_path, posts=5)
    refresher = Refresher(settings)
    refresher.refresh(NOW)
    assert _pages(settings) == ["1.atom", "2-partial.atom"]
    folder = current_folder(settings.state_dir)
    assert folder is not None
    first = (folder / "archives/feed/1.atom").stat()
    write_post(content_dir, "p06.md", "title: P6\ndate: 2022-01-06")
    report = refresher.refresh(NOW)
    assert report is not None
    assert _pages(settings) == ["1.atom", "2.atom"]
    folder = current_folder(settings.state_dir)
    assert folder is not None
    assert (folder / "archives/feed/1.atom").stat().st_ino == first.st_ino  # not rewritten
    feed = lxml.etree.fromstring((folder / "feed.atom").read_bytes())
    assert _previous_archives(feed) == [settings.feeds_base + "archives/feed/2.atom"]


def test_without_archive_pages_a_long_feed_is_neither_archived_nor_complete(
    content_dir: Path, make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = dataclasses.replace(
        _site(content_dir, make_settings, tmp_path, posts=5), archive_page_size=0
    )
    Refresher(settings).refresh(NOW)
    folder = current_folder(settings.state_dir)
    assert folder is not None
    assert not (folder / "archives").exists()
    feed = lxml.etree.fromstring((folder / "feed.atom").read_bytes())
    assert feed.find(f"{FH}complete") is None
    assert _previous_archives(feed) == []


def test_editing_a_post_on_a_full_page_renders_that_page_again(
    content_dir: Path, make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = _site(content_dir, make_settings, tmp_path, posts=7)
    refresher = Refresher(settings)
    refresher.refresh(NOW)
    write_post(content_dir, "p02.md", "title: P2 edited\ndate: 2022-01-02")
    report = refresher.refresh(NOW)
    assert report is not None and report.read == 1
    folder = current_folder(settings.state_dir)
    assert folder is not None
    assert b"P2 edited" in (folder / "archives/feed/1.atom").read_bytes()
    assert b"P2 edited" not in (folder / "archives/feed/2.atom").read_bytes()
    unchanged = refresher.refresh(NOW)
    assert unchanged is not None and unchanged.rendered == 0
