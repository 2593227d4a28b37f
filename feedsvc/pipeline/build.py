"""`feedsvc build`: read every post, index them, render every document and publish it into a
folder a static server serves as it is; and the reports both build and refresh give."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from feedsvc.content.post import Post
from feedsvc.errors import PostError
from feedsvc.model.archives import archived_kinds
from feedsvc.model.index import Index, build_index, is_visible
from feedsvc.model.kinds import FeedKind
from feedsvc.pipeline.plan import Progress, no_progress
from feedsvc.pipeline.renderer import DocumentRenderer
from feedsvc.published.writers import InPlaceWriter, PublishReport
from feedsvc.settings import Settings
from feedsvc.state.catalog import Catalog, CatalogUpdate, fingerprint
from feedsvc.state.ledger import LEDGER_FILE, IdLedger, load_ledger, save_ledger
from feedsvc.state.status import RefreshOutcome

logger = logging.getLogger(__name__)


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

    def outcome(self) -> RefreshOutcome:
        """What status.json says of it."""
        return RefreshOutcome(
            posts=self.posts,
            feeds=self.feeds,
            files=self.files,
            read=self.read,
            rendered=self.rendered,
            written=self.published.written,
            unchanged=self.published.unchanged,
            removed=self.published.removed,
            bad_files=[(str(e.path), e.reason) for e in self.bad],
        )


@dataclass(frozen=True)
class ReadResult:
    """Every post that could be read, and every file that could not, with why."""

    posts: list[Post]
    bad: list[PostError]
    files: int  # candidate files seen


def read_posts(settings: Settings, progress: Progress = no_progress) -> ReadResult:
    """Read every post under the content directory from scratch; a bad file is reported."""
    update = Catalog(fingerprint(settings)).update(settings)
    catalog = update.catalog
    progress("reading posts", len(catalog.readings), len(catalog.readings))
    return ReadResult(catalog.posts(), catalog.errors(), len(catalog.readings))


def build(
    settings: Settings, out_dir: Path, now: dt.datetime, progress: Progress = no_progress
) -> BuildReport:
    """Build every feed from the content directory into out_dir, as of `now`: a first build
    appears all at once; later ones replace each changed file atomically."""
    started = time.perf_counter()
    update = Catalog(fingerprint(settings)).update(settings, progress=progress)
    writer = InPlaceWriter(out_dir, int(now.timestamp()))
    ledger = IdLedger() if writer.fresh else load_ledger(out_dir / _BUILD_LEDGER)
    try:
        index, bad = index_all(update, ledger, settings, now)
        renderer = DocumentRenderer(settings, {}, keep_entries=False)
        rendered = renderer.render_into(writer, index, {}, {}, progress=progress)
    except BaseException:
        writer.abort()
        raise
    published = writer.commit()
    save_ledger(out_dir / _BUILD_LEDGER, ledger)
    return build_report(update, index, bad, rendered, published, started)


# A build keeps its id ledger in the folder it builds, hidden (its dot is never published).
_BUILD_LEDGER = f".feedsvc-{LEDGER_FILE}"


def index_all(
    update: CatalogUpdate, ledger: IdLedger, settings: Settings, now: dt.datetime
) -> tuple[Index, list[PostError]]:
    """The index of every post of the catalog as of `now`, ids kept as the ledger first saw
    them, and everything left out (bad files, clashes)."""
    posts = ledger.apply(update.catalog.posts())
    index = index_posts(posts, now, settings)
    for problem in index.problems:
        logger.warning("left out %s", problem)
    ledger.record(p for p in posts if is_visible(p, now, settings.future, settings.expired))
    return index, update.catalog.errors() + index.problems


def build_report(
    update: CatalogUpdate,
    index: Index,
    bad: list[PostError],
    rendered: int,
    published: PublishReport,
    started: float,
) -> BuildReport:
    """The figures of one build or refresh that rendered and published."""
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


def index_posts(posts: Iterable[Post], now: dt.datetime, settings: Settings) -> Index:
    """The index of `posts` as of `now`, with the history of the feeds that have archive pages."""
    return build_index(
        posts, now, settings.item_limit, settings.future, archived(settings), settings.expired
    )


def archived(settings: Settings) -> frozenset[FeedKind]:
    """The kinds of feeds that have archive pages."""
    return archived_kinds(settings.archive_kinds) if settings.archive_page_size else frozenset()
