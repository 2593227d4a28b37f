"""Polling hints: max-age, RSS <ttl>, sy:updatePeriod and sy:updateFrequency say one interval."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import lxml.etree
import pytest

from feedsvc.model.polling import PollingHints, polling_hints
from feedsvc.pipeline.refresh import Refresher
from feedsvc.published.manifest import current_folder
from feedsvc.web.app import cache_control

from .conftest import NOW, MakeSettings, assert_valid_atom

SY = "{http://purl.org/rss/1.0/modules/syndication/}"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize(
    ("interval", "hints"),
    [
        (60, PollingHints(max_age=60, ttl=1, update_period="hourly", update_frequency=60)),
        (300, PollingHints(max_age=300, ttl=5, update_period="hourly", update_frequency=12)),
        (90, PollingHints(max_age=90, ttl=2, update_period="hourly", update_frequency=40)),
        (0.5, PollingHints(max_age=1, ttl=1, update_period="hourly", update_frequency=7200)),
        (3600, PollingHints(max_age=3600, ttl=60, update_period="hourly", update_frequency=1)),
        (7200, PollingHints(max_age=7200, ttl=120, update_period="daily", update_frequency=12)),
        (86400 * 400, PollingHints(34560000, 576000, "yearly", 1)),
    ],
)
def test_every_hint_is_the_refresh_interval_rounded_towards_polling_less(
    make_settings: MakeSettings, interval: float, hints: PollingHints
) -> None:
    assert polling_hints(make_settings(refresh_interval=interval)) == hints


def test_documents_and_headers_say_the_same_interval(
    sample_dir: Path, make_settings: MakeSettings, tmp_path: Path
) -> None:
    settings = make_settings(refresh_interval=300, state_dir=tmp_path / "state")
    Refresher(settings).refresh(NOW)
    folder = current_folder(settings.state_dir)
    assert folder is not None
    channel = lxml.etree.fromstring((folder / "feed.rss").read_bytes()).find("channel")
    assert channel.findtext("ttl") == "5"  # minutes
    assert channel.findtext(f"{SY}updatePeriod") == "hourly"
    assert channel.findtext(f"{SY}updateFrequency") == "12"
    atom = (folder / "feed.atom").read_bytes()
    feed = lxml.etree.fromstring(atom)
    assert (feed.findtext(f"{SY}updatePeriod"), feed.findtext(f"{SY}updateFrequency")) == (
        "hourly",
        "12",
    )
    assert feed.find(f"{ATOM}entry") is not None
    assert_valid_atom(atom)  # foreign elements are allowed in atom:feed
    assert cache_control(settings).startswith("public, max-age=300,")


def test_a_new_refresh_interval_republishes_the_hints(
    sample_dir: Path, make_settings: MakeSettings, tmp_path: Path
) -> None:
    """refresh_interval does not make the service read posts again, but its documents change."""
    settings = make_settings(refresh_interval=60, state_dir=tmp_path / "state")
    Refresher(settings).refresh(NOW)
    slower = dataclasses.replace(settings, refresh_interval=600)
    report = Refresher(slower).refresh(NOW)
    assert report is not None and report.read == 0 and report.published.written > 0
    folder = current_folder(settings.state_dir)
    assert folder is not None
    channel = lxml.etree.fromstring((folder / "feed.rss").read_bytes()).find("channel")
    assert channel.findtext("ttl") == "10"
