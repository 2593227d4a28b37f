"""Hugo's shortcodes (content/hugo/shortcodes.py and its parts): the built-ins compared byte for
byte with what Hugo 0.111.3 wrote for the stored pages (tests/hugo_pages.py); what Hugo would refuse
(unknown shortcodes, broken tags) dropped with a warning naming the file and line; no shortcode
marker left in the output."""

from __future__ import annotations

import datetime as dt
import logging

import lxml.html
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from feedsvc.content.hugo.shortcodes import ShortcodePage, expand_shortcodes, render_with_shortcodes
from feedsvc.content.markup.markdown import goldmark_options, render_markdown

from .hugo_pages import Case, cases, page_for

SHORTCODE_CASES = [case for case in cases() if case.site.name.startswith("shortcodes")]
OPTIONS = goldmark_options({})


def _page(**changes: object) -> ShortcodePage:
    base: dict[str, object] = {
        "source": "posts/x.md",
        "params": {"title": "The title"},
        "markdown": lambda text: render_markdown(text, OPTIONS),
        "ref": lambda target: f"https://example.org/{target.removesuffix('.md')}/",
        "permalink": "https://example.org/x/",
    }
    return ShortcodePage(**{**base, **changes})  # type: ignore[arg-type]


def _render(text: str, **changes: object) -> str:
    return render_with_shortcodes(text, _page(**changes))


@pytest.mark.parametrize("case", SHORTCODE_CASES, ids=lambda c: f"{c.site.name}/{c.name}")
def test_built_in_shortcodes_render_as_hugo_does(case: Case) -> None:
    page, body = page_for(case)
    assert render_with_shortcodes(body, page) == case.html


def test_there_are_cases_for_every_built_in_hugo_has() -> None:
    sources = "".join(case.source for case in SHORTCODE_CASES)
    for name in ("highlight", "figure", "param", "ref", "relref", "youtube", "vimeo", "gist"):
        assert "{{< " + name in sources, name


def test_an_unknown_shortcode_keeps_its_inner_content_and_warns_with_file_and_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = (
        "Intro.\n\n{{< notice warning >}}\n**Careful** here.\n{{< /notice >}}\n\n"
        "End {{< tweet 1 >}}.\n"
    )
    with caplog.at_level(logging.WARNING):
        html = _render(text, first_line=4)
    assert html == ("<p>Intro.</p>\n<p><strong>Careful</strong> here.</p>\n<p>End .</p>\n")
    assert [record.getMessage() for record in caplog.records] == [
        'posts/x.md:6: unknown shortcode "notice"',
        'posts/x.md:10: unknown shortcode "tweet"',
    ]


def test_an_unknown_markdown_shortcode_and_built_ins_inside_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = "{{% columns %}}\n## Left {{< param title >}}\n\n{{% /columns %}}\n"
    with caplog.at_level(logging.WARNING):
        html = _render(text)
    assert html == '<h2 id="left-hahahugoshortcodes1hbhb">Left The title</h2>\n'
    assert caplog.messages == ['posts/x.md:1: unknown shortcode "columns"']


def test_a_site_shortcode_inside_a_built_in_gives_its_inner_content() -> None:
    text = "{{< highlight go >}}\n{{< mark >}}x := 1{{< /mark >}}\n{{< /highlight >}}\n"
    assert ">x := 1</span></span></code></pre></div>" in _render(text)


def test_an_inline_shortcode_is_a_template_and_left_out(caplog: pytest.LogCaptureFixture) -> None:
    text = "Now: {{< time.inline >}}{{ now }}{{< /time.inline >}}.\n"
    with caplog.at_level(logging.WARNING):
        assert _render(text) == "<p>Now: .</p>\n"
    assert caplog.messages == ['posts/x.md:1: inline shortcode "time.inline" left out']


@pytest.mark.parametrize(
    ("text", "html", "warning"),
    [
        ("a {{< youtube abc\n\nnext\n", "<p>a</p>\n<p>next</p>\n",
         "1: a shortcode tag that is never closed"),
        ("a {{< figure src=\"x\" >} b\nc\n", "<p>a\nc</p>\n",
         "1: a shortcode parameter cannot start with '>'; quote it"),
        ("{{< /note >}}\n\ntext\n", "<p>text</p>\n", "1: a closing tag for 'note', not open"),
        ("x {{< >}} y\n", "<p>x</p>\n", "1: a shortcode without a name"),
        ("{{< figure src=\"a\nb\" >}}\n", "<p>b&quot; &gt;}}</p>\n",
         "1: a quoted shortcode parameter that is never closed on its line"),
        ("{{< x a=1 b >}}\n", "", "1: named and positional parameters mixed in one shortcode"),
        ("{{< highlight go >}}\ncode\n", "<p>code</p>\n",
         '1: shortcode "highlight" is never closed'),
        ("{{</* youtube abc\n", "", "1: a shortcode comment that is never closed"),
        ("{{< param nothing >}}\n", "", "1: param 'nothing' not found"),
        ("{{< ref >}}\n", "", "1: ref needs a target"),
        ("{{< relref \"nowhere.md\" >}}\n", "", "1: ref target 'nowhere.md' not found"),
    ],
)  # fmt: skip
def test_what_hugo_refuses_is_dropped_with_a_warning(
    text: str, html: str, warning: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert _render(text, ref=lambda target: None) == html
    assert caplog.messages[0] == f"posts/x.md:{warning}"


def test_a_stray_figure_closing_tag_leaves_the_text_between() -> None:
    html = _render('{{< figure src="a.png" >}}Caption text{{< /figure >}}\n')
    assert html.startswith('<p><figure><img src="a.png"/>\n</figure>\nCaption text</p>')


def test_escaped_shortcodes_are_the_authors_literal_text() -> None:
    expanded = expand_shortcodes("{{</* youtube abc */>}} and {{%/* param x */%}}", _page())
    assert expanded.markdown == "{{< youtube abc >}} and {{% param x %}}"
    assert expanded.outputs == {}


def test_details_as_hugo_0_140_writes_it() -> None:
    text = (
        '{{< details summary="Open *me*" open=true class="c" name="n" title="t" >}}\n'
        "Some **text**.\n{{< /details >}}\n"
    )
    assert _render(text) == (
        '\n<details class="c" name="n" open title="t">\n\t<summary>Open <em>me</em></summary>\n'
        "\t<p>Some <strong>text</strong>.</p>\n</details>\n\n"  # the paragraph's line break
    )
    assert _render("{{< details >}}x{{< /details >}}") == (
        "\n<details>\n\t<summary>Details</summary>\n\t<p>x</p>\n</details>\n\n"
    )


def test_shortcodes_in_a_caption_run_too() -> None:
    html = _render('{{< figure src="a.png" caption="See {{< ref \\"b.md\\" >}}" >}}\n')
    assert "<p>See https://example.org/b/</p>" in html


# Pieces of hostile input: tags opened and never closed, nested, unknown, half-escaped.
_PIECES = ["{{<", "{{%", ">}}", "%}}", "/", " ", "\n", '"', "`", "\\", "=", "x", "highlight",
           "figure", "details", "youtube", "param", "ref", "note", "go", "title", "src=",
           "caption=", "1", "*", "<b>", "</b>", "```", "#", "-", "a.inline", "{{", "}}", "<",
           ">", "%", "\t"]  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_no_shortcode_marker_is_ever_left_in_what_a_reader_sees(text: str) -> None:
    # `{{\<` is Markdown for the literal `{{<`, as `{{</* */>}}` is Hugo's: the author's text.
    assume("{{\\<" not in text and "{{\\%" not in text)
    logging.disable(logging.WARNING)
    try:
        html = _render(text, markdown=lambda t: render_markdown(t, goldmark_options(
            {"goldmark": {"renderer": {"unsafe": True}}})))  # fmt: skip
    finally:
        logging.disable(logging.NOTSET)
    if not html.strip():
        return
    tree = lxml.html.fragment_fromstring(html, create_parent="div")
    seen = list(tree.itertext())  # each text as a reader sees it, element by element
    seen += [value for element in tree.iter() for value in element.attrib.values()]
    assert not any("{{<" in part or "{{%" in part for part in seen), (text, html)


def test_param_prints_values_as_hugo_does() -> None:
    params = {
        "date": dt.date(2023, 1, 1),
        "lastmod": dt.datetime(2023, 2, 3, 4, 5, 6, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "when": dt.datetime(2023, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "tags": ["a", "b c"],
        "map": {"k": 1, "a": "x"},
        "big": 1e21,
    }
    text = " | ".join("{{< param %s >}}" % name for name in params)  # noqa: UP031  # braces
    # What Hugo 0.111.3 printed for the same front matter (its own dates are Go times).
    assert _render(text, params=params) == (
        "<p>2023-01-01 00:00:00 &#43;0000 UTC | 2023-02-03 04:05:06 &#43;0200 &#43;0200 | "
        "2023-05-06T07:08:09&#43;02:00 | [a b c] | map[a:x k:1] | 1e&#43;21</p>\n"
    )


def test_text_that_looks_like_a_placeholder_is_left_as_written() -> None:
    assert _render("HAHAHUGOSHORTCODEs7HBHB and {{< param title >}}") == (
        "<p>HAHAHUGOSHORTCODEs7HBHB and The title</p>\n"
    )
