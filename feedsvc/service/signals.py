"""The refresher's signals (SIGTERM, SIGINT, SIGHUP), handed to its main thread in plain code,
whichever thread the kernel delivered them to.

A Python signal handler runs in the main thread between two bytecodes of whatever it was doing:
stopping APScheduler from there could wait for a lock the interrupted code held. So the handlers
only note the signal and the main thread, which does nothing else but beat while idle, acts on
it. The kernel gives a process's signal to any one of its threads: caught by the scheduler's
thread, it would not interrupt the main thread's wait on a lock, which then slept on for up to a
minute (a SIGTERM "lost" that way, in about 1 run in 10 of a loaded test machine). The main
thread therefore waits on `signal.set_wakeup_fd`'s pipe, which the C-level handler writes to in
whatever thread it runs.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
from collections import deque
from types import FrameType
from typing import Any


class StopWhileStarting(BaseException):
    """SIGTERM or SIGINT came while the refresher was still starting (loading its catalog: long
    for a large site). Nothing is scheduled or being written yet, so the start is abandoned at
    once, unwinding like KeyboardInterrupt (a BaseException, so no `except Exception` on the way
    swallows it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class SignalQueue:
    """The signals the refresher acts on (SIGTERM, SIGINT, and SIGHUP unless it is ignored),
    kept for the main thread. Made first thing in the process (before the catalog loads), in
    its main thread. Until `started()`, SIGTERM and SIGINT stop the start itself
    (StopWhileStarting); a SIGHUP then waits here, not lost, and reloads as soon as the loop runs.

    SIGHUP stays ignored when it was ignored at start (`nohup`, or `feedsvc serve`'s supervisor,
    which restarts its refresher with re-read settings itself); otherwise it asks for a reload.
    """

    def __init__(self) -> None:
        self.starting = True
        self.signals = [signal.SIGTERM, signal.SIGINT]
        if signal.getsignal(signal.SIGHUP) != signal.SIG_IGN:
            self.signals.append(signal.SIGHUP)
        self._pending: deque[int] = deque()
        self._read, self._write = os.pipe()  # both ends close on exec (a reload's execv)
        for end in (self._read, self._write):
            os.set_blocking(end, False)
        self._previous_fd = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        self._previous: dict[int, Any] = {
            signum: signal.signal(signum, self._note) for signum in self.signals
        }

    def _note(self, signum: int, frame: FrameType | None) -> None:
        """The Python-level handler: the wakeup pipe already holds the signal's number."""
        if self.starting and signum != signal.SIGHUP:
            self.starting = False  # once: a second signal while unwinding is only kept
            raise StopWhileStarting(signum)

    def started(self) -> None:
        """From now on every signal is only kept: the main thread acts on it in plain code."""
        self.starting = False

    def wait(self, seconds: float) -> int | None:
        """The next signal, waiting at most `seconds` for one; None if none came."""
        if not self._pending:
            ready, _, _ = select.select([self._read], [], [], max(seconds, 0))
            if ready:
                self._drain()
        return self._pending.popleft() if self._pending else None

    def _drain(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while data := os.read(self._read, 512):
                self._pending.extend(number for number in data if number in self.signals)

    def close(self) -> None:
        """Put back the handlers and wakeup pipe found (for tests: a process just exits)."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(self._previous_fd)
        os.close(self._read)
        os.close(self._write)
