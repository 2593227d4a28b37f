"""The service's refresh: incremental, atomic, and never losing the last good feeds.

The `Refresher` keeps the catalog of readings, the id ledger and each feed's signature (a hash of
everything its bytes depend on) in the state folder. A refresh re-reads only changed files,
re-renders only feeds whose signature changed, and publishes a new generation only when some
document's bytes changed. It publishes nothing, and keeps serving the last good set, when the
content directory is missing or unreadable or when too many posts would disappear at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from feedsvc.content.post import Post
from feedsvc.errors import (
    DamagedSetError,
    PostError,
    RefreshCancelledError,
    RefreshError,
    TooManyRemovedError,
)
from feedsvc.model.index import Index, is_visible
from feedsvc.model.kinds import FeedKey
from feedsvc.model.live_index import LiveIndex
from feedsvc.pipeline.build import BuildReport, archived, build_report
from feedsvc.pipeline.plan import Progress, no_progress
from feedsvc.pipeline.renderer import DocumentRenderer
from feedsvc.published.disk import atomic_write
from feedsvc.published.generations import Generations, GenerationWriter
from feedsvc.published.manifest import MANIFEST, DocumentInfo, current_folder
from feedsvc.published.writers import PublishReport
from feedsvc.render.assembler import Entries
from feedsvc.settings import Settings
from feedsvc.state.catalog import (
    CATALOG_FILE,
    Catalog,
    CatalogUpdate,
    load_catalog,
    save_catalog,
)
from feedsvc.state.ledger import LEDGER_FILE, load_ledger, save_ledger
from feedsvc.state.lock import exclusive
from feedsvc.state.signatures import load_signatures, save_signatures
from feedsvc.state.status import StatusFile
from feedsvc.workers import freeze_long_lived_objects

logger = logging.getLogger(__name__)

# Each refresh checks that this share of the current generation's documents (but at least
# CHECK_AT_LEAST) is on disk, in turn: 1/32 of a million documents is 31,250 stats, ~80 ms
# (2.6 µs a stat, measured); 378 stats, ~1 ms, at the 12,100 documents of 100,000 posts.
CHECK_SHARE = 32
CHECK_AT_LEAST = 256


class Refresher:
    """The service's refresh: incremental, atomic, and never losing the last good feeds."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state_dir = settings.state_dir
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.catalog = load_catalog(self.state_dir, settings)
        self.ledger = load_ledger(self.state_dir / LEDGER_FILE)
        self.signatures = load_signatures(self.state_dir)
        self.entries: dict[Post, Entries] = {}  # each post's rendered entry, per format
        self.archive_pages: dict[
            str, list[Post]
        ] = {}  # each archive page's posts (see DocumentRenderer)
        self.entries_kept = 0  # cache size after the last trim
        self.next_due: dt.datetime | None = None  # earliest future post: when feeds change anyway
        self.refreshed_once = False
        self.live: LiveIndex | None = None  # built from the catalog on the first refresh
        self.manifest: tuple[Path, dict[str, DocumentInfo]] | None = None  # the last commit
        self.status = StatusFile(self.state_dir, atomic_write, settings.content_dir)
        self.generations = Generations(self.state_dir)  # owns this process's spare copy
        self.unsaved: tuple[set[str], set[str]] = (set(), set())  # (changed, removed) sources
        self.signatures_saved = True  # False: the saved signatures are not the last published
        self.rewrite = False  # the published set is damaged: write every document, link none
        self.checked = 0  # where the next check of the published set's documents begins
        self.check_order: tuple[object, list[str]] = (None, [])  # (manifest, its paths)

    def refresh(
        self,
        now: dt.datetime,
        cancel: threading.Event | None = None,
        sources: Collection[str] | None = None,
        announce: Callable[[Sequence[str]], None] | None = None,
        progress: Progress = no_progress,
    ) -> BuildReport | None:
        """One refresh as of `now`: of the whole content directory, or, when file events name
        what changed, of just those `sources`; `announce` is handed the paths it wrote (the hub
        pinger's queue). Returns None when it failed or was cancelled: whatever failed (a full or
        read-only disk, a damaged database, a bug), it is logged and the status says why, and
        the next refresh tries again, saving what this one could not. `progress` hears of the
        reading and rendering as they go (the refresher process's heartbeat)."""
        started = time.perf_counter()
        try:
            with exclusive(self.state_dir):
                try:
                    report = self._refresh(now, cancel, started, sources, announce, progress)
                except DamagedSetError as exc:  # found while linking: write the set anew now
                    logger.warning("%s: publishing every document anew", exc)
                    self.rewrite = True
                    report = self._refresh(now, cancel, started, None, announce, progress)
        except RefreshCancelledError:
            logger.info("refresh abandoned: stopping; nothing was published")
            return None
        # BLE001: the one boundary of a refresh. Whatever failed, the service goes on serving the
        # last good set and the next refresh retries; the status must say why, never "no error"
        # (_failed logs it, with its traceback when it was not expected).
        except Exception as exc:  # noqa: BLE001
            self._failed(now, started, exc)
            return None
        unwritten = self.status.record_refresh(now, time.perf_counter() - started, report.outcome())
        if unwritten is not None:
            logger.error("refresh failed at its end: %s", unwritten)
            return None
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

    def _failed(self, now: dt.datetime, started: float, exc: Exception) -> None:
        """Log a failed refresh and record why in the status: an expected failure (a disk, a
        database, the content directory) in one line, anything else with its traceback."""
        if isinstance(exc, RefreshError | OSError):
            logger.error("refresh failed, still serving the last good feeds: %s", exc)
            error = str(exc)
        else:
            logger.exception("refresh failed, still serving the last good feeds")
            error = f"{type(exc).__name__}: {exc}"
        self.status.record_refresh(now, time.perf_counter() - started, error=error)

    def record_next_run(self, next_run: dt.datetime | None) -> None:
        """Show the scheduler's next run in the status."""
        self.status.record_next_run(next_run)

    def close(self) -> None:
        """Remove what only this refresher could use (its spare copy of the published set):
        for a process that publishes once and goes on doing something else."""
        self.generations.close()

    def _refresh(
        self,
        now: dt.datetime,
        cancel: threading.Event | None,
        started: float,
        sources: Collection[str] | None,
        announce: Callable[[Sequence[str]], None] | None,
        progress: Progress = no_progress,
    ) -> BuildReport:
        if sources is not None and self.refreshed_once:
            update = self.catalog.update_sources(self.settings, sources)
        else:
            update = self.catalog.update(self.settings, cancel, progress)
        self._check_removals(update.catalog)
        unchanged = update.read == 0 and not update.removed
        due = self.next_due is not None and self.next_due <= now
        if self.rewrite or (self.refreshed_once and self._published_set_damaged()):
            logger.warning(
                "the published set in %s is damaged: publishing it again", self.state_dir
            )
            unchanged, self.signatures, self.manifest = False, {}, None
            self.rewrite = True
        if self.refreshed_once and unchanged and not due:
            self._save_state()  # what an earlier refresh could not
            return self._nothing_to_do(update, started)
        index, bad, changed_feeds = self._snapshot(update, now, due)
        writer = GenerationWriter(
            self.state_dir, int(now.timestamp()), self.manifest, self.generations, not self.rewrite
        )
        try:
            signatures: dict[str, str] = {}
            renderer = DocumentRenderer(self.settings, self.entries, self.archive_pages)
            rendered = renderer.render_into(
                writer,
                index,
                self.signatures,
                signatures,
                cancel=cancel,
                progress=progress,
                changed=changed_feeds,
            )
            if cancel is not None and cancel.is_set():
                raise RefreshCancelledError("stopped before publishing")
            published = writer.commit()
        except BaseException:
            writer.abort()
            self.live = None  # it already holds this refresh's posts: rebuild it next time
            raise
        self._note_unsaved(update)
        self.signatures_saved = False
        self.catalog = update.catalog
        self.signatures = signatures
        self.manifest = writer.committed or writer.served() or self.manifest
        self.rewrite = False
        self.entries = renderer.cache
        self.archive_pages = renderer.archive_pages
        if len(self.entries) > self.entries_kept * 5 // 4 + 64:  # trim now and then, not always
            self.entries = renderer.entries_in(index)
            self.entries_kept = len(self.entries)
        freeze_long_lived_objects()  # the catalog and index: see its docstring
        self.next_due = self.live.next_due(now) if self.live else None
        if renderer.incomplete:
            self.next_due = now  # a body could not be read: try again next time, change or not
        self.refreshed_once = True
        self._last = (index, bad)
        if announce is not None:
            announce(published.changed)  # queued for the hub: published, whatever follows
        self._save_state()
        return build_report(update, index, bad, rendered, published, started)

    def _note_unsaved(self, update: CatalogUpdate) -> None:
        """Add an update's changes to those the catalog file does not hold yet."""
        changed, removed = self.unsaved
        changed.difference_update(update.removed)
        changed.update(update.changed)
        removed.difference_update(update.changed)
        removed.update(update.removed)

    def _save_state(self) -> None:
        """Save the catalog, ledger and signatures, as far as they changed since they were last
        saved. A failure fails the refresh (after its publish); the next refresh saves again."""
        changed, removed = self.unsaved
        if changed or removed or not (self.state_dir / CATALOG_FILE).exists():
            save_catalog(self.state_dir, self.catalog, changed, removed)
            self.unsaved = (set(), set())
        save_ledger(self.state_dir / LEDGER_FILE, self.ledger)  # keeps what it could not save
        if not self.signatures_saved:
            save_signatures(self.state_dir, self.signatures, atomic_write)
            self.signatures_saved = True

    def _snapshot(
        self, update: CatalogUpdate, now: dt.datetime, due: bool
    ) -> tuple[Index, list[PostError], set[FeedKey] | None]:
        """The index as of `now`, moving only the posts that changed since the last refresh."""
        future, expired = self.settings.future, self.settings.expired
        if self.live is None:
            self.live = LiveIndex(
                self.settings.item_limit, future, archived(self.settings), self.settings.expired
            )
            changed = self.ledger.apply(update.catalog.posts())
            self.live.update(changed)
            self.ledger.record(p for p in changed if is_visible(p, now, future, expired))
        else:
            readings = update.catalog.readings
            posts = [readings[s].post for s in update.changed]
            changed = self.ledger.apply(p for p in posts if p is not None)
            self.live.update(changed, update.removed)
            newly = self.live.posts.values() if due else changed
            self.ledger.record(p for p in newly if is_visible(p, now, future, expired))
        index, changed_feeds = self.live.snapshot(now, everything=due or not self.refreshed_once)
        for problem in index.problems:
            logger.warning("left out %s", problem)
        return index, update.catalog.errors() + index.problems, changed_feeds

    def _published_set_damaged(self) -> bool:
        """Whether the generation `current` names, or its manifest, is gone (deleted by hand, a
        cleanup gone wrong), or one of the documents checked this time: every URL, or that one,
        would be a 404 until some post changed. Each refresh stats a share of the documents in
        turn (CHECK_SHARE: all of them every few refreshes, at a cost far below the scan of the
        content directory); a document missing elsewhere is found when a publish links it."""
        folder = current_folder(self.state_dir)
        if folder is None or not (folder / MANIFEST).is_file():
            return True
        if self.manifest is None or self.manifest[0] != folder:
            return False
        if self.check_order[0] is not self.manifest[1]:  # a new manifest: list its paths once
            self.check_order = (self.manifest[1], list(self.manifest[1]))
        paths = self.check_order[1]
        if not paths:
            return False
        count = max(CHECK_AT_LEAST, -(-len(paths) // CHECK_SHARE))
        start = self.checked % len(paths)
        self.checked = start + count
        base = os.fspath(folder)
        window = paths[start : start + count] + paths[: max(0, start + count - len(paths))]
        return not all(os.path.exists(f"{base}/{path}") for path in window)

    def _nothing_to_do(self, update: CatalogUpdate, started: float) -> BuildReport:
        index, bad = self._last
        documents = len(self.signatures) + 1  # every feed document, the OPML lists, the index page
        return build_report(update, index, bad, 0, PublishReport(0, documents, 0), started)

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
