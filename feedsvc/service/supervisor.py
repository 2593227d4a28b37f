"""`feedsvc serve`'s refresher process, kept running: restarted when it exits or dies (after a pause
that doubles with each quick failure), restarted with re-read settings on reload (SIGHUP), and
watched through its heartbeat; every exit, restart and silence is logged.

The supervisor is a pair of threads in the serving process, apart from the HTTP server: gunicorn's
arbiter or granian's main loop own the main thread and its signal handlers, and call `reload` from
their own SIGHUP handling (see web_server.py).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from feedsvc.settings import Settings, to_environment
from feedsvc.state.heartbeat import MISSED_BEATS, Liveness, heartbeat_period
from feedsvc.state.status import read_status

logger = logging.getLogger(__name__)

STOP_SECONDS = 10.0  # after SIGTERM, then SIGKILL (a refresher stops within 2 s by itself)
STARTING_SECONDS = 30.0  # a new refresher's first heartbeat may take this long (a big catalog)
PR_SET_PDEATHSIG = 1  # linux/prctl.h
CLEAN_EXIT = "exited with status 0"


@dataclass
class Backoff:
    """The pause before restarting a refresher that ended: `first` seconds, doubled after each
    one that ended within `steady` seconds of starting (a crash at start, again and again), up
    to `longest`; one that had run `steady` seconds or more failed anew, so `first` again."""

    first: float = 1.0
    longest: float = 60.0
    steady: float = 60.0
    _pause: float | None = field(default=None, init=False)

    def after(self, lived: float) -> float:
        """The pause after a refresher that lived `lived` seconds."""
        if self._pause is None or lived >= self.steady:
            self._pause = self.first
        else:
            self._pause = min(self._pause * 2, self.longest)
        return self._pause

    def reset(self) -> None:
        """Start again from `first` (a reload is not a failure)."""
        self._pause = None


def worker_command(settings: Settings) -> list[str]:
    """`feedsvc worker`, told which process supervises it (see attach_to_supervisor)."""
    return [sys.executable, "-m", "feedsvc", "worker", "--supervised-by", str(os.getpid())]


class RefresherSupervisor:
    """Keeps one refresher process running with the current settings until `stop`."""

    def __init__(
        self,
        settings: Settings,
        command: Callable[[Settings], Sequence[str]] = worker_command,
        backoff: Backoff | None = None,
    ) -> None:
        """`command`: the refresher's command line for some settings (tests pass their own)."""
        self.settings = settings
        self.command = command
        self.backoff = backoff or Backoff()
        self._lock = threading.Lock()  # guards the fields below, set from several threads
        self._process: subprocess.Popen[bytes] | None = None
        self._started = 0.0  # time.time() the current process was started
        self._stopping = False
        self._reloading = False  # the current process is being stopped to restart at once
        self._wake = threading.Event()  # ends a pause between restarts early
        self._stopped = threading.Event()
        # The thread that starts the refresher must outlive it: PR_SET_PDEATHSIG fires when the
        # starting *thread* ends. This one lives until stop().
        self._thread = threading.Thread(target=self._supervise, name="feedsvc-supervisor")
        self._thread.daemon = True
        self._watcher = threading.Thread(target=self._watch, name="feedsvc-heartbeat-watch")
        self._watcher.daemon = True

    def start(self) -> None:
        """Start the refresher, and keep it running."""
        self._thread.start()
        self._watcher.start()

    def reload(self, settings: Settings) -> None:
        """Restart the refresher now with `settings` (a running refresh gives up unpublished)."""
        with self._lock:
            self.settings = settings
            self._reloading = True
            process = self._process
        logger.info("reloading: the refresher restarts with the settings read again")
        self._wake.set()
        if process is not None:
            _signal(process, signal.SIGTERM)

    def stop(self, seconds: float = STOP_SECONDS) -> None:
        """Stop the refresher (SIGTERM, SIGKILL after `seconds`) and stop restarting it."""
        with self._lock:
            self._stopping = True
            process = self._process
        self._stopped.set()
        self._wake.set()
        if process is not None:
            _signal(process, signal.SIGTERM)
        self._thread.join(seconds)
        if self._thread.is_alive() and process is not None:
            logger.warning(
                "refresher (pid %d) still running after %g s: killing it", process.pid, seconds
            )
            _signal(process, signal.SIGKILL)
            self._thread.join(1)

    def _supervise(self) -> None:
        while self._run_once():
            pass

    def _run_once(self) -> bool:
        """Start the refresher and wait for it to end; whether to go on supervising."""
        with self._lock:
            if self._stopping:
                return False
            self._reloading = False
            self._wake.clear()
            try:
                self._process = self._spawn(self.settings)
            except OSError as exc:
                self._process = None
                logger.error("could not start the refresher: %s", exc)
            process = self._process
            self._started = started = time.time()
        if process is None:
            self._pause(0.0, "the refresher did not start")
            return True
        logger.info("refresher started (pid %d)", process.pid)
        ending = _wait_for_exit(process)
        lived = time.time() - started
        with self._lock:
            self._process = None
            stopping, reloading = self._stopping, self._reloading
        if stopping:
            logger.info("refresher (pid %d) %s", process.pid, ending)
            return False
        if reloading:
            logger.info("refresher (pid %d) %s, for the reload", process.pid, ending)
            self.backoff.reset()
            return True
        what = f"refresher (pid {process.pid}) {ending} after {lived:.1f} s"
        # Status 0: it was asked to stop, by a signal from outside (the whole process group's
        # SIGTERM reaches it a moment before stop() is called here): worth less than a crash.
        self._pause(lived, what, logging.WARNING if ending == CLEAN_EXIT else logging.ERROR)
        return True

    def _pause(self, lived: float, what: str, level: int = logging.ERROR) -> None:
        """Log what happened, then wait before the next start (less on reload or stop)."""
        pause = self.backoff.after(lived)
        logger.log(level, "%s; starting it again in %g s", what, pause)
        self._wake.wait(pause)

    def _spawn(self, settings: Settings) -> subprocess.Popen[bytes]:
        """The refresher with `settings`, handed over as FEEDSVC_* variables."""
        env = {**os.environ, **to_environment(settings)}
        # S603: the command is our own interpreter running feedsvc (or a test's), no outside input.
        return subprocess.Popen(list(self.command(settings)), env=env)  # noqa: S603

    def _watch(self) -> None:
        """Log when the running refresher's heartbeat goes silent for MISSED_BEATS periods (a
        refresh stuck, the process stopped or hung), and when it speaks again."""
        silent: int | None = None  # the pid last said to be silent
        while True:
            with self._lock:
                settings, process, started = self.settings, self._process, self._started
            period = heartbeat_period(settings.refresh_interval)
            if self._stopped.wait(period):
                return
            if process is None:
                continue
            now = time.time()
            liveness = Liveness.of(read_status(settings.state_dir), now)
            age = liveness.heartbeat_age
            if liveness.pid == process.pid and age is not None:
                quiet, limit = age, MISSED_BEATS * period
            else:  # not a word from this one yet: it may still be loading its catalog
                quiet, limit = now - started, max(MISSED_BEATS * period, STARTING_SECONDS)
            if quiet > limit and silent != process.pid:
                silent = process.pid
                logger.warning(
                    "refresher (pid %d) silent for %.1f s (it reports every %g s): stuck or "
                    "stopped; see /status.json",
                    process.pid,
                    quiet,
                    period,
                )
            elif quiet <= limit and silent == process.pid:
                silent = None
                logger.info("refresher (pid %d) reports again", process.pid)


def _wait_for_exit(process: subprocess.Popen[bytes]) -> str:
    """Wait until `process` ends; how it ended, in words. Its status is read with waitid and
    WNOWAIT before it is reaped: gunicorn's arbiter reaps any child on SIGCHLD (waitpid(-1)), and
    this thread, already waiting in the kernel, sees the status first."""
    try:
        info = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    except ChildProcessError:
        info = None
    process.wait()  # reap it, or learn that another waiter did
    if info is None:
        return "ended (its exit status was collected elsewhere)"
    if info.si_code == os.CLD_EXITED:
        return CLEAN_EXIT if info.si_status == 0 else f"exited with status {info.si_status}"
    return f"was killed by {signal.Signals(info.si_status).name}"


def _signal(process: subprocess.Popen[bytes], signum: int) -> None:
    """Send a signal unless the process is known to have ended."""
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signum)


def attach_to_supervisor(parent: int) -> None:
    """In the refresher `feedsvc serve` started (`feedsvc worker --supervised-by PID`): end with
    the serving process, even one killed by SIGKILL (Linux: SIGTERM when the thread that started
    this one ends, prctl PR_SET_PDEATHSIG), and leave SIGHUP to it: a terminal's hang-up reaches
    the whole process group, and the supervisor restarts this process with re-read settings."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the supervisor stops it
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it was gone before prctl could take effect
        logger.info("the serving process (pid %d) is gone: not starting", parent)
        raise SystemExit(0)
