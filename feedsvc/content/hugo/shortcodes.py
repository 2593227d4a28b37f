"""Hugo's shortcodes in a post, as Hugo 0.111 runs them: a built-in's HTML in its place (after
the Markdown for `{{< >}}`, inside it for `{{% %}}`), any other shortcode's markers dropped and
its inner content kept, with a warning naming the file and line. No shortcode marker is left in
the output but the ones an author wrote as `{{</* literal */>}}`."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from feedsvc.content.hugo.go_html import go_time
from feedsvc.content.hugo.shortcode_builtins import BUILTINS, NO_INNER, Call
from feedsvc.content.hugo.shortcode_syntax import Shortcode, Tag, pair, parse
from feedsvc.content.markup import chroma

logger = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"HAHAHUGOSHORTCODEs(\d+)HBHB")  # Hugo's own, for the same ids
_START = re.compile(r"\{\{[<%]")
_SHORT_HTML = re.compile(r"\A<p>(.*)</p>\n\Z")  # Go's `.` does not match a line break either
# Front matter Hugo reads as the page's dates (its default frontmatter settings).
_DATES = frozenset(["date", "lastmod", "publishdate", "expirydate", "pubdate", "published",
                    "modified", "unpublishdate"])  # fmt: skip
_MAX_DEPTH = 20  # shortcodes in a figure's caption, in a caption… (Hugo times out instead)


def _no_ref(target: str) -> str | None:
    return None


def _plain(text: str) -> str:
    return text


@dataclass(frozen=True)
class ShortcodePage:
    """The page shortcodes are run on, and what they ask of its site."""

    source: str  # the page's file, relative to the content folder: named in warnings
    params: Mapping[str, Any] = field(default_factory=dict)  # its front matter
    site_params: Mapping[str, Any] = field(default_factory=dict)  # the site's `params`
    permalink: str = ""  # its own URL
    # A ref/relref target (`posts/x.md`, `x`) -> that page's permalink, or None: not found.
    ref: Callable[[str], str | None] = _no_ref
    markdown: Callable[[str], str] = _plain  # Markdown -> HTML as the site renders it
    highlight: chroma.HighlightOptions = field(default_factory=chroma.HighlightOptions)
    privacy: Mapping[str, Any] = field(default_factory=dict)  # the site's `privacy` table
    first_line: int = 1  # the line of the file the text starts at (after the front matter)


@dataclass(frozen=True)
class Expanded:
    """A body with its shortcodes run: Markdown with `{{% %}}` output in it and a placeholder
    for each `{{< >}}` output, put in the HTML by `finish`."""

    markdown: str
    outputs: Mapping[int, str]

    def finish(self, html: str) -> str:
        """The HTML with each placeholder replaced by its output; a placeholder alone in a
        paragraph takes the paragraph's place (Hugo's rule)."""
        out, pos = [], 0
        for found in _PLACEHOLDER.finditer(html):
            output = self.outputs.get(int(found[1]))
            if output is None:  # not one of ours: the author's own text
                continue
            start, end = found.start(), found.end()
            if html.endswith("<p>", pos, start) and html.startswith("</p>", end):
                start, end = start - 3, end + 4
            out += [html[pos:start], output]
            pos = end
        return "".join([*out, html[pos:]])


def expand_shortcodes(text: str, page: ShortcodePage) -> Expanded:
    """Run the shortcodes in a post's Markdown (see Expanded)."""
    return _Runner(page).expand(text)


def render_with_shortcodes(text: str, page: ShortcodePage) -> str:
    """A post's Markdown with its shortcodes as HTML, as Hugo's `.Content`."""
    expanded = expand_shortcodes(text, page)
    return expanded.finish(page.markdown(expanded.markdown))


class _Runner:
    """One page's shortcodes: the Site the built-ins ask, and the outputs kept for placeholders."""

    def __init__(self, page: ShortcodePage, depth: int = 0) -> None:
        self.page = page
        self.highlight = page.highlight
        self.depth = depth
        self.line_offset = page.first_line - 1
        self.outputs: dict[int, str] = {}
        self.ordinal = 0

    def expand(self, text: str) -> Expanded:
        if _START.search(text) is None:
            return Expanded(text, {})
        parts, problems = parse(text)
        nodes, unpaired = pair(parts, NO_INNER)
        for problem in [*problems, *unpaired]:
            self.warn(problem.line, problem.message)
        markdown = "".join(self._top(node) for node in nodes)
        return Expanded(markdown, self.outputs)

    def _top(self, node: str | Shortcode) -> str:
        """A node at the page's top level: text as it is, a built-in's output (in the Markdown
        for `{{% %}}`, as a placeholder for `{{< >}}`), another shortcode's inner content."""
        if isinstance(node, str):
            return node
        tag = node.tag
        number, self.ordinal = self.ordinal, self.ordinal + 1  # Hugo numbers every one
        if tag.name not in BUILTINS:
            return "".join(self._top(child) for child in self._unknown(node))
        output = self._run(node, level=0)
        if output is None:  # it could not run: nothing in its place
            return ""
        if tag.markup:
            return output
        self.outputs[number] = output
        return f"HAHAHUGOSHORTCODEs{number}HBHB"

    def _unknown(self, node: Shortcode) -> list[str | Shortcode]:
        """What is kept of a shortcode feedsvc cannot run: its inner content (an inline
        shortcode's is a template: nothing)."""
        name = node.tag.name
        if name.endswith(".inline"):
            self.warn(node.tag.line, f'inline shortcode "{name}" left out')
            return []
        self.warn(node.tag.line, f'unknown shortcode "{name}"')
        return node.inner or []

    def _inner(self, node: Shortcode, level: int) -> str | None:
        """The inner content as the shortcode's template sees it: nested shortcodes run; a
        nested `{{% %}}` shortcode's content rendered from Markdown first."""
        if node.inner is None:
            return None
        inner = self._joined(node.inner, level + 1)
        if node.tag.markup and level > 0:
            html = self.markdownify(inner, block=True)
            short = _SHORT_HTML.match(html)
            inner = short[1] if short and "\n" not in inner else html
        return inner

    def _joined(self, nodes: list[str | Shortcode], level: int) -> str:
        """Text and nested shortcodes' output, as one string (another shortcode's content)."""
        parts = []
        for node in nodes:
            if isinstance(node, str):
                parts.append(node)
            elif node.tag.name in BUILTINS:
                parts.append(self._run(node, level) or "")
            else:
                parts.append(self._joined(self._unknown(node), level))
        return "".join(parts)

    def _run(self, node: Shortcode, level: int) -> str | None:
        tag = node.tag
        if tag.name in ("highlight", "details") and node.inner is None and not tag.self_closing:
            self.warn(tag.line, f'shortcode "{tag.name}" is never closed')
            return None
        output = BUILTINS[tag.name](Call(tag, self._inner(node, level), self))
        if (
            output is not None and node.inner is None and tag.indentation
        ):  # later lines stay in a list item
            lines = output.splitlines(keepends=True)
            output = "".join(lines[:1] + [tag.indentation + line for line in lines[1:]])
        return output

    # --- What the built-ins ask of the page (shortcode_builtins.Site) ---------------------

    def markdownify(self, text: str, block: bool = False) -> str:
        """Markdown as the site renders it, shortcodes in it run; without `block`, a lone
        paragraph's <p> taken off, as Hugo's markdownify and RenderString do."""
        if _START.search(text) and self.depth < _MAX_DEPTH:
            runner = _Runner(self.page, self.depth + 1)
            expanded = runner.expand(text)
            html = expanded.finish(self.page.markdown(expanded.markdown))
        else:
            html = self.page.markdown(_START.sub("", text))
        return html if block else trim_short_html(html)

    def param(self, key: str) -> object:
        """Hugo's .Page.Param: the page's front matter, then the site's params; `a.b` looks in
        a table; names in any case. The page's own dates are times to Hugo, printed as Go
        prints them; any other date is as written."""
        for table in (self.page.params, self.page.site_params):
            value: object = table
            for name in key.lower().split("."):
                value = _lowered(value).get(name) if isinstance(value, Mapping) else None
            if isinstance(value, dt.date) and table is self.page.params and key.lower() in _DATES:
                return go_time(value)
            if value is not None:
                return value
        return None

    def ref(self, target: str, relative: bool) -> str | None:
        found = self.page.ref(target)
        if found is None or not relative:
            return found
        parts = urlsplit(found)
        return urlunsplit(("", "", parts.path, parts.query, parts.fragment))

    def privacy(self, service: str) -> Mapping[str, object]:
        table = _lowered(self.page.privacy).get(service)
        return _lowered(table) if isinstance(table, Mapping) else {}

    def warn(self, line: int, message: str) -> None:
        logger.warning("%s:%d: %s", self.page.source, line + self.line_offset, message)


def _lowered(table: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key).lower(): value for key, value in table.items()}


def trim_short_html(html: str) -> str:
    """Hugo's TrimShortHTML: the <p> around HTML that is one paragraph taken off."""
    if html.find("<p") == html.rfind("<p") and html.rfind("</p>") == html.rfind("</"):
        html = html.strip().removeprefix("<p>").removesuffix("</p>").strip()
    return html


__all__ = ["Expanded", "ShortcodePage", "Tag", "expand_shortcodes", "render_with_shortcodes"]
