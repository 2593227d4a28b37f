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
    target = _resolve_inside(path, root)
    info = os.stat(target)
    _require_regular(info)
    if info.st_size > max_bytes:
        raise UnreadableFile(
            f"file is {info.st_size:,} bytes, over the limit of {max_bytes:,} (max_post_bytes)"
        )
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        raise UnreadableFile(f"cannot open: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        _require_regular(info)  # the name may have been swapped for a FIFO since the stat above
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UnreadableFile(f"file grew past the limit of {max_bytes:,} bytes (max_post_bytes)")
    digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()
    return FileText(_decode(data), info, digest)


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
        raise UnreadableFile(f"symlink points outside the content directory (to {target})")
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
