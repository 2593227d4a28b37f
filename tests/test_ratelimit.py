"""The poll limit: a burst, then an even pace, per client and document; Retry-After that is
enough; bounded memory; 429s served and counted; X-Forwarded-For only behind proxies."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import Headers

from feedsvc.errors import ConfigError
from feedsvc.pipeline.refresh import Refresher
from feedsvc.settings import Settings
from feedsvc.web.app import create_app
from feedsvc.web.poll_limit import PollLimiter, retry_after

from .conftest import NOW, MakeSettings, read_metrics


class Clock:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_of_the_limit_then_one_per_interval() -> None:
    clock = Clock()
    limiter = PollLimiter(3, 60, clock=clock)  # 3 per minute: one every 20 s after a burst of 3
    assert [limiter.wait("a", "feed.atom") for _ in range(3)] == [0, 0, 0]
    assert limiter.wait("a", "feed.atom") == 20
    clock.now += 19
    assert limiter.wait("a", "feed.atom") == 1
    clock.now += 1
    assert limiter.wait("a", "feed.atom") == 0
    assert limiter.wait("a", "feed.atom") == 20


def test_refused_requests_do_not_count() -> None:
    clock = Clock()
    limiter = PollLimiter(1, 300, clock=clock)
    assert limiter.wait("a", "feed.atom") == 0
    for _ in range(100):  # a client hammering away
        assert limiter.wait("a", "feed.atom") == 300
    clock.now += 300  # it waits as long as it was told
    assert limiter.wait("a", "feed.atom") == 0


def test_each_client_and_document_has_its_own_allowance() -> None:
    limiter = PollLimiter(1, 300, clock=Clock())
    assert limiter.wait("a", "feed.atom") == 0
    assert limiter.wait("a", "feed.atom") > 0
    assert limiter.wait("a", "feed.rss") == 0
    assert limiter.wait("b", "feed.atom") == 0


def test_memory_is_bounded_when_addresses_rotate() -> None:
    limiter = PollLimiter(1, 300, capacity=100, clock=Clock())
    for n in range(10_000):
        assert limiter.wait(f"10.0.{n // 256}.{n % 256}", "feed.atom") == 0
    assert len(limiter) == 100
    # The longest idle are forgotten first, and start afresh: the limit weakens, memory does not.
    assert limiter.wait("10.0.0.0", "feed.atom") == 0
    assert limiter.wait("10.0.39.15", "feed.atom") > 0  # the last one is still remembered


def test_pairs_with_a_full_allowance_are_forgotten() -> None:
    clock = Clock()
    limiter = PollLimiter(2, 60, clock=clock)
    for client in "abcde":
        limiter.wait(client, "feed.atom")
    clock.now += 60  # all of them could burst again: nothing worth keeping
    limiter.wait("f", "feed.atom")
    assert len(limiter) == 1


@pytest.mark.parametrize(
    ("limit", "window", "capacity"), [(0, 60, 10), (1, 0, 10), (1, -1, 10), (1, 60, 0)]
)
def test_a_limiter_needs_a_positive_limit_window_and_capacity(
    limit: int, window: float, capacity: int
) -> None:
    with pytest.raises(ValueError, match="limit"):
        PollLimiter(limit, window, capacity)


@pytest.mark.parametrize(("wait", "header"), [(0.2, "1"), (20.0, "20"), (20.01, "21")])
def test_retry_after_is_whole_seconds_never_too_early(wait: float, header: str) -> None:
    assert retry_after(wait) == header


@pytest.fixture
def published(sample_dir: Path, make_settings: MakeSettings, tmp_path: Path) -> MakeSettings:
    """Settings with the sample post published, with overrides."""

    def make(**overrides: object) -> Settings:
        settings = make_settings(state_dir=tmp_path / "state", **overrides)
        Refresher(settings).refresh(NOW)
        return settings

    return make


@pytest.fixture
def limited(published: MakeSettings) -> Settings:
    """At most 2 requests per document per minute."""
    return published(rate_limit=2, rate_limit_window=60)


def get(
    client: FlaskClient, path: str, address: str = "192.0.2.1", **headers: str
) -> tuple[int, Headers]:
    """(status, headers) of one GET from `address`; the response is closed."""
    with client.get(path, headers=headers, environ_base={"REMOTE_ADDR": address}) as response:
        return response.status_code, response.headers


def test_polling_faster_than_the_limit_gets_429_with_retry_after(limited: Settings) -> None:
    clock = Clock()
    client = create_app(limited, clock=clock).test_client()
    status, headers = get(client, "/feed.atom")
    assert status == 200
    assert get(client, "/feed.atom", If_None_Match=headers["ETag"])[0] == 304  # polls count too
    status, headers = get(client, "/feed.atom")
    assert status == 429
    assert headers["Retry-After"] == "30"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert get(client, "/feed.rss")[0] == 200  # another document
    assert get(client, "/feed.atom", address="192.0.2.2")[0] == 200  # another client
    assert get(client, "/healthz")[0] == 200  # not a document: never limited
    clock.now += 30
    assert get(client, "/feed.atom")[0] == 200
    metrics = read_metrics(client.get("/metrics").get_data(as_text=True))
    assert metrics['feedsvc_http_requests_total{kind="site",status="429"}'] == 1


def test_no_limit_by_default(published: MakeSettings) -> None:
    client = create_app(published()).test_client()
    assert {get(client, "/feed.atom")[0] for _ in range(50)} == {200}


def test_behind_a_proxy_clients_are_told_apart_by_x_forwarded_for(
    published: MakeSettings,
) -> None:
    settings = published(rate_limit=2, rate_limit_window=60, proxy_count=1)
    client = create_app(settings).test_client()
    proxy = "127.0.0.1"  # every request arrives from nginx
    for _ in range(2):
        assert get(client, "/feed.atom", proxy, X_Forwarded_For="198.51.100.7")[0] == 200
    assert get(client, "/feed.atom", proxy, X_Forwarded_For="198.51.100.7")[0] == 429
    assert get(client, "/feed.atom", proxy, X_Forwarded_For="198.51.100.8")[0] == 200
    # A client may put anything first: only the address the proxy appended (the last) counts.
    spoofed = {"X_Forwarded_For": "203.0.113.1, 198.51.100.7"}
    assert get(client, "/feed.atom", proxy, **spoofed)[0] == 429


def test_without_proxies_x_forwarded_for_is_ignored(limited: Settings) -> None:
    client = create_app(limited).test_client()
    for n in range(2):
        assert get(client, "/feed.atom", X_Forwarded_For=f"203.0.113.{n}")[0] == 200
    assert get(client, "/feed.atom", X_Forwarded_For="203.0.113.9")[0] == 429


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rate_limit": -1}, "rate_limit: must be at least 0, got -1"),
        ({"rate_limit_window": 0.0}, "rate_limit_window: must be more than 0, got 0.0"),
        ({"proxy_count": -1}, "proxy_count: must be at least 0, got -1"),
    ],
)
def test_bad_limit_settings_are_one_line_errors(
    make_settings: MakeSettings, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        make_settings(**overrides)
