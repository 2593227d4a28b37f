"""Jekyll's rules for posts, as feedsvc applies them to a Jekyll site (content/jekyll/rules.py and
the scan): which files are posts, their categories, slugs, titles and jekyll-feed's ids."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from feedsvc.content.jekyll.liquid_filters import slugify
from feedsvc.content.jekyll.rules import (
    categories_from_path,
    feed_title,
    is_excluded,
    is_post_source,
    post_id_path,
    titleize,
)
from feedsvc.content.posts import read_post
from feedsvc.content.scan import scan
from feedsvc.settings import load_settings


@pytest.mark.parametrize(
    ("source", "is_post"),
    [
        ("_posts/2023-01-29-released.md", True),
        ("_posts/2023/2023-01-29-released.markdown", True),  # any depth below _posts
        ("blog/_posts/2023-01-29-released.html", True),
        ("blog/news/_posts/2023-1-2-short-date.md", True),
        ("_posts/released.md", False),  # no date: Jekyll skips it
        ("about.md", False),  # a page
        ("_drafts/2023-01-29-draft.md", False),
        ("_site/_posts/2023-01-29-built.md", False),  # under a `_` folder
        (".hidden/_posts/2023-01-29-x.md", False),
        ("_posts/.2023-01-29-x.md", False),
        ("old/_posts/2023-01-29-x.md", False),  # excluded below
    ],
)
def test_which_files_are_posts(source: str, is_post: bool) -> None:
    assert is_post_source(source, exclude=["old/"]) is is_post


@pytest.mark.parametrize(
    ("source", "entry", "excluded"),
    [
        ("README.md", "README.md", True),
        ("docs/README.md", "README.md", True),  # a name matches in any folder
        ("vendor/bundle/x/_posts/2020-01-01-a.md", "vendor/bundle", True),
        ("my-vendor/bundle/a.md", "vendor/bundle", False),  # a path matches from the root
        ("notes/a.draft.md", "*.draft.md", True),
        ("old/_posts/2020-01-01-a.md", "old/", True),
        ("older/_posts/2020-01-01-a.md", "old/", False),
    ],
)
def test_exclude_takes_names_paths_and_globs(source: str, entry: str, excluded: bool) -> None:
    assert is_excluded(source, [entry]) is excluded


def test_the_folders_above_posts_are_categories() -> None:
    assert categories_from_path("blog/rust/_posts/2023-01-08-x.md") == ("blog", "rust")
    assert categories_from_path("_posts/2023-01-08-x.md") == ()


@pytest.mark.parametrize(
    ("url", "slug", "id_path"),
    [
        ("/2023/02/14/honing-a-chisel/", "honing-a-chisel", "/2023/02/14/honing-a-chisel"),
        ("/ci/2023/07/31/a-faster-ci.html", "a-faster-ci", "/ci/2023/07/31/a-faster-ci"),
        ("/custom/a-custom-permalink.html", "a-custom-permalink", "/custom/a-custom-permalink"),
        ("/released/", "released", "/released"),
    ],
)
def test_jekyll_feeds_id_is_the_urls_folder_and_the_slug(url: str, slug: str, id_path: str) -> None:
    assert post_id_path(url, slug) == id_path


def test_titles_and_slugs_as_jekyll_makes_them() -> None:
    assert titleize("no-front-matter") == "No Front Matter"
    assert feed_title('Ada\'s "best" chisel -- part 2...') == "Ada’s “best” chisel – part 2…"
    assert feed_title("Shortcuts: <kbd>Ctrl</kbd> &amp; friends") == "Shortcuts: Ctrl & friends"
    assert feed_title("a <script>alert(1)</script> b") == "a b"
    # kramdown's SmartyPants: a quote right after a letter closes, CJK letters included
    assert feed_title('人民币汇率"双向波动"特征明显') == "人民币汇率”双向波动”特征明显"
    assert feed_title("<<a>> b") == "«a» b"
    # normalize_whitespace collapses Ruby's (ASCII) white space only
    assert feed_title(" 一周回顾\u3000（6月）\u00a0x \n") == "一周回顾\u3000（6月）\u00a0x"
    # :title is Jekyll's slugify in pretty mode, keeping case; :slug its default mode
    assert slugify("Hello World: it's", "pretty", cased=True) == "Hello-World-it's"
    assert slugify("Hello World: it's") == "hello-world-it-s"


def _write(root: Path, source: str, text: str) -> Path:
    path = root / source
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_scanning_a_jekyll_site_finds_only_its_posts(tmp_path: Path) -> None:
    site = tmp_path / "site"
    posts = [
        "_posts/2023-01-01-a.md",
        "_posts/2023/2023-01-02-b.md",
        "blog/_posts/2023-01-03-c.html",
    ]
    others = [
        "about.md",
        "index.html",
        "_drafts/2023-01-04-d.md",
        "_includes/note.html",
        "_layouts/post.html",
        "_site/2023/01/01/a.html",
        "_posts/notes.md",
        "old/_posts/2023-01-05-e.md",
    ]
    for source in posts + others:
        _write(site, source, "---\ntitle: T\n---\nx\n")
    _write(site, "_config.yml", "exclude: [old/]\n")
    settings = load_settings(env={}, overrides={"content_dir": site})
    assert settings.site_rules == "jekyll"
    assert sorted(scan(site, settings.exclude, jekyll=True).stamps) == sorted(posts)


def test_a_jekyll_post_read_by_jekylls_rules(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _write(site, "_config.yml", "url: https://ada.example.org\npermalink: pretty\n")
    path = _write(
        site,
        "blog/_posts/2023-01-29-sharpening.md",
        '---\ntitle: "Ada\'s chisel"\nslug: honing\ncategories: [Tools]\ncategory: Rust\n'
        "id: /legacy/42\ndescription: Short.\nexcerpt: Longer.\n---\nBody\n",
    )
    post = read_post(path, load_settings(env={}, overrides={"content_dir": site}))
    assert post.title == "Ada’s chisel"
    assert post.categories == ("blog", "Tools", "Rust")
    assert post.entry_categories == ("Rust",)  # jekyll-feed names `category` alone
    assert post.url == "https://ada.example.org/blog/tools/rust/2023/01/29/honing/"
    assert post.id == "https://ada.example.org/blog/tools/rust/2023/01/29/honing"  # not /legacy/42
    assert not post.id_is_explicit  # the ledger keeps it from now on
    assert post.excerpt == "Short."  # jekyll-feed prefers the description
    assert post.date == dt.datetime(2023, 1, 29, tzinfo=dt.UTC)


def test_a_post_without_front_matter_is_still_a_post(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _write(site, "_config.yml", "title: T\n")
    path = _write(site, "_posts/2023-03-03-no-front-matter.md", "Just *text*.\n")
    post = read_post(path, load_settings(env={}, overrides={"content_dir": site}))
    assert post.title == "No Front Matter"
    assert post.url.endswith("/2023/03/03/no-front-matter.html")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # Ruby reads the date and time from the start and the zone from the end
        ("2023-01-29 18:30:22 2023 -0800", "2023-01-29T18:30:22-08:00"),
        # nobody reads this: the file name's date, with a warning, rather than no post
        ("the day after", "2023-01-29T00:00:00+00:00"),
    ],
)
def test_a_date_ruby_reads_keeps_the_post(
    tmp_path: Path, written: str, expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    site = tmp_path / "site"
    _write(site, "_config.yml", "title: T\n")
    path = _write(site, "_posts/2023-01-29-a.md", f"---\ntitle: A\ndate: {written}\n---\nx\n")
    post = read_post(path, load_settings(env={}, overrides={"content_dir": site}))
    assert post.date.isoformat() == expected
    assert "2023-01-29-a.md: date:" in caplog.text


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # an unquoted YAML timestamp without a zone: Ruby's YAML reads it in UTC, so the day
        # (and the URL) is the site zone's next one
        ("2022-05-23 20:15:00", "2022-05-24T04:15:00+08:00"),
        ("2022-05-23T20:15:00.5", "2022-05-24T04:15:00+08:00"),
        # quoted, or without seconds, it is text, which Jekyll reads in the site's zone
        ('"2022-05-23 20:15:00"', "2022-05-23T20:15:00+08:00"),
        ("2022-05-23 20:15", "2022-05-23T20:15:00+08:00"),
        ("2022-05-23", "2022-05-23T00:00:00+08:00"),
        ("2022-05-23 20:15:00 +0800", "2022-05-23T20:15:00+08:00"),
    ],
)
def test_a_time_without_a_zone_is_read_as_jekylls_yaml_reads_it(
    tmp_path: Path, written: str, expected: str
) -> None:
    site = tmp_path / "site"
    _write(site, "_config.yml", "title: T\ntimezone: Asia/Shanghai\n")
    path = _write(
        site,
        "_posts/2022-05-23-a.md",
        f"---\ntitle: A\ndate: {written}\nlast_modified_at: {written}\n---\nx\n",
    )
    post = read_post(path, load_settings(env={}, overrides={"content_dir": site}))
    assert (post.date.isoformat(), post.updated.isoformat()) == (expected, expected)
    assert post.url.endswith(f"/{expected[:10].replace('-', '/')}/a.html")


def test_front_matter_defaults_apply_by_scope(tmp_path: Path) -> None:
    """`defaults` in _config.yml: every matching scope, the more specific path winning, a
    `type` other than posts ignored, the post's own front matter above all."""
    site = tmp_path / "site"
    _write(
        site,
        "_config.yml",
        "defaults:\n"
        "  - scope: {path: ''}\n    values: {author: Everyone, tags: [all]}\n"
        "  - scope: {path: blog, type: posts}\n    values: {author: Blog team}\n"
        "  - scope: {path: '', type: pages}\n    values: {author: Pages only}\n",
    )
    settings = load_settings(env={}, overrides={"content_dir": site})
    blog = _write(site, "blog/_posts/2023-01-01-a.md", "---\ntitle: A\n---\nx\n")
    top = _write(site, "_posts/2023-01-02-b.md", "---\ntitle: B\n---\nx\n")
    own = _write(
        site, "_posts/2023-01-03-c.md", "---\ntitle: C\nauthor: Ada\ntags: [mine]\n---\nx\n"
    )
    assert (read_post(blog, settings).author, read_post(blog, settings).tags) == (
        "Blog team",
        ("all",),
    )
    assert read_post(top, settings).author == "Everyone"
    assert (read_post(own, settings).author, read_post(own, settings).tags) == ("Ada", ("mine",))


def test_an_impossible_date_in_a_file_name_is_no_error_when_the_front_matter_dates_it(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    path = _write(site, "2023-02-30-odd.md", "---\ntitle: T\ndate: 2023-03-01\n---\nx\n")
    post = read_post(path, load_settings(env={}, overrides={"content_dir": site}))
    assert post.date.date() == dt.date(2023, 3, 1)
