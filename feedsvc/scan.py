"""Find the files under a content directory that may be posts, without opening any of them."""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from feedsvc.errors import PostError

POST_SUFFIXES = (".md", ".markdown", ".html", ".htm", ".txt")


@dataclass(frozen=True)
class Stamp:
    """A file's identity as stat tells it: when any part changes, the file is read again."""

    mtime_ns: int
    size: int
    inode: int


@dataclass
class ScanResult:
    """What one walk of the content directory found."""

    paths: list[Path] = field(default_factory=list)  # candidate post files, sorted
    stamps: dict[Path, Stamp | None] = field(default_factory=dict)  # None: stat failed
    errors: list[PostError] = field(default_factory=list)  # folders that could not be listed


def scan(root: Path, exclude: Collection[str] = ()) -> ScanResult:
    """List every name under root that looks like a post, in a stable order.

    Hidden files and folders and folders named in `exclude` are skipped. Symlinked folders are not
    followed (they could loop or leave the content directory); anything named like a post is
    listed whatever it is, so that reading it can report a directory, FIFO or bad link by name.
    """
    result = ScanResult()
    _walk(root, frozenset(exclude), result)
    result.paths.sort()
    return result


def _stamp(entry: os.DirEntry[str]) -> Stamp | None:
    """The stat of what the entry names (through a symlink), without opening it."""
    try:
        info = entry.stat()
    except OSError:  # a broken link or a loop: reading it will say which
        return None
    return Stamp(info.st_mtime_ns, info.st_size, info.st_ino)


def _walk(folder: Path, exclude: frozenset[str], result: ScanResult) -> None:
    try:
        with os.scandir(folder) as entries:
            listed = sorted(entries, key=lambda entry: entry.name)
    except OSError as exc:
        result.errors.append(PostError(folder, f"cannot list folder: {exc.strerror}"))
        return
    for entry in listed:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if entry.name.lower().endswith(POST_SUFFIXES):
            result.paths.append(path)
            result.stamps[path] = _stamp(entry)
        elif entry.is_dir(follow_symlinks=False) and entry.name not in exclude:
            _walk(path, exclude, result)
