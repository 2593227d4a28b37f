"""Full history for aggregators (RFC 5005 archived feeds): each feed's posts in fixed-size pages.

A feed's documents hold its newest posts. Its archive pages hold all of them, oldest first,
`archive_page_size` to a page: page 1 holds the oldest posts. Every page but the newest is full,
and a full page's posts never change unless a post in it or before it is edited, deleted or
backdated, so full pages are served as immutable. The newest page fills up as posts come; it has
a URL of its own (`<n>-partial.<format>`), so that the URL of a full page is never seen holding
fewer posts. Each page links to the one before (`prev-archive`) and to the feed (`current`); the
feed links to the newest page. Walking from the feed back to page 1 gives every post once.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from feedsvc.content.post import Post
from feedsvc.model.kinds import FeedKey, FeedKind
from feedsvc.model.layout import ARCHIVE_FOLDER, FeedFormat, feed_path


@dataclass(frozen=True)
class ArchivePage:
    """One archive page of a feed."""

    key: FeedKey
    number: int  # 1 holds the feed's oldest posts
    full: bool  # holds archive_page_size posts: its posts are final
    posts: list[Post]  # newest first, as in every document


@dataclass(frozen=True)
class History:
    """What one document says about the feed's history (RFC 5005)."""

    complete: bool = False  # a feed document holding every post of the feed (fh:complete)
    archive: ArchivePage | None = None  # set in an archive page's documents (fh:archive)
    previous: ArchivePage | None = None  # the page before: `prev-archive`


NO_HISTORY = History()


def archive_pages(key: FeedKey, history: Sequence[Post], size: int) -> list[ArchivePage]:
    """The archive pages of a feed whose posts are `history` (newest first), oldest page first."""
    oldest_first = list(reversed(history))
    pages = []
    for number, start in enumerate(range(0, len(oldest_first), size), start=1):
        chunk = oldest_first[start : start + size]
        pages.append(ArchivePage(key, number, len(chunk) == size, chunk[::-1]))
    return pages


def feed_history(pages: Sequence[ArchivePage], held: int, total: int) -> History:
    """What a feed's own documents say: the newest archive page, or whether they hold every
    post of the feed (when the budget leaves none out)."""
    if pages:
        return History(previous=pages[-1])
    return History(complete=held == total)


def archive_page_history(pages: Sequence[ArchivePage], page: ArchivePage) -> History:
    """What an archive page's documents say: that they are one, and the page before."""
    return History(archive=page, previous=pages[page.number - 2] if page.number > 1 else None)


def archive_pages_of(
    key: FeedKey, history: dict[FeedKey, list[Post]], size: int
) -> list[ArchivePage]:
    """The archive pages of a feed (none when it keeps no history, or pages are off)."""
    posts = history.get(key)
    return archive_pages(key, posts, size) if posts and size else []


def archive_path(page: ArchivePage, fmt: FeedFormat) -> str:
    """The page's path in one format (also its file name on disk), as Unicode."""
    return _archive_path(page.key, page.number, page.full, fmt)


@functools.lru_cache(maxsize=65536)
def _archive_path(key: FeedKey, number: int, full: bool, fmt: FeedFormat) -> str:
    stem = feed_path(key, FeedFormat.ATOM).removesuffix(".atom")
    name = str(number) if full else f"{number}-partial"
    return f"{ARCHIVE_FOLDER}/{stem}/{name}.{fmt.value}"


def archive_url(base: str, page: ArchivePage, fmt: FeedFormat) -> str:
    """The page's absolute URL in one format, percent-encoded."""
    return base + quote(archive_path(page, fmt), safe="/")


def archived_kinds(names: Sequence[str]) -> frozenset[FeedKind]:
    """The feed kinds named in the `archive_kinds` setting."""
    return frozenset(FeedKind(name) for name in names)
