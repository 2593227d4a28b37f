"""Every post file's last reading, kept between refreshes so that only changed files are read.

A file is read again only when its (mtime, size, inode) changed; a deleted file drops out. A post
that was good and turns bad (caught half-written, a YAML typo) keeps its last good version in the
feeds while its error is reported, so one bad save never pulls a post from every reader. The
catalog is saved in the state folder (SQLite, one row per file, only changed rows written), so a
restarted service re-reads nothing that did not change.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import pickle
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from feedsvc import __version__
from feedsvc.content.post import Post
from feedsvc.content.posts import read_post, read_posts_in_stages
from feedsvc.content.scan import Stamp, is_site_candidate, scan_site, stat_stamp
from feedsvc.errors import ContentUnavailableError, PostError, RefreshCancelledError
from feedsvc.settings import Settings, output_settings
from feedsvc.state.db import connect, saving, set_aside
from feedsvc.workers import batched, run_batches, worker_count

logger = logging.getLogger(__name__)

CATALOG_FILE = "catalog.sqlite"
PARALLEL_READS = 1000  # fewer changed files are read in this process: forking costs more
READ_BATCH = 250  # files per task handed to a worker
_FORMAT = 4  # bump when Post or Reading change shape: an old file is then simply ignored
# Every field a Post has now: a row pickled by a version whose Post had fewer (its format not
# bumped) decodes to a Post lacking one, read again rather than failing where it is used.
_POST_FIELDS = frozenset(field.name for field in dataclasses.fields(Post))


@dataclass(frozen=True)
class Reading:
    """One file's last reading."""

    stamp: Stamp | None  # None when stat failed: read again every time (it reports why)
    post: Post | None  # the last good post of this file, if it ever was good
    error: PostError | None  # why the file as it is now cannot be read, if it cannot


@dataclass
class CatalogUpdate:
    """What one update found."""

    catalog: Catalog
    read: int  # files read this time
    changed: list[str] = field(default_factory=list)  # sources read this time
    removed: list[str] = field(default_factory=list)  # sources gone since the last update


@dataclass
class Catalog:
    """source (path relative to the content directory) -> Reading."""

    fingerprint: str  # the settings and version the readings were made with
    readings: dict[str, Reading] = field(default_factory=dict)
    post_count: int = -1  # readings with a post; -1 until counted
    scan_errors: list[PostError] = field(default_factory=list)  # folders the last scan missed
    stamps: dict[str, Stamp | None] = field(default_factory=dict)  # source -> stamp, as read
    failing: dict[str, PostError] | None = None  # source -> why it cannot be read; None: count

    def __post_init__(self) -> None:
        if self.post_count < 0:
            self.post_count = sum(1 for r in self.readings.values() if r.post is not None)
        if self.failing is None:
            self.failing = {s: r.error for s, r in self.readings.items() if r.error is not None}

    def posts(self) -> list[Post]:
        """Every post that is (or last was) good."""
        return [r.post for r in self.readings.values() if r.post is not None]

    def errors(self) -> list[PostError]:
        """Every folder and file that cannot be read as it is now, with why."""
        files = sorted((self.failing or {}).values(), key=lambda error: str(error.path))
        return self.scan_errors + files

    def update(
        self,
        settings: Settings,
        cancel: threading.Event | None = None,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> CatalogUpdate:
        """A new catalog for the content directory as it is now; this one is left unchanged."""
        root = settings.content_dir
        if not root.is_dir():
            raise ContentUnavailableError(f"content directory {root} is missing or not a directory")
        found = scan_site(settings)
        if any(error.path == root for error in found.errors):
            raise ContentUnavailableError(f"content directory {root} cannot be listed")
        stamps = found.stamps
        if stamps == self.stamps and None not in stamps.values():  # compared in C: no change
            same = Catalog(
                self.fingerprint, self.readings, self.post_count, found.errors, stamps, self.failing
            )
            return CatalogUpdate(same, read=0)
        known = self.stamps.get
        changed = [s for s, stamp in stamps.items() if stamp is None or known(s) != stamp]
        readings = dict(self.readings)
        failing = dict(self.failing or {})
        catalog = Catalog(
            self.fingerprint, readings, self.post_count, found.errors, stamps, failing
        )
        update = CatalogUpdate(catalog, read=0)
        update.removed = list(self.stamps.keys() - stamps.keys())
        for source in update.removed:
            catalog.post_count -= readings.pop(source).post is not None
            failing.pop(source, None)
        reading_all = _read_all(root, changed, stamps, readings, settings, lambda: _check(cancel))
        for number, (source, reading) in enumerate(reading_all):
            if number % 256 == 0:
                _check(cancel)
                if progress is not None:
                    progress("reading posts", number, len(changed))
            old = readings.get(source)
            readings[source] = reading
            _note_failure(failing, source, reading)
            catalog.post_count += (reading.post is not None) - (
                old is not None and old.post is not None
            )
            update.read += 1
            update.changed.append(source)
        return update

    def update_sources(self, settings: Settings, sources: Iterable[str]) -> CatalogUpdate:
        """A new catalog where only the named sources may have changed (from file events): the
        rest is taken as it is, without a stat. Names that are not post files are ignored."""
        root = settings.content_dir
        if not root.is_dir():
            raise ContentUnavailableError(f"content directory {root} is missing or not a directory")
        readings = dict(self.readings)
        failing = dict(self.failing or {})
        catalog = Catalog(
            self.fingerprint,
            readings,
            self.post_count,
            self.scan_errors,
            dict(self.stamps),
            failing,
        )
        update = CatalogUpdate(catalog, read=0)
        for source in sorted(set(sources)):
            if not is_site_candidate(source, settings):
                continue
            old = readings.get(source)
            stamp = stat_stamp(root / source)
            if stamp is None and not (root / source).is_symlink():
                if old is not None:  # deleted, or renamed away
                    del readings[source]
                    del catalog.stamps[source]
                    failing.pop(source, None)
                    update.removed.append(source)
                    update.catalog.post_count -= old.post is not None
                continue
            if old is not None and stamp is not None and old.stamp == stamp:
                continue
            update.read += 1
            update.changed.append(source)
            reading = _read(root / source, stamp, old, settings)
            readings[source] = reading
            catalog.stamps[source] = stamp
            _note_failure(failing, source, reading)
            update.catalog.post_count += (reading.post is not None) - (
                old is not None and old.post is not None
            )
        return update


def _read(path: Path, stamp: Stamp | None, old: Reading | None, settings: Settings) -> Reading:
    """One file's new reading; a file that turned bad keeps its last good post."""
    try:
        post = read_post(path, settings)
    except PostError as exc:
        return _reading(stamp, exc, old)
    return _reading(stamp, post, old)


def _reading(stamp: Stamp | None, result: Post | PostError, old: Reading | None) -> Reading:
    if isinstance(result, PostError):
        logger.warning("skipped %s", result)
        return Reading(stamp, old.post if old is not None else None, result)
    logger.debug("read %s", result.source)
    return Reading(stamp, result, None)


def _read_all(
    root: Path,
    sources: list[str],
    stamps: dict[str, Stamp | None],
    readings: dict[str, Reading],
    settings: Settings,
    waiting: Callable[[], None],
) -> Iterator[tuple[str, Reading]]:
    """(source, new reading) for each source, in order: in worker processes when there are
    many (a cold start reads every file, and parsing YAML holds the GIL). `waiting`: called
    while the workers' results are awaited; raises to stop."""

    def read(batch: Sequence[str]) -> list[Reading]:
        results = read_posts_in_stages([root / source for source in batch], settings)
        return [
            _reading(stamps[source], result, readings.get(source))
            for source, result in zip(batch, results, strict=True)
        ]

    workers = worker_count(settings.workers) if len(sources) >= PARALLEL_READS else 1
    batches = batched(sources, READ_BATCH)
    for batch, results in zip(batches, run_batches(read, batches, workers, waiting), strict=True):
        yield from zip(batch, results, strict=True)


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise RefreshCancelledError("stopped while reading posts")


def _note_failure(failing: dict[str, PostError], source: str, reading: Reading) -> None:
    """Keep the map of failing files in step with one new reading."""
    if reading.error is None:
        failing.pop(source, None)
    else:
        failing[source] = reading.error


def fingerprint(settings: Settings) -> str:
    """What readings and documents depend on besides the files: feedsvc's version and every
    setting that changes what is read or published."""
    return f"{_FORMAT}:{__version__}:{output_settings(settings)!r}"


def load_catalog(state_dir: Path, settings: Settings) -> Catalog:
    """The saved catalog, or an empty one if there is none or it was made differently. A row
    that cannot be decoded is dropped: its file is read again, like a new one."""
    expected = fingerprint(settings)
    try:
        with contextlib.closing(_connect(state_dir)) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
            if row is None or row[0] != expected:
                if row is not None:
                    logger.info("settings or version changed: reading every post again")
                    with db:
                        db.execute("DELETE FROM readings")
                return Catalog(expected)
            readings, undecodable = _decode_rows(db.execute("SELECT source, reading FROM readings"))
            if undecodable:
                _drop_rows(db, undecodable)
    except sqlite3.Error as exc:
        set_aside(state_dir / CATALOG_FILE, exc)  # every post is read again, once
        return Catalog(expected)
    stamps = {source: reading.stamp for source, reading in readings.items()}
    return Catalog(expected, readings, stamps=stamps)


def _decode_rows(rows: Iterable[tuple[str, object]]) -> tuple[dict[str, Reading], list[str]]:
    """source -> Reading of every row that decodes, and the sources of those that do not."""
    readings: dict[str, Reading] = {}
    undecodable: list[str] = []
    for source, data in rows:
        reading = _decode(data)
        if reading is None:
            undecodable.append(source)
        else:
            readings[source] = reading
    return readings, undecodable


def _decode(data: object) -> Reading | None:
    """One row's Reading, or None when its bytes are not one (damaged, of a class since renamed,
    or a Post without a field it has now)."""
    if not isinstance(data, bytes):  # NULL, or text written by hand
        return None
    try:
        reading = pickle.loads(data)  # noqa: S301 - our own file in our own state folder
    # BLE001: unpickling damaged bytes can raise almost anything (UnpicklingError, ValueError,
    # ImportError of a renamed class, IndexError, MemoryError): whatever it is, the file is
    # read again.
    except Exception:  # noqa: BLE001
        return None
    if not isinstance(reading, Reading) or not (
        (reading.stamp is None or isinstance(reading.stamp, tuple))
        and (
            reading.post is None
            or (isinstance(reading.post, Post) and vars(reading.post).keys() >= _POST_FIELDS)
        )
        and (reading.error is None or isinstance(reading.error, PostError))
    ):
        return None
    return reading


def _drop_rows(db: sqlite3.Connection, sources: list[str]) -> None:
    """Delete rows that could not be decoded (their files are read again and saved anew; a file
    that is gone would otherwise leave its row to be dropped at every start)."""
    logger.warning(
        "%d rows of %s could not be decoded (%s%s): reading those files again",
        len(sources),
        CATALOG_FILE,
        sources[0],
        ", ..." if len(sources) > 1 else "",
    )
    with contextlib.suppress(sqlite3.Error), db:  # a read-only folder: dropped again next start
        db.executemany("DELETE FROM readings WHERE source = ?", ((s,) for s in sources))


def save_catalog(
    state_dir: Path, catalog: Catalog, changed: Iterable[str], removed: Iterable[str]
) -> None:
    """Record the readings of `changed` sources and drop those of `removed` ones, in one
    transaction: a crash keeps the old catalog or the new one. Into a new file (the first save,
    or after a damaged one was set aside), every reading. Raises StateError when the database
    cannot take it (the caller saves the same again next time)."""
    path = state_dir / CATALOG_FILE
    everything = not path.exists()
    with saving(path), contextlib.closing(_connect(state_dir)) as db, db:
        db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('fingerprint', ?)",
            (catalog.fingerprint,),
        )
        db.executemany(
            "INSERT OR REPLACE INTO readings (source, reading) VALUES (?, ?)",
            (
                (source, pickle.dumps(catalog.readings[source], pickle.HIGHEST_PROTOCOL))
                for source in (catalog.readings if everything else changed)
            ),
        )
        db.executemany("DELETE FROM readings WHERE source = ?", ((s,) for s in removed))


def _connect(state_dir: Path) -> sqlite3.Connection:
    return connect(
        state_dir / CATALOG_FILE,
        "meta (key TEXT PRIMARY KEY, value TEXT)",
        "readings (source TEXT PRIMARY KEY, reading BLOB)",
    )
