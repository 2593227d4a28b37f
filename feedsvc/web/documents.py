"""The published set as the web app sees it: each document's variants and their ready headers.

Workers never render anything: they read the manifest of the generation `current` points at
and send its files, so every worker answers a URL with the same bytes and the same ETag. A worker
notices a new generation within `RECHECK_SECONDS` and switches to it whole.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from werkzeug.http import http_date, quote_etag

from feedsvc.model.layout import FULL_ARCHIVE_PAGE, media_type_of
from feedsvc.published.manifest import (
    ENCODING_SUFFIXES,
    RECHECK_SECONDS,
    DocumentInfo,
    current_folder,
    read_manifest,
)
from feedsvc.web.negotiation import vary

IDENTITY = "identity"
# A full archive page never changes (layout.FULL_ARCHIVE_PAGE): caches may keep it for a year.
IMMUTABLE = "public, max-age=31536000, immutable"

# path -> headers a document's 200s carry besides the caching ones (WebSub's Link headers).
ExtraHeaders = Callable[[str], list[tuple[str, str]]]


def no_extra_headers(path: str) -> list[tuple[str, str]]:
    """The default: documents carry only the caching headers."""
    return []


@dataclass(frozen=True)
class Variant:
    """One encoding of one document, as a file with its own strong ETag."""

    file: Path
    length: int
    etag: str  # unquoted; "<sha256 prefix>" for identity, "<sha256 prefix>-<encoding>" otherwise
    encoding: str  # IDENTITY, "gzip" or "br"
    headers_200: list[tuple[str, str]]  # every header of a 200, prepared once per generation
    headers_304: list[tuple[str, str]]  # the same less Content-Type/-Length/-Encoding


@dataclass(frozen=True)
class Document:
    """One published document: its type, when its bytes last changed, and its variants."""

    media_type: str  # with charset
    last_modified: dt.datetime
    variants: dict[str, Variant]  # encoding -> variant


class PublishedSet:
    """One generation: path (as in the URL layout, unquoted) -> document, each prepared on its
    first request (a large site has thousands, and a worker switches sets after every refresh)."""

    def __init__(
        self,
        folder: Path | None,
        infos: dict[str, DocumentInfo],
        cache_control: str,
        extra: ExtraHeaders = no_extra_headers,
    ) -> None:
        self.folder = folder  # None before anything was published
        self._infos = infos
        self._cache_control = cache_control
        self._extra = extra
        self._documents: dict[str, Document] = {}

    def __len__(self) -> int:
        return len(self._infos)

    def get(self, path: str) -> Document | None:
        """The document at `path`, or None if the set has none there."""
        document = self._documents.get(path)
        if document is None and self.folder is not None:
            info = self._infos.get(path)
            if info is None:
                return None
            document = self._documents[path] = _prepare(
                self.folder, path, info, self._cache_control, self._extra(path)
            )
        return document

    @classmethod
    def load(
        cls,
        folder: Path | None,
        cache_control: str = "no-cache",
        extra: ExtraHeaders = no_extra_headers,
    ) -> PublishedSet:
        """Read a generation's manifest (an empty set for None)."""
        return cls(folder, read_manifest(folder) if folder else {}, cache_control, extra)


def _prepare(
    folder: Path, path: str, info: DocumentInfo, cache_control: str, extra: list[tuple[str, str]]
) -> Document:
    """A document's variants with every header they are sent with."""
    media_type = f"{info.media_type or media_type_of(path)}; charset=utf-8"
    last_modified = dt.datetime.fromtimestamp(info.changed, dt.UTC)
    tag = info.sha256[:32]
    encoded = {IDENTITY: ("", info.length), **{
        encoding: (ENCODING_SUFFIXES[encoding], length) for encoding, length in info.encoded.items()
    }}  # fmt: skip
    variants = {}
    for encoding, (suffix, length) in encoded.items():
        etag = tag if encoding == IDENTITY else f"{tag}-{encoding}"
        common = [
            ("ETag", quote_etag(etag)),
            ("Last-Modified", http_date(last_modified)),
            ("Cache-Control", IMMUTABLE if FULL_ARCHIVE_PAGE.match(path) else cache_control),
            ("Vary", vary(path)),
        ]
        full = [("Content-Type", media_type), ("Content-Length", str(length)), *common, *extra]
        if encoding != IDENTITY:
            full.append(("Content-Encoding", encoding))
        variants[encoding] = Variant(folder / (path + suffix), length, etag, encoding, full, common)
    return Document(media_type, last_modified, variants)


class LiveSet:
    """The current generation of a state folder, reloaded when `current` moves."""

    def __init__(
        self,
        state_dir: Path,
        cache_control: str = "no-cache",
        clock: Callable[[], float] = time.monotonic,
        extra: ExtraHeaders = no_extra_headers,
    ) -> None:
        self._state_dir = state_dir
        self._cache_control = cache_control
        self._extra = extra
        self._clock = clock
        self._lock = threading.Lock()
        self._checked = -RECHECK_SECONDS
        self._set = PublishedSet.load(None, cache_control, extra)
        self._loaded = False  # whether `current` was ever read

    def get(self) -> PublishedSet:
        """The newest published set, checking `current` at most every RECHECK_SECONDS. One thread
        checks (and loads a new set) while the others go on serving the set they have."""
        now = self._clock()
        if now - self._checked < RECHECK_SECONDS:
            return self._set
        # Before the first load there is no set to serve meanwhile (every path would be a 404):
        # the other threads of a worker that just started wait for it.
        if not self._lock.acquire(blocking=not self._loaded):
            return self._set
        try:
            if self._loaded and self._clock() - self._checked < RECHECK_SECONDS:
                return self._set  # loaded by the thread this one waited for
            folder = current_folder(self._state_dir)
            if folder != self._set.folder or not self._loaded:
                self._set = PublishedSet.load(folder, self._cache_control, self._extra)
            self._checked = now
            self._loaded = True
        finally:
            self._lock.release()
        return self._set
