"""Run one job over many batches on every core: in forked worker processes, or here for one.

Reading posts, rendering entries and rendering documents are pure Python and hold the GIL, so
threads cannot share them out; processes can. Workers are forked, so a job is a plain closure over
whatever the parent holds (the index, the rendered entries): nothing is pickled on the way in, only
each batch and its results travel. The parent's objects are frozen out of the garbage collector
before forking, so a worker does not copy the pages it only reads.

Results come back in batch order, so the output never depends on the number of workers.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

Batch = TypeVar("Batch")
Result = TypeVar("Result")

# A worker is replaced by a fresh fork after this many batches. Every page of the parent's heap a
# worker writes to (a reference count, a reused free block) becomes its own copy; over a long
# stage these add up to hundreds of MB. A fresh fork shares them all again, for a few ms.
BATCHES_PER_WORKER = 24

# The job the forked workers run: set just before the pool forks, so they inherit it.
_inherited_job: Callable[[Any], Any] | None = None


def worker_count(setting: int) -> int:
    """The `workers` setting made concrete: 0 means one per core."""
    return setting if setting > 0 else max(os.cpu_count() or 1, 1)


def run_batches(
    job: Callable[[Batch], Result], batches: Sequence[Batch], workers: int
) -> Iterator[Result]:
    """job(batch) for each batch, in order. With more than one worker and more than one batch,
    in that many forked processes; otherwise in this process (no fork, the same results).

    Stopping the iteration early (an exception, a cancelled refresh) terminates the workers.
    One call at a time per process (the job is handed over in a module global); feedsvc's
    refreshes and builds never overlap within a process.
    """
    if workers <= 1 or len(batches) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(job, batches)
        return
    global _inherited_job  # handed to the children through fork, on purpose
    _inherited_job = job
    processes = min(workers, len(batches))
    logger.debug("%d batches of %s in %d worker processes", len(batches), job.__name__, processes)
    # The children inherit the heap: frozen, their collector never walks (and copies) all of it.
    # Left frozen: the service freezes its long-lived state after each refresh anyway.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(
            processes, initializer=_worker_signals, maxtasksperchild=BATCHES_PER_WORKER
        ) as pool:
            yield from pool.imap(_run_inherited, batches)
    finally:
        _inherited_job = None


@dataclass(frozen=True)
class Step:
    """One batch of a pipeline (see run_steps), made only when it is handed out: `make()` may use
    the results of every step up to `after` (an earlier step's position; -1 for none), which the
    caller has handled by then."""

    make: Callable[[], Any]
    after: int = -1


def run_steps(
    job: Callable[[Any], Result], steps: Sequence[Step], workers: int, ahead: int = 8
) -> Iterator[Result]:
    """job(step.make()) for each step, in order, like run_batches; but a step's batch is made
    only once the results it depends on have been handed to the caller, and the steps after it
    that do not wait for them keep the workers busy meanwhile. One pool serves all the steps,
    so two stages where the second needs the first's results (documents need their posts'
    entries) overlap instead of waiting for the first's slowest batch, and the caller can drop
    the first's results as soon as the second has used them. At most `ahead` steps per worker
    are handed out before their results are taken: enough that a worker whose step stalls on
    the disk (creating thousands of files does, now and then) does not leave the others idle
    while the caller waits for that step's result, which comes first in order."""
    if workers <= 1 or len(steps) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from (job(step.make()) for step in steps)
        return
    global _inherited_job  # handed to the children through fork, on purpose
    _inherited_job = job
    processes = min(workers, len(steps))
    logger.debug(
        "%d batches of %s in %d worker processes (pipelined)", len(steps), job.__name__, processes
    )
    gc.freeze()  # as in run_batches
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(
            processes, initializer=_worker_signals, maxtasksperchild=BATCHES_PER_WORKER
        ) as pool:
            running: deque[tuple[int, AsyncResult[Result]]] = deque()
            handled = -1  # the last step whose result the caller has taken
            for position, step in enumerate(steps):
                while running and (len(running) >= processes * ahead or step.after > handled):
                    handled, result = running.popleft()
                    yield result.get()
                running.append((position, pool.apply_async(_run_inherited, (step.make(),))))
            while running:
                yield running.popleft()[1].get()
    finally:
        _inherited_job = None


def _worker_signals() -> None:
    """A worker leaves stopping to the parent: SIGTERM (which the pool sends to end it) kills it
    even where the parent handles SIGTERM to stop gracefully, and Ctrl-C reaches only the parent."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_inherited(batch: Any) -> Any:
    if _inherited_job is None:
        raise RuntimeError("run only in a worker forked by run_batches")
    return _inherited_job(batch)


def batched(items: Sequence[Batch], size: int) -> list[Sequence[Batch]]:
    """Consecutive slices of at most `size` items."""
    return [items[start : start + size] for start in range(0, len(items), size)]
