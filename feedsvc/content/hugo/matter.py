"""How Hugo reads a page's front-matter values: text and truth as Go's cast gives them, drafts
and build options, each date by the site's `frontmatter` configuration, and the title `hugo new`
writes."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import os
import re
from collections.abc import Mapping
from typing import Any

from feedsvc.content.dates import parse_hugo_date
from feedsvc.content.hugo.urls import ZERO_DATE
from feedsvc.content.text import xml_safe

# Front-matter keys of each date, in Hugo's default order, and the aliases each key brings.
_DEFAULT_DATE_KEYS = {
    "date": ("date", "publishdate", "lastmod"),
    "lastmod": (":git", "lastmod", "date", "publishdate"),
    "publishdate": ("publishdate", "date"),
    "expirydate": ("expirydate",),
}
_DATE_ALIASES = {
    "lastmod": ("modified",),
    "publishdate": ("pubdate", "published"),
    "expirydate": ("unpublishdate",),
}
_FILE_NAME_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")


def date_keys(written: Any) -> dict[str, tuple[str, ...]]:
    """Hugo's `frontmatter` configuration: each date's keys, `:default` expanded and each key's
    aliases after it (`publishDate` brings `pubdate` and `published`)."""
    written = written if isinstance(written, dict) else {}
    keys: dict[str, tuple[str, ...]] = {}
    for name, default in _DEFAULT_DATE_KEYS.items():
        given = written.get(name)
        given = [given] if isinstance(given, str) else given
        chosen = [str(k).lower() for k in given] if isinstance(given, list) else list(default)
        expanded: list[str] = []
        for key in chosen:
            for each in default if key == ":default" else (key,):
                expanded += [each, *_DATE_ALIASES.get(each, ())]
        keys[name] = tuple(dict.fromkeys(expanded))
    return keys


class Dates:
    """A page's dates as Hugo's front-matter handler finds them: for each, the first of its
    keys whose value is a date; `:filename` (a `2023-01-02-` name, which also gives the slug)
    and `:filemodtime` where the site names them; `:git` is not read."""

    def __init__(
        self,
        meta: Mapping[str, Any],
        keys: Mapping[str, tuple[str, ...]],
        base_name: str,
        info: os.stat_result,
        zone: dt.tzinfo,
    ) -> None:
        self.file_name_slug = ""
        self._meta, self._base, self._info, self._zone = meta, base_name, info, zone
        self.date = self._first(keys["date"]) or ZERO_DATE
        self.lastmod = self._first(keys["lastmod"])
        self.publish_date = self._first(keys["publishdate"])
        self.expiry_date = self._first(keys["expirydate"])

    def _first(self, keys: tuple[str, ...]) -> dt.datetime | None:
        for key in keys:
            if key == ":filename":
                match = _FILE_NAME_DATE.match(self._base)
                found = parse_hugo_date(match.group(1), self._zone) if match else None
                if found is not None:
                    self.file_name_slug = self._base[10:].strip(" -_")
            elif key == ":filemodtime":
                found = dt.datetime.fromtimestamp(self._info.st_mtime, self._zone)
            elif key.startswith(":") or key not in self._meta:
                continue
            else:
                found = parse_hugo_date(self._meta[key], self._zone)
            if found is not None:
                return found
        return None


def is_listed(build: Any) -> bool:
    """Whether `_build` lets the page be listed (and so be in feeds): not `list: never` or
    `local`, nor `render: never`."""
    if not isinstance(build, dict):
        return True
    build = {str(key).lower(): value for key, value in build.items()}
    listing, render = build.get("list", "always"), build.get("render", "always")
    return listing not in (False, "never", "local") and render not in (False, "never")


def is_draft(meta: Mapping[str, Any]) -> bool:
    """`draft` (Go's truth: true, "true", "1", 1...), else not `published` when that is a
    truth value (it may be a date instead)."""
    if "draft" in meta:
        return truth(meta["draft"])
    published = _go_bool(meta.get("published"))
    return published is False


def truth(value: Any) -> bool:
    """Whether a value is true as Go's cast reads it (anything unreadable is false)."""
    return _go_bool(value) is True


def _go_bool(value: Any) -> bool | None:
    """A value as Go's cast.ToBoolE reads it, None where it cannot."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return _GO_TRUTH.get(value)
    return None


def go_text(value: Any) -> str:
    """A front-matter value as Hugo's cast.ToString gives it: text, a number as Go prints it,
    true or false; "" for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):  # strconv.FormatFloat(f, 'f', -1, 64): 2.5, 1000000
        if not math.isfinite(value):
            return str(value)
        text = format(decimal.Decimal(repr(value)), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, str):
        return value
    return ""


_GO_TRUTH = {word: True for word in ("1", "t", "T", "TRUE", "true", "True")} | {
    word: False for word in ("0", "f", "F", "FALSE", "false", "False")
}  # strconv.ParseBool's words
_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "en",
        "for",
        "if",
        "in",
        "nor",
        "of",
        "on",
        "or",
        "per",
        "the",
        "to",
        "v",
        "v.",
        "via",
        "vs",
        "vs.",
        "up",
        "yet",
    ]
)


def archetype_title(base_name: str) -> str:
    """The title `hugo new` writes for a page named so (its archetype's `replace
    .File.ContentBaseName "-" " " | title`, in Hugo's AP style: small words lower-cased but
    first and last): for a page that has none."""
    words = [word for word in base_name.replace("-", " ").split(" ") if word]
    out = []
    for index, word in enumerate(words):
        small = word.lower() in _SMALL_WORDS and 0 < index < len(words) - 1
        out.append(word.lower() if small else word[:1].upper() + word[1:])
    return xml_safe(" ".join(out)) or xml_safe(base_name)
