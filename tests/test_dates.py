"""The one date parser: the fast path for common forms reads every date exactly as dateutil does."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from dateutil import parser as dateutil_parser
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc.content.dates import parse_date

SITE_ZONE = ZoneInfo("Asia/Shanghai")


def dateutil_reading(text: str, zone: dt.tzinfo) -> dt.datetime:
    """What the general path makes of a complete date: dateutil, the zone filled in."""
    parsed = dateutil_parser.parse(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


@st.composite
def common_dates(draw: st.DrawFn) -> str:
    """Dates as Jekyll, ISO 8601 writers and people type them."""
    day = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2199, 12, 31)))
    text = day.isoformat()
    if draw(st.booleans()):
        text += draw(st.sampled_from([" ", "T"]))
        text += f"{draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}"
        if draw(st.booleans()):
            text += f":{draw(st.integers(0, 59)):02d}"
            if draw(st.booleans()):
                text += "." + draw(st.text("0123456789", min_size=1, max_size=6))
        zone = draw(st.sampled_from(["", "Z", "+", "-"]))
        if zone in {"+", "-"}:
            hours, minutes = draw(st.integers(0, 14)), draw(st.sampled_from([0, 30, 45]))
            zone += f"{hours:02d}{draw(st.sampled_from(['', ':']))}{minutes:02d}"
        text += draw(st.sampled_from(["", " "])) + zone if zone else ""
    return text


@settings(max_examples=400, deadline=None)
@given(common_dates())
def test_common_forms_read_as_dateutil_reads_them(text: str) -> None:
    ours = parse_date(text, SITE_ZONE)
    theirs = dateutil_reading(text, SITE_ZONE)
    assert ours == theirs
    assert ours.utcoffset() == theirs.utcoffset()
    assert ours.isoformat() == theirs.isoformat()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2022-02-30 10:00:00 +0800", "unreadable date"),  # impossible day: dateutil words it
        ("2022-13-01", "unreadable date"),
        ("May 30", "incomplete date"),
        ("2022-05-30 25:00:00", "unreadable date"),
    ],
)
def test_impossible_and_incomplete_dates_are_refused(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_date(text, SITE_ZONE)


def test_other_forms_still_reach_dateutil() -> None:
    assert parse_date("30 May 2022 11:16 +0800", SITE_ZONE) == dt.datetime(
        2022, 5, 30, 11, 16, tzinfo=dt.timezone(dt.timedelta(hours=8))
    )
    assert parse_date(20220530, SITE_ZONE) == dt.datetime(2022, 5, 30, tzinfo=SITE_ZONE)
