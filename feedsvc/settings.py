"""The settings table: defaults, config file, FEEDSVC_* environment overrides and validation.

Every setting is declared once, as a field of `Settings` with its help text; the config file, the
environment, docs/settings.md and the tests all read that one declaration.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import sys
import tomllib
import typing
import zoneinfo
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from feedsvc.errors import ConfigError
from feedsvc.setting_checks import check_settings

ENV_PREFIX = "FEEDSVC_"
CONFIG_VARIABLE = "FEEDSVC_CONFIG"  # the settings file, when no --config names one
EXAMPLE_CONTENT = Path(__file__).parent / "example"


def _setting(default: Any, help: str, how_it_runs: bool = False) -> Any:
    """Declare one setting: its default, the sentence that documents it, and whether it only
    changes how feedsvc runs, never what it reads or publishes (see output_settings)."""
    metadata = {"help": help, "how_it_runs": how_it_runs}
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda: list(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything an operator can set. Each field's help is the documentation of that key."""

    site_title: str = _setting(
        "财经新闻 · feedsvc example", "The site's name: the site feed's title."
    )
    site_url: str = _setting(
        "http://127.0.0.1:8000/",
        "The site's public URL; feed links, permalinks and ids are built on it.",
    )
    feeds_url: str = _setting(
        "",
        "Public URL the feeds are served from, when not the site's (e.g. https://feeds.example.com/).",
    )
    site_description: str = _setting(
        "Financial news from Chinese sources, published by feedsvc.",
        "One sentence about the site (RSS channel description, Atom subtitle).",
    )
    site_author: str = _setting(
        "feedsvc example", "Author named for posts that do not name their own."
    )
    language: str = _setting("zh-CN", "Language of the posts, as a BCP 47 tag (e.g. en, zh-CN).")
    timezone: str = _setting(
        "Asia/Shanghai", "IANA time zone for dates written without one (e.g. Europe/Berlin)."
    )
    content_dir: Path = _setting(
        EXAMPLE_CONTENT,
        "Folder holding the posts. A relative path in a config file is relative to that file.",
    )
    item_limit: int = _setting(20, "Most entries in one feed: the newest ones.")
    max_feed_bytes: int = _setting(
        1024 * 1024,
        "Largest feed document in bytes: the oldest entries that do not fit are left out. 0: none.",
    )
    archive_page_size: int = _setting(
        100,
        "Posts per archive page (oldest first) of the feeds in archive_kinds; 0: no archive pages.",
    )
    archive_kinds: list[str] = _setting(
        [],
        "Feeds with archive pages (RFC 5005 full history): any of site, category, tag. None by "
        "default: see docs/archives.md for their cost.",
    )
    excerpt_length: int = _setting(
        200, "Longest automatic summary, in characters, when a post has no excerpt."
    )
    permalink: str = _setting(
        "/:categories/:year/:month/:day/:title:output_ext",
        "Pattern of post URLs, as Jekyll writes it; a post's `permalink` overrides it.",
    )
    future: bool = _setting(False, "Publish posts dated in the future before their time comes.")
    category_feed_title: str = _setting(
        "{name} – {site_title}",
        "Title of a category's feed; {name} and {site_title} are filled in.",
    )
    tag_feed_title: str = _setting(
        "#{name} – {site_title}", "Title of a tag's feed; {name} and {site_title} are filled in."
    )
    exclude: list[str] = _setting(
        ["_drafts", "_site", "_layouts", "_includes", "node_modules"],
        "Folder names never read for posts (hidden files and folders are always skipped).",
    )
    refresh_interval: float = _setting(
        60.0,
        "Seconds between refreshes of the content directory (fractions allowed); also the "
        "polling hint: max-age, RSS <ttl>, sy:updateFrequency.",
        how_it_runs=True,
    )
    watch: bool = _setting(
        False,
        "Also refresh within a second of any change in the content directory (watchdog).",
        how_it_runs=True,
    )
    workers: int = _setting(
        0,
        "Processes reading and rendering a cold start or large change: 0 is one per core, 1 none.",
        how_it_runs=True,
    )
    max_removed_share: float = _setting(
        0.5,
        "Largest share of posts one refresh may remove; more publishes nothing (unmount?).",
        how_it_runs=True,
    )
    state_dir: Path = _setting(
        Path("~/.local/state/feedsvc").expanduser(),
        "Folder of the service's published set (serve, worker); give each site its own.",
    )
    stale_while_revalidate: int = _setting(
        300, "Seconds a cache may serve a stale feed while it revalidates (RFC 5861)."
    )
    stale_if_error: int = _setting(
        86400, "Seconds a cache may serve a stale feed when feedsvc fails (RFC 5861)."
    )
    websub_hub: str = _setting(
        "", "WebSub hub URL: feeds advertise it and it is pinged when they change. Empty: off."
    )
    server: str = _setting(
        "gunicorn",
        "HTTP server of `feedsvc serve`: gunicorn, or granian (see docs/deploying.md).",
        how_it_runs=True,
    )
    host: str = _setting("127.0.0.1", "Address `feedsvc serve` listens on.", how_it_runs=True)
    port: int = _setting(
        8000,
        "Port `feedsvc serve` listens on (the Procfile uses $PORT).",
        how_it_runs=True,
    )
    web_workers: int = _setting(2, "gunicorn worker processes serving HTTP.", how_it_runs=True)
    web_threads: int = _setting(
        8,
        "Threads per worker; each holds one keep-alive connection.",
        how_it_runs=True,
    )
    rate_limit: int = _setting(
        0, "Most requests one client may make for one document per window; more get 429. 0: none."
    )
    rate_limit_window: float = _setting(
        300.0, "Seconds rate_limit counts over: a burst of rate_limit, then an even pace."
    )
    proxy_count: int = _setting(
        0, "Proxies in front adding X-Forwarded-For (1 behind nginx); 0: the peer is the client."
    )
    max_post_bytes: int = _setting(
        10 * 1024 * 1024, "Largest post file read, in bytes; a larger file is reported as bad."
    )
    max_terms_per_post: int = _setting(
        100, "Most categories plus tags one post may have; a post with more is reported as bad."
    )

    @property
    def feeds_base(self) -> str:
        """Where the feeds are served: feeds_url, else the site's URL."""
        return self.feeds_url or self.site_url

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The site's time zone, for dates written without one."""
        return zoneinfo.ZoneInfo(self.timezone)


def setting_fields() -> list[dataclasses.Field[Any]]:
    """Every setting, in declaration order (the order of the config file and docs/settings.md)."""
    return list(dataclasses.fields(Settings))


def output_settings(settings: Settings) -> Settings:
    """The settings with every how-it-runs setting set to its type's empty value: what readings
    and documents depend on, so that changing how feedsvc runs (workers, port, ...) does not make
    a restarted service read and render everything again."""
    how_it_runs = {
        field.name: type(getattr(settings, field.name))()
        for field in setting_fields()
        if field.metadata["how_it_runs"]
    }
    return dataclasses.replace(settings, **how_it_runs)


def config_file_from_environment(env: Mapping[str, str] | None = None) -> Path | None:
    """The settings file FEEDSVC_CONFIG names, if it names one."""
    config = (os.environ if env is None else env).get(CONFIG_VARIABLE)
    return Path(config) if config else None


def settings_from_environment() -> Settings:
    """Settings from FEEDSVC_CONFIG (if set) and FEEDSVC_* variables, or exit with one line: for
    processes started without a command line (the Procfile's web: line, granian's workers)."""
    try:
        return load_settings(config_file_from_environment())
    except ConfigError as exc:
        sys.exit(f"feedsvc: error: {exc}")


def setting_types() -> dict[str, Any]:
    """Each setting's type, resolved from the annotations."""
    return typing.get_type_hints(Settings)


def load_settings(
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Defaults, then the config file, then FEEDSVC_* variables, then explicit overrides.

    Raises ConfigError with a one-line message for an unknown key, a wrong type, a bad value or a
    missing content directory, so start-up fails clearly instead of with a traceback.
    """
    values: dict[str, Any] = {}
    if config_file is not None:
        values.update(_read_config_file(config_file))
    values.update(_read_env(os.environ if env is None else env))
    values.update(overrides or {})
    for key in ("site_url", "feeds_url"):  # so relative references resolve under, not beside
        if values.get(key) and not values[key].endswith("/"):
            values[key] += "/"
    settings = Settings(**values)
    check_settings(settings)
    return settings


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    values = {}
    types = setting_types()
    for key, raw_value in raw.items():
        _check_known(key, f"{path}: unknown key {key!r}")
        value = _coerce(key, types[key], raw_value, f"{path}: {key}")
        if isinstance(value, Path) and not value.is_absolute():
            value = (path.parent / value).resolve()
        values[key] = value
    return values


def _read_env(env: Mapping[str, str]) -> dict[str, Any]:
    values = {}
    types = setting_types()
    for var, text in env.items():
        if not var.startswith(ENV_PREFIX) or var == CONFIG_VARIABLE:
            continue
        key = var.removeprefix(ENV_PREFIX).lower()
        _check_known(key, f"environment variable {var}: no setting {key!r}")
        values[key] = _coerce(key, types[key], _from_env_text(types[key], text), var)
    return values


def to_environment(settings: Settings) -> dict[str, str]:
    """FEEDSVC_* variables that make `load_settings` in another process give the same settings:
    how `feedsvc serve` hands its settings to the refresher process it starts beside it."""
    env = {}
    for field in setting_fields():
        value = getattr(settings, field.name)
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, list):
            text = ",".join(value)
        else:
            text = str(value)
        env[f"{ENV_PREFIX}{field.name.upper()}"] = text
    return env


def _check_known(key: str, message: str) -> None:
    names = [f.name for f in setting_fields()]
    if key not in names:
        close = difflib.get_close_matches(key, names, n=1)
        raise ConfigError(message + (f" (did you mean {close[0]!r}?)" if close else ""))


def _from_env_text(kind: Any, text: str) -> Any:
    """Turn an environment variable's text into the value a TOML file would have given."""
    if kind is bool:
        lowered = text.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        return text
    if kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            return text
    if kind == list[str]:
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def _coerce(key: str, kind: Any, value: Any, where: str) -> Any:
    """Check a value against its setting's type; Path settings accept strings."""
    if kind is Path and isinstance(value, str):
        return Path(value).expanduser()
    ok: Callable[[Any], bool] = {
        str: lambda v: isinstance(v, str),
        bool: lambda v: isinstance(v, bool),
        int: lambda v: isinstance(v, int) and not isinstance(v, bool),
        float: lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        list[str]: lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    }[kind]
    if not ok(value):
        raise ConfigError(f"{where}: expected {_type_name(kind)}, got {value!r}")
    return float(value) if kind is float else value


def _type_name(kind: Any) -> str:
    names = {str: "a string", bool: "true or false", int: "an integer", float: "a number"}
    return names.get(kind, "a list of strings")
