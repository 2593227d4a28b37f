"""status.json, the refresher's report to operators: the one owner of its schema.

The refresher writes it into the state folder after every refresh (`StatusFile`), or, while the
state folder cannot take it, into a spill file in memory; the web app serves the newer of the two
as /status.json and /metrics reads its figures at each scrape (`RefreshFigures`), so both always
say the same, a full disk included. Every key is spelled here and nowhere else (the refresher's
heartbeat's in heartbeat.py). It names no path of the server (see _ServerPaths): a bad file's
path is relative to the content directory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATUS_FILE = "status.json"  # in the state folder, beside the published set: it changes always
# S108: shared by every user, so the spill goes into a folder of this user's that nobody else may
# write into, checked before each read and write (_private_folder).
SHARED_MEMORY = Path("/dev/shm")  # noqa: S108


@dataclass(frozen=True)
class RefreshOutcome:
    """What one successful refresh did, as the status reports it."""

    posts: int  # posts visible in feeds
    feeds: int  # feeds (site, categories, tags)
    files: int  # candidate files seen
    read: int  # files read this time
    rendered: int  # documents rendered this time
    written: int  # documents whose bytes changed
    unchanged: int  # documents left as they were
    removed: int  # documents of feeds that no longer exist
    bad_files: Sequence[tuple[str, str]]  # (path, reason) of each file left out


def read_status(state_dir: Path) -> dict[str, Any] | None:
    """The status as last written, or None when no refresh has written one (or it is
    unreadable): the state folder's file, or its spill when that is newer (the state folder
    could not take the last write)."""
    found = [_read(state_dir / STATUS_FILE), _read(spill_path(state_dir), private=True)]
    newest = max((f for f in found if f is not None), key=lambda f: f[0], default=None)
    return newest[1] if newest is not None else None


def spill_path(state_dir: Path) -> Path:
    """Where the status goes while the state folder cannot take it (full, read-only), so the web
    side still learns why refreshes fail: a folder in memory (/dev/shm, else the temporary
    folder) that only this user may write, one file per state folder."""
    base = SHARED_MEMORY if SHARED_MEMORY.is_dir() else Path(tempfile.gettempdir())
    key = hashlib.sha256(os.fsencode(state_dir.resolve())).hexdigest()[:16]
    return base / f"feedsvc-{os.geteuid()}" / f"status-{key}.json"


def _read(path: Path, private: bool = False) -> tuple[int, dict[str, Any]] | None:
    """(mtime in ns, status) of one status file, or None. `private`: only from a folder that
    no other user can write into (the spill's is in a shared, world-writable place)."""
    if private and not _private_folder(path.parent, make=False):
        return None
    try:
        with path.open("rb") as file:
            mtime, data = os.fstat(file.fileno()).st_mtime_ns, json.loads(file.read())
    except (OSError, ValueError):
        return None
    return (mtime, data) if isinstance(data, dict) else None


def _private_folder(folder: Path, make: bool) -> bool:
    """Whether `folder` is a real folder of this user's that nobody else may write into (made
    so first, when `make`)."""
    if make:
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)
    try:
        info = folder.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o022


class StatusFile:
    """The status of one state folder, kept in memory and written whole after each change. A
    write the state folder refuses goes to the spill file instead (see spill_path), and the next
    write tries the state folder again."""

    def __init__(
        self,
        state_dir: Path,
        write: Callable[[Path, bytes], None],
        content_dir: Path | None = None,
    ) -> None:
        """`write`: how to replace a file atomically (published/disk.py's atomic_write);
        `content_dir`: the folder the paths of bad files are written relative to."""
        self.path = state_dir / STATUS_FILE
        self.spill = spill_path(state_dir)
        self._write = write
        self._server_paths = _ServerPaths(content_dir, state_dir)
        self.data: dict[str, Any] = read_status(state_dir) or {}

    def record_next_run(self, next_run: dt.datetime | None) -> None:
        """Show the scheduler's next run."""
        self.data["next_run"] = next_run.isoformat() if next_run else None
        self.save()

    def record_refresh(
        self,
        finished: dt.datetime,
        seconds: float,
        outcome: RefreshOutcome | None = None,
        error: str | None = None,
    ) -> str | None:
        """One refresh, finished at `finished` after `seconds`: what it did, or why it failed.
        A refresh whose status the state folder refuses failed too: it says so, and why. Returns
        the error recorded, if any."""
        before = self.data
        self.data = _with_refresh(before, finished, seconds, outcome, error)
        problem = self.save()
        if problem is not None and error is None:
            error = f"cannot write {STATUS_FILE}: {problem}"
            self.data = _with_refresh(before, finished, seconds, None, error)
            self.save()
        return error

    def save(self) -> str | None:
        """Write the status into the state folder; if it refuses (a full or read-only disk),
        write the spill file, and return why. A full disk must not stop the refresher itself."""
        shown = self._server_paths.applied(self.data)
        data = json.dumps(shown, ensure_ascii=False, indent=1).encode()
        try:
            self._write(self.path, data)
        except OSError as exc:
            with contextlib.suppress(OSError):
                if _private_folder(self.spill.parent, make=True):
                    self._write(self.spill, data)
            return str(exc)
        with contextlib.suppress(OSError):  # the state folder's file is the newest again
            self.spill.unlink()
        return None


class _ServerPaths:
    """The content directory and the state folder, found in a text (each as given and as
    resolved: either may be a symlink or sit below one; whole names only, the longest first) and
    written as the status shows them: a path below the content directory relative to it, the
    directory itself as `<content_dir>`, the state folder as `<state_dir>`. A path of the server
    says where it keeps things, not what an operator needs to fix a file."""

    def __init__(self, content_dir: Path | None, state_dir: Path) -> None:
        content = [content_dir.absolute(), content_dir.resolve()] if content_dir else []
        self.shown = {str(f): "<content_dir>" for f in content}
        self.shown |= {str(f): "<state_dir>" for f in (state_dir.absolute(), state_dir.resolve())}
        names = sorted((f for f in self.shown if f != "/"), key=len, reverse=True)
        alternatives = "|".join(map(re.escape, names)) or "(?!)"  # none: matches nothing
        self.pattern = re.compile(rf"(?P<folder>{alternatives})(?:(?P<below>/)|(?![\w.-]))")

    def applied(self, value: Any) -> Any:
        """`value` (the status, or any part of it) with every such path written as shown."""
        if isinstance(value, str):
            return self.pattern.sub(self._shown, value)
        if isinstance(value, dict):
            return {key: self.applied(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.applied(item) for item in value]
        return value

    def _shown(self, match: re.Match[str]) -> str:
        folder = self.shown[match["folder"]]
        if match["below"] is None:
            return folder
        return "" if folder == "<content_dir>" else folder + "/"


def _with_refresh(
    data: dict[str, Any],
    finished: dt.datetime,
    seconds: float,
    outcome: RefreshOutcome | None,
    error: str | None,
) -> dict[str, Any]:
    """A copy of the status `data` with one more refresh: what it did, or why it failed."""
    data = dict(data)
    when = finished.astimezone(dt.UTC).isoformat()
    last: dict[str, Any] = {"finished_at": when, "seconds": round(seconds, 3), "error": error}
    data["last_refresh"] = last
    data["error"] = error
    written = outcome.written if outcome is not None else 0
    data["totals"] = _add_to_totals(data.get("totals"), seconds, error, written)
    if outcome is not None:
        data.update(
            {
                "posts": outcome.posts,
                "feeds": outcome.feeds,
                "files": outcome.files,
                "last_success_at": when,
                "bad_files": [{"path": p, "reason": r} for p, r in outcome.bad_files],
            }
        )
        last.update(
            {
                "read": outcome.read,
                "rendered": outcome.rendered,
                "written": outcome.written,
                "unchanged": outcome.unchanged,
                "removed": outcome.removed,
            }
        )
    return data


def _add_to_totals(
    totals: object, seconds: float, error: str | None, written: int
) -> dict[str, float]:
    """The running totals (refreshes, failures, seconds, documents written) with one more
    refresh: /metrics reports them as counters, so a scrape misses no refresh between two."""
    kept = totals if isinstance(totals, dict) else {}  # a status file from before totals: none

    def before(key: str) -> float:
        return as_number(kept.get(key)) or 0

    return {
        "refreshes": before("refreshes") + 1,
        "failures": before("failures") + (error is not None),
        "seconds": round(before("seconds") + seconds, 3),
        "written": before("written") + written,
    }


@dataclass(frozen=True)
class RefreshFigures:
    """The status's figures as /metrics reports them; None where the status has none."""

    posts: float | None
    feeds: float | None
    bad_files: int | None
    last_seconds: float | None
    last_finished: float | None  # Unix time
    last_succeeded: bool | None
    last_success: float | None  # Unix time
    refreshes: float | None
    seconds: float | None
    failures: float | None
    written: float | None

    @classmethod
    def of(cls, status: dict[str, Any] | None) -> RefreshFigures:
        """The figures of a status as read_status gives it, trusting none of its values."""
        status = status or {}
        last = as_mapping(status.get("last_refresh"))
        totals = as_mapping(status.get("totals"))
        bad = status.get("bad_files")
        return cls(
            posts=as_number(status.get("posts")),
            feeds=as_number(status.get("feeds")),
            bad_files=len(bad) if isinstance(bad, list) else None,
            last_seconds=as_number(last.get("seconds")),
            last_finished=as_timestamp(last.get("finished_at")),
            last_succeeded=None if not last else last.get("error") is None,
            last_success=as_timestamp(status.get("last_success_at")),
            refreshes=as_number(totals.get("refreshes")),
            seconds=as_number(totals.get("seconds")),
            failures=as_number(totals.get("failures")),
            written=as_number(totals.get("written")),
        )


def as_mapping(value: object) -> dict[str, Any]:
    """A status value that should be an object, or an empty one (the file is trusted in nothing)."""
    return value if isinstance(value, dict) else {}


def as_number(value: object) -> float | None:
    """A status value that should be a number (not a boolean), or None."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def as_timestamp(text: object) -> float | None:
    """Unix time of an ISO 8601 time with a zone, as this file writes them."""
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo else None
