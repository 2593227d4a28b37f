"""Jekyll sites: feedsvc, pointed at a site's root and told nothing else, publishes what real
Jekyll with jekyll-feed publishes, entry by entry and field by field (issue 13)."""

from __future__ import annotations

import http.client
import shutil
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import feedparser
import lxml.html
import pytest

from feedsvc.pipeline.build import build
from feedsvc.pipeline.refresh import Refresher
from feedsvc.settings import Settings, load_settings
from feedsvc.web.app import create_app

from .conftest import NOW
from .feed_comparison import assert_only_new, difference, new_entries, pair_entries, reader_id
from .jekyll_oracle import (
    Entry,
    FeedHead,
    atom_entries,
    atom_head,
    build_with_jekyll,
    jekyll_feed_paths,
    normalise_html,
)
from .servers import nginx

SITES = Path(__file__).parent / "sites"
# Each fixture site's own feed: jekyll-feed's `feed.path`, `feed.xml` unless the site moves it.
SITE_FEEDS = {"caijing": "feed.xml", "notes": "feed.xml", "workshop": "blog/atom.xml"}
_WORKSHOP_TAGS = [
    "dates", "editors", "finishing", "gfm", "jekyll", "markdown", "projects", "ruby", "rust",
    "sharpening", "tools", "welcome", "workbench", "writing",
]  # fmt: skip
# Every feed jekyll-feed writes for each site: the site feed, then (workshop's `feed:` block)
# the category feeds and the tag feeds.
JEKYLL_FEEDS = {
    # jekyll-feed writes a tag feed only for a tag of ASCII letters, digits and `_`: none for
    # caijing's Chinese tags (货币政策, A股...).
    "caijing": [
        "feed.xml",
        "feed/银行·保险.xml",
        *(f"feed/by_tag/{tag}.xml" for tag in ["funds", "fx_market", "stocks", "weekly"]),
    ],
    "notes": ["feed.xml"],
    "workshop": [
        "blog/atom.xml",
        "feed/Writing.xml",
        "feed/blog.xml",
        *(f"feed/tags/{tag}.xml" for tag in _WORKSHOP_TAGS),
    ],
}
FEEDS = [
    pytest.param(site, path, id=f"{site}:{path}")
    for site, paths in JEKYLL_FEEDS.items()
    for path in paths
]
# A post added to each site for the reader who moves from jekyll-feed to feedsvc: the newest.
NEW_POSTS = {
    "caijing": (
        "_posts/2022-06-13-油价调整.md",
        "---\ntitle: 国内成品油价格小幅上调\ndate: 2022-06-13 23:50:00 +0800\n"
        "categories: 宏观·政策\ntags: [油价]\n---\n"
        "今晚24时起，国内汽、柴油价格每吨分别上调约200元。\n",
    ),
    "notes": (
        "_posts/2023-09-19-release-2-1.md",
        "---\ntitle: Release 2.1\ntags: [release]\n---\n"
        "Version 2.1 fixes the two bugs you reported in the first week of 2.0.\n",
    ),
    "workshop": (
        "_posts/2023-09-30-a-shaker-step-stool.md",
        "---\ntitle: A Shaker step stool\ntags: [projects]\n---\n"
        "Two steps, dovetailed, in cherry: a weekend project for the kitchen.\n",
    ),
}
ENTRY_FIELDS = (
    "id",
    "link",
    "title",
    "published",
    "updated",
    "categories",
    "summary",
    "content",
    "author",
)
# Not compared yet, left to issue 17 (authors, per-post language): an author's e-mail and URI
# (the author's name is compared), and a post's own `lang:` (jekyll-feed's entry xml:lang).
# Feed-level fields that must match: not <updated> (jekyll-feed writes the build's clock), not
# <generator> (each names itself), and not the `self` link: the document at jekyll-feed's path is
# feedsvc's own Atom feed, whose `self` names its canonical URL (a reader may move there; the old
# URL keeps working). A category or tag feed keeps feedsvc's title ("Writing – Site" rather than
# jekyll-feed's "Site | Writing", and a tag's name rather than the bare site title): a reader
# keeps the title it stored, and nothing identifies a feed by it.
HEAD_FIELDS = ("id", "title", "subtitle", "author", "alternate_link", "lang")
TERM_FEED_HEAD_FIELDS = tuple(name for name in HEAD_FIELDS if name != "title")


def site_settings(site: Path, **how_it_runs: object) -> Settings:
    """feedsvc's settings for a Jekyll site: the site's root and nothing else about it (the
    state folder and such only say how feedsvc runs)."""
    return load_settings(env={}, overrides={"content_dir": site, **how_it_runs})


@dataclass
class Builds:
    """Each fixture site built once per test session: by Jekyll, and by `feedsvc build`."""

    root: Path
    _jekyll: dict[str, Path] = field(default_factory=dict)
    _feedsvc: dict[str, Path] = field(default_factory=dict)

    def jekyll(self, site: str) -> Path:
        if site not in self._jekyll:
            self._jekyll[site] = build_with_jekyll(SITES / site, self.root / "jekyll" / site)
        return self._jekyll[site]

    def feedsvc(self, site: str) -> Path:
        if site not in self._feedsvc:
            out = self.root / "feedsvc" / site
            build(site_settings(SITES / site), out, NOW)
            self._feedsvc[site] = out
        return self._feedsvc[site]

    def documents(self, site: str, path: str) -> tuple[bytes, bytes]:
        """The document at `path` as Jekyll wrote it and as feedsvc did."""
        jekyll = self.jekyll(site) / path
        feedsvc = self.feedsvc(site) / path
        if not feedsvc.is_file():
            atom = sorted(
                p.relative_to(self.feedsvc(site)).as_posix()
                for p in self.feedsvc(site).rglob("*")
                if p.suffix in (".atom", ".xml")
            )
            pytest.fail(
                f"feedsvc published no {path} (jekyll-feed does); its Atom documents: {atom}",
                pytrace=False,
            )
        return jekyll.read_bytes(), feedsvc.read_bytes()


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    return Builds(tmp_path_factory.mktemp("jekyll-sites"))


@pytest.mark.parametrize("site", sorted(JEKYLL_FEEDS))
def test_jekyll_writes_the_feeds_listed_here(site: str, builds: Builds) -> None:
    """The fixtures and the lists above agree, so the comparisons below cover every feed."""
    assert jekyll_feed_paths(builds.jekyll(site)) == sorted(JEKYLL_FEEDS[site])


@pytest.mark.parametrize(("site", "path"), FEEDS)
def test_feed_matches_jekyll_feed(site: str, path: str, builds: Builds) -> None:
    """feedsvc's document at the path of each of jekyll-feed's: its feed-level fields, then
    its entries, each field of each, with every difference reported at once."""
    jekyll, feedsvc = builds.documents(site, path)
    fields = HEAD_FIELDS if path == SITE_FEEDS[site] else TERM_FEED_HEAD_FIELDS
    problems = head_problems(atom_head(jekyll), atom_head(feedsvc), fields)
    problems += entry_problems(atom_entries(jekyll), atom_entries(feedsvc))
    if problems:
        pytest.fail(_report(path, problems), pytrace=False)


@pytest.mark.parametrize("site", sorted(SITE_FEEDS))
def test_a_reader_moving_from_jekyll_feed_sees_only_the_new_post(site: str, tmp_path: Path) -> None:
    """A reader subscribed to jekyll-feed's site feed keeps its URL when feedsvc takes over,
    and one post is published meanwhile: the reader sees that post as new, and no post it
    already had comes back under another id."""
    copy = tmp_path / site
    shutil.copytree(SITES / site, copy)
    path = SITE_FEEDS[site]
    before = build_with_jekyll(copy, tmp_path / "jekyll-before") / path
    seen = {reader_id(entry) for entry in feedparser.parse(before.read_bytes()).entries}
    assert seen, f"jekyll-feed's {path} has no entries"
    name, text = NEW_POSTS[site]
    (copy / name).write_text(text, encoding="utf-8")
    # The control: jekyll-feed itself, rebuilt, shows exactly the new post as new.
    after = build_with_jekyll(copy, tmp_path / "jekyll-after") / path
    expected = new_entries(feedparser.parse(after.read_bytes()).entries, seen)
    assert len(expected) == 1, expected

    settings = site_settings(copy, state_dir=tmp_path / "state")
    refresher = Refresher(settings)
    try:
        refresher.refresh(NOW)
    finally:
        refresher.close()
    with create_app(settings).test_client().get(f"/{path}") as response:  # closes the body
        status, data = response.status_code, response.data
    assert status == 200, f"feedsvc answers {status} at /{path}, the URL readers subscribed to"
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert_only_new(parsed.entries, seen, expected[0])


def entry_problems(jekyll: list[Entry], feedsvc: list[Entry]) -> list[str]:
    """Every way feedsvc's entries differ from jekyll-feed's, one line (or diff) each: entries
    missing or extra, their order, then each field of each entry. Entries are paired by id,
    then by link, then by title, so a post with the wrong id still has its other fields
    compared."""
    pairs, missing, extra = pair_entries(jekyll, feedsvc, ("id", "link", "title"))
    problems = [f"missing: {_name(e)}: in jekyll-feed's feed, not in feedsvc's" for e in missing]
    problems += [f"extra: {_name(e)}: in feedsvc's feed, not in jekyll-feed's" for e in extra]
    jekyll_order = [j.title for j, _ in pairs]
    feedsvc_order = [j.title for j, f in sorted(pairs, key=lambda pair: feedsvc.index(pair[1]))]
    if jekyll_order != feedsvc_order:
        problems.append(f"order:\n  jekyll-feed: {jekyll_order}\n  feedsvc:     {feedsvc_order}")
    for j, f in pairs:
        fields = [
            f"  {name}{difference(name, a, b, 'jekyll-feed', ('content',))}"
            for name, a, b in _field_values(j, f, ENTRY_FIELDS)
            if a != b
        ]
        if fields:
            problems.append(f"{_name(j)}: {len(fields)} fields differ\n" + "\n".join(fields))
    return problems


def head_problems(
    jekyll: FeedHead, feedsvc: FeedHead, fields: Sequence[str] = HEAD_FIELDS
) -> list[str]:
    """Every feed-level field in which feedsvc's document differs from jekyll-feed's."""
    problems = [
        f"feed {name}{difference(name, a, b, 'jekyll-feed', ('content',))}"
        for name, a, b in _field_values(jekyll, feedsvc, fields)
        if a != b
    ]
    if not (feedsvc.self_link or "").endswith(".atom"):
        problems.append(f"feed self_link: {feedsvc.self_link!r} is not feedsvc's own Atom URL")
    return problems


def _field_values(
    jekyll: object, feedsvc: object, names: Sequence[str]
) -> list[tuple[str, object, object]]:
    """(name, jekyll-feed's value, feedsvc's value) per field: content normalised, so that it
    compares as a reader sees it (normalise_html says how)."""
    values = []
    for name in names:
        a, b = getattr(jekyll, name), getattr(feedsvc, name)
        if name == "author":  # by name: see the note above ENTRY_FIELDS
            a, b = getattr(a, "name", a), getattr(b, "name", b)
        if name == "content":
            assert isinstance(jekyll, Entry) and isinstance(feedsvc, Entry)
            a = normalise_html(jekyll.content, jekyll.content_base)
            b = normalise_html(feedsvc.content, feedsvc.content_base)
        values.append((name, a, b))
    return values


def _name(entry: Entry) -> str:
    return f"entry {entry.title!r} <{entry.id}>"


def _report(path: str, problems: list[str]) -> str:
    return f"{path}: {len(problems)} differences from jekyll-feed:\n" + "\n".join(problems)


# The oracle's own rules: what normalise_html makes alike, and what it leaves different.
BASE = "https://blog.example.org/2023/01/08/post/"
_ROUGE_BLOCK = (
    '<div class="language-rust highlighter-rouge"><div class="highlight"><pre class="highlight">'
    '<code><span class="k">fn</span> <span class="nf">main</span><span class="p">()</span> {}\n'
    "</code></pre></div></div>"
)
_HIGHLIGHT_TAG = (
    '<figure class="highlight"><pre><code class="language-ruby" data-lang="ruby">'
    '<span class="nb">puts</span> <span class="mi">1</span></code></pre></figure>'
)


ALIKE = {
    "rouge": (_ROUGE_BLOCK, '<pre><code class="language-rust">fn main() {}\n</code></pre>'),
    "highlight-tag": (_HIGHLIGHT_TAG, '<pre><code class="language-ruby">puts 1</code></pre>'),
    "inline-code": (
        '<p><code class="language-plaintext highlighter-rouge">x</code></p>',
        "<p><code>x</code></p>",
    ),
    "entities": ("<p>back&#8617; it&rsquo;s</p>", "<p>back↩ it’s</p>"),
    "urls": (
        '<p><a href="/about/">a</a><img src="x.png"></p>',
        f'<p><a href="https://blog.example.org/about/">a</a><img src="{BASE}x.png"/></p>',
    ),
    "attributes": (
        '<p><a title="t" href="#fn:1">1</a></p>',
        '<p><a href="#fn:1" title="t">1</a></p>',
    ),
    "space": (
        "<p>one\n  two</p>\n\n<ul>\n  <li>x</li>\n</ul>",
        "<p>one two</p><ul><li>x</li></ul>",
    ),
    "comment": ("<p>a</p>\n\n<!--more-->\n\n<p>b</p>", "<p>a</p><p>b</p>"),
    "style": ('<td style="text-align: right">1</td>', '<td style="text-align:right;">1</td>'),
}


ALIKE["fragment"] = ('<a href="#fn:1">1</a>', f'<a href="{BASE}#fn:1">1</a>')  # via xml:base
ALIKE["iri"] = (  # a protocol-relative URL with a non-ASCII path, and the URI a browser requests
    '<a href="//news.example.cn/c/上证·新闻.html">新闻</a>',
    '<a href="https://news.example.cn/c/%E4%B8%8A%E8%AF%81%C2%B7%E6%96%B0%E9%97%BB.html">新闻</a>',
)


@pytest.mark.parametrize(("a", "b"), list(ALIKE.values()), ids=list(ALIKE))
def test_normalise_html_makes_alike(a: str, b: str) -> None:
    assert normalise_html(a, BASE) == normalise_html(b, BASE)


DIFFERENT = {
    "text": ("<p>Tables</p>", "<p>Table</p>"),
    "heading-id": ('<h2 id="tables">Tables</h2>', '<h2 id="tables-1">Tables</h2>'),
    "language": ('<pre><code class="language-rust">x</code></pre>', "<pre><code>x</code></pre>"),
    "pre-space": ("<pre><code>a\n  b</code></pre>", "<pre><code>a b</code></pre>"),
    "nbsp": ("<p>x&nbsp;y</p>", "<p>x y</p>"),
    "markup": ("<p><del>old</del> new</p>", "<p>old new</p>"),
    "encoded-text": ("<p>上证·新闻</p>", "<p>上证%C2%B7新闻</p>"),  # only URLs are encoded
}


@pytest.mark.parametrize(("a", "b"), list(DIFFERENT.values()), ids=list(DIFFERENT))
def test_normalise_html_keeps_what_readers_see(a: str, b: str) -> None:
    assert normalise_html(a, BASE) != normalise_html(b, BASE)


@pytest.mark.parametrize("site", sorted(SITE_FEEDS))
def test_no_entry_holds_liquid_an_unrendered_table_or_a_relative_url(
    site: str, builds: Builds
) -> None:
    """Whatever jekyll-feed does, every entry feedsvc publishes for a Jekyll site is rendered:
    no Liquid markup outside code samples (a `{% raw %}` block may show `${{ x }}` in code), no
    Markdown table left as text, and every link and image absolute."""
    out = builds.feedsvc(site)
    documents = [p for p in out.rglob("*") if p.suffix in (".atom", ".rss", ".json", ".xml")]
    assert documents
    absolute = ("https://", "http://", "mailto:", "data:")
    for document in documents:
        for entry in feedparser.parse(document.read_bytes()).entries:
            where = f"{document.relative_to(out)}: {entry.title}"
            for text in [c.value for c in entry.get("content", [])] + [entry.get("summary", "")]:
                fragment = lxml.html.fragment_fromstring(text or "<p></p>", create_parent="div")
                links = [link for _, _, link, _ in fragment.iterlinks()]
                assert all(link.startswith(absolute) for link in links), (where, links)
                for code in fragment.xpath(".//pre | .//code"):
                    code.drop_tree()
                prose = fragment.text_content()
                assert "{%" not in prose and "{{" not in prose, (where, prose)
                assert "| ---" not in prose and "|---" not in prose, (where, prose)


def test_nginx_serves_jekyll_feeds_paths_as_atom(tmp_path: Path) -> None:
    """The shipped nginx.conf serves the published set as it is: jekyll-feed's paths answer
    with the very same Atom document as feedsvc's own URL, typed as Atom, compressed, with its
    validators (a 304 for a reader that has it)."""
    settings = site_settings(SITES / "workshop", state_dir=tmp_path / "state")
    refresher = Refresher(settings)
    try:
        refresher.refresh(NOW)
    finally:
        refresher.close()
    with nginx(settings.state_dir, tmp_path) as server:

        def get(path: str, **headers: str) -> tuple[int, http.client.HTTPMessage, bytes]:
            parts = urllib.parse.urlsplit(server.url)
            connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
            try:
                connection.request("GET", "/" + path, headers=headers)
                response = connection.getresponse()
                return response.status, response.headers, response.read()
            finally:
                connection.close()

        own = get("feed.atom")[2]
        for path in ("blog/atom.xml", "feed/blog.xml", "feed/tags/rust.xml"):
            status, headers, body = get(path)
            assert status == 200, path
            assert headers["Content-Type"] == "application/atom+xml; charset=utf-8", path
            assert feedparser.parse(body).entries, path
            zipped = get(path, **{"Accept-Encoding": "gzip"})
            assert zipped[1]["Content-Encoding"] == "gzip", path
            assert get(path, **{"If-None-Match": headers["ETag"]})[0] == 304, path
        assert get("blog/atom.xml")[2] == own
