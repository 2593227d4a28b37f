"""A generated corpus of 2,000 posts, every feed checked against the posts' own front matter.

The expected feeds are computed here independently of feedsvc's reader (PyYAML and the corpus's own
date formats), then compared with what feedparser reads from every document feedsvc built.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from collections import defaultdict
from pathlib import Path

import lxml.etree
import pytest
import yaml

from feedsvc.content.slugs import slugify

from .conftest import assert_valid_atom, parse_feed
from .corpus import generate
from .test_cli import run

POSTS = 2000
LIMIT = 20
CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("corpus"), POSTS, seed=7)


def _expected(
    corpus: Path, limit: int | None = LIMIT
) -> dict[str, list[tuple[str, dt.datetime, str]]]:
    """Feed path -> [(title, date, file name)], newest first, the newest `limit` (None: all), from
    the front matter alone."""
    now = dt.datetime.now(dt.UTC)  # the build below uses the real clock too
    by_feed: dict[str, list[tuple[dt.datetime, str, str]]] = defaultdict(list)
    for path in sorted(corpus.iterdir()):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
        if meta.get("published") is False:
            continue
        raw = meta["date"]
        if isinstance(raw, dt.datetime):  # ISO 8601 with its zone, which YAML reads itself
            date = raw
        elif isinstance(raw, dt.date):
            date = dt.datetime(raw.year, raw.month, raw.day, tzinfo=CST)
        else:
            date = dt.datetime.strptime(raw, "%Y-%m-%d %H:%M:%S %z")
        if date > now:
            continue
        feeds = ["feed"]
        for key, folder in (("categories", "categories"), ("tags", "tags")):
            value = meta.get(key) or []
            names = value.split() if isinstance(value, str) else [str(v) for v in value]
            feeds += [f"{folder}/{slugify(name)}" for name in dict.fromkeys(names)]
        for feed in feeds:
            by_feed[feed].append((date, path.name, meta["title"]))
    return {
        feed: [(title, date, name) for date, name, title in sorted(items, reverse=True)[:limit]]
        for feed, items in by_feed.items()
    }


@pytest.mark.slow
def test_every_feed_of_a_generated_corpus(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    result = run("build", str(out), "--content", str(corpus), "--config", str(_config(tmp_path)))
    assert result.returncode == 0, result.stderr
    expected = _expected(corpus)
    built = {
        str(p.relative_to(out))[: -len(".atom")]
        for p in out.rglob("*.atom")
        if not str(p.relative_to(out)).startswith("archives/")
    }
    assert built == expected.keys()
    assert len(built) > 500
    for feed, entries in expected.items():
        for fmt in ("atom", "rss"):
            data = (out / f"{feed}.{fmt}").read_bytes()
            parsed = parse_feed(data)
            got = [
                (
                    e.title,
                    dt.datetime(*e.published_parsed[:6], tzinfo=dt.UTC),
                    e.link.rsplit("/", 1)[1],
                )
                for e in parsed.entries
            ]
            want = [(title, date, name.replace(".txt", ".html")) for title, date, name in entries]
            assert got == want, f"{feed}.{fmt}"
        assert_valid_atom((out / f"{feed}.atom").read_bytes())


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "feedsvc.toml"
    config.write_text(
        f'item_limit = {LIMIT}\nsite_url = "https://corpus.example/"\ntimezone = "Asia/Shanghai"\n'
    )  # the generated site's bare dates are midnight in its zone
    return config


ATOM = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
BASE = "https://corpus.example/"


@pytest.mark.slow
def test_walking_a_categorys_archives_gives_every_published_post_once(
    corpus: Path, tmp_path: Path
) -> None:
    """RFC 5005: from a category's feed, follow prev-archive to its first page; the archive pages
    hold every published post of the category exactly once, full pages hold exactly
    archive_page_size posts, and only the newest page may be partial. JSON Feed's next_url
    leads through the same pages."""
    out = tmp_path / "public"
    config = _config(tmp_path)
    config.write_text(config.read_text() + 'archive_page_size = 7\narchive_kinds = ["category"]\n')
    result = run("build", str(out), "--content", str(corpus), "--config", str(config))
    assert result.returncode == 0, result.stderr
    everything = _expected(corpus, limit=None)
    category = max(
        (f for f in everything if f.startswith("categories/")), key=lambda f: len(everything[f])
    )
    wanted = sorted(name.replace(".txt", ".html") for _, _, name in everything[category])
    assert len(wanted) > 3 * 7

    for fmt in ("atom", "rss"):
        feed = lxml.etree.fromstring((out / f"{category}.{fmt}").read_bytes())
        channel = feed if fmt == "atom" else feed.find("channel")
        assert channel.find(f"{FH}complete") is None  # it does not hold everything
        url = _link(channel, "prev-archive")
        seen, sizes, partial = [], [], []
        while url:
            path = urllib.parse.unquote(url.removeprefix(BASE))
            page = lxml.etree.fromstring((out / path).read_bytes())
            channel = page if fmt == "atom" else page.find("channel")
            assert channel.find(f"{FH}archive") is not None
            assert _link(channel, "current") == BASE + urllib.parse.quote(f"{category}.{fmt}")
            links = [e.findtext(f"{ATOM}id") or "" for e in channel.iter(f"{ATOM}entry")]
            links += [item.findtext("link") or "" for item in channel.iter("item")]
            seen += [link.rsplit("/", 1)[1] for link in links]
            sizes.append(len(links))
            partial.append(path.endswith(f"-partial.{fmt}"))
            if fmt == "atom":
                assert_valid_atom((out / path).read_bytes())
            url = _link(channel, "prev-archive")
        assert sorted(seen) == wanted, fmt  # every post, once
        assert sizes[1:] == [7] * (len(sizes) - 1)  # oldest pages are full
        assert partial[1:] == [False] * (len(partial) - 1)
        assert partial[0] == (sizes[0] < 7)

    document = json.loads((out / f"{category}.json").read_bytes())
    seen = []
    while "next_url" in document:
        path = urllib.parse.unquote(document["next_url"].removeprefix(BASE))
        document = json.loads((out / path).read_bytes())
        seen += [item["url"].rsplit("/", 1)[1] for item in document["items"]]
    assert sorted(seen) == wanted


def test_a_feed_holding_every_post_says_it_is_complete(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    result = run("build", str(out), "--content", str(corpus), "--config", str(_config(tmp_path)))
    assert result.returncode == 0, result.stderr
    everything = _expected(corpus, limit=None)
    small = next(f for f in everything if f.startswith("tags/") and len(everything[f]) < LIMIT)
    big = next(f for f in everything if f.startswith("tags/") and len(everything[f]) > LIMIT)
    for feed, complete in ((small, True), (big, False)):
        channel = lxml.etree.fromstring((out / f"{feed}.rss").read_bytes()).find("channel")
        assert (channel.find(f"{FH}complete") is not None) == complete, feed
        assert _link(channel, "prev-archive") is None  # tags keep no archive by default


def _link(element: lxml.etree._Element, rel: str) -> str | None:
    for link in element.findall(f"{ATOM}link") + element.findall("link"):
        if link.get("rel") == rel:
            return link.get("href")
    return None
