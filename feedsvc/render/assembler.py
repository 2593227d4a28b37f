"""Feed documents assembled from entries rendered once: each post's entry once per format, each
document its head with the entries put in, within the size budget.

A post is in several feeds (the site's, its categories', its tags'), each in three formats and a
page. Rather than have feedgen build and serialize every entry again for every feed,
`FeedAssembler` renders each post's entry once per rendition, and each document is its head (the
document without entries: feedgen's for Atom and RSS, render/json_feed.py's, render/feed_page.py's)
with the entries' bytes put in before its end. tests/oracle.py renders every document whole, the
plain way; tests hold the two byte for byte equal on whole corpora.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import logging
from collections.abc import Sequence

from feedgen.entry import FeedEntry
from feedgen.ext.dc import DcEntryExtension

from feedsvc.content.body import Body
from feedsvc.content.post import Post
from feedsvc.model.archives import NO_HISTORY, History
from feedsvc.model.kinds import FeedKey
from feedsvc.model.layout import RENDITIONS, FeedFormat, Page, Rendition
from feedsvc.render import json_feed
from feedsvc.render.feed_page import render_page_entry, render_page_head, splice_page
from feedsvc.render.xml import (
    CLOSING,
    XML_FORMATS,
    EntryContainer,
    feed_generator,
    fill_entry,
    serialize,
)
from feedsvc.settings import Settings

logger = logging.getLogger(__name__)


class FeedAssembler:
    """Feed documents assembled from entries rendered once per post and format."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # A parsed empty feed of each format: each entry is serialized inside it, so it is
        # indented and its namespaces declared exactly as inside a real document.
        self._containers = {fmt: EntryContainer(settings, fmt) for fmt in XML_FORMATS}

    def entries(self, items: Sequence[tuple[Post, Body]]) -> list[Entries]:
        """Each (post, body)'s entry as it appears in a document of each format and in the feed's
        page (RENDITIONS order), one rendition after the other over all of them (the code stays
        hot in caches)."""
        feed_entries = []
        for post, body in items:
            entry = FeedEntry()
            entry.register_extension("dc", DcEntryExtension, atom=False, rss=True)
            fill_entry(entry, post, body, self.settings)
            feed_entries.append(entry)
        each_format = [
            [json_feed.post_item(post, body, self.settings) for post, body in items]
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
            return json_feed.feed_head(key, posts, self.settings, history)
        return serialize(feed_generator(key, posts, fmt, self.settings, history), fmt)

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
    cut = head.rindex(CLOSING[fmt])
    return b"".join((head[:cut], *entries, head[cut:]))
