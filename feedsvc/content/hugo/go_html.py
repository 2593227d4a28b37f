"""What Go's html/template does to a value in Hugo's templates (escaping for text and attributes,
URLs filtered and normalised), how Go prints a value, and Hugo's StripHTML: so that a shortcode's
HTML and a summary's text are the bytes Hugo writes."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;", "+": "&#43;",
         "\0": "\ufffd"}  # fmt: skip
_HTML_CHARS = re.compile("[&<>\"'+\0]")
_URL_KEEP = frozenset("-._~abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_URL_RESERVED = frozenset("!#$&*+,/:;=?@[]")
_HEX = frozenset("0123456789abcdefABCDEF")
_NEWLINE_MARK = "___hugonl_"
_BEFORE_STRIP = re.compile(r"\n|</p>|<br>|<br />")
# A run of white space as Go's unicode.IsSpace sees it (Python's also counts \x1c-\x1f).
_SPACE_RUN = re.compile(r"([^\S\x1c-\x1f])[^\S\x1c-\x1f]+")
# What Go's stripTags drops: a script or style element with its content, a comment, a tag
# (whose quoted attribute values may hold `>`), a declaration.
_TAG = re.compile(
    r"<(script|style)\b[^>]*>.*?</(?i:\1)\s*>|<!--.*?-->"
    r"|</?[A-Za-z][^\"'>]*(?:(?:\"[^\"]*\"|'[^']*')[^\"'>]*)*>|<![^>]*>",
    re.S | re.I,
)


def escape(value: object) -> str:
    """A value printed into HTML text or a quoted attribute, as html/template escapes it."""
    return _HTML_CHARS.sub(lambda found: _HTML[found[0]], go_print(value))


def url(value: object, part: str = "start") -> str:
    """A value printed into a URL attribute, escaped for the attribute as well: at the URL's
    start (`start`: a scheme other than http, https or mailto gives `#ZgotmplZ`), later in its
    path (`path`), or in its query (`query`, where reserved characters are escaped too)."""
    text = go_print(value)
    if part == "start":
        scheme, colon, _ = text.partition(":")
        if colon and "/" not in scheme and scheme.lower() not in ("http", "https", "mailto"):
            return "#ZgotmplZ"
    out = []
    data = text.encode("utf-8")
    for i, byte in enumerate(data):
        char = chr(byte)
        keep = char in _URL_KEEP or (part != "query" and char in _URL_RESERVED)
        valid_escape = char == "%" and part != "query" and i + 2 < len(data)
        if keep or (valid_escape and {chr(data[i + 1]), chr(data[i + 2])} <= _HEX):
            out.append(char)
        else:
            out.append(f"%{byte:02x}")
    return escape("".join(out))


def go_print(value: object) -> str:
    """A value as Go's fmt prints it in a template: true/false, 42, 1.5, [a b], map[k:v]."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, dt.date):  # a date Hugo keeps as written (ISO 8601)
        return value.isoformat()
    if isinstance(value, Mapping):
        items = sorted((str(key), go_print(item)) for key, item in value.items())
        return "map[" + " ".join(f"{key}:{item}" for key, item in items) + "]"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "[" + " ".join(go_print(item) for item in value) + "]"
    return str(value)


def _go_float(value: float) -> str:
    """Go's %v for a float64: the shortest repr, with an exponent from 1e21 up."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, _, exponent = text.partition("e")
        sign = "-" if exponent.startswith("-") else "+"
        return f"{mantissa}e{sign}{exponent.lstrip('+-').rjust(2, '0')}"
    return text


def go_time(value: dt.date) -> str:
    """A time as Go prints a time.Time: `2023-01-02 15:04:05 +0000 UTC` (a date at midnight,
    a time without a zone in UTC)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    offset = value.strftime("%z")
    zone = "UTC" if offset == "+0000" else offset
    fraction = f".{value.microsecond:06d}".rstrip("0") if value.microsecond else ""
    return f"{value:%Y-%m-%d %H:%M:%S}{fraction} {offset} {zone}"


def truthy(value: object) -> bool:
    """Whether Go's templates take `value` as true in `if`, `with`, `and`, `or`."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str | Mapping | Sequence):
        return len(value) > 0
    return value is not None


def strip_html(html: str) -> str:
    """Hugo's StripHTML: tags and comments out, a paragraph's end or a <br> a line break, other
    line breaks spaces, and each run of white space down to its first character. Entities stay
    as written."""
    if "<" not in html and ">" not in html:
        return html
    text = _BEFORE_STRIP.sub(lambda found: " " if found[0] == "\n" else _NEWLINE_MARK, html)
    text = _TAG.sub("", text).replace(_NEWLINE_MARK, "\n")
    return _SPACE_RUN.sub(r"\1", text)
