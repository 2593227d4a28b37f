"""The OPML 2.0 lists of every feed, one per format, so a reader can subscribe to all at once."""

from __future__ import annotations

from collections.abc import Sequence

import lxml.etree as etree

from feedsvc.model.index import Index
from feedsvc.model.kinds import KIND_HEADINGS, FeedKey, FeedKind
from feedsvc.model.layout import FORMATS, FeedFormat, feed_url
from feedsvc.render.feed_info import feed_title
from feedsvc.settings import Settings


def render_opml(index: Index, settings: Settings, fmt: FeedFormat = FeedFormat.ATOM) -> bytes:
    """One outline per feed (its URL in `fmt`), grouped as site, categories and tags.

    Each list names each feed once, not once per format, so importing it subscribes to each feed
    once; the Atom list has no suffix in its title, as it had before the other formats came.
    """
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    title = f"{feed_title(_site(index), settings)} — feeds"
    if fmt is not FeedFormat.ATOM:
        title += f" ({FORMATS[fmt].label})"
    etree.SubElement(head, "title").text = title
    # No dateModified: the list changes only when feeds come or go, not with every new post.
    etree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = etree.SubElement(root, "body")
    for kind, label in KIND_HEADINGS.items():
        keys: Sequence[FeedKey] = [key for key in index.feeds if key.kind is kind]
        if not keys:
            continue
        group = etree.SubElement(body, "outline", text=label, title=label)
        for key in keys:
            title = feed_title(key, settings)
            etree.SubElement(
                group,
                "outline",
                type="rss",  # OPML 2.0's type for any feed
                text=title,
                title=title,
                xmlUrl=feed_url(settings.feeds_base, key, fmt),
                htmlUrl=settings.site_url,
            )
    return bytes(etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True))


def _site(index: Index) -> FeedKey:
    return next(key for key in index.feeds if key.kind is FeedKind.SITE)
