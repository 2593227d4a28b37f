"""Each feed's HTML page: what a person opening the feed's URL in a browser reads."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from feedsvc.content.body import render_body
from feedsvc.content.posts import read_post_and_body
from feedsvc.model.index import build_index
from feedsvc.model.kinds import SITE_FEED, FeedKey, FeedKind
from feedsvc.model.layout import FORMATS, FeedFormat, feed_url, page_path, page_url
from feedsvc.render.feed_page import (
    PAGE_ENTRIES_END,
    render_feed_page,
    render_page_entry,
    render_page_head,
)
from feedsvc.settings import Settings

from .conftest import NOW, SAMPLE_NAME, SAMPLE_TITLE, MakeSettings, write_post

CATEGORY = "shanghaizhengquanbao·zhongguozhengquanwang"
TAG = "上海证券报·中国证券网新闻"


def _page(folder: Path, settings: Settings, key: FeedKey = SITE_FEED) -> bytes:
    """The page of `key` as the plain path renders it, for every post in `folder`."""
    paths = sorted(path for path in folder.iterdir() if path.name != "_config.yml")
    read = [read_post_and_body(path, settings) for path in paths]
    index = build_index([post for post, _ in read], NOW, settings.item_limit)
    bodies = {post: render_body(post, text, settings.excerpt_length) for post, text in read}
    posts = index.feeds[key]
    return render_feed_page(key, posts, [bodies[p] for p in posts], settings)


def _entry(html: lxml.html.HtmlElement, title: str) -> lxml.html.HtmlElement:
    (item,) = [
        li for li in html.xpath("//ol[@class='entries']/li") if li.findtext(".//h3/a") == title
    ]
    return item


def test_the_page_names_the_feed_and_says_how_to_subscribe(
    sample_dir: Path, settings: Settings
) -> None:
    page = _page(sample_dir, settings)
    html = lxml.html.fromstring(page)
    assert html.get("lang") == "zh-CN"
    assert html.xpath("//meta/@charset")[0] == "utf-8"
    assert html.findtext(".//h1") == settings.site_title
    assert (
        "A feed lists a site's newest posts"
        in html.find(".//section[@class='about']").text_content()
    )
    links = html.xpath("//a[@class='subscribe']")
    assert [a.get("href") for a in links] == [
        feed_url(settings.feeds_base, SITE_FEED, fmt) for fmt in FeedFormat
    ]
    assert [a.get("type") for a in links] == [FORMATS[fmt].media_type for fmt in FeedFormat]
    # each address is also shown as text to copy: the plain URL, no `feed:` scheme
    assert [code.text for code in html.xpath("//code[@class='url']")] == [
        a.get("href") for a in links
    ]
    discovered = html.xpath("//head/link[@rel='alternate']")
    assert [(link.get("type"), link.get("href")) for link in discovered] == [
        (a.get("type"), a.get("href")) for a in links
    ]
    assert html.xpath("//nav/a/@href")[0] == settings.feeds_base  # back to the index


def test_each_entry_shows_title_date_summary_and_terms(
    sample_dir: Path, settings: Settings
) -> None:
    html = lxml.html.fromstring(_page(sample_dir, settings))
    entry = _entry(html, SAMPLE_TITLE)
    assert entry.xpath(".//h3/a/@href")[0] == (
        "https://news.example.com/shanghaizhengquanbao%C2%B7zhongguozhengquanwang/2022/05/30/"
        "000_115a54e5f9c4b57d.html"
    )
    time = entry.find(".//time")
    assert (time.get("datetime"), time.text) == (
        "2022-05-30T11:16:46+08:00",
        "2022-05-30 11:16 +0800",
    )
    assert entry.xpath(".//p")[1].text.startswith("上海证券报近日获悉")
    assert [(a.get("href"), a.text) for a in entry.xpath(".//p[@class='terms']/a")] == [
        (page_url(settings.feeds_base, FeedKey(FeedKind.CATEGORY, CATEGORY, CATEGORY)), CATEGORY),
        (page_url(settings.feeds_base, FeedKey(FeedKind.TAG, TAG, TAG)), f"#{TAG}"),
    ]


def test_entries_are_newest_first_and_only_the_feeds_own(
    content_dir: Path, settings: Settings
) -> None:
    write_post(content_dir, "a.md", "title: Older\ndate: 2022-01-01\ntags: t")
    write_post(content_dir, "b.md", "title: Newer\ndate: 2022-02-01\ntags: t")
    write_post(content_dir, "c.md", "title: Elsewhere\ndate: 2022-03-01\ntags: u")
    tag = FeedKey(FeedKind.TAG, "t", "t")
    html = lxml.html.fromstring(_page(content_dir, settings, tag))
    assert [h.text_content() for h in html.xpath("//ol[@class='entries']//h3")] == [
        "Newer",
        "Older",
    ]
    assert html.findtext(".//h1") == f"#t – {settings.site_title}"
    assert "2 posts, updated" in html.xpath("//p[@class='meta']")[0].text_content()


def test_names_and_titles_are_escaped(content_dir: Path, settings: Settings) -> None:
    write_post(
        content_dir,
        "x.md",
        "title: '<script>alert(1)</script>'\ndate: 2022-01-01\ncategories: '<b>c</b>'",
        "<p>Body <script>alert(2)</script></p>",
    )
    page = _page(content_dir, settings).decode()
    assert "<script" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_page_loads_nothing_and_runs_no_script(sample_dir: Path, settings: Settings) -> None:
    html = lxml.html.fromstring(_page(sample_dir, settings))
    policy = html.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert policy.startswith("default-src 'none'; style-src 'sha256-")
    assert not html.xpath("//script | //img | //iframe | //link[@rel='stylesheet']")


def test_a_feed_with_no_posts_says_so(settings: Settings) -> None:
    html = lxml.html.fromstring(render_feed_page(SITE_FEED, [], [], settings))
    assert html.xpath("//ol[@class='entries']/li") == []
    assert "No posts yet." in html.text_content()


def test_the_page_is_its_head_with_the_entries_spliced_in(
    sample_dir: Path, settings: Settings
) -> None:
    """How the publishing pipeline assembles it: each entry rendered once, put in before the
    head's last PAGE_ENTRIES_END."""
    post, text = read_post_and_body(sample_dir / SAMPLE_NAME, settings)
    body = render_body(post, text, settings.excerpt_length)
    head = render_page_head(SITE_FEED, [post], settings)
    entry = render_page_entry(post, body, settings)
    assert PAGE_ENTRIES_END not in entry
    cut = head.rindex(PAGE_ENTRIES_END)
    assert render_feed_page(SITE_FEED, [post], [body], settings) == (
        head[:cut] + entry + head[cut:]
    )
    assert render_feed_page(SITE_FEED, [post], [body], settings) == render_feed_page(
        SITE_FEED, [post], [body], settings
    )  # the same content, the same bytes


@pytest.mark.parametrize(
    ("key", "path"),
    [
        (SITE_FEED, "feed.html"),
        (FeedKey(FeedKind.CATEGORY, "a.b", "a.b"), "categories/a.b.html"),
        (FeedKey(FeedKind.TAG, TAG, TAG), f"tags/{TAG}.html"),
    ],
)
def test_the_page_lives_beside_the_feeds_documents(key: FeedKey, path: str) -> None:
    assert page_path(key) == path


def test_entry_links_reach_the_pages_the_index_makes(
    content_dir: Path, make_settings: MakeSettings
) -> None:
    """A term's link is built from its name alone, and lands on the page its feed publishes."""
    write_post(content_dir, "x.md", "title: X\ndate: 2022-01-01\ncategories: 'A股/港股'\ntags: a b")
    settings = make_settings()
    post, text = read_post_and_body(content_dir / "x.md", settings)
    index = build_index([post], NOW, settings.item_limit)
    html = lxml.html.fromstring(
        render_page_entry(post, render_body(post, text, settings.excerpt_length), settings)
    )
    expected = [page_url(settings.feeds_base, key) for key in index.feeds if key != SITE_FEED]
    assert [a.get("href") for a in html.xpath("//p[@class='terms']/a")] == expected
