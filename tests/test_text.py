"""Summaries are cut at character boundaries; XML-forbidden characters never reach a feed."""

from __future__ import annotations

import pytest

from feedsvc.content.text import cut, xml_safe


def test_cjk_is_cut_between_any_two_characters() -> None:
    text = "上海证券报近日获悉，为了贯彻落实上海市5月29日最新发布的行动方案"
    assert cut(text, 10) == "上海证券报近日获悉…"
    assert len(cut(text, 10)) == 10


def test_latin_is_cut_at_a_space() -> None:
    assert cut("The quick brown fox jumps over the lazy dog", 20) == "The quick brown fox…"


@pytest.mark.parametrize(
    "text",
    [
        "e\u0301" * 20,  # e + combining acute accent
        "👨\u200d👩\u200d👧" * 10,  # family emoji: joined by ZWJ
        "👍🏽" * 20,  # thumbs up + skin tone
        "नमस्ते दुनिया नमस्ते",  # Devanagari vowel signs
    ],
)
def test_cut_never_splits_a_combined_character(text: str) -> None:
    for limit in range(2, len(text)):
        kept = cut(text, limit).removesuffix("…")
        assert len(cut(text, limit)) <= limit
        rest = text[len(kept) :]
        assert text.startswith(kept)
        assert not rest or rest[0] not in "\u0301\u200d\U0001f3fd\u094d\u0947\u0947"


def test_short_text_is_untouched() -> None:
    assert cut("短", 10) == "短"


def test_xml_safe_removes_only_forbidden_characters() -> None:
    assert xml_safe("a\x00b\x0bc\x1fd\ufffee\tf\ng\rh😀") == "abcde\tf\ng\rh😀"


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("a\x7fb", "ab"),  # DEL
        ("a\x80b\x85c\x9fd", "abcd"),  # C1 controls, NEL among them
        ("~\xa0é", "~\xa0é"),  # the characters on either side stay
    ],
)
def test_xml_safe_removes_del_and_c1_controls(text: str, safe: str) -> None:
    """XML 1.0 allows U+007F-U+009F but discourages them, and feed validators flag them."""
    assert xml_safe(text) == safe
