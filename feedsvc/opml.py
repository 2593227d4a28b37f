"""The OPML 2.0 list of every feed, so a reader can subscribe to all of them at once."""

from __future__ import annotations

from collections.abc import Sequence

import lxml.etree as etree

from feedsvc.feeds import feed_title
from feedsvc.index import FeedKey, FeedKind, Index
from feedsvc.layout import FeedFormat, feed_url
from feedsvc.settings import Settings

_GROUPS = {FeedKind.SITE: "Site", FeedKind.CATEGORY: "Categories", FeedKind.TAG: "Tags"}


def render_opml(index: Index, settings: Settings) -> bytes:
    """One outline per feed (its Atom URL), grouped as site, categories and tags.

    Each feed is listed once, not once per format, so importing the list subscribes to each feed
    once; its RSS twin is at the same path with `.rss`.
    """
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = f"{feed_title(_site(index), settings)} — feeds"
    # No dateModified: the list changes only when feeds come or go, not with every new post.
    etree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = etree.SubElement(root, "body")
    for kind, label in _GROUPS.items():
        keys: Sequence[FeedKey] = [key for key in index.feeds if key.kind is kind]
        if not keys:
            continue
        group = etree.SubElement(body, "outline", text=label, title=label)
        for key in keys:
            title = feed_title(key, settings)
            etree.SubElement(
                group,
                "outline",
                type="rss",
                text=title,
                title=title,
                xmlUrl=feed_url(settings.feeds_base, key, FeedFormat.ATOM),
                htmlUrl=settings.site_url,
            )
    return bytes(etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True))


def _site(index: Index) -> FeedKey:
    return next(key for key in index.feeds if key.kind is FeedKind.SITE)
