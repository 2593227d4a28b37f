"""A generated corpus of 2,000 posts, every feed checked against the posts' own front matter.

The expected feeds are computed here independently of feedsvc's reader (PyYAML and the corpus's own
date format), then compared with what feedparser reads from every document feedsvc built.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from feedsvc.slugs import slugify

from .conftest import assert_valid_atom, parse_feed
from .corpus import generate
from .test_cli import run

POSTS = 2000
LIMIT = 20
CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("corpus"), POSTS, seed=7)


def _expected(corpus: Path) -> dict[str, list[tuple[str, dt.datetime, str]]]:
    """Feed path -> [(title, date, file name)], newest first, from the front matter alone."""
    now = dt.datetime.now(dt.UTC)  # the build below uses the real clock too
    by_feed: dict[str, list[tuple[dt.datetime, str, str]]] = defaultdict(list)
    for path in sorted(corpus.iterdir()):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
        if meta.get("published") is False:
            continue
        raw = meta["date"]
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
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
        feed: [(title, date, name) for date, name, title in sorted(items, reverse=True)[:LIMIT]]
        for feed, items in by_feed.items()
    }


@pytest.mark.slow
def test_every_feed_of_a_generated_corpus(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    result = run("build", str(out), "--content", str(corpus), "--config", str(_config(tmp_path)))
    assert result.returncode == 0, result.stderr
    expected = _expected(corpus)
    built = {str(p.relative_to(out))[: -len(".atom")] for p in out.rglob("*.atom")}
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
    config.write_text(f'item_limit = {LIMIT}\nsite_url = "https://corpus.example/"\n')
    return config
