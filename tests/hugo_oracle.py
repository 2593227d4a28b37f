"""Real Hugo as the reference for Hugo sites: build a site, read its RSS feeds and its pages.

feedsvc reads a Hugo site's root as Hugo does and publishes what Hugo's own RSS lists, at Hugo's
paths (issue 15). This module runs the real thing (Debian's `hugo`, 0.111) and reads what it
writes into values any RSS document can be compared by, feedsvc's included.

What is compared, and how Hugo's side is taken:

- Hugo's built-in RSS template (the sites have none of their own), which is what a Hugo site's
  subscribers read: per item `title`, `link`, `pubDate`, `guid` (the permalink) and
  `description`, which holds the page's `.Summary` (escaped HTML), never the whole post.
- The RSS limit is lifted at build time (`HUGO_SERVICES_RSS_LIMIT=-1`, which wins over a site's
  `services.rss.limit` or `rssLimit`), so Hugo lists every page as feedsvc does.
- The whole post, which Hugo's RSS does not carry, is read from the page Hugo wrote: the
  inside of the fixture layouts' `<div class="post-content">{{ .Content }}</div>`; and so is
  its `.Lastmod`, from the Open Graph tags of Hugo's own `_internal/opengraph.html`.
- Hugo's clock is pinned (`--clock`), so future, scheduled and expired pages are decided as of
  the same instant feedsvc's build is given, and tests never change as time passes.

`normalise_hugo_html` lists the rules that make two renderings of a post compare equal.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.etree
import lxml.html

from .jekyll_oracle import html_text, normalise_html
from .system import require

HUGO_PACKAGE = "hugo"
CONTENT_NS = "{http://purl.org/rss/1.0/modules/content/}"
ATOM_NS = "{http://www.w3.org/2005/Atom}"
HUGO_GENERATOR = "Hugo -- gohugo.io"
CLOCK_REACH = dt.timedelta(
    days=290 * 365
)  # within Go's largest Duration (2**63 ns)  # the built-in template's <generator>
# The fixtures' layouts wrap each page's .Content in a div of this class (as most themes do).
CONTENT_CLASS = "post-content"
# What a theme's own shortcode (one feedsvc cannot know) marks its wrapper element with in the
# fixtures: feedsvc keeps such a shortcode's inner content, Hugo wraps it in the theme's markup.
SHORTCODE_MARK = "data-shortcode"
MODIFIED = "article:modified_time"  # Hugo's _internal/opengraph.html: .Lastmod
# Characters no XML document may hold: C0 controls but tab, newline and carriage return.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NOT_XML_BYTES = re.compile(b"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@functools.cache  # found once per session; a skip is raised again on every call
def hugo_program() -> str:
    """The `hugo` program; otherwise skip (fail under REQUIRE_SYSTEM_PROGRAMS=1) naming the
    Debian package."""
    return require("hugo", HUGO_PACKAGE)


def build_with_hugo(site: Path, out: Path, now: dt.datetime) -> Path:
    """Build `site` with real Hugo, as of `now`, into `out` (which it creates) and return `out`.

    Hugo writes into the site's folder as it builds (`resources/_gen/`, `.hugo_build.lock`), so
    it builds a copy, leaving the fixture as it is. It runs offline with an empty cache, in the
    production environment (what `hugo` builds by default, said outright), with the machine's
    zone pinned (a site without `timeZone` reads zone-less dates in UTC either way), no
    HUGO_* variable of the caller's, and the RSS limit lifted.
    """
    program = hugo_program()
    if now.tzinfo is None:
        raise ValueError("the build's clock must be aware")
    # Hugo keeps --clock as its distance from the real clock in a Go Duration, which holds
    # about 292 years: further away, the clock wraps silently (a 2999 post stays future at 3000).
    if abs(now - dt.datetime.now(dt.UTC)) > CLOCK_REACH:
        raise ValueError(f"Hugo's --clock cannot reach {now:%Y-%m-%d} from today")
    env = {name: value for name, value in os.environ.items() if not name.startswith("HUGO")}
    env.update({"TZ": "UTC", "LC_ALL": "C.UTF-8", "HUGO_SERVICES_RSS_LIMIT": "-1"})
    with tempfile.TemporaryDirectory(prefix="hugo-oracle-") as scratch:
        source = Path(scratch) / "site"
        shutil.copytree(site, source)
        command: list[str | Path] = [
            program,
            "--source",
            source,
            "--destination",
            out.resolve(),
            "--cacheDir",
            Path(scratch) / "cache",
            "--environment",
            "production",
            "--clock",
            now.isoformat(),
            "--noBuildLock",
            "--quiet",
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or "ERROR" in done.stderr:
        raise AssertionError(f"hugo {site} failed:\n{done.stdout}{done.stderr}")
    return out


def hugo_feed_paths(built: Path, taxonomies: tuple[str, ...], name: str = "index.xml") -> list[str]:
    """Every RSS feed of posts Hugo wrote into a built site, as paths relative to it, sorted:
    the home page's, each section's and each taxonomy term's `index.xml` (or `name`, for a site
    whose `outputFormats.RSS.baseName` renames them). Not a taxonomy's own list
    (`tags/index.xml`), whose items are the terms rather than posts."""
    lists = {f"{taxonomy}/{name}" for taxonomy in taxonomies}
    paths = []
    for path in built.rglob(name):
        relative = path.relative_to(built).as_posix()
        root = _channel_root(path.read_bytes(), recover=True)
        is_hugo_rss = root.tag == "rss" and root.findtext("channel/generator") == HUGO_GENERATOR
        if is_hugo_rss and relative not in lists:
            paths.append(relative)
    return sorted(paths)


@dataclass(frozen=True)
class Item:
    """One RSS item as a reader sees it, from any RSS 2.0 document (Hugo's or feedsvc's)."""

    guid: str  # exactly as written: readers tell items apart by it, byte for byte
    guid_is_permalink: bool  # isPermaLink, true unless written "false" (RSS 2.0's default)
    link: str  # exactly as written
    title: str  # the element's text, white space collapsed (RSS titles are plain text)
    published: dt.datetime | None  # pubDate, aware
    description: str  # the element's text: HTML (Hugo's .Summary) or plain text
    content: str | None  # content:encoded (feedsvc's whole post; Hugo writes none)
    categories: tuple[str, ...]  # every <category>, in document order


@dataclass(frozen=True)
class Channel:
    """The channel-level fields of an RSS document."""

    title: str
    link: str
    language: str | None
    self_link: str | None  # the atom:link rel="self"
    generator: str | None


def rss_items(data: bytes, recover: bool = False) -> list[Item]:
    """Every item of an RSS 2.0 document, in document order. With `recover`, characters no XML
    may hold are dropped before reading it (Hugo writes a post's control characters, a
    backspace say, as they are, and its document is then not XML)."""
    return [_item(item) for item in _channel(data, recover).iterfind("item")]


def rss_channel(data: bytes, recover: bool = False) -> Channel:
    """The channel-level fields of an RSS 2.0 document (`recover` as for rss_items)."""
    channel = _channel(data, recover)
    links = channel.iterfind(f"{ATOM_NS}link")
    self_link = next((link.get("href") for link in links if link.get("rel") == "self"), None)
    return Channel(
        title=_collapse(channel.findtext("title") or ""),
        link=(channel.findtext("link") or "").strip(),
        language=channel.findtext("language"),
        self_link=self_link,
        generator=channel.findtext("generator"),
    )


def _channel_root(data: bytes, recover: bool) -> lxml.etree._Element:
    """The document's root. With `recover`, characters no XML may hold are dropped first
    (libxml2's own recovery is no use: past the first error it loses entity references)."""
    if recover:
        data = _NOT_XML_BYTES.sub(b"", data)
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True)
    return lxml.etree.fromstring(data, parser)


def _channel(data: bytes, recover: bool = False) -> lxml.etree._Element:
    root = _channel_root(data, recover)
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise ValueError(f"not an RSS 2.0 document: <{root.tag}>")
    return channel


def _item(item: lxml.etree._Element) -> Item:
    guid = item.find("guid")
    published = item.findtext("pubDate")
    return Item(
        guid=(guid.text or "").strip() if guid is not None else "",
        guid_is_permalink=guid is not None and guid.get("isPermaLink", "true") != "false",
        link=(item.findtext("link") or "").strip(),
        title=_collapse(item.findtext("title") or ""),
        published=_rfc822(published) if published else None,
        description=item.findtext("description") or "",
        content=item.findtext(f"{CONTENT_NS}encoded"),
        categories=tuple(c.text or "" for c in item.iterfind("category")),
    )


def _rfc822(text: str) -> dt.datetime:
    """An RSS date (RFC 822 with a four-digit year), which must carry its offset."""
    value = email.utils.parsedate_to_datetime(text.strip())
    if value.tzinfo is None:
        raise ValueError(f"an RSS date without an offset: {text!r}")
    return value


def _collapse(text: str) -> str:
    return " ".join(text.split())


def page_content(built: Path, link: str, base_url: str) -> str:
    """The post as Hugo rendered it (.Content) on its page, found by its link."""
    page = _page(built, link, base_url)
    found = [div for div in page.iter("div") if div.get("class") == CONTENT_CLASS]
    if len(found) != 1:
        raise ValueError(f"{link}: no single div.{CONTENT_CLASS} (the layout wraps .Content)")
    return _inner_html(found[0])


def page_lastmod(built: Path, link: str, base_url: str) -> dt.datetime:
    """The page's .Lastmod (its `lastmod`, else its date), as Hugo's own Open Graph template
    writes it into the page's head (`article:modified_time`), which the fixtures' layouts use."""
    page = _page(built, link, base_url)
    found = [m.get("content") for m in page.iter("meta") if m.get("property") == MODIFIED]
    if len(found) != 1 or not found[0]:
        raise ValueError(f"{link}: no single {MODIFIED} (the layout's Open Graph tags)")
    return dt.datetime.fromisoformat(found[0])


def _page(built: Path, link: str, base_url: str) -> lxml.html.HtmlElement:
    """The page Hugo wrote for `link`: the `index.html` at the link's path below the base URL."""
    base_path = urlsplit(base_url).path
    path = unquote(urlsplit(link).path)
    if not path.startswith(base_path):
        raise ValueError(f"{link} is not below the site's base URL {base_url}")
    page = built / path.removeprefix(base_path) / "index.html"
    return lxml.html.document_fromstring(page.read_bytes())


def _inner_html(element: lxml.html.HtmlElement) -> str:
    """What an element holds, as HTML (its own tags left out)."""
    text = (element.text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text + "".join(lxml.html.tostring(child, encoding="unicode") for child in element)


def normalise_hugo_html(html: str, base: str) -> str:
    """`html` (a summary or a whole post, Hugo's or feedsvc's) rewritten so that two renderings
    compare equal when a reader would see the same thing, and the differences left are the
    ones a reader would notice. `base` is the item's link: RSS has no xml:base, so a relative
    URL (Hugo leaves `build-times.png` and `/2023/03/…/` relative) is read against the page it
    was written for, as a reader resolving it does.

    The rules, in order:

    0. Characters no XML document may hold (C0 controls other than tab, newline and carriage
       return) are dropped: Hugo writes a post's as they are, an XML feed cannot carry them.
    1. The wrapper element a fixture theme's own shortcode writes, marked `data-shortcode`, is
       replaced by what it holds: feedsvc cannot run a site's templates and keeps an unknown
       shortcode's inner content, which is compared.
    2. Then `jekyll_oracle.normalise_html`'s rules: parsed as HTML (entities and character
       references become characters: `&rsquo;`, `&#34;`, `&#x21a9;` and `’`, `"`, `↩` are
       alike); comments dropped (Goldmark's `<!-- raw HTML omitted -->` and `<!--more-->`);
       code blocks reduced to `<pre><code class="language-X">text</code></pre>` (Chroma's
       `div.highlight > pre[style]` wrapper and its per-line and per-token `<span style>`s go,
       X from `data-lang` or `language-X`, the code's text kept exactly, trailing newline
       included); highlighter class names dropped; URLs resolved against `base`, non-ASCII
       written percent-encoded; `style` attributes without spaces around `:` and `;`;
       attributes in name order; white space outside `<pre>` collapsed, each block element on
       a line of its own.

    Nothing else: heading ids, footnote markup (Goldmark's `fnref:1`, `footnote-ref`,
    `role="doc-noteref"`), typographic characters, a summary being plain text or HTML, and
    every element and attribute a reader could see are compared as they are.
    """
    html = _NOT_XML.sub("", html)
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for marked in root.xpath(f"//*[@{SHORTCODE_MARK}]"):
        marked.drop_tag()
    return normalise_html(_inner_html(root), base)


def readable_text(html: str) -> str:
    """What a reader shows of an HTML fragment, as text (for messages and text checks)."""
    return html_text(html)
