"""Hugo's rules for what a post is and what it says: the regular pages below the content folder (a
leaf bundle's index file, never an `_index` list page), drafts, build options and headless
bundles, dates as the site's `frontmatter` configuration finds them, publishDate and expiryDate,
`slug` and `url`, the section and every taxonomy as categories and tags, and the feeds Hugo
published each in.

Learned from Hugo 0.111's page metadata (hugolib/page__meta.go, resources/page/pagemeta) and
checked against the real `hugo`.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feedsvc.content import permalinks
from feedsvc.content.files import FileText
from feedsvc.content.hugo.matter import (
    Dates,
    archetype_title,
    date_keys,
    go_text,
    is_draft,
    is_listed,
    truth,
)
from feedsvc.content.hugo.order import order_key
from feedsvc.content.hugo.urls import (
    PageFacts,
    PathRules,
    list_path,
    page_link,
    sanitize,
    term_path,
)
from feedsvc.content.post import Post, author_name, source_of, whole_seconds
from feedsvc.content.text import xml_safe
from feedsvc.hugo_config import (
    HugoConfig,
    content_folder,
    current_hugo_config,
    rss_enabled,
    rss_file_name,
    taxonomies,
)
from feedsvc.model.kinds import FeedKind
from feedsvc.settings import Settings

logger = logging.getLogger(__name__)

CONTENT_SUFFIXES = (".md", ".markdown", ".mdown", ".html", ".htm")  # those feedsvc renders
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown")
LIST_PAGE = "_index"  # a section's or the home page's own content: never a post
BUNDLE_INDEX = "index"  # a leaf bundle's page: its folder is the page, the rest its resources
CATEGORY_TAXONOMY = "category"  # the taxonomy whose terms are feedsvc categories; others: tags


@dataclass(frozen=True)
class HugoRules:
    """One site's rules, worked out once per reading of its configuration."""

    folder: str  # the content folder below the site's root
    paths: PathRules
    permalinks: Mapping[str, str]  # section (or taxonomy) -> its pattern
    taxonomies: Mapping[str, str]  # singular -> plural, as front matter and paths name them
    dates: Mapping[str, tuple[str, ...]]  # date, lastmod, publishdate, expirydate -> keys
    rss_file: str  # index.xml
    section_feeds: bool  # whether Hugo writes a feed per section
    term_feeds: bool  # and per taxonomy term
    ignored: tuple[re.Pattern[str], ...] = ()  # ignoreFiles: files whose path any matches

    def ignores(self, path: str) -> bool:
        """Whether Hugo ignores the file at `path` (absolute): one of `ignoreFiles` matches it,
        or its name starts with `#` (or `.`, which feedsvc never reads)."""
        name = os.path.basename(path)
        return name[:1] in ("#", ".") or any(pattern.search(path) for pattern in self.ignored)


_last: tuple[HugoConfig, HugoRules] | None = None


def site_rules(settings: Settings) -> HugoRules:
    """The rules of the site in settings.content_dir (read again when its configuration
    changes)."""
    global _last
    config = current_hugo_config(settings.content_dir)
    if _last is None or _last[0] is not config:
        _last = (config, _rules(config))
    return _last[1]


def _rules(config: HugoConfig) -> HugoRules:
    written = config.get("permalinks")
    patterns = {
        str(key).strip(" /\\"): value
        for key, value in (written.items() if isinstance(written, dict) else ())
        if isinstance(value, str) and value.strip()
    }
    paths = PathRules(
        lower=config.get("disablepathtolower") is not True,
        remove_accents=config.get("removepathaccents") is True,
        ugly=config.get("uglyurls") is True,
    )
    return HugoRules(
        folder=content_folder(config),
        paths=paths,
        permalinks=patterns,
        taxonomies={key.lower(): plural.lower() for key, plural in taxonomies(config).items()},
        dates=date_keys(config.get("frontmatter")),
        rss_file=rss_file_name(config),
        section_feeds=rss_enabled(config, "section"),
        term_feeds=rss_enabled(config, "term"),
        ignored=_patterns(config),
    )


def _patterns(config: HugoConfig) -> tuple[re.Pattern[str], ...]:
    """`ignoreFiles`, each a regular expression (Go's syntax, which Python's reads alike for what
    sites write); one that is not is left out with a warning, as Hugo logs it."""
    written = config.get("ignorefiles")
    patterns = []
    for text in written if isinstance(written, list) else []:
        try:
            patterns.append(re.compile(str(text)))
        except re.error as exc:
            logger.warning("ignoreFiles: %r is not a regular expression: %s", text, exc)
    return tuple(patterns)


def is_post_source(source: str, settings: Settings) -> bool:
    """Whether Hugo reads `source` (a path below the site's root, with `/`) as a regular page:
    a content file below the content folder, not an `_index` file, nothing hidden, and not a
    resource of a leaf bundle (a file beside or below a folder's `index` file)."""
    rules = site_rules(settings)
    folder = rules.folder + "/"
    if not source.startswith(folder) or not source.lower().endswith(CONTENT_SUFFIXES):
        return False
    if rules.ignores(os.path.join(settings.content_dir, source)):
        return False
    parts = source[len(folder) :].split("/")
    if any(part[:1] in (".", "") for part in parts) or _stem(parts[-1]) == LIST_PAGE:
        return False
    root = settings.content_dir / folder
    below = [root.joinpath(*parts[:depth]) for depth in range(1, len(parts))]
    if _stem(parts[-1]) == BUNDLE_INDEX and len(parts) > 1:
        below = below[:-1]  # the bundle's own folder holds it
    return not any(has_page_file(path, BUNDLE_INDEX) for path in below)


def has_page_file(folder: Path, stem: str) -> bool:
    """Whether `folder` holds an `index` (a leaf bundle) or `_index` (a section) content file."""
    return any((folder / (stem + suffix)).is_file() for suffix in CONTENT_SUFFIXES)


def _stem(name: str) -> str:
    return name.rsplit(".", 1)[0]


def build_post(
    path: Path,
    meta: Mapping[str, Any],
    file: FileText,
    settings: Settings,
    matter: bool,
    rules: HugoRules | None = None,
) -> Post:
    """The post Hugo makes of one content file whose front matter is `meta` (`matter`: it has
    any). A page Hugo never lists (a draft, a headless bundle, `_build: {list: never}`, an HTML
    file without front matter) is read but not published. Raises ValueError for what Hugo
    refuses (a `url` with a scheme) or feedsvc does (too many terms). `rules`: the site's,
    when the caller looked them up once for many files."""
    rules = rules or site_rules(settings)
    meta = {str(key).lower(): value for key, value in meta.items()}
    source = source_of(path, settings.content_dir)
    parts = source[len(rules.folder) + 1 :].split("/")
    bundle = len(parts) > 1 and _stem(parts[-1]) == BUNDLE_INDEX
    base_name = parts[-2] if bundle else _stem(parts[-1])
    folder = "/".join(parts[:-2] if bundle else parts[:-1])
    section = parts[0] if len(parts) > (2 if bundle else 1) else ""
    slug = go_text(meta.get("slug")).strip("-")
    dates = Dates(meta, rules.dates, base_name, file.info, settings.zone)
    slug = slug or ("" if "slug" in meta else dates.file_name_slug)
    title = go_text(meta.get("title"))
    url = go_text(meta.get("url"))
    if url.startswith(("http://", "https://")):
        raise ValueError(f"url: URLs with protocol (http*) not supported: {url!r}")
    pattern = rules.permalinks.get(section) if not url else None
    sections = _current_section(settings, rules, parts, bundle)
    facts = PageFacts(folder, base_name, slug, url, title, dates.date, section, sections)
    link = page_link(facts, pattern, rules.paths)
    post_url = permalinks.absolute(settings.site_url, link)
    categories, tags, feeds = _terms(meta, sections, rules)
    if len(categories) + len(tags) > settings.max_terms_per_post:
        raise ValueError(
            f"{len(categories)} categories and {len(tags)} tags: at most "
            f"{settings.max_terms_per_post} in all (max_terms_per_post)"
        )
    listed = (
        (matter or path.suffix.lower() not in (".html", ".htm"))
        and is_listed(meta.get("_build"))
        and not (bundle and truth(meta.get("headless")))
    )
    date = whole_seconds(dates.date)
    publish = dates.publish_date
    return Post(
        source=source,
        title=xml_safe(title) or archetype_title(base_name),
        untitled=not title,
        date=date,
        epoch=date.timestamp(),
        updated=whole_seconds(dates.lastmod or dates.date),
        categories=categories,
        tags=tags,
        author=_author(meta.get("author")),
        excerpt=None,  # the summary is Hugo's (content/site_bodies.py)
        is_markdown=path.suffix.lower() in MARKDOWN_SUFFIXES,
        url=post_url,
        id=post_url,  # the guid Hugo's RSS gives: its permalink
        id_is_explicit=False,
        published=listed and (not is_draft(meta) or settings.unpublished),
        digest=file.digest,
        mtime_ns=file.info.st_mtime_ns,
        size=file.info.st_size,
        inode=file.info.st_ino,
        order_key=order_key(meta, title, source),
        publish_at=publish.timestamp() if publish is not None and publish > date else None,
        expires_at=dates.expiry_date.timestamp() if dates.expiry_date is not None else None,
        earlier_feeds=feeds,
    )


def _terms(
    meta: Mapping[str, Any], sections: str, rules: HugoRules
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[FeedKind, str, str], ...]]:
    """Categories (the page's section, the nearest one: a nested section's pages are its own,
    not its parent's, as Hugo lists them; then the `categories` taxonomy's terms), tags (every other
    taxonomy's terms), and the feed each was in on the Hugo site. A term's name is its key as
    Hugo makes it (`Go Lang` and `go lang` are one term, `go-lang`), so one feed holds what
    Hugo's one feed held."""
    categories: list[str] = []
    tags: list[str] = []
    feeds: list[tuple[FeedKind, str, str]] = []
    if sections:
        name = sanitize(sections.rsplit("/", 1)[-1], rules.paths)
        categories.append(name)
        if rules.section_feeds:
            path = list_path(sections, rules.paths)
            feeds.append((FeedKind.CATEGORY, name, f"{path}/{rules.rss_file}"))
    for singular, plural in rules.taxonomies.items():
        kind = FeedKind.CATEGORY if singular == CATEGORY_TAXONOMY else FeedKind.TAG
        names = categories if kind is FeedKind.CATEGORY else tags
        for term in _term_values(meta.get(plural)):
            key = xml_safe(sanitize(term, rules.paths))
            if not key.strip("/."):
                continue
            names.append(key)
            if rules.term_feeds:
                path = term_path(plural, key, rules.permalinks, rules.paths)
                feeds.append((kind, key, f"{path}/{rules.rss_file}"))
    return tuple(dict.fromkeys(categories)), tuple(dict.fromkeys(tags)), tuple(dict.fromkeys(feeds))


def _term_values(value: Any) -> list[str]:
    """A taxonomy's terms as Hugo reads them: a text is one term (`tags: "a b"` is `a-b`); a
    list's items as text."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [text for text in map(go_text, items) if text]


def _current_section(settings: Settings, rules: HugoRules, parts: list[str], bundle: bool) -> str:
    """The page's nearest section: the deepest folder above it holding an `_index` file, or its
    top folder ("" for a page at the top)."""
    top = len(parts) - (2 if bundle else 1)
    root = os.path.join(settings.content_dir, rules.folder)
    for depth in range(top, 1, -1):
        if _has_list_page(os.path.join(root, *parts[:depth])):
            return "/".join(parts[:depth])
    return parts[0] if top >= 1 else ""


def _has_list_page(folder: str) -> bool:
    """Whether a folder holds an `_index` file, worked out once per state of the folder (its
    mtime changes when a file is added or removed): pages of one folder are read together."""
    try:
        stamp = os.stat(folder).st_mtime_ns
    except OSError:
        return False
    return _list_page_in(folder, stamp)


@functools.lru_cache(maxsize=4096)
def _list_page_in(folder: str, stamp: int) -> bool:
    return has_page_file(Path(folder), LIST_PAGE)


def _author(value: Any) -> str | None:
    try:
        return author_name(value)
    except ValueError:
        return None  # themes' own shapes (a list of names): the site's author then
