"""/metrics in process: requests counted by kind and status in both layers (304s too), the
refresher's figures from status.json, and what a scrape shows when there is no status yet."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from feedsvc.errors import ConfigError
from feedsvc.model.layout import path_kind
from feedsvc.pipeline.refresh import Refresher
from feedsvc.settings import Settings
from feedsvc.state.status import STATUS_FILE
from feedsvc.web.app import create_app
from feedsvc.web.metrics_folder import FOLDER_VARIABLE

from .conftest import NOW, MakeSettings, read_metrics, write_post

REQUESTS = "feedsvc_http_requests_total"


@pytest.fixture
def published(content_dir: Path, make_settings: MakeSettings, tmp_path: Path) -> Settings:
    """Two good posts and a bad one, refreshed once into a state folder."""
    write_post(content_dir, "a.md", "title: A\ndate: 2022-01-01\ncategories: News\ntags: x")
    write_post(content_dir, "b.md", "title: B\ndate: 2022-01-02\ntags: x")
    write_post(content_dir, "bad.md", "date: 2022-01-01")
    settings = make_settings(state_dir=tmp_path / "state")
    Refresher(settings).refresh(NOW)
    return settings


def scrape(client: FlaskClient) -> dict[str, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "text/plain"
    return read_metrics(response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/feed.atom", "site"),
        ("/feed.rss", "site"),
        ("/feed.json", "site"),
        ("/categories/News.atom", "category"),
        ("/categories/News.html", "category"),
        ("/categories/News/archive/2.atom", "category"),
        ("/tags/上海证券报·中国证券网新闻.rss", "tag"),
        ("/tags/nope.json", "tag"),
        ("/feeds.opml", "opml"),
        ("/", "index"),
        ("", "index"),
        ("/index.html", "index"),
        ("/healthz", "other"),
        ("/status.json", "other"),
        ("/metrics", "other"),
        ("/feeds.atom", "other"),
        ("/feedback.atom", "other"),
        ("/categories", "other"),
        ("/etc/passwd", "other"),
        ("//categories/x.atom", "category"),
    ],
)
def test_path_kind_goes_by_folder_and_name(path: str, kind: str) -> None:
    assert path_kind(path) == kind


def status_of(client: FlaskClient, path: str, method: str = "GET", **headers: str) -> int:
    """One request's status; the response is closed (its body may stream from a file)."""
    with client.open(path, method=method, headers=headers) as response:
        return response.status_code


def test_requests_are_counted_by_kind_and_status(published: Settings) -> None:
    client = create_app(published).test_client()
    with client.get("/feed.atom") as response:
        etag = response.headers["ETag"]
    assert status_of(client, "/feed.atom", If_None_Match=etag) == 304  # before Flask
    assert status_of(client, "/tags/x.rss", If_None_Match=etag) == 200  # another ETag
    assert status_of(client, "/feeds.opml", "HEAD") == 200
    assert status_of(client, "/categories/News.atom") == 200
    assert status_of(client, "/") == 200
    assert status_of(client, "/tags/nope.atom") == 404  # through Flask
    assert status_of(client, "/feed.atom", "POST") == 405
    assert status_of(client, "/healthz") == 200
    counted = {k: v for k, v in scrape(client).items() if k.startswith(REQUESTS)}
    assert counted == {
        f'{REQUESTS}{{kind="site",status="200"}}': 1,
        f'{REQUESTS}{{kind="site",status="304"}}': 1,
        f'{REQUESTS}{{kind="site",status="405"}}': 1,
        f'{REQUESTS}{{kind="tag",status="200"}}': 1,
        f'{REQUESTS}{{kind="tag",status="404"}}': 1,
        f'{REQUESTS}{{kind="opml",status="200"}}': 1,
        f'{REQUESTS}{{kind="category",status="200"}}': 1,
        f'{REQUESTS}{{kind="index",status="200"}}': 1,
        f'{REQUESTS}{{kind="other",status="200"}}': 1,  # /healthz; this scrape is not yet counted
    }
    assert scrape(client)[f'{REQUESTS}{{kind="other",status="200"}}'] == 2  # the first scrape


def test_refresh_figures_come_from_status_json(published: Settings) -> None:
    metrics = scrape(create_app(published).test_client())
    assert metrics["feedsvc_posts"] == 2
    assert metrics["feedsvc_feeds"] == 3  # the site, the category News, the tag x
    # each feed in Atom, RSS and JSON Feed and its page, the three OPML lists, the index
    assert metrics["feedsvc_documents"] == 3 * 4 + 3 + 1
    assert metrics["feedsvc_bad_files"] == 1
    assert metrics["feedsvc_last_refresh_success"] == 1
    assert metrics["feedsvc_last_refresh_timestamp_seconds"] == NOW.timestamp()
    assert metrics["feedsvc_last_success_timestamp_seconds"] == NOW.timestamp()
    assert metrics["feedsvc_last_refresh_duration_seconds"] >= 0
    assert metrics["feedsvc_refresh_duration_seconds_count"] == 1
    assert metrics["feedsvc_refresh_duration_seconds_sum"] >= 0
    assert metrics["feedsvc_refresh_failures_total"] == 0
    assert metrics["feedsvc_documents_written_total"] == 16


def test_a_failed_refresh_shows_and_totals_go_on(published: Settings) -> None:
    refresher = Refresher(published)  # a restarted refresher carries the totals on
    refresher.refresh(NOW)  # nothing changed: counted, nothing written
    shutil.rmtree(published.content_dir)
    refresher.refresh(NOW)  # the content directory is gone: publishes nothing
    metrics = scrape(create_app(published).test_client())
    assert metrics["feedsvc_last_refresh_success"] == 0
    assert metrics["feedsvc_refresh_failures_total"] == 1
    assert metrics["feedsvc_refresh_duration_seconds_count"] == 3
    assert metrics["feedsvc_documents_written_total"] == 16
    assert metrics["feedsvc_posts"] == 2  # still served: the last good set
    assert metrics["feedsvc_last_success_timestamp_seconds"] == NOW.timestamp()


@pytest.mark.parametrize(
    "status_file",
    [
        None,  # nothing refreshed yet
        b"{not json",
        b"[]",
        json.dumps({"posts": "many", "last_refresh": {"finished_at": "yesterday"}}).encode(),
        json.dumps({"last_refresh": {"finished_at": "2026-01-01T00:00:00"}}).encode(),  # no zone
    ],
)
def test_scrapes_answer_without_a_usable_status(
    make_settings: MakeSettings, tmp_path: Path, status_file: bytes | None
) -> None:
    settings = make_settings(state_dir=tmp_path / "state")
    if status_file is not None:
        settings.state_dir.mkdir()
        (settings.state_dir / STATUS_FILE).write_bytes(status_file)
    metrics = scrape(create_app(settings).test_client())
    assert metrics["feedsvc_documents"] == 0
    assert "feedsvc_posts" not in metrics
    assert "feedsvc_last_refresh_timestamp_seconds" not in metrics
    assert "feedsvc_refresh_duration_seconds_count" not in metrics


def test_totals_start_afresh_over_a_status_without_them(published: Settings) -> None:
    status_file = published.state_dir / STATUS_FILE
    status = json.loads(status_file.read_bytes())
    status["totals"] = {"refreshes": "three", "seconds": True}  # not numbers: start again
    status_file.write_text(json.dumps(status))
    Refresher(published).refresh(NOW)
    metrics = scrape(create_app(published).test_client())
    assert metrics["feedsvc_refresh_duration_seconds_count"] == 1
    assert metrics["feedsvc_refresh_failures_total"] == 0


def test_openmetrics_for_scrapers_that_ask(published: Settings) -> None:
    response = (
        create_app(published)
        .test_client()
        .get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    )
    assert response.mimetype == "application/openmetrics-text"
    assert response.get_data(as_text=True).endswith("# EOF\n")


def test_a_metrics_folder_named_too_late_stops_the_app(
    published: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This process imported prometheus-client with no folder named, as a server that set the
    variable too late would have: each worker would count only its own requests."""
    monkeypatch.setenv(FOLDER_VARIABLE, str(tmp_path))
    with pytest.raises(ConfigError, match="PROMETHEUS_MULTIPROC_DIR was set after"):
        create_app(published)
