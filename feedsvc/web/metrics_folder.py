"""The folder where web workers keep their request counts, for /metrics to sum (prometheus-client's
multiprocess mode): made and emptied before the first worker starts, dead workers marked, removed
when the server stops.

prometheus-client reads PROMETHEUS_MULTIPROC_DIR once, when it is first imported, so the server's
parent process sets it before any worker exists and never imports prometheus-client before that:
this module imports it only inside `mark_dead`, which runs after `prepare`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

FOLDER_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

_made: Path | None = None  # the folder prepare() made, to remove at the end; None: none or given


def prepare() -> Path:
    """The folder for this server's workers, named in the environment they inherit. A folder the
    operator named (PROMETHEUS_MULTIPROC_DIR) is emptied of an earlier run's counts, which would
    otherwise be added to this run's; without one, a new temporary folder is made."""
    global _made
    given = os.environ.get(FOLDER_VARIABLE)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        return folder
    _made = Path(tempfile.mkdtemp(prefix="feedsvc-metrics-"))
    os.environ[FOLDER_VARIABLE] = str(_made)
    return _made


def mark_dead(pid: int) -> None:
    """A worker exited: its counts stay in the sums (counters never go back), but its live
    gauges, if any, must go (gunicorn's child_exit hook)."""
    from prometheus_client import multiprocess

    if os.environ.get(FOLDER_VARIABLE):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call] # untyped upstream


def remove() -> None:
    """The server stopped: remove the folder prepare() made (a folder the operator named stays)."""
    global _made
    if _made is not None:
        shutil.rmtree(_made, ignore_errors=True)
        if os.environ.get(FOLDER_VARIABLE) == str(_made):
            del os.environ[FOLDER_VARIABLE]
        _made = None
