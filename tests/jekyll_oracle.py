"""Real Jekyll and jekyll-feed as the reference for Jekyll sites: build a site, read its Atom feeds.

feedsvc reads a Jekyll site's root as Jekyll does and publishes what jekyll-feed would (issue 13);
this module runs the real thing (Debian's `jekyll` with `ruby-jekyll-feed`) and reads what it
writes into values any Atom document can be compared by, feedsvc's included.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from .system import require

JEKYLL_PACKAGES = "jekyll ruby-jekyll-feed"
ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# What a site without `timezone` is built in: Jekyll uses the machine's zone, so pin one.
BUILD_ZONE = "UTC"
_GENERATOR = "Jekyll"  # jekyll-feed's <generator>, which tells its feeds from other XML files


@functools.cache  # found once per session; a skip is raised again on every call
def jekyll_program() -> str:
    """The `jekyll` program, once jekyll-feed is installed beside it; otherwise skip (fail under
    REQUIRE_SYSTEM_PROGRAMS=1) naming the Debian packages."""
    require("jekyll", JEKYLL_PACKAGES)
    plugin = "jekyll-feed.rb"  # named in the skip when Ruby's gem cannot find it
    gem = shutil.which("gem")  # Ruby's own, installed with jekyll
    if gem is not None:
        found = subprocess.run(
            [gem, "which", "jekyll-feed"], capture_output=True, text=True, check=False
        )
        plugin = found.stdout.strip() if found.returncode == 0 else plugin
    return require("jekyll", JEKYLL_PACKAGES, [plugin])


def build_with_jekyll(site: Path, out: Path) -> Path:
    """Build `site` with real Jekyll into `out` (which it creates) and return `out`.

    `jekyll build`, not `--safe`: safe mode loads a gem plugin only when `whitelist:` names it
    (GitHub Pages' rule), and the fixtures have no `_plugins/` for safe mode to refuse. Run as
    a site is published (JEKYLL_ENV=production), in UTF-8, with the machine's zone pinned to
    BUILD_ZONE, and with no disk cache, so the site's folder is left as it was.
    """
    program = jekyll_program()
    env = {
        **os.environ,
        "TZ": BUILD_ZONE,
        "JEKYLL_ENV": "production",
        "LC_ALL": "C.UTF-8",
    }
    command: list[str | Path] = [
        program,
        "build",
        "--disable-disk-cache",
        "--source",
        site,
        "--destination",
        out,
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"jekyll build {site} failed:\n{done.stdout}{done.stderr}")
    return out


def jekyll_feed_paths(built: Path) -> list[str]:
    """Every feed jekyll-feed wrote into a built site, as paths relative to it, sorted."""
    paths = []
    for path in built.rglob("*.xml"):
        root = lxml.etree.parse(path).getroot()
        generator = root.find(f"{ATOM}generator")
        if root.tag == f"{ATOM}feed" and generator is not None and generator.text == _GENERATOR:
            paths.append(path.relative_to(built).as_posix())
    return sorted(paths)


@dataclass(frozen=True)
class Person:
    """An Atom author."""

    name: str
    email: str | None
    uri: str | None


@dataclass(frozen=True)
class Entry:
    """One Atom entry as a reader sees it, from any Atom document (jekyll-feed's or feedsvc's)."""

    id: str  # <id>, exactly as written (ids are compared, never resolved)
    link: str  # the alternate link's href, resolved against xml:base
    title: str  # the text a reader shows: type="html" parsed as HTML, white space collapsed
    published: dt.datetime | None  # aware
    updated: dt.datetime  # aware
    categories: tuple[str, ...]  # every <category term>, in document order, repeats kept
    summary: str | None  # the text a reader shows, as for the title; None when absent or empty
    # (jekyll-feed writes an empty <summary> for an excerpt that is only an image; a reader
    # shows nothing either way)
    content: str  # the content as HTML, as written (type="text" escaped; xhtml serialised)
    content_base: str  # the xml:base the content's relative URLs resolve against
    author: Person | None  # the entry's, else the feed's (which entries inherit in Atom)
    lang: str | None  # the xml:lang in effect: the entry's, else the feed's


@dataclass(frozen=True)
class FeedHead:
    """The feed-level fields of an Atom document."""

    id: str
    title: str  # as for an entry's title
    subtitle: str | None
    author: Person | None
    self_link: str | None
    alternate_link: str | None
    lang: str | None
    updated: dt.datetime
    generator: str | None


def jekyll_feed_entries(feed_xml: Path) -> list[Entry]:
    """Every entry of the Atom document at `feed_xml`, in document order."""
    return atom_entries(feed_xml.read_bytes())


def atom_entries(data: bytes) -> list[Entry]:
    """Every entry of an Atom document, in document order."""
    return [_entry(entry) for entry in _parse(data).iterfind(f"{ATOM}entry")]


def atom_head(data: bytes) -> FeedHead:
    """The feed-level fields of an Atom document."""
    feed = _parse(data)
    return FeedHead(
        id=_text(feed, "id") or "",
        title=_readable(feed.find(f"{ATOM}title")) or "",
        subtitle=_readable(feed.find(f"{ATOM}subtitle")),
        author=_person(feed.find(f"{ATOM}author")),
        self_link=_link(feed, "self"),
        alternate_link=_link(feed, "alternate"),
        lang=feed.get(XML_LANG),
        updated=_date(_text(feed, "updated")),
        generator=_text(feed, "generator"),
    )


def _parse(data: bytes) -> lxml.etree._Element:
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True)
    root = lxml.etree.fromstring(data, parser)
    if root.tag != f"{ATOM}feed":
        raise ValueError(f"not an Atom feed: <{root.tag}>")
    return root


def _entry(entry: lxml.etree._Element) -> Entry:
    content = entry.find(f"{ATOM}content")
    published = _text(entry, "published")
    return Entry(
        id=_text(entry, "id") or "",
        link=_link(entry, "alternate") or "",
        title=_readable(entry.find(f"{ATOM}title")) or "",
        published=_date(published) if published else None,
        updated=_date(_text(entry, "updated")),
        categories=tuple(c.get("term", "") for c in entry.iterfind(f"{ATOM}category")),
        summary=_readable(entry.find(f"{ATOM}summary")) or None,
        content=_html(content) if content is not None else "",
        content_base=(content if content is not None else entry).base or "",
        author=_person(_author(entry)),
        lang=_lang(entry),
    )


def _author(entry: lxml.etree._Element) -> lxml.etree._Element | None:
    """The entry's author element, else its feed's."""
    own = entry.find(f"{ATOM}author")
    feed = entry.getparent()
    return own if own is not None or feed is None else feed.find(f"{ATOM}author")


def _lang(element: lxml.etree._Element | None) -> str | None:
    while element is not None:
        if element.get(XML_LANG) is not None:
            return element.get(XML_LANG)
        element = element.getparent()
    return None


def _text(parent: lxml.etree._Element, name: str) -> str | None:
    child = parent.find(f"{ATOM}{name}")
    return None if child is None else (child.text or "")


def _date(text: str | None) -> dt.datetime:
    """An Atom date construct (RFC 3339), which always carries its offset."""
    if not text:
        raise ValueError("an Atom date is missing")
    value = dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        raise ValueError(f"an Atom date without an offset: {text!r}")
    return value


def _link(parent: lxml.etree._Element, rel: str) -> str | None:
    for link in parent.iterfind(f"{ATOM}link"):
        if link.get("rel", "alternate") == rel:
            return urljoin(link.base or "", link.get("href", ""))
    return None


def _person(element: lxml.etree._Element | None) -> Person | None:
    if element is None:
        return None
    return Person(
        name=_text(element, "name") or "",
        email=_text(element, "email"),
        uri=_text(element, "uri"),
    )


def _html(element: lxml.etree._Element) -> str:
    """A text construct's value as HTML."""
    kind = element.get("type", "text")
    if kind == "xhtml":
        div = element[0]
        inner = [lxml.etree.tostring(child, encoding="unicode") for child in div]
        return _escape(div.text or "") + "".join(inner)
    if kind == "html":
        return element.text or ""
    return _escape(element.text or "")


def _readable(element: lxml.etree._Element | None) -> str | None:
    """The text a reader shows for a text construct: its HTML's text, white space collapsed."""
    if element is None:
        return None
    if element.get("type", "text") == "text":
        return element.text or ""
    return html_text(_html(element))


def html_text(html: str) -> str:
    """The text of an HTML fragment, entities decoded, HTML white space collapsed."""
    if not html.strip():
        return ""
    text = lxml.html.fragment_fromstring(html, create_parent="div").text_content()
    return _HTML_SPACE.sub(" ", text).strip()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# HTML's white space (not Python's \s, which would eat no-break spaces).
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_BLOCKS = frozenset(
    ["address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt", "figcaption",
     "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
     "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
     "ul"]
)  # fmt: skip
# Class names syntax highlighters add for their style sheets (rouge's; markdown-it adds none).
_HIGHLIGHTER_CLASSES = frozenset({"highlight", "highlighter-rouge", "language-plaintext"})
_LANGUAGE = re.compile(r"^language-(.+)$")


def normalise_html(html: str, base: str = "") -> str:
    """`html` rewritten so that two renderers' output compares equal when a reader would see the
    same thing, and the differences left are the ones a reader would notice.

    The normalisations, in order:

    1. Parsing: the fragment is parsed as HTML, so character references and entities become the
       characters they stand for (`&#8617;`, `&rsquo;` and `↩`, `’` are alike), and `<br />` and
       `<br>` alike; on output only `&`, `<`, `>` (and `"` in attributes) are escaped.
    2. Comments are dropped (Jekyll keeps `<!--more-->` in the content; a reader shows none).
    3. Code blocks become `<pre><code class="language-X">text</code></pre>`: the wrappers a
       highlighter adds (rouge's `div.highlighter-rouge > div.highlight > pre.highlight` and the
       `{% highlight %}` tag's `figure.highlight`) and its token spans (`<span class="k">`)
       go; X is the language named by a `language-X` class or a `data-lang` anywhere in the
       block, left out when none or `plaintext`. The code's text is kept exactly.
    4. Highlighter class names (`highlight`, `highlighter-rouge`, `language-plaintext`, which
       rouge puts on inline `<code>` too) are removed, and a `class` left empty with them.
    5. URLs in link attributes (href, src, ...) are resolved against `base` (the content's
       xml:base), so a relative `/about/` and an absolute `https://site/about/` are alike;
       a same-document reference (`#fn:1`) resolves too, as a reader honouring xml:base
       resolves it (feedsvc writes it absolute: readers that strip ids keep a working link).
       A URL's non-ASCII characters are written percent-encoded in UTF-8 (libxml2's HTML
       serialiser does so), as a browser requests them: `/a·b.html` and `/a%C2%B7b.html` are
       alike; the text a reader sees is not touched.
    6. `style` attributes: spaces around `:` and `;` and a last `;` are dropped
       (`text-align: right` and `text-align:right` are alike).
    7. Attributes are written in name order.
    8. White space outside `<pre>`: each run becomes one space, and runs next to the start or
       end of a block-level element go; then each block-level element starts on a line of its
       own, which makes a diff of two normalised fragments readable line by line.
    """
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for comment in root.xpath("//comment()"):
        _drop_keeping_tail(comment)
    for pre in root.xpath("//pre"):
        _canonical_code_block(pre)
    if base:
        root.rewrite_links(lambda link: urljoin(base, link))
    for element in root.iter():
        if isinstance(element.tag, str):
            _canonical_attributes(element)
    _normalise_space(root)
    out = str(lxml.html.tostring(root, encoding="unicode", method="html"))
    return out.removeprefix("<div>").removesuffix("</div>").strip()


def _drop_keeping_tail(node: lxml.etree._Element) -> None:
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail or ""
    previous = node.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(node)


def _canonical_code_block(pre: lxml.html.HtmlElement) -> None:
    """Replace a code block and the highlighter's wrappers around it with plain pre > code."""
    outer = pre
    while True:
        parent = outer.getparent()
        if parent is None or parent.tag not in ("div", "figure"):
            break
        if not _HIGHLIGHTER_CLASSES & set(parent.get("class", "").split()):
            break
        if len(parent) != 1 or (parent.text or "").strip():
            break
        outer = parent
    language = _language(outer)
    text = pre.text_content()
    replacement = lxml.html.Element("pre")
    code = lxml.etree.SubElement(replacement, "code")
    if language:
        code.set("class", f"language-{language}")
    code.text = text
    replacement.tail = outer.tail
    outer.getparent().replace(outer, replacement)


def _language(block: lxml.html.HtmlElement) -> str | None:
    for element in block.iter():
        if not isinstance(element.tag, str):
            continue
        for name in element.get("class", "").split():
            found = _LANGUAGE.match(name)
            if found and found.group(1) != "plaintext":
                return found.group(1)
        named = element.get("data-lang")
        if named:
            return str(named)
    return None


def _canonical_attributes(element: lxml.html.HtmlElement) -> None:
    attributes = dict(element.attrib)
    if "class" in attributes:
        names = [n for n in attributes["class"].split() if n not in _HIGHLIGHTER_CLASSES]
        if names:
            attributes["class"] = " ".join(names)
        else:
            del attributes["class"]
    if "style" in attributes:
        style = re.sub(r"\s*([:;])\s*", r"\1", attributes["style"].strip())
        attributes["style"] = style.rstrip(";")
    element.attrib.clear()
    for name in sorted(attributes):
        element.set(name, attributes[name])


def _normalise_space(element: lxml.html.HtmlElement) -> None:
    """Collapse white space outside <pre>; put each block-level element on a line of its own."""
    if element.tag == "pre":
        return
    block = element.tag in _BLOCKS or element.getparent() is None
    element.text = _HTML_SPACE.sub(" ", element.text or "")
    children = list(element)
    for child in children:
        if isinstance(child.tag, str):
            _normalise_space(child)
        child.tail = _HTML_SPACE.sub(" ", child.tail or "")
    if block:
        element.text = element.text.lstrip()
        if children:
            children[-1].tail = (children[-1].tail or "").rstrip()
        else:
            element.text = element.text.rstrip()
    for index, child in enumerate(children):
        if child.tag not in _BLOCKS:
            continue
        if index == 0:
            element.text = (element.text or "").rstrip() + "\n"
        else:
            children[index - 1].tail = (children[index - 1].tail or "").rstrip() + "\n"
        child.tail = "\n" + (child.tail or "").lstrip()
