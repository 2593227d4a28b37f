"""A Hugo site's configuration read as Hugo 0.111 merges it (`hugo.toml` or `config.toml` at the
root, then `config/_default/`, then `config/production/`: `hugo` builds for production), every key
lower-cased as Hugo reads them, and what of it becomes feedsvc settings."""

from __future__ import annotations

import functools
import json
import logging
import os
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from feedsvc import setting_values
from feedsvc.errors import ConfigError
from feedsvc.site_config import FEEDSVC_KEY, load_yaml

logger = logging.getLogger(__name__)

CONFIG_NAMES = ("hugo", "config")  # Hugo's, in its order: the first found is read
CONFIG_SUFFIXES = (".toml", ".yaml", ".yml", ".json")
CONFIG_FOLDER = "config"
ENVIRONMENT = "production"  # `hugo` builds for production (`hugo server` for development)
CONTENT_FOLDER = "content"  # contentDir's default
SUMMARY_LENGTH = 70  # summaryLength's default, in words
RSS_BASE_NAME = "index"  # the RSS output format's file name: /index.xml, /posts/index.xml
DEFAULT_TAXONOMIES = {"tag": "tags", "category": "categories"}  # singular -> plural (the path)


@dataclass(frozen=True)
class HugoConfig:
    """A Hugo site's configuration, merged from its files, keys lower-cased."""

    files: tuple[Path, ...] = ()  # in the order read: a later file's values win
    data: Mapping[str, Any] = field(default_factory=dict)
    origins: Mapping[str, Path] = field(default_factory=dict)  # top-level key -> its file

    def get(self, dotted: str, default: Any = None) -> Any:
        """The value at a dotted path of lower-case keys (`services.rss.limit`), or `default`."""
        value: Any = self.data
        for key in dotted.split("."):
            if not isinstance(value, Mapping) or key not in value:
                return default
            value = value[key]
        return value

    def where(self, dotted: str, written: str | None = None) -> str:
        """Where a key was found, for messages and `feedsvc settings`: its file and its name as
        Hugo's documentation writes it (`baseURL`)."""
        origin = self.origins.get(dotted.split(".")[0])
        name = written or dotted
        return f"{origin}: {name}" if origin else name


def config_files(root: Path) -> list[Path]:
    """The files Hugo reads as the site's configuration, in its order."""
    files: list[Path] = []
    for name in CONFIG_NAMES:
        found = next(
            (root / (name + s) for s in CONFIG_SUFFIXES if (root / (name + s)).is_file()), None
        )
        if found is not None:
            files.append(found)
            break
    for environment in ("_default", ENVIRONMENT):
        folder = root / CONFIG_FOLDER / environment
        if folder.is_dir():
            files.extend(sorted(_config_files_below(folder)))
    return files


def _config_files_below(folder: Path) -> Iterator[Path]:
    for parent, folders, names in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in names:
            if name.endswith(CONFIG_SUFFIXES) and not name.startswith("."):
                yield Path(parent) / name


def read_hugo_config(root: Path) -> HugoConfig:
    """The site's configuration as Hugo merges it: a file in the config folder named other than
    hugo or config is the table of its name (`params.toml` is `[params]`; `params.fr.toml` is
    `[languages.fr.params]`); tables merge key by key, the later file winning. Raises
    ConfigError naming the file when one cannot be read or is not a mapping."""
    data: dict[str, Any] = {}
    origins: dict[str, Path] = {}
    files = config_files(root)
    for path in files:
        item = _lower_keys(_read(path))
        stem = path.name.rsplit(".", 1)[0]
        if path.parent != root and stem not in CONFIG_NAMES:
            name, _, language = stem.partition(".")
            if language:
                inner = {name: item} if name in ("menus", "menu", "params") else item
                item = {"languages": {language.lower(): inner}}
            else:
                item = {name.lower(): item}
        for key in item:
            origins[key] = path
        _merge(data, item)
    return HugoConfig(tuple(files), data, origins)


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            data = load_yaml(text)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ConfigError(f"{path}: cannot read the site configuration: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the site configuration must be key: value pairs")
    return data


def _lower_keys(value: Any) -> Any:
    """Every mapping key lower-cased, at every depth, as Hugo's configuration reads them."""
    if isinstance(value, dict):
        return {str(key).lower(): _lower_keys(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_lower_keys(inner) for inner in value]
    return value


def _merge(into: dict[str, Any], new: Mapping[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


@functools.lru_cache(maxsize=8)
def _cached(root: Path, stamps: tuple[tuple[str, int, int], ...]) -> HugoConfig:
    return read_hugo_config(root)


def current_hugo_config(root: Path) -> HugoConfig:
    """read_hugo_config, read again only when one of its files changed: for the rules every
    post applies (permalinks, taxonomies, dates) on every refresh. An unreadable one is empty here
    (start-up refused it already; the log said why)."""
    stamps = []
    for path in config_files(root):
        try:
            info = path.stat()
        except OSError:
            continue
        stamps.append((str(path), info.st_mtime_ns, info.st_size))
    try:
        return _cached(root, tuple(stamps))
    except ConfigError as exc:
        logger.warning("%s", exc)
        return HugoConfig()


def content_folder(config: HugoConfig) -> str:
    """The folder below the site's root that holds its content (`contentDir`), with `/`."""
    written = config.get("contentdir")
    if isinstance(written, str) and written.strip("/ "):
        parts = [part for part in written.strip().strip("/").split("/") if part not in ("", ".")]
        if parts and ".." not in parts and not parts[0].startswith("."):
            return "/".join(parts)
    return CONTENT_FOLDER


def hugo_marker(root: Path) -> str | None:
    """Why `root` is read by Hugo's rules (the file or folder that says so), or None: a
    `hugo.toml` (`.yaml`, `.json`) at its top, or a `config.toml` (`.yaml`, `.json`) or a
    `config/_default/` folder beside the content folder they name (a folder of plain posts may
    hold a file named config.toml of its own)."""
    for suffix in CONFIG_SUFFIXES:
        if (root / ("hugo" + suffix)).is_file():
            return "hugo" + suffix
    marker = next(
        (f"config{s}" for s in CONFIG_SUFFIXES if (root / ("config" + s)).is_file()), None
    )
    if marker is None and (root / CONFIG_FOLDER / "_default").is_dir():
        marker = f"{CONFIG_FOLDER}/_default/"
    if marker is None:
        return None
    try:
        folder = content_folder(read_hugo_config(root))
    except ConfigError:
        folder = CONTENT_FOLDER  # start-up says what is wrong with it
    return marker if (root / folder).is_dir() else None


def hugo_settings(config: HugoConfig) -> dict[str, tuple[Any, str]]:
    """feedsvc setting -> (value, where it was found), from a Hugo site's configuration; a
    `[feedsvc]` table of feedsvc settings wins. A value feedsvc cannot use is left out with a
    warning."""
    found: dict[str, tuple[Any, str]] = {}

    def take(setting: str, dotted: str, written: str, kind: type) -> None:
        value = config.get(dotted)
        if value is None:
            return
        usable = setting_values.usable(value, kind)
        if usable is None:
            logger.warning(
                "%s: %r is not usable here; left out", config.where(dotted, written), value
            )
        else:
            found[setting] = (usable, config.where(dotted, written))

    take("site_title", "title", "title", str)
    url = config.get("baseurl")
    if isinstance(url, str) and urlsplit(url.strip()).scheme in ("http", "https"):
        found["site_url"] = (url.strip(), config.where("baseurl", "baseURL"))
    elif url:
        logger.warning(
            "%s: %r is not an absolute URL (set site_url); left out",
            config.where("baseurl", "baseURL"),
            url,
        )
    take("language", "languagecode", "languageCode", str)
    take("site_description", "params.description", "params.description", str)
    author = config.get("params.author")
    if isinstance(author, dict) or author is None:
        take("site_author", "author.name", "author.name", str)
        take("site_author", "params.author.name", "params.author.name", str)
    else:
        take("site_author", "params.author", "params.author", str)
    take("timezone", "timezone", "timeZone", str)
    take("unpublished", "builddrafts", "buildDrafts", bool)
    take("future", "buildfuture", "buildFuture", bool)
    take("expired", "buildexpired", "buildExpired", bool)
    take("summary_length", "summarylength", "summaryLength", int)
    found.update(_rss_settings(config))
    block = config.get(FEEDSVC_KEY)
    if isinstance(block, dict):
        for key, value in block.items():
            found[str(key)] = (value, config.where(FEEDSVC_KEY, f"{FEEDSVC_KEY}.{key}"))
    return found


def _rss_settings(config: HugoConfig) -> dict[str, tuple[Any, str]]:
    """Hugo's RSS limit as item_limit, and its home feed's path as an alias of feedsvc's RSS
    feed. Without a limit (Hugo's default, or one below 1, which Hugo's RSS template ignores)
    Hugo lists every page, whatever the size: so do feedsvc's feeds, with max_feed_bytes 0
    too, or a site's larger feeds would lose their older posts to the 1 MiB default."""
    settings: dict[str, tuple[Any, str]] = {}
    limit, where = 0, "Hugo's default RSS limit: none"
    for dotted, written in (("services.rss.limit", "services.rss.limit"), ("rsslimit", "rssLimit")):
        value = config.get(dotted)
        if isinstance(value, int) and not isinstance(value, bool):
            limit, where = max(value, 0), config.where(dotted, written)
            break
    settings["item_limit"] = (limit, where)
    if limit == 0:
        settings["max_feed_bytes"] = (0, where)
    if rss_enabled(config, "home"):
        where = "Hugo's RSS path"
        if config.get("outputformats.rss.basename") is not None:
            where = config.where("outputformats.rss.basename", "outputFormats.RSS.baseName")
        settings["site_rss_aliases"] = ([rss_file_name(config)], where)
    return settings


def rss_file_name(config: HugoConfig) -> str:
    """The file name of each of the site's RSS feeds (`index.xml`, or its RSS baseName)."""
    base = config.get("outputformats.rss.basename")
    base = base.strip("/ ") if isinstance(base, str) and base.strip("/ ") else RSS_BASE_NAME
    return f"{base}.xml"


def rss_enabled(config: HugoConfig, kind: str) -> bool:
    """Whether Hugo writes an RSS feed for pages of this kind (home, section, taxonomy, term):
    not when `disableKinds` names RSS or the kind, nor when the kind's `outputs` leave RSS out."""
    disabled = config.get("disablekinds")
    if isinstance(disabled, list) and {"rss", kind} & {str(d).lower() for d in disabled}:
        return False
    outputs = config.get(f"outputs.{kind}")
    if isinstance(outputs, list):
        return "rss" in {str(o).lower() for o in outputs}
    return True


def taxonomies(config: HugoConfig) -> dict[str, str]:
    """The site's taxonomies, singular -> plural (the plural names the front-matter key and the
    folder of its term pages); Hugo's tags and categories unless the site names its own."""
    written = config.get("taxonomies")
    if not isinstance(written, dict):
        return dict(DEFAULT_TAXONOMIES)
    return {
        str(singular): str(plural).strip()
        for singular, plural in written.items()
        if isinstance(plural, str) and plural.strip()
    }
