"""Every post file's last reading, kept between refreshes so that only changed files are read.

A file is read again only when its (mtime, size, inode) changed; a deleted file drops out. A post
that was good and turns bad (caught half-written, a YAML typo) keeps its last good version in the
feeds while its error is reported, so one bad save never pulls a post from every reader. The
catalog is saved in the state folder, so a restarted service re-reads nothing that did not change.
"""

from __future__ import annotations

import logging
import pickle
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from feedsvc import __version__
from feedsvc.errors import ContentUnavailableError, PostError, RefreshCancelledError
from feedsvc.posts import Post, read_post_and_body
from feedsvc.publish import atomic_write
from feedsvc.scan import Stamp, scan
from feedsvc.settings import Settings

logger = logging.getLogger(__name__)

CATALOG_FILE = "catalog.pickle"
_FORMAT = 1  # bump when Post or Reading change shape: an old file is then simply ignored


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
    bodies: dict[str, str] = field(default_factory=dict)  # source -> body, of the files read
    errors: list[PostError] = field(default_factory=list)  # folders that could not be listed


@dataclass
class Catalog:
    """source (path relative to the content directory) -> Reading."""

    fingerprint: str  # the settings and version the readings were made with
    readings: dict[str, Reading] = field(default_factory=dict)

    def posts(self) -> list[Post]:
        """Every post that is (or last was) good."""
        return [r.post for r in self.readings.values() if r.post is not None]

    def errors(self) -> list[PostError]:
        """Every file that cannot be read as it is now, with why."""
        return [r.error for r in self.readings.values() if r.error is not None]

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
        found = scan(root, settings.exclude)
        if any(error.path == root for error in found.errors):
            raise ContentUnavailableError(f"content directory {root} cannot be listed")
        readings: dict[str, Reading] = {}
        update = CatalogUpdate(Catalog(self.fingerprint, readings), read=0, errors=found.errors)
        for number, path in enumerate(found.paths):
            if number % 256 == 0:
                if cancel is not None and cancel.is_set():
                    raise RefreshCancelledError("stopped while reading posts")
                if progress is not None:
                    progress("reading posts", number, len(found.paths))
            source = PurePosixPath(*path.relative_to(root).parts).as_posix()
            stamp = found.stamps[path]
            old = self.readings.get(source)
            if old is not None and stamp is not None and old.stamp == stamp:
                readings[source] = old
                continue
            update.read += 1
            readings[source] = self._read(path, source, stamp, old, update, settings)
        return update

    @staticmethod
    def _read(
        path: Path,
        source: str,
        stamp: Stamp | None,
        old: Reading | None,
        update: CatalogUpdate,
        settings: Settings,
    ) -> Reading:
        try:
            post, body = read_post_and_body(path, settings)
        except PostError as exc:
            logger.warning("skipped %s", exc)
            kept = old.post if old is not None else None
            return Reading(stamp, kept, exc)
        logger.debug("read %s", path)
        update.bodies[source] = body
        return Reading(stamp, post, None)


def fingerprint(settings: Settings) -> str:
    """What readings depend on besides the files: feedsvc's version and every setting."""
    return f"{_FORMAT}:{__version__}:{settings!r}"


def load_catalog(state_dir: Path, settings: Settings) -> Catalog:
    """The saved catalog, or an empty one if there is none or it was made differently."""
    expected = fingerprint(settings)
    try:
        with (state_dir / CATALOG_FILE).open("rb") as f:
            saved = pickle.load(f)  # noqa: S301 - our own file, in our own state folder
    except FileNotFoundError:
        return Catalog(expected)
    except Exception as exc:  # noqa: BLE001 - any damage means "start from scratch", never a crash
        logger.warning("ignoring unreadable %s: %s", state_dir / CATALOG_FILE, exc)
        return Catalog(expected)
    if not isinstance(saved, Catalog) or saved.fingerprint != expected:
        logger.info("settings or version changed since the last run: reading every post again")
        return Catalog(expected)
    return saved


def save_catalog(state_dir: Path, catalog: Catalog) -> None:
    """Write the catalog atomically beside the published set."""
    atomic_write(state_dir / CATALOG_FILE, pickle.dumps(catalog, pickle.HIGHEST_PROTOCOL))
