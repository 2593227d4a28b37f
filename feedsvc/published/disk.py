"""Files of the published set on disk: atomic replacement, and each document written with its
compressed twins, all stamped with the time its bytes last changed.

The mtimes are what nginx (`gzip_static`, `brotli_static`) announces as Last-Modified, the same
time feedsvc's own server takes from the manifest.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

import brotli

from feedsvc.published.manifest import (
    ENCODING_SUFFIXES,
    MANIFEST,
    SUFFIXES,
    DocumentInfo,
    manifest_bytes,
)


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)  # mtime=0: same bytes on every build


def _brotli(data: bytes) -> bytes:
    # Quality 5 is within 2% of 6 and 11x faster than 11 (12% smaller): thousands of documents
    # are compressed on a cold start, dozens on every refresh. A 64 KiB window (lgwin 16, not
    # the default 4 MiB) compresses feeds as small (within 0.3%) and 17% faster: compression is
    # the largest cost of a cold build.
    return bytes(brotli.compress(data, quality=5, lgwin=16))


# Content-Encoding -> compressor, for every encoding the manifest knows.
COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {"br": _brotli, "gzip": _gzip}


def umask_hides_files() -> bool:
    """Whether files created 0644 would lose read access to the process's umask (0077, say),
    so each needs an fchmod: nginx must be able to read them. Read from /proc where it can be,
    which leaves the umask alone; elsewhere setting it is the only way to read it, and it is
    set back at once."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return bool(int(line.split()[1], 8) & 0o644)
    mask = os.umask(0o022)
    os.umask(mask)
    return bool(mask & 0o644)


def atomic_write(path: Path, data: bytes, mtime: int | None = None, fix_mode: bool = False) -> None:
    """Write a temporary file beside `path`, then rename it over `path`: a reader sees the old
    bytes or the new bytes, never part of either. The temporary name is unique per process and
    thread (no random names, no retries): a cold build writes tens of thousands of files."""
    target = os.fspath(path)
    folder, name = os.path.split(target)
    temporary = os.path.join(folder, f".tmp-{name}-{os.getpid()}-{threading.get_ident()}.part")
    try:
        _write_file(temporary, data, mtime, os.O_TRUNC, fix_mode)  # a killed run's is reused
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def write_new(path: Path, data: bytes, mtime: int | None = None, fix_mode: bool = False) -> None:
    """Create a file that must not exist yet, in a folder no one reads yet."""
    _write_file(os.fspath(path), data, mtime, os.O_EXCL, fix_mode)


def _write_file(
    path: str, data: bytes, mtime: int | None, mode: int, fix_mode: bool = False
) -> None:
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
        if fix_mode:
            os.fchmod(fd, 0o644)  # whatever the umask: nginx must be able to read it
        if mtime is not None:
            os.utime(fd, (mtime, mtime))


def write_document(
    folder: Path, path: str, data: bytes, info: DocumentInfo, first: bool, fix_mode: bool
) -> DocumentInfo:
    """Write the document and its compressed twins, all stamped with its `changed` time.
    `first`: the folder is new and nobody reads it yet (a first build, a first generation),
    so each file is written directly, without a temporary file."""
    write = write_new if first else atomic_write
    encoded = {}
    for encoding, suffix in ENCODING_SUFFIXES.items():
        packed = COMPRESSORS[encoding](data)
        write(folder / (path + suffix), packed, info.changed, fix_mode)
        encoded[encoding] = len(packed)
    write(folder / path, data, info.changed, fix_mode)  # last: its presence means all exist
    return DocumentInfo(info.sha256, info.length, info.changed, encoded)


def link_document(folder: Path, target: str, alias: str) -> None:
    """Publish the document at `target` also at `alias`: each of its files (and compressed
    twins) hard-linked, replacing what `alias` held in one rename, so a reader sees the old or
    the new document; a twin the target lacks is removed from the alias too."""
    for suffix in SUFFIXES:
        source, destination = folder / (target + suffix), folder / (alias + suffix)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not source.exists():
            destination.unlink(missing_ok=True)
            continue
        temporary = destination.with_name(f".tmp-{destination.name}-{os.getpid()}.link")
        temporary.unlink(missing_ok=True)
        os.link(source, temporary)
        os.replace(temporary, destination)


def present(folder: Path, path: str, info: DocumentInfo) -> bool:
    try:
        return (folder / path).stat().st_size == info.length and all(
            (folder / (path + suffix)).exists() for suffix in SUFFIXES
        )
    except OSError:
        return False


def write_manifest(folder: Path, infos: Mapping[str, DocumentInfo]) -> None:
    """Replace the folder's manifest."""
    atomic_write(folder / MANIFEST, manifest_bytes(dict(infos)))
