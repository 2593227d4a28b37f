"""The refresher process: APScheduler refreshes every `refresh_interval`, watchdog adds a prompt
refresh after changes, a heartbeat in status.json says it is at work, and SIGTERM stops it within
STOP_GRACE_SECONDS, whatever it is doing, without publishing anything partial.

Exactly one such process runs per site: `feedsvc worker` (the Procfile's worker: line), or the one
`feedsvc serve` starts (and restarts) beside its web server. Web workers never refresh.

Signals reach it through service/signals.py, which says why they are never acted on in a handler.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import NoReturn

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from feedsvc.pipeline.refresh import Refresher
from feedsvc.service.hub_pings import HubPinger
from feedsvc.service.signals import SignalQueue
from feedsvc.settings import Settings
from feedsvc.state.heartbeat import Heartbeat, heartbeat_period, record_heartbeat

logger = logging.getLogger(__name__)

JOB_ID = "refresh"
QUIET_SECONDS = 0.15  # a burst of file events ends after this much silence...
LONGEST_WAIT_SECONDS = 0.5  # ...or this long after it began, whichever comes first
# A refresh under way gives up within this after SIGTERM (it checks between files and between
# documents); one that has not (stuck in a call that never returns, a pool worker killed under
# it) is left behind: the process exits without it, which is as safe as kill -9 (see
# docs/refreshing.md), and its forked workers are killed first.
STOP_GRACE_SECONDS = 2.0

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
        logger.info("starting: loading the catalog in %s", settings.state_dir)  # long at 1M posts
        self.refresher = Refresher(settings)
        self.pinger = pinger or HubPinger.for_settings(settings)
        self.cancel = threading.Event()  # set on shutdown: a refresh under way gives up
        self.dirty = threading.Event()  # a change arrived while a refresh was running
        self.lock = threading.Lock()
        # Held by the refresh loop: one refresh at a time, and one writer of status.json (the
        # main thread beats only while it can take it).
        self.busy = threading.Lock()
        self.changed: set[str] | None = set()  # sources named by file events; None: scan all
        self.last_full_scan = -float("inf")  # time.monotonic() of the last full scan
        self.beat_period = heartbeat_period(settings.refresh_interval)
        self.last_beat = -float("inf")  # time.monotonic() of the last heartbeat
        self.refresh_started: dt.datetime | None = None  # the refresh under way (real time)
        self.scheduler = BackgroundScheduler(timezone=dt.UTC)
        self.observer: object | None = None

    def run(self, signals: SignalQueue | None = None) -> int:
        """Refresh now, then every refresh_interval, until SIGTERM, SIGINT or SIGHUP; returns
        that signal, once the refresh under way has given up (after SIGHUP the caller starts
        again with re-read settings). `signals`: the queue made when the process started."""
        signals = signals or SignalQueue()
        signals.started()
        received = signals.wait(0)  # one that came while starting: schedule nothing
        try:
            if received is None:
                self._start()
                received = self._wait(signals)
            reload = received == signal.SIGHUP
            _arm_deadline(STOP_GRACE_SECONDS + 1, reload)  # should this thread itself get stuck
            logger.info("stopping (signal %d)%s", received, " to reload" if reload else "")
            self.stop()
            if not self.busy.acquire(timeout=STOP_GRACE_SECONDS):
                leave_now(
                    f"a refresh still running {STOP_GRACE_SECONDS:g} s after the signal", reload
                )
            self.busy.release()
        finally:
            self._stop_observer()
            if self.pinger is not None:
                self.pinger.close(timeout=1)  # a ping under way must not hold up the exit
        return received

    def _start(self) -> None:
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
        self.scheduler.start()  # in its own thread: this one waits for signals
        if self.settings.watch:
            self.observer = _watch(self.settings, self.note, _Debouncer(self.poke))
        logger.info(
            "refreshing %s every %g s%s",
            self.settings.content_dir,
            interval,
            " and on changes" if self.settings.watch else "",
        )

    def _wait(self, signals: SignalQueue) -> int:
        """Wait for a signal, beating whenever the refresh loop is idle."""
        while True:
            received = signals.wait(self.beat_period)
            if received is not None:
                return received
            if self.busy.acquire(blocking=False):  # else the refresh loop beats itself
                try:
                    self._beat()
                finally:
                    self.busy.release()

    def refresh_until_clean(self) -> None:
        """One refresh, and another at once if files changed while it ran. On schedule it scans
        the whole directory (the safety net); after file events, only the files they name."""
        with self.busy:
            while not self.cancel.is_set():
                self.dirty.clear()
                with self.lock:
                    changed, self.changed = self.changed, set()
                full = changed is None or (
                    time.monotonic() - self.last_full_scan >= self.settings.refresh_interval * 0.9
                )
                if full:
                    self.last_full_scan = time.monotonic()
                self.refresh_started = utc_now()
                self._beat()
                announce = self.pinger.published if self.pinger is not None else None
                try:
                    self.refresher.refresh(
                        self.clock(),
                        self.cancel,
                        None if full else changed,
                        announce,  # queues only: never waits for the hub
                        self._progress,
                    )
                finally:
                    self.refresh_started = None
                if self.cancel.is_set():
                    return  # stopping: no next run to show
                job = self.scheduler.get_job(JOB_ID)
                self.refresher.record_next_run(job.next_run_time if job else None)
                self._beat()
                if not self.dirty.is_set():
                    return

    def _progress(self, stage: str, done: int, total: int) -> None:
        """The refresh is getting on: beat, at most twice per beat period."""
        if time.monotonic() - self.last_beat >= self.beat_period / 2:
            self._beat()

    def _beat(self) -> None:
        """Say in status.json that this process is at work (real time: the web side compares it
        with its own clock), and since when its refresh under way runs."""
        self.last_beat = time.monotonic()
        beat = Heartbeat(os.getpid(), utc_now(), self.beat_period, self.refresh_started)
        record_heartbeat(self.refresher.status, beat)

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

    def _stop_observer(self) -> None:
        if self.observer is not None:
            self.observer.stop()  # type: ignore[attr-defined]


def _arm_deadline(seconds: float, reload: bool) -> None:
    """A daemon thread that leaves (or reloads) after `seconds`, should the stop hang, or the
    interpreter's exit after it (joining threads, finalizing a process pool)."""
    reason = f"still not stopped {seconds:g} s after the signal"
    timer = threading.Timer(seconds, leave_now, args=(reason, reload))
    timer.daemon = True
    timer.start()


def leave_now(reason: str, reload: bool = False) -> NoReturn:
    """End this process at once with status 0, as it was asked to (or, for a reload, run it
    again: `restart`), for a stop that cannot wait any longer. Its forked workers are killed
    first (they would wait for tasks forever); threads are not joined. The reason goes straight
    to stderr, formatted as the log is: the logging lock may be held by the very thread that is
    stuck."""
    then = "starting again" if reload else "exiting"
    message = f"{reason}: {then} now (the published set stays as the last refresh left it)"
    record = logger.makeRecord(logger.name, logging.WARNING, __file__, 0, message, (), None)
    handlers = logging.getLogger().handlers
    text = handlers[0].format(record) if handlers else message
    with contextlib.suppress(OSError):  # nowhere to say it: leave all the same
        os.write(2, f"{text}\n".encode())
    for child in multiprocessing.active_children():
        child.kill()
    if reload:
        restart()
    os._exit(0)


def restart() -> NoReturn:
    """Run this command again in this process (same pid, arguments and environment): `feedsvc
    worker`'s reload on SIGHUP, reading its settings afresh. A SIGTERM that comes while it starts
    again ends it at once, as at any start (no handler yet, nothing to lose)."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    # S606: our own interpreter and command line again, no outside input.
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])  # noqa: S606


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
