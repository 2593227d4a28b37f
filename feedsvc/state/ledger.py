"""The id ledger: an entry keeps the id it was first published with, whatever changes later.

Without a front matter `id`, a post's id is its permalink, which moves when its title, date or
categories change or when the permalink pattern does. A reader would then show the post twice. The
ledger remembers, per file, the id each post was first published with and gives it back.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from feedsvc.content.post import Post
from feedsvc.state.db import connect, set_aside

logger = logging.getLogger(__name__)


LEDGER_FILE = "ids.sqlite"  # in the state folder


@dataclasses.dataclass
class IdLedger:
    """source (path relative to the content directory) -> the id first published for it."""

    ids: dict[str, str] = dataclasses.field(default_factory=dict)
    new: dict[str, str] = dataclasses.field(default_factory=dict)  # recorded since the last save

    def apply(self, posts: Iterable[Post]) -> list[Post]:
        """The posts with their first-published ids (front matter ids are kept as written)."""
        result = []
        for post in posts:
            first = self.ids.get(post.source)
            if first is not None and first != post.id and not post.id_is_explicit:
                post = dataclasses.replace(post, id=first)
            result.append(post)
        return result

    def record(self, published: Iterable[Post]) -> None:
        """Remember the ids of posts that are now in feeds."""
        for post in published:
            if not post.id_is_explicit and post.source not in self.ids:
                self.ids[post.source] = self.new[post.source] = post.id


def load_ledger(path: Path) -> IdLedger:
    """The saved ledger (an SQLite file); an unreadable one is reported and replaced."""
    try:
        with contextlib.closing(_connect(path)) as db:
            return IdLedger(dict(db.execute("SELECT source, id FROM ids")))
    except sqlite3.Error as exc:  # ids of posts whose permalink moved since may change once
        set_aside(path, exc)
        return IdLedger()


def save_ledger(path: Path, ledger: IdLedger) -> None:
    """Add the ids recorded since the last save (100,000 known ids are not written again)."""
    if ledger.new:
        with contextlib.closing(_connect(path)) as db, db:
            db.executemany("INSERT OR REPLACE INTO ids VALUES (?, ?)", ledger.new.items())
        ledger.new = {}


def _connect(path: Path) -> sqlite3.Connection:
    return connect(path, "ids (source TEXT PRIMARY KEY, id TEXT NOT NULL)")
