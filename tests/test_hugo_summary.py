"""A Hugo post's content and summary (content/hugo/summary.py): every stored page's `.Content`
and `.Summary` compared byte for byte with what Hugo 0.111.3 wrote (tests/hugo_pages.py), and
Hugo's truncation rules on their own."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedsvc.content.hugo.go_html import strip_html
from feedsvc.content.hugo.shortcodes import ShortcodePage
from feedsvc.content.hugo.summary import (
    is_cjk_language,
    render_hugo_body,
    truncate_by_rune,
    truncate_to_sentence,
)
from feedsvc.content.site_bodies import SiteBodies
from feedsvc.content.text import xml_safe
from feedsvc.pipeline.build import read_posts
from feedsvc.settings import load_settings

from .hugo_pages import Case, cases, feedsvc_body

ALL_CASES = cases()


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: f"{c.site.name}/{c.name}")
def test_content_and_summary_are_hugos(case: Case) -> None:
    body = feedsvc_body(case)
    assert (body.content, body.summary) == (case.html, case.summary)


def test_a_control_character_counts_in_a_summary_then_leaves(tmp_path: Path) -> None:
    """A backspace in a Chinese post (a real blog had one) is a character of its summary to
    Hugo: feedsvc counts it too, and takes it out of what it publishes only then (it took it out
    before counting, and the summary came out one character longer than Hugo's)."""
    (case,) = (case for case in ALL_CASES if case.name == "backspace")
    assert "\b" in case.summary
    site = tmp_path / "site"
    (site / "content" / "posts").mkdir(parents=True)
    (site / "hugo.toml").write_bytes((case.site / "hugo.toml").read_bytes())
    (site / "content" / "posts" / "backspace.md").write_text(case.source, encoding="utf-8")
    settings = load_settings(env={}, overrides={"content_dir": site})
    (post,) = read_posts(settings).posts
    ((body, _),) = SiteBodies(settings).render([post])
    assert (body.html, body.summary) == (xml_safe(case.html), xml_safe(case.summary))


def test_there_are_cases_for_each_kind_of_summary() -> None:
    names = {case.name for case in ALL_CASES if case.site.name.startswith("summaries")}
    assert {"divider", "divider_inline", "front_matter", "auto_long", "chinese"} <= names


@pytest.mark.parametrize(
    ("text", "truncated"),
    [
        ("Summary.\n\n<!--more-->\n\nRest.\n", True),
        ("Summary.\n\n<!--more-->\n\n  \n", False),  # only white space after it
        ("Long text. " * 50, True),
        ("Short text.", False),
    ],
)
def test_truncated_says_whether_the_summary_is_all_of_the_post(text: str, truncated: bool) -> None:
    page = ShortcodePage(source="posts/x.md", markdown=lambda text: f"<p>{text.strip()}</p>\n")
    assert render_hugo_body(text, page).truncated is truncated


def test_a_written_summary_wins_over_the_first_words() -> None:
    page = ShortcodePage(
        source="posts/x.md",
        params={"Summary": "Written *here*"},
        markdown=lambda text: "<p>" + text.replace("*here*", "<em>here</em>") + "</p>\n",
    )
    body = render_hugo_body("The body.", page)
    assert (body.summary, body.truncated) == ("Written <em>here</em>", False)


@pytest.mark.parametrize(
    ("plain", "length", "expected"),
    [
        ("one two three. four five.", 2, ("one two three.", True)),
        ("one  two three. four", 2, ("one  two three.", True)),  # each white space counts
        ("no end in sight here", 2, ("no end in sight here", False)),
        ("Ends here? Then more", 1, ("Ends here?", True)),
        ('A "quote ends it', 1, ('A "', True)),
        ("line\nbreak ends it", 1, ("line", True)),
        ("oneword", 70, ("oneword", False)),
        ("short. text", 70, ("short. text", False)),  # looks on from its last white space
    ],
)
def test_truncate_to_sentence_as_hugo(plain: str, length: int, expected: tuple[str, bool]) -> None:
    assert truncate_to_sentence(plain, length) == expected


@pytest.mark.parametrize(
    ("words", "length", "expected"),
    [
        (["Hugo", "的摘要", "counts"], 3, ("Hugo 的摘", True)),
        (["a", "b", "c"], 2, ("a b", True)),
        (["中文"], 5, ("中文", False)),
        ([], 5, ("", False)),
    ],
)
def test_truncate_by_rune_as_hugo(
    words: list[str], length: int, expected: tuple[str, bool]
) -> None:
    assert truncate_by_rune(words, length) == expected


@pytest.mark.parametrize(
    ("params", "site", "source", "expected"),
    [
        ({"isCJKLanguage": True}, False, "English", True),
        ({"iscjklanguage": False}, True, "中文", False),
        ({}, True, "中文 text", True),
        ({}, True, "ひらがな", True),
        ({}, True, "한국어", True),
        ({}, True, "English only", False),
        ({}, False, "中文", False),
    ],
)
def test_is_cjk_language(
    params: dict[str, object], site: bool, source: str, expected: bool
) -> None:
    assert is_cjk_language(params, site, source) is expected


@pytest.mark.parametrize(
    ("html", "plain"),
    [
        ("<p>a</p>\n<p>b</p>", "a\nb\n"),  # a run of white space keeps its first
        ("x<br>y<br />z", "x\ny\nz"),
        ('<a title="1>2">t</a> <!-- c --> &amp;', "t &amp;"),
        ("<script>alert(1)</script><style>p{}</style>kept", "kept"),
        ("no tags &ldquo;", "no tags &ldquo;"),
    ],
)
def test_strip_html_as_hugo(html: str, plain: str) -> None:
    assert strip_html(html) == plain
