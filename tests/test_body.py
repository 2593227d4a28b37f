"""Bodies: Markdown as the site renders it, raw HTML, links made absolute, summaries."""

from __future__ import annotations

from pathlib import Path

from feedsvc.content.body import render_bodies, render_body
from feedsvc.content.markdown import KRAMDOWN
from feedsvc.content.posts import read_post_and_body

from .conftest import SAMPLE_NAME, MakeSettings, write_post


def test_sample_body(sample_dir: Path, make_settings: MakeSettings) -> None:
    body = render_body(*read_post_and_body(sample_dir / SAMPLE_NAME, make_settings()), 200)
    assert body.html.startswith("<p>上海证券报近日获悉")
    assert (
        '<a href="http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202205302396018111">'
        in body.html
    )
    assert (
        '<a href="https://finews.withounder.com/category/'
        'shanghaizhengquanbao%C2%B7zhongguozhengquanwang.html">返回上海证券报·中国证券网新闻</a>'
    ) in body.html
    assert '<a href="https://finews.withounder.com/">返回首页</a>' in body.html
    assert 'href="//' not in body.html
    assert body.summary.startswith("上海证券报近日获悉，为了贯彻落实")
    assert body.summary.endswith("金融服务力度。")  # the whole first paragraph fits in 200


def test_relative_links_resolve_like_a_browser(
    content_dir: Path, make_settings: MakeSettings
) -> None:
    path = _news_post(
        content_dir,
        "[root](/about) [here](img/a.png) [frag](#x) ![pic](//cdn.example.net/p.png) "
        "[mail](mailto:a@b.c) <img src='../up.png'>",
    )
    html = render_body(*read_post_and_body(path, make_settings()), 200).html
    base = "https://news.example.com/news/2022/01/02/"
    assert 'href="https://news.example.com/about"' in html
    assert f'href="{base}img/a.png"' in html
    assert f'href="{base}post.html#x"' in html
    assert 'src="https://cdn.example.net/p.png"' in html
    assert 'href="mailto:a@b.c"' in html
    assert 'src="https://news.example.com/news/2022/01/up.png"' in html


def test_html_files_are_used_as_is(content_dir: Path, make_settings: MakeSettings) -> None:
    path = write_post(content_dir, "p.html", "title: T\ndate: 2022-01-01", "*not markdown*")
    assert render_body(*read_post_and_body(path, make_settings()), 200).html == "*not markdown*"


def test_summary_prefers_the_writers_excerpt(
    content_dir: Path, make_settings: MakeSettings
) -> None:
    path = write_post(
        content_dir, "p.md", "title: T\ndate: 2022-01-01\nexcerpt: '<b>Short</b>  one'", "Long."
    )
    assert render_body(*read_post_and_body(path, make_settings()), 200).summary == "Short one"


def test_summary_is_cut_to_length(content_dir: Path, make_settings: MakeSettings) -> None:
    path = write_post(content_dir, "p.md", "title: T\ndate: 2022-01-01", "中" * 500 + "\n\nnext")
    assert render_body(*read_post_and_body(path, make_settings()), 50).summary == "中" * 49 + "…"


def test_empty_body(content_dir: Path, make_settings: MakeSettings) -> None:
    path = write_post(content_dir, "p.md", "title: T\ndate: 2022-01-01", "")
    body = render_body(*read_post_and_body(path, make_settings()), 200)
    assert (body.html, body.summary) == ("", "")


BASE = "https://news.example.com/news/2022/01/02/"


def test_a_jekyll_sites_body_renders_as_kramdown_with_links_absolute(
    content_dir: Path, make_settings: MakeSettings
) -> None:
    path = _news_post(
        content_dir,
        '* TOC\n{:toc}\n\n## "Rates" rose[^1]\n\n[^1]: By the Fed.',
    )
    post, text = read_post_and_body(path, make_settings())
    html = render_bodies([(post, text)], 200, KRAMDOWN)[0].html
    link = f"{BASE}post.html"
    assert f'<a href="{link}#rates-rose" id="markdown-toc-rates-rose">“Rates” rose</a>' in html
    assert '<h2 id="rates-rose">“Rates” rose<sup id="fnref:1" role="doc-noteref">' in html
    assert f'<a href="{link}#fn:1" class="footnote" rel="footnote">1</a>' in html
    assert f'<a href="{link}#fnref:1" class="reversefootnote" role="doc-backlink">↩</a>' in html
    plain = render_body(post, text, 200).html  # PLAIN: the syntax stays text, quotes straight
    assert "{:toc}" in plain
    assert '<h2>"Rates" rose' in plain


def _news_post(content_dir: Path, body: str) -> Path:
    """A post in category news, at BASE + post.html, with `body`."""
    return write_post(content_dir, "2022-01-02-post.md", "title: T\ncategories: news", body)
