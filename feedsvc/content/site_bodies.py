"""Post bodies as the site itself shows them: a Jekyll site's Liquid rendered with its `site` and
`page` variables, its Markdown with its kramdown options, its excerpts by its separator; a Hugo
site's as Hugo renders them (content/hugo/bodies.py); a plain folder's bodies as written."""

from __future__ import annotations

import datetime as dt
import glob
import logging
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any

from feedsvc.content.body import Body, render_bodies
from feedsvc.content.files import UnreadableFile, read_text
from feedsvc.content.hugo.bodies import HugoBodies
from feedsvc.content.jekyll.liquid import LiquidSite, render_liquid
from feedsvc.content.jekyll.rules import name_slug, post_id_path, with_defaults
from feedsvc.content.markup.markdown import (
    PLAIN,
    MarkdownOptions,
    kramdown_options,
    render_markdown,
)
from feedsvc.content.matter import FrontMatterError, NoFrontMatterError, split_front_matter
from feedsvc.content.post import Post
from feedsvc.content.posts import load_body, read_post
from feedsvc.content.text import xml_safe
from feedsvc.errors import PostError
from feedsvc.settings import Settings
from feedsvc.site_config import POSTS_FOLDER, current_site_config

logger = logging.getLogger(__name__)

JEKYLL_EXCERPT_SEPARATOR = "\n\n"  # Jekyll's default: the excerpt is the first paragraph
_LINK_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:.+$", re.MULTILINE)  # `[ref]: https://…`


class SiteBodies:
    """Renders the bodies of one site's posts. Made once per refresh; a worker process inherits
    it and builds what it needs (the Liquid environment, the URLs `post_url` asks for) lazily."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.jekyll = settings.site_rules == "jekyll"

    @cached_property
    def config(self) -> Mapping[str, Any]:
        """The site's `_config.yml` as written (a Jekyll site's Liquid sees it as `site`)."""
        return current_site_config(self.settings.content_dir).data

    @cached_property
    def markdown(self) -> MarkdownOptions:
        """Markdown as the site renders it: kramdown's for a Jekyll site, else feedsvc's own."""
        if not self.jekyll:
            return PLAIN
        options = self.config.get("kramdown")
        highlighter = self.config.get("highlighter", "rouge")
        return kramdown_options(options if isinstance(options, dict) else {}, highlighter)

    @cached_property
    def liquid(self) -> LiquidSite:
        settings = self.settings
        site = {**self.config, "time": dt.datetime.now(dt.UTC).astimezone(settings.zone)}
        site.setdefault("url", settings.site_url.rstrip("/"))
        return LiquidSite(
            root=settings.content_dir,
            site=site,
            post_urls=_PostUrls(settings),
            page_urls=_PageUrls(settings),
            markdownify=lambda text: render_markdown(text, self.markdown),
        )

    @cached_property
    def hugo_bodies(self) -> HugoBodies:
        return HugoBodies(self.settings)

    def render(self, posts: Sequence[Post]) -> list[tuple[Body, bool]]:
        """Each post's Body, and whether its file could be read again (one that cannot goes out
        without content for now, and the next refresh sees the change)."""
        if self.settings.site_rules == "hugo":
            return [self._hugo(post) for post in posts]
        sources: list[str] = []
        excerpts: list[str | None] = []
        readable: list[bool] = []
        for post in posts:
            source, excerpt = self._texts(post)
            readable.append(source is not None)
            sources.append(source or "")
            excerpts.append(excerpt)
        bodies = render_bodies(
            list(zip(posts, sources, strict=True)),
            self.settings.excerpt_length,
            self.markdown,
            excerpts,
        )
        if self.settings.excerpt_only:
            bodies = [Body(html="", summary=body.summary) for body in bodies]
        return list(zip(bodies, readable, strict=True))

    def _hugo(self, post: Post) -> tuple[Body, bool]:
        try:
            body = self.hugo_bodies.render(post)
        except PostError as exc:
            logger.warning("published without its body for now: %s", exc)
            return Body(html="", summary=""), False
        if self.settings.excerpt_only:
            body = Body(html="", summary=body.summary, summary_html=body.summary_html)
        return body, True

    def _texts(self, post: Post) -> tuple[str | None, str | None]:
        """The post's body source, Liquid rendered, and its excerpt's source when it has no
        written one and the site's rule gives one (None: the first paragraph)."""
        settings = self.settings
        try:
            if not self.jekyll:
                body = load_body(post, settings)
                separator = settings.excerpt_separator
                if post.excerpt is None and separator and separator in body:
                    return body, body.partition(separator)[0]
                return body, None
            meta, body = load_matter_and_body(post, settings)
        except PostError as exc:
            logger.warning("published without its body for now: %s", exc)
            return None, None
        page = self._page(post, meta)
        rendered = self._liquid(body, page, post)
        if post.excerpt is not None:
            return rendered, None
        own = meta.get("excerpt_separator")  # the post's own beats the site's
        marker = own if isinstance(own, str) and own else ""
        marker = marker or settings.excerpt_separator or JEKYLL_EXCERPT_SEPARATOR
        head, found, tail = body.partition(marker)
        if not found:  # no separator: the whole post, as Jekyll does
            return rendered, rendered
        # Jekyll keeps the rest's link reference definitions, so `[text][ref]` links in the
        # excerpt still resolve.
        references = _LINK_REFERENCE.findall(tail)
        if references:
            head = head + "\n\n" + "\n".join(references)
        return rendered, self._liquid(head, page, post)

    def _liquid(self, text: str, page: Mapping[str, Any], post: Post) -> str:
        output, warnings = render_liquid(text, page, self.liquid, post.source)
        for warning in warnings:
            logger.warning("%s", warning)
        return output

    def _page(self, post: Post, meta: Mapping[str, Any]) -> dict[str, Any]:
        """Jekyll's `page` variables for a post: its front matter, then what Jekyll works out."""
        url = site_relative(self.settings, post.url)
        slug = meta.get("slug") or name_slug(post.source.rsplit("/", 1)[-1]) or ""
        return {
            **meta,
            "title": meta.get("title", post.title),
            "date": post.date.astimezone(self.settings.zone),
            "url": url,
            "id": post_id_path(url, str(slug)),
            "slug": slug,
            "categories": list(post.categories),
            "tags": list(post.tags),
            "path": post.source,
            "relative_path": post.source,
        }


def load_matter_and_body(post: Post, settings: Settings) -> tuple[dict[str, Any], str]:
    """A known Jekyll post's front matter (over its site's defaults) and body, read again for
    rendering it: its Liquid sees every front-matter key as `page.*`. Raises PostError if it
    cannot be read."""
    path = settings.content_dir / post.source
    try:
        file = read_text(path, settings.content_dir, settings.max_post_bytes)
    except UnreadableFile as exc:
        raise PostError(path, str(exc)) from None
    try:
        meta, body = split_front_matter(file.text)
    except NoFrontMatterError:  # a Jekyll post may have none
        meta, body = {}, file.text.strip()
    except FrontMatterError as exc:
        raise PostError(path, str(exc)) from None
    meta = with_defaults(meta, post.source, settings)
    return meta, xml_safe(body)


def site_relative(settings: Settings, url: str) -> str:
    """A URL on the site as Jekyll's `page.url` gives it: from `/`, without the base URL."""
    if url.startswith(settings.site_url):
        return "/" + url[len(settings.site_url) :]
    return url


class _PostUrls(Mapping[str, str]):
    """`post_url`'s argument (`2023-01-29-slug`, `blog/2023-01-29-slug`) -> the post's URL,
    found on disk and read when first asked: most bodies ask for none, and a worker process
    should not need every post of the site to render a few."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._found: dict[str, str | None] = {}

    def __getitem__(self, name: str) -> str:
        if name not in self._found:
            self._found[name] = self._find(name)
        url = self._found[name]
        if url is None:
            raise KeyError(name)
        return url

    def _find(self, name: str) -> str | None:
        """As Jekyll's post_url finds a post: `2023-01-29-slug` directly in a `_posts` folder
        (the site's, or one folder down), `dir/2023-01-29-slug` in `dir/_posts` or
        `_posts/dir`; a leading `/` is ignored."""
        folder, _, stem = name.strip().strip("/").rpartition("/")
        if ".." in name.split("/") or not stem:
            return None
        root = self.settings.content_dir
        if folder:
            places = [root / folder / POSTS_FOLDER, root / POSTS_FOLDER / folder]
        else:
            places = [root / POSTS_FOLDER, *sorted(root.glob(f"*/{POSTS_FOLDER}"))]
        for place in places:
            for path in sorted(place.glob(f"{glob.escape(stem)}.*")):
                if path.is_file():
                    try:
                        return site_relative(self.settings, read_post(path, self.settings).url)
                    except PostError:
                        return None
        return None

    def __iter__(self) -> Iterator[str]:
        return iter(())  # looked up by name only

    def __len__(self) -> int:
        return 0


class _PageUrls(Mapping[str, str]):
    """The `link` tag's argument (a source path below the site root) -> its URL: a post's
    permalink, or a page's own `permalink`, else its path with `.html` (`/about.html`, `/` for
    an index), as Jekyll makes a page's URL."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._found: dict[str, str | None] = {}

    def __getitem__(self, source: str) -> str:
        if source not in self._found:
            self._found[source] = self._find(source.strip("/"))
        url = self._found[source]
        if url is None:
            raise KeyError(source)
        return url

    def _find(self, source: str) -> str | None:
        root = self.settings.content_dir
        path = root / source
        if ".." in source.split("/") or not path.is_file():
            return None
        if POSTS_FOLDER in source.split("/")[:-1]:
            try:
                return site_relative(self.settings, read_post(path, self.settings).url)
            except PostError:
                return None
        try:
            meta, _ = split_front_matter(read_text(path, root, self.settings.max_post_bytes).text)
        except (UnreadableFile, FrontMatterError):
            meta = {}
        permalink = meta.get("permalink")
        if isinstance(permalink, str) and permalink.strip():
            return "/" + permalink.strip().lstrip("/")
        stem, suffix = os.path.splitext(source)
        if suffix.lower() in (".md", ".markdown", ".mkd", ".mkdn", ".mkdown", ".html", ".htm"):
            suffix = ".html"
        if stem == "index" or stem.endswith("/index"):
            return "/" + stem[: -len("index")]
        if self.settings.permalink == "pretty":  # Jekyll's pretty style gives pages folders too
            return "/" + stem + "/"
        return "/" + stem + suffix

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0
