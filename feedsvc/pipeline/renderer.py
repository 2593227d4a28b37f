"""Render the documents whose inputs changed and hand every document to a writer: each post's
entry once per rendition (kept across refreshes), then each document around its entries, on
every core when there are many (pipeline/plan.py orders the work)."""

from __future__ import annotations

import functools
import logging
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from operator import is_
from typing import Any

from feedsvc.content.post import Post
from feedsvc.content.site_bodies import SiteBodies
from feedsvc.errors import RefreshCancelledError
from feedsvc.model.aliases import feed_aliases, rss_aliases
from feedsvc.model.archives import archive_page_history, archive_pages_of, feed_history
from feedsvc.model.index import Index
from feedsvc.model.kinds import FeedKey
from feedsvc.model.layout import INDEX_PATH, OPML_PATHS, RENDITIONS
from feedsvc.pipeline.plan import (
    ARCHIVE_PAGE_BATCH,
    ARCHIVE_RENDITIONS,
    AssemblyJob,
    DocumentGroup,
    Progress,
    Signer,
    StaleDocument,
    StepKind,
    group_by_document,
    no_progress,
    output_path,
    plan_steps,
    posts_of,
)
from feedsvc.published.writers import Writer
from feedsvc.render.assembler import Entries, FeedAssembler
from feedsvc.render.index_page import render_index_page
from feedsvc.render.opml import render_opml
from feedsvc.settings import Settings
from feedsvc.state.signatures import INCOMPLETE
from feedsvc.workers import Step, batched, run_batches, run_steps, worker_count

logger = logging.getLogger(__name__)

# Fewer entries or documents than this are rendered in this process: forking costs more.
PARALLEL_ENTRIES = 300
PARALLEL_DOCUMENTS = 200
PARALLEL_ARCHIVE_PAGES = 8  # fewer archive pages than this are rendered in this process


class DocumentRenderer:
    """Renders the documents whose signature changed, reusing entries rendered before."""

    def __init__(
        self,
        settings: Settings,
        cache: Mapping[Post, Entries],
        archive_pages: Mapping[str, list[Post]] | None = None,
        keep_entries: bool = True,
    ) -> None:
        self.settings = settings
        self.workers = worker_count(settings.workers)
        self.assembler = FeedAssembler(settings)
        self.bodies = SiteBodies(settings)
        self.cache = dict(cache)
        # The service keeps every entry for the next refresh; a build drops each one as soon as
        # the last document holding it is written, so it never holds them all.
        self.keep_entries = keep_entries
        # Each archive page's posts at the last refresh, by its Atom path: a page holding the
        # very same Post objects (unchanged posts keep theirs) keeps its signature unhashed.
        self.previous_archive_pages = archive_pages or {}
        self.archive_pages: dict[str, list[Post]] = {}
        self._incomplete: dict[Post, Entries] = {}  # rendered without a body: not kept
        self._incomplete_paths: set[str] = set()  # archive pages published without some body
        self.signer = Signer(settings)

    def render_into(
        self,
        writer: Writer,
        index: Index,
        previous: Mapping[str, str],
        signatures: dict[str, str],
        cancel: threading.Event | None = None,
        progress: Progress = no_progress,
        changed: set[FeedKey] | None = None,
    ) -> int:
        """Hand every document of `index` to the writer, rendering those whose signature changed
        since `previous`; returns how many were rendered. A signature only counts for documents
        the writer still has (a lost file is rendered again). Fills `signatures`. Feeds not in
        `changed` (when given) keep their previous signature without hashing their entries."""
        usable = {path: sig for path, sig in previous.items() if path in writer.previous}
        stale = self._stale(index, writer, usable, signatures, changed)
        own = [item for item in stale if item.history.archive is None]
        self._render_feeds(own, writer, cancel, progress)
        archived = [item for item in stale if item.history.archive is not None]
        self._render_archive_pages(archived, writer, cancel, progress)
        if self._incomplete:  # published for now; their signature makes the next refresh retry
            for key, posts, fmt, said in own:
                if any(post in self._incomplete for post in posts):
                    signatures[output_path(key, fmt, said)] = INCOMPLETE
        for path in self._incomplete_paths:
            signatures[path] = INCOMPLETE
        rendered = len(stale) + 1
        feeds = self.signer.feed_list(index.feeds)
        for fmt, path in OPML_PATHS.items():
            signatures[path] = feeds
            if usable.get(path) == feeds:
                writer.keep(path)
            else:
                writer.put(path, render_opml(index, self.settings, fmt))
                rendered += 1
        writer.put(INDEX_PATH, render_index_page(index, self.settings))
        atom = feed_aliases(self.settings, index.feeds)
        for alias, target in {**rss_aliases(self.settings, index.feeds), **atom}.items():
            writer.alias(alias, target)
        return rendered

    def _stale(
        self,
        index: Index,
        writer: Writer,
        usable: Mapping[str, str],
        signatures: dict[str, str],
        changed: set[FeedKey] | None,
    ) -> list[StaleDocument]:
        """Every document whose signature differs from its usable one; the others are kept."""
        stale: list[StaleDocument] = []
        size = self.settings.archive_page_size
        for key, posts in index.feeds.items():
            unchanged = changed is not None and key not in changed
            pages = archive_pages_of(key, index.history, size)
            history = feed_history(pages, len(posts), index.totals[key])
            documents = [(posts, history, list(RENDITIONS))]  # a page holds what they hold
            documents += [
                (page.posts, archive_page_history(pages, page), ARCHIVE_RENDITIONS)
                for page in pages
            ]
            for held, said, renditions in documents:
                first = output_path(key, renditions[0], said)
                known = usable.get(first)
                if said.archive is not None:
                    self.archive_pages[first] = held
                if (
                    known is not None
                    and known != INCOMPLETE
                    and (unchanged or self._same_archive_page(first, held))
                ):
                    signature = known  # its posts did not change: neither did it
                else:
                    signature = self.signer.document(key, held, said)
                for fmt in renditions:
                    path = output_path(key, fmt, said)
                    signatures[path] = signature
                    if usable.get(path) == signature:
                        writer.keep(path)
                    else:
                        stale.append(StaleDocument(key, held, fmt, said))
        return stale

    def _same_archive_page(self, path: str, posts: list[Post]) -> bool:
        """Whether the archive page at `path` held these very posts at the last refresh."""
        before = self.previous_archive_pages.get(path)
        return before is not None and len(before) == len(posts) and all(map(is_, before, posts))

    def _render_archive_pages(
        self,
        stale: list[StaleDocument],
        writer: Writer,
        cancel: threading.Event | None,
        progress: Progress,
    ) -> None:
        """Render stale archive pages whole, each from its posts' bodies to its written files,
        in workers when there are many. A cold start archives every post of the site, and
        holding all their entries here at once would take gigabytes; a page's entries are
        rendered for it and dropped, so a post on a site page and on a category page is rendered
        twice. Pages whose entries could not all be read are marked incomplete."""
        work = group_by_document(stale)
        assembler, bodies = self.assembler, self.bodies
        in_workers = self.workers > 1 and len(work) >= PARALLEL_ARCHIVE_PAGES
        write_now = writer.write_now

        def render(batch: Sequence[DocumentGroup]) -> list[tuple[str, Any, bool]]:
            rendered = []  # (path, bytes, complete)
            for key, posts, said, fmts in batch:
                fresh = fresh_entries(posts, bodies, assembler)
                entries = [entry for entry, _ in fresh]
                complete = all(has_body for _, has_body in fresh)
                _, documents = assembler.documents(key, posts, fmts, entries, said)
                rendered += [
                    (output_path(key, fmt, said), data, complete) for fmt, data in documents
                ]
            if not in_workers:
                return rendered
            with ThreadPoolExecutor(max_workers=2) as threads:  # as in _render_feeds
                writes = [(p, threads.submit(write_now, p, data), c) for p, data, c in rendered]
                return [(path, write.result(), complete) for path, write, complete in writes]

        batches = batched(work, ARCHIVE_PAGE_BATCH)
        written = 0
        stop = functools.partial(_check, cancel, "stopped while rendering archive pages")
        for results in run_batches(render, batches, self.workers if in_workers else 1, stop):
            stop()
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
        stale: list[StaleDocument],
        writer: Writer,
        cancel: threading.Event | None,
        progress: Progress,
    ) -> None:
        """Render the entries the stale documents need that are not in the cache, then each
        document around its entries, and hand it to the writer: one pipeline (see plan_steps), each
        batch of documents rendered as soon as its entries are back. In workers, each worker also
        hashes, compresses and writes what it assembled, and the writer records the result."""
        plan = plan_steps(stale, self.cache)
        needed = sum(len(step.items) for step in plan if step.kind is StepKind.ENTRIES)
        uses = Counter(  # in how many batches of documents each post is
            post
            for step in plan
            if step.kind is StepKind.DOCUMENTS
            for post in posts_of(step.items)
        )
        parallel = self.workers > 1 and (
            needed >= PARALLEL_ENTRIES or len(stale) >= PARALLEL_DOCUMENTS
        )
        assembler, bodies = self.assembler, self.bodies
        write_now = writer.write_now

        # In a worker, two threads hash, compress and write while the next document renders:
        # zlib, brotli and file I/O release the GIL, and creating thousands of files stalls on
        # the disk now and then, which would leave a core idle. In this process, the writer's
        # own background threads do the same.
        def render_and_write(batch: Sequence[AssemblyJob]) -> list[Any]:
            with ThreadPoolExecutor(max_workers=2) as threads:
                writes = [
                    (path, threads.submit(write_now, path, data))
                    for path, data in self._documents(batch)
                ]
                return [(path, write.result()) for path, write in writes]

        def render_feeds(step: tuple[StepKind, Sequence[Any]]) -> list[Any]:
            kind, batch = step
            if kind is StepKind.ENTRIES:
                return fresh_entries(batch, bodies, assembler)
            return render_and_write(batch) if parallel else list(self._documents(batch))

        steps = [
            Step(functools.partial(self._batch, kind, items), after) for kind, items, after in plan
        ]
        stop = functools.partial(_check, cancel, "stopped while rendering feeds")
        results = run_steps(render_feeds, steps, self.workers if parallel else 1, waiting=stop)
        done = 0
        for (kind, items, _), result in zip(plan, results, strict=True):
            stop()
            if kind is StepKind.ENTRIES:
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
                for post in posts_of(items):
                    uses[post] -= 1
                    if not uses[post]:
                        self.cache.pop(post, None)
            done += len(result)
            progress("rendering feeds", done, len(stale))

    def _batch(self, kind: StepKind, items: Sequence[Any]) -> tuple[StepKind, Sequence[Any]]:
        """What a step hands to a worker: its posts, or its documents with their posts' entries
        (a worker that looked them up in the memory it shares with this process would copy
        every page it touched, as reference counts are writes: hundreds of MB at 100,000 posts)."""
        if kind is StepKind.ENTRIES:
            return kind, items
        return kind, [
            AssemblyJob(key, posts, fmts, [self._entries_of(post) for post in posts], said)
            for key, posts, said, fmts in items
        ]

    def _documents(self, batch: Sequence[AssemblyJob]) -> Iterator[tuple[str, bytes]]:
        for key, posts, formats, entries, said in batch:
            _, documents = self.assembler.documents(key, posts, formats, entries, said)
            for fmt, data in documents:
                yield output_path(key, fmt, said), data

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


def fresh_entries(
    posts: Sequence[Post], bodies: SiteBodies, assembler: FeedAssembler
) -> list[tuple[Entries, bool]]:
    """Each post's entries, rendered from its file's body read again, and whether the body
    could be read (a post whose file cannot be read again goes out without content for now;
    the next refresh sees the change, and one bad file never stops the others)."""
    rendered = bodies.render(posts)
    entries = assembler.entries(
        [(post, body) for post, (body, _) in zip(posts, rendered, strict=True)]
    )
    return [(entry, readable) for entry, (_, readable) in zip(entries, rendered, strict=True)]


def _check(cancel: threading.Event | None, message: str) -> None:
    if cancel is not None and cancel.is_set():
        raise RefreshCancelledError(message)
