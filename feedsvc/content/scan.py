"""Find the files under a content directory that may be posts, without opening any of them."""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from feedsvc.errors import PostError

POST_SUFFIXES = (".md", ".markdown", ".html", ".htm", ".txt")


# A file's identity as stat tells it, (mtime_ns, size, inode): when any part changes, the file is
# read again. A plain tuple: 100,000 are made and compared on every refresh.
Stamp = tuple[int, int, int]


@dataclass
class ScanResult:
    """What one walk of the content directory found."""

    # source (path below the root, with `/`) -> Stamp, or None where stat failed
    stamps: dict[str, Stamp | None] = field(default_factory=dict)
    errors: list[PostError] = field(default_factory=list)  # folders that could not be listed


def scan(root: Path, exclude: Collection[str] = ()) -> ScanResult:
    """Every name under root that looks like a post, with its stamp.

    Hidden files and folders and folders named in `exclude` are skipped. Symlinked folders are not
    followed (they could loop or leave the content directory); anything named like a post is
    listed whatever it is, so that reading it can report a directory, FIFO or bad link by name.
    This runs on every refresh over every file (100,000 stats take a few tenths of a second), so
    it works on strings and directory descriptors rather than Path objects.
    """
    result = ScanResult()
    _walk(str(root), "", frozenset(exclude), result)
    return result


def _walk(folder: str, prefix: str, exclude: frozenset[str], result: ScanResult) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        result.errors.append(PostError(Path(folder), f"cannot list folder: {exc.strerror}"))
        return
    stamps, stat = result.stamps, os.stat  # locals: this loop runs once per file
    try:
        with os.scandir(descriptor) as entries:
            listed = list(entries)
        for entry in listed:
            name = entry.name
            if name[0] == ".":
                continue
            if name.lower().endswith(POST_SUFFIXES):
                try:
                    info = stat(name, dir_fd=descriptor)  # through a symlink, without opening
                except OSError:  # a broken link or a loop: reading it will say which
                    stamps[prefix + name] = None
                else:
                    stamps[prefix + name] = (info.st_mtime_ns, info.st_size, info.st_ino)
            elif entry.is_dir(follow_symlinks=False) and name not in exclude:
                _walk(os.path.join(folder, name), f"{prefix}{name}/", exclude, result)
    except OSError as exc:
        result.errors.append(PostError(Path(folder), f"cannot list folder: {exc.strerror}"))
    finally:
        os.close(descriptor)


def is_candidate(source: str, exclude: Collection[str] = ()) -> bool:
    """Whether scan would list this source (a path below the root, with `/`)."""
    parts = source.split("/")
    return (
        source.lower().endswith(POST_SUFFIXES)
        and not any(part.startswith(".") or part == "" for part in parts)
        and not any(part in exclude for part in parts[:-1])
    )


def stat_stamp(path: Path) -> Stamp | None:
    """The stamp of one file (through a symlink), or None if it cannot be stat'ed."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)
