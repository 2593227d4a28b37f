"""The published set on disk: every document with its gzip and brotli twins, and a manifest.

Each document is stored as `<path>`, `<path>.gz` and `<path>.br`, compressed once per version, with
the file mtimes set to the time its bytes last changed, so nginx (`gzip_static`, `brotli_static`)
and feedsvc's own server announce the same `Last-Modified`. The manifest (`MANIFEST`) records each
document's SHA-256, lengths and that time, so an unchanged document is recognised without reading it
back and keeps its bytes, ETag and Last-Modified exactly.

Two writers (put or keep each document, then commit or abort):

- `InPlaceWriter(out_dir)`, for `feedsvc build OUT_DIR`: each file is replaced atomically; files
  feedsvc did not write are never touched; documents of vanished feeds are removed.
- `GenerationWriter(state_dir)`, for the service: a complete new folder per change, then one
  atomic switch of the `current` symlink, so a reader sees the old set or the new set, never a
  mix. Unchanged documents are hard links to the previous generation (same inode, same mtime).

`publish_in_place` and `publish_generation` publish a whole dict of documents with either.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import brotli

MANIFEST = ".feedsvc-manifest.json"
CURRENT = "current"
GENERATIONS = "generations"
KEEP_GENERATIONS = 3  # the current one and two before it, for readers still holding them


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)  # mtime=0: same bytes on every build


def _brotli(data: bytes) -> bytes:
    # Quality 5 is within 2% of 6 and 11x faster than 11 (12% smaller): thousands of documents
    # are compressed on a cold start, dozens on every refresh. A 64 KiB window (lgwin 16, not
    # the default 4 MiB) compresses feeds as small (within 0.3%) and 17% faster: compression is
    # the largest cost of a cold build.
    return bytes(brotli.compress(data, quality=5, lgwin=16))


# Content-Encoding -> (file suffix, compressor). Order is the server's preference.
ENCODINGS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "br": (".br", _brotli),
    "gzip": (".gz", _gzip),
}


_SUFFIXES = ("", *(suffix for suffix, _ in ENCODINGS.values()))


@dataclass(frozen=True)
class DocumentInfo:
    """What the manifest records of one document."""

    sha256: str  # of the uncompressed bytes; ETags derive from it
    length: int  # uncompressed length
    changed: int  # Unix time (seconds) when these bytes were first published: Last-Modified
    encoded: dict[str, int]  # Content-Encoding -> compressed length


@dataclass(frozen=True)
class PublishReport:
    """What one publish did."""

    written: int  # documents whose bytes changed or that are new
    unchanged: int  # documents left exactly as they were (same bytes, same mtime)
    removed: int  # documents of feeds that no longer exist
    changed: tuple[str, ...] = ()  # paths of the documents written: the hub is told of these


def digest(data: bytes) -> str:
    """The content hash recorded for a document."""
    return hashlib.sha256(data).hexdigest()


def read_manifest(folder: Path) -> dict[str, DocumentInfo]:
    """Relative path -> DocumentInfo of the set in `folder`; empty if there is none or it is
    unreadable (then every document is simply written again)."""
    try:
        raw = json.loads((folder / MANIFEST).read_bytes())
        return {path: DocumentInfo(**info) for path, info in raw["documents"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _info_for(
    path: str, data: bytes, previous: Mapping[str, DocumentInfo], now: int
) -> tuple[DocumentInfo, bool]:
    """The document's manifest entry, and whether its bytes differ from the previous ones.

    An unchanged document keeps its `changed` time. A changed one gets `now`, but always later than
    its previous time, so a client that sends only If-Modified-Since never misses a second change
    within one second.
    """
    _check_relative(path)
    sha = digest(data)
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


class _Writer:
    """What both writers share. Each document is put (hashed at once, compressed and written by
    background threads when its bytes must be written), written at once by a worker process
    (write_now, then record here), or kept as the previous publish left it."""

    folder: Path  # where documents are written
    previous: dict[str, DocumentInfo]  # the manifest being replaced
    fresh: bool  # the folder is new and nobody reads it yet: files are created directly

    def __init__(self, now: int) -> None:
        self._now = now
        self._infos: dict[str, DocumentInfo] = {}
        self._writes: dict[str, Future[DocumentInfo]] = {}
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
                _write_document, self.folder, path, data, info, self.fresh
            )

    def write_now(self, path: str, data: bytes) -> tuple[DocumentInfo, bool]:
        """Like put, but at once and without touching the writer's own state, so a worker
        process can call it; the parent then calls `record` with what it returns."""
        info, changed = _info_for(path, data, self.previous, self._now)
        if self._must_write(path, info, changed):
            return _write_document(self.folder, path, data, info, self.fresh), True
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


class InPlaceWriter(_Writer):
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
        return changed or not _present(self.folder, path, info)  # a lost file is written again

    def commit(self) -> PublishReport:
        """Remove the documents not published this time and record the manifest."""
        self._background.finish()
        self._infos.update((path, write.result()) for path, write in self._writes.items())
        written = len(self._writes)
        gone = self.previous.keys() - self._infos.keys()
        for path in gone:
            for suffix in _SUFFIXES:
                with contextlib.suppress(FileNotFoundError):
                    (self.folder / (path + suffix)).unlink()
        _write_manifest(self.folder, self._infos)
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


class GenerationWriter(_Writer):
    """Publishes a complete new generation of a state folder, switched to in one rename at commit.

    Until commit, nothing a reader can see changes; abort (or a crash) leaves `current` as it was.
    Unchanged documents are hard links to the previous generation (same inode, same mtime). After
    each commit a thread links the new generation into a spare folder while the service idles, so
    the next refresh that changes something starts from a complete copy; without a spare, a
    thread links as the refresh renders. A document that changes is written over its link (a new
    inode; the old one is untouched).
    """

    def __init__(
        self, state_dir: Path, now: int, known: tuple[Path, dict[str, DocumentInfo]] | None = None
    ) -> None:
        """`known`: a generation and its manifest the caller holds (from the last commit), used
        instead of reading the manifest again when it is still the current one."""
        super().__init__(now)
        self.state_dir = state_dir
        self.current = current_folder(state_dir)
        self.fresh = self.current is None
        if known is not None and known[0] == self.current:
            self.previous = known[1]
        else:
            self.previous = read_manifest(self.current) if self.current else {}
        self.committed: tuple[Path, dict[str, DocumentInfo]] | None = None  # after a switch
        self.pruning: threading.Thread | None = None  # removing old generations, after commit
        generations = state_dir / GENERATIONS
        generations.mkdir(parents=True, exist_ok=True)
        spare = _take_spare(generations, self.current)
        for leftover in (*generations.glob(".new-*"), *generations.glob(".spare-*")):
            if leftover != spare and not _owned_by_another_live_process(leftover):
                shutil.rmtree(leftover, ignore_errors=True)  # a killed publish, a stale spare
        self._stop_linking = threading.Event()
        self._from_spare = spare is not None
        if spare is not None:
            self.folder = spare
            self._linking = _Linker(None, spare, [], self._stop_linking)
        else:
            self.folder = Path(tempfile.mkdtemp(dir=generations, prefix=".new-"))
            previous = list(self.previous)
            self._linking = _Linker(self.current, self.folder, previous, self._stop_linking)

    def commit(self) -> PublishReport:
        """Switch `current` to the new generation, unless nothing changed at all."""
        gone = self.previous.keys() - self._infos.keys()
        written = len(self._writes)
        report = PublishReport(written, len(self._infos) - written, len(gone), tuple(self._writes))
        if self.current is not None and not written and not gone:
            self.abort()
            return report
        try:
            self._linking.finish()
            self._background.finish()
            self._infos.update((path, write.result()) for path, write in self._writes.items())
            for path in gone:  # linked with the rest, but no longer published
                for suffix in _SUFFIXES:
                    (self.folder / (path + suffix)).unlink()
            _write_manifest(self.folder, self._infos)
            generations = self.state_dir / GENERATIONS
            final = generations / _next_generation_name(generations)
            self.folder.chmod(0o755)
            os.rename(self.folder, final)
        except BaseException:
            self.abort()
            raise
        _switch(self.state_dir, final)
        self.committed = (final, self._infos)
        # Old generations go in the background: readers may still hold them for a moment, and
        # deleting thousands of files should not delay the next refresh.
        self.pruning = threading.Thread(target=_prune, args=(generations, final), daemon=True)
        self.pruning.start()
        _prepare_spare(generations, final, list(self._infos))
        return report

    def abort(self) -> None:
        """Throw the unfinished generation away (a spare nothing was written into is kept)."""
        if self._from_spare and not self._writes and self.current is not None:
            with contextlib.suppress(Exception):
                self._background.finish()
            _SPARES[self.state_dir / GENERATIONS] = (self.folder, self._linking, self.current.name)
            return
        self._stop_linking.set()
        with contextlib.suppress(Exception):  # the error that made us abort is the one to report
            self._linking.finish()
        with contextlib.suppress(Exception):
            self._background.finish()
        shutil.rmtree(self.folder, ignore_errors=True)


def publish_in_place(out_dir: Path, documents: Mapping[str, bytes], now: int) -> PublishReport:
    """Make out_dir hold exactly `documents` among the files feedsvc owns there."""
    return _publish_all(InPlaceWriter(out_dir, now), documents)


def publish_generation(state_dir: Path, documents: Mapping[str, bytes], now: int) -> PublishReport:
    """Publish `documents` as a new generation and switch `current` to it, atomically; nothing is
    written when nothing changed. Returns once old generations are pruned too."""
    writer = GenerationWriter(state_dir, now)
    report = _publish_all(writer, documents)
    if writer.pruning is not None:
        writer.pruning.join()
    return report


def _publish_all(
    writer: InPlaceWriter | GenerationWriter, documents: Mapping[str, bytes]
) -> PublishReport:
    try:
        for path in documents:
            writer.put(path, documents[path])
    except BaseException:
        writer.abort()
        raise
    return writer.commit()


def current_folder(state_dir: Path) -> Path | None:
    """The generation `current` points at, resolved, or None before the first publish."""
    try:
        return (state_dir / CURRENT).resolve(strict=True)
    except (OSError, RuntimeError):
        return None


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: set it back at once
    os.umask(mask)
    return mask


# Files are created 0644 minus the umask; only a umask that takes away read access (0077, say)
# costs an extra fchmod per file, on a cold build tens of thousands of them.
_UMASK_HIDES_FILES = bool(_umask() & 0o644)


def atomic_write(path: Path, data: bytes, mtime: int | None = None) -> None:
    """Write a temporary file beside `path`, then rename it over `path`: a reader sees the old
    bytes or the new bytes, never part of either. The temporary name is unique per process and
    thread (no random names, no retries): a cold build writes tens of thousands of files."""
    target = os.fspath(path)
    folder, name = os.path.split(target)
    temporary = os.path.join(folder, f".tmp-{name}-{os.getpid()}-{threading.get_ident()}.part")
    try:
        _write_file(temporary, data, mtime, os.O_TRUNC)  # a leftover of a killed run is reused
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _write_new(path: Path, data: bytes, mtime: int | None = None) -> None:
    """Create a file that must not exist yet, in a folder no one reads yet."""
    _write_file(os.fspath(path), data, mtime, os.O_EXCL)


def _write_file(path: str, data: bytes, mtime: int | None, mode: int) -> None:
    """Create (O_EXCL) or overwrite (O_TRUNC) one file, readable by the web server, stamped with
    mtime; its folder is made only when missing: a handful of system calls per file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | mode
    try:
        fd = os.open(path, flags, 0o644)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, flags, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()  # before the mtime is set: a later write would move it
        if _UMASK_HIDES_FILES:
            os.fchmod(fd, 0o644)  # whatever the umask: nginx must be able to read it
        if mtime is not None:
            os.utime(fd, (mtime, mtime))


def _write_document(
    folder: Path, path: str, data: bytes, info: DocumentInfo, first: bool = False
) -> DocumentInfo:
    """Write the document and its compressed twins, all stamped with its `changed` time.
    `first`: the folder is new and nobody reads it yet (a first build, a first generation),
    so each file is written directly, without a temporary file."""
    write = _write_new if first else atomic_write
    encoded = {}
    for encoding, (suffix, compress) in ENCODINGS.items():
        packed = compress(data)
        write(folder / (path + suffix), packed, info.changed)
        encoded[encoding] = len(packed)
    write(folder / path, data, info.changed)  # last: its presence means all three exist
    return DocumentInfo(info.sha256, info.length, info.changed, encoded)


# generations folder -> (spare folder, the linker filling it, the generation it copies). Only
# spares this process linked are trusted: one left on disk by a killed process may be partial.
_SPARES: dict[Path, tuple[Path, _Linker, str]] = {}


def _prepare_spare(generations: Path, source: Path, paths: list[str]) -> None:
    """Start linking a copy of generation `source`, for the next refresh to write into."""
    prefix = f".spare-{source.name}-{os.getpid()}-"
    folder = Path(tempfile.mkdtemp(dir=generations, prefix=prefix))
    _SPARES[generations] = (folder, _Linker(source, folder, paths, threading.Event()), source.name)


def _owned_by_another_live_process(folder: Path) -> bool:
    """A spare of another running process (`.spare-<generation>-<pid>-…`): not ours to delete."""
    parts = folder.name.split("-")
    if not folder.name.startswith(".spare-") or len(parts) < 4 or not parts[2].isdigit():
        return False
    pid = int(parts[2])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _take_spare(generations: Path, current: Path | None) -> Path | None:
    """This process's complete spare copy of `current`, or None."""
    spare = _SPARES.pop(generations, None)
    if spare is None:
        return None
    folder, linker, source = spare
    try:
        linker.finish()
    except OSError:
        return None  # removed with the other leftovers
    return folder if current is not None and current.name == source else None


class _Linker:
    """Hard-links documents (and their twins) from one generation into the next on a thread of its
    own: thousands per refresh, so plain strings and one mkdir per folder. A document already
    written into the new generation is left as it is."""

    def __init__(
        self, source: Path | None, target: Path, paths: list[str], stop: threading.Event
    ) -> None:
        self.error: BaseException | None = None
        self.thread = threading.Thread(
            target=self._run, args=(source, target, paths, stop), name="feedsvc-link", daemon=True
        )
        if source is not None:
            self.thread.start()

    def finish(self) -> None:
        """Wait until every link is made; raise what went wrong, if anything did."""
        if self.thread.is_alive() or self.thread.ident is not None:
            self.thread.join()
        if self.error is not None:
            raise self.error

    def _run(
        self, source: Path | None, target: Path, paths: list[str], stop: threading.Event
    ) -> None:
        made: set[str] = set()
        old, new = str(source), str(target)
        try:
            for path in paths:
                if stop.is_set():
                    return
                folder = os.path.dirname(path)
                if folder not in made:
                    os.makedirs(os.path.join(new, folder), exist_ok=True)
                    made.add(folder)
                for suffix in _SUFFIXES:
                    with contextlib.suppress(FileExistsError):  # written anew meanwhile
                        os.link(f"{old}/{path}{suffix}", f"{new}/{path}{suffix}")
        except BaseException as exc:  # noqa: BLE001 - handed to the committing thread
            self.error = exc


def _present(folder: Path, path: str, info: DocumentInfo) -> bool:
    try:
        return (folder / path).stat().st_size == info.length and all(
            (folder / (path + suffix)).exists() for suffix in _SUFFIXES
        )
    except OSError:
        return False


def _write_manifest(folder: Path, infos: Mapping[str, DocumentInfo]) -> None:
    documents = {
        path: {"sha256": i.sha256, "length": i.length, "changed": i.changed, "encoded": i.encoded}
        for path, i in sorted(infos.items())
    }
    manifest = {"documents": documents}
    atomic_write(folder / MANIFEST, json.dumps(manifest, separators=(",", ":")).encode())


def _next_generation_name(generations: Path) -> str:
    numbers = [int(p.name) for p in generations.iterdir() if p.name.isdigit()]
    return f"{max(numbers, default=0) + 1:08d}"


def _switch(state_dir: Path, folder: Path) -> None:
    """Point `current` at folder with one rename, which readers see happen all at once."""
    temporary = state_dir / f".{CURRENT}-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    temporary.symlink_to(folder.relative_to(state_dir))
    os.replace(temporary, state_dir / CURRENT)


def _prune(generations: Path, keep: Path) -> None:
    """Remove old generations, keeping the newest few."""
    numbered = sorted((p for p in generations.iterdir() if p.name.isdigit()), key=lambda p: p.name)
    for old in numbered[:-KEEP_GENERATIONS]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def _check_relative(path: str) -> None:
    parts = Path(path).parts
    if not parts or Path(path).is_absolute() or ".." in parts or path.startswith("."):
        raise ValueError(f"document path {path!r} leaves the published folder")
