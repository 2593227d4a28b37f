"""The two writers of the published set, and what they share: put or keep each document, then
commit or abort.

- `InPlaceWriter(out_dir)`, for `feedsvc build OUT_DIR`: each file is replaced atomically; files
  feedsvc did not write are never touched; documents of vanished feeds are removed.
- `GenerationWriter` (published/generations.py), for the service: a complete new folder per
  change, switched to atomically.

An unchanged document (same SHA-256 as the manifest's) keeps its files, ETag and Last-Modified
exactly; a changed one gets the writer's `now` as its Last-Modified.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from feedsvc.model.layout import media_type_of
from feedsvc.published.disk import (
    link_document,
    present,
    umask_hides_files,
    write_document,
    write_manifest,
)
from feedsvc.published.manifest import SUFFIXES, DocumentInfo, read_manifest


@dataclass(frozen=True)
class PublishReport:
    """What one publish did."""

    written: int  # documents whose bytes changed or that are new
    unchanged: int  # documents left exactly as they were (same bytes, same mtime)
    removed: int  # documents of feeds that no longer exist
    changed: tuple[str, ...] = ()  # paths of the documents written: the hub is told of these


class Writer(Protocol):
    """What the renderer hands documents to: either writer."""

    previous: dict[str, DocumentInfo]  # the manifest being replaced

    def put(self, path: str, data: bytes) -> None: ...
    def write_now(self, path: str, data: bytes) -> tuple[DocumentInfo, bool]: ...
    def record(self, path: str, info: DocumentInfo, written: bool) -> None: ...
    def keep(self, path: str) -> None: ...
    def alias(self, path: str, target: str) -> None: ...
    def commit(self) -> PublishReport: ...
    def abort(self) -> None: ...


def _info_for(
    path: str, data: bytes, previous: Mapping[str, DocumentInfo], now: int
) -> tuple[DocumentInfo, bool]:
    """The document's manifest entry, and whether its bytes differ from the previous ones.

    An unchanged document keeps its `changed` time. A changed one gets `now`, but always later than
    its previous time, so a client that sends only If-Modified-Since never misses a second change
    within one second.
    """
    _check_relative(path)
    sha = hashlib.sha256(data).hexdigest()
    old = previous.get(path)
    if old is not None and old.sha256 == sha:
        return old, False
    changed = max(now, old.changed + 1) if old is not None else now
    return DocumentInfo(sha256=sha, length=len(data), changed=changed, encoded={}), True


class _Background:
    """At most two jobs at a time on other threads, a bounded number queued. Compression, hashing
    and file I/O release the GIL, so they run while the next document renders."""

    def __init__(self, queued: int = 16) -> None:
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="feedsvc-publish")
        self._slots = threading.BoundedSemaphore(queued)  # bounds the documents held in memory
        self._futures: list[Future[Any]] = []

    def submit(self, job: Callable[..., Any], *args: Any) -> Future[Any]:
        self._slots.acquire()
        future = self._pool.submit(job, *args)
        future.add_done_callback(lambda _: self._slots.release())
        self._futures.append(future)
        return future

    def finish(self) -> None:
        """Wait for every job; the first failure is raised here."""
        try:
            for future in self._futures:
                future.result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._futures.clear()


class WriterBase:
    """What both writers share. Each document is put (hashed at once, compressed and written by
    background threads when its bytes must be written), written at once by a worker process
    (write_now, then record here), or kept as the previous publish left it."""

    folder: Path  # where documents are written
    previous: dict[str, DocumentInfo]  # the manifest being replaced
    fresh: bool  # the folder is new and nobody reads it yet: files are created directly

    def __init__(self, now: int) -> None:
        self._now = now
        self._fix_mode = umask_hides_files()  # read once per publish, where files are written
        self._infos: dict[str, DocumentInfo] = {}
        self._writes: dict[str, Future[DocumentInfo]] = {}
        self._aliases: dict[str, str] = {}  # alias path -> its target, to link at commit
        self._background = _Background()

    def _must_write(self, path: str, info: DocumentInfo, changed: bool) -> bool:
        """Whether the document's files must be written (else they are there as they should)."""
        return changed

    def put(self, path: str, data: bytes) -> None:
        """Publish one document's bytes; unchanged ones are left as they are."""
        info, changed = _info_for(path, data, self.previous, self._now)
        self._infos[path] = info
        if self._must_write(path, info, changed):
            self._writes[path] = self._background.submit(
                write_document, self.folder, path, data, info, self.fresh, self._fix_mode
            )

    def write_now(self, path: str, data: bytes) -> tuple[DocumentInfo, bool]:
        """Like put, but at once and without touching the writer's own state, so a worker
        process can call it; the parent then calls `record` with what it returns."""
        info, changed = _info_for(path, data, self.previous, self._now)
        if self._must_write(path, info, changed):
            written = write_document(self.folder, path, data, info, self.fresh, self._fix_mode)
            return written, True
        return info, False

    def record(self, path: str, info: DocumentInfo, written: bool) -> None:
        """Record a document another process published with `write_now`."""
        self._infos[path] = info
        if written:
            done: Future[DocumentInfo] = Future()
            done.set_result(info)
            self._writes[path] = done

    def keep(self, path: str) -> None:
        """Carry a document over as the previous publish left it."""
        self._infos[path] = self.previous[path]

    def alias(self, path: str, target: str) -> None:
        """Publish the document put or kept at `target` also at `path`, the very same files
        (where readers of an earlier feed look: jekyll-feed's /feed.xml). Call it after the
        target; the files are linked at commit, once every write is done."""
        info = _as_alias(self._infos[target], path, target)
        self._infos[path] = info
        if self.previous.get(path) != info or not self._alias_in_place(path, info):
            self._aliases[path] = target

    def _alias_in_place(self, path: str, info: DocumentInfo) -> bool:
        """Whether an unchanged alias's files are there as they should be."""
        return True

    def _link_aliases(self) -> None:
        """Link each alias that changed to its target, now written and compressed."""
        for path, target in self._aliases.items():
            link_document(self.folder, target, path)
            self._infos[path] = _as_alias(self._infos[target], path, target)


def _as_alias(info: DocumentInfo, path: str, target: str) -> DocumentInfo:
    """The manifest entry of `target` published again at `path`: the same files, and the
    target's media type where the alias's suffix would name another (RSS at a `.xml` path)."""
    own, wanted = media_type_of(path), media_type_of(target)
    return dataclasses.replace(info, media_type="" if own == wanted else wanted)


class InPlaceWriter(WriterBase):
    """Publishes into a folder that is served as it is (`feedsvc build OUT_DIR`): each file is
    replaced atomically; files feedsvc did not write are never touched; documents of vanished
    feeds are removed at commit.

    A first build (the folder missing or empty) is written into a staging folder beside it,
    renamed into place at commit: readers see no files, then all of them, and each file is
    written once instead of through a temporary file and a rename (thousands fewer file system
    operations on a cold build).
    """

    def __init__(self, out_dir: Path, now: int) -> None:
        super().__init__(now)
        self.out_dir = out_dir
        staging = _staging_folder(out_dir)
        self.fresh = staging is not None
        self.previous = {}
        if staging is not None:
            self.folder = staging
        else:
            out_dir.mkdir(parents=True, exist_ok=True)
            self.folder = out_dir
            self.previous = read_manifest(out_dir)

    def _must_write(self, path: str, info: DocumentInfo, changed: bool) -> bool:
        return changed or not present(self.folder, path, info)  # a lost file is written again

    def _alias_in_place(self, path: str, info: DocumentInfo) -> bool:
        return present(self.folder, path, info)

    def commit(self) -> PublishReport:
        """Remove the documents not published this time and record the manifest."""
        self._background.finish()
        self._infos.update((path, write.result()) for path, write in self._writes.items())
        self._link_aliases()
        written = len(self._writes) + len(self._aliases)
        gone = self.previous.keys() - self._infos.keys()
        for path in gone:
            for suffix in SUFFIXES:
                with contextlib.suppress(FileNotFoundError):
                    (self.folder / (path + suffix)).unlink()
        write_manifest(self.folder, self._infos)
        if self.fresh:
            try:
                os.rename(self.folder, self.out_dir)  # replaces an empty folder, never a full one
            except OSError as exc:
                self.abort()
                raise OSError(f"cannot move the new build into {self.out_dir}: {exc}") from exc
        return PublishReport(written, len(self._infos) - written, len(gone), tuple(self._writes))

    def abort(self) -> None:
        """Stop; files already replaced stay (each is complete), the manifest stays the old one.
        A first build leaves nothing behind."""
        with contextlib.suppress(Exception):  # the error that made us abort is the one to report
            self._background.finish()
        if self.fresh:
            shutil.rmtree(self.folder, ignore_errors=True)


def _staging_folder(out_dir: Path) -> Path | None:
    """A new folder beside out_dir to build into and rename into place, when that is possible:
    out_dir is missing or an empty real folder (not a symlink, which the rename would replace,
    nor a mount point, which cannot be renamed over), and its parent is writable. Else None."""
    try:
        if out_dir.is_symlink() or os.path.ismount(out_dir):
            return None
        if out_dir.exists() and any(out_dir.iterdir()):
            return None
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        prefix = f".{out_dir.name}.building-"
        folder = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=prefix))
        folder.chmod(0o755)
    except OSError:
        return None  # say, a parent folder we may not write to: build in place
    return folder


def publish_in_place(out_dir: Path, documents: Mapping[str, bytes], now: int) -> PublishReport:
    """Make out_dir hold exactly `documents` among the files feedsvc owns there."""
    return publish_all(InPlaceWriter(out_dir, now), documents)


def publish_all(writer: Writer, documents: Mapping[str, bytes]) -> PublishReport:
    """Put every document, then commit; abort on any failure."""
    try:
        for path in documents:
            writer.put(path, documents[path])
    except BaseException:
        writer.abort()
        raise
    return writer.commit()


def _check_relative(path: str) -> None:
    parts = Path(path).parts
    if not parts or Path(path).is_absolute() or ".." in parts or path.startswith("."):
        raise ValueError(f"document path {path!r} leaves the published folder")
