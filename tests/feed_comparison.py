"""What the oracle tests of real sites share, whichever tool's feeds they hold feedsvc's to:
pairing two lists of entries, showing a difference readably, and seeing entries as a feed reader
tells them apart (tests/test_jekyll_sites.py, tests/test_hugo_sites.py)."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence
from typing import TypeVar

import feedparser

T = TypeVar("T")


def pair_entries(
    theirs: list[T], ours: list[T], keys: Sequence[str]
) -> tuple[list[tuple[T, T]], list[T], list[T]]:
    """Entries paired by the first of `keys` (their id), then by each next one for those still
    alone; then the entries of each side left over. Pairs keep the order of `theirs`."""
    left = list(ours)
    pairs: list[tuple[T, T]] = []
    missing = list(theirs)
    for key in keys:
        unpaired = []
        for entry in missing:
            match = next((o for o in left if getattr(o, key) == getattr(entry, key)), None)
            if match is None:
                unpaired.append(entry)
            else:
                pairs.append((entry, match))
                left.remove(match)
        missing = unpaired
    pairs.sort(key=lambda pair: theirs.index(pair[0]))
    return pairs, missing, left


def difference(name: str, theirs: object, ours: object, tool: str, diffed: Collection[str]) -> str:
    """The two values, readably: a line diff for the fields named in `diffed` (bodies), both
    values otherwise (dates as ISO 8601: they compare as instants, as a reader sorts them)."""
    if name in diffed:
        assert isinstance(theirs, str) and isinstance(ours, str)
        lines = difflib.unified_diff(
            theirs.splitlines(), ours.splitlines(), tool, "feedsvc", lineterm=""
        )
        return " (normalised):\n      " + "\n      ".join(lines)
    shown = [v.isoformat() if hasattr(v, "isoformat") else repr(v) for v in (theirs, ours)]
    width = max(len(tool), len("feedsvc")) + 1
    return f":\n      {tool + ':':<{width}} {shown[0]}\n      {'feedsvc:':<{width}} {shown[1]}"


def reader_id(entry: feedparser.FeedParserDict) -> str:
    """What a feed reader tells entries apart by: the id (RSS guid), else the link."""
    return str(entry.get("id") or entry.get("link"))


def new_entries(
    entries: Sequence[feedparser.FeedParserDict], seen: set[str]
) -> list[tuple[str, str]]:
    """(title, link) of each entry the reader has not seen, by its id."""
    return [(e.get("title", ""), e.get("link", "")) for e in entries if reader_id(e) not in seen]


def assert_only_new(
    entries: Sequence[feedparser.FeedParserDict], seen: set[str], new_post: tuple[str, str]
) -> None:
    """A reader that has seen `seen` finds `new_post` new once, and nothing it already had."""
    new = new_entries(entries, seen)
    assert new.count(new_post) == 1, (
        f"the new post {new_post} is not once among the entries the reader sees as new: {new}"
    )
    repeats = [entry for entry in new if entry != new_post]
    assert not repeats, (
        f"{len(repeats)} posts the reader already had come back as new (another id): {repeats}"
    )
