"""The refresher process: APScheduler refreshes every `refresh_interval`, watchdog adds a prompt
refresh after changes, and SIGTERM stops it within moments without publishing anything partial.

Exactly one such process runs per site: `feedsvc worker` (the Procfile's worker: line), or the one
`feedsvc serve` starts beside its web server. Web workers never refresh.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from feedsvc.pipeline.refresh import Refresher
from feedsvc.service.hub_pings import HubPinger
from feedsvc.settings import Settings

logger = logging.getLogger(__name__)

JOB_ID = "refresh"
QUIET_SECONDS = 0.15  # a burst of file events ends after this much silence...
LONGEST_WAIT_SECONDS = 0.5  # ...or this long after it began, whichever comes first

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The real clock; tests pass their own."""
    return dt.datetime.now(dt.UTC)


class RefreshWorker:
    """Runs refreshes on a schedule (and on file changes) until stopped."""

    def __init__(
        self, settings: Settings, clock: Clock = utc_now, pinger: HubPinger | None = None
    ) -> None:
        """`pinger`: tells the WebSub hub what changed; by default the configured hub's, if any."""
        self.settings = settings
        self.clock = clock
        self.refresher = Refresher(settings)
        self.pinger = pinger or HubPinger.for_settings(settings)
        self.cancel = threading.Event()  # set on shutdown: a refresh under way gives up
        self.dirty = threading.Event()  # a change arrived while a refresh was running
        self.lock = threading.Lock()
        self.changed: set[str] | None = set()  # sources named by file events; None: scan all
        self.last_full_scan = -float("inf")  # time.monotonic() of the last full scan
        self.scheduler = BlockingScheduler(timezone=dt.UTC)
        self.observer: object | None = None

    def run(self) -> None:
        """Refresh now, then every refresh_interval, until SIGTERM or SIGINT."""
        interval = self.settings.refresh_interval
        self.scheduler.add_job(
            self.refresh_until_clean,
            IntervalTrigger(seconds=interval, timezone=dt.UTC),
            id=JOB_ID,
            next_run_time=self.clock(),
            coalesce=True,  # runs missed while busy or asleep collapse into one
            max_instances=1,  # never two refreshes at once
            misfire_grace_time=max(1, int(interval * 2)),  # late by less: still run it
            replace_existing=True,
        )
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        if self.settings.watch:
            self.observer = _watch(self.settings, self.note, _Debouncer(self.poke))
        logger.info(
            "refreshing %s every %g s%s",
            self.settings.content_dir,
            interval,
            " and on changes" if self.settings.watch else "",
        )
        try:
            self.scheduler.start()
        finally:
            self._stop_observer()
            if self.pinger is not None:
                self.pinger.close(timeout=1)  # a ping under way must not hold up the exit

    def refresh_until_clean(self) -> None:
        """One refresh, and another at once if files changed while it ran. On schedule it scans
        the whole directory (the safety net); after file events, only the files they name."""
        while not self.cancel.is_set():
            self.dirty.clear()
            with self.lock:
                changed, self.changed = self.changed, set()
            full = changed is None or (
                time.monotonic() - self.last_full_scan >= self.settings.refresh_interval * 0.9
            )
            if full:
                self.last_full_scan = time.monotonic()
            announce = self.pinger.published if self.pinger is not None else None  # queues only
            self.refresher.refresh(self.clock(), self.cancel, None if full else changed, announce)
            job = self.scheduler.get_job(JOB_ID)
            self.refresher.record_next_run(job.next_run_time if job else None)
            if not self.dirty.is_set():
                return

    def note(self, source: str | None) -> None:
        """A file event named this source (None: something only a full scan can sort out)."""
        with self.lock:
            if source is None or self.changed is None:
                self.changed = None
            else:
                self.changed.add(source)

    def poke(self) -> None:
        """Files changed: refresh as soon as possible (now, or right after the running one)."""
        self.dirty.set()
        if self.scheduler.running and not self.cancel.is_set():
            self.scheduler.modify_job(JOB_ID, next_run_time=self.clock())

    def stop(self) -> None:
        """Stop scheduling and make a refresh under way give up before publishing."""
        self.cancel.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        logger.info("stopping (signal %d)", signum)
        self.stop()

    def _stop_observer(self) -> None:
        if self.observer is not None:
            self.observer.stop()  # type: ignore[attr-defined]


class _Debouncer:
    """Collapses a burst of file events into one call, at most LONGEST_WAIT_SECONDS late."""

    def __init__(self, action: Callable[[], None]) -> None:
        self.action = action
        self.lock = threading.Lock()
        self.pending = threading.Event()
        self.first = self.last = 0.0
        threading.Thread(target=self._loop, name="feedsvc-debounce", daemon=True).start()

    def __call__(self) -> None:
        now = time.monotonic()
        with self.lock:
            if not self.pending.is_set():
                self.first = now
            self.last = now
            self.pending.set()

    def _loop(self) -> None:
        while True:
            self.pending.wait()
            while True:
                with self.lock:
                    due = min(self.last + QUIET_SECONDS, self.first + LONGEST_WAIT_SECONDS)
                    wait = due - time.monotonic()
                    if wait <= 0:
                        self.pending.clear()
                        break
                time.sleep(wait)
            try:
                self.action()
            except Exception:  # a failed poke must not end the watching thread; logged below
                logger.exception("could not schedule a refresh after a change")


def _watch(
    settings: Settings, note: Callable[[str | None], None], on_change: Callable[[], None]
) -> object:
    """A watchdog observer: each event's files go to `note` (as sources), then `on_change` runs."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    root = os.path.abspath(settings.content_dir)

    def source(path: str | bytes) -> str | None:
        relative = os.path.relpath(os.path.abspath(os.fsdecode(path)), root)
        return None if relative.startswith("..") else relative.replace(os.sep, "/")

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type in ("opened", "closed_no_write"):
                return
            if event.is_directory and event.event_type != "modified":
                note(None)  # a folder appeared, vanished or moved: scan everything
            elif not event.is_directory:
                for path in (event.src_path, getattr(event, "dest_path", "")):
                    if path:
                        note(source(path))
            on_change()

    observer = Observer()
    observer.schedule(Handler(), str(settings.content_dir), recursive=True)
    observer.daemon = True
    observer.start()
    return observer
