"""A feed's URL: feed readers get the feed document exactly as before, browsers get its page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import Headers

from feedsvc.model.layout import FORMATS, FeedFormat
from feedsvc.pipeline.refresh import Refresher
from feedsvc.published.manifest import MANIFEST, current_folder
from feedsvc.settings import Settings
from feedsvc.web.app import create_app
from feedsvc.web.negotiation import page_instead, vary

from .conftest import NOW, SAMPLE_TITLE, MakeSettings, parse_feed

# What browsers send when they open a page (Chromium, Firefox, Safari).
BROWSERS = [
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
    "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
]
# What feed readers and tools send: feed types first, anything, or no Accept at all (None).
READERS = [
    None,
    "",
    "application/atom+xml, application/rss+xml, */*",
    "application/atom+xml,application/rdf+xml,application/rss+xml,application/x-netcdf,"
    "application/xml;q=0.9,text/xml;q=0.2,*/*;q=0.1",  # feedparser
    "*/*",  # curl
    "application/xml, text/xml;q=0.9",
    "text/html;q=0.5, */*",
]
FEEDS = [f"feed.{fmt.value}" for fmt in FeedFormat]
TAG = "上海证券报·中国证券网新闻"


@pytest.fixture
def client(sample_dir: Path, make_settings: MakeSettings, tmp_path: Path) -> Iterator[FlaskClient]:
    settings = make_settings(state_dir=tmp_path / "state")
    Refresher(settings).refresh(NOW)
    yield create_app(settings).test_client()


def get(
    client: FlaskClient, path: str, accept: str | None = None, method: str = "GET", **headers: str
) -> tuple[int, Headers, bytes]:
    """One request, its file closed; `accept` None sends no Accept header at all."""
    if accept is not None:
        headers["Accept"] = accept
    sent = {name.replace("_", "-"): value for name, value in headers.items()}
    with client.open("/" + path.lstrip("/"), method=method, headers=sent) as response:
        return response.status_code, response.headers, response.data


@pytest.mark.parametrize("accept", READERS)
@pytest.mark.parametrize("path", [*FEEDS, f"tags/{TAG}.atom"])
def test_readers_get_the_feed_byte_for_byte(client: FlaskClient, path: str, accept: str) -> None:
    status, headers, body = get(client, path, accept)
    assert status == 200
    _, plain_headers, plain = get(client, path)
    assert (headers["ETag"], body) == (plain_headers["ETag"], plain)
    assert len(parse_feed(body).entries) >= 1  # the feed itself, not the page
    suffix = path.rpartition(".")[2]
    assert headers["Content-Type"] == f"{FORMATS[FeedFormat(suffix)].media_type}; charset=utf-8"
    assert headers["Vary"] == "Accept, Accept-Encoding"


@pytest.mark.parametrize("accept", BROWSERS)
@pytest.mark.parametrize("path", FEEDS)
def test_browsers_get_the_feeds_page(client: FlaskClient, path: str, accept: str) -> None:
    status, headers, body = get(client, path, accept)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Vary"] == "Accept, Accept-Encoding"
    _, page_headers, page = get(client, "feed.html")
    assert (headers["ETag"], body) == (page_headers["ETag"], page)
    assert SAMPLE_TITLE in body.decode()


def test_the_page_has_its_own_url(client: FlaskClient) -> None:
    status, headers, body = get(client, f"tags/{TAG}.html")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert body.startswith(b"<!doctype html>")


def test_head_gives_the_pages_headers(client: FlaskClient) -> None:
    _, get_headers, body = get(client, "feed.atom", BROWSERS[0])
    status, head_headers, head_body = get(client, "feed.atom", BROWSERS[0], method="HEAD")
    assert (status, head_body) == (200, b"")
    assert int(head_headers["Content-Length"]) == len(body)
    assert head_headers == get_headers


def test_each_variant_has_its_own_etag(client: FlaskClient) -> None:
    """A cache or browser holding the page never gets a 304 for the feed, nor the reverse."""
    page_etag = get(client, "feed.atom", BROWSERS[0])[1]["ETag"]
    feed_etag = get(client, "feed.atom")[1]["ETag"]
    assert page_etag != feed_etag
    assert get(client, "feed.atom", BROWSERS[0], If_None_Match=page_etag)[0] == 304
    assert get(client, "feed.atom", BROWSERS[0], If_None_Match=feed_etag)[0] == 200
    assert get(client, "feed.atom", If_None_Match=page_etag)[0] == 200
    _, headers, body = get(client, "feed.atom", BROWSERS[0], If_None_Match=page_etag)
    assert (body, headers["Vary"]) == (b"", "Accept, Accept-Encoding")


def test_browsers_get_the_compressed_page(client: FlaskClient) -> None:
    status, headers, _ = get(client, "feed.rss", BROWSERS[0], Accept_Encoding="gzip, br")
    assert (status, headers["Content-Encoding"]) == (200, "br")
    assert headers["ETag"] == get(client, "feed.html", Accept_Encoding="br")[1]["ETag"]


def test_other_documents_are_not_negotiated(client: FlaskClient) -> None:
    for path in ("/", "feeds.opml"):
        status, headers, body = get(client, path, BROWSERS[0])
        assert status == 200 and headers["Vary"] == "Accept-Encoding"
        assert body == get(client, path)[2]


def test_a_set_published_without_pages_still_serves_its_feeds(
    sample_dir: Path, make_settings: MakeSettings, tmp_path: Path
) -> None:
    """A browser gets the feed document when the published set has no page for it (a set
    published before pages existed)."""
    settings: Settings = make_settings(state_dir=tmp_path / "state")
    Refresher(settings).refresh(NOW)
    folder = current_folder(settings.state_dir)
    assert folder is not None
    manifest = json.loads((folder / MANIFEST).read_bytes())
    del manifest["documents"]["feed.html"]
    (folder / MANIFEST).write_text(json.dumps(manifest))
    status, headers, _ = get(create_app(settings).test_client(), "feed.atom", BROWSERS[0])
    assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")


@pytest.mark.parametrize(
    ("path", "accept", "page"),
    [
        ("feed.atom", BROWSERS[0], "feed.html"),
        ("feed.rss", BROWSERS[1], "feed.html"),
        ("tags/a.b.atom", BROWSERS[0], "tags/a.b.html"),
        (f"categories/{TAG}.rss", "text/*", f"categories/{TAG}.html"),
        ("feed.atom", READERS[2], None),
        ("feed.atom", "", None),
        ("feeds.opml", BROWSERS[0], None),
        ("index.html", BROWSERS[0], None),
        ("feed.html", BROWSERS[0], None),
    ],
)
def test_page_instead(path: str, accept: str, page: str | None) -> None:
    assert page_instead(path, accept) == page


@pytest.mark.parametrize(
    ("path", "header"),
    [
        ("feed.atom", "Accept, Accept-Encoding"),
        ("tags/x.rss", "Accept, Accept-Encoding"),
        ("tags/x.html", "Accept, Accept-Encoding"),
        ("index.html", "Accept-Encoding"),
        ("feeds.opml", "Accept-Encoding"),
    ],
)
def test_vary(path: str, header: str) -> None:
    assert vary(path) == header
