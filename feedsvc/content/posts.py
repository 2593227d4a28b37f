"""Read one file into a Post, or raise PostError saying why: by a plain folder's rules, Jekyll's
(with content/jekyll/rules.py) or Hugo's (content/hugo/rules.py)."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from feedsvc.content import permalinks
from feedsvc.content.dates import (
    FILE_NAME_DATE,
    date_from_file_name,
    parse_date,
    parse_date_as_ruby,
    parse_jekyll_date,
)
from feedsvc.content.files import FileText, UnreadableFile, read_text
from feedsvc.content.hugo import rules as hugo_rules
from feedsvc.content.jekyll import rules as jekyll_rules
from feedsvc.content.jekyll.liquid_filters import slugify
from feedsvc.content.matter import (
    FrontMatterError,
    NoFrontMatterError,
    body_only,
    split_front_matter,
)
from feedsvc.content.post import Post, author_name, source_of, whole_seconds
from feedsvc.content.text import squash_spaces, xml_safe
from feedsvc.errors import PostError
from feedsvc.settings import Settings

logger = logging.getLogger(__name__)

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".txt"})


def read_post(path: Path, settings: Settings) -> Post:
    """Read the post at `path` (under settings.content_dir). Raises PostError naming the reason."""
    result = read_posts_in_stages([path], settings)[0]
    if isinstance(result, PostError):
        raise result
    return result


def read_post_and_body(path: Path, settings: Settings) -> tuple[Post, str]:
    """The post and its body (Markdown or HTML). Raises PostError naming the reason."""
    result = _read_in_stages([path], settings)[0]
    if isinstance(result, PostError):
        raise result
    post, body = result
    return post, xml_safe(body)


def read_posts_in_stages(paths: Sequence[Path], settings: Settings) -> list[Post | PostError]:
    """Each path read as read_post reads it: its Post, or the PostError saying why.

    The files are taken stage by stage (all read, then all split, then all built), not one after
    the other: each stage's code (file system, libyaml and its constructors, the post rules) then
    stays hot in the processor's caches, and a cold start reads about a third faster.
    """
    return [r if isinstance(r, PostError) else r[0] for r in _read_in_stages(paths, settings)]


def _read_in_stages(
    paths: Sequence[Path], settings: Settings
) -> list[tuple[Post, str] | PostError]:
    """(post, raw body) or the PostError saying why, for each path; see read_posts_in_stages."""
    files: list[FileText | PostError] = []
    for path in paths:
        try:
            files.append(read_text(path, settings.content_dir, settings.max_post_bytes))
        except UnreadableFile as exc:
            files.append(PostError(path, str(exc)))
    hugo = settings.site_rules == "hugo"
    # (file, front matter, body, whether it has front matter) or the error
    splits: list[tuple[FileText, dict[str, Any], str, bool] | PostError] = []
    for path, file in zip(paths, files, strict=True):
        if isinstance(file, PostError):
            splits.append(file)
            continue
        try:
            splits.append((file, *split_front_matter(file.text, hugo), True))
        except NoFrontMatterError as exc:
            if settings.site_rules in ("jekyll", "hugo"):  # both publish a page without any
                splits.append((file, {}, file.text.strip(), False))
            else:
                splits.append(PostError(path, str(exc)))
        except FrontMatterError as exc:
            splits.append(PostError(path, str(exc)))
    results: list[tuple[Post, str] | PostError] = []
    defaults = jekyll_rules.site_defaults(settings)  # looked up once for all these files
    hugo_site = hugo_rules.site_rules(settings) if hugo else None  # likewise
    for path, split in zip(paths, splits, strict=True):
        if isinstance(split, PostError):
            results.append(split)
            continue
        file, meta, body, matter = split
        if defaults:
            source = source_of(path, settings.content_dir)
            meta = {**jekyll_rules.front_matter_defaults(defaults, source), **meta}
        try:
            if hugo:
                post = hugo_rules.build_post(path, meta, file, settings, matter, hugo_site)
                results.append((post, body))
            else:
                results.append((_build(path, meta, file, settings), body))
        except ValueError as exc:
            results.append(PostError(path, str(exc)))
    return results


def load_body(post: Post, settings: Settings) -> str:
    """Read a known post's body again, for rendering it (bodies are not kept between reading
    and rendering: most posts are in no feed). While the file is as it was read (same digest),
    only the body is split off; if it changed since, it is read whole and its new body returned:
    the next refresh sees the change and re-reads it. Raises PostError if it cannot be read."""
    path = settings.content_dir / post.source
    try:
        file = read_text(path, settings.content_dir, settings.max_post_bytes)
        if file.digest == post.digest:
            try:
                return xml_safe(body_only(file.text, settings.site_rules == "hugo"))
            except NoFrontMatterError:
                if settings.site_rules not in ("jekyll", "hugo"):
                    raise
                return xml_safe(file.text.strip())
    except (UnreadableFile, FrontMatterError):
        pass  # read whole below, which says why
    return read_post_and_body(path, settings)[1]


def _build(path: Path, meta: dict[str, Any], file: FileText, settings: Settings) -> Post:
    source = source_of(path, settings.content_dir)
    jekyll = settings.site_rules == "jekyll"
    zone = settings.zone
    slug = _slug(meta, path.name, jekyll)
    info = file.info
    read_date = parse_jekyll_date if jekyll else parse_date
    date, date_is_stable = _date(meta, path, info, zone, read_date)
    updated_raw = _first(meta, "last_modified_at", "updated", "modified")
    updated = whole_seconds(read_date(updated_raw, zone)) if updated_raw is not None else date
    shown: tuple[str, ...] | None = None
    if jekyll:  # the folders above `_posts`, then `categories`, then `category`, as Jekyll
        plural = _names({"categories": meta.get("categories")}, "category", "categories")
        singular = _names({"category": meta.get("category")}, "category", "categories")
        from_path = jekyll_rules.categories_from_path(source)
        categories = tuple(dict.fromkeys((*from_path, *plural, *singular)))
        shown = singular or None
    else:
        categories = _names(meta, "category", "categories")
    tags = _names(meta, "tag", "tags")
    if len(categories) + len(tags) > settings.max_terms_per_post:
        raise ValueError(
            f"{len(categories)} categories and {len(tags)} tags: at most "
            f"{settings.max_terms_per_post} in all (max_terms_per_post)"
        )
    url_path = _url_path(meta, slug, date, categories, settings)
    url = permalinks.absolute(settings.site_url, url_path)
    if jekyll:  # jekyll-feed's id, whatever the front matter says: subscribers see no repeat
        post_id, explicit = (
            permalinks.absolute(settings.site_url, jekyll_rules.post_id_path(url_path, slug)),
            False,
        )
    else:
        explicit_id = _first(meta, "id", "guid")
        post_id = _id(explicit_id, url, date_is_stable, source, settings)
        explicit = explicit_id is not None
    title = _title(meta.get("title"), jekyll_rules.titleize(slug) if jekyll else None)
    suffix = path.suffix.lower()
    return Post(
        source=source,
        title=jekyll_rules.feed_title(title) if jekyll else title,
        date=date,
        epoch=date.timestamp(),
        updated=updated,
        categories=categories,
        tags=tags,
        author=author_name(meta.get("author")),
        excerpt=_excerpt(meta, ("description", "excerpt") if jekyll else _EXCERPT_KEYS),
        is_markdown=suffix in (jekyll_rules.MARKDOWN_EXTENSIONS if jekyll else MARKDOWN_SUFFIXES),
        url=url,
        id=post_id,
        id_is_explicit=explicit,
        published=meta.get("published") is not False or settings.unpublished,
        digest=file.digest,
        mtime_ns=info.st_mtime_ns,
        size=info.st_size,
        inode=info.st_ino,
        order_key=source,
        shown_categories=shown,
    )


def _slug(meta: dict[str, Any], name: str, jekyll: bool) -> str:
    """The post's slug: its `slug`, else its file name without its date and extension."""
    written = meta.get("slug")
    if isinstance(written, str | int) and not isinstance(written, bool) and str(written).strip():
        return xml_safe(str(written).strip())
    from_name = jekyll_rules.name_slug(name) if jekyll else None
    if from_name is not None:
        return from_name
    stem = name.rsplit(".", 1)[0]
    return stem[11:] if FILE_NAME_DATE.match(name) else stem


def _first(meta: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if meta.get(key) is not None:
            return meta[key]
    return None


def _title(value: Any, default: str | None) -> str:
    """The title as written; without one, `default` (a Jekyll site's, from the slug) or an
    error. A Jekyll site's title may be a number (`title: 2022`), as Jekyll shows it."""
    if value is None:
        if default:
            return default
        raise ValueError("no title: front matter needs `title: ...`")
    if default is not None and isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"title must be text, got {type(value).__name__} {value!r:.60}")
    title = xml_safe(str(value))
    if not squash_spaces(title):
        raise ValueError("title is empty")
    # A Jekyll site's title keeps its other white space (an ideographic space) for feed_title,
    # which collapses only ASCII white space, as jekyll-feed does.
    return title if default is not None else squash_spaces(title)


def _date(
    meta: dict[str, Any],
    path: Path,
    info: os.stat_result,
    zone: dt.tzinfo,
    read_date: Callable[[object, dt.tzinfo], dt.datetime],
) -> tuple[dt.datetime, bool]:
    """The post's date, to the whole second, and whether it comes from the post itself (not
    from the file's mtime). A front-matter date dateutil cannot read is read as Jekyll's Ruby
    reads it, else the file name's date is taken, with a warning either way: Jekyll would
    publish the post, so dropping it would lose one."""
    written = meta.get("date")
    if written is not None:
        try:
            return whole_seconds(read_date(written, zone)), True
        except ValueError as exc:
            as_ruby = parse_date_as_ruby(written, zone) if isinstance(written, str) else None
            if as_ruby is not None:
                logger.warning("%s: date: %s; read as Jekyll reads it: %s", path, exc, as_ruby)
                return whole_seconds(as_ruby), True
            if FILE_NAME_DATE.match(path.name) is None:
                raise ValueError(f"date: {exc}") from None
            logger.warning("%s: date: %s; the file name's date is used", path, exc)
    # Read only now: an impossible date in the name of a post dated in its front matter is no error.
    from_name = date_from_file_name(path.name, zone)
    if from_name is not None:
        return from_name, True
    return whole_seconds(dt.datetime.fromtimestamp(info.st_mtime, tz=zone)), False


def _names(meta: dict[str, Any], singular: str, plural: str) -> tuple[str, ...]:
    """Categories or tags as Jekyll reads them: the singular key wins and is one name; the plural
    key's string is split on white space; lists are flattened; repeats dropped, order kept."""
    if meta.get(singular) is not None:
        key, value, split = singular, meta[singular], False
    else:
        key, value, split = plural, meta.get(plural), True
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise ValueError(f"{key}: each name must be text, got {type(item).__name__}")
        text = xml_safe(str(item))
        parts = text.split() if split and isinstance(value, str) else [text.strip()]
        names.extend(part for part in parts if part)
    return tuple(dict.fromkeys(names))


_EXCERPT_KEYS = ("excerpt", "description", "summary")


def _excerpt(meta: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    """The writer's own summary: the first of `keys` present (jekyll-feed prefers a post's
    `description` to its `excerpt`)."""
    value = _first(meta, *keys)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"excerpt must be text, got {type(value).__name__}")
    return squash_spaces(xml_safe(value)) or None


def _url_path(
    meta: dict[str, Any], slug: str, date: dt.datetime, categories: tuple[str, ...], s: Settings
) -> str:
    """The post's site-relative URL: its own `permalink` or the site's pattern, placeholders
    filled in either way (Jekyll fills them in a post's own permalink too)."""
    pattern = s.permalink
    explicit = meta.get("permalink")
    if explicit is not None:
        if not isinstance(explicit, str) or not explicit.strip():
            raise ValueError("permalink must be non-empty text")
        pattern = xml_safe(explicit.strip())
        if permalinks.is_absolute(pattern):
            return pattern
    if s.site_rules == "jekyll":  # Jekyll's :title keeps case and some punctuation
        title, url_slug = slugify(slug, "pretty", cased=True), slugify(slug)
    else:
        title, url_slug = slug, None
    parts = permalinks.PermalinkParts(
        date=date.astimezone(s.zone), title=title, categories=categories, slug=url_slug
    )
    path = permalinks.expand(pattern, parts)
    return path if path.startswith("/") else "/" + path


def _id(explicit: Any, url: str, date_is_stable: bool, source: str, s: Settings) -> str:
    """The entry id. A written id that is not a URL is made one below the site's URL, as
    jekyll-feed makes it (Atom ids must be IRIs). A permalink built from the file's mtime would
    change on every touch, so such a post is identified by its path instead."""
    if explicit is not None:
        if isinstance(explicit, bool) or not isinstance(explicit, str | int):
            raise ValueError(f"id must be text, got {type(explicit).__name__}")
        text = xml_safe(str(explicit)).strip()
        if not text:
            raise ValueError("id is empty")
        return text if permalinks.has_scheme(text) else permalinks.absolute(s.site_url, text)
    if date_is_stable:
        return url
    return permalinks.absolute(s.site_url, "/" + source)
