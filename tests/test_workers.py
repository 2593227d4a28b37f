"""Worker processes: the same results in the same order as in one process, a worker's error
reaches the caller, stopping early leaves no worker behind, a pipeline's step is made only
after the results it needs, and workers whose parent is killed end quietly."""

from __future__ import annotations

import functools
import math
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from feedsvc.workers import Step, batched, run_batches, run_steps, worker_count

from .corpus import generate


def pid_and_squares(batch: Sequence[int]) -> tuple[int, list[int]]:
    return os.getpid(), [n * n for n in batch]


def test_results_come_back_in_batch_order_from_other_processes() -> None:
    batches = batched(list(range(100)), 7)
    results = list(run_batches(pid_and_squares, batches, workers=2))
    assert [square for _, squares in results for square in squares] == [n * n for n in range(100)]
    assert os.getpid() not in {pid for pid, _ in results}
    assert multiprocessing.active_children() == []


def test_one_worker_runs_here_with_the_same_results() -> None:
    batches = batched(list(range(100)), 7)
    here = list(run_batches(pid_and_squares, batches, workers=1))
    assert {pid for pid, _ in here} == {os.getpid()}
    forked = list(run_batches(pid_and_squares, batches, workers=2))
    assert [squares for _, squares in here] == [squares for _, squares in forked]


def test_a_workers_error_reaches_the_caller() -> None:
    def fail_on_five(batch: Sequence[int]) -> list[int]:
        if 5 in batch:
            raise ValueError(f"bad batch {list(batch)}")
        return list(batch)

    with pytest.raises(ValueError, match=r"bad batch \[4, 5\]"):
        list(run_batches(fail_on_five, batched(list(range(10)), 2), workers=2))
    assert multiprocessing.active_children() == []


def test_stopping_early_leaves_no_worker_behind() -> None:
    def slow(batch: Sequence[int]) -> list[int]:
        time.sleep(0.05)
        return list(batch)

    results = run_batches(slow, batched(list(range(200)), 1), workers=2)
    assert next(results) == [0]
    results.close()  # as a cancelled refresh does, by raising
    assert multiprocessing.active_children() == []


def test_worker_count_zero_means_one_per_core() -> None:
    assert worker_count(0) == (os.cpu_count() or 1)
    assert worker_count(3) == 3


@pytest.mark.parametrize("workers", [1, 2])
def test_a_pipeline_step_is_made_after_the_results_it_needs_have_been_handled(
    workers: int,
) -> None:
    """As a build makes a batch of documents from the entries an earlier step rendered."""
    handled: dict[int, list[int]] = {}

    def numbers(position: int) -> list[int]:
        return list(range(position * 10, position * 10 + 10))

    def doubled_sum_of_the_step_before(position: int) -> list[int]:
        return [2 * sum(handled[position - 1])]  # a KeyError unless that step was handled

    steps = [
        Step(functools.partial(doubled_sum_of_the_step_before, position), after=position - 1)
        if position % 2
        else Step(functools.partial(numbers, position))
        for position in range(40)
    ]
    for position, (pid, squares) in enumerate(run_steps(pid_and_squares, steps, workers)):
        handled[position] = [math.isqrt(square) for square in squares]
        assert (pid == os.getpid()) == (workers == 1)
    assert len(handled) == 40
    assert handled[1] == [2 * sum(range(10))]
    assert handled[39] == [2 * sum(range(380, 390))]
    assert multiprocessing.active_children() == []


def test_a_pipeline_steps_error_or_an_early_stop_leaves_no_worker_behind() -> None:
    """As a refresh that fails or is cancelled while rendering feeds."""

    def fail_on_five(batch: Sequence[int]) -> list[int]:
        if 5 in batch:
            raise ValueError(f"bad batch {list(batch)}")
        time.sleep(0.01)
        return list(batch)

    steps = [Step(functools.partial(list, [n])) for n in range(40)]
    with pytest.raises(ValueError, match=r"bad batch \[5\]"):
        list(run_steps(fail_on_five, steps, workers=2))
    assert multiprocessing.active_children() == []
    results = run_steps(fail_on_five, steps, workers=2)
    assert next(results) == [0]
    results.close()
    assert multiprocessing.active_children() == []


def _children(pid: int) -> set[int]:
    """The processes `pid` has forked and not yet reaped, from any of its threads (the pool
    forks replacement workers from a thread of its own)."""
    found: set[int] = set()
    for listing in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found.update(int(child) for child in listing.read_text().split())
        except OSError:  # the thread ended while we looked
            continue
    return found


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command's name; none once the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _running(pid: int) -> bool:
    """Whether `pid` is still running: a zombie (ended, waiting for its new parent to reap it)
    is not."""
    stat = _stat(pid)
    return bool(stat) and stat[0] != "Z"


def _busy(pid: int) -> bool:
    """Whether `pid` has run for a tenth of a second of processor time: a worker past its start,
    taking batches."""
    stat = _stat(pid)
    ticks = int(stat[11]) + int(stat[12]) if stat else 0  # utime + stime
    return ticks >= os.sysconf("SC_CLK_TCK") // 10


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_workers_end_quietly_within_seconds_when_their_parent_is_killed(tmp_path: Path) -> None:
    """kill -9 of a `feedsvc build` while its forked workers are busy: each worker ends within
    a few seconds and none prints a traceback (each printed two BrokenPipeError tracebacks, as
    it wrote its batch's result into the pipe its dead parent no longer read)."""
    content = generate(tmp_path / "corpus", 3000, seed=5)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSVC_")}
    env["FEEDSVC_WORKERS"] = "2"
    command = [sys.executable, "-m", "feedsvc", "build", "-q", "--content", str(content)]
    stderr = tmp_path / "stderr.log"
    with stderr.open("wb") as err:
        build = subprocess.Popen(
            [*command, str(tmp_path / "out")], env=env, stdout=subprocess.DEVNULL, stderr=err
        )
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and build.poll() is None:
            workers = _children(build.pid)
            if len(workers) == 2 and all(map(_busy, workers)):
                break
            time.sleep(0.01)
        assert len(workers) == 2, f"no two busy workers seen:\n{stderr.read_text()}"
        build.send_signal(signal.SIGKILL)
        build.wait()
        killed = time.monotonic()
        while any(map(_running, workers)) and time.monotonic() - killed < 5:
            time.sleep(0.01)
        assert not any(map(_running, workers)), "a worker outlived its parent by 5 s"
    finally:
        for worker in workers:  # never leave one behind, whatever failed
            if _running(worker):
                os.kill(worker, signal.SIGKILL)
    log = stderr.read_text()
    assert "Traceback" not in log and "Error" not in log, log


class _StopError(Exception):
    """What a cancelled refresh's `waiting` hook raises."""


def _stuck(batch: Sequence[int]) -> list[int]:
    """A batch that takes far longer than any stop may wait (a loaded machine's slow batch)."""
    time.sleep(60)
    return list(batch)


def _stop_at_once() -> None:
    raise _StopError


@pytest.mark.parametrize("pipelined", [False, True], ids=["batches", "steps"])
def test_a_stop_asked_for_while_a_batch_runs_needs_no_wait_for_it(pipelined: bool) -> None:
    """A cancelled refresh stops waiting for the batch in hand: the `waiting` hook runs while a
    worker's result is awaited, its exception reaches the caller, and the workers are ended."""
    batches = [[1], [2], [3]]
    if pipelined:
        results = run_steps(
            _stuck, [Step(functools.partial(list, b)) for b in batches], 2, waiting=_stop_at_once
        )
    else:
        results = run_batches(_stuck, batches, 2, waiting=_stop_at_once)
    started = time.monotonic()
    with pytest.raises(_StopError):
        next(results)
    assert time.monotonic() - started < 30  # not after the batch's minute
    assert multiprocessing.active_children() == []
