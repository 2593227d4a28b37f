"""WebSub discovery: every feed names its hub, in the document and in its `Link` headers.

A subscriber looks for the hub in a feed's `Link` headers first, then in the document's own links
(WebSub 1.0, section 4), so both carry it: `advertise_hub` adds the link while feeds.py builds a
document; `link_headers` gives the headers served.py prepares once per generation. Telling the hub
what changed is hubping.py's job.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import quote

import lxml.etree
from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator

from feedsvc.model.layout import FeedFormat
from feedsvc.settings import Settings

ATOM_NS = "http://www.w3.org/2005/Atom"
Headers = list[tuple[str, str]]

_FEED_SUFFIXES = frozenset(f".{fmt.value}" for fmt in FeedFormat)


def is_feed(path: str) -> bool:
    """Whether a published document is a subscription feed of the URL layout (`feed.<format>`,
    `categories/<slug>.<format>`, `tags/<slug>.<format>`), not the index page, an OPML list or a
    file such as the manifest."""
    parts = PurePosixPath(path)
    if parts.suffix not in _FEED_SUFFIXES:
        return False
    if len(parts.parts) == 1:
        return parts.stem == "feed"
    return len(parts.parts) == 2 and parts.parts[0] in ("categories", "tags")


def document_url(base: str, path: str) -> str:
    """A published document's public URL, percent-encoded: layout.feed_url, from the path."""
    return base + quote(path, safe="/")


class _HubLink(BaseExtension):  # type: ignore[misc]  # feedgen ships no types
    """feedgen extension: the hub as an Atom link, in the feed (Atom) or its channel (RSS).
    feedgen writes a channel's atom:link only for rel="self", so RSS needs this. Atom gets it
    the same way rather than by `fg.link`, because feedgen makes RSS's <link> of the last link
    added, whatever its rel."""

    href = ""

    def extend_atom(self, feed: lxml.etree._Element) -> lxml.etree._Element:
        # feedgen's Atom tree has no namespaces (xmlns is a plain attribute of <feed>), so its
        # own elements, and this one, are plain `link`s.
        lxml.etree.SubElement(feed, "link", href=self.href, rel="hub")
        return feed

    def extend_rss(self, feed: lxml.etree._Element) -> lxml.etree._Element:
        lxml.etree.SubElement(feed[0], f"{{{ATOM_NS}}}link", href=self.href, rel="hub")
        return feed


def advertise_hub(fg: FeedGenerator, hub: str) -> None:
    """Make the document link to the hub: `<link rel="hub">` (Atom), `<atom:link rel="hub">`
    (RSS). The link comes after the feed's own elements, before the entries."""
    fg.register_extension("websub", _HubLink, atom=True, rss=True)
    fg.websub.href = hub


def link_headers(settings: Settings) -> Callable[[str], Headers]:
    """path -> the `Link` header a feed is served with (none for other documents, or without a
    hub): the hub and the feed's own URL, which is the topic a subscriber subscribes to."""
    hub, base = settings.websub_hub, settings.feeds_base

    def headers(path: str) -> Headers:
        if not hub or not is_feed(path):
            return []
        return [("Link", f'<{hub}>; rel="hub", <{document_url(base, path)}>; rel="self"')]

    return headers
