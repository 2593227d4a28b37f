"""The HTML index of every feed: what `/` shows a person, with autodiscovery for browsers."""

from __future__ import annotations

from dataclasses import dataclass

import jinja2

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
class _Row:
    name: str
    title: str
    posts: int
    newest_iso: str
    newest_text: str
    paths: dict[str, str]  # relative, so the page works wherever it is served
    urls: dict[str, str]  # absolute, for autodiscovery


def render_index_page(index: Index, settings: Settings) -> bytes:
    """The index page. Autodiscovery links name the site and category feeds; the thousands of
    tag feeds are listed in the page only, to keep its head small."""
    formats = [_Format(f.value, FORMATS[f].media_type, FORMATS[f].label) for f in FeedFormat]
    rows = {key: _row(key, index, settings) for key in index.feeds}
    groups = [
        {"label": label, "feeds": [row for key, row in rows.items() if key.kind is kind]}
        for kind, label in _GROUPS.items()
    ]
    page = _ENVIRONMENT.get_template("index.html").render(
        settings=settings,
        site_title=settings.site_title,
        description=settings.site_description,
        formats=formats,
        groups=[group for group in groups if group["feeds"]],
        autodiscovered=[row for key, row in rows.items() if key.kind is not FeedKind.TAG],
    )
    return page.encode("utf-8")


def _row(key: FeedKey, index: Index, settings: Settings) -> _Row:
    newest = index.feeds[key][0].date if index.feeds[key] else None
    return _Row(
        name=key.name or settings.site_title,
        title=feed_title(key, settings),
        posts=index.totals.get(key, 0),
        newest_iso=newest.isoformat() if newest else "",
        newest_text=newest.strftime("%Y-%m-%d %H:%M %z") if newest else "—",
        paths={f.value: feed_href(key, f) for f in FeedFormat},
        urls={f.value: feed_url(settings.feeds_base, key, f) for f in FeedFormat},
    )
