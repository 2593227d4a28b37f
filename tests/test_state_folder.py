"""The default state folder: one per site, under XDG_STATE_HOME when it is set, found again by the
same site however its folder is named; and a second site served with the defaults never serves the
first one's feeds."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from feedsvc.setting_values import default_state_dir, state_key
from feedsvc.settings import load_settings, load_settings_with_sources

from .conftest import parse_feed, write_post
from .servers import feedsvc_server


def _site(folder: Path, title: str) -> Path:
    folder.mkdir(parents=True)
    write_post(folder, "post.md", f"title: {title}\ndate: 2024-05-01 10:00:00")
    return folder


def test_two_sites_get_two_state_folders(tmp_path: Path) -> None:
    home = {"XDG_STATE_HOME": str(tmp_path / "xdg")}
    blog = load_settings(env=home, overrides={"content_dir": _site(tmp_path / "blog", "A")})
    other = load_settings(env=home, overrides={"content_dir": _site(tmp_path / "a" / "blog", "B")})
    assert blog.state_dir != other.state_dir
    assert blog.state_dir.parent == other.state_dir.parent == tmp_path / "xdg" / "feedsvc"
    assert blog.state_dir.name.startswith("blog-") and other.state_dir.name.startswith("blog-")


def test_xdg_state_home_is_honoured_when_absolute(tmp_path: Path) -> None:
    site = _site(tmp_path / "site", "A")
    key = state_key(site)
    assert default_state_dir(site, {"XDG_STATE_HOME": "/srv/state"}) == Path(
        "/srv/state/feedsvc", key
    )
    local = Path.home() / ".local" / "state" / "feedsvc" / key
    for unset in ({}, {"XDG_STATE_HOME": ""}, {"XDG_STATE_HOME": "relative/state"}):
        assert default_state_dir(site, unset) == local, unset  # the spec: a relative one is invalid


def test_the_same_folder_by_any_path_is_the_same_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path / "sites" / "my blog", "A")
    (tmp_path / "link").symlink_to(site)
    monkeypatch.chdir(tmp_path / "sites")
    keys = {
        state_key(path)
        for path in (site, tmp_path / "link", Path("my blog"), Path("../sites/my blog"))
    }
    assert len(keys) == 1
    (key,) = keys
    assert key.startswith("my-blog-") and len(key) == len("my-blog-") + 8  # readable, short hash


def test_a_state_dir_given_wins(tmp_path: Path) -> None:
    site = _site(tmp_path / "site", "A")
    config = tmp_path / "feedsvc.toml"
    config.write_text('state_dir = "state-from-file"\n')
    chosen, sources = load_settings_with_sources(
        config, env={"XDG_STATE_HOME": str(tmp_path)}, overrides={"content_dir": site}
    )
    assert chosen.state_dir == tmp_path / "state-from-file"
    env = {"FEEDSVC_STATE_DIR": str(tmp_path / "state-from-env")}
    assert load_settings(env=env, overrides={"content_dir": site}).state_dir == Path(
        env["FEEDSVC_STATE_DIR"]
    )
    _, sources = load_settings_with_sources(env={}, overrides={"content_dir": site})
    assert sources["state_dir"] == "one per content directory"


def test_a_second_site_served_with_the_defaults_never_serves_the_firsts_feeds(
    tmp_path: Path,
) -> None:
    """`feedsvc serve` of site A, stopped, then of site B, neither given a state_dir: B's first
    answer is B's feed (with one state folder per user, B served A's feeds until its first
    refresh, 9 s later)."""
    env = {"HOME": str(tmp_path / "home"), "XDG_STATE_HOME": ""}
    titles = {}
    for name in ("alpha", "beta"):
        site = _site(tmp_path / name, f"The {name} post")
        with feedsvc_server("serve", site, None, tmp_path, env=env) as server:
            with urllib.request.urlopen(server.url + "feed.atom", timeout=10) as response:
                feed = parse_feed(response.read())
            titles[name] = (feed.feed.title, [entry.title for entry in feed.entries])
    assert titles == {"alpha": ("alpha", ["The alpha post"]), "beta": ("beta", ["The beta post"])}
    folders = sorted(path.name for path in (tmp_path / "home/.local/state/feedsvc").iterdir())
    assert [folder.split("-")[0] for folder in folders] == ["alpha", "beta"]
