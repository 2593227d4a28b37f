"""URLs as Hugo 0.111 makes them: paths sanitised (Unicode letters kept, spaces to `-`, other
punctuation dropped, lower-cased), a page's link from its folder and file name or slug, its
section's `permalinks` pattern or its own `url`, and the paths of section and term pages.

Learned from Hugo's helpers (UnicodeSanitize, MakePathSanitized, URLize), resources/page
(CreateTargetPaths, PermalinkExpander) and checked against the real `hugo`.
"""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, unquote_plus

_HEX = frozenset("0123456789abcdefABCDEF")
_KEPT = frozenset("./\\_#+~-@")  # UnicodeSanitize keeps these besides letters, digits, marks
# Go's url.URL.String keeps these in a path (url.shouldEscape, encodePath); `#` starts a
# fragment there, where `!()*` are kept too.
_GO_PATH_SAFE = "-_.~$&+,/:;=@"
_GO_FRAGMENT_SAFE = _GO_PATH_SAFE + "!()*?"
# Characters a path written with %-escapes may hold and be kept as written (url.validEncoded).
_GO_VALID_ENCODED = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!$&'()*+,;=:@[]%/"
)


@dataclass(frozen=True)
class PathRules:
    """The site's settings for how paths are made."""

    lower: bool = True  # not disablePathToLower
    remove_accents: bool = False  # removePathAccents
    ugly: bool = False  # uglyURLs: /posts/a.html rather than /posts/a/


@functools.lru_cache(maxsize=65536)  # terms and folders repeat from page to page
def sanitize(text: str, rules: PathRules = PathRules()) -> str:
    """Hugo's MakePathSanitized: letters, digits and marks of any script kept, and `. / \\ _ #
    + ~ - @` and valid %-escapes; each run of white space between kept characters one `-`;
    anything else dropped; lower-cased unless the site says not to."""
    if rules.remove_accents:
        text = "".join(
            ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn"
        )
        text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    pending_hyphen = was_hyphen = False
    for i, ch in enumerate(text):
        kept = ch in _KEPT or unicodedata.category(ch)[0] in "LM" or _is_digit(ch)
        kept = kept or (ch == "%" and text[i + 1 : i + 2] in _HEX and text[i + 2 : i + 3] in _HEX)
        if kept:
            was_hyphen = ch == "-"
            if pending_hyphen:
                if not was_hyphen:
                    out.append("-")
                pending_hyphen = False
            out.append(ch)
        elif out and not was_hyphen and ch.isspace():
            pending_hyphen = True
    result = "".join(out)
    return result.lower() if rules.lower else result


def _is_digit(ch: str) -> bool:
    return unicodedata.category(ch) == "Nd"  # Go's unicode.IsDigit


def urlize(text: str, rules: PathRules = PathRules()) -> str:
    """Hugo's URLize: sanitised, then escaped as a URL path."""
    return escape(sanitize(text, rules))


def escape(path: str) -> str:
    """A path as Go's url.Parse(path).String() gives it: UTF-8 bytes and most punctuation
    %-escaped, `#` starting a fragment, and a path already %-escaped kept as written."""
    path, hash_sign, fragment = path.partition("#")
    if "%" in path and set(path) <= _GO_VALID_ENCODED:
        escaped = path
    else:
        escaped = quote(unquote(path) if "%" in path else path, _GO_PATH_SAFE)
    if hash_sign:
        escaped += "#" + quote(fragment, _GO_FRAGMENT_SAFE)
    return escaped


@dataclass(frozen=True)
class PageFacts:
    """What a page's link is made of."""

    folder: str  # below the content folder, with `/`, no slashes at its ends ("" at the top)
    base_name: str  # the file's name without its extension; a leaf bundle's folder name
    slug: str  # its `slug`, "" without one
    url: str  # its `url`, "" without one
    title: str  # its `title` as written, "" without one
    date: dt.datetime  # its date, in the zone it was written in (Hugo's zero date without one)
    section: str  # the top folder, "" for a page at the top
    sections: str  # its nearest section's path (a folder with an _index file, or the top one)


_ATTRIBUTE = re.compile(r":\w+(?:\[.+?\])?")
_DATE_PARTS: dict[str, Callable[[dt.datetime], str]] = {
    "year": lambda d: str(d.year),
    "month": lambda d: f"{d.month:02d}",
    "monthname": lambda d: d.strftime("%B"),
    "day": lambda d: f"{d.day:02d}",
    "weekday": lambda d: str((d.weekday() + 1) % 7),
    "weekdayname": lambda d: d.strftime("%A"),
    "yearday": lambda d: str(d.timetuple().tm_yday),
}
# Go layouts a permalink may name (`:2006`, `:01`): the ones sites use.
_GO_LAYOUTS: dict[str, Callable[[dt.datetime], str]] = {
    "2006": lambda d: f"{d.year:04d}",
    "06": lambda d: f"{d.year % 100:02d}",
    "01": lambda d: f"{d.month:02d}",
    "1": lambda d: str(d.month),
    "Jan": lambda d: d.strftime("%b"),
    "January": lambda d: d.strftime("%B"),
    "02": lambda d: f"{d.day:02d}",
    "2": lambda d: str(d.day),
    "Mon": lambda d: d.strftime("%a"),
    "Monday": lambda d: d.strftime("%A"),
    "15": lambda d: f"{d.hour:02d}",
    "04": lambda d: f"{d.minute:02d}",
    "05": lambda d: f"{d.second:02d}",
}


def expand_permalink(pattern: str, page: PageFacts, rules: PathRules) -> str:
    """A section's `permalinks` pattern filled in for one page, as Hugo expands it (then reads
    it back with url.QueryUnescape, which turns `+` into a space). Raises ValueError for an
    attribute Hugo does not know: Hugo refuses such a site."""

    def value(match: re.Match[str]) -> str:
        name = match.group(0)[1:]
        if name in _DATE_PARTS:
            return _DATE_PARTS[name](page.date)
        if name == "section":
            return page.section
        if name == "sections":
            return page.sections
        if name.startswith("sections["):
            return "/".join(_cut(page.sections.split("/") if page.sections else [], name[8:]))
        if name == "title":
            return urlize(page.title, rules)
        if name == "slug":
            return urlize(page.slug or page.title, rules)
        if name == "slugorfilename":
            return urlize(page.slug or page.base_name, rules)
        if name == "filename":
            return urlize(page.base_name, rules)
        if name in _GO_LAYOUTS:
            return _GO_LAYOUTS[name](page.date)
        raise ValueError(f"permalink {pattern!r}: :{name} is not an attribute Hugo knows")

    expanded = _ATTRIBUTE.sub(value, pattern)
    try:
        return unquote_plus(expanded, errors="strict")
    except UnicodeDecodeError:
        return ""  # Go's QueryUnescape fails, and Hugo goes on with an empty path


def _cut(parts: list[str], spec: str) -> list[str]:
    """`sections[1:]`, `sections[last]`, `sections[0]`: Hugo's slice of the sections path."""
    spec = spec.strip().lower()
    if len(spec) < 3 or spec[0] != "[" or spec[-1] != "]" or not parts:
        return []

    def index(text: str, low: bool) -> int:
        if text == "":
            return 0 if low else len(parts)
        if text == "last":
            return len(parts) - 1
        number = int(text) if text.isdigit() else 0
        return min(number, len(parts))

    inner = spec[1:-1]
    if ":" not in inner:
        at = index(inner, True)
        return [parts[at]] if at < len(parts) and parts[at] else []
    low, _, high = inner.partition(":")
    return parts[index(low, True) : index(high, False)]


def page_link(page: PageFacts, pattern: str | None, rules: PathRules) -> str:
    """A regular page's link below the site's URL, escaped, from `/`: its `url` as written
    (only escaped), else its section's pattern or its folder and slug (or name), sanitised;
    `/posts/a/`, or `/posts/a.html` with uglyURLs."""
    if page.url:  # cleaned as path.Join cleans it; a folder's unless it names a file
        link = posixpath.normpath("/" + page.url)
        if "." not in page.url or page.url.endswith("/"):
            link = link.rstrip("/") + "/"
        return escape(link)
    if pattern is not None:
        path = expand_permalink(pattern, page, rules)
    else:
        path = "/".join(part for part in (page.folder, page.slug or page.base_name) if part)
    path = _squeeze("/" + path.strip("/"))
    link = path + ".html" if rules.ugly and path != "/" else path.rstrip("/") + "/"
    return escape(sanitize(link, rules))


def list_path(path: str, rules: PathRules) -> str:
    """A section's or term's folder in the published site (unescaped, no slashes at its ends):
    what its feed's path is made of."""
    return sanitize(_squeeze(path).strip("/"), rules)


def term_path(plural: str, key: str, patterns: Mapping[str, str], rules: PathRules) -> str:
    """The folder of a taxonomy term's page: `tags/go`, or the taxonomy's own `permalinks`
    pattern (`/topic/:slug/`) filled with the term's title (its key, hyphens as spaces)."""
    pattern = patterns.get(plural)
    if pattern is None:
        return list_path(f"{plural}/{key}", rules)
    title = key.replace("-", " ")
    facts = PageFacts(plural, key, "", "", title, ZERO_DATE, plural, plural)
    return list_path(expand_permalink(pattern, facts, rules), rules)


def _squeeze(path: str) -> str:
    return re.sub(r"/{2,}", "/", path)


ZERO_DATE = dt.datetime(1, 1, 1, tzinfo=dt.UTC)  # Hugo's date for a page that has none
