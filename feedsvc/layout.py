"""The URL layout: where each feed lives, the same path over HTTP and on disk.

    /feed.atom                   /feed.rss                    the whole site
    /categories/<slug>.atom      /categories/<slug>.rss       one category
    /tags/<slug>.atom            /tags/<slug>.rss             one tag
    /feeds.opml                                               every feed, for import
    /                            (index.html)                 every feed, for people

Subscribers keep these URLs for years: never change them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

from feedsvc.index import FeedKey, FeedKind

OPML_PATH = "feeds.opml"
INDEX_PATH = "index.html"
STATUS_PATH = "status.json"  # beside the published set, not in it: it changes on every refresh


class FeedFormat(StrEnum):
    """A document format; its value is the file extension."""

    ATOM = "atom"
    RSS = "rss"


@dataclass(frozen=True)
class FormatInfo:
    """How one format is served."""

    media_type: str  # Content-Type without parameters
    label: str  # shown to people


FORMATS: dict[FeedFormat, FormatInfo] = {
    FeedFormat.ATOM: FormatInfo("application/atom+xml", "Atom 1.0"),
    FeedFormat.RSS: FormatInfo("application/rss+xml", "RSS 2.0"),
}

# Media types of every document suffix in the published set, feeds included.
MEDIA_TYPES = {
    ".atom": FORMATS[FeedFormat.ATOM].media_type,
    ".rss": FORMATS[FeedFormat.RSS].media_type,
    ".opml": "text/x-opml",
    ".html": "text/html",
    ".json": "application/json",
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


_KINDS_BY_FOLDER = {folder: kind.value for kind, folder in _FOLDERS.items()}
_SITE_KIND = FeedKind.SITE.value  # looked up once: an enum's .value costs a microsecond a time


def path_kind(path: str) -> str:
    """What a request path is for, to count requests by: "site", "category", "tag", "opml",
    "index" or "other". Judged by folder and name, never by extension, so every format and page
    of a feed counts as that feed's kind."""
    name = path.lstrip("/")
    folder, slash, _ = name.partition("/")
    if slash:
        return _KINDS_BY_FOLDER.get(folder, "other")
    if name in ("", INDEX_PATH):
        return "index"
    if name == OPML_PATH:
        return "opml"
    return _SITE_KIND if name.partition(".")[0] == "feed" else "other"
