"""A site's own configuration as feedsvc settings: Jekyll's `_config.yml`, jekyll-feed's `feed:`
block and a `feedsvc:` block, below feedsvc's own config file and environment."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from feedsvc.errors import ConfigError
from feedsvc.model.aliases import feed_aliases
from feedsvc.model.kinds import SITE_FEED
from feedsvc.settings import load_settings, load_settings_with_sources, to_environment

JEKYLL_CONFIG = """\
title: Ada's Workshop
description: Notes from the bench.
url: "https://ada.example.org"
baseurl: /blog
author:
  name: Ada Lovelace
  email: ada@example.org
lang: en-GB
timezone: America/Los_Angeles
permalink: pretty
future: true
excerpt_separator: <!--more-->
exclude: [old/, README.md]
repository: ada/workshop
plugins: [jekyll-feed]
"""


def _site(tmp_path: Path, config: str, name: str = "_config.yml") -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / name).write_text(config, encoding="utf-8")
    return site


def test_a_jekyll_sites_configuration_gives_its_identity(tmp_path: Path) -> None:
    site = _site(tmp_path, JEKYLL_CONFIG)
    settings, sources = load_settings_with_sources(env={}, overrides={"content_dir": site})
    assert settings.site_rules == "jekyll"
    assert settings.site_title == "Ada's Workshop"
    assert settings.site_description == "Notes from the bench."
    assert settings.site_url == "https://ada.example.org/blog/"
    assert settings.site_author == "Ada Lovelace"
    assert settings.language == "en-GB"
    assert settings.timezone == "America/Los_Angeles"
    assert settings.permalink == "pretty"
    assert settings.future is True
    assert settings.excerpt_separator == "<!--more-->"
    assert {"old/", "README.md", "_drafts", "node_modules"} <= set(settings.exclude)
    # jekyll-feed's defaults when the site has no `feed:` block
    assert settings.site_feed_aliases == ["feed.xml"]
    assert settings.item_limit == 10
    assert sources["site_url"] == f"{site / '_config.yml'}: url, baseurl"
    assert sources["site_rules"] == "auto: _config.yml or _posts found"


def test_jekyll_feeds_block_gives_its_paths_and_limit(tmp_path: Path) -> None:
    feed = """\
feed:
  path: blog/atom.xml
  posts_limit: 20
  excerpt_only: true
  categories: [blog, Writing]
  tags:
    path: /feed/tags/
    except: [meta]
"""
    site = _site(tmp_path, "title: T\n" + feed)
    settings = load_settings(env={}, overrides={"content_dir": site})
    assert settings.site_feed_aliases == ["blog/atom.xml"]
    assert settings.item_limit == 20
    assert settings.excerpt_only is True
    assert settings.category_feed_aliases == ["blog", "Writing"]
    assert settings.tag_feed_alias_folder == "feed/tags/"
    assert settings.tag_feed_aliases_except == ["meta"]
    assert settings.tag_feed_aliases_only == []


@pytest.mark.parametrize("name", ["_config.yml", "_config.yaml", "_config.toml"])
def test_every_configuration_name_jekyll_reads(tmp_path: Path, name: str) -> None:
    text = 'title = "Toml site"\n' if name.endswith("toml") else "title: Toml site\n"
    site = _site(tmp_path, text, name)
    assert load_settings(env={}, overrides={"content_dir": site}).site_title == "Toml site"


def test_feedsvcs_own_settings_win_over_the_site(tmp_path: Path) -> None:
    site = _site(tmp_path, JEKYLL_CONFIG + "feedsvc:\n  item_limit: 30\n  language: de\n")
    config = tmp_path / "feedsvc.toml"
    config.write_text('site_title = "From the file"\nlanguage = "fr"\n')
    env = {"FEEDSVC_TIMEZONE": "Europe/Berlin"}
    settings, sources = load_settings_with_sources(config, env, {"content_dir": site})
    assert settings.item_limit == 30  # the site's feedsvc: block beats jekyll-feed's keys
    assert sources["item_limit"] == f"{site / '_config.yml'}: feedsvc.item_limit"
    assert settings.language == "fr"  # the config file beats the site
    assert settings.site_title == "From the file"
    assert settings.timezone == "Europe/Berlin"  # the environment beats both
    assert sources["timezone"] == "FEEDSVC_TIMEZONE"
    assert sources["content_dir"] == "command line"


def test_without_any_configuration_nothing_of_the_example_leaks(tmp_path: Path) -> None:
    site = tmp_path / "my-notes"
    site.mkdir()
    (site / "a.md").write_text("---\ntitle: A\n---\nBody\n")
    settings, sources = load_settings_with_sources(env={}, overrides={"content_dir": site})
    assert settings.site_rules == "plain"
    assert settings.site_title == "my-notes"
    assert sources["site_title"] == "the content directory's name"
    assert (settings.language, settings.site_description, settings.site_author) == ("", "", "")
    assert settings.timezone == "UTC"
    assert settings.item_limit == 20
    assert settings.site_feed_aliases == []


def test_a_posts_folder_one_level_down_makes_a_jekyll_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "blog" / "_posts").mkdir(parents=True)
    assert load_settings(env={}, overrides={"content_dir": site}).site_rules == "jekyll"


def test_an_unusable_jekyll_value_is_left_out_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = _site(tmp_path, "title: [not, text]\nfuture: sometimes\nlang: en\n")
    with caplog.at_level(logging.WARNING):
        settings = load_settings(env={}, overrides={"content_dir": site})
    assert settings.site_title == "site" and settings.future is False
    assert settings.language == "en"
    assert "_config.yml: title: ['not', 'text'] is not usable here; left out" in caplog.text


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        ("title: [unclosed\n", "cannot read the site configuration"),
        ("- a list\n- not a mapping\n", "must be key: value pairs"),
        ("feedsvc:\n  item_limt: 3\n", "no setting 'item_limt' (did you mean 'item_limit'?)"),
        ("feedsvc:\n  item_limit: many\n", "feedsvc.item_limit: expected an integer"),
    ],
)
def test_a_bad_site_configuration_is_a_one_line_error_naming_the_file(
    tmp_path: Path, config: str, reason: str
) -> None:
    site = _site(tmp_path, config)
    with pytest.raises(ConfigError, match=r"_config\.yml") as caught:
        load_settings(env={}, overrides={"content_dir": site})
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_site_config_is_not_read_when_every_setting_is_given(tmp_path: Path) -> None:
    """The web workers get every setting in FEEDSVC_* variables and read no site file: even a
    broken one (it was read, and refused, by the process that started them)."""
    site = _site(tmp_path, JEKYLL_CONFIG)
    env = to_environment(load_settings(env={}, overrides={"content_dir": site}))
    (site / "_config.yml").write_text("title: [broken\n")
    assert load_settings(env=env).site_title == "Ada's Workshop"


def test_the_posts_collections_permalink_wins(tmp_path: Path) -> None:
    """jekyllrb.com's own site sets its posts' URLs in `collections: posts: permalink:`."""
    config = 'permalink: pretty\ncollections:\n  posts:\n    permalink: "/news/:year/:title/"\n'
    site = _site(tmp_path, config)
    settings, sources = load_settings_with_sources(env={}, overrides={"content_dir": site})
    assert settings.permalink == "/news/:year/:title/"
    assert sources["permalink"].endswith("_config.yml: collections.posts.permalink")


def test_a_baseurl_without_url_still_places_every_link(tmp_path: Path) -> None:
    site = _site(tmp_path, "baseurl: /blog\n")
    assert load_settings(env={}, overrides={"content_dir": site}).site_url == (
        "http://127.0.0.1:8000/blog/"
    )


def test_the_sites_own_feed_templates_become_aliases(tmp_path: Path) -> None:
    """An older Jekyll site publishes a hand-written atom.xml (Liquid over site.posts) instead
    of jekyll-feed's: its readers keep their URL too. A sitemap is no feed. (The site sits in a
    folder named feedsvc: only a `feedsvc:` block of its own may replace the aliases.)"""
    (tmp_path / "feedsvc").mkdir()
    site = _site(tmp_path / "feedsvc", "title: T\n")
    template = "---\nlayout: null\n---\n<feed>{% for post in site.posts %}{% endfor %}</feed>\n"
    (site / "atom.xml").write_text(template)
    (site / "rss.xml").write_text(template.replace("<feed>", "<rss>").replace("</feed>", "</rss>"))
    (site / "sitemap.xml").write_text("---\n---\n<urlset>{% for post in site.posts %}{% endfor %}")
    (site / "plain.xml").write_text("<feed/>")  # not a template: Jekyll copies it as it is
    settings = load_settings(env={}, overrides={"content_dir": site})
    assert settings.site_feed_aliases == ["feed.xml", "atom.xml", "rss.xml"]
    (tmp_path / "own").mkdir()
    chosen = _site(tmp_path / "own", "feedsvc:\n  site_feed_aliases: [x.xml]\n")
    (chosen / "atom.xml").write_text(template)
    assert load_settings(env={}, overrides={"content_dir": chosen}).site_feed_aliases == ["x.xml"]


@pytest.mark.parametrize(
    ("written", "alias", "warned"),
    [
        ("https://ada.example.org/blog/atom.xml", "atom.xml", False),  # the site's own host
        ("https://feeds.feedburner.com/ada", "feed.xml", True),  # another host: the default
        ("../../etc/passwd.xml", "feed.xml", True),
        ("/.hidden/feed.xml", "feed.xml", True),
        ("/feed", "feed.xml", True),  # not an Atom file name
    ],
)
def test_jekyll_feeds_path_is_published_only_where_feedsvc_can(
    tmp_path: Path, written: str, alias: str, warned: bool, caplog: pytest.LogCaptureFixture
) -> None:
    config = f"url: https://ada.example.org\nbaseurl: /blog\nfeed:\n  path: {written}\n"
    site = _site(tmp_path, config)
    with caplog.at_level(logging.WARNING):
        settings = load_settings(env={}, overrides={"content_dir": site})
    assert settings.site_feed_aliases == [alias]
    assert ("feed.path" in caplog.text) is warned


def test_an_alias_never_replaces_one_of_feedsvcs_own_feeds(tmp_path: Path) -> None:
    site = _site(tmp_path, "feedsvc:\n  site_feed_aliases: [feed.atom, tags/x.atom, feed.xml]\n")
    settings = load_settings(env={}, overrides={"content_dir": site})
    assert feed_aliases(settings, [SITE_FEED]) == {"feed.xml": "feed.atom"}
