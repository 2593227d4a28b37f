"""Hugo's rules: front matter in its three forms, the site configuration, what a post is, its
permalink, dates, drafts, taxonomies and feed paths, as Hugo 0.111 has them (each checked against
the real `hugo` while writing them; tests/test_hugo_sites.py compares whole sites with it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from feedsvc.content.matter import (
    FrontMatterError,
    NoFrontMatterError,
    body_only,
    split_front_matter,
)
from feedsvc.errors import ConfigError
from feedsvc.hugo_config import read_hugo_config
from feedsvc.settings import load_settings, load_settings_with_sources

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
    assert settings.site_rss_aliases == ["index.xml"]
    assert settings.site_feed_aliases == []  # no jekyll-feed paths


def test_hugos_defaults_without_a_configuration_of_feeds(tmp_path: Path) -> None:
    """Hugo lists every page in its RSS unless told otherwise: so does feedsvc (item_limit 0)."""
    site = _hugo_site(tmp_path, {"config.yaml": "title: T\n"})
    settings, sources = load_settings_with_sources(env={}, overrides={"content_dir": site})
    assert settings.site_rules == "hugo"
    assert settings.item_limit == 0
    assert sources["item_limit"] == "Hugo's default RSS limit: none"
    assert settings.summary_length == 70
    assert settings.timezone == "UTC"
    assert settings.site_url == "http://127.0.0.1:8000/"  # no baseURL: feedsvc's own


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
