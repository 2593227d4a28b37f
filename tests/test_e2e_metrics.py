"""End to end over real HTTP: /metrics sums the requests of both workers under granian (as the
Procfile's web: line runs it) and gunicorn, and a client polling faster than `rate_limit` gets 429
with Retry-After."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from feedsvc.settings import EXAMPLE_CONTENT

from .conftest import read_metrics
from .servers import Server, feedsvc_server
from .test_e2e import TAG, fetch

REQUESTS = "feedsvc_http_requests_total"
MOST_REQUESTS = 2000  # far more than two workers ever need to both get some


def scrape(server: Server) -> dict[str, float]:
    status, headers, body = fetch(server, "metrics")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    return read_metrics(body.decode())


def documents_counted(server: Server) -> dict[str, float]:
    return {k: v for k, v in scrape(server).items() if k.startswith(REQUESTS) and "other" not in k}


@pytest.mark.parametrize("kind", ["procfile", "gunicorn"])
def test_metrics_sum_the_requests_of_every_worker(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "metrics"  # named by the operator, so this test can look inside
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"left by a crashed run: not a valid file")
    env = {"FEEDSVC_WEB_WORKERS": "2", "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    with feedsvc_server(kind, EXAMPLE_CONTENT, tmp_path / "state", tmp_path, env) as server:
        assert not (folder / "counter_1.db").exists()  # emptied at start
        _, headers, _ = fetch(server, f"tags/{TAG}.atom")
        sent = collections.Counter({'kind="tag",status="200"': 1})
        workers_counted: set[Path] = set()
        for n in range(MOST_REQUESTS):  # a new connection each: the workers take turns at random
            conditional = {"If-None-Match": headers["ETag"]} if n % 2 else {}
            status = fetch(server, f"tags/{TAG}.atom", headers=conditional)[0]
            sent[f'kind="tag",status="{status}"'] += 1
            workers_counted = set(folder.glob("counter_*.db"))
            if len(workers_counted) == 2 and n >= 20:
                break
        assert len(workers_counted) == 2, "one worker took every connection"
        sent[f'kind="tag",status="{fetch(server, "tags/no-such-tag.atom")[0]}"'] += 1
        sent[f'kind="site",status="{fetch(server, "feed.rss", method="HEAD")[0]}"'] += 1
        expected = {f"{REQUESTS}{{{labels}}}": float(n) for labels, n in sent.items()}
        assert set(sent) == {
            'kind="tag",status="200"',
            'kind="tag",status="304"',
            'kind="tag",status="404"',
            'kind="site",status="200"',
        }
        assert documents_counted(server) == expected
        metrics = scrape(server)
        assert metrics["feedsvc_posts"] == 31
        assert metrics["feedsvc_refresh_duration_seconds_count"] == 1  # the server's first publish
    assert folder.is_dir()  # the operator's folder stays


def test_polling_too_often_gets_429_with_retry_after(tmp_path: Path, sample_dir: Path) -> None:
    env = {
        "FEEDSVC_RATE_LIMIT": "2",
        "FEEDSVC_RATE_LIMIT_WINDOW": "3600",  # a burst of 2, then one per 30 minutes
        "FEEDSVC_WEB_WORKERS": "1",  # per worker (docs/metrics-and-poll-limit.md): one, to be exact
    }
    with feedsvc_server("gunicorn", sample_dir, tmp_path / "state", tmp_path, env) as server:
        status, headers, _ = fetch(server, "feed.atom")
        assert status == 200
        assert fetch(server, "feed.atom", headers={"If-None-Match": headers["ETag"]})[0] == 304
        status, headers, body = fetch(server, "feed.atom")
        assert status == 429 and body.startswith(b"429 Too Many Requests")
        assert 1700 < int(headers["Retry-After"]) <= 1800
        assert headers["Cache-Control"] == "no-store"
        assert fetch(server, "feed.rss")[0] == 200  # another document: its own allowance
        assert documents_counted(server) == {
            f'{REQUESTS}{{kind="site",status="200"}}': 2,
            f'{REQUESTS}{{kind="site",status="304"}}': 1,
            f'{REQUESTS}{{kind="site",status="429"}}': 1,
        }
