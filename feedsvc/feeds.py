"""Render one feed in one format to bytes, with feedgen. Pure: no files, no HTTP, no clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from feedgen.feed import FeedGenerator

from feedsvc.body import Body
from feedsvc.index import FeedKey, FeedKind
from feedsvc.layout import FORMATS, FeedFormat, feed_url
from feedsvc.posts import Post
from feedsvc.settings import Settings
from feedsvc.text import xml_safe

GENERATOR = "feedsvc"
GENERATOR_URI = "https://pypi.org/project/feedsvc/"
# The `updated` of a feed with no entries: fixed, so an empty feed's bytes never change either.
EMPTY_FEED_UPDATED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

_TERM_FOLDERS = {FeedKind.CATEGORY: "categories/", FeedKind.TAG: "tags/"}


def feed_title(key: FeedKey, settings: Settings) -> str:
    """The title that names the feed's category or tag."""
    template = {
        FeedKind.SITE: "{site_title}",
        FeedKind.CATEGORY: settings.category_feed_title,
        FeedKind.TAG: settings.tag_feed_title,
    }[key.kind]
    return xml_safe(template.format(name=key.name, site_title=settings.site_title))


def feed_updated(posts: Sequence[Post]) -> dt.datetime:
    """The feed's own `updated`: its newest entry's, never the clock's, so bytes stay put."""
    return max((post.updated for post in posts), default=EMPTY_FEED_UPDATED)


def render_feed(
    key: FeedKey,
    posts: Sequence[Post],
    fmt: FeedFormat,
    settings: Settings,
    body_of: Callable[[Post], Body],
) -> bytes:
    """The complete document for one feed, entries in the given order (newest first)."""
    self_url = feed_url(settings.feeds_base, key, fmt)
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)  # RSS <author> needs an e-mail; dc:creator not
    fg.id(self_url)
    fg.title(feed_title(key, settings))
    fg.link(href=self_url, rel="self", type=FORMATS[fmt].media_type)
    fg.link(href=settings.site_url, rel="alternate", type="text/html")
    fg.description(xml_safe(settings.site_description) or fg.title())
    fg.language(settings.language)
    fg.author(name=xml_safe(settings.site_author))
    fg.generator(GENERATOR, uri=GENERATOR_URI)  # no version: an upgrade must not change bytes
    fg.updated(feed_updated(posts))
    for post in posts:
        _add_entry(fg, post, body_of(post), settings)
    if fmt is FeedFormat.ATOM:
        return bytes(fg.atom_str(pretty=True))
    return bytes(fg.rss_str(pretty=True))


def _add_entry(fg: FeedGenerator, post: Post, body: Body, settings: Settings) -> None:
    entry = fg.add_entry(order="append")  # feedgen prepends by default
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
