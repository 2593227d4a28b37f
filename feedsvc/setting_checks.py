"""Each setting's check of its value: what is wrong with it, in one line, for ConfigError.

Types are checked as values are read (settings.py); these are the rules a value of the right type
must also follow.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from feedsvc.errors import ConfigError
from feedsvc.model.kinds import FeedKind
from feedsvc.site_config import PERMALINK_STYLES

SERVERS = ("gunicorn", "granian")
SITE_RULES = ("auto", "hugo", "jekyll", "plain")


def check_settings(settings: object) -> None:
    """Raise ConfigError naming the first setting (of a settings.Settings) whose value is wrong,
    and why."""
    for key, check in _CHECKS.items():
        problem = check(getattr(settings, key))
        if problem:
            raise ConfigError(f"{key}: {problem}")


def _check_url(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return f"{url!r} is not an absolute http(s) URL"
    return None


def _check_zone(name: str) -> str | None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {name!r}"
    return None


def _check_content_dir(path: Path) -> str | None:
    if not path.exists():
        return f"content directory {str(path)!r} does not exist"
    if not path.is_dir():
        return f"content directory {str(path)!r} is not a directory"
    return None


def _check_alias_path(path: str) -> str | None:
    """A path inside the published set: relative, no empty, hidden, `.` or `..` segment."""
    parts = path.strip("/").split("/")
    if not path.strip("/") or any(not part or part.startswith(".") for part in parts):
        return f"{path!r} must be a path below the published set (no '.', '..' or hidden parts)"
    return None


def _check_alias_file(path: str) -> str | None:
    """An Atom document's path of its own: `.xml` or `.atom`, which serve as Atom."""
    if not path.endswith((".xml", ".atom")):
        return f"{path!r} must end in .xml or .atom (it is served as an Atom feed)"
    return _check_alias_path(path)


def _check_rss_alias_file(path: str) -> str | None:
    """An RSS document's path of its own: `.xml` (served as RSS) or `.rss`."""
    if not path.endswith((".xml", ".rss")):
        return f"{path!r} must end in .xml or .rss (it is served as an RSS feed)"
    return _check_alias_path(path)


def _at_least(minimum: int) -> Callable[[int], str | None]:
    return lambda n: None if n >= minimum else f"must be at least {minimum}, got {n}"


def _check_title_template(template: str) -> str | None:
    try:
        template.format(name="x", site_title="y")
    except (KeyError, IndexError, ValueError) as exc:
        return f"{template!r} may use only {{name}} and {{site_title}} ({exc})"
    return None


_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "site_url": _check_url,
    "feeds_url": lambda url: _check_url(url) if url else None,
    "websub_hub": lambda url: _check_url(url) if url else None,
    "timezone": _check_zone,
    "content_dir": _check_content_dir,
    "item_limit": _at_least(0),
    "max_feed_bytes": _at_least(0),
    "archive_page_size": _at_least(0),
    "archive_kinds": lambda kinds: next(
        (f"{k!r} is not one of {', '.join(FeedKind)}" for k in kinds if k not in set(FeedKind)),
        None,
    ),
    "excerpt_length": _at_least(0),
    "summary_length": _at_least(0),
    "max_post_bytes": _at_least(1),
    "max_terms_per_post": _at_least(1),
    "refresh_interval": lambda n: None if n > 0 else f"must be more than 0, got {n}",
    "workers": _at_least(0),
    "max_removed_share": lambda n: None if 0 <= n <= 1 else f"must be from 0 to 1, got {n}",
    "stale_while_revalidate": _at_least(0),
    "stale_if_error": _at_least(0),
    "port": lambda n: None if 0 < n < 65536 else f"must be a TCP port (1-65535), got {n}",
    "web_workers": _at_least(1),
    "server": lambda s: None if s in SERVERS else f"{s!r} is not one of {', '.join(SERVERS)}",
    "web_threads": _at_least(1),
    "rate_limit": _at_least(0),
    "rate_limit_window": lambda n: None if n > 0 else f"must be more than 0, got {n}",
    "proxy_count": _at_least(0),
    "site_title": lambda s: None if s.strip() else "must not be empty",
    "permalink": lambda s: (
        None
        if s.startswith("/") or s in PERMALINK_STYLES
        else f"{s!r} must start with '/' or be one of {', '.join(PERMALINK_STYLES)}"
    ),
    "site_rules": lambda s: (
        None if s in SITE_RULES else f"{s!r} is not one of {', '.join(SITE_RULES)}"
    ),
    "site_feed_aliases": lambda paths: next(filter(None, map(_check_alias_file, paths)), None),
    "site_rss_aliases": lambda paths: next(filter(None, map(_check_rss_alias_file, paths)), None),
    "tag_feed_alias_folder": lambda path: _check_alias_path(path) if path else None,
    "category_feed_title": _check_title_template,
    "tag_feed_title": _check_title_template,
}
