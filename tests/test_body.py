"""Bodies: Markdown as the site renders it, raw HTML, links (srcset too) absolute, summaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedsvc.content.body import absolute_srcset, render_bodies, render_body
from feedsvc.content.markup.markdown import KRAMDOWN
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


@pytest.mark.parametrize(
    ("srcset", "absolute"),
    [
        ("a.png 1x, b.png 2x", f"{BASE}a.png 1x, {BASE}b.png 2x"),
        (
            "/s.png 480w,/l.png 800w",
            "https://news.example.com/s.png 480w,https://news.example.com/l.png 800w",
        ),
        ("//cdn.example.net/p.png", "https://cdn.example.net/p.png"),
        ("https://other.example/p.png 2x", "https://other.example/p.png 2x"),
        # A comma inside a URL belongs to it; a comma right after one ends the candidate.
        (
            "data:image/png;base64,iVBO= 1x, b.png 2x",
            f"data:image/png;base64,iVBO= 1x, {BASE}b.png 2x",
        ),
        ("a.png,b.png", f"{BASE}a.png,b.png"),
        ("a.png, b.png", f"{BASE}a.png, {BASE}b.png"),
        # Descriptors run to a comma outside parentheses; spacing stays as written.
        (
            "a.png (max-width: 1px, 2px) 100w, b.png",
            f"{BASE}a.png (max-width: 1px, 2px) 100w, {BASE}b.png",
        ),
        ("  a.png  1x ,  b.png   2x  ", f"  {BASE}a.png  1x ,  {BASE}b.png   2x  "),
        ("http://[bad 1x, c.png", f"http://[bad 1x, {BASE}c.png"),  # unreadable: left alone
        (" , ", " , "),
    ],
)
def test_srcset_urls_are_made_absolute(srcset: str, absolute: str) -> None:
    assert absolute_srcset(srcset, f"{BASE}post.html") == absolute


def test_srcset_in_img_and_source_is_made_absolute(
    content_dir: Path, make_settings: MakeSettings
) -> None:
    path = _news_post(
        content_dir,
        '<picture><source srcset="wide.webp 2x, /w.webp 1x"><img src="a.png" srcset="a2.png 2x">'
        "</picture>",
    )
    html = render_body(*read_post_and_body(path, make_settings()), 200).html
    assert f'<source srcset="{BASE}wide.webp 2x, https://news.example.com/w.webp 1x">' in html
    assert f'<img src="{BASE}a.png" srcset="{BASE}a2.png 2x">' in html


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
