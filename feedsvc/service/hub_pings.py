"""Tell the WebSub hub which feeds changed, from a thread of its own, retrying while it fails.

After a publish, the refresher process (scheduler.py) and `feedsvc build` hand `HubPinger` the
paths whose bytes changed; the hub then fetches those feeds and pushes them to its subscribers.
WebSub 1.0 leaves this notification to the hub; the de-facto form hubs accept is a form-encoded
POST of `hub.mode=publish` and `hub.url=<the feed's URL>`.
"""

from __future__ import annotations

import http.client
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from enum import Enum
from urllib.parse import urlencode

from feedsvc import __version__
from feedsvc.model.layout import document_url, is_feed
from feedsvc.published.manifest import RECHECK_SECONDS
from feedsvc.settings import Settings

logger = logging.getLogger(__name__)

USER_AGENT = f"feedsvc/{__version__} (WebSub publisher)"
TIMEOUT_SECONDS = 10.0  # one request to the hub
FIRST_RETRY_SECONDS = 1.0  # the wait after a failure; it doubles with each failure in a row...
LONGEST_RETRY_SECONDS = 60.0  # ...up to this
MAX_ATTEMPTS = 5  # failures in a row after which the hub is taken as down: pending pings dropped
MAX_PENDING = 10_000  # feed URLs waiting to be pinged; more are dropped (a cold start has ~6,000)
# Web workers switch to a new generation within RECHECK_SECONDS: a hub fetching a feed at once
# must not get the bytes from before the change.
SETTLE_SECONDS = 2 * RECHECK_SECONDS


class _Outcome(Enum):
    DONE = "done"  # the hub accepted the ping
    REFUSED = "refused"  # the hub refused this URL (a 4xx): asking again will not help
    FAILED = "failed"  # the hub failed or could not be reached: try again later


class HubPinger:
    """Tells one hub which feeds changed, from a thread of its own, so a slow or dead hub never
    holds up a refresh: `published` only queues the URLs. A URL queued twice is pinged once. A
    ping that fails is tried again after a wait that doubles with each failure in a row; after
    MAX_ATTEMPTS failures in a row the hub is taken as down and the pings waiting are dropped
    (logged): the next change pings again.

    One URL per request: publish notification is outside WebSub 1.0, and the form-encoded
    `hub.mode=publish&hub.url=...` that hubs accept is only sure to be read for one URL (several
    `hub.url` in one request is Google's hub's extension); a failure is then also that one URL's.
    A refresh changes a few feeds; a cold start or a changed setting changes all of them, and
    their pings take minutes, in the background.
    """

    def __init__(
        self,
        hub: str,
        feeds_base: str,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        """`sleep`: how to wait before pings and between retries (tests pass their own);
        by default a wait that `close` cuts short."""
        self.hub = hub
        self.feeds_base = feeds_base
        self.delivered = 0  # pings the hub accepted
        self.failed = 0  # URLs given up on: refused, or dropped while the hub was down
        self._pending: dict[str, None] = {}  # URLs in order, each once
        self._busy = False  # the thread is sending what is pending
        self._closed = threading.Event()
        self._sleep = sleep or self._closed.wait
        self._lock = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="feedsvc-websub", daemon=True)
        self._thread.start()

    @classmethod
    def for_settings(cls, settings: Settings) -> HubPinger | None:
        """The pinger of the configured hub, or None when there is none."""
        return cls(settings.websub_hub, settings.feeds_base) if settings.websub_hub else None

    def published(self, paths: Iterable[str]) -> None:
        """Queue a ping for each feed among these published paths; returns at once."""
        self.notify(document_url(self.feeds_base, path) for path in paths if is_feed(path))

    def notify(self, urls: Iterable[str]) -> None:
        """Queue a ping for each URL not queued yet; returns at once."""
        dropped = 0
        with self._lock:
            for url in urls:
                if url in self._pending:
                    continue
                if len(self._pending) >= MAX_PENDING:
                    dropped += 1
                    continue
                self._pending[url] = None
            self.failed += dropped
            self._lock.notify_all()
        if dropped:
            logger.warning("websub: %d pings dropped: more than %d waiting", dropped, MAX_PENDING)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every queued ping was delivered or given up; False if `timeout` passed
        first. `feedsvc build` waits so before it exits."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._pending and not self._busy, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Stop after the request under way (if any); pings still waiting are dropped."""
        self._closed.set()
        with self._lock:
            self._lock.notify_all()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._pending or self._closed.is_set())
                if self._closed.is_set():
                    if self._pending:
                        logger.info("websub: stopping; %d pings not sent", len(self._pending))
                    return
                self._busy = True
            try:
                self._sleep(SETTLE_SECONDS)  # also lets a burst of changes arrive together
                self._drain()
            except Exception:  # a bug here must not stop later pings, nor hang `feedsvc build`
                with self._lock:
                    logger.exception("websub: %d pings dropped after an error", len(self._pending))
                    self._pending.clear()
            finally:
                with self._lock:
                    self._busy = False
                    self._lock.notify_all()

    def _drain(self) -> None:
        """Ping every pending URL, backing off while the hub fails."""
        failures = 0
        while not self._closed.is_set():
            with self._lock:
                if not self._pending:
                    return
                url = next(iter(self._pending))
                del self._pending[url]  # queued again meanwhile: pinged again, the hub refetches
            outcome = self._ping(url)
            if outcome is not _Outcome.FAILED:
                with self._lock:
                    self.delivered += outcome is _Outcome.DONE
                    self.failed += outcome is _Outcome.REFUSED
                failures = 0
            else:
                failures += 1
                with self._lock:
                    self._pending = {url: None, **self._pending}  # first again
                    if failures >= MAX_ATTEMPTS:
                        self.failed += len(self._pending)
                        logger.error(
                            "websub: hub %s failed %d times in a row; dropped %d pings "
                            "(the next change pings again)",
                            self.hub,
                            failures,
                            len(self._pending),
                        )
                        self._pending.clear()
                        return
                self._sleep(min(FIRST_RETRY_SECONDS * 2 ** (failures - 1), LONGEST_RETRY_SECONDS))

    def _ping(self, url: str) -> _Outcome:
        """One publish notification: POST hub.mode=publish, hub.url=url, form-encoded."""
        request = urllib.request.Request(  # noqa: S310 - settings allow only http(s) hubs
            self.hub,
            data=urlencode({"hub.mode": "publish", "hub.url": url}).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": USER_AGENT,
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as exc:
            with exc:  # it holds the response open
                retry = exc.code >= 500 or exc.code == 429
                logger.warning("websub: hub %s answered %d for %s", self.hub, exc.code, url)
            return _Outcome.FAILED if retry else _Outcome.REFUSED
        except (OSError, http.client.HTTPException) as exc:  # URLError is an OSError
            logger.warning("websub: cannot reach hub %s for %s: %s", self.hub, url, exc)
            return _Outcome.FAILED
        logger.debug("websub: hub %s told of %s", self.hub, url)
        return _Outcome.DONE
