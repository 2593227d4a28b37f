"""What /metrics reports (prometheus-client): requests by feed kind and status, counted in every
web worker and summed over them, and the refresher's figures, read from its status.json.

The refresher is another process than the web workers, and already writes everything it knows
into `state_dir/status.json`; reading that file at scrape time keeps one source for both
/status.json and /metrics. Request counts live in the workers: under gunicorn or granian each
worker counts into prometheus-client's multiprocess folder (see feedsvc.web.metrics_folder), and a
scrape, whichever worker answers it, sums them all.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, values
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.multiprocess import MultiProcessCollector

from feedsvc.errors import ConfigError
from feedsvc.model.layout import path_kind
from feedsvc.state.heartbeat import Liveness
from feedsvc.state.status import RefreshFigures, read_status
from feedsvc.web.metrics_folder import FOLDER_VARIABLE

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

REQUESTS = "feedsvc_http_requests"  # exposed as feedsvc_http_requests_total


class Metrics:
    """The /metrics page of one web worker, and the counter its requests go to."""

    def __init__(self, state_dir: Path, documents: Callable[[], int]) -> None:
        self.registry = CollectorRegistry()
        if os.environ.get(FOLDER_VARIABLE):
            _check_multiprocess_values()
            # Every worker's counts, from their files (prometheus-client leaves this one untyped).
            MultiProcessCollector(self.registry)  # type: ignore[no-untyped-call]
            own_registry = None  # this worker's live values would be counted twice
        else:
            own_registry = self.registry  # one process (tests, a plain WSGI server)
        self.requests = Counter(
            REQUESTS,
            "HTTP requests answered, by what the path is for (site, category, tag, opml, index, "
            "other) and status code; 304s and 429s included.",
            ["kind", "status"],
            registry=own_registry,
        )
        self.registry.register(_RefreshFigures(state_dir, documents))

    def count_requests(self, app: WSGIApplication) -> WSGIApplication:
        """WSGI middleware counting every response `app` starts, by kind and status."""
        children: dict[tuple[str, str], Any] = {}  # labels() takes a lock: look each pair up once

        def counted(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            def counting_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
                key = (path_kind(environ.get("PATH_INFO", "")), status[:3])
                child = children.get(key)
                if child is None:
                    child = children[key] = self.requests.labels(*key)
                child.inc()
                return start_response(status, headers, exc_info)

            return app(environ, counting_start_response)

        return counted

    def render(self, accept: str | None) -> tuple[bytes, str]:
        """The page and its Content-Type, in the format the scraper asks for (Prometheus text
        or OpenMetrics, as prometheus-client negotiates it)."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type


def _check_multiprocess_values() -> None:
    """prometheus-client picks in-process or shared-file values when it is first imported: if that
    happened before PROMETHEUS_MULTIPROC_DIR was set, each worker would report only its own
    counts. Refuse to start rather than publish wrong figures."""
    if values.ValueClass is values.MutexValue:
        raise ConfigError(
            f"{FOLDER_VARIABLE} was set after prometheus_client was imported; set it before "
            "the server starts (feedsvc's gunicorn config and `feedsvc serve` do)"
        )


class _RefreshFigures:
    """A collector reading status.json at each scrape: what the refresher last did, and its
    running totals. A missing or unreadable file (nothing refreshed yet) gives none of them."""

    def __init__(self, state_dir: Path, documents: Callable[[], int]) -> None:
        self.state_dir = state_dir
        self.documents = documents

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "feedsvc_documents",
            "Documents in the published set being served (feeds, OPML list, index page).",
            value=self.documents(),
        )
        status = read_status(self.state_dir)
        figures = RefreshFigures.of(status)
        yield from _liveness(Liveness.of(status, time.time()))
        succeeded = figures.last_succeeded
        gauges = {
            "feedsvc_posts": ("Posts in the feeds.", figures.posts),
            "feedsvc_feeds": (
                "Feeds (site, categories, tags), each in every format.", figures.feeds,
            ),
            "feedsvc_bad_files": (
                "Files not published as they are (see /status.json for which and why).",
                figures.bad_files,
            ),
            "feedsvc_last_refresh_duration_seconds": (
                "How long the last refresh took.", figures.last_seconds,
            ),
            "feedsvc_last_refresh_timestamp_seconds": (
                "When the last refresh finished (Unix time).", figures.last_finished,
            ),
            "feedsvc_last_refresh_success": (
                "1 if the last refresh published (or had nothing to publish), 0 if it failed.",
                None if succeeded is None else int(succeeded),
            ),
            "feedsvc_last_success_timestamp_seconds": (
                "When the last successful refresh finished (Unix time).", figures.last_success,
            ),
        }  # fmt: skip
        for name, (documentation, value) in gauges.items():
            if value is not None:
                yield GaugeMetricFamily(name, documentation, value=value)
        if figures.refreshes is not None and figures.seconds is not None:
            yield SummaryMetricFamily(
                "feedsvc_refresh_duration_seconds",
                "Refreshes finished and the seconds they took, since the state folder was made.",
                count_value=int(figures.refreshes),
                sum_value=figures.seconds,
            )
        counters = {
            "feedsvc_refresh_failures": (
                "Refreshes that failed and published nothing.", figures.failures,
            ),
            "feedsvc_documents_written": (
                "Documents written by refreshes (new or changed bytes).", figures.written,
            ),
        }  # fmt: skip
        for name, (documentation, total) in counters.items():
            if total is not None:
                yield CounterMetricFamily(name, documentation, value=total)


def _liveness(liveness: Liveness) -> Iterator[Metric]:
    """Whether the refresher is at work, and how old the last successful refresh is: the
    gauges to alert on (see docs/refreshing.md), derived from its heartbeat at each scrape."""
    yield GaugeMetricFamily(
        "feedsvc_refresher_up",
        "1 while the refresher's heartbeat is younger than two of its periods (at most two "
        "refresh intervals), 0 when it is dead, stuck or has not reported yet.",
        value=int(liveness.alive),
    )
    if liveness.last_success_age is not None:
        yield GaugeMetricFamily(
            "feedsvc_last_refresh_success_age_seconds",
            "Seconds since the last successful refresh finished: how stale the feeds may be.",
            value=liveness.last_success_age,
        )
