"""`feedsvc serve`'s refresher, supervised: restarted after kill -9 or a crash (with growing
pauses), seen dead or stuck in /status.json, /metrics and the log, and reloaded with the web
server on SIGHUP; a lone `feedsvc worker` reloads itself on SIGHUP. Real processes throughout."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from feedsvc.service.supervisor import Backoff, RefresherSupervisor
from feedsvc.service.web_server import _Reload
from feedsvc.settings import load_settings

from .conftest import MakeSettings, parse_feed, read_metrics, write_post
from .servers import Server, feedsvc_server
from .test_refresh import _killed_at_the_end, _running, _worker, wait_for

INTERVAL = 0.5  # seconds between refreshes: the heartbeat's period, so dead after 1 s of silence


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A settings file (FEEDSVC_CONFIG) with the site's title and a short refresh interval."""
    path = tmp_path / "feedsvc.toml"
    _configure(path, "Before", INTERVAL)
    return path


@pytest.fixture
def site(content_dir: Path) -> Path:
    for number in range(1, 4):
        write_post(content_dir, f"p{number}.md", f"title: Post {number}\ndate: 2022-01-0{number}")
    return content_dir


def _configure(path: Path, title: str, interval: float) -> None:
    path.write_text(f'site_title = "{title}"\nrefresh_interval = {interval}\n', encoding="utf-8")


def _get(server: Server, path: str) -> tuple[bytes, Any]:
    with urllib.request.urlopen(server.url + path, timeout=5) as response:
        return response.read(), response.headers


def _status(server: Server) -> dict[str, Any]:
    status: dict[str, Any] = json.loads(_get(server, "status.json")[0])
    return status


def _refresher_up(server: Server) -> float:
    return read_metrics(_get(server, "metrics")[0].decode())["feedsvc_refresher_up"]


def _alive_refresher(server: Server, other_than: int | None = None) -> int:
    """The pid of the refresher, once /status.json says one (not `other_than`) is alive."""
    found: list[int] = []

    def alive() -> bool:
        status = _status(server)
        pid = status.get("refresher", {}).get("pid")
        if status["refresher_alive"] and pid != other_than:
            found.append(pid)
        return bool(found)

    wait_for(alive)
    return found[0]


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])


def _feed_title(server: Server) -> str:
    return str(parse_feed(_get(server, "feed.atom")[0]).feed.title)


def _entry_titles(server: Server) -> list[str]:
    return [entry.title for entry in parse_feed(_get(server, "feed.atom")[0]).entries]


def test_a_killed_refresher_is_restarted_and_shown_dead_meanwhile(
    site: Path, config: Path, tmp_path: Path
) -> None:
    env = {"FEEDSVC_CONFIG": str(config)}
    with feedsvc_server("serve", site, tmp_path / "state", tmp_path, env) as server:
        first = _alive_refresher(server)
        assert _parent(first) == server.process.pid
        os.kill(first, signal.SIGKILL)
        seen = {"status": False, "metrics": False}  # said dead, before the new one reports

        def restarted() -> bool:
            status = _status(server)
            if status["refresher"]["pid"] == first and not status["refresher_alive"]:
                seen["status"] = True
                seen["metrics"] |= _refresher_up(server) == 0
            return status["refresher_alive"] and status["refresher"]["pid"] != first

        wait_for(restarted)
        assert seen == {"status": True, "metrics": True}
        second = _status(server)["refresher"]["pid"]
        assert _parent(second) == server.process.pid
        write_post(site, "p1.md", "title: Changed after the restart\ndate: 2022-01-01")
        wait_for(lambda: "Changed after the restart" in _entry_titles(server))
        log = server.log.read_text()
    assert f"ERROR: refresher (pid {first}) was killed by SIGKILL after " in log, log
    assert "; starting it again in 1 s" in log
    assert f"INFO: refresher started (pid {second})" in log


def test_a_stuck_refresher_shows_as_not_alive_and_in_the_log(
    site: Path, config: Path, tmp_path: Path
) -> None:
    """SIGSTOP stands for a refresh that hangs: the heartbeat comes from the refresh loop, so
    either way it stops. /status.json, /metrics and the log say so within two intervals, and
    say it again once the refresher speaks (SIGCONT)."""
    env = {"FEEDSVC_CONFIG": str(config)}
    with feedsvc_server("serve", site, tmp_path / "state", tmp_path, env) as server:
        pid = _alive_refresher(server)
        os.kill(pid, signal.SIGSTOP)
        try:
            wait_for(lambda: not _status(server)["refresher_alive"] and _refresher_up(server) == 0)
            wait_for(lambda: f"refresher (pid {pid}) silent for " in server.log.read_text())
            status = _status(server)
            assert status["heartbeat_age_seconds"] > 2 * INTERVAL
        finally:
            os.kill(pid, signal.SIGCONT)
        assert _alive_refresher(server) == pid  # the same process, at work again
        wait_for(lambda: f"refresher (pid {pid}) reports again" in server.log.read_text())


@pytest.mark.parametrize("kind", ["serve", "granian"])
def test_sighup_reloads_the_settings_of_the_web_server_and_the_refresher(
    site: Path, config: Path, tmp_path: Path, kind: str
) -> None:
    """A hang-up to the whole process group, as a closing terminal sends it: the server keeps
    answering, its workers restart with the settings read again (Cache-Control follows the new
    refresh interval), and so does the refresher (the feed takes the new title)."""
    env = {"FEEDSVC_CONFIG": str(config)}
    with feedsvc_server(kind, site, tmp_path / "state", tmp_path, env) as server:
        first = _alive_refresher(server)
        assert _feed_title(server) == "Before"
        assert "max-age=1," in _get(server, "feed.atom")[1]["Cache-Control"]
        _configure(config, "After", 2)
        failures: list[str] = []
        done = threading.Event()

        def poll_health() -> None:
            while not done.is_set():
                try:
                    _get(server, "healthz")
                except (urllib.error.URLError, OSError) as exc:
                    failures.append(repr(exc))
                done.wait(0.02)

        poller = threading.Thread(target=poll_health)
        poller.start()
        try:
            os.killpg(server.process.pid, signal.SIGHUP)
            wait_for(lambda: _feed_title(server) == "After")
            wait_for(lambda: "max-age=2," in _get(server, "feed.atom")[1]["Cache-Control"])
            second = _alive_refresher(server, other_than=first)
        finally:
            done.set()
            poller.join()
        assert failures == []
        assert server.process.poll() is None
        assert not _running(first) and _parent(second) == server.process.pid
        write_post(site, "p2.md", "title: Changed after the reload\ndate: 2022-01-02")
        wait_for(lambda: "Changed after the reload" in _entry_titles(server))
        log = server.log.read_text()
    assert "reloading: the refresher restarts with the settings read again" in log
    assert f"refresher (pid {first}) exited with status 0, for the reload" in log
    assert "Traceback" not in log, log


def test_sighup_makes_a_lone_worker_start_again_with_its_settings_read_again(
    make_settings: MakeSettings, site: Path, config: Path, tmp_path: Path
) -> None:
    settings = make_settings(state_dir=tmp_path / "state")
    log = tmp_path / "worker.log"
    current = settings.state_dir / "current" / "feed.atom"

    def title() -> str:
        return str(parse_feed(current.read_bytes()).feed.title) if current.exists() else ""

    with _killed_at_the_end(_worker(settings, log, FEEDSVC_CONFIG=str(config))) as worker:
        wait_for(lambda: title() == "Before")
        _configure(config, "After", INTERVAL)
        worker.send_signal(signal.SIGHUP)
        wait_for(lambda: title() == "After" or worker.poll() is not None)
        assert worker.poll() is None  # the same process, started again
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=10) == 0
    output = log.read_text(encoding="utf-8")
    assert "stopping (signal 1) to reload" in output
    assert "reloading: starting again with the settings read again" in output


@pytest.mark.parametrize(
    ("code", "ending"),
    [
        ("raise SystemExit(3)", "exited with status 3"),
        ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", "was killed by SIGKILL"),
    ],
)
def test_a_refresher_failing_at_start_is_restarted_after_longer_and_longer_pauses(
    make_settings: MakeSettings,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    code: str,
    ending: str,
) -> None:
    settings = make_settings(state_dir=tmp_path / "state")
    supervisor = RefresherSupervisor(
        settings,
        command=lambda settings: [sys.executable, "-c", code],
        backoff=Backoff(first=0.05, longest=0.2, steady=60),
    )

    def exits() -> list[str]:
        return [r.getMessage() for r in caplog.records if ending in r.getMessage()]

    with caplog.at_level(logging.INFO, logger="feedsvc.service.supervisor"):
        supervisor.start()
        try:
            wait_for(lambda: len(exits()) >= 5)
        finally:
            supervisor.stop()
    pauses = [float(re.findall(r"starting it again in ([\d.]+) s", line)[0]) for line in exits()]
    assert pauses[:5] == [0.05, 0.1, 0.2, 0.2, 0.2]
    assert all(re.match(rf"refresher \(pid \d+\) {ending} after ", line) for line in exits())


def test_backoff_starts_again_after_a_refresher_that_ran_a_while() -> None:
    backoff = Backoff(first=1, longest=8, steady=60)
    assert [backoff.after(5) for _ in range(5)] == [1, 2, 4, 8, 8]
    assert backoff.after(61) == 1  # it had run: a new failure, not the same one again
    assert backoff.after(0) == 2
    backoff.reset()
    assert backoff.after(0) == 1


def test_the_supervisor_logs_a_refresher_that_falls_silent(
    make_settings: MakeSettings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A refresher that beats once, then never again (it hangs): the supervisor says so."""
    settings = make_settings(state_dir=tmp_path / "state", refresh_interval=0.2)
    settings.state_dir.mkdir()
    beat_once = (
        "import datetime as dt, os, sys, time; from pathlib import Path;"
        "from feedsvc.published.disk import atomic_write;"
        "from feedsvc.state.heartbeat import Heartbeat, record_heartbeat;"
        "from feedsvc.state.status import StatusFile;"
        "status = StatusFile(Path(sys.argv[1]), atomic_write);"
        "record_heartbeat(status, Heartbeat(os.getpid(), dt.datetime.now(dt.UTC), 0.2, None));"
        "time.sleep(60)"
    )
    supervisor = RefresherSupervisor(
        settings,
        command=lambda settings: [sys.executable, "-c", beat_once, str(settings.state_dir)],
    )

    def silent() -> bool:
        return any("silent for" in record.getMessage() for record in caplog.records)

    with caplog.at_level(logging.INFO, logger="feedsvc.service.supervisor"):
        supervisor.start()
        try:
            wait_for(silent, seconds=10)
        finally:
            supervisor.stop()
    warning = next(r for r in caplog.records if "silent for" in r.getMessage())
    assert warning.levelno == logging.WARNING
    assert re.match(
        r"refresher \(pid \d+\) silent for [\d.]+ s \(it reports every 0.2 s\)",
        warning.getMessage(),
    )


def test_a_refresher_started_by_a_process_that_is_gone_does_not_start(
    make_settings: MakeSettings, site: Path, tmp_path: Path
) -> None:
    """`--supervised-by` a process that is not its parent (its supervisor died as it started):
    it leaves at once instead of refreshing on, unsupervised."""
    settings = make_settings(state_dir=tmp_path / "state")
    variables = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSVC_")}
    variables.update(
        FEEDSVC_CONTENT_DIR=str(settings.content_dir),
        FEEDSVC_STATE_DIR=str(settings.state_dir),
        FEEDSVC_SITE_URL=settings.site_url,
    )
    result = subprocess.run(
        [sys.executable, "-m", "feedsvc", "worker", "--supervised-by", "1"],
        env=variables,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "the serving process (pid 1) is gone: not starting" in result.stderr
    assert not (settings.state_dir / "current").exists()


def test_a_reload_with_a_broken_config_file_keeps_the_settings_in_use(
    make_settings: MakeSettings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(state_dir=tmp_path / "state")
    supervisor = RefresherSupervisor(settings)  # not started: reload only notes the settings
    broken = tmp_path / "feedsvc.toml"
    broken.write_text("site_title = \n", encoding="utf-8")
    reload = _Reload(settings, supervisor, lambda: load_settings(broken, env={}))
    with caplog.at_level(logging.ERROR, logger="feedsvc.service.web_server"):
        assert reload() is settings
    assert supervisor.settings is settings
    assert f"settings not reloaded, the ones in use stay: {broken}: " in caplog.text
