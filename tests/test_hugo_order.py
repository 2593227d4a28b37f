"""A Hugo site's posts of the same date in Hugo's order (content/hugo/order.py): weight, link
title in Go's collation, file path, checked against the real `hugo` on a site written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedsvc.content.hugo.order import go_int
from feedsvc.pipeline.build import build
from feedsvc.settings import load_settings

from .conftest import NOW
from .hugo_oracle import build_with_hugo, rss_items

# Titles whose order needs more than code points: case, accents, ligatures, spaces and
# punctuation (which Go's collation weighs, before digits and letters), numbers as text, Greek
# and Chinese, and none at all.
TITLES = [
    "apple", "Apple", "APPLE", "ápple", "banana", "Éclair", "eclair", "ecl", "zebra", "Zebra",
    "10 things", "2 things", "123", "_under", "-dash", "a b", "ab", "a-b", "a.b", "a!", "œuvre",
    "oe", "Ö", "o", "ß", "ss", "st", "straße", "strasse", "α", "ä", "Ä", "à", "#hash", "(paren",
    '"quoted"', "'single", "中文", "日本", "一", "",
]  # fmt: skip


def _page(title: str, extra: str = "") -> str:
    return f"---\ntitle: {json.dumps(title)}\ndate: 2023-01-05\n{extra}---\nText.\n"


def test_posts_of_one_date_come_in_hugos_order(tmp_path: Path) -> None:
    """Every post of the site has the same date (no later one: Hugo would list the weighted
    posts before it, where feedsvc's feeds stay newest first, see docs/hugo.md)."""
    site = tmp_path / "site"
    posts = site / "content" / "posts"
    posts.mkdir(parents=True)
    (site / "hugo.toml").write_text('baseURL = "https://order.example.org/"\ntitle = "Order"\n')
    for number, title in enumerate(TITLES):
        (posts / f"p{number:02d}.md").write_text(_page(title), encoding="utf-8")
    for name in ("zz", "aa", "mm"):  # one title: by file path
        (posts / f"{name}.md").write_text(_page("same"))
    for name, weight in (("w1", "3"), ("w2", "-1"), ("w3", "'0x1'"), ("w4", "0")):
        (posts / f"{name}.md").write_text(_page(f"weighted {name}", f"weight: {weight}\n"))
    (posts / "linked.md").write_text(_page("aaa first by title", "linkTitle: zzz\n"))

    hugo = build_with_hugo(site, tmp_path / "hugo", NOW) / "index.xml"
    ours = tmp_path / "feedsvc"
    build(load_settings(env={}, overrides={"content_dir": site}), ours, NOW)

    expected = [item.guid for item in rss_items(hugo.read_bytes())]
    assert len(expected) == len(TITLES) + 8
    assert [item.guid for item in rss_items((ours / "index.xml").read_bytes())] == expected


@pytest.mark.parametrize(
    ("value", "number"),
    [(3, 3), (-2, -2), (2.9, 2), (-2.9, -2), (True, 1), (None, 0), ("7", 7), ("0x1f", 31),
     ("010", 8), ("4.0", 4), ("4.5", 0), ("4.", 0), (" 4", 0), ("four", 0), ([1], 0),
     (float("nan"), 0)],
)  # fmt: skip
def test_weight_is_read_as_go_casts_it(value: object, number: int) -> None:
    assert go_int(value) == number
