"""A page's place among pages of the same date, as Hugo 0.111 lists them: its default page sort
(resources/page/pages_sort.go: DefaultPageSort) orders pages by weight, then date, newest first,
then link title in the Unicode Collation Algorithm's order, then file path.

feeds list posts newest first and, of two of the same second, the one with the greater
`Post.order_key` first (model/index.py: `order_of`): a Hugo page's key is Hugo's tiebreak turned
round, so that the greater key is the page Hugo lists first. Weight is one of those tiebreaks
only: Hugo lists weighted pages before every other, whatever their date, where feedsvc's feeds
stay newest first (docs/hugo.md).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pyuca

from feedsvc.content.hugo.matter import go_text

_TOP = 0x10FFFF  # the highest code point: ends each part of a key, above every turned unit
_INT64 = 2**63
_GO_OCTAL = re.compile(r"[+-]?0[0-7_]+")


def order_key(meta: Mapping[str, Any], title: str, source: str) -> str:
    """The key of a page whose front matter (keys lower-cased) is `meta`, titled `title` (as
    written; "" when untitled) and read from `source` (its path below the site's root)."""
    weight = max(-_INT64, min(go_int(meta.get("weight")), _INT64 - 1))
    link_title = go_text(meta.get("linktitle")) or title
    shifted = weight + _INT64
    # A weight other than 0 comes first, lightest first; then Hugo's collator on the link
    # title; then the file's path (Hugo compares whole file names: the same root before these).
    weight_units = (0 if weight else 1, *((shifted >> shift) & 0xFFFF for shift in (48, 32, 16, 0)))
    return (
        _descending(weight_units)
        + _descending(_collation_key(link_title))
        + _descending(map(ord, source))
    )


def _descending(units: Iterable[int]) -> str:
    """Units (each from 0 to 0x10FFFF) as text that sorts the other way round: a unit turned to
    the code point as far below the top, then the top itself, above any turned unit, so that a
    part sorts after every longer part it starts (Hugo's "ab" before "abc")."""
    return "".join(chr(_TOP - 1 - min(unit, _TOP - 1)) for unit in units) + chr(_TOP)


@functools.cache
def _collator() -> pyuca.Collator:
    """The Unicode Collation Algorithm's default order (DUCET), which Go's collate package
    gives Hugo for English (and, as Hugo 0.111 was seen to sort them, for a site whose
    language is Chinese): loaded once, for Hugo sites only."""
    return pyuca.Collator()


def _collation_key(text: str) -> tuple[int, ...]:
    key: tuple[int, ...] = _collator().sort_key(text)
    return key


def go_int(value: Any) -> int:
    """A front-matter value as Hugo's cast.ToInt gives it: a whole number, a float cut toward
    zero, a text Go's ParseInt reads (0x1F, 010 in octal, 1.0), true as 1; 0 for anything else."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value == value and abs(value) != float("inf") else 0
    if not isinstance(value, str) or value != value.strip():
        return 0
    text = re.sub(r"\.0+$", "", value)  # Go's trimZeroDecimal: 4.0 is 4, 4. and 4.5 are not
    try:
        if _GO_OCTAL.fullmatch(text):
            return int(text.replace("_", ""), 8)
        return int(text, 0)
    except ValueError:
        return 0
