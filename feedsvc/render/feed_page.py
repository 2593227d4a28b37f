"""Each feed's HTML page: what a person who opens a feed's URL in a browser reads.

Browsers no longer render feeds (nor style them with XSLT), so every feed also has a page beside
its documents, published with them (the web app never renders). Like the feed documents, a page is
a head rendered once per feed, with each post's entry rendered once and put in before the head's
closing marker `PAGE_ENTRIES_END`: a post is in many feeds, and its entry is the same in each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from feedsvc.content.body import Body
from feedsvc.content.post import Post
from feedsvc.content.slugs import slugify
from feedsvc.model.kinds import FeedKey, FeedKind
from feedsvc.model.layout import FORMATS, HTML_MEDIA_TYPE, FeedFormat, feed_url, page_url
from feedsvc.render.feed_info import feed_title, feed_updated
from feedsvc.render.templating import ENVIRONMENT
from feedsvc.settings import Settings

# Entries go in before the last occurrence of this in a page's head: the end of its list of entries.
PAGE_ENTRIES_END = b"</ol>\n"


@dataclass(frozen=True)
class _Link:
    url: str
    label: str
    media_type: str = HTML_MEDIA_TYPE


def render_page_entry(post: Post, body: Body, settings: Settings) -> bytes:
    """One entry of a page: the post's title linked to the post, its date, author and summary
    (plain text; the full body stays in the feed, so a page loads nothing from elsewhere), and
    links to the pages of its categories and tags. Links are absolute: the same bytes go into
    pages in different folders."""
    base = settings.feeds_base
    terms = [
        _Link(page_url(base, FeedKey(FeedKind.CATEGORY, slugify(name), name)), name)
        for name in post.entry_categories
    ]
    terms += [
        _Link(page_url(base, FeedKey(FeedKind.TAG, slugify(name), name)), f"#{name}")
        for name in post.tags
    ]
    entry = ENVIRONMENT.get_template("feed_entry.html").render(
        post=post, summary=body.summary_text, terms=terms
    )
    return entry.encode("utf-8")


def render_page_head(key: FeedKey, posts: Sequence[Post], settings: Settings) -> bytes:
    """The feed's page without its entries, which go in before its last PAGE_ENTRIES_END: the
    feed's title, what a feed is and how to subscribe, the feed's URL in every format (links to
    follow, text to copy, and autodiscovery links for browsers and extensions), and a way back to
    the list of every feed. `posts` are the ones the feed's documents hold, newest first."""
    title = feed_title(key, settings)
    subscribe = [
        _Link(feed_url(settings.feeds_base, key, fmt), FORMATS[fmt].label, FORMATS[fmt].media_type)
        for fmt in FeedFormat
    ]
    page = ENVIRONMENT.get_template("feed_page.html").render(
        settings=settings,
        title=title,
        subscribe=subscribe,
        count=len(posts),
        updated=feed_updated(posts) if posts else None,
        index_url=settings.feeds_base,
    )
    return page.encode("utf-8")


def render_feed_page(
    key: FeedKey, posts: Sequence[Post], bodies: Sequence[Body], settings: Settings
) -> bytes:
    """The whole page of a feed holding `posts` (with their `bodies`, in the same order)."""
    entries = [
        render_page_entry(post, body, settings) for post, body in zip(posts, bodies, strict=True)
    ]
    return splice_page(render_page_head(key, posts, settings), entries)


def splice_page(head: bytes, entries: Sequence[bytes]) -> bytes:
    """The page: the head's bytes with the entries put in before its last PAGE_ENTRIES_END."""
    cut = head.rindex(PAGE_ENTRIES_END)
    return b"".join((head[:cut], *entries, head[cut:]))
