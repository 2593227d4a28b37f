"""status.json, the refresher's report to operators: the one owner of its schema.

The refresher writes it into the state folder after every refresh (`StatusFile`); the web app
serves it as /status.json and /metrics reads its figures at each scrape (`RefreshFigures`), so
both always say the same. Every key is spelled here and nowhere else. It names no path of the
server (see _ServerPaths): a bad file's path is relative to the content directory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATUS_FILE = "status.json"  # in the state folder, beside the published set: it changes always


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
    """The status as written, or None when no refresh has written one (or it is unreadable)."""
    try:
        data = json.loads((state_dir / STATUS_FILE).read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class StatusFile:
    """The status of one state folder, kept in memory and written whole after each change."""

    def __init__(
        self,
        state_dir: Path,
        write: Callable[[Path, bytes], None],
        content_dir: Path | None = None,
    ) -> None:
        """`write`: how to replace a file atomically (published/disk.py's atomic_write);
        `content_dir`: the folder the paths of bad files are written relative to."""
        self.path = state_dir / STATUS_FILE
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
    ) -> None:
        """One refresh, finished at `finished` after `seconds`: what it did, or why it failed."""
        when = finished.astimezone(dt.UTC).isoformat()
        last: dict[str, Any] = {"finished_at": when, "seconds": round(seconds, 3), "error": error}
        self.data["last_refresh"] = last
        self.data["error"] = error
        written = outcome.written if outcome is not None else 0
        self.data["totals"] = _add_to_totals(self.data.get("totals"), seconds, error, written)
        if outcome is not None:
            self.data.update(
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
        self.save()

    def save(self) -> None:
        """Write the file; a full disk must not stop the refresher itself."""
        shown = self._server_paths.applied(self.data)
        with contextlib.suppress(OSError):
            self._write(self.path, json.dumps(shown, ensure_ascii=False, indent=1).encode())


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


def _add_to_totals(
    totals: object, seconds: float, error: str | None, written: int
) -> dict[str, float]:
    """The running totals (refreshes, failures, seconds, documents written) with one more
    refresh: /metrics reports them as counters, so a scrape misses no refresh between two."""
    kept = totals if isinstance(totals, dict) else {}  # a status file from before totals: none

    def before(key: str) -> float:
        return _number(kept.get(key)) or 0

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
        last = _mapping(status.get("last_refresh"))
        totals = _mapping(status.get("totals"))
        bad = status.get("bad_files")
        return cls(
            posts=_number(status.get("posts")),
            feeds=_number(status.get("feeds")),
            bad_files=len(bad) if isinstance(bad, list) else None,
            last_seconds=_number(last.get("seconds")),
            last_finished=_timestamp(last.get("finished_at")),
            last_succeeded=None if not last else last.get("error") is None,
            last_success=_timestamp(status.get("last_success_at")),
            refreshes=_number(totals.get("refreshes")),
            seconds=_number(totals.get("seconds")),
            failures=_number(totals.get("failures")),
            written=_number(totals.get("written")),
        )


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _number(value: object) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _timestamp(text: object) -> float | None:
    """Unix time of an ISO 8601 time with a zone, as this file writes them."""
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo else None
