"""WebSub discovery: feeds advertise the hub, in their documents and their Link headers."""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import lxml.etree
import pytest

from feedsvc.index import build_index
from feedsvc.layout import FeedFormat, feed_path, feed_url
from feedsvc.publish import current_folder
from feedsvc.refresh import Refresher, build, read_posts, render_documents
from feedsvc.settings import Settings
from feedsvc.web import create_app
from feedsvc.websub import document_url, is_feed

from .conftest import NOW, MakeSettings, assert_valid_atom, parse_feed, write_post

NS = {"a": "http://www.w3.org/2005/Atom"}
WAIT = 30  # seconds: only a safety net, so that a broken test fails instead of hanging


ALL_FEEDS = (
    "feed",
    "categories/markets",
    "categories/tech",
    "tags/bonds",
    "tags/债券",
    "tags/chips",
)
POST_A = "title: A\ndate: 2022-01-01\ncategories: markets\ntags: bonds 债券"


@pytest.fixture
def small_site(content_dir: Path) -> Path:
    """Three posts: A and C share a category and a tag; B shares nothing with A."""
    write_post(content_dir, "a.md", POST_A)
    write_post(content_dir, "b.md", "title: B\ndate: 2022-01-02\ncategories: tech\ntags: chips")
    write_post(content_dir, "c.md", "title: C\ndate: 2022-01-03\ncategories: markets\ntags: bonds")
    return content_dir


def hub_settings(make_settings: MakeSettings, tmp_path: Path, hub: str) -> Settings:
    return make_settings(state_dir=tmp_path / "state", websub_hub=hub)


# Advertising the hub: documents and headers.


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_every_document_links_to_the_hub(
    small_site: Path, make_settings: MakeSettings, fmt: FeedFormat
) -> None:
    settings = make_settings(websub_hub="https://hub.example/")
    index = build_index(read_posts(settings).posts, NOW, settings.item_limit, settings.future)
    documents = render_documents(index, settings)
    feeds = {path: data for path, data in documents.items() if path.endswith(f".{fmt}")}
    assert len(feeds) == 6  # the site, two categories, three tags
    for data in feeds.values():
        links = [(link.rel, link.href) for link in parse_feed(data).feed.links]
        assert links.count(("hub", "https://hub.example/")) == 1
        tree = lxml.etree.fromstring(data)
        where = "/a:feed/a:link" if fmt is FeedFormat.ATOM else "/rss/channel/a:link"
        assert tree.xpath(f"{where}[@rel='hub']/@href", namespaces=NS) == ["https://hub.example/"]
        if fmt is FeedFormat.ATOM:
            assert_valid_atom(data)
    without = render_documents(index, make_settings())
    assert not any(b'rel="hub"' in without[path] for path in feeds)


def test_the_fast_path_links_to_the_hub_exactly_as_the_plain_path(
    small_site: Path, make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = make_settings(websub_hub="https://hub.example/")
    build(settings, tmp_path / "out", NOW)
    index = build_index(read_posts(settings).posts, NOW, settings.item_limit, settings.future)
    for path, data in render_documents(index, settings).items():
        assert (tmp_path / "out" / path).read_bytes() == data, path


def link_header(value: str) -> dict[str, str]:
    """rel -> URL of a Link header, as far as these tests need (RFC 8288's `<url>; rel="x"`)."""
    return {rel: url for url, rel in re.findall(r'<([^>]*)>\s*;\s*rel="([^"]*)"', value)}


def test_feeds_are_served_with_hub_and_self_link_headers(
    small_site: Path, make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = hub_settings(make_settings, tmp_path, "https://hub.example/")
    Refresher(settings).refresh(NOW)
    client = create_app(settings).test_client()
    folder = current_folder(settings.state_dir)
    assert folder is not None
    paths = [p.relative_to(folder).as_posix() for p in folder.rglob("*.*") if is_feed(p.name)]
    assert len(paths) == 12
    for path in paths:
        url = document_url(settings.feeds_base, path)
        for method in (client.get, client.head):
            with method("/" + urllib.parse.quote(path)) as response:
                assert response.status_code == 200
                links = link_header(response.headers["Link"])
                assert links == {"hub": "https://hub.example/", "self": url}
                etag = response.headers["ETag"]
        with client.get(
            "/" + urllib.parse.quote(path), headers={"If-None-Match": etag}
        ) as response:
            assert response.status_code == 304
            assert "Link" not in response.headers  # a 304 carries only what caches need
    for other in ("/", "/feeds.opml"):
        with client.get(other) as response:
            assert response.status_code == 200 and "Link" not in response.headers


def test_without_a_hub_there_is_no_link_header(
    small_site: Path, make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = make_settings(state_dir=tmp_path / "state")
    Refresher(settings).refresh(NOW)
    with create_app(settings).test_client().get("/feed.atom") as response:
        assert response.status_code == 200 and "Link" not in response.headers


def test_self_urls_are_the_layouts_feed_urls(make_settings: MakeSettings) -> None:
    """Headers and pings name feeds by path; those URLs are layout.feed_url, for every name
    (the example's categories and tags are Chinese, with `·`)."""
    settings = make_settings(content_dir=Path(__file__).parents[1] / "feedsvc" / "example")
    index = build_index(read_posts(settings).posts, NOW, settings.item_limit, settings.future)
    assert len(index.feeds) > 10
    for key in index.feeds:
        for fmt in FeedFormat:
            url = document_url(settings.feeds_base, feed_path(key, fmt))
            assert url == feed_url(settings.feeds_base, key, fmt)
