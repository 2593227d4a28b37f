"""The HTML index of every feed: what `/` shows a person, with autodiscovery for browsers."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from markupsafe import Markup

from feedsvc.model.index import Index
from feedsvc.model.kinds import KIND_HEADINGS, FeedKey, FeedKind
from feedsvc.model.layout import FORMATS, FeedFormat, feed_href, feed_url, page_href
from feedsvc.render.feed_info import feed_title
from feedsvc.render.templating import ENVIRONMENT, shown_date
from feedsvc.settings import Settings

# The site and each category are shown with their newest entries; tags, thousands on a large
# site, are one table row each.
_WITH_ENTRIES = {FeedKind.SITE: 5, FeedKind.CATEGORY: 3}

# One entry as the index shows it: title, URL, date.
_Shown = tuple[str, str, dt.datetime]


@dataclass(frozen=True)
class _Format:
    name: str
    media_type: str
    label: str


@dataclass(frozen=True)
class _Discovered:
    title: str
    urls: dict[str, str]  # format -> absolute URL


@dataclass(frozen=True)
class _Group:
    label: str
    html: Markup  # the group's feeds, each with its newest entries, or its table rows
    table: bool  # the html is table rows


def render_index_page(index: Index, settings: Settings) -> bytes:
    """The index page. Autodiscovery links name the site and category feeds; the thousands of
    tag feeds are listed in the page only, to keep its head small. Each feed's part is made once
    per (feed, posts, newest entries), so a refresh that changes a few feeds redoes a few."""
    formats = [_Format(f.value, FORMATS[f].media_type, FORMATS[f].label) for f in FeedFormat]
    groups = []
    for kind, label in KIND_HEADINGS.items():
        keys = [key for key in index.feeds if key.kind is kind]
        if not keys:
            continue
        shown = _WITH_ENTRIES.get(kind)
        if shown:
            parts = [
                _feed_html(
                    key,
                    settings.site_title,
                    index.totals.get(key, 0),
                    tuple((p.title, p.url, p.date) for p in index.feeds[key][:shown]),
                )
                for key in keys
            ]
        else:
            parts = [
                _row_html(key, settings.site_title, index.totals.get(key, 0), _newest(index, key))
                for key in keys
            ]
        groups.append(_Group(label, Markup("\n").join(parts), table=not shown))
    discovered = [
        _Discovered(
            feed_title(key, settings),
            {f.value: feed_url(settings.feeds_base, key, f) for f in FeedFormat},
        )
        for key in index.feeds
        if key.kind is not FeedKind.TAG
    ]
    page = ENVIRONMENT.get_template("index.html").render(
        settings=settings,
        site_title=settings.site_title,
        description=settings.site_description,
        formats=formats,
        groups=groups,
        autodiscovered=discovered,
    )
    return page.encode("utf-8")


def _newest(index: Index, key: FeedKey) -> dt.datetime | None:
    entries = index.feeds[key]
    return entries[0].date if entries else None


def _links(key: FeedKey) -> Markup:
    """The feed's links in every format."""
    return Markup(" · ").join(
        Markup('<a href="{}" type="{}">{}</a>').format(
            feed_href(key, fmt), FORMATS[fmt].media_type, FORMATS[fmt].label
        )
        for fmt in FeedFormat
    )


def _time(when: dt.datetime | None) -> Markup:
    if when is None:
        return Markup("—")
    return Markup('<time datetime="{}">{}</time>').format(when.isoformat(), shown_date(when))


@functools.lru_cache(maxsize=65536)
def _row_html(key: FeedKey, site_title: str, posts: int, newest: dt.datetime | None) -> Markup:
    """One table row: the feed's name (linked to its page), posts, newest date and its links in
    every format."""
    return Markup(
        '<tr><td><a href="{}">{}</a></td><td class="n">{}</td><td>{}</td><td>{}</td></tr>'
    ).format(page_href(key), key.name or site_title, posts, _time(newest), _links(key))


@functools.lru_cache(maxsize=4096)
def _feed_html(key: FeedKey, site_title: str, posts: int, entries: tuple[_Shown, ...]) -> Markup:
    """One feed with its newest entries: its name (linked to its page), posts, its links in every
    format, then each entry's title (linked to the post) and date."""
    items = Markup("\n").join(
        Markup('<li><a href="{}">{}</a> <span class="meta">{}</span></li>').format(
            url, title, _time(when)
        )
        for title, url, when in entries
    )
    return Markup(
        '<section class="feed">\n<h3><a href="{}">{}</a></h3>\n'
        '<p class="meta">{} · subscribe: {}</p>\n<ul class="newest">\n{}\n</ul>\n</section>'
    ).format(page_href(key), key.name or site_title, _posts(posts), _links(key), items)


def _posts(count: int) -> str:
    return f"{count} post" if count == 1 else f"{count} posts"
