"""Read one post file's text safely: only regular files inside the content directory, bounded."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

_KIND_NAMES = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


@dataclass(frozen=True)
class FileText:
    """A post file's text and identity."""

    text: str  # UTF-8 decoded, BOM dropped, line endings LF
    info: os.stat_result  # of the file read (after symlinks), taken on the open file
    digest: str  # SHA-1 of the raw bytes: "same content" survives a touch, a copy or a restore


class UnreadableFile(ValueError):  # noqa: N818 - reads as the reason it carries
    """The file cannot be a post; the message says why."""


def read_text(path: Path, root: Path, max_bytes: int) -> FileText:
    """Return the file's text (UTF-8, BOM dropped, CRLF turned into LF), stat and digest.

    Never opens anything but a regular file inside `root` (resolved), so FIFOs cannot block the
    build, devices are never touched, and a symlink cannot leak a file from elsewhere.
    """
    fd = _open_plain_file(path, root)
    if fd is None:  # a symlink on the way, or something odd: the careful path says what it is
        fd = _open_resolved(path, root, max_bytes)
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        _require_regular(info)  # the name may have been swapped for a FIFO since the stat before
        if info.st_size > max_bytes:
            raise UnreadableFile(
                f"file is {info.st_size:,} bytes, over the limit of {max_bytes:,} (max_post_bytes)"
            )
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UnreadableFile(f"file grew past the limit of {max_bytes:,} bytes (max_post_bytes)")
    digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()
    return FileText(_decode(data), info, digest)


_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _open_plain_file(path: Path, root: Path) -> int | None:
    """Open a regular file reached from `root` through real folders only, without resolving the
    path: folder by folder with O_NOFOLLOW, then lstat before opening. None for anything else
    (a symlink anywhere below root, a missing file), left to the careful path.

    Most posts are plain files in plain folders; resolving every path cost more than reading it.
    """
    root_text, path_text = os.fspath(root), os.fspath(path)
    if not path_text.startswith(root_text + "/"):
        return None
    *folders, name = path_text[len(root_text) + 1 :].split("/")
    try:
        folder = os.open(root_text, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        for part in folders:
            if part in {"", ".", ".."}:
                return None
            inner = os.open(part, _FOLDER_FLAGS, dir_fd=folder)
            os.close(folder)
            folder = inner
        info = os.stat(name, dir_fd=folder, follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode):
            return None
        return os.open(name, _OPEN_FLAGS, dir_fd=folder)
    except OSError:
        return None
    finally:
        os.close(folder)


def _open_resolved(path: Path, root: Path, max_bytes: int) -> int:
    """Open the file the path names, after resolving every symlink on the way and checking that
    the target is inside root and regular (stat before open: opening a device can do things)."""
    target = _resolve_inside(path, root)
    info = os.stat(target)
    _require_regular(info)
    if info.st_size > max_bytes:
        raise UnreadableFile(
            f"file is {info.st_size:,} bytes, over the limit of {max_bytes:,} (max_post_bytes)"
        )
    try:
        return os.open(target, _OPEN_FLAGS)
    except OSError as exc:
        raise UnreadableFile(f"cannot open: {exc.strerror}") from None


def _resolve_inside(path: Path, root: Path) -> Path:
    try:
        target = path.resolve(strict=True)
    except RuntimeError:
        raise UnreadableFile("symlink loop") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnreadableFile("symlink loop") from None
        if exc.errno == errno.ENOENT:
            raise UnreadableFile("broken symlink or file vanished") from None
        raise UnreadableFile(f"cannot read: {exc.strerror}") from None
    if not target.is_relative_to(root.resolve()):
        # Not where it points: the reason is shown in /status.json, which names nothing outside
        # the content directory (`ls -l` tells the operator).
        raise UnreadableFile("symlink points outside the content directory")
    return target


def _require_regular(info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = _KIND_NAMES.get(stat.S_IFMT(info.st_mode), "an unusual file")
        raise UnreadableFile(f"is {kind}, not a post file")


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise UnreadableFile("binary file (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")
