"""Render feeds to bytes with feedgen. Pure: no files, no HTTP, no clock.

A post is in several feeds (the site's, its categories', its tags'), each in three formats. Rather
than have feedgen build and serialize every entry again for every feed, `FeedAssembler` renders
each post's entry once per format, and each document is feedgen's own document for the feed
without entries, with the entries' bytes put in before its closing tag. `render_feed` is the
plain path, every entry built by feedgen inside the document; a test holds the two byte for byte
equal on whole corpora. JSON Feed, which feedgen does not write, is laid out by `json_feed` the
same way: a head without items, and each post's item rendered once.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import logging
from collections.abc import Callable, Sequence

import lxml.etree
from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseExtension
from feedgen.ext.dc import DcEntryExtension, DcExtension
from feedgen.feed import FeedGenerator

from feedsvc.content.body import Body
from feedsvc.content.posts import Post
from feedsvc.content.text import xml_safe
from feedsvc.model.archives import NO_HISTORY, History, archive_url
from feedsvc.model.index import SITE_FEED, FeedKey, FeedKind
from feedsvc.model.layout import FORMATS, RENDITIONS, FeedFormat, Page, Rendition, feed_url
from feedsvc.model.polling import PollingHints, polling_hints
from feedsvc.render import json_feed
from feedsvc.render.feed_info import feed_title, feed_updated
from feedsvc.render.feed_page import render_page_entry, render_page_head, splice_page
from feedsvc.render.websub import advertise_hub
from feedsvc.settings import Settings

logger = logging.getLogger(__name__)

GENERATOR = "feedsvc"
GENERATOR_URI = "https://pypi.org/project/feedsvc/"
_TERM_FOLDERS = {FeedKind.CATEGORY: "categories/", FeedKind.TAG: "tags/"}


def render_feed(
    key: FeedKey,
    posts: Sequence[Post],
    fmt: FeedFormat,
    settings: Settings,
    body_of: Callable[[Post], Body],
    history: History = NO_HISTORY,
) -> bytes:
    """The complete document for one feed (or one of its archive pages), entries in the given
    order (newest first), built entirely by feedgen (JSON Feed: by json_feed): the reference
    that `FeedAssembler` must equal."""
    if fmt is FeedFormat.JSON:
        items = [_json_item(post, body_of(post), settings) for post in posts]
        return json_feed.splice(_json_head(key, posts, settings, history), items)
    fg = _feed_without_entries(key, posts, fmt, settings, history)
    for post in posts:
        _fill_entry(fg.add_entry(order="append"), post, body_of(post), settings)
    return _serialize(fg, fmt)


class FeedAssembler:
    """Feed documents assembled from entries rendered once per post and format."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # A parsed empty feed of each format: each entry is serialized inside it, so it is
        # indented and its namespaces declared exactly as inside a real document.
        self._containers = {fmt: _EntryContainer(settings, fmt) for fmt in _XML_FORMATS}

    def entries(self, items: Sequence[tuple[Post, Body]]) -> list[Entries]:
        """Each (post, body)'s entry as it appears in a document of each format and in the feed's
        page (RENDITIONS order), one rendition after the other over all of them (the code stays
        hot in caches)."""
        feed_entries = []
        for post, body in items:
            entry = FeedEntry()
            entry.register_extension("dc", DcEntryExtension, atom=False, rss=True)
            _fill_entry(entry, post, body, self.settings)
            feed_entries.append(entry)
        each_format = [
            [_json_item(post, body, self.settings) for post, body in items]
            if fmt is FeedFormat.JSON
            else [render_page_entry(post, body, self.settings) for post, body in items]
            if fmt is Page.HTML
            else [self._containers[fmt].serialize(entry) for entry in feed_entries]
            for fmt in RENDITIONS
        ]
        return list(zip(*each_format, strict=True))

    def documents(
        self,
        key: FeedKey,
        posts: Sequence[Post],
        formats: Sequence[Rendition],
        entries: Sequence[Entries],
        history: History = NO_HISTORY,
    ) -> tuple[list[Post], list[tuple[Rendition, bytes]]]:
        """The feed's documents in `formats` (its page too, if asked), and the posts they hold.
        Each document is feedgen's document without entries, the entries (`entries` gave them,
        one per post) put in before its closing tag. Within max_feed_bytes they hold the newest
        posts that fit, the same ones in every format and the page; a post too large to fit on
        its own is left out. An archive page (history.archive) holds all its posts, whatever
        their size; a feed said to be complete stops saying so if the budget leaves posts out."""
        budget = 0 if history.archive else self.settings.max_feed_bytes
        wanted = {*FeedFormat, *formats} if budget else formats
        heads = {fmt: self._head(key, posts, fmt, history) for fmt in wanted}
        kept = (
            self._fitting(key, posts, entries, heads, budget, history)
            if budget
            else range(len(posts))
        )
        if len(kept) < len(posts):
            held = [posts[i] for i in kept]
            history = dataclasses.replace(history, complete=False)
            heads = {fmt: self._head(key, held, fmt, history) for fmt in formats}
        documents = []
        for fmt in formats:
            position = FORMAT_ORDER[fmt]
            documents.append((fmt, _splice(heads[fmt], fmt, [entries[i][position] for i in kept])))
        return [posts[i] for i in kept], documents

    def _head(
        self, key: FeedKey, posts: Sequence[Post], fmt: Rendition, history: History = NO_HISTORY
    ) -> bytes:
        if fmt is Page.HTML:
            return render_page_head(key, posts, self.settings)
        if fmt is FeedFormat.JSON:
            return _json_head(key, posts, self.settings, history)
        return _serialize(_feed_without_entries(key, posts, fmt, self.settings, history), fmt)

    def _fitting(
        self,
        key: FeedKey,
        posts: Sequence[Post],
        entries: Sequence[Entries],
        heads: dict[Rendition, bytes],
        budget: int,
        history: History = NO_HISTORY,
    ) -> list[int]:
        """Positions of the posts the documents hold within `budget`: of those whose entry fits
        on its own, the newest that fit together in every format. A head is rendered again only
        near the budget: the feed's own elements depend on its posts only through `updated`."""
        partly = dataclasses.replace(history, complete=False)  # for documents holding fewer
        candidates = [
            i
            for i in range(len(posts))
            if self._fits_alone(key, posts[i], entries[i], heads, budget, partly)
        ]
        if len(candidates) < len(posts):
            kept = set(candidates)
            left_out = [post.source for i, post in enumerate(posts) if i not in kept]
            logger.warning(
                "%s feed %r: left out %s, larger on its own than max_feed_bytes (%d)",
                key.kind,
                key.name,
                ", ".join(left_out),
                budget,
            )
        count = len(candidates)
        for fmt in FeedFormat:
            position = FORMAT_ORDER[fmt]
            sizes = list(
                itertools.accumulate((len(entries[i][position]) for i in candidates), initial=0)
            )
            count = min(count, bisect.bisect_right(sizes, budget) - 1)
            while count > 0:
                if count == len(posts):  # all of them: the head rendered already holds
                    head = len(heads[fmt])
                else:
                    held = [posts[i] for i in candidates[:count]]
                    head = len(self._head(key, held, fmt, partly))
                if _size(fmt, head, sizes[count], count) <= budget:
                    break
                count -= 1
        if count < len(candidates):
            logger.info(
                "%s feed %r: its %d oldest entries left out to stay within max_feed_bytes (%d)",
                key.kind,
                key.name,
                len(candidates) - count,
                budget,
            )
        return candidates[:count]

    def _fits_alone(
        self,
        key: FeedKey,
        post: Post,
        entry: Entries,
        heads: dict[Rendition, bytes],
        budget: int,
        history: History,
    ) -> bool:
        for fmt in FeedFormat:
            size = len(entry[FORMAT_ORDER[fmt]])
            if _size(fmt, len(heads[fmt]), size, 1) + _DATE_ROOM <= budget:
                continue  # a one-post head differs from the whole feed's only in its date
            if _size(fmt, len(self._head(key, [post], fmt, history)), size, 1) > budget:
                return False
        return True


# How much a feed's head can grow when its `updated` changes (fractions of seconds, zones).
_DATE_ROOM = 64

# One post's entry as each format's documents and the feed's page hold it, in RENDITIONS order.
Entries = tuple[bytes, ...]
FORMAT_ORDER = {fmt: position for position, fmt in enumerate(RENDITIONS)}


def _size(fmt: FeedFormat, head: int, entries: int, count: int) -> int:
    """A document's length from its head's and its `count` entries' lengths."""
    return json_feed.size(head, entries, count) if fmt is FeedFormat.JSON else head + entries


def _splice(head: bytes, fmt: Rendition, entries: Sequence[bytes]) -> bytes:
    """The document: the head's bytes with the entries put in before its closing tag."""
    if fmt is Page.HTML:
        return splice_page(head, entries)
    if fmt is FeedFormat.JSON:
        return json_feed.splice(head, entries)
    if not entries:
        return head
    cut = head.rindex(_CLOSING[fmt])
    return b"".join((head[:cut], *entries, head[cut:]))


# Where entries go in a pretty-printed document: before this closing tag, at the end.
_CLOSING = {FeedFormat.ATOM: b"</feed>\n", FeedFormat.RSS: b"  </channel>\n</rss>\n"}
_XML_FORMATS = tuple(_CLOSING)  # the formats feedgen writes


# Whitespace between tags (the indentation) would otherwise stay in the tree and turn libxml2's
# indenting off for whatever is added.
_BLANKS_DROPPED = lxml.etree.XMLParser(remove_blank_text=True)


class _EntryContainer:
    """An empty feed document of one format, parsed, to serialize single entries inside."""

    def __init__(self, settings: Settings, fmt: FeedFormat) -> None:
        self.format = fmt
        empty = _serialize(_feed_without_entries(SITE_FEED, [], fmt, settings), fmt)
        self.root = lxml.etree.fromstring(empty, _BLANKS_DROPPED)
        self.parent = self.root if fmt is FeedFormat.ATOM else self.root[0]  # <feed>, <channel>
        for child in list(self.parent):
            self.parent.remove(child)

    def serialize(self, entry: FeedEntry) -> bytes:
        """The entry's bytes as feedgen's pretty-printed document would hold them."""
        element = entry.atom_entry() if self.format is FeedFormat.ATOM else entry.rss_entry()
        self.parent.append(element)
        try:
            text = lxml.etree.tostring(self.root, encoding="UTF-8", pretty_print=True)
        finally:
            self.parent.remove(element)
        opening = b"<channel>\n" if self.format is FeedFormat.RSS else b">\n"
        start = text.index(opening) + len(opening)
        return text[start : text.rindex(_CLOSING[self.format])]


def _feed_without_entries(
    key: FeedKey,
    posts: Sequence[Post],
    fmt: FeedFormat,
    settings: Settings,
    history: History = NO_HISTORY,
) -> FeedGenerator:
    """A feedgen feed with every feed-level field set, for `posts` (not added). An archive page
    has the feed's id and title, its own `self`, and its history links."""
    feed = feed_url(settings.feeds_base, key, fmt)
    self_url = archive_url(settings.feeds_base, history.archive, fmt) if history.archive else feed
    fg = FeedGenerator()
    # RSS <author> needs an e-mail; dc:creator does not. Registered directly: load_extension
    # imports the module again on every call.
    fg.register_extension("dc", DcExtension, DcEntryExtension, atom=False, rss=True)
    fg.id(feed)
    fg.title(feed_title(key, settings))
    fg.link(href=self_url, rel="self", type=FORMATS[fmt].media_type)
    fg.link(href=settings.site_url, rel="alternate", type="text/html")
    fg.description(xml_safe(settings.site_description) or fg.title())
    fg.language(settings.language)
    fg.author(name=xml_safe(settings.site_author))
    fg.generator(GENERATOR, uri=GENERATOR_URI)  # no version: an upgrade must not change bytes
    fg.updated(feed_updated(posts))
    hints = polling_hints(settings)
    fg.ttl(hints.ttl)
    fg.register_extension("sy", _SyndicationExtension, None, atom=True, rss=True)
    fg.sy.hints = hints
    if settings.websub_hub:
        advertise_hub(fg, settings.websub_hub)
    if history != NO_HISTORY:
        fg.register_extension("fh", _HistoryExtension, None, atom=True, rss=True)
        fg.fh.links = _history_links(history, feed, fmt, settings)
        fg.fh.marker = "archive" if history.archive else "complete" if history.complete else ""
    return fg


def _history_links(
    history: History, feed: str, fmt: FeedFormat, settings: Settings
) -> list[tuple[str, str]]:
    """RFC 5005's links of a document: (rel, href)."""
    links = [("current", feed)] if history.archive else []
    if history.previous:
        links.append(("prev-archive", archive_url(settings.feeds_base, history.previous, fmt)))
    return links


class _HistoryExtension(BaseExtension):  # type: ignore[misc]  # feedgen has no types
    """RFC 5005's `current` and `prev-archive` links, and fh:archive or fh:complete, in Atom and
    RSS (as atom:link). feedgen's own links would not do: it writes only rel="self" as an RSS
    atom:link, and makes RSS's <link> of whichever link was added last."""

    NAMESPACE = "http://purl.org/syndication/history/1.0"

    def __init__(self) -> None:
        self.links: list[tuple[str, str]] = []
        self.marker = ""  # "archive", "complete" or ""

    def extend_ns(self) -> dict[str, str]:
        return {"fh": self.NAMESPACE}

    def extend_rss(self, rss: lxml.etree._Element) -> lxml.etree._Element:
        self._add(rss[0], "{http://www.w3.org/2005/Atom}link")
        return rss

    def extend_atom(self, atom: lxml.etree._Element) -> lxml.etree._Element:
        self._add(atom, "link")  # feedgen's Atom elements carry no namespace of their own
        return atom

    def _add(self, parent: lxml.etree._Element, link: str) -> None:
        for rel, href in self.links:
            lxml.etree.SubElement(parent, link, href=href, rel=rel)
        if self.marker:
            lxml.etree.SubElement(parent, "{" + self.NAMESPACE + "}" + self.marker)


class _SyndicationExtension(BaseExtension):  # type: ignore[misc]  # feedgen has no types
    """The RSS 1.0 Syndication module's sy:updatePeriod and sy:updateFrequency, in Atom and RSS.
    (feedgen's own syndication extension writes sy:UpdatePeriod, which the module does not
    define, and only in RSS.)"""

    NAMESPACE = "http://purl.org/rss/1.0/modules/syndication/"

    def __init__(self) -> None:
        self.hints: PollingHints | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"sy": self.NAMESPACE}

    def extend_rss(self, rss: lxml.etree._Element) -> lxml.etree._Element:
        self._add(rss[0])  # <channel>
        return rss

    def extend_atom(self, atom: lxml.etree._Element) -> lxml.etree._Element:
        self._add(atom)
        return atom

    def _add(self, parent: lxml.etree._Element) -> None:
        if self.hints is not None:
            namespace = "{" + self.NAMESPACE + "}"
            period = lxml.etree.SubElement(parent, namespace + "updatePeriod")
            period.text = self.hints.update_period
            frequency = lxml.etree.SubElement(parent, namespace + "updateFrequency")
            frequency.text = str(self.hints.update_frequency)


def _json_head(
    key: FeedKey, posts: Sequence[Post], settings: Settings, history: History = NO_HISTORY
) -> bytes:
    """The JSON Feed without items: the same title, links, description, language and author as
    the Atom and RSS documents of the feed. JSON Feed has no archives, but pages: `next_url`
    leads from the feed to its newest archive page, and from each page to the one before."""
    title = feed_title(key, settings)
    base, fmt = settings.feeds_base, FeedFormat.JSON
    fields: dict[str, object] = {
        "title": title,
        "home_page_url": settings.site_url,
        "feed_url": archive_url(base, history.archive, fmt)
        if history.archive
        else feed_url(base, key, fmt),
        "description": xml_safe(settings.site_description) or title,
        "language": settings.language,
        "authors": [{"name": xml_safe(settings.site_author)}],
    }
    if settings.websub_hub:
        fields["hubs"] = [{"type": "WebSub", "url": settings.websub_hub}]
    if history.previous:
        fields["next_url"] = archive_url(base, history.previous, fmt)
    return json_feed.head(fields)


def _json_item(post: Post, body: Body, settings: Settings) -> bytes:
    """One post as a JSON Feed item: the id, link, dates, content and summary of its entries in
    the other formats, its categories and tags as `tags`."""
    fields: dict[str, object] = {"id": post.id, "url": post.url, "title": post.title}
    fields["content_html"] = body.html  # even when empty: an item must have some content
    if body.summary:
        fields["summary"] = body.summary
    fields["date_published"] = post.date.isoformat()
    fields["date_modified"] = post.updated.isoformat()
    if post.author:
        fields["authors"] = [{"name": post.author}]
    terms = list(dict.fromkeys([*post.categories, *post.tags]))
    if terms:
        fields["tags"] = terms
    return json_feed.item(fields)


def _serialize(fg: FeedGenerator, fmt: FeedFormat) -> bytes:
    return bytes(fg.atom_str(pretty=True) if fmt is FeedFormat.ATOM else fg.rss_str(pretty=True))


def _fill_entry(entry: FeedEntry, post: Post, body: Body, settings: Settings) -> None:
    entry.id(post.id)
    entry.guid(post.id, permalink=post.id == post.url)
    entry.title(post.title)
    entry.link(href=post.url, rel="alternate", type="text/html")
    entry.published(post.date)
    entry.updated(post.updated)
    if body.summary:
        entry.summary(body.summary)
    if body.html:
        entry.content(body.html, type="html")
    if post.author:
        entry.author(name=post.author)
        entry.dc.dc_creator(post.author)
    terms = [(FeedKind.CATEGORY, name) for name in post.categories]
    terms += [(FeedKind.TAG, name) for name in post.tags]
    if terms:
        entry.category(
            [
                {"term": name, "scheme": settings.feeds_base + _TERM_FOLDERS[kind], "label": name}
                for kind, name in terms
            ]
        )
