"""Markdown as Jekyll's kramdown renders it, checked against real kramdown; plain CommonMark+GFM."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
import pytest
import yaml

from feedsvc.content.markup import markdown
from feedsvc.content.markup.kramdown import gfm_id
from feedsvc.content.markup.markdown import (
    KRAMDOWN,
    PLAIN,
    MarkdownOptions,
    kramdown_options,
    render_markdown,
)

from .system import require

NOTE = '<sup id="fnref:{0}" role="doc-noteref"><a href="#fn:{1}" class="footnote" rel="footnote">'
BACK = '<a href="#fnref:{0}" class="reversefootnote" role="doc-backlink">↩{1}</a>'
ROUGE = '<div class="language-{0} highlighter-rouge"><div class="highlight"><pre class="highlight">'

# Markdown -> what a Jekyll site's feed shows (KRAMDOWN). Every case is also rendered by real
# kramdown (test_same_as_real_kramdown).
KRAMDOWN_CASES: dict[str, tuple[str, str]] = {
    "table, aligned as kramdown writes it": (
        "| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |",
        '<table>\n<thead>\n<tr>\n<th style="text-align: left">a</th>\n'
        '<th style="text-align: center">b</th>\n<th style="text-align: right">c</th>\n'
        '</tr>\n</thead>\n<tbody>\n<tr>\n<td style="text-align: left">1</td>\n'
        '<td style="text-align: center">2</td>\n<td style="text-align: right">3</td>\n'
        "</tr>\n</tbody>\n</table>\n",
    ),
    "strikethrough": ("Prices ~~fell~~ rose.", "<p>Prices <del>fell</del> rose.</p>\n"),
    "footnotes, one referred to twice": (
        "Rose[^1] and fell[^fed], rose[^1].\n\n[^1]: First note.\n[^fed]: The Fed.",
        f"<p>Rose{NOTE.format('1', '1')}1</a></sup> and fell{NOTE.format('fed', 'fed')}2</a>"
        f"</sup>, rose{NOTE.format('1:1', '1')}1</a></sup>.</p>\n"
        '<div class="footnotes" role="doc-endnotes">\n<ol>\n<li id="fn:1" role="doc-endnote">'
        f"<p>First note.\xa0{BACK.format('1', '')}\xa0{BACK.format('1:1', '<sup>2</sup>')}</p>\n"
        f'</li>\n<li id="fn:fed" role="doc-endnote"><p>The Fed.\xa0{BACK.format("fed", "")}</p>\n'
        "</li>\n</ol>\n</div>\n",
    ),
    "a footnote ending in code gets a paragraph for its link back": (
        "See[^code].\n\n[^code]:\n    ```\n    x = 1\n    ```",
        f"<p>See{NOTE.format('code', 'code')}1</a></sup>.</p>\n"
        '<div class="footnotes" role="doc-endnotes">\n<ol>\n<li id="fn:code" role="doc-endnote">'
        f"{ROUGE.format('plaintext')}<code>x = 1\n</code></pre></div></div>\n"
        f"<p>{BACK.format('code', '')}</p>\n</li>\n</ol>\n</div>\n",
    ),
    "fenced code in rouge's markup, without its colours": (
        '```ruby\nputs "a" < 1\n```',
        f"{ROUGE.format('ruby')}<code>puts &quot;a&quot; &lt; 1\n</code></pre></div></div>\n",
    ),
    "code without a language is plain text": (
        "```\nplain\n```\n\n    indented",
        f"{ROUGE.format('plaintext')}<code>plain\n</code></pre></div></div>\n"
        f"{ROUGE.format('plaintext')}<code>indented\n</code></pre></div></div>\n",
    ),
    "inline code": (
        "Run `ls -l` now.",
        '<p>Run <code class="language-plaintext highlighter-rouge">ls -l</code> now.</p>\n',
    ),
    "heading ids": (
        "# Hello, World!\n\n## Hello, World!\n\n## 2024 Review\n\n## Ünïcödé Straße\n\n"
        "## 中文，标点！\n\n## émoji 😀 here\n\n## `code` & more",
        '<h1 id="hello-world">Hello, World!</h1>\n<h2 id="hello-world-1">Hello, World!</h2>\n'
        '<h2 id="2024-review">2024 Review</h2>\n<h2 id="ünïcödé-straße">Ünïcödé Straße</h2>\n'
        '<h2 id="中文标点">中文，标点！</h2>\n<h2 id="émoji--here">émoji 😀 here</h2>\n'
        '<h2 id="code--more"><code class="language-plaintext highlighter-rouge">code</code> '
        "&amp; more</h2>\n",
    ),
    "heading ids written out": (
        "# Title {#custom}\n\n## Other\n{: #mine .wide}",
        '<h1 id="custom">Title</h1>\n<h2 id="mine" class="wide">Other</h2>\n',
    ),
    "smart quotes": (
        "\"Double\" and 'single', it's the '80s.",
        "<p>“Double” and ‘single’, it’s the ’80s.</p>\n",
    ),
    "typographic symbols": ("a -- b --- c ... << d >>", "<p>a – b — c … «\xa0d\xa0»</p>\n"),
    "quotes after CJK text close, as kramdown's rules have it": (
        '他说"中文"。',
        "<p>他说”中文”。</p>\n",
    ),
    "an attribute list after a block": ("A note.\n{: .note}", '<p class="note">A note.</p>\n'),
    "an attribute list before a block": ("{: .lead}\nFirst.", '<p class="lead">First.</p>\n'),
    "an attribute list definition": (
        "{:warn: .warning}\n\nCareful.\n{: warn}",
        '<p class="warning">Careful.</p>\n',
    ),
    "span attribute lists": (
        'An *em*{: .hot} and [a link](/x){: rel="nofollow"}.',
        '<p>An <em class="hot">em</em> and <a href="/x" rel="nofollow">a link</a>.</p>\n',
    ),
    "a table of contents": (
        "* TOC\n{:toc}\n\n# One\n\n## Two\n\n# Three",
        '<ul id="markdown-toc">\n<li><a href="#one" id="markdown-toc-one">One</a><ul>\n'
        '<li><a href="#two" id="markdown-toc-two">Two</a></li>\n</ul>\n</li>\n'
        '<li><a href="#three" id="markdown-toc-three">Three</a></li>\n</ul>\n'
        '<h1 id="one">One</h1>\n<h2 id="two">Two</h2>\n<h1 id="three">Three</h1>\n',
    ),
    "a table of contents with no headings is nothing": (
        "* TOC\n{:toc}\n\nJust text.",
        "<p>Just text.</p>\n",
    ),
    "comments": ("{::comment}\nhidden\n{:/comment}\n\nShown.", "<!-- hidden -->\n<p>Shown.</p>\n"),
    "nomarkdown": ("{::nomarkdown}\n<b>*raw*</b>\n{:/nomarkdown}", "<b>*raw*</b>\n"),
    "abbreviations": (
        "*[ETF]: Exchange-traded fund\n\nETF flows and ETFs.",
        '<p><abbr title="Exchange-traded fund">ETF</abbr> flows and ETFs.</p>\n',
    ),
    "definition lists": (
        "PE\n: price over earnings",
        "<dl>\n<dt>PE</dt>\n<dd>price over earnings</dd>\n</dl>\n",
    ),
    "task lists": (
        "- [ ] open\n- [x] done",
        '<ul class="task-list">\n<li class="task-list-item"><input class="task-list-item-checkbox"'
        ' disabled="disabled" type="checkbox">open</li>\n<li class="task-list-item"><input '
        'class="task-list-item-checkbox" checked="checked" disabled="disabled" type="checkbox">'
        "done</li>\n</ul>\n",
    ),
    "raw HTML is passed through": (
        '<div class="raw">\n*not markdown*\n</div>',
        '<div class="raw">\n*not markdown*\n</div>',
    ),
    "block HTML elements on one line each end a line (a summary keeps a space between them)": (
        '<p>一</p> <p>二</p><p class="src">（来源）</p><!-- c --><hr>\n\nMore.',
        '<p>一</p>\n<p>二</p>\n<p class="src">（来源）</p>\n<!-- c -->\n<hr>\n<p>More.</p>\n',
    ),
    "inside an HTML element, its blocks stay as written": (
        "<div>\n<p>x</p> <p>y</p>\n</div> <p>z</p>",
        "<div>\n<p>x</p> <p>y</p>\n</div>\n<p>z</p>",
    ),
    "line breaks stay soft": ("Line one\nLine two", "<p>Line one\nLine two</p>\n"),
}

# Where feedsvc knowingly differs: Markdown -> (ours, kramdown's), as `_same_markup` compares them.
DIFFERENCES: dict[str, tuple[str, str, str]] = {
    "rouge's colours (token spans) are left out": (
        "```ruby\nx\n```",
        f"{ROUGE.format('ruby')}<code>x\n</code></pre></div></div>",
        f'{ROUGE.format("ruby")}<code><span class="n">x</span>\n</code></pre></div></div>',
    ),
    "a language rouge does not know still gets rouge's markup": (
        "```nosuchlanguage\nx\n```",
        f"{ROUGE.format('nosuchlanguage')}<code>x\n</code></pre></div></div>",
        '<pre><code class="language-nosuchlanguage">x\n</code></pre>',
    ),
    "an HTML block ends at a blank line, as in CommonMark": (
        "<div>\n\n*text*\n\n</div>",
        "<div><p><em>text</em></p></div>",
        "<div> *text* </div>",
    ),
    'markdown="1" is not read': (
        '<div markdown="1">\n*text*\n</div>',
        '<div markdown="1"> *text* </div>',
        "<div><p><em>text</em></p></div>",
    ),
    "footnote names beyond ASCII letters and digits are read": (
        "A[^注].\n\n[^注]: Note.",
        f'<p>A{NOTE.format("注", "注")}1</a></sup>.</p><div class="footnotes" role="doc-endnotes">'
        f'<ol><li id="fn:注" role="doc-endnote"><p>Note.\xa0{BACK.format("注", "")}</p></li>'
        "</ol></div>",
        "<p>A[^注].</p>",  # kramdown reads the note as a link definition and shows nothing of it
    ),
}

# Markdown in plain folders: CommonMark with GFM tables, strikethrough and footnotes; nothing more.
PLAIN_CASES: dict[str, tuple[str, str]] = {
    "strikethrough": ("~~gone~~", "<p><del>gone</del></p>\n"),
    "a footnote": ("A[^1].\n\n[^1]: B.", f"<p>A{NOTE.format(1, 1)}1</a></sup>.</p>\n"),
    "quotes and dashes stay as typed": ('"a" -- b', "<p>&quot;a&quot; -- b</p>\n"),
    "headings get no ids": ("# Title", "<h1>Title</h1>\n"),
    "kramdown's attribute lists are text": ("A.\n{: .note}", "<p>A.\n{: .note}</p>\n"),
    "code is CommonMark's": (
        "```ruby\nx\n```",
        '<pre><code class="language-ruby">x\n</code></pre>\n',
    ),
    "task lists are text": ("- [ ] a", "<ul>\n<li>[ ] a</li>\n</ul>\n"),
}


@pytest.mark.parametrize(("text", "html"), KRAMDOWN_CASES.values(), ids=KRAMDOWN_CASES.keys())
def test_kramdown_rendering(text: str, html: str) -> None:
    assert render_markdown(text, KRAMDOWN) == html


@pytest.mark.parametrize(("text", "html"), KRAMDOWN_CASES.values(), ids=KRAMDOWN_CASES.keys())
def test_same_as_real_kramdown(text: str, html: str, kramdown: Kramdown) -> None:
    assert _same_markup(kramdown(text)) == _same_markup(html)


@pytest.mark.parametrize(("text", "ours", "theirs"), DIFFERENCES.values(), ids=DIFFERENCES.keys())
def test_where_we_differ_from_kramdown(
    text: str, ours: str, theirs: str, request: pytest.FixtureRequest
) -> None:
    assert _same_markup(render_markdown(text, KRAMDOWN)) == _same_markup(ours)
    kramdown: Kramdown = request.getfixturevalue("kramdown")  # skips here without Jekyll
    assert _same_markup(kramdown(text), colours=True) == _same_markup(theirs, colours=True)


@pytest.mark.parametrize(("text", "html"), PLAIN_CASES.values(), ids=PLAIN_CASES.keys())
def test_plain_rendering(text: str, html: str) -> None:
    assert render_markdown(text, PLAIN).startswith(html)


# A site's `kramdown:` settings -> the options its feeds are rendered with.
SETTINGS: dict[str, tuple[dict[str, Any], MarkdownOptions]] = {
    "Jekyll's defaults": ({}, KRAMDOWN),
    "many settings": (
        {
            "hard_wrap": True,
            "footnote_nr": 5,
            "footnote_backlink": "back",
            "smart_quotes": ["apos", "apos", "quot", "quot"],
            "auto_id_prefix": "id-",
            "toc_levels": "2..3",
            "gfm_quirks": ["paragraph_end", "no_auto_typographic"],
            "syntax_highlighter_opts": {"disable": True},
        },
        dataclasses.replace(
            KRAMDOWN,
            hard_wrap=True,
            footnote_nr=5,
            footnote_backlink="back",
            quotes="''\"\"",
            auto_id_prefix="id-",
            toc_levels=(2, 3),
            typographic_symbols=False,
            rouge=False,
        ),
    ),
    "ids off, no links back, guillemets": (
        {
            "auto_ids": "false",
            "footnote_backlink": "",
            "toc_levels": [1, 3],
            "smart_quotes": "laquo, raquo, 8249, 8250",
        },
        dataclasses.replace(
            KRAMDOWN, header_ids=False, footnote_backlink="", toc_levels=(1, 3), quotes="«»‹›"
        ),
    ),
}
BAD_SETTINGS: dict[str, object] = {
    "auto_ids": "maybe",
    "hard_wrap": None,
    "footnote_nr": "one",
    "smart_quotes": "lsquo,rsquo",
    "toc_levels": [0, 9],
    "auto_id_prefix": 3,
    "footnote_backlink": ["x"],
    "an unknown key": True,
}
SAMPLE = (
    '# Title\n\n## Title\n\nA "q" -- b ... << c >>\nnext line\n\nF[^a] G[^a]\n\n[^a]: N.\n\n'
    "```ruby\nx\n```\n\n* TOC\n{:toc}\n\n### Deep\n\n#### Deeper"
)


@pytest.mark.parametrize(("config", "options"), SETTINGS.values(), ids=SETTINGS.keys())
def test_options_from_kramdown_settings(config: dict[str, Any], options: MarkdownOptions) -> None:
    assert kramdown_options(config) == options


@pytest.mark.parametrize(("config", "options"), SETTINGS.values(), ids=SETTINGS.keys())
def test_settings_render_as_kramdown_renders_them(
    config: dict[str, Any], options: MarkdownOptions, tmp_path: Path
) -> None:
    (theirs,) = _jekyll([SAMPLE], tmp_path, config)
    assert _same_markup(theirs) == _same_markup(render_markdown(SAMPLE, options))


@pytest.mark.parametrize(("key", "value"), BAD_SETTINGS.items())
def test_a_bad_setting_keeps_the_default(key: str, value: object) -> None:
    assert kramdown_options({key: value}) == KRAMDOWN


@pytest.mark.parametrize(
    ("config", "highlighter", "rouge"),
    [
        ({}, "rouge", True),
        ({}, None, True),  # Jekyll's own default
        ({}, "none", False),
        ({"syntax_highlighter": "rouge"}, "none", True),
        ({"syntax_highlighter_opts": {"disable": True}}, "rouge", False),
    ],
)
def test_code_markup_follows_the_highlighter(
    config: dict[str, Any], highlighter: object, rouge: bool
) -> None:
    assert kramdown_options(config, highlighter or "rouge").rouge is rouge


@pytest.mark.parametrize(
    ("heading", "ident"),
    [
        ("Hello, World!", "hello-world"),
        ("1st heading", "1st-heading"),
        ("İstanbul ǅ", "i̇stanbul-ǆ"),  # Unicode lower case, as Ruby's downcase
        ("a_b-c  d", "a_b-c--d"),
        ("Tab\there", "tab-here"),
        ("Ⓐ circled", "ⓐ-circled"),  # a symbol Ruby counts as a letter
        ("!!!", ""),
    ],
)
def test_heading_ids_as_kramdowns_gfm_parser_makes_them(heading: str, ident: str) -> None:
    assert gfm_id(heading) == ident


def test_one_parser_per_set_of_options() -> None:
    """Thousands of bodies share a parser: building one costs more than rendering a post."""
    first = markdown._parser(MarkdownOptions(header_ids=True))
    assert markdown._parser(MarkdownOptions(header_ids=True)) is first
    assert markdown._parser(KRAMDOWN) is not first


Kramdown = Callable[[str], str]


@pytest.fixture(scope="module")
def kramdown(tmp_path_factory: pytest.TempPathFactory) -> Kramdown:
    """Real kramdown's HTML for each case's Markdown: one Jekyll build for them all."""
    texts = [text for text, _ in KRAMDOWN_CASES.values()]
    texts += [text for text, _, _ in DIFFERENCES.values()]
    pages = dict(zip(texts, _jekyll(texts, tmp_path_factory.mktemp("jekyll")), strict=True))
    return pages.__getitem__


def _jekyll(texts: list[str], folder: Path, config: Mapping[str, Any] | None = None) -> list[str]:
    """Each text as a post of a Jekyll site (`config` as its `kramdown:` settings), built."""
    jekyll = require("jekyll", "jekyll")
    (folder / "_posts").mkdir(parents=True)
    site = {"title": "t", "kramdown": dict(config)} if config else {"title": "t"}
    (folder / "_config.yml").write_text(yaml.safe_dump(site), encoding="utf-8")
    for i, text in enumerate(texts):
        post = folder / "_posts" / f"2024-01-02-p{i}.md"
        post.write_text(f"---\nlayout: null\n---\n{text}", encoding="utf-8")
    built = folder / "_site"
    command = [jekyll, "build", "--quiet", "-s", str(folder), "-d", str(built)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    return [
        (built / f"2024/01/02/p{i}.html").read_text(encoding="utf-8") for i in range(len(texts))
    ]


def _same_markup(html: str, *, colours: bool = False) -> str:
    """HTML as a reader sees it: kramdown indents its output and markdown-it does not, and the
    two order attributes differently. Rouge's token spans are dropped unless `colours`."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    if not colours:
        for code in root.iter("code"):
            lxml.etree.strip_tags(code, "span")
    for element in root.iter():
        element.text = element.text and re.sub(r"[ \t\r\n]+", " ", element.text)
        element.tail = element.tail and re.sub(r"[ \t\r\n]+", " ", element.tail)
        attributes = sorted(element.attrib.items())
        element.attrib.clear()
        element.attrib.update(attributes)
    return re.sub(r">[ \t\r\n]+<", "><", lxml.html.tostring(root, encoding="unicode")).strip()
