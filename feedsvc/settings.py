"""The settings table: defaults, config file, FEEDSVC_* environment overrides and validation.

Every setting is declared once, as a field of `Settings` with its help text; the config file, the
environment, docs/settings.md and the tests all read that one declaration.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import typing
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from feedsvc.errors import ConfigError
from feedsvc.setting_checks import check_settings
from feedsvc.setting_values import (
    check_known,
    coerce,
    default_state_dir,
    read_config_file,
    read_env,
)
from feedsvc.site_config import LOCAL_SITE_URL
from feedsvc.site_rules import site_settings

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
        "", "The site's name: the site feed's title. Empty: the content directory's name."
    )
    site_url: str = _setting(
        LOCAL_SITE_URL,
        "The site's public URL; feed links, permalinks and ids are built on it.",
    )
    feeds_url: str = _setting(
        "",
        "Public URL the feeds are served from, when not the site's (e.g. https://feeds.example.com/).",
    )
    site_description: str = _setting(
        "", "One sentence about the site (RSS channel description, Atom subtitle)."
    )
    site_author: str = _setting("", "Author named for posts that do not name their own.")
    language: str = _setting(
        "", "Language of the posts, as a BCP 47 tag (e.g. en, zh-CN). Empty: not stated."
    )
    timezone: str = _setting(
        "UTC", "IANA time zone for dates written without one (e.g. Europe/Berlin)."
    )
    content_dir: Path = _setting(
        EXAMPLE_CONTENT,
        "Folder holding the posts, or a Hugo or Jekyll site's root. A relative path in a config "
        "file is relative to that file.",
    )
    site_rules: str = _setting(
        "auto",
        "How posts are found: hugo (pages under `content/`, Hugo's rules), jekyll (files in "
        "`_posts` folders, Jekyll's rules), plain (every text file with front matter), or auto: "
        "hugo when the folder has `hugo.toml` or `config.toml`, jekyll when it has `_config.yml` "
        "or `_posts`.",
    )
    item_limit: int = _setting(
        20, "Most entries in one feed: the newest ones. 0: no limit (a Hugo site's default)."
    )
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
        0,
        "Longest summary made from a post's text, in characters (a written excerpt is never "
        "cut). 0: no limit.",
    )
    excerpt_separator: str = _setting(
        "",
        "Where a post's automatic excerpt ends, as Jekyll's excerpt_separator. Empty: after "
        "the first paragraph.",
    )
    excerpt_only: bool = _setting(
        False, "Feed entries carry the summary only, no content (jekyll-feed's excerpt_only)."
    )
    permalink: str = _setting(
        "/:categories/:year/:month/:day/:title:output_ext",
        "Pattern of post URLs, as Jekyll writes it; a post's `permalink` overrides it.",
    )
    future: bool = _setting(False, "Publish posts dated in the future before their time comes.")
    unpublished: bool = _setting(
        False, "Publish posts marked `published: false` (or Hugo's `draft: true`) too."
    )
    expired: bool = _setting(
        False, "Keep publishing posts whose `expiryDate` has passed (Hugo's buildExpired)."
    )
    summary_length: int = _setting(
        70, "Words in a Hugo site's automatic summaries (Hugo's summaryLength)."
    )
    category_feed_title: str = _setting(
        "{name} – {site_title}",
        "Title of a category's feed; {name} and {site_title} are filled in.",
    )
    tag_feed_title: str = _setting(
        "#{name} – {site_title}", "Title of a tag's feed; {name} and {site_title} are filled in."
    )
    exclude: list[str] = _setting(
        [
            "_drafts",
            "_site",
            "_layouts",
            "_includes",
            "node_modules",
            "vendor/bundle",
            "vendor/cache",
            "vendor/gems",
            "vendor/ruby",
        ],
        "Folders never read for posts, by name or by path below the content directory (hidden "
        "ones are always skipped).",
    )
    site_feed_aliases: list[str] = _setting(
        [],
        "More paths the site's Atom feed is published at, e.g. feed.xml, where readers "
        "subscribed to an earlier feed look (a Jekyll site: jekyll-feed's feed.path).",
    )
    site_rss_aliases: list[str] = _setting(
        [],
        "More paths the site's RSS feed is published at, e.g. index.xml (a Hugo site: Hugo's "
        "own /index.xml).",
    )
    category_feed_aliases: list[str] = _setting(
        [],
        "Categories whose Atom feed is also published at feed/<name>.xml, jekyll-feed's path.",
    )
    tag_feed_alias_folder: str = _setting(
        "",
        "Folder where each tag's Atom feed is also published as <tag>.xml, as jekyll-feed's "
        "tag feeds (feed/by_tag/). Empty: none.",
    )
    tag_feed_aliases_only: list[str] = _setting(
        [], "Tags given such a path; empty: every tag whose name is letters, digits and `_`."
    )
    tag_feed_aliases_except: list[str] = _setting([], "Tags never given such a path.")
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
        default_state_dir(EXAMPLE_CONTENT, os.environ),
        "Folder of the service's published set (serve, worker). Default: one per site, "
        "$XDG_STATE_HOME/feedsvc/<folder>-<hash of its path> (XDG_STATE_HOME: ~/.local/state).",
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
        "granian",
        "HTTP server of `feedsvc serve` and `web`: granian, or gunicorn behind nginx (see "
        "docs/deploying.md).",
        how_it_runs=True,
    )
    host: str = _setting(
        "127.0.0.1", "Address `feedsvc serve` and `web` listen on.", how_it_runs=True
    )
    port: int = _setting(
        8000,
        "Port `feedsvc serve` and `web` listen on (the Procfile gives $PORT).",
        how_it_runs=True,
    )
    web_workers: int = _setting(2, "Worker processes serving HTTP.", how_it_runs=True)
    web_threads: int = _setting(
        8,
        "Threads per worker running the app (gunicorn: each holds one connection at a time).",
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
    monitoring_networks: list[str] = _setting(
        ["127.0.0.0/8", "::1/128"],
        "Networks (CIDR) whose clients may GET /status.json and /metrics; others get 404. "
        "Default: this machine only.",
        how_it_runs=True,
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
    def author_name(self) -> str:
        """Who a feed names as its author: site_author, else the site's title (Atom wants one)."""
        return self.site_author or self.site_title

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
    processes started without feedsvc's command line (gunicorn's, with config/gunicorn.conf.py)."""
    try:
        return load_settings(config_file_from_environment())
    except ConfigError as exc:
        sys.exit(f"feedsvc: error: {exc}")


_NAMES = frozenset(f.name for f in dataclasses.fields(Settings))


def setting_types() -> dict[str, Any]:
    """Each setting's type, resolved from the annotations."""
    return typing.get_type_hints(Settings)


def load_settings(
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Defaults, then the site's own configuration (a Jekyll site's `_config.yml`), then the
    config file, then FEEDSVC_* variables, then explicit overrides.

    Raises ConfigError with a one-line message for an unknown key, a wrong type, a bad value or a
    missing content directory, so start-up fails clearly instead of with a traceback.
    """
    return load_settings_with_sources(config_file, env, overrides)[0]


def load_settings_with_sources(
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> tuple[Settings, dict[str, str]]:
    """load_settings, and where each setting that is not a default came from."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    env = os.environ if env is None else env
    if config_file is not None:
        for key, value in read_config_file(config_file, setting_types()).items():
            values[key], sources[key] = value, f"{config_file}: {key}"
    for key, (value, variable) in read_env(
        env, setting_types(), ENV_PREFIX, skip=CONFIG_VARIABLE
    ).items():
        values[key], sources[key] = value, variable
    for key, value in (overrides or {}).items():
        values[key], sources[key] = value, "command line"
    site_values, site_sources = _from_site(values)
    values = {**site_values, **values}
    sources = {**site_sources, **sources}
    for key in ("site_url", "feeds_url"):  # so relative references resolve under, not beside
        if values.get(key) and not values[key].endswith("/"):
            values[key] += "/"
    content_dir = Path(values.get("content_dir", EXAMPLE_CONTENT))
    if not values.get("site_title"):
        values["site_title"] = content_dir.resolve().name or "feedsvc"
        sources["site_title"] = "the content directory's name"
    if "state_dir" not in values:  # one per site: two sites never share a published set
        values["state_dir"] = default_state_dir(content_dir, env)
        sources["state_dir"] = "one per content directory"
    settings = Settings(**values)
    check_settings(settings)
    return settings, sources


def _from_site(given: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings the site's own configuration gives, `site_rules` resolved among them.
    Nothing is read when every setting is given already: the web workers get all of them from
    the process that starts them, and read no site file."""
    content_dir = Path(given.get("content_dir", EXAMPLE_CONTENT))
    if {f.name for f in setting_fields()} <= given.keys() or not content_dir.is_dir():
        return {}, {}  # a missing content directory: check_settings says so
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    types = setting_types()
    for key, (value, where) in site_settings(content_dir, given.get("site_rules")).items():
        check_known(key, _NAMES, f"{where}: no setting {key!r}")
        values[key] = coerce(key, types[key], value, where)
        sources[key] = where
    if "exclude" in values:  # added to the defaults, as Jekyll adds its own
        values["exclude"] = list(dict.fromkeys([*_default("exclude"), *values["exclude"]]))
    return values, sources


def _default(key: str) -> Any:
    field = next(f for f in setting_fields() if f.name == key)
    return field.default_factory() if callable(field.default_factory) else field.default


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
