"""URL slugs for category and tag names: stable, unique, safe as a URL segment and a file name.

A slug depends on its name alone, never on which other names exist, so a feed's URL does not move
when tags come and go. A name made only of letters, marks, digits and `-_.·` (and not starting with
`.` or `-`) is its own slug, whatever its script: `上海证券报·中国证券网新闻` keeps its characters
in the URL. Any other name gets a readable part, each run of other characters turned into `-`, plus
`-` and ten hex digits of its SHA-1, so `a b` (`a-b-7dbde93504`) and `a-b` (`a-b`) never meet, and
`..` or `A股/港股` give safe segments. Subscribers' URLs depend on this: never change it.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata

_KEPT_PUNCTUATION = frozenset("-_.·")
_MAX_READABLE = (
    80  # characters; keeps `<slug>.atom` well under 255 bytes even in CJK (3 bytes each)
)
_HASH_DIGITS = 10


@functools.lru_cache(maxsize=65536)  # names repeat across posts: each is worked out once
def slugify(name: str) -> str:
    """The URL slug of a category or tag name (see the module docstring for the rule)."""
    if _is_own_slug(name):
        return name
    readable = "".join(ch if _is_kept(ch) else "-" for ch in name)
    readable = "-".join(part for part in readable.split("-") if part)[:_MAX_READABLE]
    readable = readable.lstrip(".-_").rstrip(".-")
    digest = hashlib.sha1(name.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()[
        :_HASH_DIGITS
    ]
    return f"{readable}-{digest}" if readable else digest


def _is_own_slug(name: str) -> bool:
    return (
        0 < len(name) <= _MAX_READABLE
        and name[0] not in ".-"
        and name[-1] != "."
        and unicodedata.is_normalized("NFC", name)
        and all(_is_kept(ch) for ch in name)
        and "--" not in name
        and not _looks_hashed(name)
    )


def _looks_hashed(name: str) -> bool:
    """A name shaped like a hashed slug must be hashed itself, or it could take another's URL."""
    tail = name.rpartition("-")[2] if "-" in name else name
    return len(tail) == _HASH_DIGITS and all(ch in "0123456789abcdef" for ch in tail)


def _is_kept(ch: str) -> bool:
    return ch in _KEPT_PUNCTUATION or unicodedata.category(ch)[0] in "LMN"
