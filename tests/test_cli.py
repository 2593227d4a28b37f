"""The command line, run as a user runs it: `feedsvc build` and `feedsvc check` in a subprocess."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

import brotli
import pytest

from feedsvc.published.manifest import MANIFEST

from .conftest import parse_feed, write_post

CATEGORY = "shanghaizhengquanbao·zhongguozhengquanwang"
TAG = "上海证券报·中国证券网新闻"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `feedsvc ARGS` in a fresh interpreter, with no FEEDSVC_* from the caller."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSVC_")}
    return subprocess.run(
        [sys.executable, "-m", "feedsvc", *args],
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        timeout=120,
        check=False,
    )


def test_build_writes_the_url_layout_and_opml(tmp_path: Path, sample_dir: Path) -> None:
    out = tmp_path / "public"
    result = run("build", str(out), "--content", str(sample_dir))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "1 posts, 3 feeds (16 documents written, 0 unchanged, 0 removed)"
    )
    assert ", 0 bad files, " in result.stdout
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    documents = [
        "feed.atom",
        "feed.rss",
        "feed.html",
        "feeds.opml",
        "feeds-rss.opml",
        "feeds-json.opml",
        "index.html",
        f"categories/{CATEGORY}.atom",
        f"categories/{CATEGORY}.rss",
        f"categories/{CATEGORY}.html",
        f"tags/{TAG}.atom",
        f"tags/{TAG}.rss",
        "feed.json",
        f"categories/{CATEGORY}.json",
        f"tags/{TAG}.json",
        f"tags/{TAG}.html",
    ]
    twins = [d + s for d in documents for s in ("", ".gz", ".br")]
    assert written == sorted([MANIFEST, ".feedsvc-ids.sqlite", *twins])  # + the id ledger
    for document in documents:  # the compressed twins hold the same bytes
        data = (out / document).read_bytes()
        assert gzip.decompress((out / f"{document}.gz").read_bytes()) == data
        assert brotli.decompress((out / f"{document}.br").read_bytes()) == data
        stamps = {(out / (document + s)).stat().st_mtime for s in ("", ".gz", ".br")}
        assert len(stamps) == 1  # one Last-Modified, whichever file a server sends
    assert len(parse_feed((out / f"tags/{TAG}.atom").read_bytes()).entries) == 1
    opml = (out / "feeds.opml").read_text(encoding="utf-8")
    assert 'version="2.0"' in opml
    assert opml.count("xmlUrl=") == 3
    assert oct((out / "feed.atom").stat().st_mode & 0o777) != "0o600"


def test_rebuild_leaves_unchanged_files_alone_and_removes_gone_feeds(
    tmp_path: Path, content_dir: Path
) -> None:
    out = tmp_path / "public"
    write_post(content_dir, "a.md", "title: A\ndate: 2022-01-01\ntags: keep")
    gone = write_post(content_dir, "b.md", "title: B\ndate: 2021-01-01\ntags: gone")
    assert run("build", str(out), "--content", str(content_dir)).returncode == 0
    (out / "mine.txt").write_text("not feedsvc's")
    before = (out / "tags/keep.atom").stat().st_mtime_ns
    gone.unlink()
    result = run("build", str(out), "--content", str(content_dir))
    # written: the site feed in every format and its page, the OPML lists and the index page;
    # unchanged: tag keep's documents and page
    assert "(8 documents written, 4 unchanged, 4 removed)" in result.stdout
    assert (out / "tags/keep.atom").stat().st_mtime_ns == before
    assert not (out / "tags/gone.atom").exists()
    assert (out / "mine.txt").exists()


def test_build_reports_bad_files_and_publishes_the_rest(tmp_path: Path, content_dir: Path) -> None:
    write_post(content_dir, "good.md", "title: Good\ndate: 2022-01-01")
    bad = write_post(content_dir, "bad.md", "date: 2022-01-01")
    result = run("build", str(tmp_path / "out"), "--content", str(content_dir))
    assert result.returncode == 0
    assert f"WARNING: skipped {bad}: no title" in result.stderr
    assert ", 1 bad files, " in result.stdout
    assert [e.title for e in parse_feed((tmp_path / "out/feed.atom").read_bytes()).entries] == [
        "Good"
    ]


def test_check_lists_bad_posts_and_fails(content_dir: Path) -> None:
    write_post(content_dir, "good.md", "title: Good\ndate: 2022-01-01")
    bad = write_post(content_dir, "bad.md", "title: Bad\ndate: 2022-13-45")
    result = run("check", "--content", str(content_dir))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{bad}: date: unreadable date '2022-13-45'")
    assert lines[-1] == "2 files: 1 good, 1 bad"
    assert str(bad) not in result.stderr  # reported once, on stdout, not again as a warning


def test_check_passes_on_the_bundled_example() -> None:
    result = run("check")
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "31 files: 31 good, 0 bad"


def test_environment_sets_content_and_site_url(tmp_path: Path, sample_dir: Path) -> None:
    env = {"FEEDSVC_CONTENT_DIR": str(sample_dir), "FEEDSVC_SITE_URL": "https://env.example/x"}
    assert run("build", str(tmp_path / "out"), env=env).returncode == 0
    feed = parse_feed((tmp_path / "out/feed.atom").read_bytes())
    assert feed.entries[0].link.startswith("https://env.example/x/shanghaizhengquanbao")


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ["check", "--content", "/no/such/dir"],
            {},
            "content directory '/no/such/dir' does not exist",
        ),
        (["check", "--config", "/no/such.toml"], {}, "/no/such.toml: config file not found"),
        (["check"], {"FEEDSVC_ITEM_LIMIT": "ten"}, "FEEDSVC_ITEM_LIMIT: expected an integer"),
    ],
)
def test_configuration_errors_are_one_line(
    args: list[str], env: dict[str, str], message: str
) -> None:
    result = run(*args, env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("feedsvc: error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_config_file_option(tmp_path: Path, sample_dir: Path) -> None:
    config = tmp_path / "feedsvc.toml"
    config.write_text(f'content_dir = "{sample_dir}"\nsite_title = "From the file"\n')
    result = run("build", str(tmp_path / "out"), "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert parse_feed((tmp_path / "out/feed.rss").read_bytes()).feed.title == "From the file"
    assert (tmp_path / "out" / "tags" / f"{TAG}.rss").exists()


def test_settings_shows_each_value_and_where_it_came_from(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "_config.yml").write_text("title: My site\nlang: en\n")
    result = run("settings", "--content", str(site), env={"FEEDSVC_ITEM_LIMIT": "7"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f'site_title = "My site"  # {site / "_config.yml"}: title' in lines
    assert "item_limit = 7  # FEEDSVC_ITEM_LIMIT" in lines
    assert 'timezone = "UTC"  # default' in lines
    assert 'site_rules = "jekyll"  # auto: _config.yml or _posts found' in lines


def test_every_log_line_says_when_and_which_process(content_dir: Path) -> None:
    bad = write_post(content_dir, "bad.md", "date: 2022-01-01")
    result = run("build", str(content_dir.parent / "out"), "--content", str(content_dir))
    line = next(line for line in result.stderr.splitlines() if str(bad) in line)
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \[\d+\] WARNING: skipped ", line), line
