"""The web app in process: what it serves before and after publishing, status, escaping, who may
see the status and metrics."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from feedsvc.pipeline.refresh import Refresher
from feedsvc.published.disk import write_manifest
from feedsvc.published.manifest import CURRENT, GENERATIONS, RECHECK_SECONDS, DocumentInfo
from feedsvc.settings import Settings
from feedsvc.state.status import STATUS_FILE
from feedsvc.web.app import create_app
from feedsvc.web.documents import LiveSet

from .conftest import NOW, MakeSettings, write_post


def _client(settings: Settings) -> FlaskClient:
    return create_app(settings).test_client()


def test_before_the_first_publish(make_settings: MakeSettings, tmp_path: Path) -> None:
    """Before anything is published a feed is not missing but coming: 503, retry soon, and
    never cached (a CDN keeping a 404 would hide the feed once it exists)."""
    client = _client(make_settings(state_dir=tmp_path / "state"))
    assert client.get("/healthz").status_code == 200
    response = client.get("/feed.atom")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/status.json").status_code == 503


def test_a_404_is_cached_briefly(make_settings: MakeSettings, tmp_path: Path) -> None:
    settings = make_settings(state_dir=tmp_path / "state")
    Refresher(settings).refresh(NOW)
    response = _client(settings).get("/no-such-feed.atom")
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "public, max-age=10"


@pytest.mark.parametrize("written", [b"{not json", b"[]", b'"ok"'])
def test_an_unusable_status_file_is_no_status_yet(
    make_settings: MakeSettings, tmp_path: Path, written: bytes
) -> None:
    """A status.json that is not a JSON object (a torn write, a hand edit) answers 503, as
    before the first refresh, never a 500."""
    settings = make_settings(state_dir=tmp_path / "state")
    settings.state_dir.mkdir()
    (settings.state_dir / STATUS_FILE).write_bytes(written)
    assert _client(settings).get("/status.json").status_code == 503


def test_status_lists_bad_files_with_reasons(
    content_dir: Path, make_settings: MakeSettings, tmp_path: Path
) -> None:
    write_post(content_dir, "good.md", "title: Good\ndate: 2022-01-01")
    write_post(content_dir, "bad.md", "date: 2022-01-01")
    settings = make_settings(state_dir=tmp_path / "state")
    Refresher(settings).refresh(NOW)
    status = json.loads(_client(settings).get("/status.json").data)
    assert status["posts"] == 1 and status["feeds"] == 1 and status["documents"] == 8
    assert status["bad_files"] == [
        {"path": "bad.md", "reason": "no title: front matter needs `title: ...`"}
    ]
    assert status["last_refresh"]["finished_at"] == "2026-01-01T00:00:00+00:00"


def test_index_page_escapes_names(
    content_dir: Path, make_settings: MakeSettings, tmp_path: Path
) -> None:
    write_post(
        content_dir, "x.md", "title: X\ndate: 2022-01-01\ncategories: '<script>alert(1)</script>'"
    )
    settings = make_settings(state_dir=tmp_path / "state")
    Refresher(settings).refresh(NOW)
    with _client(settings).get("/") as response:  # closes the file the body streams from
        page = response.data.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_workers_switch_to_a_new_generation_whole(
    content_dir: Path, make_settings: MakeSettings, tmp_path: Path
) -> None:
    write_post(content_dir, "a.md", "title: A\ndate: 2022-01-01\ntags: t")
    settings = make_settings(state_dir=tmp_path / "state")
    Refresher(settings).refresh(NOW)
    now = [0.0]
    live = LiveSet(settings.state_dir, clock=lambda: now[0])
    first = live.get()
    write_post(content_dir, "b.md", "title: B\ndate: 2022-01-02\ntags: t")
    Refresher(settings).refresh(NOW + dt.timedelta(seconds=5))
    assert live.get() is first  # within RECHECK_SECONDS the worker keeps its view
    now[0] += RECHECK_SECONDS
    second = live.get()
    assert second is not first and second.folder != first.folder
    assert second.get("tags/t.atom").variants["identity"].etag != (  # type: ignore[union-attr]
        first.get("tags/t.atom").variants["identity"].etag  # type: ignore[union-attr]
    )
    assert (first.folder / "tags/t.atom").exists()  # readers of the old set can still finish


def test_a_starting_workers_threads_all_wait_for_the_first_load(tmp_path: Path) -> None:
    """Threads that ask a fresh LiveSet while its first load is under way (a large manifest
    takes a while to read) get the published set, never the empty one: no 404s while a worker
    starts."""
    generation = tmp_path / GENERATIONS / "00000001"
    generation.mkdir(parents=True)
    info = DocumentInfo(sha256="0" * 64, length=1, changed=0, encoded={})
    write_manifest(generation, {f"tags/t{n}.atom": info for n in range(50_000)})
    (tmp_path / CURRENT).symlink_to(generation.relative_to(tmp_path))
    live = LiveSet(tmp_path)
    start = threading.Barrier(8)
    sizes: list[int] = []

    def ask() -> None:
        start.wait()
        sizes.append(len(live.get()))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sizes == [50_000] * 8


@pytest.mark.parametrize(
    ("networks", "proxies", "client", "forwarded", "allowed"),
    [
        (None, 0, "127.0.0.1", None, True),  # the default: this machine only
        (None, 0, "127.0.0.2", None, True),
        (None, 0, "::1", None, True),
        (None, 0, "::ffff:127.0.0.1", None, True),  # IPv4 on a dual-stack socket
        (None, 0, "203.0.113.9", None, False),
        (None, 0, "2001:db8::9", None, False),
        (None, 0, "", None, False),  # a Unix socket: not known to be this machine
        (None, 1, "127.0.0.1", "203.0.113.9", False),  # a client of nginx on this machine
        (None, 1, "127.0.0.1", "127.0.0.1", True),
        (["10.0.0.0/8", "192.0.2.7"], 0, "10.1.2.3", None, True),  # Prometheus on the LAN
        (["10.0.0.0/8", "192.0.2.7"], 0, "192.0.2.7", None, True),
        (["10.0.0.0/8", "192.0.2.7"], 0, "127.0.0.1", None, False),
        (["0.0.0.0/0", "::/0"], 0, "203.0.113.9", None, True),  # public, as before
    ],
)
def test_status_and_metrics_answer_only_monitoring_networks(
    make_settings: MakeSettings,
    tmp_path: Path,
    networks: list[str] | None,
    proxies: int,
    client: str,
    forwarded: str | None,
    allowed: bool,
) -> None:
    """Everyone else gets the 404 of a path that is not there, never cached (the answer depends
    on who asks); documents are served to all alike."""
    chosen = {"monitoring_networks": networks} if networks is not None else {}
    settings = make_settings(state_dir=tmp_path / "state", proxy_count=proxies, **chosen)
    Refresher(settings).refresh(NOW)
    app = create_app(settings).test_client()
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    for path in ("/status.json", "/metrics"):
        response = app.get(path, environ_base={"REMOTE_ADDR": client}, headers=headers)
        assert response.status_code == (200 if allowed else 404), path
        assert response.headers["Cache-Control"] in {"no-store", "no-cache"}
    with app.get("/", environ_base={"REMOTE_ADDR": client}, headers=headers) as page:
        assert page.status_code == 200
