"""render_liquid: the Liquid in a Jekyll post's body, rendered as Jekyll 4.3 renders it, before
Markdown; bad Liquid becomes a warning, never an exception, and never reaches a feed as source."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

import feedsvc.content.jekyll.liquid as liquid_module
from feedsvc.content.jekyll.liquid import LiquidSite, render_liquid, strip_liquid

from .system import require

DATE = dt.datetime(2024, 1, 2, 2, 4, 5, tzinfo=dt.UTC)
SITE_TIME = dt.datetime(2025, 6, 7, 8, 9, 10, tzinfo=dt.UTC)
POST_URLS = {
    "2020-01-01-x": "/blog/2020/01/01/x.html",
    "blog/2020-01-01-x": "/blog/2020/01/01/x.html",
}
PAGE_URLS = {"_posts/2024-01-02-x.md": "/2024/01/02/x.html", "about.md": "/about/"}
ITEMS = [
    {"name": "a", "n": 2, "k": ["x", "y"], "d": 1},
    {"name": "b", "n": 10, "k": "x"},
    {"name": "c", "k": "z", "d": 1},
    {"name": "d", "n": "3"},
]


def markdownify(text: str) -> str:
    """The site's Markdown renderer, as the integrator passes it (module level: picklable)."""
    return MarkdownIt("commonmark", {"html": True}).render(text)


@pytest.fixture
def site(tmp_path: Path) -> LiquidSite:
    """A site with a few includes, `url` and `baseurl` set as in a GitHub Pages project site."""
    root = tmp_path / "site"
    (root / "_includes" / "parts").mkdir(parents=True)
    (root / "_posts").mkdir()
    (root / "_includes" / "note.html").write_text(
        '<div class="note">{{ include.text }} on {{ page.title }}</div>\n'
    )
    (root / "_includes" / "parts" / "inner.html").write_text("[{{ include.text }}]")
    (root / "_includes" / "outer.html").write_text(
        '({% include parts/inner.html text="in" %}{{ include.text }})'
    )
    (root / "_includes" / "broken.html").write_text("a\nb {{ 'x' | nosuch }}\n")
    (root / "_posts" / "side.txt").write_text("side {{ page.title | slugify }}")
    return LiquidSite(
        root=root,
        site={
            "title": "My Site",
            "url": "https://Example.COM",
            "baseurl": "/base/",
            "repository": "me/site",
            "time": SITE_TIME,
        },
        post_urls=POST_URLS,
        page_urls=PAGE_URLS,
        markdownify=markdownify,
    )


def page(**front_matter: Any) -> dict[str, Any]:
    """A post's `page` variables as the integrator builds them."""
    values: dict[str, Any] = {
        "title": 'The "title" & <more>',
        "date": DATE,
        "url": "/2024/01/02/x.html",
        "categories": [],
        "tags": ["b", "a"],
        "slug": "x",
        "path": "_posts/2024-01-02-x.md",
        "id": "/2024/01/02/x",
        "items": ITEMS,
    }
    return values | front_matter


def render(site: LiquidSite, text: str, **front_matter: Any) -> str:
    """The rendered text, for a body that must render without a warning."""
    output, warnings = render_liquid(text, page(**front_matter), site, "_posts/x.md")
    assert warnings == []
    return output


# --- what passes through untouched ---------------------------------------------------------------


def test_a_body_without_liquid_is_returned_as_it_is(site: LiquidSite) -> None:
    text = "Plain *Markdown* with { braces } and 100% of it %} and }} too."
    output, warnings = render_liquid(text, page(), site, "p.md")
    assert output is text
    assert warnings == []


def test_render_with_liquid_false_leaves_the_liquid_as_written(site: LiquidSite) -> None:
    """Jekyll 4 honours the front matter key: a post about Liquid shows its tags."""
    text = "{{ page.title }} {% nosuchtag %}"
    assert render_liquid(text, page(render_with_liquid=False), site, "p.md") == (text, [])


def test_raw_content_is_kept_as_written(site: LiquidSite) -> None:
    assert render(site, "{% raw %}{{ x }} {% if %}{% endraw %}|{{ 1 }}") == "{{ x }} {% if %}|1"


# --- variables ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ site.repository }}", "me/site"),
        ("{{ site.title | upcase }}", "MY SITE"),
        ("{{ page.title }}", 'The "title" & <more>'),
        ("{{ page.date }}", "2024-01-02 02:04:05 +0000"),  # Ruby's Time#to_s
        ("{{ page.tags }}", "ba"),
        ("{{ jekyll.environment }}", "production"),
        ("{{ page.nothing }}|{{ nothing.at.all }}", "|"),
        ("{% assign n = page.tags | size %}{% if n > 1 %}many{% else %}few{% endif %}", "many"),
        ("{% for t in page.tags %}{{ forloop.index }}{{ t }}{% endfor %}", "1b2a"),
        ("{% capture c %}x{{ 1 | plus: 1 }}{% endcapture %}{{ c }}", "x2"),
        ("a{% comment %}hidden {{ x }}{% endcomment %}b", "ab"),
        ("a {{- ' b ' -}} c", "a b c"),
    ],
)
def test_variables_and_standard_liquid(site: LiquidSite, template: str, expected: str) -> None:
    assert render(site, template) == expected


# --- Jekyll's tags -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            '{% highlight ruby %}\n\ndef x\n  "<a>" & 1\nend\n\n{% endhighlight %}',
            '<figure class="highlight"><pre><code class="language-ruby" data-lang="ruby">'
            'def x\n  "&lt;a&gt;" &amp; 1\nend</code></pre></figure>',
        ),
        (  # the language is lower-cased; `+` becomes `-` in the class; spaces are kept
            "{% highlight C++ %}  x  {% endhighlight %}",
            '<figure class="highlight"><pre><code class="language-c--" data-lang="c++">'
            "  x  </code></pre></figure>",
        ),
        (  # rouge's table of line numbers
            '{% highlight text linenos=table hl_lines="1 2" %}\na<b\nc\n{% endhighlight %}',
            '<figure class="highlight"><pre><code class="language-text" data-lang="text">'
            '<table class="rouge-table"><tbody><tr><td class="gutter gl"><pre class="lineno">'
            '1\n2\n</pre></td><td class="code"><pre>a&lt;b\nc\n</pre></td></tr></tbody></table>'
            "</code></pre></figure>",
        ),
        (  # Liquid inside is rendered, as in Jekyll
            "{% highlight html %}{{ site.title }}{% endhighlight %}",
            '<figure class="highlight"><pre><code class="language-html" data-lang="html">'
            "My Site</code></pre></figure>",
        ),
        (  # a blank line would end the HTML block in Markdown: its newline is written &#10;
            "{% highlight py %}a\n\n  \nb{% endhighlight %}",
            '<figure class="highlight"><pre><code class="language-py" data-lang="py">'
            "a&#10;&#10;  \nb</code></pre></figure>",
        ),
    ],
)
def test_highlight_gives_jekylls_figure(site: LiquidSite, template: str, expected: str) -> None:
    assert render(site, template) == expected


def test_highlighted_code_with_blank_lines_stays_one_html_block_in_markdown(
    site: LiquidSite,
) -> None:
    html = markdownify(render(site, "{% highlight py %}\n# one\n\n# two\n{% endhighlight %}"))
    assert "<h1>" not in html
    assert "# one&#10;\n# two</code></pre></figure>" in html


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{% link _posts/2024-01-02-x.md %}", "/base/2024/01/02/x.html"),
        ("{% link about.md %}", "/base/about/"),
        ("{% assign p = 'about.md' %}{% link {{ p }} %}", "/base/about/"),
        ("{% post_url 2020-01-01-x %}", "/base/blog/2020/01/01/x.html"),
        ("{% post_url blog/2020-01-01-x %}", "/base/blog/2020/01/01/x.html"),
        ("{% post_url /blog/2020-01-01-x %}", "/base/blog/2020/01/01/x.html"),
    ],
)
def test_link_and_post_url_give_urls_with_the_baseurl(
    site: LiquidSite, template: str, expected: str
) -> None:
    assert render(site, template) == expected


NOTE = '<div class="note">{} on The "title" & <more></div>\n'  # _includes/note.html


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('{% include note.html text="hi" %}', NOTE.format("hi")),
        ("{% include note.html text='it\\'s' %}", NOTE.format("it's")),
        ('{% assign t = "var" %}{% include note.html text=t %}', NOTE.format("var")),
        ("{% include note.html text=page.slug %}", NOTE.format("x")),
        ('{% assign f = "note.html" %}{% include {{ f }} text="dyn" %}', NOTE.format("dyn")),
        ('{% include outer.html text="out" %}', "([in]out)"),  # the inner one's `include` inside
        ('{% include parts/inner.html text="x" %}|{{ include.text }}', "[x]|"),
        ("{% include_relative side.txt %}", "side the-title-more"),
    ],
)
def test_include_renders_the_file_with_its_parameters(
    site: LiquidSite, template: str, expected: str
) -> None:
    assert render(site, template) == expected


def test_an_include_sees_and_sets_the_pages_variables(site: LiquidSite) -> None:
    (site.root / "_includes" / "set.html").write_text("{% assign shared = 'set inside' %}")
    assert render(site, "{% include set.html %}{{ shared }}") == "set inside"


def test_an_edited_include_is_read_again(site: LiquidSite) -> None:
    include = site.root / "_includes" / "v.html"
    include.write_text("one")
    assert render(site, "{% include v.html %}") == "one"
    include.write_text("two!")
    assert render(site, "{% include v.html %}") == "two!"


# --- Jekyll's filters --------------------------------------------------------------------------

ITEMS_JSON = (
    '[{"name":"a","n":2,"k":["x","y"],"d":1},{"name":"b","n":10,"k":"x"},'
    '{"name":"c","k":"z","d":1},{"name":"d","n":"3"}]'
)
HELLO = '"Hello, World! é_x"'
FILTERS = [
    ('{{ "/a b/é" | relative_url }}', "/base/a%20b/%C3%A9"),
    ('{{ "x" | relative_url }}|{{ "" | relative_url }}', "/base/x|/base"),
    ('{{ "http://x.org/A" | relative_url }}', "http://x.org/A"),
    ('{{ "/a b/é" | absolute_url }}', "https://example.com/base/a%20b/%C3%A9"),
    ('{{ "" | absolute_url }}', "https://example.com/base"),
    ('{{ "x?y=1#f" | absolute_url }}', "https://example.com/base/x?y=1#f"),
    ('{{ "/a/../b/./c" | absolute_url }}', "https://example.com/base/b/c"),
    (
        '{{ page.date | date: "%Y-%m-%d %-d %e %b %B %a %A %H:%M %I %p %j %z %s" }}',
        "2024-01-02 2  2 Jan January Tue Tuesday 02:04 02 AM 002 +0000 1704161045",
    ),
    ('{{ "now" | date: "%Y-%m-%d" }}', "2025-06-07"),  # site.time: the same on every rebuild
    (
        '{{ "2024-03-04" | date: "%b %d" }}|{{ 0 | date: "%Y" }}|{{ "x" | date: "%Y" }}',
        "Mar 04|1970|x",
    ),
    (
        "{% capture q %}a & b < c > \"d\" 'e'{% endcapture %}{{ q | xml_escape }}",
        "a &amp; b &lt; c &gt; &quot;d&quot; &apos;e&apos;",
    ),
    ('{{ "*hi*" | markdownify }}', "<p><em>hi</em></p>\n"),
    ("{{ page.tags | jsonify }}|{{ page.items | jsonify }}", f'["b","a"]|{ITEMS_JSON}'),
    ("{{ page.date | jsonify }}|{{ nothing | jsonify }}", '"2024-01-02 02:04:05 +0000"|null'),
    ("{{ 1.5 | jsonify }}|{{ true | jsonify }}|{{ 'é/\"' | jsonify }}", '1.5|true|"é/\\""'),
    (
        f'{{{{ {HELLO} | slugify }}}}|{{{{ {HELLO} | slugify: "pretty" }}}}',
        "hello-world-é-x|hello,-world!-é_x",
    ),
    (
        f'{{{{ {HELLO} | slugify: "ascii" }}}}|{{{{ {HELLO} | slugify: "raw" }}}}',
        "hello-world-x|hello,-world!-é_x",
    ),
    (
        '{{ "Hello World" | slugify: "none" }}|{{ "Héllo wörld" | slugify: "latin" }}',
        "hello world|hello-world",
    ),
    ("{{ page.date | date_to_xmlschema }}", "2024-01-02T02:04:05+00:00"),
    ("{{ page.date | date_to_rfc822 }}", "Tue, 02 Jan 2024 02:04:05 +0000"),
    ("{{ page.date | date_to_string }}", "02 Jan 2024"),
    ('{{ page.date | date_to_string: "ordinal" }}', "2nd Jan 2024"),
    ('{{ page.date | date_to_string: "ordinal", "US" }}', "Jan 2nd, 2024"),
    ("{{ page.date | date_to_long_string }}", "02 January 2024"),
    ('{{ page.date | date_to_long_string: "ordinal", "US" }}', "January 2nd, 2024"),
    ('{{ "2024-01-11" | date_to_string: "ordinal" }}', "11th Jan 2024"),
    ('{{ "2024-01-23" | date_to_string: "ordinal" }}', "23rd Jan 2024"),
    ('{{ page.items | where: "k", "x" | map: "name" | join: "," }}', "a,b"),
    ('{{ page.items | where: "n", "2" | map: "name" }}', "a"),
    ('{{ page.items | where: "n", 3 | map: "name" }}', "d"),
    ('{{ page.items | where_exp: "i", "i.d == 1" | map: "name" | join: "," }}', "a,c"),
    ("{{ page.items | where_exp: 'i', \"i.k contains 'x' and i.n > 5\" | map: 'name' }}", "b"),
    ('{{ page.tags | sort | join: "," }}', "a,b"),
    ('{{ page.items | sort: "n" | map: "name" | join: "," }}', "c,a,d,b"),
    ('{{ page.items | sort: "n", "last" | map: "name" | join: "," }}', "a,d,b,c"),
    (
        '{% assign groups = page.items | group_by: "d" %}{% for g in groups %}'
        '[{{ g.name }}:{{ g.size }}:{{ g.items | map: "name" | join: "," }}]{% endfor %}',
        "[1:2:a,c][:2:b,d]",
    ),
    ('{{ "foo,bar;baz? a~b_c.d-é*" | cgi_escape }}', "foo%2Cbar%3Bbaz%3F+a~b_c.d-%C3%A9%2A"),
    ('{{ "foo, bar \\baz?" | uri_escape }}', "foo,%20bar%20%5Cbaz?"),
    ('{{ "a%20b é[]#x" | uri_escape }}', "a%20b%20%C3%A9[]#x"),
    ('{{ "one two  three" | number_of_words }}', "3"),
    ('{{ "你好世界 hello" | number_of_words }}', "2"),
    ('{{ "你好世界 hello" | number_of_words: "cjk" }}', "5"),
    (
        '{{ "你好世界 hello" | number_of_words: "auto" }}|{{ "a b" | number_of_words: "auto" }}',
        "5|2",
    ),
    ("{{ page.tags | array_to_sentence_string }}", "b and a"),
    ('{{ page.tags | array_to_sentence_string: "or" }}', "b or a"),
    ('{{ page.items | map: "name" | array_to_sentence_string }}', "a, b, c, and d"),
    ("{% capture s %}  a \n\t b  {% endcapture %}{{ s | normalize_whitespace }}", "a b"),
    ('{{ "<p>a <b>b</b></p><!-- c --><script>d</script>e" | strip_html }}', "a be"),
    (
        '{% capture s %}"Hello" it\'s -- a --- b... <<x>> & <em>y</em> \'q\' "a & b"'
        "{% endcapture %}{{ s | smartify }}",
        "“Hello” it’s – a — b… «x» &amp; <em>y</em> ‘q’ “a &amp; b”",
    ),
]


@pytest.mark.parametrize(("template", "expected"), FILTERS)
def test_jekylls_filters(site: LiquidSite, template: str, expected: str) -> None:
    """Each expected value is what Jekyll 4.3.1 gives for the same template (see the comparison
    with a real Jekyll build at the end)."""
    assert render(site, template) == expected


def test_an_unparsable_date_in_a_date_filter_is_kept(site: LiquidSite) -> None:
    assert render(site, '{{ "" | date_to_xmlschema }}|{{ "soon" | date_to_string }}') == "|soon"


# --- warnings: never raised, never Liquid source in the output ---------------------------------

UNFILTERED = "the value is shown unfiltered"
TO_LINE_END = "left out to the end of its line"
STOPPED = ": rendering stopped, the body is shown with its Liquid left out"
PLAIN_FIGURE = '<figure class="highlight"><pre><code class="language-text" data-lang="text">'
WARNINGS = [  # (body, output, the warning after "SOURCE:")
    ("a\n{% foo %}in {{ 1 }}{% endfoo %}\nb", "a\nin 1\nb", "2: unknown tag 'foo': left out"),
    ("{% foo %}{% foo %}", "", "1: unknown tag 'foo': left out"),
    ("a {{ 'x' | nofilter | upcase }} b", "a X b", f"1: unknown filter 'nofilter': {UNFILTERED}"),
    ("a\n{{ page.title | }} b", "a\n b", "2: expected word, found end of expression"),
    ("one\ntwo\n{% if %}x{% endif %}y", "one\ntwo\ny", "3: missing expression"),
    ("{% endif %}x", "x", "1: 'endif' without its opening tag: left out"),
    ("{{ 10 | divided_by: 0 }}ok", "ok", "1: divided_by: can't divide by 0"),
    ("a {% include missing.html %} b", "a  b", "1: include _includes/missing.html: no such file"),
    (
        "\n{% include ../_config.yml %}",
        "\n",
        "2: include '../_config.yml' refused: not a name Jekyll accepts",
    ),
    (
        "{% include /etc/passwd %}",
        "",
        "1: include '/etc/passwd' refused: it leads out of _includes/",
    ),
    (
        "{% include note.html bad syntax %}",
        "",
        "1: include 'note.html bad syntax': expected "
        "{% include file.html key='value' key=variable %}",
    ),
    (
        "\n\n{% include broken.html %}",
        "\n\na\nb x\n",
        f"3: in _includes/broken.html, line 2: unknown filter 'nosuch': {UNFILTERED}",
    ),
    (
        "a {% post_url 2020-01-01-nope %} b",
        "a  b",
        "1: post_url '2020-01-01-nope': no such post; left out",
    ),
    ("{% post_url nope %}", "", "1: post_url 'nope': not a post's name"),
    ("{% link nope.md %}", "", "1: link 'nope.md': no such page or post; left out"),
    (
        "{% highlight %}x{% endhighlight %}",
        f"{PLAIN_FIGURE}x</code></pre></figure>",
        "1: highlight wants a language, then options such as linenos: ''; shown as plain text",
    ),
    ("b {{ 1 }}\na {{ x", "b 1\na ", f"2: '{{{{' never closed: {TO_LINE_END}"),
    ("a {% %} b {{ 1 }}", "a  b 1", f"1: '{{%' without a tag name: {TO_LINE_END}"),
    ("{% raw %}x", "x", f"1: '{{% raw %}}' without '{{% endraw %}}': {TO_LINE_END}"),
    ("{% if true %}x", "", "1: expected tag endif, found end of expression"),
    ("x {% break %} y", "x  y", "1: unexpected 'break'"),
]


@pytest.mark.parametrize(("template", "expected", "warning"), WARNINGS)
def test_bad_liquid_is_left_out_with_a_warning_naming_the_line(
    site: LiquidSite, template: str, expected: str, warning: str
) -> None:
    output, warnings = render_liquid(template, page(), site, "_posts/x.md")
    assert (output, warnings) == (expected, [f"_posts/x.md:{warning}"])


def test_an_include_that_links_out_of_includes_is_refused(site: LiquidSite, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    (site.root / "_includes" / "link.html").symlink_to(secret)
    output, warnings = render_liquid("{% include link.html %}", page(), site, "p.md")
    assert (output, warnings) == (
        "",
        ["p.md:1: include 'link.html' refused: it leads out of _includes/"],
    )


def test_include_relative_stays_in_the_posts_folder(site: LiquidSite) -> None:
    output, warnings = render_liquid("{% include_relative ../_config.yml %}", page(), site, "p.md")
    assert output == ""
    assert warnings == [
        "p.md:1: include_relative '../_config.yml' refused: not a name Jekyll accepts"
    ]


def test_includes_that_include_themselves_stop_at_a_depth(site: LiquidSite) -> None:
    (site.root / "_includes" / "self.html").write_text(
        "x{% include self.html %}{% include self.html %}"
    )
    started = time.monotonic()
    output, warnings = render_liquid("{% include self.html %}", page(), site, "p.md")
    assert time.monotonic() - started < 5
    assert set(output) == {"x"}
    assert warnings == [
        "p.md:1: in _includes/self.html, line 1: _includes/self.html left out: includes go beyond"
        " 10 deep or 1000 in one body"
    ]


def test_warnings_are_not_repeated_and_are_capped(site: LiquidSite) -> None:
    repeated = "{% for i in (1..50) %}{{ i | nosuch }}{% endfor %}"
    assert len(render_liquid(repeated, page(), site, "p.md")[1]) == 1
    many = "\n".join(f"{{% post_url 2000-01-01-p{i} %}}" for i in range(50))
    warnings = render_liquid(many, page(), site, "p.md")[1]
    assert len(warnings) == 21
    assert warnings[-1] == "p.md:21: more warnings left out"


@pytest.mark.parametrize(
    "text",
    [
        "{{ x",
        "{{ }}{% %}{%%}{% if x %}",
        "{% for %}{{ a }",
        "{% raw %}{{ x }}",
        "{{ 'a' | append: }}",
        "{% include %}{% link %}{% post_url %}{% highlight %}",
        "{% if true %}" * 40 + "x" + "{% endif %}" * 40,
        "{{ " + "a[" * 3000 + "]" * 3000 + " }}",
        "{% unless %}{% case %}{% when %}{% tablerow %}{% cycle %}",
    ],
)
def test_no_liquid_source_reaches_the_output(site: LiquidSite, text: str) -> None:
    output, warnings = render_liquid(text, page(), site, "p.md")
    assert "{{" not in output
    assert "{%" not in output
    assert warnings
    assert all(warning.startswith("p.md:") for warning in warnings)


def test_a_body_that_cannot_be_parsed_keeps_its_text_without_markup(site: LiquidSite) -> None:
    text = "Intro {{ page.title }}\n" + "{% if true %}" * 40 + "deep" + "{% endif %}" * 40
    output, warnings = render_liquid(text, page(), site, "p.md")
    assert output == "Intro \ndeep"
    assert warnings == [f"p.md:2: block nesting limit reached{STOPPED}"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a {{ b }} c {% if x %}d{% endif %}", "a  c d"),
        ("{% raw %}{{ kept }}{% endraw %}{{ gone }}", "{{ kept }}"),
        ("a{% comment %}note {{ x }}{% endcomment %}b", "ab"),
        ("a {{ never closed\nb {% also", "a \nb "),
        ("{% raw %}no end {{ x }}", "no end "),
    ],
)
def test_strip_liquid_leaves_the_text_without_markup(text: str, expected: str) -> None:
    assert strip_liquid(text) == expected


# --- limits: a hostile post neither hangs nor takes the memory ---------------------------------


def test_loop_iterations_are_limited_across_all_loops(
    site: LiquidSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(liquid_module, "ITERATIONS_PER_BODY", 1000)
    text = "a {% for i in (1..600) %}{% endfor %}{% for i in (1..600) %}{% endfor %}"
    output, warnings = render_liquid(text, page(), site, "p.md")
    assert output == "a "
    assert warnings == [f"p.md:1: more than 1000 loop iterations{STOPPED}"]


def test_one_huge_loop_is_refused_before_it_starts(site: LiquidSite) -> None:
    output, warnings = render_liquid(
        "{% for i in (1..1000000000) %}x{% endfor %}", page(), site, "p"
    )
    assert output == "x"
    assert warnings == [f"p:1: loop iteration limit reached{STOPPED}"]


def test_output_is_limited(site: LiquidSite) -> None:
    text = (
        "{% capture k %}{% for i in (1..100) %}0123456789{% endfor %}{% endcapture %}"
        "{% for i in (1..5000) %}{{ k }}{% endfor %}"
    )
    output, warnings = render_liquid(text, page(), site, "p.md")
    assert output == "0123456789"
    assert warnings == [f"p.md:1: output stream limit reached{STOPPED}"]


def test_a_value_doubled_until_it_is_huge_is_stopped(site: LiquidSite) -> None:
    text = (
        "{% assign a = 'xxxxxxxxxx' %}" + "{% assign a = a | append: a %}" * 40 + "{{ a | size }}"
    )
    output, warnings = render_liquid(text, page(), site, "p.md")
    assert output == "2621440"  # the last size under the limit
    assert warnings == ["p.md:1: append: result longer than 4000000"]


def test_a_filter_refuses_a_huge_input(site: LiquidSite) -> None:
    output, warnings = render_liquid("{{ (1..100000000) | join }}", page(), site, "p.md")
    assert (output, warnings) == ("", ["p.md:1: join: input longer than 4000000"])


def test_rendering_is_stopped_after_its_time(
    site: LiquidSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loops within the iteration limit can still be slow when their bodies are long."""
    monkeypatch.setattr(liquid_module, "SECONDS_PER_BODY", 0.2)
    text = "{% for i in (1..100000) %}" + "{% if i %}{% endif %}" * 1000 + "{% endfor %}"
    started = time.monotonic()
    output, warnings = render_liquid(text, page(), site, "p.md")
    assert time.monotonic() - started < 2
    assert output == ""
    assert warnings == [f"p.md:1: rendering took over 0.2 s{STOPPED}"]


def test_parsing_is_held_to_the_time_too(site: LiquidSite, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(liquid_module, "SECONDS_PER_BODY", 0.2)
    started = time.monotonic()
    output, warnings = render_liquid("{{a}}" * 400_000, page(), site, "p.md")
    assert time.monotonic() - started < 2
    assert output == ""
    assert warnings == [f"p.md:1: rendering took over 0.2 s{STOPPED}"]


def test_a_huge_expression_is_left_out(site: LiquidSite) -> None:
    output, warnings = render_liquid("{{ 1" + " | plus: 1" * 5000 + " }}ok", page(), site, "p.md")
    assert (output, warnings) == ("ok", ["p.md:1: longer than 20000 characters: left out"])


@pytest.mark.parametrize(
    "text",
    [
        "{{" + " " * 300_000 + "}}",  # python-liquid's lexer alone: quadratic time
        "{% if" + "\n" * 300_000 + "%}",
        "{{" + " " * 300_000,
        "{{ x\n" * 100_000,
        "{% x\n" * 100_000,
        "{% endraw %}" + "{% raw %}" * 50_000,
    ],
)
def test_markup_that_slows_the_lexer_is_defused(site: LiquidSite, text: str) -> None:
    started = time.monotonic()
    output, warnings = render_liquid(text, page(), site, "p.md")
    assert time.monotonic() - started < 3
    assert "{{" not in output
    assert warnings


# --- the site's environment --------------------------------------------------------------------


def test_the_environment_is_built_once_per_site(site: LiquidSite) -> None:
    render(site, "{{ 1 }}")
    environment = site._environment
    render(site, "{{ 2 }}")
    assert site._environment is environment


def test_a_site_can_be_sent_to_a_worker(site: LiquidSite) -> None:
    render(site, "{{ 1 }}")
    copy = pickle.loads(pickle.dumps(site))  # noqa: S301 - its own bytes, from the line itself
    assert render(copy, '{% include note.html text="w" %}{{ "x" | relative_url }}') == (
        '<div class="note">w on The "title" & <more></div>\n/base/x'
    )


# --- against Jekyll itself ---------------------------------------------------------------------

JEKYLL_POST = """\
HL1:{% highlight ruby %}
def x
  "<a>" & 1
end
{% endhighlight %}|
HL2:{% highlight c++ linenos %}{{ page.title }}{% endhighlight %}|
LINK:{% link _posts/2024-01-02-x.md %}|{% link about.md %}|{% post_url blog/2020-01-01-x %}|
VARS:{{ site.repository }}|{{ page.title }}|{{ page.date }}|{% raw %}{{ x }}{% endraw %}|
INC:{% include note.html text="hi" %}|{% assign t = "v" %}{% include note.html text=t %}|
""" + "\n".join(
    f"F{i}:{template}|" for i, (template, _) in enumerate(FILTERS) if "now" not in template
)


def test_the_same_post_renders_as_jekyll_renders_it(site: LiquidSite, tmp_path: Path) -> None:
    """A real Jekyll build of the same post, line for line (rouge's token spans taken out)."""
    jekyll = require("jekyll", "jekyll")
    source = site.root
    (source / "_config.yml").write_text(
        'url: "https://Example.COM"\nbaseurl: "/base/"\ntitle: My Site\nrepository: me/site\n'
        "timezone: UTC\n"
    )
    (source / "blog" / "_posts").mkdir(parents=True)
    (source / "blog" / "_posts" / "2020-01-01-x.md").write_text("---\ntitle: X\n---\nx\n")
    (source / "about.md").write_text("---\npermalink: /about/\n---\nabout\n")
    front_matter = (
        '---\ntitle: "The \\"title\\" & <more>"\ndate: 2024-01-02 03:04:05 +0100\n'
        "tags: [b, a]\nlayout: null\nexcerpt_separator: NONE\nitems:\n"
        "  - {name: a, n: 2, k: [x, y], d: 1}\n  - {name: b, n: 10, k: x}\n"
        '  - {name: c, k: z, d: 1}\n  - {name: d, n: "3"}\n---\n'
    )
    # A `.md` post, so that `{% link %}` and page.path are as in the fixture; Markdown is off
    # (`markdown: none` is not a Jekyll option), so the post is read back from a .html twin.
    (source / "_posts" / "2024-01-02-x.md").write_text(front_matter + "x\n")
    (source / "_posts" / "2024-01-02-y.html").write_text(front_matter + JEKYLL_POST + "\n")
    env = {**os.environ, "JEKYLL_ENV": "production"}
    subprocess.run(
        [jekyll, "build", "--quiet", "-s", str(source), "-d", str(tmp_path / "out")],
        check=True,
        env=env,
        capture_output=True,
        timeout=120,
    )
    built = (tmp_path / "out" / "2024" / "01" / "02" / "y.html").read_text()
    expected = re.sub(r"</?span[^>]*>", "", built).rstrip("\n")
    output, warnings = render_liquid(JEKYLL_POST, page(), site, "_posts/2024-01-02-y.html")
    assert warnings == []
    assert output.replace("&#10;", "\n").splitlines() == expected.splitlines()


def test_include_cached_is_an_include(tmp_path: Path) -> None:
    """Themes such as Minimal Mistakes use jekyll-include-cache's `include_cached`."""
    (tmp_path / "_includes").mkdir()
    (tmp_path / "_includes" / "note.html").write_text("<p>{{ include.text }}</p>")
    site = LiquidSite(tmp_path, {}, {}, {}, lambda text: text)
    text, warnings = render_liquid('{% include_cached note.html text="hi" %}', {}, site, "p.md")
    assert (text, warnings) == ("<p>hi</p>", [])
