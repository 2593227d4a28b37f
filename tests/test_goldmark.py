"""Markdown as Hugo 0.111 renders it (content/markup/goldmark.py and its parts): each stored case
is a page and the HTML Hugo 0.111.3 wrote for it (tests/hugo_pages.py), compared byte for byte."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc.content.markup.chroma import (
    HighlightOptions,
    highlight_options,
    is_known,
    option_string,
)
from feedsvc.content.markup.goldmark import GoldmarkOptions, goldmark_config
from feedsvc.content.markup.markdown import goldmark_options, render_markdown

from .hugo_pages import CASES, Case, cases, render_with_hugo

GOLDMARK_CASES = [case for case in cases() if case.site.name.startswith("goldmark")]


def _markup(site: Path) -> dict[str, object]:
    return dict(tomllib.loads((site / "hugo.toml").read_text(encoding="utf-8")).get("markup", {}))


def _body(case: Case) -> str:
    """The page without its front matter (the cases' is YAML)."""
    return case.source.split("---\n", 2)[2]


@pytest.mark.parametrize("case", GOLDMARK_CASES, ids=lambda c: f"{c.site.name}/{c.name}")
def test_markdown_renders_as_hugo_does(case: Case) -> None:
    assert render_markdown(_body(case), goldmark_options(_markup(case.site))) == case.html


def test_there_are_cases_for_every_switch() -> None:
    sites = {case.site.name for case in GOLDMARK_CASES}
    assert sites == {
        "goldmark",
        "goldmark-options",
        "goldmark-unsafe",
        "goldmark-classes",
        "goldmark-attributes",
    }
    assert len(GOLDMARK_CASES) >= 30


@pytest.mark.parametrize("site", sorted(CASES.glob("*/")), ids=lambda p: p.name)
def test_stored_cases_are_what_hugo_writes(site: Path) -> None:
    """The stored HTML is the installed Hugo's (0.111), so the cases above compare with Hugo."""
    pages = {page.stem: page.read_text(encoding="utf-8") for page in sorted(site.glob("*.md"))}
    written = render_with_hugo(site, pages)
    for case in (case for case in cases() if case.site == site):
        assert written[case.name] == (case.html, case.summary), case.name


def test_config_keys_in_any_case_and_wrong_types_ignored() -> None:
    options = goldmark_config(
        {
            "Goldmark": {
                "Renderer": {"Unsafe": True, "hardWraps": "yes"},
                "extensions": {"Typographer": False, "linkifyProtocol": "http", "table": 1},
                "parser": {"autoHeadingIDType": "github-ascii", "attribute": {"title": False}},
            },
            "highlight": {"noClasses": False, "style": "dracula", "lineNos": "true"},
        }
    )
    assert options.unsafe is True
    assert options.hard_wraps is False  # "yes" is not a boolean to Hugo's TOML either
    assert options.typographer is False
    assert options.linkify_protocol == "http"
    assert options.table is True
    assert options.auto_heading_id_type == "github-ascii"
    assert options.attribute_title is False
    assert options.highlight == HighlightOptions(no_classes=False, style="dracula", line_nos=True)


@pytest.mark.parametrize("markup", [{}, None, "x", {"goldmark": "x"}, {"goldmark": {"parser": 3}}])
def test_a_missing_or_broken_markup_table_gives_hugos_defaults(markup: object) -> None:
    assert goldmark_options(markup).goldmark == GoldmarkOptions()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"linenos": "table"}, {"line_nos": True, "line_numbers_in_table": True}),
        ({"linenos": "inline"}, {"line_nos": True, "line_numbers_in_table": False}),
        ({"linenos": "false"}, {"line_nos": False}),
        ({"hl_lines": "1 3-4"}, {"hl_lines": ((1, 1), (3, 4))}),
        (
            {"hl_lines": [2.0, "4-5"], "linenostart": 10},
            {"hl_lines": ((11, 11), (13, 14)), "line_no_start": 10},
        ),
        ({"hl_lines": "x"}, {"hl_lines": ()}),  # Hugo drops them all
        ({"LineNoStart": "7", "TabWidth": 8.0}, {"line_no_start": 7, "tab_width": 8}),
        ({"linenostart": "x", "noClasses": "maybe"}, {}),  # unreadable: the default stays
    ],
)
def test_highlight_options_read_as_hugo_reads_them(
    settings: dict[str, object], expected: dict[str, object]
) -> None:
    options = highlight_options(settings)
    for field, value in expected.items():
        assert getattr(options, field) == value
    unchanged = set(HighlightOptions.__dataclass_fields__) - set(expected)
    for field in unchanged:
        assert getattr(options, field) == getattr(HighlightOptions(), field)


def test_highlight_shortcode_option_string() -> None:
    found = option_string(" linenos=table,hl_lines=1 3-4, linenostart=199,broken,a=b=c")
    assert found == {"linenos": "table", "hl_lines": "1 3-4", "linenostart": "199"}


@pytest.mark.parametrize(
    ("language", "known"),
    [("go", True), ("Go", True), ("golang", True), ("py", True), ("Dockerfile", True),
     ("x.py.bak", True), ("cap'n proto", True), ("nosuchlang", False), ("", False)],
)  # fmt: skip
def test_languages_chroma_knows(language: str, known: bool) -> None:
    assert is_known(language) is known


# Pieces of Markdown that meet Goldmark's extensions at their edges.
_PIECES = [
    *"ab 1\n\t'\"-.<>*_~()[]{}#:!`\\|@^=&;/?é中\u3000", "http://", "www.", "```", "- [ ] ", ": ",
    "[^1]", "[^1]: ", "{#id}", "<!--", "-->", "<div>", "    ", "x@y.org",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=60).map("".join))
def test_any_text_renders(text: str) -> None:
    html = render_markdown(text, goldmark_options({}))
    assert "goldmark" not in html  # no token type of ours leaks as a tag


def test_a_paragraph_of_many_links_takes_linear_time() -> None:
    """Linkify looks back for an open `[` at each link: counted on from the last look, not
    again from the paragraph's start (8,000 links in one paragraph took 30 s that way)."""
    text = "see http://a.org/x and me@x.org then [a](b) " * 8000
    started = time.monotonic()
    html = render_markdown(text, goldmark_options({}))
    assert time.monotonic() - started < 5
    assert html.count('<a href="http://a.org/x">') == 8000
    assert html.count('<a href="mailto:me@x.org">') == 8000
