"""The HTML index of every feed: what `/` shows a person, with autodiscovery for browsers."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import jinja2
from markupsafe import Markup

from feedsvc.feeds import feed_title
from feedsvc.index import FeedKey, FeedKind, Index
from feedsvc.layout import FORMATS, FeedFormat, feed_href, feed_url
from feedsvc.settings import Settings

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("feedsvc", "templates"),
    autoescape=True,  # category and tag names are user content
    keep_trailing_newline=True,
)
_GROUPS = {FeedKind.SITE: "Site", FeedKind.CATEGORY: "Categories", FeedKind.TAG: "Tags"}


@dataclass(frozen=True)
class _Format:
    name: str
    media_type: str
    label: str


@dataclass(frozen=True)
class _Discovered:
    title: str
    urls: dict[str, str]  # format -> absolute URL


def render_index_page(index: Index, settings: Settings) -> bytes:
    """The index page. Autodiscovery links name the site and category feeds; the thousands of
    tag feeds are listed in the page only, to keep its head small. Rows are made once per
    (feed, posts, newest date), so a refresh that changes a few feeds redoes a few rows."""
    formats = [_Format(f.value, FORMATS[f].media_type, FORMATS[f].label) for f in FeedFormat]
    groups = []
    for kind, label in _GROUPS.items():
        rows = [
            _row_html(key, settings.site_title, index.totals.get(key, 0), _newest(index, key))
            for key in index.feeds
            if key.kind is kind
        ]
        if rows:
            groups.append({"label": label, "rows": Markup("\n").join(rows)})
    discovered = [
        _Discovered(
            feed_title(key, settings),
            {f.value: feed_url(settings.feeds_base, key, f) for f in FeedFormat},
        )
        for key in index.feeds
        if key.kind is not FeedKind.TAG
    ]
    page = _ENVIRONMENT.get_template("index.html").render(
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


@functools.lru_cache(maxsize=65536)
def _row_html(key: FeedKey, site_title: str, posts: int, newest: dt.datetime | None) -> Markup:
    """One table row: the feed's name, posts, newest date and its links in every format."""
    links = Markup(" · ").join(
        Markup('<a href="{}" type="{}">{}</a>').format(
            feed_href(key, fmt), FORMATS[fmt].media_type, FORMATS[fmt].label
        )
        for fmt in FeedFormat
    )
    when = newest.isoformat() if newest else ""
    shown = newest.strftime("%Y-%m-%d %H:%M %z") if newest else "—"
    return Markup(
        '<tr><td>{}</td><td class="n">{}</td><td><time datetime="{}">{}</time></td><td>{}</td></tr>'
    ).format(key.name or site_title, posts, when, shown, links)
