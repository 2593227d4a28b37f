"""Jekyll's rules for what a post is and what it is called: `_posts` folders, dated file names,
categories from the folders above `_posts`, slugs, titles, and the entry id jekyll-feed gives.

Learned from Jekyll 4.3's reader, Document and URL drop, and checked against real Jekyll and
jekyll-feed on the sites in tests/sites (tests/test_jekyll_sites.py).
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Collection, Mapping
from fnmatch import fnmatchcase
from typing import Any

from feedsvc.content.jekyll.liquid_filters import smartify
from feedsvc.settings import Settings
from feedsvc.site_config import POSTS_FOLDER, current_site_config

# Jekyll's Document::DATE_FILENAME_MATCHER: `2023-01-29-slug.md`, in any folder below `_posts`.
_DATED_NAME = re.compile(r"^(\d{2,4}-\d{1,2}-\d{1,2})-(.*)(\.[^.]+)$")
# Extensions Jekyll renders as Markdown (its `markdown_ext` default); others go out as written.
MARKDOWN_EXTENSIONS = frozenset({".markdown", ".mkdown", ".mkdn", ".mkd", ".md"})
POST_EXTENSIONS = (*MARKDOWN_EXTENSIONS, ".html", ".htm", ".txt")
_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.DOTALL | re.IGNORECASE)


def is_post_source(source: str, exclude: Collection[str] = ()) -> bool:
    """Whether Jekyll reads `source` (a path below the site root, with `/`) as a post: a dated
    file name in a `_posts` folder whose folders above are neither hidden, nor `_`-prefixed,
    nor excluded."""
    parts = source.split("/")
    if POSTS_FOLDER not in parts[:-1]:
        return False
    above = parts[: parts.index(POSTS_FOLDER)]
    if any(part[:1] in ("_", ".", "") for part in above) or any(
        part[:1] in (".", "") for part in parts
    ):
        return False
    if is_excluded(source, exclude):
        return False
    return _DATED_NAME.match(parts[-1]) is not None and parts[-1].lower().endswith(POST_EXTENSIONS)


def is_excluded(source: str, exclude: Collection[str]) -> bool:
    """Whether a path (with `/`) falls under an `exclude` entry: a name (matched against every
    part: `node_modules`, `README.md`), a path below the root (`vendor/bundle`, `old/`), or a
    glob of either (`*.draft.md`), as Jekyll's `exclude` and feedsvc's own."""
    parts = source.split("/")
    for entry in exclude:
        pattern = entry.strip("/")
        if not pattern:
            continue
        if "/" in pattern:
            if (
                source == pattern
                or source.startswith(pattern + "/")
                or fnmatchcase(source, pattern)
            ):
                return True
        elif any(part == pattern or fnmatchcase(part, pattern) for part in parts):
            return True
    return False


def site_defaults(settings: Settings) -> list[Any]:
    """A Jekyll site's `defaults` (front matter by scope) from its configuration; empty for a
    plain folder or a site without them."""
    if settings.site_rules != "jekyll":
        return []
    defaults = current_site_config(settings.content_dir).data.get("defaults")
    return defaults if isinstance(defaults, list) else []


def with_defaults(meta: dict[str, Any], source: str, settings: Settings) -> dict[str, Any]:
    """A Jekyll post's front matter over the `defaults` its site's configuration gives it."""
    defaults = site_defaults(settings)
    return {**front_matter_defaults(defaults, source), **meta} if defaults else meta


def front_matter_defaults(entries: list[Any], source: str) -> dict[str, Any]:
    """The values `_config.yml`'s `defaults` entries give a post at `source`: every entry whose
    scope's `path` holds it (a folder prefix or a glob) and whose `type`, if any, is `posts`, the
    more specific path winning, then the later entry. The post's own front matter wins over
    all."""
    matches: list[tuple[int, int, Mapping[str, Any]]] = []
    for order, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("values"), dict):
            continue
        scope = entry.get("scope")
        scope = scope if isinstance(scope, dict) else {}
        kind = scope.get("type")
        if kind is not None and kind != "posts":
            continue
        path = str(scope.get("path") or "").strip("/")
        if _in_scope(source, path):
            matches.append((len(path), order, entry["values"]))
    values: dict[str, Any] = {}
    for _, _, found in sorted(matches, key=lambda match: (match[0], match[1])):
        values.update(found)
    return values


def _in_scope(source: str, path: str) -> bool:
    if not path:
        return True
    if any(ch in path for ch in "*?["):
        return fnmatchcase(source, path) or fnmatchcase(source, path + "/*")
    return source == path or source.startswith(path + "/")


def categories_from_path(source: str) -> tuple[str, ...]:
    """The folders above a post's `_posts` folder: `blog/_posts/x.md` is in category `blog`."""
    parts = source.split("/")
    if POSTS_FOLDER not in parts[:-1]:
        return ()
    return tuple(parts[: parts.index(POSTS_FOLDER)])


def name_slug(file_name: str) -> str | None:
    """The slug a dated file name gives (`2023-01-29-jekyll-4-4-1-released.md` gives
    `jekyll-4-4-1-released`); None for a name without Jekyll's date."""
    match = _DATED_NAME.match(file_name)
    return match.group(2) if match else None


def titleize(slug: str) -> str:
    """The title Jekyll gives a post without one: each word of its slug capitalised."""
    return " ".join(word[:1].upper() + word[1:].lower() for word in slug.split("-") if word)


def post_id_path(url_path: str, slug: str) -> str:
    """The site-relative id jekyll-feed gives a post (Jekyll's `Document#id`): the folder of its
    URL joined with its slug, so `/2023/01/29/released/` and `/2023/01/29/released.html` both
    give `/2023/01/29/released`. A front-matter `id` does not change it."""
    folder = posixpath.dirname(url_path.rstrip("/")) or "/"
    return posixpath.join(folder, slug)


def feed_title(title: str) -> str:
    """A title as jekyll-feed shows it (`smartify | strip_html | normalize_whitespace`):
    typographic quotes, dashes, ellipses and guillemets by kramdown's SmartyPants rules (a quote
    after a letter closes, so `汇率"双向"` gets two closing quotes); tags and comments removed (a
    script or style with its text); entities read; white space collapsed as Ruby's regexps see
    it, ASCII only (an ideographic or no-break space stays)."""
    text = html.unescape(_TAGS.sub("", smartify(title)))
    return _RUBY_SPACE.sub(" ", text).strip(_RUBY_SPACES)


_RUBY_SPACES = " \t\n\v\f\r"
_RUBY_SPACE = re.compile(f"[{_RUBY_SPACES}]+")
