"""Hugo sites: feedsvc, pointed at a site's root and told nothing else, publishes the posts real
Hugo's RSS lists, at Hugo's paths, with Hugo's guids, links, titles, dates and summaries, and the
whole post as Hugo renders it (issue 15)."""

from __future__ import annotations

import datetime as dt
import http.client
import shutil
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import feedparser
import lxml.etree
import lxml.html
import pytest

from feedsvc.model.kinds import SITE_FEED as FEEDSVC_SITE_FEED
from feedsvc.model.layout import FeedFormat, feed_path
from feedsvc.pipeline.build import build
from feedsvc.pipeline.refresh import Refresher
from feedsvc.settings import Settings, load_settings
from feedsvc.web.app import create_app

from .conftest import NOW
from .feed_comparison import assert_only_new, difference, new_entries, pair_entries, reader_id
from .hugo_oracle import (
    Channel,
    Item,
    build_with_hugo,
    hugo_feed_paths,
    normalise_hugo_html,
    page_content,
    page_lastmod,
    rss_channel,
    rss_items,
)
from .jekyll_oracle import atom_entries
from .servers import nginx

SITES = Path(__file__).parent / "sites"
# Long after every post's date and the scheduled posts' publishDate (2100): Hugo and feedsvc
# alike then publish those, and still leave out the expired ones and the one dated 2999 (Hugo's
# clock cannot be set that far: see build_with_hugo).
LATER = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class HugoSite:
    """A fixture site and what Hugo makes of it."""

    base_url: str  # its production baseURL
    taxonomies: tuple[str, ...]
    feeds: tuple[str, ...]  # every RSS of posts Hugo writes as of NOW, but the site's own
    before_expiry: dt.datetime  # a clock at which its expired post is still listed
    new_post: tuple[str, str]  # a file added for the reader moving to feedsvc: the newest post


def _under(folder: str, names: str) -> tuple[str, ...]:
    return tuple(f"{folder}/{name}/index.xml" for name in names.split())


HUGO_SITES = {
    # hugo.toml, TOML front matter (one YAML and one JSON), nested section notes/linux/.
    "hugo-devlog": HugoSite(
        base_url="https://devlog.example.org/",
        taxonomies=("tags", "categories", "series"),
        feeds=(
            *_under("categories", "operations programming site talks"),
            *_under("series", "go-in-production"),
            *_under(
                "tags",
                "benchmarks databases errors git go http hugo linux logging meta networking ops "
                "releases sqlite systemd talks testing tools",
            ),
            "notes/index.xml",
            "notes/linux/index.xml",
            "posts/index.xml",
        ),
        before_expiry=dt.datetime(2023, 3, 15, 12, tzinfo=dt.UTC),
        new_post=(
            "content/posts/context-cancellation.md",
            '+++\ntitle = "Context cancellation, in practice"\ndate = 2023-10-02T08:00:00+01:00\n'
            'tags = ["Go"]\n+++\nPass the context down; check `ctx.Err()` in long loops.\n',
        ),
    ),
    # config/_default/*.yaml and config/production/, YAML front matter (one TOML), a base URL
    # with a path, typographer off, a nested section recipes/breads/, tags differing in case.
    "hugo-bakery": HugoSite(
        base_url="https://crumb.example.net/blog/",
        taxonomies=("tags", "categories", "ingredients"),
        feeds=(
            *_under("categories", "breads cakes kitchen snacks"),
            *_under(
                "ingredients",
                "butter carrots eggs flour lemons olive-oil pepper rosemary salt sugar water",
            ),
            *_under(
                "tags",
                "bread brown-butter cake equipment holidays lemon market snacks sourdough "
                "stand-mixer",
            ),
            "journal/index.xml",
            "recipes/index.xml",
            "recipes/breads/index.xml",
        ),
        before_expiry=dt.datetime(2022, 12, 15, tzinfo=dt.UTC),
        new_post=(
            "content/journal/apple-season.md",
            "---\ntitle: Apple season, finally\ndate: 2024-01-06T09:00:00-05:00\n"
            "tags: [market]\n---\nThe first tarte tatin of the year sold before nine.\n",
        ),
    ),
    # config.toml, Chinese, raw HTML kept, CJK summaries, "+0800" dates, · in terms.
    "hugo-kuaixun": HugoSite(
        base_url="https://finews.example.cn/",
        taxonomies=("tags", "categories"),
        feeds=(
            *_under(
                "categories", "shanghaizhengquanbaozhongguozhengquanwang 宏观政策 市场行情 银行保险"
            ),
            *_under(
                "tags",
                "a股 lpr 上海证券报中国证券网新闻 保险 半年报 外汇市场 汇率 油价 股市 "
                "货币政策 降准",
            ),
            "flash/index.xml",
            "news/index.xml",
        ),
        before_expiry=dt.datetime(2022, 6, 1, tzinfo=dt.UTC),
        new_post=(
            "content/flash/nihuigou.md",
            "---\ntitle: 人民银行开展逆回购操作\ndate: 2022-06-14 09:20:00 +0800\n"
            "categories: [宏观·政策]\ntags: [货币政策]\n---\n"
            "人民银行今日开展100亿元7天期逆回购操作。\n",
        ),
    ),
}
SITE_FEED = "index.xml"
FEEDS = [
    pytest.param(site, path, id=f"{site}:{path}")
    for site, about in HUGO_SITES.items()
    for path in sorted((SITE_FEED, *about.feeds))
]
# Compared in every feed: which posts, in which order, and how each is named and dated.
ITEM_FIELDS = ("guid", "guid_is_permalink", "link", "title", "published")
# Compared once per post, in the site feed: Hugo's .Summary (RSS description) and the page's
# .Content (feedsvc's content:encoded), normalised.
BODY_FIELDS = ("description", "content")
# The channel: the site feed's name, link and language; every feed's language. A section's or a
# term's feed keeps feedsvc's title ("Posts – Devlog" rather than Hugo's "Posts on Devlog"): a
# reader keeps the title it stored, and nothing identifies a feed by it.
SITE_CHANNEL_FIELDS = ("title", "link", "language")
CHANNEL_FIELDS = ("language",)


def site_settings(site: Path, **how_it_runs: object) -> Settings:
    """feedsvc's settings for a Hugo site: the site's root and nothing else about it."""
    return load_settings(env={}, overrides={"content_dir": site, **how_it_runs})


@dataclass
class Builds:
    """Each fixture site built once per test session and clock: by Hugo and by `feedsvc build`."""

    root: Path
    _hugo: dict[tuple[str, dt.datetime], Path] = field(default_factory=dict)
    _feedsvc: dict[tuple[str, dt.datetime], Path] = field(default_factory=dict)

    def hugo(self, site: str, now: dt.datetime = NOW) -> Path:
        if (site, now) not in self._hugo:
            out = self.root / "hugo" / f"{site}-{now:%Y%m%d%H}"
            self._hugo[site, now] = build_with_hugo(SITES / site, out, now)
        return self._hugo[site, now]

    def feedsvc(self, site: str, now: dt.datetime = NOW) -> Path:
        if (site, now) not in self._feedsvc:
            out = self.root / "feedsvc" / f"{site}-{now:%Y%m%d%H}"
            build(site_settings(SITES / site), out, now)
            self._feedsvc[site, now] = out
        return self._feedsvc[site, now]

    def documents(self, site: str, path: str, now: dt.datetime = NOW) -> tuple[bytes, bytes]:
        """The RSS document at `path` as Hugo wrote it and as feedsvc did."""
        hugo, feedsvc = self.hugo(site, now) / path, self.feedsvc(site, now) / path
        if not feedsvc.is_file():
            xml = sorted(
                p.relative_to(self.feedsvc(site, now)).as_posix()
                for p in self.feedsvc(site, now).rglob("*.xml")
            )
            pytest.fail(f"feedsvc published no {path} (Hugo does); its .xml: {xml}", pytrace=False)
        return hugo.read_bytes(), feedsvc.read_bytes()


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    return Builds(tmp_path_factory.mktemp("hugo-sites"))


@pytest.mark.parametrize("site", sorted(HUGO_SITES))
def test_hugo_writes_the_feeds_listed_here(site: str, builds: Builds) -> None:
    """The fixtures and the lists above agree, so the comparisons below cover every feed."""
    about = HUGO_SITES[site]
    found = hugo_feed_paths(builds.hugo(site), about.taxonomies)
    assert found == sorted((SITE_FEED, *about.feeds))


@pytest.mark.parametrize(("site", "path"), FEEDS)
def test_feed_matches_hugo(site: str, path: str, builds: Builds) -> None:
    """feedsvc's document at each of Hugo's feed paths is RSS listing the same posts in the
    same order, each with Hugo's guid, link, title and date; in the site feed, each post's
    summary and whole content too. Every difference is reported at once."""
    hugo, feedsvc = builds.documents(site, path)
    problems = feed_problems(site, path, hugo, feedsvc, builds.hugo(site))
    if problems:
        pytest.fail(_report(path, problems), pytrace=False)


@pytest.mark.parametrize("clock", ["before_expiry", "later"])
@pytest.mark.parametrize("site", sorted(HUGO_SITES))
def test_site_feed_matches_hugo_as_time_passes(site: str, clock: str, builds: Builds) -> None:
    """Built as of another instant, both list the same posts: before the expired post's
    expiryDate it is there (and later posts are not yet), and long after the scheduled posts'
    publishDate they are there too (and the expired one, and the one dated 2999, still not)."""
    now = HUGO_SITES[site].before_expiry if clock == "before_expiry" else LATER
    hugo, feedsvc = builds.documents(site, SITE_FEED, now)
    problems = feed_problems(site, SITE_FEED, hugo, feedsvc, builds.hugo(site, now))
    if problems:
        pytest.fail(_report(f"{SITE_FEED} as of {now:%Y-%m-%d}", problems), pytrace=False)


@pytest.mark.parametrize("site", sorted(HUGO_SITES))
def test_updated_is_hugos_lastmod(site: str, builds: Builds) -> None:
    """Each entry of feedsvc's Atom site feed is updated when Hugo's page says it was last
    modified (`lastmod`, else the date), which Hugo's RSS does not carry but its pages do."""
    built, about = builds.hugo(site), HUGO_SITES[site]
    links = [item.link for item in rss_items((built / SITE_FEED).read_bytes())]
    atom = builds.feedsvc(site) / feed_path(FEEDSVC_SITE_FEED, FeedFormat.ATOM)
    updated = {entry.link: entry.updated for entry in atom_entries(atom.read_bytes())}
    problems = [
        f"{link}:\n      hugo:    {lastmod.isoformat()}\n      feedsvc: "
        + (updated[link].isoformat() if link in updated else "(no entry with this link)")
        for link in links
        if (lastmod := page_lastmod(built, link, about.base_url)) != updated.get(link)
    ]
    if problems:
        pytest.fail(_report("updated (Atom) against lastmod", problems), pytrace=False)


def feed_problems(site: str, path: str, hugo: bytes, feedsvc: bytes, built: Path) -> list[str]:
    """Every way feedsvc's RSS document differs from Hugo's."""
    try:
        theirs, ours = rss_items(feedsvc), rss_channel(feedsvc)
    except ValueError as error:
        return [f"feedsvc's {path} is not RSS, as Hugo's is: {error}"]
    fields = SITE_CHANNEL_FIELDS if path == SITE_FEED else CHANNEL_FIELDS
    problems = channel_problems(rss_channel(hugo), ours, fields)
    bodies = _hugo_bodies(built, HUGO_SITES[site].base_url) if path == SITE_FEED else None
    return problems + item_problems(rss_items(hugo), theirs, bodies)


def _hugo_bodies(built: Path, base_url: str) -> dict[str, str]:
    """link -> the post's .Content as Hugo rendered it on its page, for every page in the
    site feed (the description and content compared once per post, there)."""
    links = [item.link for item in rss_items((built / SITE_FEED).read_bytes())]
    return {link: page_content(built, link, base_url) for link in links}


def channel_problems(hugo: Channel, feedsvc: Channel, fields: Sequence[str]) -> list[str]:
    return [
        f"channel {name}:\n      hugo:    {getattr(hugo, name)!r}\n"
        f"      feedsvc: {getattr(feedsvc, name)!r}"
        for name in fields
        if getattr(hugo, name) != getattr(feedsvc, name)
    ]


def item_problems(
    hugo: list[Item], feedsvc: list[Item], bodies: dict[str, str] | None = None
) -> list[str]:
    """Every way feedsvc's items differ from Hugo's, one line (or diff) each: items missing or
    extra, their order, then each field of each. Items are paired by guid, then link, then
    title, so a post with the wrong guid still has its other fields compared. With `bodies`
    (Hugo's .Content by link), the summary and content are compared too."""
    pairs, missing, extra = pair_entries(hugo, feedsvc, ("guid", "link", "title"))
    problems = [f"missing: {_name(i)}: in Hugo's feed, not in feedsvc's" for i in missing]
    problems += [f"extra: {_name(i)}: in feedsvc's feed, not in Hugo's" for i in extra]
    hugo_order = [h.guid for h, _ in pairs]
    feedsvc_order = [h.guid for h, f in sorted(pairs, key=lambda pair: feedsvc.index(pair[1]))]
    if hugo_order != feedsvc_order:
        problems.append(_order_problem(hugo_order, feedsvc_order))
    for h, f in pairs:
        values: list[tuple[str, object, object]] = [
            (name, getattr(h, name), getattr(f, name)) for name in ITEM_FIELDS
        ]
        if bodies is not None:
            hugo_bodies = (h.description, bodies.get(h.link, ""))
            feedsvc_bodies = (f.description, f.content or "")
            for name, a, b in zip(BODY_FIELDS, hugo_bodies, feedsvc_bodies, strict=True):
                values.append(
                    (name, normalise_hugo_html(a, h.link), normalise_hugo_html(b, f.link))
                )
        fields = [
            f"  {name}{difference(name, a, b, 'hugo', BODY_FIELDS)}"
            for name, a, b in values
            if a != b
        ]
        if fields:
            problems.append(f"{_name(h)}: {len(fields)} fields differ\n" + "\n".join(fields))
    return problems


def _order_problem(hugo: list[str], feedsvc: list[str]) -> str:
    """Where the two orders of the same guids part, and the next few of each from there."""
    start = next(n for n, (a, b) in enumerate(zip(hugo, feedsvc, strict=True)) if a != b)
    return (
        f"order, from item {start + 1} of {len(hugo)}:\n  hugo:    {hugo[start : start + 4]}\n"
        f"  feedsvc: {feedsvc[start : start + 4]}"
    )


def _name(item: Item) -> str:
    return f"item {item.title!r} <{item.guid}>"


def _report(path: str, problems: list[str]) -> str:
    return f"{path}: {len(problems)} differences from Hugo:\n" + "\n".join(problems)


@pytest.mark.parametrize("site", sorted(HUGO_SITES))
def test_a_reader_moving_from_hugo_sees_only_the_new_post(site: str, tmp_path: Path) -> None:
    """A reader subscribed to Hugo's /index.xml keeps its URL when feedsvc takes over, and one
    post is published meanwhile: the reader sees that post as new, and no post it already had
    comes back under another id. The URL answers with RSS, as before."""
    copy = tmp_path / site
    shutil.copytree(SITES / site, copy)
    before = build_with_hugo(copy, tmp_path / "hugo-before", NOW) / SITE_FEED
    seen = {reader_id(entry) for entry in feedparser.parse(before.read_bytes()).entries}
    assert seen, f"Hugo's {SITE_FEED} has no entries"
    name, text = HUGO_SITES[site].new_post
    (copy / name).write_text(text, encoding="utf-8")
    # The control: Hugo itself, rebuilt, shows exactly the new post as new.
    after = build_with_hugo(copy, tmp_path / "hugo-after", NOW) / SITE_FEED
    expected = new_entries(feedparser.parse(after.read_bytes()).entries, seen)
    assert len(expected) == 1, expected

    settings = site_settings(copy, state_dir=tmp_path / "state")
    refresher = Refresher(settings)
    try:
        refresher.refresh(NOW)
    finally:
        refresher.close()
    with create_app(settings).test_client().get(f"/{SITE_FEED}") as response:  # closes the body
        status, kind, data = response.status_code, response.content_type, response.data
    assert status == 200, f"feedsvc answers {status} at /{SITE_FEED}, the URL readers subscribed to"
    assert kind == "application/rss+xml; charset=utf-8", kind
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20", parsed.version
    assert_only_new(parsed.entries, seen, expected[0])


# Markdown a renderer left as text: a table's rule row, strong emphasis, a footnote reference,
# an inline link. Looked for outside code (where a post may show Markdown on purpose).
UNRENDERED = ("|---", "| ---", "|:--", "**", "[^", "](")


@pytest.mark.parametrize("site", sorted(HUGO_SITES))
def test_no_entry_holds_a_shortcode_unrendered_markdown_or_a_relative_url(
    site: str, builds: Builds
) -> None:
    """Whatever Hugo does, every entry feedsvc publishes for a Hugo site, in every format, is
    rendered: no shortcode markers outside code (an escaped `{{</* x */>}}` shows as code), no
    Markdown left as text, and every link and image absolute."""
    out = builds.feedsvc(site)
    documents = [p for p in out.rglob("*") if p.suffix in (".atom", ".rss", ".json", ".xml")]
    assert documents
    absolute = ("https://", "http://", "mailto:", "data:")
    for document in documents:
        for entry in feedparser.parse(document.read_bytes()).entries:
            where = f"{document.relative_to(out)}: {entry.get('title')}"
            for text in [c.value for c in entry.get("content", [])] + [entry.get("summary", "")]:
                fragment = lxml.html.fragment_fromstring(text or "<p></p>", create_parent="div")
                links = [link for _, _, link, _ in fragment.iterlinks()]
                assert all(link.startswith(absolute) for link in links), (where, links)
                for code in fragment.xpath(".//pre | .//code"):
                    code.drop_tree()
                prose = fragment.text_content()
                assert "{{<" not in prose and "{{%" not in prose, (where, prose)
                assert not [m for m in UNRENDERED if m in prose], (where, prose)


def test_nginx_serves_hugos_paths_as_rss(tmp_path: Path) -> None:
    """The shipped nginx.conf serves the published set as it is: Hugo's paths answer with the
    very same RSS document as feedsvc's own URL, typed as RSS, compressed, with validators."""
    settings = site_settings(SITES / "hugo-devlog", state_dir=tmp_path / "state")
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

        paths = ("index.xml", "posts/index.xml", "tags/go/index.xml", "series/go-in-production/")
        for path in (p if p.endswith(".xml") else p + "index.xml" for p in paths):
            status, headers, body = get(path)
            assert status == 200, path
            assert headers["Content-Type"] == "application/rss+xml; charset=utf-8", path
            assert feedparser.parse(body).version == "rss20", path
            zipped = get(path, **{"Accept-Encoding": "gzip"})
            assert zipped[1]["Content-Encoding"] == "gzip", path
            assert get(path, **{"If-None-Match": headers["ETag"]})[0] == 304, path
        assert get("index.xml")[2] == get("feed.rss")[2]


def test_a_large_site_lists_every_post_hugo_lists(tmp_path: Path) -> None:
    """A site of 400 posts, their whole text over 1 MiB, with Hugo's default RSS limit (none):
    feedsvc's feeds at Hugo's paths list every post Hugo's do (feedsvc's 1 MiB cap left out
    the older half before), and the five drafts in neither."""
    site = tmp_path / "site"
    posts = site / "content" / "posts"
    posts.mkdir(parents=True)
    (site / "hugo.toml").write_text('baseURL = "https://many.example.org/"\ntitle = "Many"\n')
    paragraph = " ".join(
        f"Sentence {n} of a paragraph long enough to weigh something." for n in range(6)
    )
    for number in range(405):
        day = dt.date(2020, 1, 1) + dt.timedelta(days=number)
        (posts / f"post-{number:03d}.md").write_text(
            f'+++\ntitle = "Post {number}"\ndate = {day}\ntags = ["t{number % 3}"]\n'
            f"draft = {'true' if number % 81 == 80 else 'false'}\n+++\n"
            + "\n\n".join([paragraph] * 8),
            encoding="utf-8",
        )
    hugo = build_with_hugo(site, tmp_path / "hugo", NOW)
    ours = tmp_path / "feedsvc"
    build(site_settings(site), ours, NOW)
    for path in (SITE_FEED, "posts/index.xml", "tags/t0/index.xml"):
        expected = [item.guid for item in rss_items((hugo / path).read_bytes())]
        assert [item.guid for item in rss_items((ours / path).read_bytes())] == expected, path
    assert len(rss_items((hugo / SITE_FEED).read_bytes())) == 400
    assert (ours / SITE_FEED).stat().st_size > 1 << 20  # whole posts: more than the default cap


# The oracle's own rules, checked on Hugo's real output and on small pieces.
def test_hugo_compared_with_itself_has_no_difference(builds: Builds) -> None:
    """The comparison finds nothing between Hugo's feed and itself (pages read back as the
    content), and finds a dropped item, a changed guid, summary and content when there are."""
    built = builds.hugo("hugo-devlog")
    items = rss_items((built / SITE_FEED).read_bytes())
    bodies = _hugo_bodies(built, HUGO_SITES["hugo-devlog"].base_url)
    own = [
        Item(**{**vars(item), "content": bodies[item.link]})  # feedsvc's side carries content
        for item in items
    ]
    assert item_problems(items, own, bodies) == []
    changed = [
        Item(**{**vars(own[0]), "guid": own[0].guid + "x"}),
        Item(**{**vars(own[1]), "description": own[1].description + " More."}),
        Item(**{**vars(own[2]), "content": "<p>Other.</p>"}),
        *own[4:],
    ]
    problems = item_problems(items, changed, bodies)
    assert len(problems) == 4, problems
    assert problems[0].startswith(f"missing: {_name(items[3])}")
    names = ("guid", "description", "content")
    for problem, item, name in zip(problems[1:], items[:3], names, strict=True):
        assert problem.startswith(f"{_name(item)}: 1 fields differ\n  {name}"), problem


PAGE = "https://devlog.example.org/2023/04/moving-to-hugo/"
_CHROMA = (
    '<div class="highlight"><pre tabindex="0" style="color:#f8f8f2;background-color:#272822;">'
    '<code class="language-go" data-lang="go"><span style="display:flex;"><span>'
    '<span style="color:#66d9ef">return</span> <span style="color:#a6e22e">err</span>\n'
    "</span></span></code></pre></div>"
)
ALIKE = {
    "control-character": ("<p>V8\x08 engine</p>", "<p>V8 engine</p>"),  # Hugo writes it as is
    "chroma": (_CHROMA, '<pre><code class="language-go">return err\n</code></pre>'),
    "theme-shortcode": (
        '<aside class="aside" data-shortcode="aside"><p>Inject the <em>clock</em>.</p>\n</aside>',
        "<p>Inject the <em>clock</em>.</p>",
    ),
    "raw-html-omitted": ("<p>a</p>\n<!-- raw HTML omitted -->\n<p>b</p>", "<p>a</p><p>b</p>"),
    "entities": (
        'it&rsquo;s &#34;x&#34;&#160;<a href="#fnref:1">&#x21a9;&#xfe0e;</a>',
        f'it’s "x"\u00a0<a href="{PAGE}#fnref:1">↩\ufe0e</a>',
    ),
    "relative-urls": (
        '<img src="build-times.png"><a href="/2023/03/three/">x</a>',
        f'<img src="{PAGE}build-times.png"><a href="https://devlog.example.org/2023/03/three/">x</a>',
    ),
    "space": (
        '<p>one\ntwo</p>\n\n<figure><img src="a.png"\n   alt="A"/>',
        '<p>one two</p><figure><img alt="A" src="a.png"></figure>',
    ),
}


@pytest.mark.parametrize(("a", "b"), list(ALIKE.values()), ids=list(ALIKE))
def test_normalise_hugo_html_makes_alike(a: str, b: str) -> None:
    assert normalise_hugo_html(a, PAGE) == normalise_hugo_html(b, PAGE)


DIFFERENT = {
    "code-newline": ("<pre><code>}\n</code></pre>", "<pre><code>}</code></pre>"),
    "heading-id": ('<h2 id="method">Method</h2>', "<h2>Method</h2>"),
    "footnote-markup": (
        '<sup id="fnref:1"><a href="#fn:1" class="footnote-ref" role="doc-noteref">1</a></sup>',
        '<sup><a href="#fn:1">1</a></sup>',
    ),
    "typographer": ("<p>&ldquo;old&rdquo; &ndash; x</p>", '<p>"old" -- x</p>'),
    "summary-form": ("A summary.", "<p>A summary.</p>"),
    "unknown-wrapper": ('<div class="note"><p>x</p></div>', "<p>x</p>"),  # not a marked one
    "raw-html-kept": ('<div class="tip">Put it in the middle.</div>', ""),
}


@pytest.mark.parametrize(("a", "b"), list(DIFFERENT.values()), ids=list(DIFFERENT))
def test_normalise_hugo_html_keeps_what_readers_see(a: str, b: str) -> None:
    assert normalise_hugo_html(a, PAGE) != normalise_hugo_html(b, PAGE)


def test_rss_items_recovers_from_a_control_character_hugo_wrote() -> None:
    """Hugo copies a post's backspace into its RSS, which is then not XML: read with `recover`,
    the character is dropped and everything after it is read as written (libxml2's own
    recovery would drop the entity references that follow)."""
    data = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>V8\x08 engine</title><guid>g</guid>"
        b"<description>&lt;p&gt;it&amp;rsquo;s&lt;/p&gt;</description></item></channel></rss>"
    )
    with pytest.raises(lxml.etree.XMLSyntaxError):
        rss_items(data)
    [item] = rss_items(data, recover=True)
    assert (item.title, item.description) == ("V8 engine", "<p>it&rsquo;s</p>")
