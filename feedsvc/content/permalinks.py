"""Post URLs from Jekyll-style permalink patterns, as absolute, ASCII-only URLs."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from feedsvc.content.slugs import slugify
from feedsvc.site_config import PERMALINK_STYLES

_PLACEHOLDER = re.compile(r":([a-z_]+)")
_SAFE_IN_PATH = "/:@!$&'()*+,;=-._~%"


@dataclass(frozen=True)
class PermalinkParts:
    """What a permalink pattern can refer to."""

    date: dt.datetime  # in the site's time zone, as Jekyll uses it
    title: str  # the file name without its date prefix and extension, or the post's `slug`
    categories: Sequence[str]
    slug: str | None = None  # `:slug` when it is not `title` lower-cased (Jekyll's slugify)


_FIELDS: dict[str, Callable[[PermalinkParts], str]] = {
    "year": lambda p: f"{p.date:%Y}",
    "short_year": lambda p: f"{p.date:%y}",
    "month": lambda p: f"{p.date:%m}",
    "i_month": lambda p: str(p.date.month),
    "short_month": lambda p: f"{p.date:%b}",
    "long_month": lambda p: f"{p.date:%B}",
    "day": lambda p: f"{p.date:%d}",
    "i_day": lambda p: str(p.date.day),
    "y_day": lambda p: f"{p.date:%j}",
    "week": lambda p: f"{p.date.isocalendar().week:02d}",
    "short_day": lambda p: f"{p.date:%a}",
    "long_day": lambda p: f"{p.date:%A}",
    "hour": lambda p: f"{p.date:%H}",
    "minute": lambda p: f"{p.date:%M}",
    "second": lambda p: f"{p.date:%S}",
    "title": lambda p: _segment(p.title),
    "slug": lambda p: _segment(p.title.lower() if p.slug is None else p.slug),
    "categories": lambda p: "/".join(
        _segment(name) for name in dict.fromkeys(c.lower() for c in p.categories)
    ),
    "output_ext": lambda p: ".html",
}


def expand(pattern: str, parts: PermalinkParts) -> str:
    """The site-relative path a pattern gives for one post (unknown placeholders stay as text)."""
    pattern = PERMALINK_STYLES.get(pattern, pattern)
    path = _PLACEHOLDER.sub(
        lambda m: _FIELDS[m.group(1)](parts) if m.group(1) in _FIELDS else m.group(0), pattern
    )
    return re.sub(r"/{2,}", "/", path)


def is_absolute(url: str) -> bool:
    """Whether a URL names its scheme and host (`https://…`)."""
    return re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url) is not None


def has_scheme(text: str) -> bool:
    """Whether text is a URI of its own (`https://…`, `tag:…`, `urn:…`), not a relative path."""
    return re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^/\\]", text) is not None or is_absolute(text)


def absolute(site_url: str, path: str) -> str:
    """Join a site-relative path (or keep a full URL) and percent-encode what a URI may not hold."""
    if is_absolute(path):
        return quote(path, safe=_SAFE_IN_PATH + "?#[]")
    return site_url + quote(path.lstrip("/"), safe=_SAFE_IN_PATH + "?#")


def _segment(text: str) -> str:
    """One path segment, encoded. A name made only of dots (`.`, `..`) would climb out of the site,
    encoded or not (browsers read `/a/%2E%2E/b` as `/b`): it gets the hashed slug its category
    feed has (see slugs.py), so no dot-only segment ever reaches a URL."""
    if text and text.strip(".") == "":
        return slugify(text)
    return quote(text, safe="-._~")
