"""Slugs are feed URLs: pinned, unique, and safe as a path segment and a file name."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedsvc.content.slugs import slugify

# These are subscribers' URLs: a change here breaks every existing subscription.
PINNED = {
    "上海证券报·中国证券网新闻": "上海证券报·中国证券网新闻",
    "shanghaizhengquanbao·zhongguozhengquanwang": "shanghaizhengquanbao·zhongguozhengquanwang",
    "REITs": "REITs",
    "300750.SZ": "300750.SZ",
    "a-b": "a-b",
    "a b": "a-b-7dbde93504",
    "A股/港股": "A股-港股-0ab86cc3a4",
    "..": "9d891e731f",
    "*ST康美": "ST康美-6348e8e8cb",
    "ETF: 资金流向": "ETF-资金流向-9ef904728c",
    "deadbeef00": "deadbeef00-07fdc53a31",
}


@pytest.mark.parametrize(("name", "slug"), PINNED.items())
def test_pinned_slugs(name: str, slug: str) -> None:
    assert slugify(name) == slug


@given(st.text(min_size=1, max_size=300))
def test_slug_is_a_safe_segment(name: str) -> None:
    slug = slugify(name)
    assert slug and slug not in {".", ".."}
    assert not slug.startswith((".", "-"))
    assert "/" not in slug and "\\" not in slug and "\x00" not in slug
    assert all(unicodedata.category(ch)[0] in "LMN" or ch in "-_.·" for ch in slug)
    assert len(slug.encode("utf-8", "surrogatepass")) + len(".atom") < 255


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_different_names_never_share_a_slug(first: str, second: str) -> None:
    if first != second:
        assert slugify(first) != slugify(second)


def test_names_differing_only_in_punctuation_or_space_differ() -> None:
    names = ["a b", "a-b", "a_b", "a/b", "a  b", "a\tb", "a--b", "A b"]
    assert len({slugify(n) for n in names}) == len(names)
