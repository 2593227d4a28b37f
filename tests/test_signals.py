"""The refresher's signals reach its main thread, whichever thread the kernel gave them to."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator

import pytest

from feedsvc.service.signals import SignalQueue, StopWhileStarting


@pytest.fixture
def signals() -> Iterator[SignalQueue]:
    """A queue in this (main) thread, its handlers taken back afterwards."""
    queue = SignalQueue()
    yield queue
    queue.close()


def _from_another_thread(signum: int, after: float = 0.0) -> threading.Thread:
    """A thread that raises `signum` in itself, so the C-level handler runs there, not in the
    main thread (`after`: only to let the main thread be waiting by then; nothing below depends
    on when it comes)."""
    thread = threading.Timer(after, lambda: signal.pthread_kill(threading.get_ident(), signum))
    thread.start()
    return thread


def test_a_signal_caught_by_another_thread_wakes_the_main_threads_wait(
    signals: SignalQueue,
) -> None:
    """A main thread waiting for a signal was not woken by one the kernel gave to another thread
    (its wait on a lock slept on to the end): a SIGTERM seemed lost for up to a minute."""
    signals.started()
    sender = _from_another_thread(signal.SIGINT, after=0.3)
    assert signals.wait(60) == signal.SIGINT  # at once, not after 60 s and not None
    sender.join()
    assert signals.wait(0) is None  # each signal once


def test_signals_come_out_in_the_order_they_came(signals: SignalQueue) -> None:
    signals.started()
    for signum in (signal.SIGHUP, signal.SIGTERM):
        _from_another_thread(signum).join()
    assert [signals.wait(5), signals.wait(5), signals.wait(0)] == [
        signal.SIGHUP,
        signal.SIGTERM,
        None,
    ]


def test_sigterm_while_starting_ends_the_start_at_once(signals: SignalQueue) -> None:
    """Before `started()`, SIGTERM unwinds whatever the main thread is doing (loading a large
    catalog), as an exception no `except Exception` takes."""
    with pytest.raises(StopWhileStarting) as stopped:
        try:
            signal.raise_signal(signal.SIGTERM)
        except Exception:  # noqa: BLE001 (the point: it does not catch the stop)
            pytest.fail("caught as an ordinary exception")
    assert stopped.value.signum == signal.SIGTERM


def test_sighup_while_starting_waits_for_the_loop(signals: SignalQueue) -> None:
    """A reload asked for during the start is kept, and done once the loop runs."""
    signal.raise_signal(signal.SIGHUP)
    signals.started()
    assert signals.wait(0) == signal.SIGHUP
