"""Which rules a content directory is read by, Hugo's, Jekyll's or feedsvc's plain ones, and the
settings its own configuration gives under them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from feedsvc.hugo_config import hugo_marker, hugo_settings, read_hugo_config
from feedsvc.site_config import FEEDSVC_KEY, jekyll_site_settings


def site_settings(root: Path, rules: str | None = None) -> dict[str, tuple[Any, str]]:
    """feedsvc setting -> (value, where it was found), from the site's own configuration in
    `root`, with `site_rules` resolved when `rules` (the setting as given elsewhere) leaves it to
    the site. A Hugo site (`hugo.toml`, or `config.toml` or `config/_default/` beside its content
    folder) is read by Hugo's rules even when it also holds a `_config.yml` (some keep one for
    GitHub Pages); then a Jekyll site (`_config.yml` or `_posts`); else a plain folder."""
    if rules in (None, "auto"):
        marker = hugo_marker(root)
        if marker is not None:
            config = read_hugo_config(root)
            block = config.get(FEEDSVC_KEY)
            chosen = block.get("site_rules") if isinstance(block, dict) else None
            if chosen in (None, "auto", "hugo"):
                found = hugo_settings(config)
                if chosen is None or chosen == "auto":
                    found["site_rules"] = ("hugo", f"auto: {marker} found")
                return found
            found = jekyll_site_settings(root, str(chosen))
            found["site_rules"] = (chosen, config.where(FEEDSVC_KEY, f"{FEEDSVC_KEY}.site_rules"))
            return found
    if rules == "hugo":
        return hugo_settings(read_hugo_config(root))
    return jekyll_site_settings(root, rules)
