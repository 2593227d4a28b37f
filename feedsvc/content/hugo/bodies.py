"""A Hugo site's bodies as Hugo renders them: Goldmark with the site's `markup` settings, its
shortcodes (with ref and relref resolved to the site's own pages), and Hugo's summary, with links
made absolute. The rendering itself is goldmark.py's, shortcodes.py's and hugo_summary.py's; this
is where a site's posts meet them."""

from __future__ import annotations

import glob
import logging
import os
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from feedsvc.content.body import Body, absolute_links
from feedsvc.content.files import UnreadableFile, read_text
from feedsvc.content.hugo.rules import CONTENT_SUFFIXES, LIST_PAGE, site_rules
from feedsvc.content.hugo.shortcodes import ShortcodePage
from feedsvc.content.hugo.summary import is_cjk_language, render_hugo_body
from feedsvc.content.hugo.urls import list_path
from feedsvc.content.markup.chroma import HighlightOptions
from feedsvc.content.markup.markdown import MarkdownOptions, goldmark_options, render_markdown
from feedsvc.content.matter import FrontMatterError, NoFrontMatterError, split_front_matter
from feedsvc.content.post import Post
from feedsvc.content.posts import read_post
from feedsvc.content.text import xml_safe
from feedsvc.errors import PostError
from feedsvc.hugo_config import HugoConfig, current_hugo_config
from feedsvc.settings import Settings

logger = logging.getLogger(__name__)


class HugoBodies:
    """Renders one Hugo site's bodies; made once per refresh (a worker inherits it)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._refs: dict[tuple[str, str], str | None] = {}

    @cached_property
    def config(self) -> HugoConfig:
        return current_hugo_config(self.settings.content_dir)

    @cached_property
    def markdown(self) -> MarkdownOptions:
        """Goldmark as the site sets it up (`markup.goldmark`, `markup.highlight`)."""
        markup = self.config.get("markup")
        return goldmark_options(markup if isinstance(markup, Mapping) else {})

    def render(self, post: Post) -> Body:
        """The post's content (.Content) and summary (.Summary, as HTML), links absolute.
        Raises PostError when its file cannot be read again."""
        meta, body, first_line = self._matter_and_body(post)
        folder = site_rules(self.settings).folder
        page = ShortcodePage(
            source=post.source.removeprefix(folder + "/"),
            params=meta,
            site_params=self._table("params"),
            permalink=post.url,
            ref=lambda target: self._ref(target, post),
            markdown=self._render_markdown if post.is_markdown else _as_html,  # HTML as written
            highlight=self.markdown.goldmark.highlight if self.markdown.goldmark else _NO_OPTIONS,
            privacy=self._table("privacy"),
            first_line=first_line,
        )
        cjk = is_cjk_language(meta, self.config.get("hascjklanguage") is True, body)
        rendered = render_hugo_body(body, page, self.settings.summary_length, cjk)
        # Characters XML forbids go only now: Hugo counts them in a summary (a backspace is a
        # character of a Chinese summary's 70), so they go after the counting.
        return Body(
            html=absolute_links(xml_safe(rendered.content), post.url),
            summary=absolute_links(xml_safe(rendered.summary), post.url),
            summary_html=True,
        )

    def _render_markdown(self, text: str) -> str:
        return render_markdown(text, self.markdown)

    def _table(self, key: str) -> Mapping[str, Any]:
        value = self.config.get(key)
        return value if isinstance(value, Mapping) else {}

    def _matter_and_body(self, post: Post) -> tuple[dict[str, Any], str, int]:
        """The post's front matter and body read again, and the line its body starts on."""
        settings = self.settings
        path = settings.content_dir / post.source
        try:
            text = read_text(path, settings.content_dir, settings.max_post_bytes).text
        except UnreadableFile as exc:
            raise PostError(path, str(exc)) from None
        try:
            meta, body = split_front_matter(text, hugo=True)
        except NoFrontMatterError:  # Hugo publishes a page without any
            meta, body = {}, text.strip()
        except FrontMatterError as exc:
            raise PostError(path, str(exc)) from None
        start = text.find(body[:200]) if body else len(text)
        return meta, body, text.count("\n", 0, max(start, 0)) + 1

    def _ref(self, target: str, post: Post) -> str | None:
        """A ref or relref target (`posts/x.md`, `/posts/x`, `x`, a section's folder) -> that
        page's permalink, found as Hugo finds it: from the content folder, then beside the
        page, then by its name anywhere; None when there is no such page."""
        page_folder = os.path.dirname(post.source)
        key = (target, page_folder)
        if key not in self._refs:
            self._refs[key] = self._find(target, page_folder)
        return self._refs[key]

    def _find(self, target: str, page_folder: str) -> str | None:
        name = target.split("#", 1)[0].strip()
        if not name or ".." in name.split("/"):
            return None
        content = site_rules(self.settings).folder
        root = self.settings.content_dir
        bases = [content] if name.startswith("/") else [page_folder, content]
        for base in bases:
            found = _page_file(root / base / name.strip("/"))
            if found is not None:
                return self._url(found)
        if "/" not in name.strip("/"):
            stem = name.strip("/").rsplit(".", 1)[0] if name.endswith(CONTENT_SUFFIXES) else name
            pattern = os.path.join(glob.escape(str(root / content)), "**", glob.escape(stem) + ".*")
            for match in sorted(glob.glob(pattern, recursive=True)):
                if match.endswith(CONTENT_SUFFIXES):
                    return self._url(Path(match))
        return None

    def _url(self, path: Path) -> str | None:
        """A page's permalink: a regular page's as read; a section's its folder's."""
        if path.name.rsplit(".", 1)[0] == LIST_PAGE:
            source = path.parent.relative_to(self.settings.content_dir).as_posix()
            folder = source.removeprefix(site_rules(self.settings).folder).strip("/")
            link = list_path(folder, site_rules(self.settings).paths)
            return self.settings.site_url + (link + "/" if link else "")
        try:
            return read_post(path, self.settings).url
        except PostError:
            return None


def _page_file(base: Path) -> Path | None:
    """The content file `base` names: itself, with a content suffix, or a bundle's or section's
    index file in it."""
    if base.is_file() and base.name.endswith(CONTENT_SUFFIXES):
        return base
    for suffix in CONTENT_SUFFIXES:
        for candidate in (
            Path(f"{base}{suffix}"),
            base / f"index{suffix}",
            base / f"_index{suffix}",
        ):
            if candidate.is_file():
                return candidate
    return None


def _as_html(text: str) -> str:
    return text


_NO_OPTIONS = HighlightOptions()
