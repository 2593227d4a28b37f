"""JSON Feed 1.1 documents (https://www.jsonfeed.org/version/1.1/), laid out for splicing.

feedgen writes only Atom and RSS, and a JSON Feed is a plain JSON object, so it is written here with
the json module. The layout is fixed, like the XML documents', so that an item rendered once can be
put into every feed that holds it: the feed's own fields one per line, then `"items"` with one
item per line, each ending in `,` except the last.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

VERSION = "https://jsonfeed.org/version/1.1"

# Where items go: before this, at the end of a document whose item list is empty.
ITEMS_END = b" ]\n}\n"
# An item's bytes end with this separator; in a document the last one has no comma.
_SEPARATOR = b",\n"


def head(fields: dict[str, Any]) -> bytes:
    """The document with these feed-level fields and no items."""
    text = json.dumps({"version": VERSION, **fields}, ensure_ascii=False, indent=1)
    return (text[: -len("\n}")] + ',\n "items": [\n ]\n}\n').encode()


def item(fields: dict[str, Any]) -> bytes:
    """One item's line, as a document holds it (with its separator)."""
    return b"  " + json.dumps(fields, ensure_ascii=False).encode() + _SEPARATOR


def splice(document_head: bytes, items: Sequence[bytes]) -> bytes:
    """The document: `head` with the items put into its list (the last one's comma dropped)."""
    if not items:
        return document_head
    cut = document_head.rindex(ITEMS_END)
    joined = b"".join(items)
    return b"".join((document_head[:cut], joined[: -len(_SEPARATOR)], b"\n", document_head[cut:]))


def size(head_length: int, items_length: int, count: int) -> int:
    """The length of a document from its head's and its `count` items' lengths."""
    return head_length + items_length - (1 if count else 0)  # the last item's comma
