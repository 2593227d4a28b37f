"""Hugo's rules: front matter in its three forms, the site configuration, what a post is, its
permalink, dates, drafts, taxonomies and feed paths, as Hugo 0.111 has them (each checked against
the real `hugo` while writing them; tests/test_hugo_sites.py compares whole sites with it)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import feedparser
import lxml.etree
import pytest

from feedsvc.content.matter import (
    FrontMatterError,
    NoFrontMatterError,
    body_only,
    split_front_matter,
)
from feedsvc.content.post import Post
from feedsvc.content.scan import is_site_candidate
from feedsvc.errors import ConfigError
from feedsvc.hugo_config import read_hugo_config
from feedsvc.model.index import build_index
from feedsvc.model.kinds import SITE_FEED, FeedKind
from feedsvc.pipeline.build import build, read_posts
from feedsvc.pipeline.refresh import Refresher
from feedsvc.settings import Settings, load_settings, load_settings_with_sources
from feedsvc.web.app import create_app
from feedsvc.web.documents import PublishedSet

from .conftest import NOW

# ---------------------------------------------------------------------------------------------
# Front matter: YAML `---`, TOML `+++`, JSON `{…}`


@pytest.mark.parametrize(
    "text",
    [
        "---\ntitle: A\ndate: 2023-01-02\n---\nBody.\n",
        "+++\ntitle = 'A'\ndate = 2023-01-02\n+++\nBody.\n",
        '{\n  "title": "A",\n  "date": "2023-01-02"\n}\nBody.\n',
        '{"title": "A", "date": "2023-01-02"}\nBody.\n',  # on one line: Hugo reads it too
        '\n\n{"title": "A", "date": "2023-01-02", "nested": {"x": "}"}}\n\nBody.\n',
    ],
)
def test_the_three_forms_hugo_reads(text: str) -> None:
    meta, body = split_front_matter(text, hugo=True)
    assert meta["title"] == "A"
    assert str(meta["date"]) == "2023-01-02"
    assert body == "Body."
    assert body_only(text, hugo=True) == "Body."


def test_toml_values_keep_their_types() -> None:
    meta, _ = split_front_matter(
        "+++\ndate = 2023-01-02T10:00:00\nlocal = 2023-01-02\ntags = ['a', 'b']\n"
        "[params]\nx = 1\n+++\n",
        hugo=True,
    )
    assert meta["date"].isoformat() == "2023-01-02T10:00:00"  # local: read in the site's zone
    assert meta["local"] == dt.date(2023, 1, 2)
    assert meta["tags"] == ["a", "b"]
    assert meta["params"] == {"x": 1}


def test_toml_and_json_are_hugos_alone() -> None:
    """A plain folder or a Jekyll site reads YAML only: a file starting with `+++` or `{` is not
    a post there, as before."""
    for text in ("+++\ntitle = 'A'\n+++\nx", '{"title": "A"}\nx'):
        with pytest.raises(NoFrontMatterError, match="no YAML front matter"):
            split_front_matter(text)
    with pytest.raises(NoFrontMatterError, match="'\\+\\+\\+' \\(TOML\\) or '\\{' \\(JSON\\)"):
        split_front_matter("Just text.", hugo=True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("+++\ntitle = \n+++\nx", "not valid TOML"),
        ("+++\ntitle = 'A'\nx", "no second '\\+\\+\\+' line"),
        ('{"title": "A",\nx', "not valid JSON"),
        ('{"title": ' + "[" * 100_000, "nests too deeply"),
        ("+++\na = " + "[" * 100_000 + "\n+++\nx", "nests too deeply"),
        ('{"a": [' + ", ".join(["[1, 2, 3]"] * 4000) + "]}\nx", "more than 10000 values"),
        ("[1, 2]\nx", "no front matter"),
    ],
)
def test_bad_toml_and_json_front_matter_say_why(text: str, message: str) -> None:
    with pytest.raises(FrontMatterError, match=message):
        split_front_matter(text, hugo=True)


# ---------------------------------------------------------------------------------------------
# The site configuration


HUGO_TOML = """\
baseURL = "https://hugo.example.org/blog"
Title = "Gopher Notes"
languageCode = "en-gb"
timeZone = "Europe/Berlin"
buildDrafts = true
buildFuture = true
buildExpired = true
summaryLength = 30
[params]
  description = "Notes on Go."
  Author = "Rob"
[services.rss]
  limit = 15
"""


def _hugo_site(tmp_path: Path, files: dict[str, str]) -> Path:
    site = tmp_path / "site"
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    (site / "content").mkdir(parents=True, exist_ok=True)
    return site


def test_a_hugo_sites_configuration_gives_its_settings(tmp_path: Path) -> None:
    site = _hugo_site(tmp_path, {"hugo.toml": HUGO_TOML})
    settings, sources = load_settings_with_sources(env={}, overrides={"content_dir": site})
    assert settings.site_rules == "hugo"
    assert sources["site_rules"] == "auto: hugo.toml found"
    assert settings.site_url == "https://hugo.example.org/blog/"
    assert sources["site_url"] == f"{site / 'hugo.toml'}: baseURL"
    assert settings.site_title == "Gopher Notes"  # keys are read whatever their case, as Hugo
    assert settings.language == "en-gb"
    assert settings.timezone == "Europe/Berlin"
    assert settings.site_description == "Notes on Go."
    assert settings.site_author == "Rob"
    assert (settings.unpublished, settings.future, settings.expired) == (True, True, True)
    assert settings.summary_length == 30
    assert settings.item_limit == 15
    assert sources["item_limit"] == f"{site / 'hugo.toml'}: services.rss.limit"
    assert settings.max_feed_bytes == 1 << 20  # a site that bounds its feeds: feedsvc's cap too
    assert "max_feed_bytes" not in sources  # feedsvc's default
    assert settings.site_rss_aliases == ["index.xml"]
    assert settings.site_feed_aliases == []  # no jekyll-feed paths


def test_hugos_defaults_without_a_configuration_of_feeds(tmp_path: Path) -> None:
    """Hugo lists every page in its RSS unless told otherwise, whatever the size: so does
    feedsvc (item_limit 0, max_feed_bytes 0)."""
    site = _hugo_site(tmp_path, {"config.yaml": "title: T\n"})
    settings, sources = load_settings_with_sources(env={}, overrides={"content_dir": site})
    assert settings.site_rules == "hugo"
    assert (settings.item_limit, settings.max_feed_bytes) == (0, 0)
    assert sources["item_limit"] == "Hugo's default RSS limit: none"
    assert sources["max_feed_bytes"] == "Hugo's default RSS limit: none"
    assert settings.summary_length == 70
    assert settings.timezone == "UTC"
    assert settings.site_url == "http://127.0.0.1:8000/"  # no baseURL: feedsvc's own


@pytest.mark.parametrize("limit", [-1, 0])
def test_a_limit_hugo_ignores_lists_every_post(tmp_path: Path, limit: int) -> None:
    """Hugo's RSS template limits only to a limit of 1 or more."""
    site = _hugo_site(tmp_path, {"hugo.toml": f"[services.rss]\nlimit = {limit}\n"})
    settings, sources = load_settings_with_sources(env={}, overrides={"content_dir": site})
    assert (settings.item_limit, settings.max_feed_bytes) == (0, 0)
    assert sources["max_feed_bytes"] == f"{site / 'hugo.toml'}: services.rss.limit"


def test_feedsvcs_own_max_feed_bytes_wins_over_hugos_none(tmp_path: Path) -> None:
    site = _hugo_site(tmp_path, {"hugo.toml": 'title = "T"\n'})
    settings = load_settings(
        env={"FEEDSVC_MAX_FEED_BYTES": "500000"}, overrides={"content_dir": site}
    )
    assert (settings.item_limit, settings.max_feed_bytes) == (0, 500000)
    site.joinpath("hugo.toml").write_text('title = "T"\n[feedsvc]\nmax_feed_bytes = 400000\n')
    assert load_settings(env={}, overrides={"content_dir": site}).max_feed_bytes == 400000


def test_config_folder_merges_as_hugo_merges(tmp_path: Path) -> None:
    """config.toml, then config/_default/ (params.toml is [params]), then config/production/:
    tables merge key by key and the later file wins; languages' own files are theirs."""
    site = _hugo_site(
        tmp_path,
        {
            "config.toml": 'title = "Root"\nbaseURL = "https://a.example/"\n',
            "config/_default/hugo.toml": 'title = "Default"\nrssLimit = 5\n',
            "config/_default/params.yaml": "description: From params.yaml\nauthor: {name: Ann}\n",
            "config/_default/params.fr.toml": 'description = "En français"\n',
            "config/production/hugo.json": '{"title": "Production"}',
            "config/development/hugo.toml": 'title = "Development"\n',
        },
    )
    settings, sources = load_settings_with_sources(env={}, overrides={"content_dir": site})
    assert settings.site_title == "Production"
    assert sources["site_title"] == f"{site / 'config/production/hugo.json'}: title"
    assert settings.site_url == "https://a.example/"
    assert settings.item_limit == 5
    assert settings.site_description == "From params.yaml"
    assert settings.site_author == "Ann"
    config = read_hugo_config(site)
    assert config.get("languages.fr.params.description") == "En français"


def test_a_config_folder_alone_is_a_hugo_site(tmp_path: Path) -> None:
    site = _hugo_site(tmp_path, {"config/_default/hugo.toml": 'title = "Folder"\n'})
    settings = load_settings(env={}, overrides={"content_dir": site})
    assert (settings.site_rules, settings.site_title) == ("hugo", "Folder")


@pytest.mark.parametrize(
    ("files", "rules"),
    [
        ({"hugo.toml": "", "_config.yml": "title: GitHub Pages"}, "hugo"),  # hugo.toml wins
        ({"_config.yml": "title: J", "config.toml": ""}, "jekyll"),  # no content folder beside
        ({"config.toml": "title = 'mine'\n"}, "plain"),  # a plain folder's own config.toml
        ({"hugo.toml": "[feedsvc]\nsite_rules = 'plain'\n"}, "plain"),
        ({"hugo.toml": "[feedsvc]\nitem_limit = 3\n"}, "hugo"),
    ],
)
def test_which_rules_a_folder_is_read_by(tmp_path: Path, files: dict[str, str], rules: str) -> None:
    site = tmp_path / "site"
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    if rules == "hugo":
        (site / "content").mkdir()
    assert load_settings(env={}, overrides={"content_dir": site}).site_rules == rules


def test_the_feedsvc_table_wins_and_feedsvcs_own_settings_win_over_it(tmp_path: Path) -> None:
    site = _hugo_site(tmp_path, {"hugo.toml": HUGO_TOML + "[feedsvc]\nitem_limit = 3\n"})
    settings, sources = load_settings_with_sources(env={}, overrides={"content_dir": site})
    assert settings.item_limit == 3
    assert sources["item_limit"] == f"{site / 'hugo.toml'}: feedsvc.item_limit"
    settings = load_settings(env={"FEEDSVC_ITEM_LIMIT": "7"}, overrides={"content_dir": site})
    assert settings.item_limit == 7


def test_unusable_values_are_left_out_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = _hugo_site(
        tmp_path, {"hugo.toml": 'title = ["a"]\nbaseURL = "/"\nsummaryLength = "long"\n'}
    )
    settings = load_settings(env={}, overrides={"content_dir": site})
    assert settings.site_title == "site"  # the folder's name
    assert settings.summary_length == 70
    assert "title" in caplog.text and "summaryLength" in caplog.text and "baseURL" in caplog.text


def test_a_broken_configuration_stops_start_up_naming_the_file(tmp_path: Path) -> None:
    site = _hugo_site(tmp_path, {"hugo.toml": "title = \n"})
    with pytest.raises(ConfigError, match=r"hugo\.toml: cannot read the site configuration"):
        load_settings(env={}, overrides={"content_dir": site})


@pytest.mark.parametrize(
    ("config", "aliases"),
    [
        ("", ["index.xml"]),
        ("[outputFormats.RSS]\nbaseName = 'feed'\n", ["feed.xml"]),
        ("disableKinds = ['RSS']\n", []),
        ("[outputs]\nhome = ['HTML']\n", []),
    ],
)
def test_the_home_feeds_path(tmp_path: Path, config: str, aliases: list[str]) -> None:
    site = _hugo_site(tmp_path, {"hugo.toml": config})
    assert load_settings(env={}, overrides={"content_dir": site}).site_rss_aliases == aliases


# ---------------------------------------------------------------------------------------------
# What a post is, and what it says


def _pages(tmp_path: Path, config: str, pages: dict[str, str], **overrides: object) -> Settings:
    """A Hugo site with these files below content/ (each its whole text), and its settings."""
    site = _hugo_site(tmp_path, {"hugo.toml": 'baseURL = "https://example.org/sub/"\n' + config})
    for name, text in pages.items():
        path = site / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return load_settings(env={}, overrides={"content_dir": site, **overrides})


def _posts(settings: Settings) -> dict[str, Post]:
    """The posts read, by their path below content/."""
    result = read_posts(settings)
    assert result.bad == []
    return {post.source.removeprefix("content/"): post for post in result.posts}


def _page(date: str | None = "2023-01-02", **fields: str) -> str:
    """A page's text: YAML front matter with its date (None: none) and these fields."""
    written = {"date": date, **fields} if date is not None else fields
    lines = [f"{key}: {value}" for key, value in written.items()]
    return "---\n" + "\n".join(lines) + "\n---\nBody.\n"


def test_the_pages_hugo_lists(tmp_path: Path) -> None:
    """Regular pages anywhere below content/, a leaf bundle's index (its other files are its
    resources), never an _index list page; drafts, headless bundles, pages built not to be
    listed and HTML without front matter are read but not published; a Markdown page without
    front matter is published, as Hugo does."""
    settings = _pages(
        tmp_path,
        "",
        {
            "about.md": _page(title="About"),
            "posts/_index.md": _page(title="Posts"),
            "posts/a.md": _page(title="A"),
            "posts/leaf/index.md": _page(title="Leaf"),
            "posts/leaf/resource.md": _page(title="Resource"),
            "posts/leaf/deeper/more.md": _page(title="More"),
            "posts/branch/_index.md": _page(title="Branch"),
            "posts/branch/child.md": _page(title="Child"),
            "posts/draft.md": _page(title="Draft", draft="true"),
            "posts/draft-text.md": _page(title="Draft", draft='"true"'),
            "posts/unpublished.md": _page(title="Unpublished", published="false"),
            "posts/headless/index.md": _page(title="Headless", headless="true"),
            "posts/never.md": _page(title="Never", _build="{list: never}"),
            "posts/local.md": _page(title="Local", _build="{list: local}"),
            "posts/raw.html": "<p>raw</p>\n",
            "posts/page.html": _page(title="HTML page"),
            "posts/bare.md": "No front matter at all.\n",
            "posts/.hidden.md": _page(title="Hidden"),
            "posts/notes.txt": _page(title="Text"),
        },
    )
    posts = _posts(settings)
    published = sorted(source for source, post in posts.items() if post.published)
    assert published == [
        "about.md",
        "posts/a.md",
        "posts/bare.md",
        "posts/branch/child.md",
        "posts/leaf/index.md",
        "posts/page.html",
    ]
    assert not posts["posts/page.html"].is_markdown and posts["posts/a.md"].is_markdown
    assert set(posts) - set(published) == {
        "posts/draft.md",
        "posts/draft-text.md",
        "posts/unpublished.md",
        "posts/headless/index.md",
        "posts/never.md",
        "posts/local.md",
        "posts/raw.html",
    }
    drafts = _posts(_pages(tmp_path / "b", "buildDrafts = true\n", {"d.md": _page(draft="true")}))
    assert drafts["d.md"].published


def test_files_hugo_ignores(tmp_path: Path) -> None:
    """`ignoreFiles` (regular expressions over the file's path) and names starting with `#`."""
    settings = _pages(
        tmp_path,
        "ignoreFiles = ['\\.draft\\.md$', '/private/']\n",
        {
            "p/a.md": _page(title="A"),
            "p/b.draft.md": _page(title="B"),
            "p/private/c.md": _page(title="C"),
            "p/#d.md": _page(title="D"),
        },
    )
    assert set(_posts(settings)) == {"p/a.md"}
    assert not is_site_candidate("content/p/b.draft.md", settings)
    assert is_site_candidate("content/p/a.md", settings)


def test_what_a_watched_change_is(tmp_path: Path) -> None:
    settings = _pages(
        tmp_path, "", {"p/leaf/index.md": _page(), "p/leaf/r.md": _page(), "p/a.md": _page()}
    )
    for source, candidate in [
        ("content/p/a.md", True),
        ("content/p/leaf/index.md", True),
        ("content/p/leaf/r.md", False),
        ("content/p/_index.md", False),
        ("content/p/.a.md", False),
        ("content/p/a.txt", False),
        ("static/a.md", False),
    ]:
        assert is_site_candidate(source, settings) is candidate, source


@pytest.mark.parametrize(
    ("config", "name", "fields", "url"),
    [  # each learned from the real hugo 0.111
        ("", "posts/Ünïcödé Name.md", {}, "posts/%C3%BCn%C3%AFc%C3%B6d%C3%A9-name/"),
        ("", "blog/Slugged.md", {"slug": '"My Slug Here!"'}, "blog/my-slug-here/"),
        ("", "blog/u.md", {"url": "/custom/Path Here/"}, "custom/Path%20Here/"),
        ("", "notes/rel.md", {"url": "rel/path"}, "rel/path/"),
        ("", "notes/dot.md", {"url": "/file.html"}, "file.html"),
        ("", "posts/bundle/index.md", {}, "posts/bundle/"),
        ("", "posts/2023/deep.md", {}, "posts/2023/deep/"),
        ("", "Blog/My File.md", {}, "blog/my-file/"),
        ("", "_under.md", {}, "_under/"),
        (
            "[permalinks]\nposts = '/:year/:month/:day/:slug/'\n",
            "posts/one.md",
            {"title": "Post One Ü", "date": "2023-03-04T05:06:07+09:00"},
            "2023/03/04/post-one-%C3%BC/",
        ),
        (
            "[permalinks]\nposts = '/:year/:slug/'\n",
            "posts/leaf/index.md",
            {"title": "Leaf Title"},
            "2023/leaf-title/",
        ),
        (
            "[permalinks]\nnotes = '/n/:slugorfilename/:monthname/:2006/'\n",
            "notes/note.md",
            {"date": "2023-03-08"},
            "n/note/march/2023/",
        ),
        (  # a section's key is lower-cased, its folder's name not: this one never matches
            "[permalinks]\nBlog = '/b/:filename/'\n",
            "Blog/top.md",
            {},
            "blog/top/",
        ),
        ("uglyURLs = true\n", "posts/a.md", {}, "posts/a.html"),
        ("uglyURLs = true\n", "posts/bun/index.md", {}, "posts/bun.html"),
        ("uglyURLs = true\n", "notes/u.md", {"url": "/u/x/"}, "u/x/"),
        (
            "[frontmatter]\ndate = [':filename', ':default']\n",
            "posts/2023-05-06-named-post.md",
            {"title": "Named", "date": "''"},
            "posts/named-post/",
        ),
        ("", "posts/c++ & c#.md", {}, "posts/c++-c#/"),
    ],
)
def test_permalinks_as_hugo_makes_them(
    tmp_path: Path, config: str, name: str, fields: dict[str, str], url: str
) -> None:
    settings = _pages(tmp_path, config, {name: _page(**{"title": "T", **fields})})
    post = _posts(settings)[name]
    assert post.url == "https://example.org/sub/" + url
    assert post.id == post.url  # the guid Hugo's RSS gives


def test_sections_in_a_permalink(tmp_path: Path) -> None:
    """`:sections` is the page's nearest section: a folder with an _index file, else the top."""
    config = "[permalinks]\nblog2 = '/b/:section/:sections/:filename/:title/'\n"
    pages = {
        "blog2/sub/_index.md": "---\ntitle: Sub\n---\n",
        "blog2/sub/My File.md": _page(title="Blog Post Ä"),
        "blog2/plain/Top File.md": _page(title="B2 top"),
    }
    posts = _posts(_pages(tmp_path, config, pages))
    base = "https://example.org/sub/b/blog2/"
    assert posts["blog2/sub/My File.md"].url == base + "blog2/sub/my-file/blog-post-%C3%A4/"
    assert posts["blog2/plain/Top File.md"].url == base + "blog2/top-file/b2-top/"


@pytest.mark.parametrize(
    ("fields", "date", "updated"),
    [
        ({"date": "2023-01-04 10:00:00"}, "2023-01-04T10:00:00+08:00", None),  # the site's zone
        ({"date": '"2023-01-04T10:00:00"'}, "2023-01-04T10:00:00+08:00", None),
        ({"date": "2023-01-04"}, "2023-01-04T00:00:00+08:00", None),
        ({"date": "2023-01-04T10:00:00Z"}, "2023-01-04T10:00:00+00:00", None),
        ({"date": "Wed, 04 Jan 2023 10:00:00 +0100"}, "2023-01-04T10:00:00+01:00", None),
        ({"date": "1672800000"}, "2023-01-04T02:40:00+00:00", None),  # Unix seconds
        ({"date": "2023-01-04 10:00"}, "0001-01-01T00:00:00+00:00", None),  # no date to Hugo
        ({}, "0001-01-01T00:00:00+00:00", None),
        ({"date": "not a date", "publishDate": "2023-01-05"}, "2023-01-05T00:00:00+08:00", None),
        ({"publishdate": "2023-01-11T05:06:07+01:00"}, "2023-01-11T05:06:07+01:00", None),
        ({"published": "2023-01-12"}, "2023-01-12T00:00:00+08:00", None),
        ({"lastmod": "2023-03-01"}, "2023-03-01T00:00:00+08:00", None),
        (
            {"date": "2023-01-02", "lastmod": "2023-03-01"},
            "2023-01-02T00:00:00+08:00",
            "2023-03-01T00:00:00+08:00",
        ),
        (
            {"date": "2023-01-02", "modified": "2023-03-01T10:00:00Z"},
            "2023-01-02T00:00:00+08:00",
            "2023-03-01T10:00:00+00:00",
        ),
    ],
)
def test_dates_as_hugo_finds_them(
    tmp_path: Path, fields: dict[str, str], date: str, updated: str | None
) -> None:
    settings = _pages(
        tmp_path,
        'timeZone = "Asia/Shanghai"\n',
        {"p/a.md": _page(**{"date": None, "title": "T", **fields})},
    )
    post = _posts(settings)["p/a.md"]
    assert post.date.isoformat() == date
    assert post.updated.isoformat() == (updated or date)


def test_toml_and_json_dates(tmp_path: Path) -> None:
    settings = _pages(
        tmp_path,
        'timeZone = "Asia/Shanghai"\n',
        {
            "p/t.md": "+++\ntitle = 'T'\ndate = 2023-01-04T10:00:00\n+++\nx\n",
            "p/d.md": "+++\ntitle = 'D'\ndate = 2023-01-04\n+++\nx\n",
            "p/o.md": "+++\ntitle = 'O'\ndate = 2023-01-04T10:00:00-05:00\n+++\nx\n",
            "p/j.md": '{"title": "J", "date": "2023-01-04T10:00:00"}\nx\n',
        },
    )
    posts = _posts(settings)
    assert posts["p/t.md"].date.isoformat() == "2023-01-04T10:00:00+08:00"
    assert posts["p/d.md"].date.isoformat() == "2023-01-04T00:00:00+08:00"
    assert posts["p/o.md"].date.isoformat() == "2023-01-04T10:00:00-05:00"
    assert posts["p/j.md"].date.isoformat() == "2023-01-04T10:00:00+08:00"


def test_publish_and_expiry_dates_open_and_close_a_window(tmp_path: Path) -> None:
    settings = _pages(
        tmp_path,
        "",
        {
            "p/later.md": _page("2023-01-02", title="L", publishDate="2099-01-01"),
            "p/expires.md": _page("2023-01-02", title="E", expiryDate="2023-06-01"),
            "p/unpublishdate.md": _page("2023-01-02", title="U", unpublishdate="2023-06-01"),
            "p/plain.md": _page("2023-01-02", title="P", publishDate="2023-01-01"),
        },
    )
    posts = _posts(settings)
    assert posts["p/later.md"].publish_at == dt.datetime(2099, 1, 1, tzinfo=dt.UTC).timestamp()
    june = dt.datetime(2023, 6, 1, tzinfo=dt.UTC).timestamp()
    assert posts["p/expires.md"].expires_at == posts["p/unpublishdate.md"].expires_at == june
    assert posts["p/plain.md"].publish_at is None and posts["p/plain.md"].expires_at is None
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    visible = [p.source for p in build_index(posts.values(), now, 0).feeds[SITE_FEED]]
    assert visible == ["content/p/plain.md"]
    kept = build_index(posts.values(), now, 0, expired=True).feeds[SITE_FEED]
    assert len(kept) == 3


def test_the_title_when_a_page_has_none(tmp_path: Path) -> None:
    """Hugo's RSS gives such a page an empty title, and so does feedsvc's RSS (at Hugo's paths
    and its own); Atom requires one, and JSON Feed and the feed's page show one: the title
    `hugo new` writes from the file name."""
    settings = _pages(
        tmp_path,
        "",
        {
            "p/notitle.md": _page("2023-01-05"),
            "p/the-state-of-the-art.md": _page("2023-01-04"),
            "p/bundle-name/index.md": _page("2023-01-03"),
            "p/number.md": _page(title="2022"),
        },
    )
    posts = _posts(settings)
    assert posts["p/notitle.md"].title == "Notitle"
    assert posts["p/the-state-of-the-art.md"].title == "The State of the Art"
    assert posts["p/bundle-name/index.md"].title == "Bundle Name"
    assert posts["p/number.md"].title == "2022"
    assert [p.untitled for p in posts.values()].count(True) == 3
    out = tmp_path / "out"
    build(settings, out, NOW)
    rss = feedparser.parse((out / "index.xml").read_bytes()).entries
    assert [entry.get("title") for entry in rss] == ["", "", "", "2022"]
    assert b"<title></title>" in (out / "feed.rss").read_bytes()
    atom = feedparser.parse((out / "feed.atom").read_bytes()).entries
    assert [entry.title for entry in atom] == [
        "Notitle",
        "The State of the Art",
        "Bundle Name",
        "2022",
    ]


# ---------------------------------------------------------------------------------------------
# Categories, tags and the feeds Hugo published


def test_sections_and_taxonomies_become_categories_and_tags(tmp_path: Path) -> None:
    """The section and the `categories` terms are categories, `tags` and every other
    taxonomy's terms are tags, each named by its key as Hugo makes it (lower-cased, spaces as
    `-`), so terms Hugo merges share one feed; a text is one term."""
    config = "[taxonomies]\ntag = 'tags'\ncategory = 'categories'\nserie = 'series'\n"
    pages = {
        "Posts/a.md": _page(
            title="A", tags='["Go Lang", "Übung", "GO", "C++", "a/b"]', series="[Intro]"
        ),
        "Posts/b.md": _page(title="B", tags="[go]", categories='"Tech Notes"'),
        "c.md": _page(title="C", tags='"one two"', categories="[1, 2.5, true]"),
    }
    posts = _posts(_pages(tmp_path, config, pages))
    a, b, c = posts["Posts/a.md"], posts["Posts/b.md"], posts["c.md"]
    assert a.categories == ("posts",)
    assert a.tags == ("go-lang", "übung", "go", "c++", "a/b", "intro")
    assert (b.categories, b.tags) == (("posts", "tech-notes"), ("go",))
    assert (c.categories, c.tags) == (("1", "2.5", "true"), ("one-two",))
    assert set(b.earlier_feeds) == {
        (FeedKind.CATEGORY, "posts", "posts/index.xml"),
        (FeedKind.CATEGORY, "tech-notes", "categories/tech-notes/index.xml"),
        (FeedKind.TAG, "go", "tags/go/index.xml"),
    }
    assert (FeedKind.TAG, "intro", "series/intro/index.xml") in a.earlier_feeds
    assert (FeedKind.TAG, "a/b", "tags/a/b/index.xml") in a.earlier_feeds


def test_a_nested_sections_pages_are_its_own(tmp_path: Path) -> None:
    """A folder with its own _index file is a section of its own: Hugo lists its pages in its
    feed (notes/linux/index.xml), not in its parent's; a folder without one is part of the
    section above it."""
    pages = {
        "notes/_index.md": "---\ntitle: Notes\n---\n",
        "notes/a.md": _page(title="A"),
        "notes/go/b.md": _page(title="B"),
        "notes/linux/_index.md": "---\ntitle: Linux\n---\n",
        "notes/linux/c.md": _page(title="C"),
        "notes/linux/leaf/index.md": _page(title="D"),
    }
    posts = _posts(_pages(tmp_path, "", pages))
    notes = (FeedKind.CATEGORY, "notes", "notes/index.xml")
    linux = (FeedKind.CATEGORY, "linux", "notes/linux/index.xml")
    for source, category, feed in [
        ("notes/a.md", "notes", notes),
        ("notes/go/b.md", "notes", notes),
        ("notes/linux/c.md", "linux", linux),
        ("notes/linux/leaf/index.md", "linux", linux),
    ]:
        assert posts[source].categories == (category,), source
        assert posts[source].earlier_feeds == (feed,), source


@pytest.mark.parametrize(
    ("config", "feeds"),
    [
        ("[permalinks]\ntags = '/topic/:slug/'\n", {"p/index.xml", "topic/foo-bar/index.xml"}),
        ("[outputFormats.RSS]\nbaseName = 'feed'\n", {"p/feed.xml", "tags/foo-bar/feed.xml"}),
        ("disableKinds = ['term']\n", {"p/index.xml"}),
        ("[outputs]\nsection = ['HTML']\n", {"tags/foo-bar/index.xml"}),
        ("[taxonomies]\ncategory = 'categories'\n", {"p/index.xml"}),  # no tags taxonomy
    ],
)
def test_where_hugo_published_a_posts_feeds(tmp_path: Path, config: str, feeds: set[str]) -> None:
    posts = _posts(_pages(tmp_path, config, {"p/a.md": _page(title="A", tags="[Foo Bar]")}))
    assert {path for _, _, path in posts["p/a.md"].earlier_feeds} == feeds


def test_a_terms_feed_path_never_leaves_the_published_set(tmp_path: Path) -> None:
    """A term is sanitised as Hugo sanitises it, which keeps `.` and `/`: a tag `../../x`
    gets its feed, never a file outside the published set."""
    settings = _pages(
        tmp_path, "", {"p/a.md": _page(title="A", tags='["../../escape", ".hidden"]')}
    )
    out = tmp_path / "site-out" / "out"
    build(settings, out, NOW)
    assert not (tmp_path / "site-out" / "escape").exists() and not (tmp_path / "escape").exists()
    assert not any(".." in str(path) or "/." in str(path) for path in out.rglob("index.xml"))
    assert {p.relative_to(out).as_posix() for p in out.rglob("index.xml")} == {
        "index.xml",
        "p/index.xml",
    }


def test_feeds_are_also_published_at_hugos_paths_as_rss(tmp_path: Path) -> None:
    """/index.xml, /<section>/index.xml and /<taxonomy>/<term>/index.xml: the very same RSS
    documents as feedsvc's own, served as RSS (the manifest says so where `.xml` would say
    Atom); a page without a date is dated year 1 as Hugo's RSS says it."""
    settings = _pages(
        tmp_path,
        "",
        {
            "posts/a.md": _page(title="A", tags="[Go Lang]", categories="[Tech]"),
            "posts/b.md": _page("2023-02-03", title="B", tags="[go lang]"),
            "about.md": "---\ntitle: About\n---\nAbout.\n",
        },
    )
    out = tmp_path / "out"
    build(settings, out, NOW)
    expected = {
        "index.xml": "feed.rss",
        "posts/index.xml": "categories/posts.rss",
        "categories/tech/index.xml": "categories/tech.rss",
        "tags/go-lang/index.xml": "tags/go-lang.rss",
    }
    found = {str(path.relative_to(out)) for path in out.rglob("index.xml")}
    assert found == set(expected)
    published = PublishedSet.load(out)
    for alias, target in expected.items():
        assert (out / alias).stat().st_ino == (out / target).stat().st_ino
        document = published.get(alias)
        assert document is not None and document.media_type == "application/rss+xml; charset=utf-8"
    rss = (out / "index.xml").read_text(encoding="utf-8")
    assert "<pubDate>Mon, 01 Jan 0001 00:00:00 +0000</pubDate>" in rss
    ids = [entry.id for entry in feedparser.parse(rss).entries]
    assert ids == [
        "https://example.org/sub/posts/b/",
        "https://example.org/sub/posts/a/",
        "https://example.org/sub/about/",
    ]


ATOM = "{http://www.w3.org/2005/Atom}"

# ---------------------------------------------------------------------------------------------
# Bodies (rendered by goldmark.py, shortcodes.py and hugo_summary.py: here, wired to the site)


def test_a_hugo_posts_body_and_summary_as_hugo_renders_them(tmp_path: Path) -> None:
    """Wired to the site: its params, its markup settings and summaryLength, ref and relref to
    its own pages and sections, a bundle's image, shortcodes rendered or dropped, links
    absolute; the summary is Hugo's HTML in Atom (type html) and RSS, plain text in JSON Feed."""
    head = "---\ntitle: {}\ndate: 2023-01-02\n---\n"
    a = (
        'Read [b]({{< relref "b" >}}) and [the list]({{< ref "/posts" >}}) by '
        "{{< param owner >}}.\n\n<!--more-->\n\n![Chart](chart.png)\n\n"
        "{{< highlight go >}}\nreturn err\n{{< /highlight >}}\n\n"
        '{{< unknown x >}}Kept{{< /unknown >}}\n<div class="raw">raw</div>\n'
    )
    settings = _pages(
        tmp_path,
        "summaryLength = 5\n[params]\nowner = 'Ada'\n[markup.goldmark.renderer]\nunsafe = true\n",
        {
            "posts/a.md": head.format("A") + a,
            "posts/b/index.md": head.format("B") + "One two three four five six seven. Eight.\n",
            "posts/_index.md": "---\ntitle: Posts\n---\n",
        },
    )
    out = tmp_path / "out"
    build(settings, out, NOW)
    atom = lxml.etree.fromstring((out / "feed.atom").read_bytes())
    entries = {e.findtext(f"{ATOM}title"): e for e in atom.iter(f"{ATOM}entry")}
    a, b = entries["A"], entries["B"]
    summary = a.find(f"{ATOM}summary")
    assert summary is not None and summary.get("type") == "html"
    assert summary.text == (
        '<p>Read <a href="https://example.org/sub/posts/b/">b</a> and '
        '<a href="https://example.org/sub/posts/">the list</a> by Ada.</p>'
    )
    content = a.findtext(f"{ATOM}content") or ""
    assert '<img src="https://example.org/sub/posts/a/chart.png" alt="Chart">' in content
    assert '<code class="language-go" data-lang="go">' in content and "return err" in content
    assert "Kept" in content and "{{" not in content
    assert '<div class="raw">raw</div>' in content  # markup.goldmark.renderer.unsafe
    # whole sentences past 5 words
    assert b.findtext(f"{ATOM}summary") == "One two three four five six seven."
    json_feed = json.loads((out / "feed.json").read_bytes())
    assert {item["title"]: item["summary"] for item in json_feed["items"]}["A"] == (
        "Read b and the list by Ada."
    )


def test_a_running_service_publishes_and_expires_on_time(tmp_path: Path) -> None:
    """With no file changing, a refresh once a later publishDate has come adds the post, and one
    once an expiryDate has passed removes it (and its feeds at Hugo's paths follow)."""
    settings = _pages(
        tmp_path,
        "",
        {
            "p/later.md": _page("2023-01-02", title="Later", publishDate="2023-03-01"),
            "p/brief.md": _page("2023-01-03", title="Brief", expiryDate="2023-04-01"),
        },
        state_dir=tmp_path / "state",
    )
    refresher = Refresher(settings)

    def titles(now: dt.datetime) -> list[str]:
        assert refresher.refresh(now) is not None
        app = create_app(settings).test_client()  # a web worker that sees the new set at once
        with app.get("/p/index.xml") as response:
            return [entry.title for entry in feedparser.parse(response.data).entries]

    try:
        assert titles(dt.datetime(2023, 2, 1, tzinfo=dt.UTC)) == ["Brief"]
        assert titles(dt.datetime(2023, 3, 2, tzinfo=dt.UTC)) == ["Brief", "Later"]
        assert titles(dt.datetime(2023, 4, 2, tzinfo=dt.UTC)) == ["Later"]
    finally:
        refresher.close()
