"""Settings: one table, a documented default file, environment overrides, one-line errors."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest

from feedsvc.errors import ConfigError
from feedsvc.setting_values import default_state_dir
from feedsvc.settings import (
    CONFIG_VARIABLE,
    EXAMPLE_CONTENT,
    Settings,
    config_file_from_environment,
    load_settings,
    load_settings_with_sources,
    setting_fields,
    settings_from_environment,
)

from .conftest import REPO

DEFAULT_CONFIG = REPO / "config" / "feedsvc.toml"
SETTINGS_PAGE = REPO / "docs" / "settings.md"  # the settings table of the docs


def test_defaults_are_the_example_site() -> None:
    """With no settings at all, feedsvc publishes the bundled example, whose identity comes from
    its own site configuration (feedsvc/example/_config.yml), not from feedsvc's defaults."""
    settings, sources = load_settings_with_sources(env={})
    assert settings.content_dir == EXAMPLE_CONTENT
    assert settings.language == "zh-CN"
    assert sources["language"] == f"{EXAMPLE_CONTENT / '_config.yml'}: lang"
    assert settings.timezone == "Asia/Shanghai"
    assert settings.site_rules == "plain"
    assert settings.item_limit == 20


def test_default_config_file_documents_every_key_with_its_default() -> None:
    """config/feedsvc.toml lists every key, commented out at its default: copying it changes
    nothing, and it never hides the site's own configuration."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    written = {}
    for field in setting_fields():
        assert f"# {field.metadata['help']}\n# {field.name} = " in text, field.name
        line = text.split(f"\n# {field.name} = ", 1)[1].split("\n", 1)[0]
        written[field.name] = tomllib.loads(f"v = {line}")["v"]
    defaults = Settings()
    for field in setting_fields():
        default = getattr(defaults, field.name)
        if field.name == "content_dir":
            assert (DEFAULT_CONFIG.parent / written["content_dir"]).resolve() == default
        elif field.name == "state_dir":  # one per site: the file shows its pattern
            assert written["state_dir"] == "~/.local/state/feedsvc/<folder>-<hash>"
            assert default == default_state_dir(EXAMPLE_CONTENT, os.environ)
        elif isinstance(default, Path):
            assert Path(written[field.name]).expanduser() == default, field.name
        else:
            assert written[field.name] == default, field.name


def test_settings_page_documents_every_key() -> None:
    page = SETTINGS_PAGE.read_text(encoding="utf-8")
    for field in setting_fields():
        assert f"`{field.name}`" in page, field.name
        assert f"`FEEDSVC_{field.name.upper()}`" in page, field.name


def test_config_file_values_and_relative_content_dir(tmp_path: Path) -> None:
    (tmp_path / "posts").mkdir()
    config = tmp_path / "site.toml"
    config.write_text(
        'content_dir = "posts"\nitem_limit = 5\nsite_url = "https://a.example/blog"\n'
    )
    settings = load_settings(config, env={})
    assert settings.content_dir == tmp_path / "posts"
    assert settings.item_limit == 5
    assert settings.site_url == "https://a.example/blog/"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    config = tmp_path / "site.toml"
    config.write_text("item_limit = 5\nfuture = false\n")
    env = {
        "FEEDSVC_ITEM_LIMIT": "7",
        "FEEDSVC_FUTURE": "true",
        "FEEDSVC_SITE_URL": "https://env.example",
        "FEEDSVC_CONTENT_DIR": str(tmp_path),
        "FEEDSVC_EXCLUDE": "_drafts, private",
        "UNRELATED": "x",
    }
    settings = load_settings(config, env=env)
    assert settings.item_limit == 7
    assert settings.future is True
    assert settings.site_url == "https://env.example/"
    assert settings.content_dir == tmp_path
    assert settings.exclude == ["_drafts", "private"]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("item_limt = 3", "unknown key 'item_limt' (did you mean 'item_limit'?)"),
        ('item_limit = "many"', "item_limit: expected an integer, got 'many'"),
        ("item_limit = true", "item_limit: expected an integer, got True"),
        ("item_limit = -1", "item_limit: must be at least 0, got -1"),
        ('content_dir = "missing"', "does not exist"),
        ('timezone = "Mars/Olympus"', "unknown time zone 'Mars/Olympus'"),
        ('site_url = "news.example.com"', "is not an absolute http(s) URL"),
        ('websub_hub = "ftp://hub.example/"', "websub_hub: 'ftp://hub.example/' is not"),
        ('tag_feed_title = "{tag}"', "may use only {name} and {site_title}"),
        ("exclude = [1]", "exclude: expected a list of strings"),
        ('archive_kinds = ["month"]', "archive_kinds: 'month' is not one of site, category, tag"),
        ("archive_page_size = -1", "archive_page_size: must be at least 0, got -1"),
        ('monitoring_networks = ["10/8"]', "monitoring_networks: '10/8' is not an IP network"),
        ("item_limit = ", "site.toml"),
    ],
)
def test_bad_config_is_a_one_line_error(tmp_path: Path, toml: str, message: str) -> None:
    config = tmp_path / "site.toml"
    config.write_text(toml + "\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FEEDSVC_ITEM_LIMIT": "lots"}, "FEEDSVC_ITEM_LIMIT: expected an integer, got 'lots'"),
        ({"FEEDSVC_FUTURE": "maybe"}, "FEEDSVC_FUTURE: expected true or false"),
        ({"FEEDSVC_COLOUR": "red"}, "environment variable FEEDSVC_COLOUR: no setting 'colour'"),
        (
            {"FEEDSVC_CONTENT_DIR": "/no/such/dir"},
            "content directory '/no/such/dir' does not exist",
        ),
    ],
)
def test_bad_environment_is_a_one_line_error(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(env=env)


def test_missing_config_file() -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(Path("/no/such/feedsvc.toml"), env={})


def test_a_process_without_a_command_line_takes_feedsvc_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "feedsvc.toml"
    config.write_text(f'site_title = "From the file"\ncontent_dir = "{EXAMPLE_CONTENT}"\n')
    monkeypatch.setenv(CONFIG_VARIABLE, str(config))
    assert config_file_from_environment() == config
    assert settings_from_environment().site_title == "From the file"
    monkeypatch.setenv(CONFIG_VARIABLE, "")
    assert config_file_from_environment() is None


def test_a_process_without_a_command_line_exits_with_one_line_on_bad_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gunicorn's command line (config/gunicorn.conf.py) has nobody to show a traceback to."""
    monkeypatch.setenv(CONFIG_VARIABLE, str(tmp_path / "missing.toml"))
    with pytest.raises(SystemExit) as exited:
        settings_from_environment()
    assert (
        str(exited.value) == f"feedsvc: error: {tmp_path / 'missing.toml'}: config file not found"
    )
