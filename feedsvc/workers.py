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
import multiprocessing.context
import multiprocessing.pool
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

# While it waits for a worker's result, the parent calls its `waiting` hook this often: a refresh
# told to stop gives up within this, not once a batch (seconds on a loaded machine) is done.
WAIT_SLICE_SECONDS = 0.1

Waiting = Callable[[], None]  # raises to stop waiting (a cancelled refresh); else returns

# In a worker process only: the job its pool was started with (see _start_worker).
_worker_job: Callable[[Any], Any] | None = None


def worker_count(setting: int) -> int:
    """The `workers` setting made concrete: 0 means one per core."""
    return setting if setting > 0 else max(os.cpu_count() or 1, 1)


def run_batches(
    job: Callable[[Batch], Result],
    batches: Sequence[Batch],
    workers: int,
    waiting: Waiting | None = None,
) -> Iterator[Result]:
    """job(batch) for each batch, in order. With more than one worker and more than one batch,
    in that many forked processes; otherwise in this process (no fork, the same results).

    Stopping the iteration early (an exception, a cancelled refresh) terminates the workers;
    `waiting` is called while a worker's result is awaited, and may raise to stop so.
    """
    if workers <= 1 or len(batches) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(job, batches)
        return
    processes = min(workers, len(batches))
    logger.debug("%d batches of %s in %d worker processes", len(batches), job.__name__, processes)
    freeze_long_lived_objects()  # the children inherit the heap: see its docstring
    with _pool(job, processes) as pool:
        results = pool.imap(_run_job, batches)
        for _ in batches:
            yield _next_result(results, waiting)


@dataclass(frozen=True)
class Step:
    """One batch of a pipeline (see run_steps), made only when it is handed out: `make()` may use
    the results of every step up to `after` (an earlier step's position; -1 for none), which the
    caller has handled by then."""

    make: Callable[[], Any]
    after: int = -1


def run_steps(
    job: Callable[[Any], Result],
    steps: Sequence[Step],
    workers: int,
    ahead: int = 8,
    waiting: Waiting | None = None,
) -> Iterator[Result]:
    """job(step.make()) for each step, in order, like run_batches; but a step's batch is made
    only once the results it depends on have been handed to the caller, and the steps after it
    that do not wait for them keep the workers busy meanwhile. One pool serves all the steps,
    so two stages where the second needs the first's results (documents need their posts'
    entries) overlap instead of waiting for the first's slowest batch, and the caller can drop
    the first's results as soon as the second has used them. At most `ahead` steps per worker
    are handed out before their results are taken: enough that a worker whose step stalls on
    the disk (creating thousands of files does, now and then) does not leave the others idle
    while the caller waits for that step's result, which comes first in order. `waiting`: as
    in run_batches."""
    if workers <= 1 or len(steps) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from (job(step.make()) for step in steps)
        return
    processes = min(workers, len(steps))
    logger.debug(
        "%d batches of %s in %d worker processes (pipelined)", len(steps), job.__name__, processes
    )
    freeze_long_lived_objects()  # as in run_batches
    with _pool(job, processes) as pool:
        running: deque[tuple[int, AsyncResult[Result]]] = deque()
        handled = -1  # the last step whose result the caller has taken
        for position, step in enumerate(steps):
            while running and (len(running) >= processes * ahead or step.after > handled):
                handled, result = running.popleft()
                yield _result(result, waiting)
            running.append((position, pool.apply_async(_run_job, (step.make(),))))
        while running:
            yield _result(running.popleft()[1], waiting)


def _result(result: AsyncResult[Result], waiting: Waiting | None) -> Result:
    """A worker's result, calling `waiting` every WAIT_SLICE_SECONDS until it comes."""
    while waiting is not None and not result.ready():
        result.wait(WAIT_SLICE_SECONDS)
        waiting()
    return result.get()


def _next_result(
    results: multiprocessing.pool.IMapIterator[Result], waiting: Waiting | None
) -> Result:
    """The next of imap's results, calling `waiting` every WAIT_SLICE_SECONDS until it comes."""
    while waiting is not None:
        try:
            return results.next(WAIT_SLICE_SECONDS)
        except multiprocessing.TimeoutError:
            waiting()
    return next(results)


def freeze_long_lived_objects() -> None:
    """Move every object alive now out of the cyclic garbage collector's sight, for good: the
    one place feedsvc calls gc.freeze(). Before forking workers, so that a worker's collector
    does not walk (and so copy) the parent's whole heap; and after a refresh, whose catalog and
    index hold a few million long-lived objects the collector would otherwise walk again during
    every later one."""
    gc.freeze()


def _pool(job: Callable[[Any], Any], processes: int) -> multiprocessing.pool.Pool:
    """A pool of forked workers, each started with `job` (forked, not pickled: a job is a plain
    closure over whatever this process holds) and replaced after BATCHES_PER_WORKER batches."""
    context = _QuietForkContext()
    return context.Pool(
        processes,
        initializer=_start_worker,
        initargs=(job,),
        maxtasksperchild=BATCHES_PER_WORKER,
    )


class _QuietWorker(multiprocessing.context.ForkProcess):
    """A pool's worker process that ends quietly once its parent is gone.

    When the parent dies (kill -9, an out-of-memory kill), a worker that is busy finishes its
    batch and then writes the result into a pipe nobody reads: the pool's loop gets EPIPE, and
    multiprocessing would print two BrokenPipeError tracebacks per worker into the log of a
    service that only stopped. A worker waiting for a batch reads end of file and ends quietly
    already; this one does the same at its write. The result is lost either way: nobody is left
    to take it. While the parent lives, any error is raised (and printed) as before."""

    def run(self) -> None:
        try:
            super().run()
        except (OSError, EOFError):
            if not _parent_gone():
                raise
            logger.debug("worker %d: the parent process is gone; ending", os.getpid())


class _QuietForkContext(multiprocessing.context.ForkContext):
    """The fork start method, making _QuietWorker processes (Pool asks its context for them)."""

    Process = _QuietWorker


def _parent_gone() -> bool:
    """Whether this worker's parent has died: an orphan is handed to another process (init or
    a subreaper), so its parent's pid is no longer the one that forked it."""
    parent = multiprocessing.parent_process()
    return parent is not None and os.getppid() != parent.pid


def _start_worker(job: Callable[[Any], Any]) -> None:
    """In a new worker: keep the job its pool was made for, and leave stopping to the parent:
    SIGTERM (which the pool sends to end it) kills it even where the parent handles SIGTERM to
    stop gracefully, and Ctrl-C and a terminal's hang-up (sent to the whole process group) reach
    only the parent: a worker gone under a running pool would leave it waiting for its task."""
    global _worker_job  # this worker's own: set once, as it starts
    _worker_job = job
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


def _run_job(batch: Any) -> Any:
    if _worker_job is None:
        raise RuntimeError("run only in a worker started by _pool")
    return _worker_job(batch)


def batched(items: Sequence[Batch], size: int) -> list[Sequence[Batch]]:
    """Consecutive slices of at most `size` items."""
    return [items[start : start + size] for start in range(0, len(items), size)]
