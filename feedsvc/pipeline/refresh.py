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
import threading
import time
from collections.abc import Collection
from pathlib import Path

from feedsvc.content.post import Post
from feedsvc.errors import PostError, RefreshCancelledError, RefreshError, TooManyRemovedError
from feedsvc.model.index import Index, is_visible
from feedsvc.model.kinds import FeedKey
from feedsvc.model.live_index import LiveIndex
from feedsvc.pipeline.build import BuildReport, archived, build_report
from feedsvc.pipeline.renderer import DocumentRenderer
from feedsvc.published.disk import atomic_write
from feedsvc.published.generations import Generations, GenerationWriter
from feedsvc.published.manifest import MANIFEST, DocumentInfo, current_folder
from feedsvc.published.writers import PublishReport
from feedsvc.render.assembler import Entries
from feedsvc.settings import Settings
from feedsvc.state.catalog import Catalog, CatalogUpdate, load_catalog, save_catalog
from feedsvc.state.ledger import LEDGER_FILE, load_ledger, save_ledger
from feedsvc.state.lock import exclusive
from feedsvc.state.signatures import load_signatures, save_signatures
from feedsvc.state.status import StatusFile
from feedsvc.workers import freeze_long_lived_objects

logger = logging.getLogger(__name__)


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
        self.pages: dict[str, list[Post]] = {}  # each archive page's posts (see DocumentRenderer)
        self.entries_kept = 0  # cache size after the last trim
        self.next_due: dt.datetime | None = None  # earliest future post: when feeds change anyway
        self.refreshed_once = False
        self.live: LiveIndex | None = None  # built from the catalog on the first refresh
        self.manifest: tuple[Path, dict[str, DocumentInfo]] | None = None  # the last commit
        self.status = StatusFile(self.state_dir, atomic_write)
        self.generations = Generations(self.state_dir)  # owns this process's spare copy

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
            with exclusive(self.state_dir):
                report = self._refresh(now, cancel, started, sources)
        except RefreshCancelledError:
            logger.info("refresh abandoned: stopping; nothing was published")
            return None
        except (RefreshError, OSError) as exc:
            logger.error("refresh failed, still serving the last good feeds: %s", exc)
            self.status.record_refresh(now, time.perf_counter() - started, error=str(exc))
            return None
        self.status.record_refresh(now, time.perf_counter() - started, report.outcome())
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
    ) -> BuildReport:
        if sources is not None and self.refreshed_once:
            update = self.catalog.update_sources(self.settings, sources)
        else:
            update = self.catalog.update(self.settings, cancel)
        self._check_removals(update.catalog)
        unchanged = update.read == 0 and not update.removed
        due = self.next_due is not None and self.next_due <= now
        if self.refreshed_once and self._published_set_lost():
            logger.warning("the published set in %s is gone: publishing it again", self.state_dir)
            unchanged, self.signatures, self.manifest = False, {}, None
        if self.refreshed_once and unchanged and not due:
            return self._nothing_to_do(update, started)
        index, bad, changed_feeds = self._snapshot(update, now, due)
        writer = GenerationWriter(
            self.state_dir, int(now.timestamp()), self.manifest, self.generations
        )
        try:
            signatures: dict[str, str] = {}
            renderer = DocumentRenderer(self.settings, self.entries, self.pages)
            rendered = renderer.render_into(
                writer, index, self.signatures, signatures, cancel=cancel, changed=changed_feeds
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
        freeze_long_lived_objects()  # the catalog and index: see its docstring
        self.next_due = self.live.next_due(now) if self.live else None
        if renderer.incomplete:
            self.next_due = now  # a body could not be read: try again next time, change or not
        self.refreshed_once = True
        self._last = (index, bad)
        save_catalog(self.state_dir, update)
        save_ledger(self.state_dir / LEDGER_FILE, self.ledger)
        save_signatures(self.state_dir, signatures, atomic_write)
        return build_report(update, index, bad, rendered, published, started)

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

    def _published_set_lost(self) -> bool:
        """Whether the generation `current` names, or its manifest, is gone (deleted by hand, a
        cleanup gone wrong): every URL would be a 404 until some post changed."""
        folder = current_folder(self.state_dir)
        return folder is None or not (folder / MANIFEST).is_file()

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
