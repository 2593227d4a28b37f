"""Scan, read, index, render and publish: once for `feedsvc build`, incrementally for the service.

The service's `Refresher` keeps the catalog of readings, the id ledger and each feed's signature
(a hash of everything its bytes depend on) in the state folder. A refresh re-reads only changed
files, re-renders only feeds whose signature changed, and publishes a new generation only when some
document's bytes changed. It publishes nothing, and keeps serving the last good set, when the
content directory is missing or unreadable or when too many posts would disappear at once.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import datetime as dt
import fcntl
import functools
import gc
import hashlib
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from operator import is_
from pathlib import Path
from typing import Any

from feedsvc.content.body import Body, render_bodies, render_body
from feedsvc.content.posts import Post, load_body
from feedsvc.errors import PostError, RefreshCancelledError, RefreshError, TooManyRemovedError
from feedsvc.model.archives import (
    History,
    archive_path,
    archived_kinds,
    feed_history,
    feed_pages,
    page_history,
)
from feedsvc.model.index import SITE_FEED, FeedKey, FeedKind, Index, build_index, is_visible
from feedsvc.model.layout import (
    INDEX_PATH,
    OPML_PATHS,
    RENDITIONS,
    STATUS_PATH,
    FeedFormat,
    Rendition,
    document_path,
    feed_path,
    page_path,
)
from feedsvc.model.live_index import LiveIndex
from feedsvc.model.polling import polling_hints
from feedsvc.pipeline.workers import Step, batched, run_batches, run_steps, worker_count
from feedsvc.published.writers import (
    DocumentInfo,
    GenerationWriter,
    InPlaceWriter,
    PublishReport,
    atomic_write,
)
from feedsvc.render.feed_page import render_feed_page
from feedsvc.render.feeds import Entries, FeedAssembler, render_feed
from feedsvc.render.index_page import render_index_page
from feedsvc.render.opml import render_opml
from feedsvc.settings import Settings
from feedsvc.state.catalog import Catalog, CatalogUpdate, fingerprint, load_catalog, save_catalog
from feedsvc.state.ledger import IdLedger, load_ledger, save_ledger

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (stage, done, total), called often: keep it cheap
LEDGER_FILE = "ids.sqlite"
SIGNATURES_FILE = "signatures.json"
LOCK_FILE = ".lock"


def _no_progress(stage: str, done: int, total: int) -> None:
    """The default progress callback: says nothing."""


@dataclass(frozen=True)
class BuildReport:
    """What one build or refresh did: the figures of its summary line."""

    files: int  # candidate files seen
    read: int  # files read this time (all of them on a cold start)
    posts: int  # posts visible in feeds
    feeds: int  # feeds (site, categories, tags), each in every format
    rendered: int  # documents rendered this time
    bad: list[PostError]  # files that cannot be read as they are, and posts left out
    published: PublishReport
    seconds: float


@dataclass(frozen=True)
class ReadResult:
    """Every post that could be read, and every file that could not, with why."""

    posts: list[Post]
    bad: list[PostError]
    files: int  # candidate files seen


def read_posts(settings: Settings, progress: Progress = _no_progress) -> ReadResult:
    """Read every post under the content directory from scratch; a bad file is reported."""
    update = Catalog(fingerprint(settings)).update(settings)
    catalog = update.catalog
    progress("reading posts", len(catalog.readings), len(catalog.readings))
    return ReadResult(catalog.posts(), catalog.errors(), len(catalog.readings))


def render_documents(index: Index, settings: Settings) -> dict[str, bytes]:
    """Every document of the URL layout, each built whole by feedgen, with no caches and no
    workers: the plain path that `build` and the service must equal byte for byte (tests)."""
    bodies: dict[Post, Body] = {}

    def body_of(post: Post) -> Body:
        if post not in bodies:
            bodies[post] = _body(post, settings)[0]
        return bodies[post]

    documents = {}
    for key, posts in index.feeds.items():
        pages = feed_pages(key, index.history, settings.archive_page_size)
        history = feed_history(pages, len(posts), index.totals[key])
        held = _fitting_plainly(key, posts, settings, body_of, history)
        if len(held) < len(posts):
            history = dataclasses.replace(history, complete=False)
        for fmt in FeedFormat:
            documents[feed_path(key, fmt)] = render_feed(key, held, fmt, settings, body_of, history)
        held_bodies = [body_of(post) for post in held]
        documents[page_path(key)] = render_feed_page(key, held, held_bodies, settings)
        for page in pages:
            for fmt in FeedFormat:
                documents[archive_path(page, fmt)] = render_feed(
                    key, page.posts, fmt, settings, body_of, page_history(pages, page)
                )
    for fmt, path in OPML_PATHS.items():
        documents[path] = render_opml(index, settings, fmt)
    documents[INDEX_PATH] = render_index_page(index, settings)
    return documents


def _fitting_plainly(
    key: FeedKey,
    posts: list[Post],
    settings: Settings,
    body_of: Callable[[Post], Body],
    history: History,
) -> list[Post]:
    """The posts a feed's documents hold within max_feed_bytes, found the plain way, by
    rendering: those that fit on their own, then the newest of them that fit in every format.
    A document holding fewer than all of them does not say it is complete."""
    budget = settings.max_feed_bytes
    if not budget:
        return posts
    partly = dataclasses.replace(history, complete=False)

    def size(held: list[Post], fmt: FeedFormat) -> int:
        said = history if len(held) == len(posts) else partly
        return len(render_feed(key, held, fmt, settings, body_of, said))

    def fits_alone(post: Post) -> bool:
        return all(
            len(render_feed(key, [post], fmt, settings, body_of, partly)) <= budget
            for fmt in FeedFormat
        )

    held = [post for post in posts if fits_alone(post)]
    count = len(held)
    for fmt in FeedFormat:
        while count and size(held[:count], fmt) > budget:
            count -= 1
    return held[:count]


def build(
    settings: Settings, out_dir: Path, now: dt.datetime, progress: Progress = _no_progress
) -> BuildReport:
    """Build every feed from the content directory into out_dir, as of `now`: a first build
    appears all at once; later ones replace each changed file atomically."""
    started = time.perf_counter()
    update = Catalog(fingerprint(settings)).update(settings, progress=progress)
    writer = InPlaceWriter(out_dir, int(now.timestamp()))
    ledger = IdLedger() if writer.fresh else load_ledger(out_dir / f".feedsvc-{LEDGER_FILE}")
    try:
        index, bad = _index(update, ledger, settings, now)
        renderer = _Renderer(settings, {}, keep_entries=False)
        rendered = renderer.publish(index, writer, {}, {}, progress=progress)
    except BaseException:
        writer.abort()
        raise
    published = writer.commit()
    save_ledger(out_dir / f".feedsvc-{LEDGER_FILE}", ledger)
    return _report(update, index, bad, rendered, published, started)


class Refresher:
    """The service's refresh: incremental, atomic, and never losing the last good feeds."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state_dir = settings.state_dir
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.catalog = load_catalog(self.state_dir, settings)
        self.ledger = load_ledger(self.state_dir / LEDGER_FILE)
        self.signatures = _load_signatures(self.state_dir / SIGNATURES_FILE)
        self.entries: dict[Post, Entries] = {}  # each post's rendered entry, per format
        self.pages: dict[str, list[Post]] = {}  # each archive page's posts (see _Renderer)
        self.entries_kept = 0  # cache size after the last trim
        self.next_due: dt.datetime | None = None  # earliest future post: when feeds change anyway
        self.refreshed_once = False
        self.live: LiveIndex | None = None  # built from the catalog on the first refresh
        self.manifest: tuple[Path, dict[str, DocumentInfo]] | None = None  # the last commit
        self.status: dict[str, Any] = _load_status(self.state_dir / STATUS_PATH)

    def refresh(
        self,
        now: dt.datetime,
        cancel: threading.Event | None = None,
        sources: Collection[str] | None = None,
    ) -> BuildReport | None:
        """One refresh as of `now`: of the whole content directory, or, when file events name
        what changed, of just those `sources`. Returns None when it published nothing because it
        could not (the reason is logged and in the status), or was cancelled."""
        started = time.perf_counter()
        try:
            with _exclusive(self.state_dir / LOCK_FILE):
                report = self._refresh(now, cancel, started, sources)
        except RefreshCancelledError:
            logger.info("refresh abandoned: stopping; nothing was published")
            return None
        except (RefreshError, OSError) as exc:
            logger.error("refresh failed, still serving the last good feeds: %s", exc)
            self._record(now, started, error=str(exc))
            return None
        self._record(now, started, report=report)
        logger.info(
            "refresh: %d posts read of %d files, %d documents re-rendered, %d written, "
            "%d unchanged, %d removed, %d bad files, %.3f s",
            report.read,
            report.files,
            report.rendered,
            report.published.written,
            report.published.unchanged,
            report.published.removed,
            len(report.bad),
            report.seconds,
        )
        return report

    def record_next_run(self, next_run: dt.datetime | None) -> None:
        """Show the scheduler's next run in the status."""
        self.status["next_run"] = next_run.isoformat() if next_run else None
        self._write_status()

    def _refresh(
        self,
        now: dt.datetime,
        cancel: threading.Event | None,
        started: float,
        sources: Collection[str] | None,
    ) -> BuildReport:
        if sources is not None and self.refreshed_once:
            update = self.catalog.update_sources(self.settings, sources)
        else:
            update = self.catalog.update(self.settings, cancel)
        self._check_removals(update.catalog)
        unchanged = update.read == 0 and not update.removed
        due = self.next_due is not None and self.next_due <= now
        if self.refreshed_once and unchanged and not due:
            return self._nothing_to_do(update, started)
        index, bad, changed_feeds = self._snapshot(update, now, due)
        writer = GenerationWriter(self.state_dir, int(now.timestamp()), self.manifest)
        try:
            signatures: dict[str, str] = {}
            renderer = _Renderer(self.settings, self.entries, self.pages)
            rendered = renderer.publish(
                index, writer, self.signatures, signatures, cancel=cancel, changed=changed_feeds
            )
            if cancel is not None and cancel.is_set():
                raise RefreshCancelledError("stopped before publishing")
            published = writer.commit()
        except BaseException:
            writer.abort()
            self.live = None  # it already holds this refresh's posts: rebuild it next time
            raise
        self.catalog = update.catalog
        self.signatures = signatures
        self.manifest = writer.committed or self.manifest
        self.entries = renderer.cache
        self.pages = renderer.pages
        if len(self.entries) > self.entries_kept * 5 // 4 + 64:  # trim now and then, not always
            self.entries = renderer.entries_in(index)
            self.entries_kept = len(self.entries)
        # The catalog and index hold a few million long-lived objects: freezing them keeps the
        # cyclic garbage collector from walking them all again during every later refresh.
        gc.freeze()
        self.next_due = _next_due(self.live, now) if self.live else None
        if renderer.incomplete:
            self.next_due = now  # a body could not be read: try again next time, change or not
        self.refreshed_once = True
        self._last = (index, bad)
        save_catalog(self.state_dir, update)
        save_ledger(self.state_dir / LEDGER_FILE, self.ledger)
        atomic_write(self.state_dir / SIGNATURES_FILE, json.dumps(signatures).encode())
        return _report(update, index, bad, rendered, published, started)

    def _snapshot(
        self, update: CatalogUpdate, now: dt.datetime, due: bool
    ) -> tuple[Index, list[PostError], set[FeedKey] | None]:
        """The index as of `now`, moving only the posts that changed since the last refresh."""
        future = self.settings.future
        if self.live is None:
            self.live = LiveIndex(self.settings.item_limit, future, _archived(self.settings))
            changed = self.ledger.apply(update.catalog.posts())
            self.live.update(changed)
            self.ledger.record(p for p in changed if is_visible(p, now, future))
        else:
            readings = update.catalog.readings
            posts = [readings[s].post for s in update.changed]
            changed = self.ledger.apply(p for p in posts if p is not None)
            self.live.update(changed, update.removed)
            newly = self.live.posts.values() if due else changed
            self.ledger.record(p for p in newly if is_visible(p, now, future))
        index, changed_feeds = self.live.snapshot(now, everything=due or not self.refreshed_once)
        for problem in index.problems:
            logger.warning("left out %s", problem)
        return index, update.catalog.errors() + index.problems, changed_feeds

    def _nothing_to_do(self, update: CatalogUpdate, started: float) -> BuildReport:
        index, bad = self._last
        documents = len(self.signatures) + 1  # every feed document, the OPML lists, the index page
        return _report(update, index, bad, 0, PublishReport(0, documents, 0), started)

    def _check_removals(self, catalog: Catalog) -> None:
        before = self.catalog.post_count
        after = catalog.post_count
        share = self.settings.max_removed_share
        if before and (before - after) > before * share:
            raise TooManyRemovedError(
                f"{before - after} of {before} posts would disappear at once, more than "
                f"max_removed_share = {share:.0%}: publishing nothing (is the content directory "
                f"mounted?); raise max_removed_share for one refresh if this is intended"
            )

    def _record(
        self,
        now: dt.datetime,
        started: float,
        report: BuildReport | None = None,
        error: str | None = None,
    ) -> None:
        finished = now.astimezone(dt.UTC).isoformat()
        seconds = time.perf_counter() - started
        self.status["last_refresh"] = {
            "finished_at": finished,
            "seconds": round(seconds, 3),
            "error": error,
        }
        self.status["error"] = error
        written = report.published.written if report is not None else 0
        self.status["totals"] = _add_to_totals(self.status.get("totals"), seconds, error, written)
        if report is not None:
            self.status.update(
                {
                    "posts": report.posts,
                    "feeds": report.feeds,
                    "files": report.files,
                    "last_success_at": finished,
                    "bad_files": [{"path": str(e.path), "reason": e.reason} for e in report.bad],
                }
            )
            self.status["last_refresh"].update(
                {
                    "read": report.read,
                    "rendered": report.rendered,
                    "written": report.published.written,
                    "unchanged": report.published.unchanged,
                    "removed": report.published.removed,
                }
            )
        self._write_status()

    def _write_status(self) -> None:
        with contextlib.suppress(OSError):  # a full disk must not stop the refresher itself
            data = json.dumps(self.status, ensure_ascii=False, indent=1).encode()
            atomic_write(self.state_dir / STATUS_PATH, data)


# Fewer entries or documents than this are rendered in this process: forking costs more.
PARALLEL_ENTRIES = 300
PARALLEL_DOCUMENTS = 200
ENTRY_BATCH = 50  # posts per task handed to a worker
PARALLEL_ARCHIVE_PAGES = 8  # fewer archive pages than this are rendered in this process
ARCHIVE_PAGE_BATCH = 2  # archive pages per task (each in every stale format)
DOCUMENT_BATCH = 8  # feeds per task (each in every stale format)

# The signature of a document published with an entry whose body could not be read: it never
# matches a real one, so the next refresh renders the document again.
INCOMPLETE = "incomplete"

# One feed (or archive page) to render: its key, posts, the formats to render, its posts'
# entries, and what it says of its history.
_DocumentWork = tuple[FeedKey, list[Post], list[Rendition], list[Entries], History]
# One feed or archive page to render: its key, posts, what it says of its history, its formats.
_PageWork = tuple[FeedKey, list[Post], History, list[Rendition]]
# One document to render: its feed, posts, format, and what it says of its history.
_Stale = tuple[FeedKey, list[Post], Rendition, History]
ARCHIVE_RENDITIONS: list[Rendition] = list(FeedFormat)  # an archive page has no page for people


def _path(key: FeedKey, fmt: Rendition, said: History) -> str:
    """Where a document goes: one of the feed's own, or one of its archive pages."""
    if said.archive is not None and isinstance(fmt, FeedFormat):
        return archive_path(said.archive, fmt)
    return document_path(key, fmt)


def _by_document(stale: list[_Stale]) -> list[_PageWork]:
    """The stale formats of each feed or archive page together: they share its entries."""
    formats: dict[tuple[FeedKey, int], list[Rendition]] = {}
    documents: dict[tuple[FeedKey, int], tuple[list[Post], History]] = {}
    for key, posts, fmt, said in stale:
        which = (key, said.archive.number if said.archive else 0)
        formats.setdefault(which, []).append(fmt)
        documents[which] = (posts, said)
    return [(key, *documents[(key, n)], fmts) for (key, n), fmts in formats.items()]


def _posts_of(documents: Iterable[_PageWork]) -> set[Post]:
    """Every post some of these documents hold."""
    return {post for _, posts, _, _ in documents for post in posts}


def _said(history: History) -> str:
    """What a document says of its history, as far as its bytes go."""
    page, before = history.archive, history.previous
    return "/".join(
        (
            f"archive {page.number}" if page else "",
            f"previous {before.number}" if before else "",  # always a full page
            "complete" if history.complete else "",
        )
    )


class _Renderer:
    """Renders the documents whose inputs changed: each post's entry once per format (kept across
    refreshes), then each document around its entries, on every core when there are many."""

    def __init__(
        self,
        settings: Settings,
        cache: Mapping[Post, Entries],
        pages: Mapping[str, list[Post]] | None = None,
        keep_entries: bool = True,
    ) -> None:
        self.settings = settings
        self.workers = worker_count(settings.workers)
        self.assembler = FeedAssembler(settings)
        self.cache = dict(cache)
        # The service keeps every entry for the next refresh; a build drops each one as soon as
        # the last document holding it is written, so it never holds them all.
        self.keep_entries = keep_entries
        # Each archive page's posts at the last refresh, by its Atom path: a page holding the
        # very same Post objects (unchanged posts keep theirs) keeps its signature unhashed.
        self.previous_pages = pages or {}
        self.pages: dict[str, list[Post]] = {}
        self._incomplete: dict[Post, Entries] = {}  # rendered without a body: not kept
        self._incomplete_paths: set[str] = set()  # archive pages published without some body
        self.base = hashlib.sha1(fingerprint(settings).encode(), usedforsecurity=False)
        # The refresh interval only changes how the service runs, except for the polling hints
        # that documents carry.
        self.base.update(repr(polling_hints(settings)).encode())

    def signature(self, key: FeedKey, posts: list[Post], history: History) -> str:
        """Everything a document's bytes depend on: settings, version, the feed's name, what it
        says of its history (archive page, previous page, completeness), and its entries."""
        digest = self.base.copy()
        digest.update(f"{key.kind}\0{key.name}\0{_said(history)}\0".encode())
        for post in posts:
            digest.update(f"{post.source}\0{post.digest}\0{post.id}\0".encode())
        return digest.hexdigest()

    def publish(
        self,
        index: Index,
        writer: InPlaceWriter | GenerationWriter,
        previous: Mapping[str, str],
        signatures: dict[str, str],
        cancel: threading.Event | None = None,
        progress: Progress = _no_progress,
        changed: set[FeedKey] | None = None,
    ) -> int:
        """Hand every document to the writer, rendering those whose signature changed; returns
        how many were rendered. A signature only counts for documents the writer still has (a
        lost file is rendered again). Fills `signatures`. Feeds not in `changed` (when given)
        keep their previous signature without hashing their entries."""
        usable = {path: sig for path, sig in previous.items() if path in writer.previous}
        stale: list[_Stale] = []
        size = self.settings.archive_page_size
        for key, posts in index.feeds.items():
            unchanged = changed is not None and key not in changed
            pages = feed_pages(key, index.history, size)
            history = feed_history(pages, len(posts), index.totals[key])
            documents = [(posts, history, list(RENDITIONS))]  # a page holds what they hold
            documents += [
                (page.posts, page_history(pages, page), ARCHIVE_RENDITIONS) for page in pages
            ]
            for held, said, renditions in documents:
                first = _path(key, renditions[0], said)
                known = usable.get(first)
                if said.archive is not None:
                    self.pages[first] = held
                if (
                    known is not None
                    and known != INCOMPLETE
                    and (unchanged or self._same_page(first, held))
                ):
                    signature = known  # its posts did not change: neither did it
                else:
                    signature = self.signature(key, held, said)
                for fmt in renditions:
                    path = _path(key, fmt, said)
                    signatures[path] = signature
                    if usable.get(path) == signature:
                        writer.keep(path)
                    else:
                        stale.append((key, held, fmt, said))
        own = [item for item in stale if item[3].archive is None]
        self._render_feeds(own, writer, cancel, progress)
        archived = [item for item in stale if item[3].archive is not None]
        self._render_archive_pages(archived, writer, cancel, progress)
        if self._incomplete:  # published for now; their signature makes the next refresh retry
            for key, posts, fmt, said in own:
                if any(post in self._incomplete for post in posts):
                    signatures[_path(key, fmt, said)] = INCOMPLETE
        for path in self._incomplete_paths:
            signatures[path] = INCOMPLETE
        feeds = self.base.copy()  # the OPML lists change only when the set of feeds does
        feeds.update("\0".join(f"{key.kind}/{key.name}" for key in index.feeds).encode())
        rendered = len(stale) + 1
        for fmt, path in OPML_PATHS.items():
            signatures[path] = feeds.hexdigest()
            if usable.get(path) == signatures[path]:
                writer.keep(path)
            else:
                writer.put(path, render_opml(index, self.settings, fmt))
                rendered += 1
        writer.put(INDEX_PATH, render_index_page(index, self.settings))
        return rendered

    def _same_page(self, path: str, posts: list[Post]) -> bool:
        """Whether the archive page at `path` held these very posts at the last refresh."""
        before = self.previous_pages.get(path)
        return before is not None and len(before) == len(posts) and all(map(is_, before, posts))

    def _render_archive_pages(
        self,
        stale: list[_Stale],
        writer: InPlaceWriter | GenerationWriter,
        cancel: threading.Event | None,
        progress: Progress,
    ) -> None:
        """Render stale archive pages whole, each from its posts' bodies to its written files,
        in workers when there are many. A cold start archives every post of the site, and
        holding all their entries here at once would take gigabytes; a page's entries are
        rendered for it and dropped, so a post on a site page and on a category page is rendered
        twice. Pages whose entries could not all be read are marked incomplete."""
        work = _by_document(stale)
        settings, assembler = self.settings, self.assembler
        in_workers = self.workers > 1 and len(work) >= PARALLEL_ARCHIVE_PAGES
        write_now = writer.write_now

        def render(batch: Sequence[_PageWork]) -> list[tuple[str, Any, bool]]:
            rendered = []  # (path, bytes, complete)
            for key, posts, said, fmts in batch:
                texts = [_body_text(post, settings) for post in posts]
                bodies = render_bodies(
                    [(post, text or "") for post, text in zip(posts, texts, strict=True)],
                    settings.excerpt_length,
                )
                entries = assembler.entries(list(zip(posts, bodies, strict=True)))
                complete = None not in texts
                _, documents = assembler.documents(key, posts, fmts, entries, said)
                rendered += [(_path(key, fmt, said), data, complete) for fmt, data in documents]
            if not in_workers:
                return rendered
            with ThreadPoolExecutor(max_workers=2) as threads:  # as in _render_feeds
                writes = [(p, threads.submit(write_now, p, data), c) for p, data, c in rendered]
                return [(path, write.result(), complete) for path, write, complete in writes]

        batches = batched(work, ARCHIVE_PAGE_BATCH)
        written = 0
        for results in run_batches(render, batches, self.workers if in_workers else 1):
            _check(cancel, "stopped while rendering archive pages")
            for path, result, complete in results:
                if in_workers:
                    writer.record(path, *result)
                else:
                    writer.put(path, result)
                if not complete:
                    self._incomplete_paths.add(path)
            written += len(results)
            progress("rendering archive pages", written, len(stale))

    def _render_feeds(
        self,
        stale: list[_Stale],
        writer: InPlaceWriter | GenerationWriter,
        cancel: threading.Event | None,
        progress: Progress,
    ) -> None:
        """Render the entries the stale documents need that are not in the cache, then each
        document around its entries, and hand it to the writer: one pipeline (see _plan), each
        batch of documents rendered as soon as its entries are back. In workers, each worker also
        hashes, compresses and writes what it assembled, and the writer records the result."""
        plan = self._plan(stale)
        needed = sum(len(items) for what, items, _ in plan if what == "entries")
        uses = Counter(  # in how many batches of documents each post is
            post for what, items, _ in plan if what == "documents" for post in _posts_of(items)
        )
        parallel = self.workers > 1 and (
            needed >= PARALLEL_ENTRIES or len(stale) >= PARALLEL_DOCUMENTS
        )
        settings, assembler = self.settings, self.assembler
        write_now = writer.write_now

        def render_entries(batch: Sequence[Post]) -> list[tuple[Entries, bool]]:
            texts = [_body_text(post, settings) for post in batch]
            bodies = render_bodies(
                [(post, text or "") for post, text in zip(batch, texts, strict=True)],
                settings.excerpt_length,
            )
            entries = assembler.entries(list(zip(batch, bodies, strict=True)))
            return [(e, text is not None) for e, text in zip(entries, texts, strict=True)]

        # In a worker, two threads hash, compress and write while the next document renders:
        # zlib, brotli and file I/O release the GIL, and creating thousands of files stalls on
        # the disk now and then, which would leave a core idle. In this process, the writer's
        # own background threads do the same.
        def render_and_write(batch: Sequence[_DocumentWork]) -> list[Any]:
            with ThreadPoolExecutor(max_workers=2) as threads:
                writes = [
                    (path, threads.submit(write_now, path, data))
                    for path, data in self._documents(batch)
                ]
                return [(path, write.result()) for path, write in writes]

        def render_feeds(step: tuple[str, Sequence[Any]]) -> list[Any]:
            what, batch = step
            if what == "entries":
                return render_entries(batch)
            return render_and_write(batch) if parallel else list(self._documents(batch))

        steps = [
            Step(functools.partial(self._batch, what, items), after) for what, items, after in plan
        ]
        results = run_steps(render_feeds, steps, self.workers if parallel else 1)
        done = 0
        for (what, items, _), result in zip(plan, results, strict=True):
            _check(cancel, "stopped while rendering feeds")
            if what == "entries":
                for post, (entries, complete) in zip(items, result, strict=True):
                    if complete:
                        self.cache[post] = entries
                    else:
                        self._incomplete[post] = entries
                continue  # progress counts documents: entries now come along with them
            for path, data in result:
                if parallel:
                    writer.record(path, *data)
                else:
                    writer.put(path, data)
            if not self.keep_entries:  # a build: drop the entries no later document needs
                for post in _posts_of(items):
                    uses[post] -= 1
                    if not uses[post]:
                        self.cache.pop(post, None)
            done += len(result)
            progress("rendering feeds", done, len(stale))

    def _plan(self, stale: list[_Stale]) -> list[tuple[str, Sequence[Any], int]]:
        """The steps that render the stale documents, each (what, its posts or documents, the
        step whose results it needs): batches of DOCUMENT_BATCH documents in feed order, and
        before them batches of the entries they need that no earlier document needed
        (ENTRY_BATCH posts a batch, gathered over as many documents as it takes to fill one).
        Entries are thus rendered about when they are first needed, and a build holds few at a
        time. Documents come a group of entries after the entries they wait for, so the workers
        render those while the results come back."""
        seen = set(self.cache)
        plan: list[tuple[str, Sequence[Any], int]] = []
        new: list[Post] = []
        waiting: list[Sequence[_PageWork]] = []
        ready: list[tuple[list[Sequence[_PageWork]], int]] = []  # documents, the entries' step

        def flush() -> None:
            plan.extend(("entries", batch, -1) for batch in batched(new, ENTRY_BATCH))
            for documents, after in ready:
                plan.extend(("documents", chunk, after) for chunk in documents)
            ready[:] = [(list(waiting), len(plan) - 1)]
            new.clear()
            waiting.clear()

        for chunk in batched(_by_document(stale), DOCUMENT_BATCH):
            held = dict.fromkeys(post for _, posts, _, _ in chunk for post in posts)
            new.extend(post for post in held if post not in seen)
            seen.update(new)
            waiting.append(chunk)
            if len(new) >= ENTRY_BATCH:
                flush()
        flush()  # the last entries, and the documents of the group before
        flush()  # the last group's documents
        return plan

    def _batch(self, what: str, items: Sequence[Any]) -> tuple[str, Sequence[Any]]:
        """What a step hands to a worker: its posts, or its documents with their posts' entries
        (a worker that looked them up in the memory it shares with this process would copy
        every page it touched, as reference counts are writes: hundreds of MB at 100,000 posts)."""
        if what == "entries":
            return what, items
        return what, [
            (key, posts, fmts, [self._entries_of(post) for post in posts], said)
            for key, posts, said, fmts in items
        ]

    def _documents(self, batch: Sequence[_DocumentWork]) -> Iterator[tuple[str, bytes]]:
        for key, posts, formats, entries, said in batch:
            _, documents = self.assembler.documents(key, posts, formats, entries, said)
            for fmt, data in documents:
                yield _path(key, fmt, said), data

    @property
    def incomplete(self) -> bool:
        """Whether some entry went out without its body (its file could not be read again), in
        a feed or on an archive page."""
        return bool(self._incomplete or self._incomplete_paths)

    def _entries_of(self, post: Post) -> Entries:
        entries = self.cache.get(post)
        return entries if entries is not None else self._incomplete[post]

    def entries_in(self, index: Index) -> dict[Post, Entries]:
        """The cache, trimmed to the posts now in feeds."""
        wanted = {post for posts in index.feeds.values() for post in posts}
        return {post: entries for post, entries in self.cache.items() if post in wanted}


def _body(post: Post, settings: Settings) -> tuple[Body, bool]:
    """The post's rendered body, and whether it is complete (see _body_text)."""
    text = _body_text(post, settings)
    return render_body(post, text or "", settings.excerpt_length), text is not None


def _body_text(post: Post, settings: Settings) -> str | None:
    """The post's body as written, or None if the file cannot be read again since it was read
    (deleted, turned bad): its entry goes out without content for now and the next refresh sees
    the change; one bad file never stops the others."""
    try:
        return load_body(post, settings)
    except PostError as exc:
        logger.warning("published without its body for now: %s", exc)
        return None


def _check(cancel: threading.Event | None, message: str) -> None:
    if cancel is not None and cancel.is_set():
        raise RefreshCancelledError(message)


def _index(
    update: CatalogUpdate, ledger: IdLedger, settings: Settings, now: dt.datetime
) -> tuple[Index, list[PostError]]:
    posts = ledger.apply(update.catalog.posts())
    index = index_posts(posts, now, settings)
    for problem in index.problems:
        logger.warning("left out %s", problem)
    ledger.record(p for p in posts if is_visible(p, now, settings.future))
    return index, update.catalog.errors() + index.problems


def _report(
    update: CatalogUpdate,
    index: Index,
    bad: list[PostError],
    rendered: int,
    published: PublishReport,
    started: float,
) -> BuildReport:
    return BuildReport(
        files=len(update.catalog.readings),
        read=update.read,
        posts=index.visible,
        feeds=len(index.feeds),
        rendered=rendered,
        bad=bad,
        published=published,
        seconds=time.perf_counter() - started,
    )


def _next_due(live: LiveIndex, now: dt.datetime) -> dt.datetime | None:
    """When the earliest future post comes due (and the feeds change with no file changing)."""
    if live.future:
        return None
    site = live.members[SITE_FEED]
    later = bisect.bisect_right(site, (now.timestamp(), "\U0010ffff"))
    return dt.datetime.fromtimestamp(site[later][0], dt.UTC) if later < len(site) else None


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """One publisher per state folder at a time, across processes (web start-up and worker)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _load_signatures(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _add_to_totals(
    totals: object, seconds: float, error: str | None, written: int
) -> dict[str, float]:
    """The status's running totals (refreshes, failures, seconds, documents written) with one more
    refresh: /metrics reports them as counters, so a scrape misses no refresh between two."""
    kept = totals if isinstance(totals, dict) else {}  # a status file from before totals: none

    def before(key: str) -> float:
        value = kept.get(key, 0)
        return value if isinstance(value, int | float) and not isinstance(value, bool) else 0

    return {
        "refreshes": before("refreshes") + 1,
        "failures": before("failures") + (error is not None),
        "seconds": round(before("seconds") + seconds, 3),
        "written": before("written") + written,
    }


def _load_status(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def index_posts(posts: Iterable[Post], now: dt.datetime, settings: Settings) -> Index:
    """The index of `posts` as of `now`, with the history of the feeds that have archive pages."""
    return build_index(posts, now, settings.item_limit, settings.future, _archived(settings))


def _archived(settings: Settings) -> frozenset[FeedKind]:
    """The kinds of feeds that have archive pages."""
    return archived_kinds(settings.archive_kinds) if settings.archive_page_size else frozenset()
