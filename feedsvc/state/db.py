"""The state folder's SQLite files: opened with their tables, and set aside when damaged."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from pathlib import Path

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


def set_aside(path: Path, reason: Exception) -> None:
    """Move a damaged database out of the way (kept as `<name>.damaged` to look at), so the next
    save starts a new one instead of failing on every refresh. An error that is not damage (a
    full disk, a lock) leaves the file alone: it will read fine once the cause is gone."""
    if isinstance(reason, sqlite3.Error) and getattr(reason, "sqlite_errorname", "") not in _DAMAGE:
        logger.warning("cannot read %s now (%s): carrying on without it", path, reason)
        return
    logger.error("%s is damaged (%s): set aside as %s.damaged", path, reason, path.name)
    for suffix in _COMPANIONS:
        with contextlib.suppress(FileNotFoundError):
            os.replace(f"{path}{suffix}", f"{path}.damaged{suffix}")
