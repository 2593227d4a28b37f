"""The state folder's SQLite files: opened with their tables, and set aside when damaged."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from feedsvc.errors import StateError

logger = logging.getLogger(__name__)

_COMPANIONS = ("", "-wal", "-shm")  # SQLite's write-ahead log and shared memory beside the file


def connect(path: Path, *tables: str) -> sqlite3.Connection:
    """Open (or create) the database with `tables` (CREATE TABLE bodies)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode = WAL")  # readers never block; a crash never corrupts
        for table in tables:
            db.execute(f"CREATE TABLE IF NOT EXISTS {table}")
    except sqlite3.Error:
        db.close()
        raise
    return db


_DAMAGE = frozenset({"SQLITE_NOTADB", "SQLITE_CORRUPT"})


def damaged(error: Exception) -> bool:
    """Whether an error of SQLite says the file itself is damaged (overwritten, truncated), as
    opposed to a cause that passes (a full disk, a read-only folder, a lock)."""
    return not isinstance(error, sqlite3.Error) or (
        getattr(error, "sqlite_errorname", "") in _DAMAGE
    )


def set_aside(path: Path, reason: Exception) -> None:
    """Move a damaged database out of the way (kept as `<name>.damaged` to look at), so the next
    save starts a new one instead of failing on every refresh. An error that is not damage (a
    full disk, a lock) leaves the file alone: it will read fine once the cause is gone."""
    if not damaged(reason):
        logger.warning("cannot read %s now (%s): carrying on without it", path, reason)
        return
    logger.error("%s is damaged (%s): set aside as %s.damaged", path, reason, path.name)
    for suffix in _COMPANIONS:
        with contextlib.suppress(FileNotFoundError):
            os.replace(f"{path}{suffix}", f"{path}.damaged{suffix}")


@contextlib.contextmanager
def saving(path: Path) -> Iterator[None]:
    """Around a save into the database at `path`: an SQLite error becomes a StateError naming
    the file (the refresh that saves fails, and says why), and a damaged file is set aside
    first, so the next save writes a new one whole."""
    try:
        yield
    except sqlite3.Error as exc:
        if not damaged(exc):
            raise StateError(f"cannot save {path.name}: {exc}") from exc
        set_aside(path, exc)
        raise StateError(
            f"cannot save {path.name}: {exc}; set aside as {path.name}.damaged, "
            "the next refresh writes it anew"
        ) from exc
