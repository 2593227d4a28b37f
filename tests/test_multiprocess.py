"""The web workers' metrics folder: made or emptied at start, dead workers marked, removed at the
end. (Summing over real gunicorn workers: tests/test_e2e_metrics.py.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from prometheus_client import multiprocess as client

from feedsvc.web import metrics_folder as multiprocess
from feedsvc.web.metrics_folder import FOLDER_VARIABLE


@pytest.fixture(autouse=True)
def no_folder_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FOLDER_VARIABLE, raising=False)


def test_without_a_folder_named_one_is_made_and_removed_at_the_end() -> None:
    folder = multiprocess.prepare()
    assert folder.is_dir() and not any(folder.iterdir())
    assert os.environ[FOLDER_VARIABLE] == str(folder)  # what the workers inherit
    multiprocess.remove()
    assert not folder.exists()
    assert FOLDER_VARIABLE not in os.environ


def test_a_named_folder_loses_the_last_runs_counts_and_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_4242.db").write_bytes(b"a crashed run's counts")
    (folder / "README").write_text("not ours")
    monkeypatch.setenv(FOLDER_VARIABLE, str(folder))
    assert multiprocess.prepare() == folder
    assert sorted(p.name for p in folder.iterdir()) == ["README"]
    multiprocess.remove()
    assert folder.is_dir() and os.environ[FOLDER_VARIABLE] == str(folder)


def test_a_named_folder_that_does_not_exist_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FOLDER_VARIABLE, str(tmp_path / "a" / "b"))
    assert multiprocess.prepare().is_dir()


def test_a_dead_workers_counts_stay_and_its_live_gauges_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FOLDER_VARIABLE, str(tmp_path))
    for name in ("counter_7.db", "gauge_livesum_7.db", "gauge_liveall_7.db", "gauge_livesum_8.db"):
        (tmp_path / name).write_bytes(b"")
    multiprocess.mark_dead(7)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_7.db", "gauge_livesum_8.db"]


def test_marking_without_a_folder_does_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server started without prepare(): no folder to clean, so prometheus-client is not asked
    to mark anything, and no file goes, not even one here that looks like a worker's gauges."""
    marked: list[int] = []
    monkeypatch.setattr(client, "mark_process_dead", lambda pid, path=None: marked.append(pid))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gauge_livesum_7.db").write_bytes(b"")
    multiprocess.mark_dead(7)
    assert marked == []
    assert FOLDER_VARIABLE not in os.environ
    assert [p.name for p in tmp_path.iterdir()] == ["gauge_livesum_7.db"]
