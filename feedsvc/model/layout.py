"""The URL layout: where each feed lives, the same path over HTTP and on disk.

    /feed.atom              /feed.rss              /feed.json              the whole site
    /categories/<slug>.atom /categories/<slug>.rss /categories/<slug>.json one category
    /tags/<slug>.atom       /tags/<slug>.rss       /tags/<slug>.json       one tag
    /feed.html, /categories/<slug>.html, /tags/<slug>.html    each feed's page, for people
    /feeds.opml  /feeds-rss.opml  /feeds-json.opml          every feed in one format, for import
    /                            (index.html)                 every feed, for people
    /archives/<feed's path without its suffix>/<n>.<format>   full history (model/archives.py)

Subscribers keep these URLs for years: never change them. This module is the one owner of every
path and media type: the renderers, the writers, the web app and nginx's config follow it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from urllib.parse import quote

from feedsvc.model.kinds import KIND_FOLDERS, FeedKey, FeedKind

INDEX_PATH = "index.html"
PAGE_SUFFIX = ".html"  # a feed's page: the feed's path with this suffix instead of its format's
HTML_MEDIA_TYPE = "text/html"  # pages for people, and the alternate link of feeds and entries


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

# Suffix of each feed format's documents -> its media type.
FEED_MEDIA_TYPES = {f".{fmt.value}": info.media_type for fmt, info in FORMATS.items()}
# Media types of every document suffix in the published set, feeds included.
# `.xml`: a feed's Atom document published again where an earlier feed was (model/aliases.py);
# an RSS one published so (a Hugo site's index.xml) has its media type in the manifest.
MEDIA_TYPES = {
    **FEED_MEDIA_TYPES,
    ".xml": FEED_MEDIA_TYPES[".atom"],
    ".opml": "text/x-opml",
    PAGE_SUFFIX: HTML_MEDIA_TYPE,
}


def media_type_of(path: str) -> str:
    """The media type a published document's suffix names."""
    return MEDIA_TYPES.get(PurePosixPath(path).suffix, "application/octet-stream")


ARCHIVE_FOLDER = "archives"  # every feed's archive pages (model/archives.py), below this folder
# A full archive page's path: archives/<the feed's path without its suffix>/<n>.<format>. It
# never changes, so it is served as immutable (by the web app and by nginx).
FULL_ARCHIVE_PAGE = re.compile(rf"^{ARCHIVE_FOLDER}/.+/[0-9]+\.[a-z]+$")


@functools.lru_cache(maxsize=65536)  # asked for every feed on every refresh; keys are few
def feed_path(key: FeedKey, fmt: FeedFormat) -> str:
    """The document's path relative to the site root, as Unicode (also its file name on disk)."""
    if key.kind is FeedKind.SITE:
        return f"feed.{fmt.value}"
    return f"{KIND_FOLDERS[key.kind]}/{key.slug}.{fmt.value}"


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


@functools.lru_cache(maxsize=65536)
def page_path(key: FeedKey) -> str:
    """The feed's HTML page for people: beside its documents, with the same stem (so a server
    can send it in place of any of them to a browser)."""
    stem, _, _ = feed_path(key, FeedFormat.ATOM).rpartition(".")
    return stem + PAGE_SUFFIX


@functools.lru_cache(maxsize=65536)
def page_href(key: FeedKey) -> str:
    """The page's path relative to the site root, percent-encoded (for links in pages)."""
    return quote(page_path(key), safe="/")


def page_url(site_url: str, key: FeedKey) -> str:
    """The page's absolute URL, percent-encoded."""
    return site_url + page_href(key)


class Page(StrEnum):
    """A feed's HTML page: not a feed format, but rendered from the same entries, with the feed's
    documents, and holding the same posts."""

    HTML = "html"


# Everything published for one feed: its documents in every format, then its page.
Rendition = FeedFormat | Page
RENDITIONS: tuple[Rendition, ...] = (*FeedFormat, Page.HTML)


def document_path(key: FeedKey, rendition: Rendition) -> str:
    """The path of one rendition of a feed: a feed document, or the feed's page."""
    if isinstance(rendition, Page):
        return page_path(key)
    return feed_path(key, rendition)


_KINDS_BY_FOLDER = {folder: kind.value for kind, folder in KIND_FOLDERS.items()}
_KINDS_BY_FOLDER[ARCHIVE_FOLDER] = "archive"
_OPML_NAMES = frozenset(OPML_PATHS.values())
_SITE_KIND = FeedKind.SITE.value  # looked up once: an enum's .value costs a microsecond a time


def path_kind(path: str) -> str:
    """What a request path is for, to count requests by: "site", "category", "tag", "archive",
    "opml", "index" or "other". Judged by folder and name, never by extension, so every format
    and page of a feed counts as that feed's kind."""
    name = path.lstrip("/")
    folder, slash, _ = name.partition("/")
    if slash:
        return _KINDS_BY_FOLDER.get(folder, "other")
    if name in ("", INDEX_PATH):
        return "index"
    if name in _OPML_NAMES:
        return "opml"
    return _SITE_KIND if name.partition(".")[0] == "feed" else "other"


_FEED_FOLDERS = frozenset(KIND_FOLDERS.values())


def is_feed(path: str) -> bool:
    """Whether a published document is a subscription feed of the URL layout (`feed.<format>`,
    `categories/<slug>.<format>`, `tags/<slug>.<format>`), not the index page, an OPML list, an
    archive page or a file such as the manifest."""
    parts = PurePosixPath(path)
    if parts.suffix not in FEED_MEDIA_TYPES:
        return False
    if len(parts.parts) == 1:
        return parts.stem == "feed"
    return len(parts.parts) == 2 and parts.parts[0] in _FEED_FOLDERS


def document_url(base: str, path: str) -> str:
    """A published document's public URL, percent-encoded: what feed_url gives, from the path."""
    return base + quote(path, safe="/")
