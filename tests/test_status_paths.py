"""/status.json and /metrics name no path of the server: a bad file by its path in the content
directory, nothing outside it, no symlink's target, the state folder as `<state_dir>`."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from feedsvc.pipeline.refresh import Refresher
from feedsvc.published.disk import atomic_write
from feedsvc.state.status import StatusFile
from feedsvc.web.app import create_app

from .conftest import NOW, MakeSettings, write_post


def _server_paths(tmp_path: Path) -> list[str]:
    """Every form of the test's folders a leak would show: as made and as resolved."""
    return [str(tmp_path), str(tmp_path.resolve())]


def test_status_and_metrics_show_bad_files_by_their_path_in_the_content_directory(
    make_settings: MakeSettings, tmp_path: Path
) -> None:
    """The content directory and the state folder both reached through symlinks, bad files in a
    subfolder, a symlink to a file outside, a broken one: status.json named each by its absolute
    path, and the outside one's target."""
    site = tmp_path / "real" / "site"
    write_post(site, "good.md", "title: Good\ndate: 2022-01-01")
    write_post(site / "posts" / "2022", "bad.md", "date: 2022-01-01")
    secret = tmp_path / "outside" / "secret-target.md"
    write_post(secret.parent, secret.name, "title: Secret\ndate: 2022-01-01")
    (site / "escape.md").symlink_to(secret)
    (site / "gone.md").symlink_to(tmp_path / "nowhere.md")
    (tmp_path / "site-link").symlink_to(site)
    (tmp_path / "real" / "state").mkdir()
    (tmp_path / "state-link").symlink_to(tmp_path / "real" / "state")
    settings = make_settings(content_dir=tmp_path / "site-link", state_dir=tmp_path / "state-link")
    Refresher(settings).refresh(NOW)
    client = create_app(settings).test_client()
    status = client.get("/status.json")
    metrics = client.get("/metrics")
    assert status.status_code == metrics.status_code == 200
    assert {bad["path"]: bad["reason"] for bad in status.json["bad_files"]} == {  # type: ignore[index]
        "escape.md": "symlink points outside the content directory",
        "gone.md": "broken symlink or file vanished",
        "posts/2022/bad.md": "no title: front matter needs `title: ...`",
    }
    for body in (status.text, metrics.text, (settings.state_dir / "status.json").read_text()):
        for leak in [*_server_paths(tmp_path), "secret-target"]:
            assert leak not in body


def test_a_failed_refresh_names_the_content_directory_not_its_path(
    make_settings: MakeSettings, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    write_post(site, "good.md", "title: Good\ndate: 2022-01-01")
    settings = make_settings(content_dir=site, state_dir=tmp_path / "state")
    refresher = Refresher(settings)
    refresher.refresh(NOW)
    shutil.rmtree(site)
    refresher.refresh(NOW)
    status = create_app(settings).test_client().get("/status.json")
    assert status.json["error"] == "content directory <content_dir> is missing or not a directory"  # type: ignore[index]
    assert not any(leak in status.text for leak in _server_paths(tmp_path))


def test_the_state_folder_is_named_as_such_in_any_text(tmp_path: Path) -> None:
    """As an OSError's text names the file it failed on (a full disk, a read-only remount)."""
    state = tmp_path / "state"
    state.mkdir()
    content = state / "content"  # a content directory inside the state folder, and vice versa
    status = StatusFile(state, atomic_write, content_dir=content)
    status.record_refresh(
        NOW,
        1.0,
        error=f"[Errno 28] No space left on device: '{state}/generations/00000002/feed.atom'; "
        f"{content}/a.md; {content}; {state}; {state}-other/x; {os.sep}",  # -other: not it
    )
    written = json.loads((state / "status.json").read_text())
    assert written["error"] == (
        "[Errno 28] No space left on device: '<state_dir>/generations/00000002/feed.atom'; "
        f"a.md; <content_dir>; <state_dir>; {state}-other/x; /"
    )
