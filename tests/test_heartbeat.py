"""The refresher's heartbeat in status.json, and what /status.json and /metrics derive from it:
alive or not (two missed beats), the refresh under way, how old the last success is."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

import pytest

from feedsvc.pipeline.refresh import Refresher
from feedsvc.published.disk import atomic_write
from feedsvc.service.scheduler import RefreshWorker
from feedsvc.settings import Settings
from feedsvc.state.heartbeat import Heartbeat, Liveness, heartbeat_period, record_heartbeat
from feedsvc.state.status import StatusFile, read_status
from feedsvc.web.app import create_app

from .conftest import NOW, MakeSettings, read_metrics, write_post

BEAT = NOW.timestamp()  # the last beat, in Unix time


def status_with(beat_age: float | None, running: float | None = None) -> dict[str, Any]:
    """A status whose last beat (every 30 s) is `beat_age` seconds before BEAT + 100, with a
    refresh under way for `running` seconds, and a success at BEAT."""
    now = BEAT + 100
    status: dict[str, Any] = {"last_success_at": NOW.isoformat()}
    if beat_age is not None:
        at = dt.datetime.fromtimestamp(now - beat_age, dt.UTC)
        started = dt.datetime.fromtimestamp(now - running, dt.UTC) if running else None
        status["refresher"] = Heartbeat(4321, at, 30.0, started).as_status()
    return status


@pytest.mark.parametrize(
    ("beat_age", "running", "alive", "shown_running"),
    [
        (None, None, False, None),  # never beat: not alive (not yet, or an old refresher)
        (1.0, None, True, None),
        (60.0, None, True, None),  # two periods exactly
        (60.5, None, False, None),
        (10.0, 45.0, True, 45.0),  # a long refresh that keeps beating: alive, and for how long
        (75.0, 90.0, False, None),  # a refresh that stopped beating: stuck
    ],
)
def test_liveness_goes_by_the_age_of_the_last_beat(
    beat_age: float | None, running: float | None, alive: bool, shown_running: float | None
) -> None:
    liveness = Liveness.of(status_with(beat_age, running), BEAT + 100)
    assert liveness.alive is alive
    assert liveness.heartbeat_age == beat_age
    assert liveness.refresh_running == shown_running
    assert liveness.last_success_age == 100
    assert liveness.pid == (4321 if beat_age is not None else None)


@pytest.mark.parametrize(
    "status",
    [
        None,
        {"refresher": "yes"},
        {"refresher": {"pid": True, "heartbeat_at": "now", "heartbeat_seconds": "30"}},
        {"refresher": {"heartbeat_at": "2026-01-01T00:00:00"}},  # no zone, no period
        {"last_success_at": 12},
    ],
)
def test_liveness_trusts_no_value_of_the_status(status: dict[str, Any] | None) -> None:
    assert Liveness.of(status, BEAT) == Liveness(False, None, None, None, None)


def test_heartbeats_come_once_per_interval_and_at_least_every_minute() -> None:
    assert heartbeat_period(0.5) == 0.5
    assert heartbeat_period(60) == 60
    assert heartbeat_period(3600) == 60


@pytest.fixture
def published(content_dir: Path, make_settings: MakeSettings, tmp_path: Path) -> Settings:
    write_post(content_dir, "a.md", "title: A\ndate: 2022-01-01")
    settings = make_settings(state_dir=tmp_path / "state", refresh_interval=30)
    Refresher(settings).refresh(NOW)
    return settings


def beat(settings: Settings, seconds_ago: float) -> None:
    at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds_ago)
    record_heartbeat(StatusFile(settings.state_dir, atomic_write), Heartbeat(99, at, 30.0, None))


@pytest.mark.parametrize(("seconds_ago", "alive"), [(1, True), (61, False)])
def test_status_json_and_metrics_say_whether_the_refresher_is_alive(
    published: Settings, seconds_ago: float, alive: bool
) -> None:
    beat(published, seconds_ago)
    client = create_app(published).test_client()
    status = client.get("/status.json").get_json()
    assert status["refresher_alive"] is alive
    assert status["refresher"]["pid"] == 99
    assert seconds_ago <= status["heartbeat_age_seconds"] < seconds_ago + 5
    assert status["refresh_running_seconds"] is None
    assert status["last_success_age_seconds"] > 0  # the refresh at NOW, long ago
    metrics = read_metrics(client.get("/metrics").get_data(as_text=True))
    assert metrics["feedsvc_refresher_up"] == int(alive)
    age = metrics["feedsvc_last_refresh_success_age_seconds"]
    assert age == pytest.approx(dt.datetime.now(dt.UTC).timestamp() - NOW.timestamp(), abs=5)


def test_metrics_say_down_before_any_beat(make_settings: MakeSettings, tmp_path: Path) -> None:
    settings = make_settings(state_dir=tmp_path / "state")
    metrics = read_metrics(create_app(settings).test_client().get("/metrics").get_data(True))
    assert metrics["feedsvc_refresher_up"] == 0
    assert "feedsvc_last_refresh_success_age_seconds" not in metrics


def test_each_refresh_beats_as_it_starts_and_ends(published: Settings) -> None:
    worker = RefreshWorker(published, clock=lambda: NOW)
    starts: list[str | None] = []
    record = worker.refresher.status.save

    def save() -> None:  # every write of the status, in order
        starts.append(worker.refresher.status.data.get("refresher", {}).get("refresh_started_at"))
        record()

    worker.refresher.status.save = save  # type: ignore[method-assign]
    worker.refresh_until_clean()
    status = read_status(published.state_dir)
    assert status is not None
    assert status["refresher"]["pid"] == os.getpid()
    assert status["refresher"]["heartbeat_seconds"] == 30
    assert status["refresher"]["refresh_started_at"] is None  # done
    assert starts[0] is not None  # the first write: the refresh under way, and since when
    assert Liveness.of(status, dt.datetime.now(dt.UTC).timestamp()).alive


class _Signals:
    """A SignalQueue stand-in: no signal for `quiet` waits, then SIGTERM."""

    def __init__(self, quiet: int) -> None:
        self.quiet = quiet

    def started(self) -> None:
        """Nothing to do: no handler to switch."""

    def wait(self, seconds: float) -> int | None:
        threading.Event().wait(seconds)  # the wait a real queue makes, with no signal coming
        self.quiet -= 1
        return signal.SIGTERM if self.quiet < 0 else None


def test_the_idle_heartbeat_stops_while_a_refresh_holds_the_loop(
    make_settings: MakeSettings, content_dir: Path, tmp_path: Path
) -> None:
    """The main thread beats only when no refresh is under way: a refresh that hangs holds the
    loop, and the beats stop, so the refresher shows as not alive."""
    write_post(content_dir, "a.md", "title: A\ndate: 2022-01-01")
    settings = make_settings(state_dir=tmp_path / "state", refresh_interval=0.01)
    worker = RefreshWorker(settings)
    with worker.busy:  # a refresh under way, hung
        assert worker._wait(_Signals(quiet=3)) == signal.SIGTERM
    assert "refresher" not in (read_status(settings.state_dir) or {})
    assert worker._wait(_Signals(quiet=3)) == signal.SIGTERM  # idle: it beats
    status = json.loads((settings.state_dir / "status.json").read_bytes())
    assert status["refresher"]["pid"] == os.getpid()
    assert status["refresher"]["refresh_started_at"] is None
