"""The fast paths publish exactly what the plain path does: every file, byte for byte, whatever the
number of worker processes, for `feedsvc build` and for the service's cold start alike."""

from __future__ import annotations

import gzip
import logging
import shutil
from pathlib import Path

import brotli
import pytest

from feedsvc.pipeline.build import build, index_posts, read_posts
from feedsvc.pipeline.refresh import Refresher
from feedsvc.published.manifest import MANIFEST, current_folder
from feedsvc.settings import EXAMPLE_CONTENT, Settings

from .conftest import NOW, SAMPLE_NAME, MakeSettings, parse_feed, write_post
from .corpus import generate
from .oracle import render_documents


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,500 generated posts (enough for every stage to use workers), the real sample, a post
    whose file goes bad, a post with no date at all, and one too large for any feed."""
    folder = generate(tmp_path_factory.mktemp("corpus-1500"), 1500, seed=7)
    shutil.copy(EXAMPLE_CONTENT / SAMPLE_NAME, folder / SAMPLE_NAME)
    write_post(folder, "undated.md", "title: No date\ntags: [undated, 无日期]")
    huge = "title: Huge\ndate: 2025-12-31\ncategories: [huge]\ntags: [无日期]"
    write_post(folder, "huge.md", huge, "长文。" * 20_000)
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n", "utf-8")
    return folder


# Small enough that many feeds leave entries out (a feed of 20 posts is about 100 KB here).
# A small budget, under which many feeds leave entries out, and archive pages, which hold them.
BUDGET = {"max_feed_bytes": 60_000, "archive_kinds": ["site", "category"]}


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file below folder (documents, twins, manifest), by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".feedsvc-ids")
    }


def built(settings: Settings, out: Path, caplog: pytest.LogCaptureFixture) -> dict[str, bytes]:
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="feedsvc.workers"):
        report = build(settings, out, NOW)
    assert [e.path.name for e in report.bad] == ["broken.md"]
    forked = [r.getMessage() for r in caplog.records if "worker processes" in r.getMessage()]
    if settings.workers > 1:  # reading, entries and documents all went to workers
        stages = {message.split(" batches of ")[1].split()[0] for message in forked}
        assert stages == {"read", "render_feeds", "render"}, forked
    else:
        assert forked == []
    return files_under(out)


def test_build_is_the_same_bytes_with_one_or_two_workers_and_as_the_plain_path(
    corpus: Path, make_settings: MakeSettings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    one = built(make_settings(content_dir=corpus, workers=1, **BUDGET), tmp_path / "one", caplog)
    two = built(make_settings(content_dir=corpus, workers=2, **BUDGET), tmp_path / "two", caplog)
    assert one.keys() == two.keys()
    different = [path for path in one if one[path] != two[path]]
    assert different == []

    settings = make_settings(content_dir=corpus, **BUDGET)
    index = index_posts(read_posts(settings).posts, NOW, settings)
    plain = render_documents(index, settings)
    assert len(plain) > 1000
    for path, data in plain.items():
        assert two[path] == data, path
        assert gzip.decompress(two[path + ".gz"]) == data, path
        assert brotli.decompress(two[path + ".br"]) == data, path
    twins = {path for path in two if path.endswith((".gz", ".br"))}
    assert two.keys() == plain.keys() | twins | {MANIFEST}

    feeds = {
        path: data
        for path, data in plain.items()
        if path.endswith((".atom", ".rss")) and not path.startswith("archives/")
    }
    assert max(len(data) for data in feeds.values()) <= BUDGET["max_feed_bytes"]
    site = parse_feed(feeds["feed.atom"])
    assert 5 < len(site.entries) < settings.item_limit  # the newest whole entries that fit
    assert [e.id for e in site.entries] == [e.id for e in parse_feed(feeds["feed.rss"]).entries]
    assert not any(b"<title>Huge</title>" in data for data in feeds.values())
    # the archive pages hold every post, whatever its size: the one too large for a feed too
    site_archive = [data for path, data in plain.items() if path.startswith("archives/feed/")]
    assert sum(data.count(b"<title>Huge</title>") for data in site_archive) == 2  # Atom, RSS


def test_service_cold_start_is_the_same_bytes_with_one_or_two_workers(
    corpus: Path, make_settings: MakeSettings, tmp_path: Path
) -> None:
    published = []
    for workers in (1, 2):
        settings = make_settings(
            content_dir=corpus, workers=workers, state_dir=tmp_path / f"state-{workers}"
        )
        report = Refresher(settings).refresh(NOW)
        assert report is not None and report.published.written > 1000
        folder = current_folder(settings.state_dir)
        assert folder is not None
        published.append(files_under(folder))
    one, two = published
    assert one.keys() == two.keys()
    assert [path for path in one if one[path] != two[path]] == []
