"""A post as the feeds see it, and the small front-matter readers every site's rules share."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from feedsvc.content.text import squash_spaces, xml_safe
from feedsvc.model.kinds import FeedKind


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
    # Where the post stands among posts of the same second: feeds list the one with the greater
    # key first (model/index.py: order_of). Its `source` on plain and Jekyll sites (the later
    # path first); Hugo's own order on a Hugo site (content/hugo/order.py).
    order_key: str
    # The categories the entry names, when not all of `categories`: a Jekyll post's singular
    # `category` alone, as jekyll-feed writes it (`categories` still place it in feeds and URL).
    shown_categories: tuple[str, ...] | None = None
    # When a post dated earlier comes out (a Hugo post's later publishDate), and when it leaves
    # the feeds (its expiryDate): Unix seconds; None: at its date, and never.
    publish_at: float | None = None
    expires_at: float | None = None
    # Where the site's own generator published the category and tag feeds this post is in, as
    # (kind, name, path): a Hugo site's `tags/go/index.xml`. Each is published there again, as
    # RSS (model/aliases.py), so readers subscribed to them keep receiving posts.
    earlier_feeds: tuple[tuple[FeedKind, str, str], ...] = ()
    # The page has no title of its own (Hugo's RSS gives it an empty one, and so does feedsvc's
    # RSS); `title` is then made from its file name, for the formats that need one (Atom).
    untitled: bool = False

    @property
    def entry_categories(self) -> tuple[str, ...]:
        """The categories a feed entry names."""
        return self.categories if self.shown_categories is None else self.shown_categories


def source_of(path: Path, root: Path) -> str:
    """The path relative to the content directory, with `/` (string work: pathlib is slow here)."""
    path_text, root_text = os.fspath(path), os.fspath(root)
    if path_text.startswith(root_text + os.sep):
        return path_text[len(root_text) + 1 :].replace(os.sep, "/")
    return PurePosixPath(*path.relative_to(root).parts).as_posix()


def whole_seconds(date: dt.datetime) -> dt.datetime:
    """Feeds state dates to the second (RSS cannot say more): every format the same instant."""
    return date.replace(microsecond=0)


def author_name(value: Any) -> str | None:
    """The author a front matter names: text, or a mapping's `name`; None when it names none."""
    if isinstance(value, dict):
        value = value.get("name")
    if value is None:
        return None
    if not isinstance(value, str | int):
        raise ValueError(f"author must be text, got {type(value).__name__}")
    return squash_spaces(xml_safe(str(value))) or None
