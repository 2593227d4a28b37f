"""A site's own configuration (Jekyll's `_config.yml`) read as feedsvc settings, so a site owner
repeats nothing they already wrote there.

The values found here sit between feedsvc's defaults and its own settings: the config file,
`FEEDSVC_*` variables and command-line options all win over them. Every value carries where it
came from, for `feedsvc settings`.
"""

from __future__ import annotations

import functools
import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from feedsvc import setting_values
from feedsvc.errors import ConfigError

logger = logging.getLogger(__name__)

SITE_CONFIG_NAMES = ("_config.yml", "_config.yaml", "_config.toml")  # Jekyll's, in its order
POSTS_FOLDER = "_posts"
FEEDSVC_KEY = "feedsvc"  # a block of feedsvc settings inside the site's own configuration
# Jekyll's named permalink styles (https://jekyllrb.com/docs/permalinks/#built-in-formats).
PERMALINK_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
LOCAL_SITE_URL = "http://127.0.0.1:8000/"  # site_url's default: where `feedsvc serve` listens
JEKYLL_FEED_PATH = "feed.xml"  # jekyll-feed's site feed when its `feed.path` is not set
JEKYLL_FEED_LIMIT = 10  # jekyll-feed's entries per feed when `feed.posts_limit` is not set
JEKYLL_TAG_FEED_FOLDER = "feed/by_tag/"  # jekyll-feed's tag feeds, when `feed.tags` asks


@dataclass(frozen=True)
class SiteConfig:
    """The site configuration file of a content directory, as written."""

    path: Path | None  # None: the site has none
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name if self.path else "site configuration"


@functools.lru_cache(maxsize=8)
def _cached(root: Path, stamp: tuple[int, int]) -> SiteConfig:
    return read_site_config(root)


def current_site_config(root: Path) -> SiteConfig:
    """read_site_config, read again only when a configuration file changed: for rules every
    post applies (front-matter defaults) on every refresh. An unreadable one is empty here
    (start-up refused it already; the log said why)."""
    stamps = []
    for name in SITE_CONFIG_NAMES:
        try:
            info = (root / name).stat()
        except OSError:
            continue
        stamps.append((info.st_mtime_ns, info.st_size))
    try:
        return _cached(root, stamps[0] if stamps else (0, 0))
    except ConfigError as exc:
        logger.warning("%s", exc)
        return SiteConfig(None)


def read_site_config(root: Path) -> SiteConfig:
    """The first of `_config.yml`, `_config.yaml`, `_config.toml` in `root` (Jekyll reads the
    same names); an empty SiteConfig when there is none. Raises ConfigError naming the file when
    it cannot be read or is not a mapping."""
    for name in SITE_CONFIG_NAMES:
        path = root / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8-sig")
            data = tomllib.loads(text) if name.endswith(".toml") else load_yaml(text)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ConfigError(f"{path}: cannot read the site configuration: {exc}") from None
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: the site configuration must be key: value pairs")
        return SiteConfig(path, data)
    return SiteConfig(None)


def load_yaml(text: str) -> Any:
    """YAML with the safe C loader; imported here only, so processes that never read a site
    configuration (the web workers, given every setting) never load a YAML parser."""
    import yaml

    try:
        return yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        raise ValueError(" ".join(str(exc).split())) from None


def is_jekyll_site(root: Path, config: SiteConfig) -> bool:
    """Whether `root` is read by Jekyll's rules: it has a site configuration or a `_posts`
    folder, at its top or one folder down (`blog/_posts`)."""
    if config.path is not None or (root / POSTS_FOLDER).is_dir():
        return True
    try:
        return any(
            (child / POSTS_FOLDER).is_dir()
            for child in root.iterdir()
            if child.name[:1] not in "._" and child.is_dir()
        )
    except OSError:
        return False


def jekyll_site_settings(root: Path, rules: str | None = None) -> dict[str, tuple[Any, str]]:
    """feedsvc setting -> (value, where it was found), from the site's configuration in `root`:
    `site_rules` resolved when `rules` (the setting as given elsewhere) leaves it to this site,
    Jekyll's keys and jekyll-feed's `feed:` block, then the `feedsvc:` block's own settings,
    which win. A Jekyll key's value that cannot be used is left out with a warning: a Jekyll
    site's configuration is not written for feedsvc, and one odd key must not stop the
    service."""
    config = read_site_config(root)
    block = config.data.get(FEEDSVC_KEY)
    if rules in (None, "auto") and isinstance(block, dict):
        rules = block.get("site_rules")
    auto = rules in (None, "auto")
    jekyll = is_jekyll_site(root, config) if auto else rules == "jekyll"
    found = _site_settings(config, jekyll)
    if auto:
        reason = (
            f"{config.name} or _posts found"
            if jekyll
            else "no Hugo or Jekyll configuration, no _posts"
        )
        found["site_rules"] = ("jekyll" if jekyll else "plain", f"auto: {reason}")
    aliases, where = found.get("site_feed_aliases", ([], ""))
    templates = own_feed_templates(root) if jekyll else []
    if templates and not where.endswith(f"{FEEDSVC_KEY}.site_feed_aliases"):
        found["site_feed_aliases"] = (
            list(dict.fromkeys([*aliases, *templates])),
            f"{where}, and the site's own feed templates"
            if where
            else "the site's own feed templates",
        )
    return found


def own_feed_templates(root: Path) -> list[str]:
    """The site's hand-written feed templates at its top (`atom.xml`, `rss.xml`...: front
    matter, then an Atom or RSS document looping over `site.posts`), which older Jekyll sites
    and themes publish instead of jekyll-feed's: readers subscribed to them must keep receiving
    posts. Their entry ids are `site.url` + `post.id` as a rule, the very ids feedsvc gives."""
    found = []
    try:
        names = sorted(entry.name for entry in os.scandir(root) if entry.is_file())
    except OSError:
        return []
    for name in names:
        if not name.endswith(".xml"):
            continue
        try:
            with (root / name).open(encoding="utf-8", errors="replace") as file:
                head = file.read(65_536)
        except OSError:
            continue
        if head.startswith("---") and "site.posts" in head and ("<feed" in head or "<rss" in head):
            found.append(name)
    return found


def _site_settings(config: SiteConfig, jekyll: bool) -> dict[str, tuple[Any, str]]:
    """site_settings for one configuration, read as a Jekyll site's or a plain folder's."""
    found: dict[str, tuple[Any, str]] = {}
    data, where = config.data, str(config.path)

    def take(setting: str, key: str, value: Any, kind: type) -> None:
        usable = setting_values.usable(value, kind)
        if usable is None:
            logger.warning("%s: %s: %r is not usable here; left out", where, key, value)
        else:
            found[setting] = (usable, f"{where}: {key}")

    for key in ("name", "title"):  # jekyll-feed: `site.title | default: site.name`
        if data.get(key) is not None:
            take("site_title", key, data[key], str)
    if data.get("description") is not None:
        take("site_description", "description", data["description"], str)
    url = _site_url(data)
    if url is not None:
        found["site_url"] = (url, f"{where}: url, baseurl")
    author = data.get("author")
    if isinstance(author, dict):
        author = author.get("name")
    if author is not None:
        take("site_author", "author", author, str)
    for setting, key in (("language", "lang"), ("timezone", "timezone")):
        if data.get(key) is not None:
            take(setting, key, data[key], str)
    if data.get("permalink") is not None:
        take("permalink", "permalink", _permalink(data["permalink"]), str)
    posts = (
        data.get("collections", {}).get("posts")
        if isinstance(data.get("collections"), dict)
        else None
    )
    if isinstance(posts, dict) and posts.get("permalink") is not None:  # wins for posts
        take("permalink", "collections.posts.permalink", _permalink(posts["permalink"]), str)
    for key in ("future", "unpublished"):
        if data.get(key) is not None:
            take(key, key, data[key], bool)
    if data.get("excerpt_separator") is not None:
        take("excerpt_separator", "excerpt_separator", data["excerpt_separator"], str)
    if isinstance(data.get("exclude"), list):
        take("exclude", "exclude", data["exclude"], list)
    if jekyll:
        found.update(_jekyll_feed_settings(data.get("feed"), where, url))
    block = data.get(FEEDSVC_KEY)
    if isinstance(block, dict):
        for key, value in block.items():
            found[str(key)] = (value, f"{where}: {FEEDSVC_KEY}.{key}")
    return found


def _jekyll_feed_settings(
    feed: Any, where: str, site_url: str | None
) -> dict[str, tuple[Any, str]]:
    """jekyll-feed's `feed:` block as feedsvc settings: its feeds' paths become aliases of
    feedsvc's, so readers subscribed to them keep receiving posts; its limit and excerpt_only
    are kept too. The defaults apply without the block: jekyll-feed publishes /feed.xml with 10
    entries."""
    feed = feed if isinstance(feed, dict) else {}
    settings: dict[str, tuple[Any, str]] = {}
    path = _feed_path(feed.get("path"), site_url, where)
    settings["site_feed_aliases"] = ([path], f"{where}: feed.path (jekyll-feed)")
    limit = feed.get("posts_limit")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
        settings["item_limit"] = (limit, f"{where}: feed.posts_limit")
    else:
        settings["item_limit"] = (JEKYLL_FEED_LIMIT, f"{where}: jekyll-feed's default limit")
    if isinstance(feed.get("excerpt_only"), bool):
        settings["excerpt_only"] = (feed["excerpt_only"], f"{where}: feed.excerpt_only")
    categories = feed.get("categories")
    if isinstance(categories, list | dict):
        names = [str(name) for name in categories]
        settings["category_feed_aliases"] = (names, f"{where}: feed.categories")
    tags = feed.get("tags")
    if tags:
        tags = tags if isinstance(tags, dict) else {}
        folder = tags.get("path") if isinstance(tags.get("path"), str) else None
        folder = (folder or JEKYLL_TAG_FEED_FOLDER).strip("/") + "/"
        if any(not part or part.startswith(".") for part in folder.strip("/").split("/")):
            logger.warning("%s: feed.tags.path %r cannot be published; default used", where, folder)
            folder = JEKYLL_TAG_FEED_FOLDER
        settings["tag_feed_alias_folder"] = (folder, f"{where}: feed.tags")
        for key in ("only", "except"):
            if isinstance(tags.get(key), list):
                names = [str(name) for name in tags[key]]
                settings[f"tag_feed_aliases_{key}"] = (names, f"{where}: feed.tags.{key}")
    return settings


def _feed_path(written: Any, site_url: str | None, where: str) -> str:
    """jekyll-feed's `feed.path` as a path in the published set. A full URL on the site's own
    host gives its path (`https://example.com/atom.xml` is `atom.xml`); anything else feedsvc
    cannot publish at (another host, `..`, a hidden folder, no `.xml`) gives jekyll-feed's
    default path, with a warning."""
    if not isinstance(written, str) or not written.strip("/ "):
        return JEKYLL_FEED_PATH
    path = written.strip()
    if "://" in path:
        parts, site = urlsplit(path), urlsplit(site_url or "")
        if parts.netloc != site.netloc:
            logger.warning(
                "%s: feed.path %r is on another host; %s used", where, path, JEKYLL_FEED_PATH
            )
            return JEKYLL_FEED_PATH
        path = parts.path
        base = site.path.strip("/")
        if base and path.strip("/").startswith(base + "/"):
            path = path.strip("/")[len(base) + 1 :]
    path = path.strip("/")
    parts_ok = all(part and not part.startswith(".") for part in path.split("/"))
    if not parts_ok or not path.endswith((".xml", ".atom")):
        logger.warning(
            "%s: feed.path %r cannot be published; %s used", where, written, JEKYLL_FEED_PATH
        )
        return JEKYLL_FEED_PATH
    return path


def _site_url(data: Mapping[str, Any]) -> str | None:
    """Jekyll's `url` joined with its `baseurl`, as absolute_url joins them; without a `url`,
    feedsvc's own default address with the `baseurl` (links must be absolute in feeds)."""
    url, base = data.get("url"), data.get("baseurl")
    url = url.strip() if isinstance(url, str) and url.strip() else None
    base = base.strip("/") if isinstance(base, str) else ""
    if url is None and not base:
        return None
    url = (url or LOCAL_SITE_URL).rstrip("/") + "/"
    return url + (base + "/" if base else "")


def _permalink(value: Any) -> Any:
    """A pattern as Jekyll takes it: a named style as it is, else with its leading `/`."""
    if isinstance(value, str) and value not in PERMALINK_STYLES and not value.startswith("/"):
        return "/" + value
    return value
