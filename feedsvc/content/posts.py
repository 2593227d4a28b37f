"""Read one file into a Post, or raise PostError saying why: Jekyll's rules for front matter."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from feedsvc.content import permalinks
from feedsvc.content.dates import date_from_file_name, parse_date
from feedsvc.content.files import FileText, UnreadableFile, read_text
from feedsvc.content.matter import FrontMatterError, body_only, split_front_matter
from feedsvc.content.text import squash_spaces, xml_safe
from feedsvc.errors import PostError
from feedsvc.settings import Settings

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".txt"})


@dataclass(frozen=True)
class Post:
    """One post as its front matter describes it. All datetimes are aware; all text is XML-safe.

    The body is not kept here: a service holds 100,000 posts between refreshes but renders only
    the few in feeds (see `read_post_and_body` and `load_body`).
    """

    source: str  # path relative to the content directory, with `/`: the post's stable key
    title: str
    date: dt.datetime  # publication time, in the zone it was written with
    epoch: float  # the same instant as Unix seconds: sorting 100,000 aware datetimes is slow
    updated: dt.datetime  # last change the writer declared (last_modified_at), else `date`
    categories: tuple[str, ...]  # names exactly as written, in order, without repeats
    tags: tuple[str, ...]  # likewise
    author: str | None  # from front matter; None means the site's author
    excerpt: str | None  # the writer's own summary, as plain text; None means derive one
    is_markdown: bool  # render `body` as Markdown (.md, .markdown, .txt) or use it as HTML
    url: str  # absolute permalink
    id: str  # entry id: front matter id/guid, else the permalink; never changes on a touch
    id_is_explicit: bool  # the id was written in the front matter (no ledger needed)
    published: bool  # False for `published: false`: read and checked, never in a feed
    digest: str  # SHA-1 of the file's bytes: its content, whatever its mtime
    mtime_ns: int  # file identity, so a later refresh can tell what changed
    size: int
    inode: int


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
    splits: list[tuple[FileText, dict[str, Any], str] | PostError] = []
    for path, file in zip(paths, files, strict=True):
        if isinstance(file, PostError):
            splits.append(file)
            continue
        try:
            splits.append((file, *split_front_matter(file.text)))
        except FrontMatterError as exc:
            splits.append(PostError(path, str(exc)))
    results: list[tuple[Post, str] | PostError] = []
    for path, split in zip(paths, splits, strict=True):
        if isinstance(split, PostError):
            results.append(split)
            continue
        file, meta, body = split
        try:
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
            return xml_safe(body_only(file.text))
    except (UnreadableFile, FrontMatterError):
        pass  # read whole below, which says why
    return read_post_and_body(path, settings)[1]


def _build(path: Path, meta: dict[str, Any], file: FileText, settings: Settings) -> Post:
    source = _source(path, settings.content_dir)
    zone = settings.zone
    title = _title(meta.get("title"))
    info = file.info
    date, date_is_stable = _date(meta, path, info, zone)
    updated_raw = _first(meta, "last_modified_at", "updated", "modified")
    updated = parse_date(updated_raw, zone) if updated_raw is not None else date
    categories = _names(meta, "category", "categories")
    tags = _names(meta, "tag", "tags")
    if len(categories) + len(tags) > settings.max_terms_per_post:
        raise ValueError(
            f"{len(categories)} categories and {len(tags)} tags: at most "
            f"{settings.max_terms_per_post} in all (max_terms_per_post)"
        )
    url = _url(meta, path, date, categories, settings)
    explicit_id = _first(meta, "id", "guid")
    return Post(
        source=source,
        title=title,
        date=date,
        epoch=date.timestamp(),
        updated=updated,
        categories=categories,
        tags=tags,
        author=_author(meta.get("author")),
        excerpt=_excerpt(meta),
        is_markdown=path.suffix.lower() in MARKDOWN_SUFFIXES,
        url=url,
        id=_id(explicit_id, url, date_is_stable, source, settings),
        id_is_explicit=explicit_id is not None,
        published=meta.get("published") is not False,
        digest=file.digest,
        mtime_ns=info.st_mtime_ns,
        size=info.st_size,
        inode=info.st_ino,
    )


def _source(path: Path, root: Path) -> str:
    """The path relative to the content directory, with `/` (string work: pathlib is slow here)."""
    path_text, root_text = os.fspath(path), os.fspath(root)
    if path_text.startswith(root_text + os.sep):
        return path_text[len(root_text) + 1 :].replace(os.sep, "/")
    return PurePosixPath(*path.relative_to(root).parts).as_posix()


def _first(meta: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if meta.get(key) is not None:
            return meta[key]
    return None


def _title(value: Any) -> str:
    if value is None:
        raise ValueError("no title: front matter needs `title: ...`")
    if not isinstance(value, str):
        raise ValueError(f"title must be text, got {type(value).__name__} {value!r:.60}")
    title = squash_spaces(xml_safe(value))
    if not title:
        raise ValueError("title is empty")
    return title


def _date(
    meta: dict[str, Any], path: Path, info: os.stat_result, zone: dt.tzinfo
) -> tuple[dt.datetime, bool]:
    """The post's date and whether it comes from the post itself (not from the file's mtime)."""
    if meta.get("date") is not None:
        try:
            return parse_date(meta["date"], zone), True
        except ValueError as exc:
            raise ValueError(f"date: {exc}") from None
    from_name = date_from_file_name(path.name, zone)
    if from_name is not None:
        return from_name, True
    return dt.datetime.fromtimestamp(info.st_mtime, tz=zone), False


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


def _author(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name")
    if value is None:
        return None
    if not isinstance(value, str | int):
        raise ValueError(f"author must be text, got {type(value).__name__}")
    return squash_spaces(xml_safe(str(value))) or None


def _excerpt(meta: dict[str, Any]) -> str | None:
    value = _first(meta, "excerpt", "description", "summary")
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"excerpt must be text, got {type(value).__name__}")
    return squash_spaces(xml_safe(value)) or None


def _url(
    meta: dict[str, Any], path: Path, date: dt.datetime, categories: tuple[str, ...], s: Settings
) -> str:
    explicit = meta.get("permalink")
    if explicit is not None:
        if not isinstance(explicit, str) or not explicit.strip():
            raise ValueError("permalink must be non-empty text")
        return permalinks.absolute(s.site_url, xml_safe(explicit.strip()))
    stem = path.name.rsplit(".", 1)[0]
    title = stem[11:] if date_from_file_name(path.name, s.zone) is not None else stem
    parts = permalinks.PermalinkParts(
        date=date.astimezone(s.zone), title=title, categories=categories
    )
    return permalinks.absolute(s.site_url, permalinks.expand(s.permalink, parts))


def _id(explicit: Any, url: str, date_is_stable: bool, source: str, s: Settings) -> str:
    """The entry id. A permalink built from the file's mtime would change on every touch, so such a
    post is identified by its path instead."""
    if explicit is not None:
        if isinstance(explicit, bool) or not isinstance(explicit, str | int):
            raise ValueError(f"id must be text, got {type(explicit).__name__}")
        text = xml_safe(str(explicit)).strip()
        if not text:
            raise ValueError("id is empty")
        return text
    if date_is_stable:
        return url
    return permalinks.absolute(s.site_url, "/" + source)
