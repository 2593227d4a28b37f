"""Feed documents in Atom 1.0 and RSS 2.0, built by feedgen with the extensions it lacks.

feedgen writes every feed-level element (`feed_generator`) and every entry (`fill_entry`).
Documents are assembled from pieces (render/assembler.py): the feed without entries, and each
entry serialized once inside an empty document of its format (`EntryContainer`), so it is
indented and its namespaces declared exactly as inside a real document. The extensions add what
feedgen cannot write: RFC 5005 history links, the Syndication module's polling hints, and the
WebSub hub (a subscriber looks for it in the document as well as in the `Link` headers).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import lxml.etree
from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.ext.dc import DcEntryExtension, DcExtension
from feedgen.feed import FeedGenerator

from feedsvc.content.body import Body
from feedsvc.content.post import Post
from feedsvc.content.text import xml_safe
from feedsvc.model.aliases import earlier_feed_id
from feedsvc.model.archives import NO_HISTORY, History, archive_url
from feedsvc.model.kinds import KIND_FOLDERS, SITE_FEED, FeedKey, FeedKind
from feedsvc.model.layout import FORMATS, HTML_MEDIA_TYPE, FeedFormat, feed_url
from feedsvc.model.polling import PollingHints, polling_hints
from feedsvc.render.feed_info import feed_title, feed_updated
from feedsvc.settings import Settings

GENERATOR = "feedsvc"
GENERATOR_URI = "https://pypi.org/project/feedsvc/"
ATOM_NS = "http://www.w3.org/2005/Atom"

# Where entries go in a pretty-printed document: before this closing tag, at the end.
CLOSING = {FeedFormat.ATOM: b"</feed>\n", FeedFormat.RSS: b"  </channel>\n</rss>\n"}
XML_FORMATS = tuple(CLOSING)  # the formats feedgen writes


# Whitespace between tags (the indentation) would otherwise stay in the tree and turn libxml2's
# indenting off for whatever is added.
_BLANKS_DROPPED = lxml.etree.XMLParser(remove_blank_text=True)


class EntryContainer:
    """An empty feed document of one format, parsed, to serialize single entries inside."""

    def __init__(self, settings: Settings, fmt: FeedFormat) -> None:
        self.format = fmt
        empty = serialize(feed_generator(SITE_FEED, [], fmt, settings), fmt)
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
        text = text[start : text.rindex(CLOSING[self.format])]
        if self.format is FeedFormat.RSS and entry.pubDate().year < 1000:
            text = _four_digit_years(text)
        return text


def feed_generator(
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
    fg.id(earlier_feed_id(settings, key) or feed)  # a Jekyll site's feed keeps jekyll-feed's id
    fg.title(feed_title(key, settings))
    fg.link(href=self_url, rel="self", type=FORMATS[fmt].media_type)
    fg.link(href=settings.site_url, rel="alternate", type=HTML_MEDIA_TYPE)
    fg.description(xml_safe(settings.site_description) or fg.title())
    if settings.language:
        fg.language(settings.language)
    fg.author(name=xml_safe(settings.author_name))
    fg.generator(GENERATOR, uri=GENERATOR_URI)  # no version: an upgrade must not change bytes
    fg.updated(feed_updated(posts))
    hints = polling_hints(settings)
    fg.ttl(hints.ttl)
    fg.register_extension("sy", _SyndicationExtension, None, atom=True, rss=True)
    fg.sy.hints = hints
    if settings.websub_hub:
        _advertise_hub(fg, settings.websub_hub)
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


def _advertise_hub(fg: FeedGenerator, hub: str) -> None:
    """Make the document link to the hub: `<link rel="hub">` (Atom), `<atom:link rel="hub">`
    (RSS). The link comes after the feed's own elements, before the entries."""
    fg.register_extension("websub", _HubLink, atom=True, rss=True)
    fg.websub.href = hub


def serialize(fg: FeedGenerator, fmt: FeedFormat) -> bytes:
    if fmt is FeedFormat.ATOM:
        return bytes(fg.atom_str(pretty=True))
    return _four_digit_years(bytes(fg.rss_str(pretty=True)))


# An RFC 822 date's year as feedgen writes it (strftime's %Y, which glibc does not pad): a Hugo
# page without a date is dated in year 1, which Hugo's RSS writes `0001`, as RFC 822 wants.
_SHORT_YEAR = re.compile(rb"(<(?:pubDate|lastBuildDate)>\w{3}, \d{2} \w{3} )(\d{1,3}) ")


def _four_digit_years(data: bytes) -> bytes:
    return _SHORT_YEAR.sub(lambda m: m.group(1) + m.group(2).rjust(4, b"0") + b" ", data)


class _UntitledItem(BaseEntryExtension):  # type: ignore[misc]  # feedgen ships no types
    """The RSS item of a post without a title of its own has an empty one, as Hugo's RSS gives
    it; its Atom entry keeps the title made from its file name (Atom requires one)."""

    def extend_rss(self, item: lxml.etree._Element) -> lxml.etree._Element:
        title = item.find("title")
        if title is not None:
            title.text = ""
        return item


def fill_entry(entry: FeedEntry, post: Post, body: Body, settings: Settings) -> None:
    entry.id(post.id)
    entry.guid(post.id, permalink=post.id == post.url)
    entry.title(post.title)
    if post.untitled:
        entry.register_extension("untitled", _UntitledItem, atom=False, rss=True)
    entry.link(href=post.url, rel="alternate", type=HTML_MEDIA_TYPE)
    entry.published(post.date)
    entry.updated(post.updated)
    if body.summary:
        entry.summary(body.summary, type="html" if body.summary_html else None)
    if body.html:
        entry.content(body.html, type="html")
    if post.author:
        entry.author(name=post.author)
        entry.dc.dc_creator(post.author)
    terms = [(FeedKind.CATEGORY, name) for name in post.entry_categories]
    terms += [(FeedKind.TAG, name) for name in post.tags]
    if terms:
        base = settings.feeds_base
        entry.category(
            [
                {"term": name, "scheme": f"{base}{KIND_FOLDERS[kind]}/", "label": name}
                for kind, name in terms
            ]
        )
