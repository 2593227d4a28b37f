"""The one date parser: every date a post can carry becomes an aware datetime here."""

from __future__ import annotations

import calendar
import datetime as dt
import email.utils
import re

from dateutil import parser as dateutil_parser

# Two defaults that differ in year, month and day: a part the text leaves out shows up as a
# difference between the two parses, so "May 30" is refused instead of silently taking this year.
_DEFAULT_A = dt.datetime(2001, 1, 1)  # noqa: DTZ001 - a parse default, the zone comes from the text
_DEFAULT_B = dt.datetime(2002, 2, 2)  # noqa: DTZ001 - as above
FILE_NAME_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-")
# The forms Jekyll writes and nearly every post uses (`2022-05-30 11:16:46 +0800`, ISO 8601, a bare
# date), read directly: dateutil's general parser, run twice, costs about 0.1 ms a date, a large
# share of reading 100,000 posts. Anything else (or anything this rejects) goes to dateutil.
_COMMON_FORM = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?"
    r" ?(?:(Z)|([+-])([01]\d|2[0-3]):?([0-5]\d))?)?",
    re.ASCII,
)


# A YAML 1.1 timestamp with a time and no zone, as Ruby's YAML (Psych, safe_yaml) matches one.
ZONELESS_YAML_TIME = re.compile(
    r"-?\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|[ \t\n\v\f\r]+)\d{1,2}:\d\d:\d\d(?:\.\d*)?", re.ASCII
)


class ZonelessYamlTime(str):
    """A front-matter value written as a YAML timestamp without a zone, unquoted (`date:
    2022-05-23 09:15:00`): Ruby's YAML, and so Jekyll, reads it in UTC, where the same text
    quoted, or without seconds, is a string Jekyll reads in the site's zone."""

    __slots__ = ()


def parse_jekyll_date(value: object, zone: dt.tzinfo) -> dt.datetime:
    """A front-matter date as Jekyll reads it: as parse_date does, except that an unquoted YAML
    timestamp without a zone is in UTC; shown in the site's `zone` (its day makes the URL)."""
    if isinstance(value, ZonelessYamlTime):
        return parse_date(value, dt.UTC).astimezone(zone)
    return parse_date(value, zone)


def parse_date(value: object, zone: dt.tzinfo) -> dt.datetime:
    """Read a front matter date as Jekyll accepts it, as an aware datetime.

    Accepts `2022-05-30 11:16:46 +0800`, ISO 8601 with or without a zone, a bare date, and numbers
    such as 20220530. A date or time without a zone is taken in the site's `zone`. Raises ValueError
    saying what is wrong, for an impossible date or text that is not a complete date.
    """
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=zone)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a date, got {type(value).__name__} {value!r}")
    text = value.strip()
    common = _common_form(text, zone)
    if common is not None:
        return common
    try:
        first = dateutil_parser.parse(text, default=_DEFAULT_A)
        second = dateutil_parser.parse(text, default=_DEFAULT_B)
    except (dateutil_parser.ParserError, ValueError, OverflowError) as exc:
        raise ValueError(f"unreadable date {text!r}: {_reason(exc)}") from None
    if first.date() != second.date():
        raise ValueError(f"incomplete date {text!r}: it needs a year, a month and a day")
    return first if first.tzinfo else first.replace(tzinfo=zone)


def _common_form(text: str, zone: dt.tzinfo) -> dt.datetime | None:
    """The date in one of the common forms, as dateutil would read it; None for any other text,
    and for impossible values (dateutil then words the error)."""
    match = _COMMON_FORM.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, utc, sign, zone_h, zone_m = match.groups()
    if utc:
        tzinfo: dt.tzinfo = dt.UTC
    elif sign:
        offset = dt.timedelta(hours=int(zone_h), minutes=int(zone_m))
        tzinfo = dt.timezone(-offset if sign == "-" else offset)
    else:
        tzinfo = zone
    try:
        return dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=tzinfo,
        )
    except ValueError:
        return None


# Ruby's Time.parse reads a date and time from the start of the text and a zone from its end,
# passing over what lies between: `2023-01-29 18:30:22 2023 -0800` (a real post's date, which
# Jekyll publishes) is 18:30:22 at -08:00. dateutil refuses such text.
_RUBY_READABLE = re.compile(
    r"(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?)[\s\d]*?(?:\s(Z|[+-]\d{2}:?\d{2}))?\s*",
    re.ASCII,
)


def parse_date_as_ruby(text: str, zone: dt.tzinfo) -> dt.datetime | None:
    """A date dateutil refuses read as Jekyll's Ruby reads it, or None when Ruby would not
    either (as far as this knows): for a warning rather than a dropped post."""
    match = _RUBY_READABLE.fullmatch(text.strip())
    if match is None:
        return None
    return _common_form(f"{match.group(1)} {match.group(2) or ''}".strip(), zone)


def date_from_file_name(name: str, zone: dt.tzinfo) -> dt.datetime | None:
    """The date of a Jekyll-style `YYYY-MM-DD-title` file name, at midnight; None without one."""
    match = FILE_NAME_DATE.match(name)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    try:
        return dt.datetime(year, month, day, tzinfo=zone)
    except ValueError as exc:
        raise ValueError(f"impossible date in file name {name!r}: {exc}") from None


def _reason(exc: Exception) -> str:
    """dateutil repeats the input in its messages; keep only the why."""
    message = str(exc)
    return message.split(":")[0] if ": " in message else message


# The text forms Hugo 0.111 reads as a date (the spf13/cast layouts it tries), the ISO ones here;
# RFC 822/1123 forms (`Mon, 02 Jan 2006 15:04:05 -0700`) go to email.utils. Anything else, even
# `2023-01-02 10:00` (no seconds), is no date to Hugo: the next front-matter key is tried.
_HUGO_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):?(\d{2}))?)"
    r"|(?: (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?: ?(?:(Z)|([+-])(\d{2}):?(\d{2}))(?: [A-Z]{3,5})?)?))?",
    re.ASCII,
)
_HUGO_DAY_MONTH_YEAR = re.compile(r"(\d{2}) ([A-Z][a-z]{2}) (\d{4})", re.ASCII)  # 02 Jan 2006
_MONTHS = {name: n for n, name in enumerate(calendar.month_abbr) if name}


def parse_hugo_date(value: object, zone: dt.tzinfo) -> dt.datetime | None:
    """A front-matter value as Hugo reads a date, or None where Hugo sees none (and goes on to
    its next date key). A date or time without a zone is in the site's `zone`; a number is Unix
    seconds."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=zone)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(int(value), dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        match = _HUGO_ISO.fullmatch(text)
        if match is not None:
            return _hugo_iso(match, zone)
        match = _HUGO_DAY_MONTH_YEAR.fullmatch(text)
        if match is not None and match.group(2) in _MONTHS:
            day, month, year = int(match.group(1)), _MONTHS[match.group(2)], int(match.group(3))
            return dt.datetime(year, month, day, tzinfo=zone)
        if "," in text or text[:3].isalpha():
            parsed = email.utils.parsedate_to_datetime(text)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
    except (ValueError, TypeError, IndexError):
        return None
    return None


def _hugo_iso(match: re.Match[str], zone: dt.tzinfo) -> dt.datetime:
    groups = match.groups()
    year, month, day = int(groups[0]), int(groups[1]), int(groups[2])
    t_form, space_form = groups[3:11], groups[11:19]
    hour, minute, second, fraction, utc, sign, zone_h, zone_m = (
        t_form if t_form[0] is not None else space_form
    )
    tzinfo: dt.tzinfo = zone
    if utc:
        tzinfo = dt.UTC
    elif sign:
        offset = dt.timedelta(hours=int(zone_h), minutes=int(zone_m))
        tzinfo = dt.timezone(-offset if sign == "-" else offset)
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    return dt.datetime(
        year, month, day, int(hour or 0), int(minute or 0), int(second or 0), micro, tzinfo=tzinfo
    )
