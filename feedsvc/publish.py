"""The published set on disk: each file replaced atomically, unchanged bytes left alone.

A manifest (`.feedsvc-manifest.json`) records each document's SHA-256, so an unchanged document is
recognised without reading it back, and a feed that disappears (its last post deleted) has its files
removed, while files feedsvc did not write are never touched.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

MANIFEST = ".feedsvc-manifest.json"


@dataclass(frozen=True)
class PublishReport:
    """What one publish did."""

    written: int  # documents whose bytes changed or that are new
    unchanged: int  # documents left exactly as they were (same bytes, same mtime)
    removed: int  # documents of feeds that no longer exist


def digest(data: bytes) -> str:
    """The content hash recorded for a document."""
    return hashlib.sha256(data).hexdigest()


def publish(out_dir: Path, documents: Mapping[str, bytes]) -> PublishReport:
    """Make out_dir hold exactly `documents` (relative path -> bytes) among the files we own."""
    out_dir.mkdir(parents=True, exist_ok=True)
    old = read_manifest(out_dir)
    new: dict[str, str] = {}
    written = unchanged = 0
    for relative, data in documents.items():
        path = _inside(out_dir, relative)
        new[relative] = digest(data)
        if old.get(relative) == new[relative] and _same_size(path, len(data)):
            unchanged += 1
            continue
        atomic_write(path, data)
        written += 1
    removed = 0
    for relative in old.keys() - new.keys():
        with contextlib.suppress(FileNotFoundError):
            _inside(out_dir, relative).unlink()
            removed += 1
    atomic_write(out_dir / MANIFEST, json.dumps(new, indent=0, sort_keys=True).encode())
    return PublishReport(written=written, unchanged=unchanged, removed=removed)


def read_manifest(out_dir: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of what the last publish wrote; empty if there is none or it is
    unreadable (then every document is simply written again)."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(manifest, dict):
        return {}
    return {str(k): str(v) for k, v in manifest.items()}


def atomic_write(path: Path, data: bytes) -> None:
    """Write a temporary file beside `path`, then rename it over `path`: a reader sees the old
    bytes or the new bytes, never part of either."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp's 0600 would hide it from nginx
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _same_size(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size == size
    except OSError:
        return False


def _inside(out_dir: Path, relative: str) -> Path:
    path = out_dir / relative
    if ".." in Path(relative).parts or Path(relative).is_absolute():
        raise ValueError(f"document path {relative!r} leaves the output folder")
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
