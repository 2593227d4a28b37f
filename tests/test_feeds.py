"""Feeds: valid Atom and RSS that feedparser reads cleanly, the same bytes for the same content."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from urllib.parse import quote

import lxml.etree
import pytest

from feedsvc.model.kinds import SITE_FEED, FeedKey, FeedKind
from feedsvc.model.layout import FeedFormat, feed_path
from feedsvc.pipeline.build import build, index_posts, read_posts
from feedsvc.settings import EXAMPLE_CONTENT, load_settings

from .conftest import NOW, SAMPLE_NAME, MakeSettings, assert_valid_atom, parse_feed, write_post
from .oracle import render_documents

GOLDEN = Path(__file__).parent / "golden" / "example"
CATEGORY = "shanghaizhengquanbao·zhongguozhengquanwang"
TAG = "上海证券报·中国证券网新闻"


def _documents(make_settings: MakeSettings, **overrides: object) -> dict[str, bytes]:
    settings = make_settings(**overrides)
    index = index_posts(read_posts(settings).posts, NOW, settings)
    return render_documents(index, settings)


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_sample_feeds(sample_dir: Path, make_settings: MakeSettings, fmt: FeedFormat) -> None:
    documents = _documents(make_settings)
    paths = {f"feed.{fmt}", f"categories/{CATEGORY}.{fmt}", f"tags/{TAG}.{fmt}"}
    assert paths <= documents.keys()
    for path in paths:
        feed = parse_feed(documents[path])
        assert len(feed.entries) == 1
        entry = feed.entries[0]
        assert entry.title == "盛京银行上海分行发布助力复工复产15条专项金融服务方案及举措"
        assert entry.published_parsed[:6] == (2022, 5, 30, 3, 16, 46)  # 11:16:46 +0800
        assert [t.term for t in entry.tags] == [CATEGORY, TAG]
        assert 'href="https://finews.withounder.com/"' in entry.content[0].value
        assert entry.summary.startswith("上海证券报近日获悉")
        assert feed.feed.language == "zh-CN"
        if fmt is not FeedFormat.JSON:  # JSON Feed names no generator
            assert feed.feed.generator == "feedsvc"
    assert "2022-05-30T11:16:46+08:00" in documents["feed.atom"].decode()
    assert "Mon, 30 May 2022 11:16:46 +0800" in documents["feed.rss"].decode()
    category = parse_feed(documents[f"categories/{CATEGORY}.{fmt}"]).feed
    assert CATEGORY in category.title
    tag = parse_feed(documents[f"tags/{TAG}.{fmt}"]).feed
    assert TAG in tag.title


def test_feed_links_and_self(sample_dir: Path, make_settings: MakeSettings) -> None:
    documents = _documents(make_settings, feeds_url="https://feeds.example.com")
    atom = parse_feed(documents[f"tags/{TAG}.atom"]).feed
    links = {link.rel: link.href for link in atom.links}
    quoted = quote(TAG)  # %E4%B8%8A...: the tag's own characters, percent-encoded
    assert links == {
        "self": f"https://feeds.example.com/tags/{quoted}.atom",
        "alternate": "https://news.example.com/",
    }
    rss = lxml.etree.fromstring(documents[f"tags/{TAG}.rss"])
    self_link = rss.find("channel/{http://www.w3.org/2005/Atom}link")
    assert self_link.get("rel") == "self"
    assert self_link.get("href") == f"https://feeds.example.com/tags/{quoted}.rss"


def test_every_atom_document_validates(make_settings: MakeSettings) -> None:
    documents = _documents(make_settings, content_dir=EXAMPLE_CONTENT)
    atom = [path for path in documents if path.endswith(".atom")]
    assert len(atom) > 20
    for path in atom:
        assert_valid_atom(documents[path])


def test_entries_carry_author_and_every_term(
    content_dir: Path, make_settings: MakeSettings
) -> None:
    write_post(
        content_dir,
        "p.md",
        "title: T\ndate: 2022-01-01\nauthor: 记者 王磊\ncategories: a b\ntags: [c d]",
    )
    documents = _documents(make_settings)
    for fmt in FeedFormat:
        entry = parse_feed(documents[f"feed.{fmt}"]).entries[0]
        assert entry.author == "记者 王磊"
        assert [t.term for t in entry.tags] == ["a", "b", "c d"]


def test_forbidden_characters_never_break_a_feed(
    content_dir: Path, make_settings: MakeSettings
) -> None:
    write_post(
        content_dir,
        "bad-chars.md",
        'title: "T\\x00\\x0b"\ndate: 2022-01-01\nauthor: "A\\x1b"\n'
        'tags: "t\\x08"\nexcerpt: "e\\x01"',
        "body \x0c\x00 text",
    )
    write_post(content_dir, "fine.md", "title: Fine\ndate: 2022-01-02")
    documents = _documents(make_settings)
    for path, data in documents.items():
        if path.endswith((".atom", ".rss")):
            assert len(parse_feed(data).entries) >= 1
    assert_valid_atom(documents["feed.atom"])


def test_a_feed_over_max_feed_bytes_keeps_its_newest_whole_entries(
    content_dir: Path, make_settings: MakeSettings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for day in range(1, 11):  # about 10 KB each
        meta = f"title: Post {day}\ndate: 2022-01-{day:02d}\ntags: [t]"
        write_post(content_dir, f"p{day:02d}.md", meta, "<p>" + "字" * 3000 + "</p>")
    huge = "title: Huge\ndate: 2022-02-01\ntags: [t]"
    write_post(content_dir, "huge.md", huge, "<p>" + "大" * 20_000 + "</p>")  # too large alone
    out = tmp_path / "out"
    with caplog.at_level(logging.INFO, logger="feedsvc"):
        build(make_settings(max_feed_bytes=40_000, excerpt_length=200), out, NOW)
    for path in ("feed.atom", "feed.rss", "tags/t.atom", "tags/t.rss"):
        data = (out / path).read_bytes()
        assert len(data) <= 40_000, path
        titles = [entry.title for entry in parse_feed(data).entries]
        assert titles == ["Post 10", "Post 9", "Post 8"], path  # whole entries, newest first
    assert "left out huge.md, larger on its own than max_feed_bytes (40000)" in caplog.text
    assert "oldest entries left out to stay within max_feed_bytes" in caplog.text


def test_empty_site_gives_a_valid_empty_feed(make_settings: MakeSettings) -> None:
    documents = _documents(make_settings)
    assert sorted(documents) == [
        "feed.atom",
        "feed.html",
        "feed.json",
        "feed.rss",
        "feeds-json.opml",
        "feeds-rss.opml",
        "feeds.opml",
        "index.html",
    ]
    for fmt in FeedFormat:
        assert parse_feed(documents[f"feed.{fmt}"]).entries == []
    assert_valid_atom(documents["feed.atom"])


def test_same_content_same_bytes_after_touch_and_copy(
    tmp_path: Path, make_settings: MakeSettings
) -> None:
    first = _documents(make_settings, content_dir=EXAMPLE_CONTENT)
    copy = tmp_path / "copy"
    shutil.copytree(EXAMPLE_CONTENT, copy)  # new inodes and mtimes: nothing may depend on them
    for path in copy.iterdir():
        os.utime(path, (2_000_000_000, 2_000_000_000))
    assert _documents(make_settings, content_dir=copy) == first


def test_updated_is_the_newest_entry(content_dir: Path, make_settings: MakeSettings) -> None:
    write_post(content_dir, "a.md", "title: A\ndate: 2022-01-01\nlast_modified_at: 2022-03-01")
    write_post(content_dir, "b.md", "title: B\ndate: 2022-02-01")
    feed = parse_feed(_documents(make_settings)["feed.atom"])
    assert feed.feed.updated_parsed[:3] == (2022, 3, 1)
    assert [e.title for e in feed.entries] == ["B", "A"]


def test_golden_example_feeds() -> None:
    """The bundled example, rendered byte for byte as recorded. After an intended change,
    regenerate with `FEEDSVC_REGENERATE_GOLDEN=1 pytest tests/test_feeds.py` and review the diff."""
    settings = load_settings(env={}, overrides={"site_url": "https://news.example.com/"})
    index = index_posts(read_posts(settings).posts, NOW, settings)
    documents = render_documents(index, settings)
    chosen = [
        feed_path(SITE_FEED, FeedFormat.ATOM),
        feed_path(SITE_FEED, FeedFormat.RSS),
        feed_path(FeedKey(FeedKind.CATEGORY, CATEGORY, CATEGORY), FeedFormat.ATOM),
        feed_path(FeedKey(FeedKind.TAG, TAG, TAG), FeedFormat.RSS),
        feed_path(FeedKey(FeedKind.TAG, TAG, TAG), FeedFormat.JSON),
        "feeds.opml",
    ]
    if os.environ.get("FEEDSVC_REGENERATE_GOLDEN"):
        for path in chosen:
            (GOLDEN / path).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / path).write_bytes(documents[path])
    for path in chosen:
        assert documents[path] == (GOLDEN / path).read_bytes(), path


def test_sample_is_in_the_example_unchanged() -> None:
    shared = Path(__file__).parents[2] / "shared" / "seeds" / SAMPLE_NAME
    if shared.exists():
        assert (EXAMPLE_CONTENT / SAMPLE_NAME).read_bytes() == shared.read_bytes()
    assert (EXAMPLE_CONTENT / SAMPLE_NAME).read_bytes().startswith(b"---\nlayout: post\n")


def test_json_feed_holds_what_atom_and_rss_hold(make_settings: MakeSettings) -> None:
    """Same ids, links, dates, content, summary and terms in every format, for every feed of the
    example; every JSON Feed checked against JSON Feed 1.1's fields and types."""
    documents = _documents(make_settings, content_dir=EXAMPLE_CONTENT)
    feeds = [path.removesuffix(".json") for path in documents if path.endswith(".json")]
    assert len(feeds) > 20
    for feed in feeds:
        views = {fmt: parse_feed(documents[f"{feed}.{fmt}"]) for fmt in FeedFormat}
        json_feed = views[FeedFormat.JSON]
        assert json_feed.feed.language == "zh-CN"
        self_link = {link.rel: link.href for link in json_feed.feed.links}["self"]
        assert self_link.endswith(quote(f"{feed}.json"))
        for fmt in (FeedFormat.ATOM, FeedFormat.RSS):
            assert json_feed.feed.title == views[fmt].feed.title
            for item, entry in zip(json_feed.entries, views[fmt].entries, strict=True):
                assert (item.id, item.link, item.title) == (entry.id, entry.link, entry.title)
                assert item.published_parsed[:6] == entry.published_parsed[:6]
                assert item.summary == entry.summary
                assert [t.term for t in item.tags] == [t.term for t in entry.tags]
                if fmt is FeedFormat.ATOM:
                    assert item.updated_parsed[:6] == entry.updated_parsed[:6]
                    # feedparser strips the ends of what it reads
                    assert item.content[0].value.strip() == entry.content[0].value
