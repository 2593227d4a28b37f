"""Every failure of a refresh is a failed refresh: a damaged, unwritable or undecodable catalog,
a full or read-only state folder, an error after the publish, a damaged published set. The
status (and /metrics) says why, and the next refresh heals."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import pickle
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from feedsvc.pipeline.refresh import CHECK_AT_LEAST, CHECK_SHARE, Refresher
from feedsvc.published.manifest import (
    GENERATIONS,
    MANIFEST,
    SUFFIXES,
    current_folder,
    read_manifest,
)
from feedsvc.settings import Settings
from feedsvc.state.catalog import CATALOG_FILE
from feedsvc.state.heartbeat import SERVED_ONLY_KEYS
from feedsvc.state.ledger import LEDGER_FILE, load_ledger
from feedsvc.state.status import STATUS_FILE, read_status, spill_path
from feedsvc.web.app import create_app

from .conftest import NOW, MakeSettings, parse_feed, read_metrics, write_post
from .corpus import generate
from .servers import feedsvc_server
from .system import read_only, remount, tmpfs

POSTS = 40


@pytest.fixture(scope="session")
def corpus_40(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("corpus-40"), POSTS, seed=5)


@pytest.fixture
def content(corpus_40: Path, content_dir: Path) -> Path:
    """A fresh copy of the 40-post corpus."""
    shutil.rmtree(content_dir)
    return Path(shutil.copytree(corpus_40, content_dir))


@pytest.fixture
def site(content: Path, tmp_path: Path, make_settings: MakeSettings) -> Iterator[Settings]:
    """The 40-post corpus with a state folder of its own; its status spill is removed after."""
    settings = make_settings(state_dir=tmp_path / "state")
    yield settings
    spill_path(settings.state_dir).unlink(missing_ok=True)


def later(seconds: float) -> dt.datetime:
    return NOW + dt.timedelta(seconds=seconds)


def site_titles(settings: Settings) -> list[str]:
    folder = current_folder(settings.state_dir)
    assert folder is not None
    return [entry.title for entry in parse_feed((folder / "feed.atom").read_bytes()).entries]


def retitle(settings: Settings, mark: str, number: int = 0) -> str:
    """Put `mark` before the title of one post; returns its new title's start."""
    path = sorted(settings.content_dir.iterdir())[number]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: ", f"title: {mark}", 1), encoding="utf-8")
    return mark


def served_status(client: FlaskClient) -> dict[str, Any]:
    """/status.json as the web app serves it."""
    response = client.get("/status.json")
    assert response.status_code == 200
    data = response.get_json()
    assert isinstance(data, dict)
    return data


def refresh_success(client: FlaskClient) -> float:
    """/metrics' feedsvc_last_refresh_success as the web app serves it."""
    return read_metrics(client.get("/metrics").get_data(as_text=True))[
        "feedsvc_last_refresh_success"
    ]


@pytest.mark.parametrize("name", [CATALOG_FILE, LEDGER_FILE])
def test_a_database_overwritten_while_running_fails_one_refresh_then_is_made_anew(
    site: Settings, name: str
) -> None:
    """Garbage written over catalog.sqlite or ids.sqlite between two refreshes of one refresher:
    the refresh that saves into it publishes, fails (no exception escapes), says why, and sets
    the file aside; the next one writes it anew, whole, so a restart reads nothing again."""
    refresher = Refresher(site)
    client = create_app(site).test_client()
    try:
        assert refresher.refresh(NOW) is not None
        ids = len(refresher.ledger.ids)
        (site.state_dir / name).write_bytes(b"garbage " * 1000)
        retitle(site, "改")
        write_post(site.content_dir, "zz-new.md", "title: 新\ndate: 2025-12-31 00:00:00 +0000")
        assert refresher.refresh(later(60)) is None
        assert site_titles(site)[0] == "新"  # published before the save failed
        assert any(title.startswith("改") for title in site_titles(site))
        status = served_status(client)
        assert status["error"] == status["last_refresh"]["error"]
        assert f"cannot save {name}: file is not a database" in status["error"]
        assert refresh_success(client) == 0
        assert (site.state_dir / f"{name}.damaged").exists()
        assert refresher.refresh(later(120)) is not None
        assert served_status(client)["error"] is None and refresh_success(client) == 1
    finally:
        refresher.close()
    restarted = Refresher(site)
    report = restarted.refresh(later(180))
    assert report is not None and report.read == 0
    assert len(load_ledger(site.state_dir / LEDGER_FILE).ids) == ids + 1  # and zz-new.md's


def test_a_read_only_catalog_fails_refreshes_until_it_is_writable(site: Settings) -> None:
    """catalog.sqlite read-only (a read-only bind mount: root ignores file modes): each refresh
    publishes and fails saying why, the file is not set aside (it is not damaged), and the first
    refresh after it is writable again saves every change it missed."""
    refresher = Refresher(site)
    try:
        assert refresher.refresh(NOW) is not None
        catalog = site.state_dir / CATALOG_FILE
        with read_only(catalog):
            write_post(site.content_dir, "zz-1.md", "title: 一\ndate: 2025-12-30 00:00:00 +0000")
            assert refresher.refresh(later(60)) is None
            write_post(site.content_dir, "zz-2.md", "title: 二\ndate: 2025-12-31 00:00:00 +0000")
            assert refresher.refresh(later(120)) is None
            error = read_status(site.state_dir)["error"]  # type: ignore[index]
            assert error == f"cannot save {CATALOG_FILE}: attempt to write a readonly database"
            assert site_titles(site)[:2] == ["二", "一"]  # published all the same
        assert not (site.state_dir / f"{CATALOG_FILE}.damaged").exists()
        assert refresher.refresh(later(180)) is not None
        assert read_status(site.state_dir)["error"] is None  # type: ignore[index]
    finally:
        refresher.close()
    report = Refresher(site).refresh(later(240))
    assert report is not None and report.read == 0  # both edits were saved


def test_an_error_after_the_publish_is_a_failed_refresh(site: Settings) -> None:
    """Anything raised after the generation is published (here, by the hub pinger's queue) fails
    the refresh with its reason; the state is saved by the next refresh all the same."""

    def broken_queue(paths: Sequence[str]) -> None:
        raise RuntimeError(f"queue of {len(paths)} pings broken")

    refresher = Refresher(site)
    client = create_app(site).test_client()
    try:
        assert refresher.refresh(NOW) is not None
        retitle(site, "改")
        assert refresher.refresh(later(60), announce=broken_queue) is None
        assert any(title.startswith("改") for title in site_titles(site))
        error = served_status(client)["error"]
        assert error.startswith("RuntimeError: queue of ") and error.endswith(" pings broken")
        assert refresh_success(client) == 0
        assert refresher.refresh(later(120)) is not None
        assert served_status(client)["error"] is None and refresh_success(client) == 1
    finally:
        refresher.close()
    report = Refresher(site).refresh(later(180))
    assert report is not None and report.read == 0


def _renamed_module(blob: bytes) -> bytes:
    """A reading pickled by a feedsvc whose module was since renamed (same length)."""
    assert b"feedsvc.state.catalog" in blob
    return blob.replace(b"feedsvc.state.catalog", b"feedsvc.state.catalox")


def _post_of_an_older_shape(blob: bytes) -> bytes:
    """A reading pickled by a feedsvc whose Post had a field fewer (its catalog format not
    bumped): it unpickles, to a Post without `order_key`."""
    reading = pickle.loads(blob)  # noqa: S301 - the test's own catalog
    del vars(reading.post)["order_key"]
    return pickle.dumps(reading)


UNDECODABLE: dict[str, Callable[[bytes], bytes]] = {
    "garbage": lambda blob: b"not a pickle at all",
    "renamed module": _renamed_module,
    "not a reading": lambda blob: pickle.dumps({"stamp": (1, 2, 3)}),
    "truncated": lambda blob: blob[: len(blob) // 2],
    "post of an older shape": _post_of_an_older_shape,
}


@pytest.mark.parametrize("damage", list(UNDECODABLE))
def test_a_catalog_row_that_does_not_decode_is_one_file_read_again(
    site: Settings, damage: str
) -> None:
    """One row's blob damaged with sqlite3: a real `feedsvc worker` starts, reads that one file
    again (not all 40), publishes, and saves the row anew."""
    Refresher(site).refresh(NOW)
    source = sorted(path.name for path in site.content_dir.iterdir())[3]
    with contextlib.closing(sqlite3.connect(site.state_dir / CATALOG_FILE)) as db, db:
        (blob,) = db.execute("SELECT reading FROM readings WHERE source = ?", (source,)).fetchone()
        damaged = UNDECODABLE[damage](blob)
        db.execute("UPDATE readings SET reading = ? WHERE source = ?", (damaged, source))
    retitle(site, "新", 5)
    worker = _worker(site)
    try:
        _wait_for(lambda: '"next_run"' in _status_text(site) or worker.poll() is not None)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=10)
    assert worker.returncode == 0, output
    assert f"refresh: 2 posts read of {POSTS} files" in output, output
    assert f"1 rows of {CATALOG_FILE} could not be decoded ({source})" in output
    assert any(title.startswith("新") for title in site_titles(site))
    with contextlib.closing(sqlite3.connect(site.state_dir / CATALOG_FILE)) as db:
        (blob,) = db.execute("SELECT reading FROM readings WHERE source = ?", (source,)).fetchone()
    assert pickle.loads(blob).post.source == source  # noqa: S301 - saved anew, by the test's own worker
    assert Refresher(site).refresh(later(60)).read == 0  # type: ignore[union-attr]


def _fill(folder: Path) -> Path:
    """Fill the file system of `folder` to the last byte with one file; returns it."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    chunk = 1 << 20
    try:
        while chunk:
            try:
                os.write(fd, b"\0" * chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                chunk //= 2
    finally:
        os.close(fd)
    return filler


def test_a_full_then_read_only_state_folder_shows_in_status_and_metrics(
    content: Path, tmp_path: Path, make_settings: MakeSettings
) -> None:
    """The state folder on a real 8 MiB tmpfs. Filled up: a refresh with nothing to publish
    cannot write its status, one with an edit cannot write its generation, and /status.json and
    /metrics (served by the real app) say so with ENOSPC's reason. Remounted read-only: EROFS's
    reason, not the older one. Writable again, with room: the next refresh succeeds, publishes
    the edit, and the status clears, in the state folder too."""
    state = tmp_path / "state"
    settings = make_settings(state_dir=state)
    spill = spill_path(state)
    try:
        with tmpfs(state, "8m"):
            refresher = Refresher(settings)
            client = create_app(settings).test_client()
            try:
                assert refresher.refresh(NOW) is not None
                assert served_status(client)["error"] is None and refresh_success(client) == 1
                filler = _fill(state)
                report = refresher.refresh(later(60))  # only its status to write
                status = served_status(client)
                assert status["error"] is not None, status
                assert status["error"].startswith(f"cannot write {STATUS_FILE}: [Errno 28] No sp")
                assert refresh_success(client) == 0 and report is None
                retitle(settings, "满")
                assert refresher.refresh(later(120)) is None
                status = served_status(client)
                assert "[Errno 28] No space left on device" in status["error"]
                assert status["last_refresh"]["error"] == status["error"]
                assert status["totals"]["failures"] == 2
                assert refresh_success(client) == 0
                assert not any(title.startswith("满") for title in site_titles(settings))
                remount(state, "ro")
                assert refresher.refresh(later(180)) is None
                status = served_status(client)
                assert "[Errno 30] Read-only file system" in status["error"]
                assert "No space" not in status["error"] and refresh_success(client) == 0
                remount(state, "rw")
                filler.unlink()
                assert refresher.refresh(later(240)) is not None
                status = served_status(client)
                assert status["error"] is None and refresh_success(client) == 1
                assert status["totals"]["failures"] == 3
                assert any(title.startswith("满") for title in site_titles(settings))
                assert not spill.exists()
                assert read_status(state) == {
                    k: v for k, v in status.items() if k not in SERVED_ONLY_KEYS
                }
            finally:
                refresher.close()
    finally:
        spill.unlink(missing_ok=True)


@pytest.mark.parametrize("restart", [False, True])
def test_a_document_deleted_from_the_served_generation_is_published_again(
    site: Settings, restart: bool
) -> None:
    """One document (and its twins) deleted from the generation being served. A running
    refresher, with nothing changed, finds it gone within the refreshes that check every
    document once (CHECK_SHARE, fewer for a small set) and publishes the set again; a restarted
    one, with a post changed, cannot link it and writes every document anew at once (it used to
    fail on every refresh). Unchanged documents keep their bytes and Last-Modified."""
    refresher = Refresher(site)
    try:
        refresher.refresh(NOW)
        folder = current_folder(site.state_dir)
        assert folder is not None
        before = read_manifest(folder)
        lost = sorted(before)[-1]
        for suffix in SUFFIXES:
            (folder / (lost + suffix)).unlink()
        if restart:
            refresher.close()
            refresher = Refresher(site)
            retitle(site, "改")
        refreshes = 0
        while current_folder(site.state_dir) == folder and refreshes < CHECK_SHARE:
            refreshes += 1
            report = refresher.refresh(later(60 * refreshes))
            assert report is not None
        assert refreshes <= (1 if restart else -(-len(before) // CHECK_AT_LEAST))  # a full turn
        again = current_folder(site.state_dir)
        assert again is not None and again != folder
        for path, info in read_manifest(again).items():
            for suffix in SUFFIXES:
                assert (again / (path + suffix)).is_file(), path + suffix
            if before[path].sha256 == info.sha256:
                assert before[path].changed == info.changed
        if not restart:
            assert report.published.written == 0  # the same bytes: no reader sees a change
        assert read_status(site.state_dir)["error"] is None  # type: ignore[index]
    finally:
        refresher.close()


def test_feedsvc_serve_leaves_no_spare_of_its_first_publish(content: Path, tmp_path: Path) -> None:
    """`feedsvc serve` on a fresh state folder publishes once in the web server's master
    (before its workers start), then runs a refresher beside it: no spare copy named for the
    master's pid stays (it would hold a link to every file while the server runs)."""
    state = tmp_path / "state"
    with feedsvc_server("serve", content, state, tmp_path) as server:
        _wait_for(lambda: '"next_run"' in _status_text_of(state))  # the refresher's first run
        spares = [path.name for path in (state / GENERATIONS).glob(".spare-*")]
        master = server.process.pid
        assert not [name for name in spares if name.split("-")[2] == str(master)], spares
        assert current_folder(state) is not None and (current_folder(state) / MANIFEST).exists()  # type: ignore[operator]


def _worker(settings: Settings) -> subprocess.Popen[str]:
    variables = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSVC_")}
    variables.update(
        FEEDSVC_CONTENT_DIR=str(settings.content_dir),
        FEEDSVC_STATE_DIR=str(settings.state_dir),
        FEEDSVC_SITE_URL=settings.site_url,
        FEEDSVC_REFRESH_INTERVAL="3600",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "feedsvc", "worker"],
        env=variables,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _status_text(settings: Settings) -> str:
    return _status_text_of(settings.state_dir)


def _status_text_of(state: Path) -> str:
    path = state / STATUS_FILE
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _wait_for(condition: Callable[[], bool], seconds: float = 30) -> None:
    """Wait for another process to reach a state: its clock is not ours to inject, so this
    polls, and fails with a clear message instead of hanging."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the other process"
        threading.Event().wait(0.02)
