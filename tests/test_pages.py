"""The index page: every feed, the site's and each category's with its newest entries."""

from __future__ import annotations

from pathlib import Path

import lxml.html

from feedsvc.model.index import build_index
from feedsvc.pipeline.build import read_posts
from feedsvc.render.index_page import render_index_page
from feedsvc.settings import Settings

from .conftest import NOW, write_post


def _index_page(settings: Settings) -> lxml.html.HtmlElement:
    index = build_index(read_posts(settings).posts, NOW, settings.item_limit)
    return lxml.html.fromstring(render_index_page(index, settings))


def _feeds(html: lxml.html.HtmlElement) -> dict[str, list[str]]:
    """Each feed shown with entries: its name -> its entries' titles."""
    return {
        section.findtext("h3/a"): [a.text for a in section.xpath("ul/li/a")]
        for section in html.xpath("//section[@class='feed']")
    }


def test_site_and_categories_show_their_newest_entries(
    content_dir: Path, settings: Settings
) -> None:
    for day in range(1, 8):
        write_post(
            content_dir, f"{day}.md", f"title: Post {day}\ndate: 2022-01-0{day}\ncategories: c"
        )
    write_post(content_dir, "other.md", "title: Other\ndate: 2021-01-01\ncategories: d\ntags: t")
    html = _index_page(settings)
    assert _feeds(html) == {
        settings.site_title: ["Post 7", "Post 6", "Post 5", "Post 4", "Post 3"],
        "c": ["Post 7", "Post 6", "Post 5"],
        "d": ["Other"],
    }
    section = html.xpath("//section[@class='feed']")[1]
    assert section.xpath("h3/a/@href") == ["categories/c.html"]  # the feed's page
    assert section.xpath("ul/li/a/@href")[0] == "https://news.example.com/c/2022/01/07/7.html"
    assert section.xpath("ul/li//time/@datetime")[0] == "2022-01-07T00:00:00+00:00"
    meta = section.xpath("string(p[@class='meta'])")
    assert meta == "7 posts · subscribe: Atom 1.0 · RSS 2.0 · JSON Feed 1.1"


def test_tags_stay_one_row_each(content_dir: Path, settings: Settings) -> None:
    write_post(content_dir, "a.md", "title: A\ndate: 2022-01-01\ntags: [t, 上海]")
    html = _index_page(settings)
    rows = html.xpath("//table/tbody/tr")
    assert [row.xpath("td[1]/a/@href")[0] for row in rows] == [
        "tags/t.html",
        "tags/%E4%B8%8A%E6%B5%B7.html",
    ]
    assert rows[0].xpath("td[4]/a/@href") == ["tags/t.atom", "tags/t.rss", "tags/t.json"]


def test_the_index_loads_nothing_and_runs_no_script(content_dir: Path, settings: Settings) -> None:
    write_post(content_dir, "a.md", "title: A\ndate: 2022-01-01")
    html = _index_page(settings)
    policy = html.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert policy.startswith("default-src 'none';")
    assert not html.xpath("//script | //img | //iframe | //link[@rel='stylesheet']")
