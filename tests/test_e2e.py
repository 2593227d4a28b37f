"""End to end over real HTTP: feedsvc under granian (the Procfile's web: line), under gunicorn
(config/gunicorn.conf.py), and nginx serving the same published set with config/nginx.conf. The
caching rules hold on all three."""

from __future__ import annotations

import gzip
import http.client
import socket
import urllib.parse
from collections.abc import Iterator
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import brotli
import feedparser
import pytest

from feedsvc.model.layout import FeedFormat
from feedsvc.settings import EXAMPLE_CONTENT, load_settings
from feedsvc.web.app import cache_control

from .conftest import parse_feed, read_metrics
from .servers import (
    NGINX_CONF,
    REPO,
    Server,
    adapt_site,
    feedsvc_server,
    loaded_configuration,
    nginx,
)

CATEGORY = "shanghaizhengquanbao·zhongguozhengquanwang"
TAG = "上海证券报·中国证券网新闻"
FEEDS = [
    ("feed.atom", "application/atom+xml"),
    ("feed.rss", "application/rss+xml"),
    (f"categories/{CATEGORY}.atom", "application/atom+xml"),
    (f"categories/{CATEGORY}.rss", "application/rss+xml"),
    (f"tags/{TAG}.atom", "application/atom+xml"),
    (f"tags/{TAG}.rss", "application/rss+xml"),
    ("feed.json", "application/feed+json"),
    (f"categories/{CATEGORY}.json", "application/feed+json"),
    (f"tags/{TAG}.json", "application/feed+json"),
]
XML_FEEDS = [(path, media_type) for path, media_type in FEEDS if "xml" in media_type]
SERVERS = ["gunicorn", "granian", "nginx"]
# max-age is the default refresh_interval: feeds cannot change sooner (feedsvc.model.polling).
CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300, stale-if-error=86400"
# What a browser sends when it opens a URL (Chromium), and what feed readers send.
BROWSER = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
    "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
READERS = [
    "application/atom+xml, application/rss+xml, */*",
    feedparser.http.ACCEPT_HEADER,
    "*/*",
]
APP_SERVERS = ["gunicorn", "granian"]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="module")
def app_servers(work: Path) -> Iterator[dict[str, Server]]:
    """feedsvc under gunicorn and under granian (as the Procfile's web: line runs it), each
    publishing the bundled example."""
    with (
        feedsvc_server("gunicorn", EXAMPLE_CONTENT, work / "state", work) as gunicorn,
        feedsvc_server("procfile", EXAMPLE_CONTENT, work / "state-granian", work) as granian,
    ):
        yield {"gunicorn": gunicorn, "granian": granian}


@pytest.fixture(scope="module")
def nginx_server(app_servers: dict[str, Server], work: Path) -> Iterator[Server]:
    """nginx serving the set gunicorn's master published, passing /metrics to gunicorn. Tests
    using it skip when nginx is not installed."""
    with nginx(work / "state", work, app=app_servers["gunicorn"]) as server:
        yield server


@pytest.fixture
def server(kind: str, request: pytest.FixtureRequest) -> Server:
    """The server a test's `kind` names: nginx is started only for the tests that use it."""
    if kind == "nginx":
        return request.getfixturevalue("nginx_server")  # type: ignore[no-any-return]
    return request.getfixturevalue("app_servers")[kind]  # type: ignore[no-any-return]


def fetch(
    server: Server,
    path: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    source: str | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One raw request, from the address `source` if given; `path` is sent as given, after
    percent-encoding non-ASCII."""
    parts = urllib.parse.urlsplit(server.url)
    connection = http.client.HTTPConnection(
        parts.hostname or "", parts.port, timeout=10, source_address=(source, 0) if source else None
    )
    try:
        connection.request(
            method, "/" + urllib.parse.quote(path, safe="/%?=&*\\:;"), headers=headers or {}
        )
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("kind", SERVERS)
@pytest.mark.parametrize(("path", "media_type"), FEEDS)
def test_every_feed_answers_with_caching_headers(
    server: Server, kind: str, path: str, media_type: str
) -> None:
    status, headers, body = fetch(server, path)
    assert status == 200
    assert headers["Content-Type"] == f"{media_type}; charset=utf-8"
    assert int(headers["Content-Length"]) == len(body)
    assert headers["ETag"].startswith('"') and headers["ETag"].endswith('"')  # strong
    assert parsedate_to_datetime(headers["Last-Modified"]).tzinfo is not None
    assert headers["Cache-Control"] == CACHE_CONTROL
    assert headers.get_all("Vary") == ["Accept, Accept-Encoding"]  # browsers get the page
    assert len(parse_feed(body).entries) >= 1


@pytest.mark.parametrize("kind", SERVERS)
@pytest.mark.parametrize(("path", "media_type"), XML_FEEDS)  # feedparser 6.0 reads no JSON Feed
def test_feedparser_gets_304_on_its_second_fetch(
    server: Server, kind: str, path: str, media_type: str
) -> None:
    url = server.url + urllib.parse.quote(path)
    first = feedparser.parse(url)
    assert first.status == 200 and not first.bozo
    assert first.etag and first.modified
    second = feedparser.parse(url, etag=first.etag, modified=first.modified)
    assert second.status == 304
    assert second.entries == []


@pytest.mark.parametrize("kind", SERVERS)
@pytest.mark.parametrize("fmt", ["atom", "json"])
def test_conditional_requests_follow_rfc_9110(server: Server, kind: str, fmt: str) -> None:
    path = f"tags/{TAG}.{fmt}"
    _, headers, _ = fetch(server, path)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    earlier = format_datetime(parsedate_to_datetime(modified).replace(year=2001), usegmt=True)
    not_modified = [
        {"If-None-Match": etag},
        {"If-None-Match": f'"nope", {etag}, "other"'},
        {"If-None-Match": "*"},
        {"If-None-Match": f"W/{etag}"},  # weak comparison
        {"If-Modified-Since": modified},
        {"If-None-Match": etag, "If-Modified-Since": modified},  # what pollers really send
    ]
    for conditions in not_modified:
        status, answer, body = fetch(server, path, headers=conditions)
        assert (status, body) == (304, b""), conditions
        assert answer["ETag"] == etag
        assert answer["Last-Modified"] == modified
        assert answer["Cache-Control"] == CACHE_CONTROL
        assert answer.get_all("Vary") == ["Accept, Accept-Encoding"]
    modified_cases = [
        {"If-None-Match": '"nope"'},
        {"If-None-Match": '"nope"', "If-Modified-Since": modified},  # If-None-Match wins
        {"If-Modified-Since": earlier},
    ]
    for conditions in modified_cases:
        status, _, body = fetch(server, path, headers=conditions)
        assert status == 200 and body, conditions


@pytest.mark.parametrize("kind", SERVERS)
def test_a_matching_etag_wins_over_an_old_date(server: Server, kind: str) -> None:
    """RFC 9110 13.2.2: with If-None-Match present, If-Modified-Since is ignored. nginx 1.22
    evaluates both and answers 200 here; a poller echoing one response's ETag and date never
    meets this case, so the deviation costs nothing in practice (docs/deploying.md: nginx)."""
    _, headers, _ = fetch(server, "feed.atom")
    earlier = format_datetime(
        parsedate_to_datetime(headers["Last-Modified"]).replace(year=2001), usegmt=True
    )
    conditions = {"If-None-Match": headers["ETag"], "If-Modified-Since": earlier}
    status, _, _ = fetch(server, "feed.atom", headers=conditions)
    assert status == (200 if kind == "nginx" else 304)


@pytest.mark.parametrize("kind", SERVERS)
def test_head_gives_gets_headers_and_no_body(server: Server, kind: str) -> None:
    _, get_headers, body = fetch(server, "feed.rss")
    status, head_headers, head_body = fetch(server, "feed.rss", method="HEAD")
    assert (status, head_body) == (200, b"")
    assert int(head_headers["Content-Length"]) == len(body)
    for name in ("Content-Type", "Content-Length", "ETag", "Last-Modified", "Cache-Control"):
        assert head_headers[name] == get_headers[name], name


@pytest.mark.parametrize("kind", SERVERS)
@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [
        ("gzip", "gzip", gzip.decompress),
        ("br", "br", brotli.decompress),
        ("gzip, br", "br", brotli.decompress),
    ],
)
def test_compressed_variants_have_their_own_etag(
    server: Server, kind: str, accept: str, encoding: str, decode: object
) -> None:
    _, plain_headers, plain = fetch(server, "feed.atom", headers={"Accept-Encoding": "identity"})
    status, headers, packed = fetch(server, "feed.atom", headers={"Accept-Encoding": accept})
    assert status == 200
    assert headers["Content-Encoding"] == encoding
    assert decode(packed) == plain  # type: ignore[operator]
    assert int(headers["Content-Length"]) == len(packed) < len(plain)
    assert headers["ETag"] != plain_headers["ETag"]
    assert headers["Last-Modified"] == plain_headers["Last-Modified"]
    again, _, _ = fetch(
        server, "feed.atom", headers={"Accept-Encoding": accept, "If-None-Match": headers["ETag"]}
    )
    assert again == 304


@pytest.mark.parametrize("kind", APP_SERVERS)
def test_every_worker_serves_the_same_bytes_and_etag(server: Server, kind: str) -> None:
    answers = {fetch(server, "feed.atom")[1]["ETag"] for _ in range(40)}
    bodies = {fetch(server, "feed.atom")[2] for _ in range(10)}
    assert len(answers) == 1 and len(bodies) == 1


def test_all_three_servers_serve_the_same_bytes(
    app_servers: dict[str, Server], nginx_server: Server
) -> None:
    for path, _ in FEEDS:
        bodies = {fetch(server, path)[2] for server in (app_servers["gunicorn"], nginx_server)}
        assert len(bodies) == 1, path


@pytest.mark.parametrize("kind", SERVERS)
def test_index_page_lists_every_feed(server: Server, kind: str) -> None:
    status, headers, body = fetch(server, "")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    page = body.decode()
    assert f'href="tags/{urllib.parse.quote(TAG)}.atom"' in page
    assert f'<link rel="alternate" type="application/atom+xml" title="{CATEGORY}' in page
    status, headers, body = fetch(server, "feeds.opml")
    assert status == 200 and body.count(b"xmlUrl=") > 40


@pytest.mark.parametrize("kind", SERVERS)
@pytest.mark.parametrize(("path", "media_type"), FEEDS)
def test_a_browser_gets_the_feeds_page_and_readers_the_feed(
    server: Server, kind: str, path: str, media_type: str
) -> None:
    _, feed_headers, feed = fetch(server, path)  # no Accept: what readers always got
    for accept in READERS:
        status, headers, body = fetch(server, path, headers={"Accept": accept})
        assert (status, headers["ETag"], body) == (200, feed_headers["ETag"], feed), accept
    page_path = path.rpartition(".")[0] + ".html"
    _, page_headers, page = fetch(server, page_path)
    status, headers, body = fetch(server, path, headers={"Accept": BROWSER})
    assert (status, body) == (200, page)
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers.get_all("Vary") == page_headers.get_all("Vary") == ["Accept, Accept-Encoding"]
    assert headers["ETag"] == page_headers["ETag"] != feed_headers["ETag"]
    assert 'class="subscribe" href="http://127.0.0.1:' in body.decode()
    assert f'{urllib.parse.quote(path)}" type="{media_type}">' in body.decode()  # subscribe
    status, head_headers, head_body = fetch(server, path, "HEAD", headers={"Accept": BROWSER})
    assert (status, head_body, head_headers["ETag"]) == (200, b"", headers["ETag"])
    again = {"Accept": BROWSER, "If-None-Match": headers["ETag"]}
    assert fetch(server, path, headers=again)[0] == 304
    packed = {"Accept": BROWSER, "Accept-Encoding": "gzip"}
    status, headers, body = fetch(server, path, headers=packed)
    assert (status, headers["Content-Encoding"], gzip.decompress(body)) == (200, "gzip", page)


def test_nginx_sends_browsers_the_page_of_every_feed_format() -> None:
    """nginx.conf names the feed suffixes itself: a new format must be added there too."""
    config = (Path(__file__).parents[1] / "config" / "nginx.conf").read_text()
    suffixes = "|".join(fmt.value for fmt in FeedFormat)
    assert f"location ~ ^(?<feedsvc_stem>/.+)\\.({suffixes})$ {{" in config


@pytest.mark.parametrize("kind", APP_SERVERS)
def test_health_and_status(server: Server, kind: str) -> None:
    assert fetch(server, "healthz")[:1] == (200,)
    status, headers, body = fetch(server, "status.json")
    assert status == 200 and headers["Cache-Control"] == "no-cache"
    assert b'"posts": 31' in body and b'"bad_files": []' in body


@pytest.mark.parametrize("kind", APP_SERVERS)
@pytest.mark.parametrize(
    "path",
    [
        "tags/no-such-tag.atom",
        "categories/nope.rss",
        "feed.xml",
        "index.html",
        "feed.atom.gz",
        ".feedsvc-manifest.json",
        "../../../../etc/passwd",
        "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "tags/..%2f..%2f..%2fetc%2fpasswd",
        "..\\..\\etc\\passwd",
        "//etc/passwd",
        "feed.atom%00.html",
        "tags/%00",
    ],
)
def test_unknown_paths_and_traversal_get_a_short_404(server: Server, kind: str, path: str) -> None:
    status, headers, body = fetch(server, path)
    assert status in (400, 404), (path, status)
    assert len(body) < 100 and b"root:" not in body and b"Traceback" not in body
    if status == 404:
        assert headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("kind", APP_SERVERS)
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_get_405(server: Server, kind: str, method: str) -> None:
    status, _, body = fetch(server, "feed.atom", method=method)
    assert status == 405
    assert b"Traceback" not in body


@pytest.mark.parametrize("kind", APP_SERVERS)
def test_overlong_url_and_headers_are_refused(server: Server, kind: str) -> None:
    status, _, body = fetch(server, "tags/" + "x" * 5000 + ".atom")
    assert status in (400, 414) and b"Traceback" not in body
    status, _, body = fetch(server, "feed.atom", headers={"X-Long": "y" * 20_000})
    assert status in (400, 413, 431) and b"Traceback" not in body


@pytest.mark.parametrize("kind", SERVERS)
def test_metrics_are_served_uncached(server: Server, kind: str) -> None:
    """By feedsvc under either server, and by nginx passing /metrics to feedsvc."""
    before = fetch(server, "metrics")
    for _ in range(3):
        fetch(server, "feeds.opml", method="HEAD")
    status, headers, body = fetch(server, "metrics")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert headers["Content-Type"].startswith("text/plain; version=")
    metrics, earlier = read_metrics(body.decode()), read_metrics(before[2].decode())
    assert metrics["feedsvc_posts"] == 31
    opml = 'feedsvc_http_requests_total{kind="opml",status="200"}'
    if kind != "nginx":  # nginx answered those itself: feedsvc never saw them
        assert metrics[opml] - earlier.get(opml, 0) == 3


def test_nginx_config_is_the_shipped_one(
    nginx_server: Server, app_servers: dict[str, Server], work: Path
) -> None:
    """The nginx these tests run reads config/nginx.conf whole: as nginx loads its configuration
    (`nginx -T`), the site file is the shipped text with only the changes adapt_site documents
    (loopback port, state folder, feedsvc's address), included in the http block, and nothing
    else is read."""
    loaded = loaded_configuration(nginx_server)
    main = nginx_server.config
    assert main is not None
    site = main.parent / "site.conf"
    assert loaded.keys() == {main, site}
    assert "http {\n" in loaded[main] and f"    include {site};\n}}\n" in loaded[main]
    port = urllib.parse.urlsplit(nginx_server.url).port
    assert port is not None
    shipped = NGINX_CONF.read_text()
    assert loaded[site] == adapt_site(shipped, port, work / "state", app_servers["gunicorn"])


def test_nginx_config_sends_the_default_settings_cache_control() -> None:
    config = (Path(__file__).parents[1] / "config" / "nginx.conf").read_text()
    default = cache_control(load_settings(REPO / "config" / "feedsvc.toml", env={}))
    assert default == CACHE_CONTROL
    # /, other documents, feeds, pages, partial archive pages, a Hugo site's index.xml paths
    assert config.count(f'add_header Cache-Control "{default}";') == 6


def test_feedsvc_serve_on_its_own(tmp_path: Path, sample_dir: Path) -> None:
    """`feedsvc serve` as the quick start runs it: publish, then granian on the chosen port."""
    with feedsvc_server("serve", sample_dir, tmp_path / "state", tmp_path) as server:
        status, headers, body = fetch(server, f"tags/{TAG}.rss")
        assert status == 200 and headers["Content-Type"] == "application/rss+xml; charset=utf-8"
        assert len(parse_feed(body).entries) == 1
        assert "Starting granian" in server.log.read_text()


@pytest.mark.parametrize("kind", APP_SERVERS)
def test_if_match_and_a_listed_if_modified_since_follow_rfc_9110(server: Server, kind: str) -> None:
    """RFC 9110 13.1.1: `If-Match: *` holds for a document that exists, a strong match holds, a
    weak or other tag fails with 412. 13.1.3: an If-Modified-Since holding more than one date is
    ignored (a full answer, never a 304)."""
    _, headers, _ = fetch(server, "feed.atom")
    etag, modified = headers["ETag"], headers["Last-Modified"]
    for conditions, expected in [
        ({"If-Match": "*"}, 200),
        ({"If-Match": f'"other", {etag}'}, 200),
        ({"If-Match": f"W/{etag}"}, 412),
        ({"If-Match": '"other"'}, 412),
        ({"If-Modified-Since": f"{modified}, {modified}"}, 200),
        ({"If-Match": "*", "If-None-Match": etag}, 304),
    ]:
        status, _, _ = fetch(server, "feed.atom", headers=conditions)
        assert status == expected, conditions


def _raw(server: Server, request: bytes) -> int:
    """The status of one request sent byte for byte (http.client would fix it up)."""
    parts = urllib.parse.urlsplit(server.url)
    with socket.create_connection((parts.hostname or "", parts.port or 80), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1])


@pytest.mark.parametrize("kind", APP_SERVERS)
@pytest.mark.parametrize("path", ["/feed.atom", "/healthz"])
def test_a_lowercase_method_or_a_missing_host_is_refused(
    server: Server, kind: str, path: str
) -> None:
    """RFC 9110 9.1: methods are case-sensitive, `get` is not GET (gunicorn refuses it with 400,
    feedsvc under granian with 501). RFC 9112 3.2: an HTTP/1.1 request without Host is a 400."""
    lowercase = _raw(
        server, f"get {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )
    assert lowercase in (400, 501), lowercase
    no_host = _raw(server, f"GET {path} HTTP/1.1\r\nConnection: close\r\n\r\n".encode())
    assert no_host == 400
    assert _raw(server, f"GET {path} HTTP/1.0\r\n\r\n".encode()) == 200  # 1.0 needs no Host


def other_host_address() -> str:
    """An address of this machine that is not a loopback one: a connection from it to a
    loopback port comes, as the server sees it, from another host. The test skips without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("203.0.113.1", 9))  # picks the route out; sends nothing
            address = str(probe.getsockname()[0])
        except OSError:
            address = ""
    if not address or address.startswith("127."):
        pytest.skip("this machine has no address but loopback to connect from")
    return address


@pytest.mark.parametrize("kind", SERVERS)
@pytest.mark.parametrize("path", ["status.json", "metrics"])
def test_status_and_metrics_answer_this_machine_only(server: Server, kind: str, path: str) -> None:
    """Under gunicorn and granian by default (monitoring_networks), and with nginx's shipped
    config, which allows 127.0.0.1 and ::1 only: another host gets 404 from feedsvc, 403 from
    nginx; the feeds are everyone's."""
    other = other_host_address()
    assert fetch(server, path)[0] == 200
    status, headers, body = fetch(server, path, source=other)
    assert status == (403 if kind == "nginx" else 404), body
    assert headers["Cache-Control"] == "no-store" or kind == "nginx"
    assert fetch(server, "feed.atom", source=other)[0] == 200
