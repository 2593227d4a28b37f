"""What a feed collects (the site, a category, a tag) and the one rule naming each feed.

A leaf module: every layer may import it (the settings table validates `archive_kinds` with it,
the web side counts requests by kind) without loading posts, rendering or writing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class FeedKind(StrEnum):
    """What a feed collects."""

    SITE = "site"
    CATEGORY = "category"
    TAG = "tag"


class FeedKey(NamedTuple):
    """Which feed: its kind, the category or tag name as written, and its URL slug. (A tuple:
    an index of 100,000 posts hashes these over a million times.)"""

    kind: FeedKind
    slug: str  # "" for the site feed
    name: str  # "" for the site feed


SITE_FEED = FeedKey(FeedKind.SITE, "", "")

# The folder of each kind's feeds in the URL layout (the site feed lives at the root).
KIND_FOLDERS: dict[FeedKind, str] = {FeedKind.CATEGORY: "categories", FeedKind.TAG: "tags"}

# How each kind's feeds are headed where people (the index page) and readers (OPML) see them
# listed, in listing order.
KIND_HEADINGS: dict[FeedKind, str] = {
    FeedKind.SITE: "Site",
    FeedKind.CATEGORY: "Categories",
    FeedKind.TAG: "Tags",
}


def feed_order(key: FeedKey) -> tuple[int, str]:
    """Site feed first, then categories, then tags, each by slug: the order of every listing."""
    return (_KIND_ORDER[key.kind], key.slug)


_KIND_ORDER = {kind: position for position, kind in enumerate(FeedKind)}
