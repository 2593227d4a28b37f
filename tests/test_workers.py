"""Worker processes: the same results in the same order as in one process, a worker's error
reaches the caller, stopping early leaves no worker behind, and a pipeline's step is made only
after the results it needs."""

from __future__ import annotations

import functools
import math
import multiprocessing
import os
import time
from collections.abc import Sequence

import pytest

from feedsvc.workers import Step, batched, run_batches, run_steps, worker_count


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
