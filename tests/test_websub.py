"""WebSub: feeds advertise the hub (documents and Link headers), and after each publish the hub is
pinged for exactly the feeds whose bytes changed, from a thread that retries and never holds up a
refresh. The hub is a real HTTP server on loopback that records every ping."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import lxml.etree
import pytest

from feedsvc.model.index import build_index
from feedsvc.model.layout import FeedFormat, document_url, feed_path, feed_url, is_feed
from feedsvc.pipeline.build import build, index_posts, read_posts
from feedsvc.pipeline.refresh import Refresher
from feedsvc.published.manifest import current_folder
from feedsvc.service import hub_pings as hubping
from feedsvc.service.hub_pings import FIRST_RETRY_SECONDS, MAX_ATTEMPTS, SETTLE_SECONDS, HubPinger
from feedsvc.service.scheduler import RefreshWorker
from feedsvc.settings import Settings
from feedsvc.web.app import create_app

from .conftest import NOW, REPO, MakeSettings, assert_valid_atom, parse_feed, write_post
from .oracle import render_documents
from .servers import free_port, nginx

NS = {"a": "http://www.w3.org/2005/Atom"}
WAIT = 30  # seconds: only a safety net, so that a broken test fails instead of hanging


class Hub:
    """A hub on loopback: records each ping's form and answers with the statuses queued in
    `answers` (204 once they run out). While `open` is clear, requests wait for it."""

    def __init__(self) -> None:
        self.pings: list[dict[str, list[str]]] = []
        self.content_types: list[str] = []
        self.answers: list[int] = []
        self.arrived = threading.Event()  # some ping reached the hub
        self.open = threading.Event()
        self.open.set()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                hub.content_types.append(self.headers["Content-Type"])
                hub.pings.append(urllib.parse.parse_qs(body, strict_parsing=True))
                hub.arrived.set()
                hub.open.wait(WAIT)
                self.send_response(hub.answers.pop(0) if hub.answers else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass  # the test reads `pings`, not a log

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/publish"

    def topics(self) -> list[str]:
        """The feed URLs pinged, in order; every ping was a well-formed publish notification."""
        assert all(t == "application/x-www-form-urlencoded" for t in self.content_types)
        assert all(ping["hub.mode"] == ["publish"] for ping in self.pings)
        return [url for ping in self.pings for url in ping["hub.url"]]


@pytest.fixture
def hub() -> Iterator[Hub]:
    hub = Hub()
    thread = threading.Thread(target=hub.server.serve_forever, daemon=True)
    thread.start()
    yield hub
    hub.open.set()
    hub.server.shutdown()
    hub.server.server_close()
    thread.join()


MakePinger = Callable[..., HubPinger]


@pytest.fixture
def delays() -> list[float]:
    """Every wait the pingers asked for, in order: they never really wait in these tests."""
    return []


@pytest.fixture
def make_pinger(delays: list[float]) -> Iterator[MakePinger]:
    pingers: list[HubPinger] = []

    def make(settings: Settings) -> HubPinger:
        pinger = HubPinger(settings.websub_hub, settings.feeds_base, sleep=delays.append)
        pingers.append(pinger)
        return pinger

    yield make
    for pinger in pingers:
        pinger.close(WAIT)


def idle(pinger: HubPinger) -> None:
    assert pinger.wait_idle(WAIT)


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


def refreshes(settings: Settings, pinger: HubPinger) -> Iterator[RefreshWorker]:
    """A refresher process's worker, without its scheduler; each `next` refreshes a minute later."""
    times = iter(NOW + dt.timedelta(minutes=n) for n in range(1000))
    worker = RefreshWorker(settings, clock=lambda: next(times), pinger=pinger)
    while True:
        worker.note(None)  # scan everything, as the schedule does
        worker.refresh_until_clean()
        yield worker


def feeds_holding(settings: Settings, title: str) -> set[str]:
    """The URLs of every document of every feed that holds the post titled `title`."""
    index = index_posts(read_posts(settings).posts, NOW, settings)
    keys = [key for key, posts in index.feeds.items() if any(p.title == title for p in posts)]
    return {feed_url(settings.feeds_base, key, fmt) for key in keys for fmt in FeedFormat}


# Advertising the hub: documents and headers.


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_every_document_links_to_the_hub(
    small_site: Path, make_settings: MakeSettings, fmt: FeedFormat
) -> None:
    settings = make_settings(websub_hub="https://hub.example/")
    index = index_posts(read_posts(settings).posts, NOW, settings)
    documents = render_documents(index, settings)
    feeds = {path: data for path, data in documents.items() if path.endswith(f".{fmt}")}
    assert len(feeds) == 6  # the site, two categories, three tags
    for data in feeds.values():
        links = [(link.rel, link.href) for link in parse_feed(data).feed.links]
        assert links.count(("hub", "https://hub.example/")) == 1
        if fmt is FeedFormat.JSON:
            hubs = json.loads(data)["hubs"]
            assert hubs == [{"type": "WebSub", "url": "https://hub.example/"}]
            continue
        tree = lxml.etree.fromstring(data)
        where = "/a:feed/a:link" if fmt is FeedFormat.ATOM else "/rss/channel/a:link"
        assert tree.xpath(f"{where}[@rel='hub']/@href", namespaces=NS) == ["https://hub.example/"]
        if fmt is FeedFormat.ATOM:
            assert_valid_atom(data)
    without = render_documents(index, make_settings())
    assert not any(b'rel="hub"' in without[path] for path in feeds)
    assert not any(b'"hubs"' in without[path] for path in feeds)


def test_the_fast_path_links_to_the_hub_exactly_as_the_plain_path(
    small_site: Path, make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = make_settings(websub_hub="https://hub.example/")
    build(settings, tmp_path / "out", NOW)
    index = index_posts(read_posts(settings).posts, NOW, settings)
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
    relative = [p.relative_to(folder).as_posix() for p in folder.rglob("*.*")]
    paths = [path for path in relative if is_feed(path)]
    assert len(paths) == 18  # six feeds in three formats
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
    index = index_posts(read_posts(settings).posts, NOW, settings)
    assert len(index.feeds) > 10
    for key in index.feeds:
        for fmt in FeedFormat:
            url = document_url(settings.feeds_base, feed_path(key, fmt))
            assert url == feed_url(settings.feeds_base, key, fmt)


def test_changing_the_hub_renders_every_feed_again(
    small_site: Path, make_settings: MakeSettings, tmp_path: Path
) -> None:
    first = Refresher(hub_settings(make_settings, tmp_path, "https://one.example/"))
    assert first.refresh(NOW) is not None
    second = Refresher(hub_settings(make_settings, tmp_path, "https://two.example/"))
    report = second.refresh(NOW + dt.timedelta(minutes=1))
    assert report is not None
    index = build_index(read_posts(second.settings).posts, NOW, 20, False)
    assert sorted(report.published.changed) == sorted(
        feed_path(key, fmt) for key in index.feeds for fmt in FeedFormat
    )


# Pinging the hub.


def test_a_changed_post_pings_exactly_the_feeds_holding_it(
    small_site: Path, make_settings: MakeSettings, tmp_path: Path, hub: Hub, make_pinger: MakePinger
) -> None:
    settings = hub_settings(make_settings, tmp_path, hub.url)
    pinger = make_pinger(settings)
    refresh = refreshes(settings, pinger)
    next(refresh)  # the first publish: every feed is new
    idle(pinger)
    assert sorted(hub.topics()) == sorted(
        document_url(settings.feeds_base, f"{feed}.{fmt}")
        for feed in ALL_FEEDS
        for fmt in FeedFormat
    )
    hub.pings.clear()
    next(refresh)  # nothing changed
    idle(pinger)
    assert hub.topics() == []

    write_post(small_site, "a.md", POST_A, "A new body.")
    next(refresh)
    idle(pinger)
    expected = feeds_holding(settings, "A")
    assert {url.removeprefix(settings.feeds_base) for url in expected} == {
        f"{feed}.{fmt}"
        for feed in ("feed", "categories/markets", "tags/bonds", "tags/%E5%80%BA%E5%88%B8")
        for fmt in FeedFormat
    }
    assert sorted(hub.topics()) == sorted(expected)  # each once, and nothing else


def test_a_failing_hub_is_tried_again_with_growing_waits(
    make_settings: MakeSettings, hub: Hub, make_pinger: MakePinger, delays: list[float]
) -> None:
    pinger = make_pinger(make_settings(websub_hub=hub.url))
    hub.answers = [500, 503, 429]
    pinger.notify(["https://news.example.com/feed.atom"])
    idle(pinger)
    assert hub.topics() == ["https://news.example.com/feed.atom"] * 4
    assert delays == [SETTLE_SECONDS, *(FIRST_RETRY_SECONDS * 2**n for n in range(3))]
    assert (pinger.delivered, pinger.failed) == (1, 0)


def test_a_hub_down_for_good_gets_bounded_attempts_then_the_next_change_pings_again(
    make_settings: MakeSettings,
    hub: Hub,
    make_pinger: MakePinger,
    caplog: pytest.LogCaptureFixture,
) -> None:
    pinger = make_pinger(make_settings(websub_hub=hub.url))
    hub.answers = [500] * MAX_ATTEMPTS
    pinger.notify(["https://news.example.com/a.atom", "https://news.example.com/b.atom"])
    idle(pinger)
    assert hub.topics() == ["https://news.example.com/a.atom"] * MAX_ATTEMPTS
    assert (pinger.delivered, pinger.failed) == (0, 2)
    assert f"failed {MAX_ATTEMPTS} times in a row; dropped 2 pings" in caplog.text
    pinger.notify(["https://news.example.com/b.atom"])
    idle(pinger)
    assert hub.topics()[MAX_ATTEMPTS:] == ["https://news.example.com/b.atom"]
    assert pinger.delivered == 1


def test_a_url_the_hub_refuses_is_not_tried_again(
    make_settings: MakeSettings, hub: Hub, make_pinger: MakePinger, delays: list[float]
) -> None:
    pinger = make_pinger(make_settings(websub_hub=hub.url))
    hub.answers = [400]
    pinger.notify(["https://news.example.com/a.atom", "https://news.example.com/b.atom"])
    idle(pinger)
    assert hub.topics() == ["https://news.example.com/a.atom", "https://news.example.com/b.atom"]
    assert (pinger.delivered, pinger.failed, delays) == (1, 1, [SETTLE_SECONDS])


def test_urls_queued_twice_are_pinged_once_and_the_queue_is_bounded(
    make_settings: MakeSettings,
    hub: Hub,
    make_pinger: MakePinger,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(hubping, "MAX_PENDING", 3)
    pinger = make_pinger(make_settings(websub_hub=hub.url))
    url = [f"https://news.example.com/{n}.atom" for n in range(6)]
    hub.open.clear()
    pinger.notify([url[0]])
    assert hub.arrived.wait(WAIT)  # url[0] is in flight, held by the hub
    pinger.notify([url[1], url[1], url[0], url[1], url[2], url[3], url[4]])
    hub.open.set()
    idle(pinger)
    # url[0] changed again while in flight: the hub must fetch it again. url[3] and url[4]
    # found the queue full.
    assert hub.topics() == [url[0], url[1], url[0], url[2]]
    assert (pinger.delivered, pinger.failed) == (4, 2)
    assert "2 pings dropped: more than 3 waiting" in caplog.text


def test_a_hub_that_hangs_never_holds_up_a_refresh(
    small_site: Path, make_settings: MakeSettings, tmp_path: Path, hub: Hub, make_pinger: MakePinger
) -> None:
    settings = hub_settings(make_settings, tmp_path, hub.url)
    pinger = make_pinger(settings)
    hub.open.clear()
    worker = next(refreshes(settings, pinger))  # returns while the hub holds the first ping
    assert hub.arrived.wait(WAIT)
    assert not pinger.wait_idle(timeout=0)
    assert worker.refresher.status.data["error"] is None
    assert current_folder(settings.state_dir) is not None
    hub.open.set()
    idle(pinger)
    assert pinger.delivered == 18


def test_a_dead_hub_never_fails_a_refresh(
    small_site: Path,
    make_settings: MakeSettings,
    tmp_path: Path,
    make_pinger: MakePinger,
    delays: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = hub_settings(make_settings, tmp_path, f"http://127.0.0.1:{free_port()}/")
    pinger = make_pinger(settings)
    worker = next(refreshes(settings, pinger))
    assert worker.refresher.status.data["error"] is None
    assert current_folder(settings.state_dir) is not None
    idle(pinger)
    assert (pinger.delivered, pinger.failed) == (0, 18)
    assert (
        len(delays) == MAX_ATTEMPTS
    )  # the settling wait, then one after each failure but the last
    assert "cannot reach hub" in caplog.text and "dropped 18 pings" in caplog.text


def test_build_pings_the_hub_for_the_feeds_it_wrote(
    small_site: Path, tmp_path: Path, hub: Hub
) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSVC_")}
    env = {**clean, "FEEDSVC_WEBSUB_HUB": hub.url, "FEEDSVC_SITE_URL": "https://news.example.com/"}
    out = tmp_path / "public"
    command = [sys.executable, "-m", "feedsvc", "build", str(out), "--content", str(small_site)]
    first = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert f"hub {hub.url}: 18 feeds pinged, 0 failed" in first.stdout
    written = [p.relative_to(out).as_posix() for p in out.rglob("*")]
    written = [path for path in written if is_feed(path)]
    assert sorted(hub.topics()) == sorted(
        document_url("https://news.example.com/", path) for path in written
    )
    hub.pings.clear()
    again = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert f"hub {hub.url}: 0 feeds pinged, 0 failed" in again.stdout
    assert hub.topics() == []


def test_nginx_sends_the_same_link_headers_with_its_websub_block(
    small_site: Path, make_settings: MakeSettings, tmp_path: Path
) -> None:
    """config/nginx.conf's commented WebSub block, filled in, gives feedsvc's Link headers (for
    a client that percent-encodes the path as the feed's URL does)."""
    settings = make_settings(
        state_dir=tmp_path / "state",
        websub_hub="https://hub.example/",
        feeds_url="https://feeds.example.com/",
    )
    Refresher(settings).refresh(NOW)
    site = (REPO / "config" / "nginx.conf").read_text().replace("#websub ", "")
    with nginx(settings.state_dir, tmp_path, site) as server:
        for path in ("feed.atom", "categories/markets.rss", "tags/债券.atom"):
            with urllib.request.urlopen(server.url + urllib.parse.quote(path)) as response:
                assert link_header(response.headers["Link"]) == {
                    "hub": "https://hub.example/",
                    "self": document_url(settings.feeds_base, path),
                }
                assert response.headers["Cache-Control"].startswith("public, max-age=60,")
                assert response.headers.get_all("Vary") == ["Accept, Accept-Encoding"]
        with urllib.request.urlopen(server.url + "feeds.opml") as response:
            assert response.headers["Link"] is None


def test_only_the_layouts_feeds_are_pinged_and_linked() -> None:
    feeds = ["feed.atom", "feed.json", "categories/a·b.rss", "tags/上海.json"]
    others = [".feedsvc-manifest.json", "feeds.opml", "feeds-json.opml", "index.html"]
    others += ["feed.atom.gz", "tags/x.atom.br", "status.json", "tags/x/y.atom", "other/x.atom"]
    assert [path for path in feeds + others if is_feed(path)] == feeds
