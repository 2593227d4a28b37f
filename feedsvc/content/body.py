"""A post's body as feed content: Markdown rendered, links made absolute, and a plain summary."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from feedsvc.content.markup.markdown import PLAIN, MarkdownOptions, render_markdown
from feedsvc.content.post import Post
from feedsvc.content.text import cut, squash_spaces, xml_safe


@dataclass(frozen=True)
class Body:
    """What a feed entry shows of a post."""

    html: str  # full content; every href/src absolute, as feed readers do not resolve them
    summary: str  # plain text: the writer's excerpt, else the first paragraph (cut to length)
    # `summary` is HTML (links absolute too): a Hugo post's .Summary, which Hugo's RSS gives
    summary_html: bool = False

    @property
    def summary_text(self) -> str:
        """The summary as plain text, for the formats and pages that want text."""
        return plain_text(self.summary) if self.summary_html else self.summary


def render_body(
    post: Post, body: str, excerpt_length: int, options: MarkdownOptions = PLAIN
) -> Body:
    """Render the post's body for feeds, Markdown as `options` say (a Jekyll site's are its
    kramdown settings). Relative and protocol-relative links are resolved against the post's own
    URL, as a browser showing the post would (`//host/x` becomes `https://host/x` on an https
    site)."""
    return render_bodies([(post, body)], excerpt_length, options)[0]


def render_bodies(
    items: Sequence[tuple[Post, str]],
    excerpt_length: int,
    options: MarkdownOptions = PLAIN,
    excerpts: Sequence[str | None] | None = None,
) -> list[Body]:
    """render_body for each (post, body), stage by stage over all of them (Markdown for all, then
    parsing, links, serializing): each library's code stays hot in the processor's caches, which
    makes a batch about a fifth faster than one body after the other. `excerpts`, when given,
    holds for each post without a written excerpt the text its summary is made of, written as
    its body is (the part before the site's excerpt separator; the body itself for all of it);
    None there, or no `excerpts`, summarises the first paragraph."""
    sources = [render_markdown(body, options) if post.is_markdown else body for post, body in items]
    fragments = [
        lxml.html.fragment_fromstring(source, create_parent="div") if source.strip() else None
        for source in sources
    ]
    for (post, _), fragment in zip(items, fragments, strict=True):
        if fragment is not None:
            _make_links_absolute(fragment, post.url)
    bodies = []
    wanted = excerpts if excerpts is not None else [None] * len(items)
    for (post, body), fragment, excerpt in zip(items, fragments, wanted, strict=True):
        if post.excerpt:  # the writer's own: never cut
            summary = plain_text(post.excerpt)
        elif excerpt == body:  # all of it: its text, already parsed
            summary = squash_spaces(fragment.text_content()) if fragment is not None else ""
        elif excerpt is not None:
            summary = plain_text(render_markdown(excerpt, options) if post.is_markdown else excerpt)
        else:
            summary = _first_paragraph(fragment) if fragment is not None else ""
        if not post.excerpt and excerpt_length:
            summary = cut(summary, excerpt_length)
        if fragment is None:
            bodies.append(Body(html="", summary=summary))
            continue
        html = lxml.html.tostring(fragment, encoding="unicode")[len("<div>") : -len("</div>")]
        bodies.append(Body(html=xml_safe(html), summary=summary))
    return bodies


def _make_links_absolute(fragment: lxml.html.HtmlElement, base: str) -> None:
    fragment.make_links_absolute(base, resolve_base_href=False, handle_failures="ignore")
    for element in fragment.xpath("descendant-or-self::*[@srcset]"):
        element.set("srcset", absolute_srcset(element.get("srcset", ""), base))


def absolute_links(html: str, base: str) -> str:
    """HTML with every link, source and srcset resolved against `base` (the post's URL), as
    render_bodies makes a body's: for HTML rendered elsewhere (a Hugo post's)."""
    if not html.strip():
        return html
    fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    _make_links_absolute(fragment, base)
    return xml_safe(lxml.html.tostring(fragment, encoding="unicode")[len("<div>") : -len("</div>")])


def absolute_srcset(srcset: str, base: str) -> str:
    """A srcset (`<img>`, `<source>`) with each candidate's URL resolved against `base`, as
    make_links_absolute resolves href and src but leaves srcset alone. Candidates are read as
    HTML reads them: a URL, then descriptors (`2x`, `480w`) up to a comma outside parentheses;
    a comma may also sit inside a URL (`data:image/png;base64,…`) or end it. All else stays as
    written."""
    out, copied = [], 0
    for candidate in _SRCSET_CANDIDATE.finditer(srcset):
        out += [srcset[copied : candidate.start("url")], _resolved(base, candidate["url"])]
        copied = candidate.end("url")
    return "".join([*out, srcset[copied:]])


def _resolved(base: str, url: str) -> str:
    try:
        return urljoin(base, url)
    except ValueError:  # a URL urljoin cannot read (`http://[x`) stays as written, as in lxml
        return url


# One candidate: a URL, ended by commas and a space, or by a space and then descriptors that run to
# a comma outside parentheses (the HTML standard's "parse a srcset attribute").
_SRCSET_CANDIDATE = re.compile(
    r"[\s,]*(?P<url>[^\s,]\S*?)(?:,+(?=\s|$)|(?=\s|$)(?:[^,(]|\([^)]*\)?)*,?)"
)


def _first_paragraph(fragment: lxml.html.HtmlElement) -> str:
    """Text of the first paragraph that has any, else of the whole body."""
    for paragraph in fragment.iter("p"):
        text = squash_spaces(paragraph.text_content())
        if text:
            return text
    return squash_spaces(fragment.text_content())


def plain_text(html: str) -> str:
    """The text a reader would see in an HTML snippet, for summaries written with tags."""
    if "<" not in html:
        return squash_spaces(html)
    try:
        return squash_spaces(
            lxml.html.fragment_fromstring(html, create_parent="div").text_content()
        )
    except lxml.etree.ParserError:
        return squash_spaces(html)
