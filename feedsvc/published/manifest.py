"""The published set's manifest, and where the current generation is: what readers need.

Each document is stored as `<path>` with its compressed twins `<path>.br` and `<path>.gz`; the
manifest (`MANIFEST`) records each document's SHA-256, lengths and the time its bytes last
changed, so readers (the web app) prepare every header without reading a file, and writers
recognise an unchanged document without reading it back. Importing this module loads no writer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

MANIFEST = ".feedsvc-manifest.json"
CURRENT = "current"  # the state folder's symlink to the generation being served
GENERATIONS = "generations"  # the state folder's folder of generations
RECHECK_SECONDS = 0.1  # how stale a reader's view of `current` may get

# Content-Encoding -> the suffix of the document's file in that encoding. Order is the
# server's preference.
ENCODING_SUFFIXES: dict[str, str] = {"br": ".br", "gzip": ".gz"}
# Every file a document is stored as: itself, then its twins.
SUFFIXES = ("", *ENCODING_SUFFIXES.values())


@dataclass(frozen=True)
class DocumentInfo:
    """What the manifest records of one document."""

    sha256: str  # of the uncompressed bytes; ETags derive from it
    length: int  # uncompressed length
    changed: int  # Unix time (seconds) when these bytes were first published: Last-Modified
    encoded: dict[str, int]  # Content-Encoding -> compressed length
    # Content-Type, when not the one its suffix says: a Hugo site's RSS published again at its
    # /index.xml, where a `.xml` suffix would say Atom (jekyll-feed's paths). Empty: the suffix's.
    media_type: str = ""


def read_manifest(folder: Path) -> dict[str, DocumentInfo]:
    """Relative path -> DocumentInfo of the set in `folder`; empty if there is none or it is
    unreadable (then every document is simply written again)."""
    try:
        raw = json.loads((folder / MANIFEST).read_bytes())
        return {path: DocumentInfo(**info) for path, info in raw["documents"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def manifest_bytes(infos: dict[str, DocumentInfo]) -> bytes:
    """The manifest of a set, as its file holds it."""
    documents = {
        path: {"sha256": i.sha256, "length": i.length, "changed": i.changed, "encoded": i.encoded}
        | ({"media_type": i.media_type} if i.media_type else {})
        for path, i in sorted(infos.items())
    }
    return json.dumps({"documents": documents}, separators=(",", ":")).encode()


def current_folder(state_dir: Path) -> Path | None:
    """The generation `current` points at, resolved, or None before the first publish."""
    try:
        return (state_dir / CURRENT).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
