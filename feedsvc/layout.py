"""The URL layout: where each feed lives, the same path over HTTP and on disk.

    /feed.atom              /feed.rss              /feed.json              the whole site
    /categories/<slug>.atom /categories/<slug>.rss /categories/<slug>.json one category
    /tags/<slug>.atom       /tags/<slug>.rss       /tags/<slug>.json       one tag
    /feeds.opml  /feeds-rss.opml  /feeds-json.opml          every feed in one format, for import
    /                            (index.html)                 every feed, for people

Subscribers keep these URLs for years: never change them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

from feedsvc.index import FeedKey, FeedKind

INDEX_PATH = "index.html"
STATUS_PATH = "status.json"  # beside the published set, not in it: it changes on every refresh


class FeedFormat(StrEnum):
    """A document format; its value is the file extension."""

    ATOM = "atom"
    RSS = "rss"
    JSON = "json"  # JSON Feed 1.1


@dataclass(frozen=True)
class FormatInfo:
    """How one format is served."""

    media_type: str  # Content-Type without parameters
    label: str  # shown to people


FORMATS: dict[FeedFormat, FormatInfo] = {
    FeedFormat.ATOM: FormatInfo("application/atom+xml", "Atom 1.0"),
    FeedFormat.RSS: FormatInfo("application/rss+xml", "RSS 2.0"),
    FeedFormat.JSON: FormatInfo("application/feed+json", "JSON Feed 1.1"),
}

# Media types of every document suffix in the published set, feeds included.
MEDIA_TYPES = {
    ".atom": FORMATS[FeedFormat.ATOM].media_type,
    ".rss": FORMATS[FeedFormat.RSS].media_type,
    ".json": FORMATS[FeedFormat.JSON].media_type,
    ".opml": "text/x-opml",
    ".html": "text/html",
}

_FOLDERS = {FeedKind.CATEGORY: "categories", FeedKind.TAG: "tags"}


@functools.lru_cache(maxsize=65536)  # asked for every feed on every refresh; keys are few
def feed_path(key: FeedKey, fmt: FeedFormat) -> str:
    """The document's path relative to the site root, as Unicode (also its file name on disk)."""
    if key.kind is FeedKind.SITE:
        return f"feed.{fmt.value}"
    return f"{_FOLDERS[key.kind]}/{key.slug}.{fmt.value}"


@functools.lru_cache(maxsize=65536)
def feed_href(key: FeedKey, fmt: FeedFormat) -> str:
    """The document's path relative to the site root, percent-encoded (for links in pages)."""
    return quote(feed_path(key, fmt), safe="/")


def feed_url(site_url: str, key: FeedKey, fmt: FeedFormat) -> str:
    """The document's absolute URL, percent-encoded."""
    return site_url + feed_href(key, fmt)


# One OPML list per format, so that importing one subscribes to each feed once.
OPML_PATHS: dict[FeedFormat, str] = {
    FeedFormat.ATOM: "feeds.opml",
    FeedFormat.RSS: "feeds-rss.opml",
    FeedFormat.JSON: "feeds-json.opml",
}
