"""Jekyll 4.3's own Liquid filters (and its where, sort and date) for python-liquid."""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

from liquid import RenderContext, TokenStream, is_undefined
from liquid.builtin.expressions import BooleanExpression, tokenize
from liquid.filter import with_context
from liquid.token import TOKEN_EXPRESSION, Token

from feedsvc.content.dates import parse_jekyll_date

Filter = Callable[..., object]

# RFC 3986 characters Addressable leaves alone when it normalizes a URL's path, query and fragment
# (quote() keeps letters, digits and `_.-~` itself).
_PATH_SAFE = "!$&'()*+,;=:@/"
_QUERY_SAFE = _PATH_SAFE + "?"
_URI_SAFE = _QUERY_SAFE + "#[]"  # uri_escape keeps every reserved character
_ESCAPE = re.compile(r"(%[0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}
_SPACES = " \t\n\v\f\r"  # Ruby's \s and String#split: ASCII white space only
_WORD = re.compile(f"[^{_SPACES}]+")
_WORD_NEXT = re.compile(r".\w", re.S).match
_DDS = re.compile(r"\d\ds").match  # a quote before `80s` is an apostrophe
# \p{Han}\p{Katakana}\p{Hiragana}\p{Hangul}, as code point ranges (Python's re has no scripts).
_CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3041-\u3096\u309d-\u309f"
    "\u30a1-\u30fa\u30fd-\u30ff\u3131-\u318e\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f"
    "\uac00-\ud7ff\uf900-\ufaff\uff66-\uff9d\uffa0-\uffdc\U00020000-\U0003134f"
)
_CJK_CHAR = re.compile(f"[{_CJK}]")
_NON_CJK_WORD = re.compile(f"[^{_CJK}{_SPACES}]+")
_INTEGER_LIKE = re.compile(r"\A\s*-?\d+\s*\Z")
_FLOAT_LIKE = re.compile(r"\A\s*-?(?:\d+\.?\d*|\.\d+)\s*\Z")
_SLUG_KEEP: dict[str, Callable[[str], bool]] = {  # Jekyll's slugify modes: which characters stay
    "raw": lambda ch: ch not in _SPACES,
    "default": lambda ch: unicodedata.category(ch)[0] in "LM" or unicodedata.category(ch) == "Nd",
    "pretty": lambda ch: _SLUG_KEEP["default"](ch) or ch in "._~!$&'()+,;=@",
    "ascii": lambda ch: ch.isascii() and ch.isalnum(),
}
_SMART_TOKEN = re.compile(
    r"<!--.*?-->|</?[A-Za-z][^<>]*>|&(?:\w+|#\d+|#x[0-9A-Fa-f]+);"  # kept as written
    r"|\\<<|\\>>|<< | >>|<<|>>|---|--|\.\.\.|[\"'<>&]",
    re.S,
)
_SMART_SYMBOLS = {
    "---": "—", "--": "–", "...": "…", "<<": "«", ">>": "»",
    "<< ": "«\u00a0", " >>": "\u00a0»", "\\<<": "&lt;&lt;", "\\>>": "&gt;&gt;",
    "<": "&lt;", ">": "&gt;", "&": "&amp;",
}  # fmt: skip
_QUOTES = {('"', True): "“", ('"', False): "”", ("'", True): "‘", ("'", False): "’"}
_PUNCTUATION = "!\"#$%'()*+,-./:;<=>?@[\\]^_`{|}~"


def ruby_str(value: object) -> str:
    """What Ruby's to_s gives for a Liquid value (nil is empty, booleans are lower case)."""
    if value is None or is_undefined(value):
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def relative_url(value: object, *, baseurl: str) -> str | None:
    """Jekyll's relative_url: the site's baseurl put before a path, unless it is absolute."""
    if value is None or is_undefined(value):
        return None
    text = str(value)
    if urlsplit(text).scheme:
        return text
    parts = (baseurl.rstrip("/"), text)
    return _normalize("".join(p if not p or p.startswith("/") else "/" + p for p in parts))


def _absolute_url(value: object, *, url: str, baseurl: str) -> str | None:
    """Jekyll's absolute_url: relative_url with the site's url before it."""
    if value is None or is_undefined(value) or urlsplit(str(value)).scheme:
        return relative_url(value, baseurl=baseurl)
    path = relative_url(value, baseurl=baseurl) or ""
    return _normalize(url + path) if url else path


@functools.lru_cache(maxsize=4096)  # post URLs repeat across bodies, as Jekyll's cache assumes
def _normalize(url: str) -> str:
    """A URL as Addressable's normalize writes it: scheme and host lower case, default port and
    dot segments gone, an empty path with a host made `/`, unsafe characters percent-encoded."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    scheme = scheme.lower()
    userinfo, at, host = netloc.rpartition("@")
    host = host.lower().removesuffix(_DEFAULT_PORTS.get(scheme, "\0"))
    path = _encode(_remove_dot_segments(path), _PATH_SAFE) or ("/" if host else "")
    query, fragment = _encode(query, _QUERY_SAFE), _encode(fragment, _QUERY_SAFE)
    return urlunsplit((scheme, userinfo + at + host, path, query, fragment))


def _encode(text: str, safe: str) -> str:
    """Percent-encode what `safe` does not keep; keep valid %XX escapes (decoding unreserved
    characters), as Addressable does."""
    pieces = _ESCAPE.split(unicodedata.normalize("NFC", text))
    for index in range(1, len(pieces), 2):
        char = chr(int(pieces[index][1:], 16))
        pieces[index] = char if char in _UNRESERVED else pieces[index].upper()
    return "".join(p if i % 2 else quote(p, safe=safe) for i, p in enumerate(pieces))


def _remove_dot_segments(path: str) -> str:
    """The path with `.` and `..` segments resolved (RFC 3986, 5.2.4)."""
    if "." not in path:
        return path
    parts, kept = path.split("/"), list[str]()
    for index, part in enumerate(parts):
        if part not in (".", ".."):
            kept.append(part)
            continue
        if part == ".." and len(kept) > 1:
            kept.pop()
        if index == len(parts) - 1:
            kept.append("")
    return "/".join(kept)


def to_time(value: object, *, now: dt.datetime, zone: dt.tzinfo) -> dt.datetime | None:
    """A Liquid date input as an aware datetime, as Liquid's Utils.to_date reads it: a time, a
    date, seconds since 1970 (a number or digits), `now`/`today` (the site's build time), text."""
    if isinstance(value, str) and value in ("now", "today"):
        return now
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, zone)
    try:
        return parse_jekyll_date(value, zone)
    except (ValueError, OverflowError):
        return None


def _date(value: object, fmt: object = None, *, now: dt.datetime, zone: dt.tzinfo) -> object:
    """Liquid's date filter with Ruby's strftime, `now` being the site's build time."""
    if value is None or is_undefined(value) or not ruby_str(fmt):
        return value
    time = to_time(value, now=now, zone=zone)
    return value if time is None else _strftime(time, str(fmt))


def _strftime(time: dt.datetime, fmt: str) -> str:
    """Ruby's strftime: Python's, plus `%s` in the time's own zone, `%L`, `%N` and `%:z`."""
    zone = time.strftime("%z")
    ruby = {
        "s": str(int(time.timestamp())),
        "L": f"{time.microsecond // 1000:03d}",
        "N": f"{time.microsecond * 1000:09d}",
        ":z": f"{zone[:3]}:{zone[3:]}" if zone else "",
    }
    return time.strftime(re.sub(r"%(:z|.)", lambda m: ruby.get(m[1], m[0]), fmt, flags=re.S))


def _date_to(
    value: object, kind: object = None, style: object = None, *, long: bool, **when: Any
) -> object:
    """date_to_string and date_to_long_string: `02 Jan 2024`, `2nd Jan 2024`, `Jan 2nd, 2024`."""
    time = to_time(value, **when) if ruby_str(value) else None
    if time is None:
        return value
    month = "%B" if long else "%b"
    if kind != "ordinal":
        return time.strftime(f"%d {month} %Y")
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(time.day % 10, "th") if time.day // 10 != 1 else "th"
    day = f"{time.day}{suffix}"
    return time.strftime(f"{month} {day}, %Y" if style == "US" else f"{day} {month} %Y")


def _date_as(value: object, *, fmt: str, **when: Any) -> object:
    """date_to_xmlschema and date_to_rfc822: the time in a fixed format (empty input kept)."""
    time = to_time(value, **when) if ruby_str(value) else None
    if time is None:
        return value
    return time.isoformat(timespec="seconds") if fmt == "xmlschema" else _strftime(time, fmt)


def slugify(value: object, mode: object = None, cased: object = False) -> str:
    """Jekyll's slugify: runs of other characters become `-`, lower case unless `cased` (as
    Jekyll's permalinks keep `:title`'s case; `none` only lowers)."""
    text, mode = ruby_str(value), ruby_str(mode) or "default"
    if mode == "latin":  # accents dropped, other letters become `?` (so `-`)
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
        text, mode = "".join(c if c.isascii() else "?" for c in text), "default"
    if mode not in _SLUG_KEEP:
        return text if cased is True else text.lower()
    keep = _SLUG_KEEP[mode]
    slug = re.sub("\0+", "-", "".join(ch if keep(ch) else "\0" for ch in text))
    slug = slug.removeprefix("-").removesuffix("-")
    return slug if cased is True else slug.lower()


def smartify(value: object) -> str:
    """Jekyll's smartify (kramdown's SmartyPants): curly quotes, dashes, ellipses, guillemets;
    HTML tags and entities kept, other `&`, `<`, `>` escaped."""
    text, out, done, consumed = ruby_str(value), list[str](), 0, 0
    for match in _SMART_TOKEN.finditer(text):
        start, token = match.start(), match[0]
        out.append(text[done:start])
        if token in ('"', "'"):
            before = text[start - 1] if start > consumed else ""
            out.append(_QUOTES[token, _opens(token, before, text[start + 1 : start + 4])])
        else:
            out.append(_SMART_SYMBOLS.get(token, token))
        done = match.end()
        consumed = consumed if token in ("<", ">", "&") else done  # escaping consumes nothing
    return "".join([*out, text[done:]])


def _opens(quote: str, before: str, after: str) -> bool:
    """Whether a quote opens, by kramdown's rules: `before` is the character before it (empty at
    the start or right after other markup), `after` the next few characters."""
    if before and before != "\\":
        return before in "[{(-" or (before in _SPACES and not (quote == "'" and _DDS(after)))
    if re.match(r"[_*]{1,2}\S", after):
        return True
    if after[:1] and after[0] in _PUNCTUATION and after[1:3] != ".." and not _WORD_NEXT(after):
        return False
    if quote == "'" and _DDS(after):
        return False
    return not (not after or after[0] in _SPACES or re.match(r"s\b", after))


def _xml_escape(value: object) -> str:
    """Jekyll's xml_escape: &, <, >, " and ' as entities."""
    return html.escape(ruby_str(value)).replace("&#x27;", "&apos;")


def _uri_escape(value: object) -> str:
    """Jekyll's uri_escape (Addressable's normalize_component): reserved characters stay."""
    return _encode(ruby_str(value), _URI_SAFE)


def _number_of_words(value: object, mode: object = None) -> int:
    """Jekyll's number_of_words; `cjk` counts each Chinese, Japanese or Korean character as a
    word, `auto` does so only when the text has any."""
    text = ruby_str(value)
    cjk = len(_CJK_CHAR.findall(text)) if mode in ("cjk", "auto") else 0
    if mode == "cjk" or cjk:
        return cjk + len(_NON_CJK_WORD.findall(text))
    return len(_WORD.findall(text))


def _array_to_sentence_string(value: object, connector: object = "and") -> str:
    """`a, b, and c`: Jekyll's way of listing an array in a sentence."""
    items = [ruby_str(item) for item in (value if isinstance(value, list | tuple) else [value])]
    if len(items) <= 2:
        return f" {ruby_str(connector)} ".join(items)
    return f"{', '.join(items[:-1])}, {ruby_str(connector)} {items[-1]}"


def _jsonify(value: object) -> str:
    """Ruby's to_json: compact, non-ASCII kept, times in Ruby's form."""
    value = None if is_undefined(value) else value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=ruby_str)


def _property(item: object, name: object) -> object:
    """An item's property as Jekyll's where, sort and group_by read it: dotted names go down,
    numeric text becomes a number."""
    for key in str(name).split("."):
        item = item.get(key) if isinstance(item, Mapping) else None
    text = ruby_str(item)
    if isinstance(item, str) and _INTEGER_LIKE.match(text):
        return int(text)
    return float(text) if isinstance(item, str) and _FLOAT_LIKE.match(text) else item


def _items(value: object) -> list[object] | None:
    """A filter's input as a list of items (a hash's values), or None when it has none."""
    if isinstance(value, Mapping):
        return list(value.values())
    return list(value) if isinstance(value, list | tuple | range) else None


def _where(value: object, name: object = None, target: object = None) -> object:
    """Jekyll's where: items whose property, or a member of it, reads as `target` does."""
    items = _items(value)
    if items is None or not name or isinstance(target, list | tuple | Mapping):
        return value
    target = None if is_undefined(target) else target
    wanted = ruby_str(target)

    def matches(found: object) -> bool:
        if target is None:
            return found is None
        if isinstance(found, str):
            return found == wanted
        members = found if isinstance(found, list | tuple) else [] if found is None else [found]
        return any(ruby_str(member) == wanted for member in members)

    return [item for item in items if matches(_property(item, name))]


@with_context
def _where_exp(
    value: object, variable: object, expression: object, *, context: RenderContext
) -> object:
    """Jekyll's where_exp: the items for which a Liquid condition holds, `variable` naming each."""
    items = _items(value)
    if items is None:
        return value
    token = Token(TOKEN_EXPRESSION, str(expression), 0, str(expression))
    stream = TokenStream(tokenize(str(expression), parent_token=token))
    condition = BooleanExpression.parse(context.env, stream)
    chosen = []
    for item in items:
        with context.extend({str(variable): item}):
            if condition.evaluate(context):
                chosen.append(item)
    return chosen


def _sort(value: object, name: object = None, nils: object = "first") -> object:
    """Jekyll's sort: by a property if named, missing ones first (or last), numbers as numbers."""
    items = _items(value)
    if items is None or name is None or is_undefined(name):
        return sorted(items) if items is not None else value  # type: ignore[type-var]
    if nils not in ("first", "last"):
        raise ValueError(f"invalid nils order {nils!r}: it must be 'first' or 'last'")
    order = -1 if nils == "first" else 1

    def compare(a: tuple[object, object], b: tuple[object, object]) -> int:
        if (a[0] is None) != (b[0] is None):
            return order if a[0] is None else -order
        try:
            return int(a[0] > b[0]) - int(a[0] < b[0])  # type: ignore[operator]
        except TypeError:  # Ruby's <=> gives nil: compare as text
            return int(ruby_str(a[0]) > ruby_str(b[0])) - int(ruby_str(a[0]) < ruby_str(b[0]))

    keyed = sorted(((_property(i, name), i) for i in items), key=functools.cmp_to_key(compare))
    return [item for _, item in keyed]


def _group_by(value: object, name: object) -> object:
    """Jekyll's group_by: `{name, items, size}` per value of a property, first seen first."""
    items = _items(value)
    if items is None:
        return value
    groups: dict[str, list[object]] = {}
    for item in items:
        groups.setdefault(ruby_str(_property(item, name)), []).append(item)
    return [{"name": key, "items": group, "size": len(group)} for key, group in groups.items()]


def jekyll_filters(
    *,
    url: str,
    baseurl: str,
    markdownify: Callable[[str], str],
    now: dt.datetime,
    zone: dt.tzinfo,
) -> dict[str, Filter]:
    """Every filter Jekyll adds to Liquid (and its own where and sort), bound to one site."""
    when: dict[str, Any] = {"now": now, "zone": zone}
    return {
        "relative_url": functools.partial(relative_url, baseurl=baseurl),
        "absolute_url": functools.partial(_absolute_url, url=url, baseurl=baseurl),
        "strip_index": lambda v: re.sub(r"/index\.html?$", "/", ruby_str(v)) or None,
        "markdownify": lambda v: markdownify(ruby_str(v)),
        "smartify": smartify,
        "slugify": slugify,
        "xml_escape": _xml_escape,
        "cgi_escape": lambda v: quote_plus(ruby_str(v), safe="~"),
        "uri_escape": _uri_escape,
        "normalize_whitespace": lambda v: re.sub(f"[{_SPACES}]+", " ", ruby_str(v)).strip(_SPACES),
        "number_of_words": _number_of_words,
        "array_to_sentence_string": _array_to_sentence_string,
        "jsonify": _jsonify,
        "where": _where,
        "where_exp": _where_exp,
        "sort": _sort,
        "group_by": _group_by,
        "date": functools.partial(_date, **when),
        "date_to_xmlschema": functools.partial(_date_as, fmt="xmlschema", **when),
        "date_to_rfc822": functools.partial(_date_as, fmt="%a, %d %b %Y %H:%M:%S %z", **when),
        "date_to_string": functools.partial(_date_to, long=False, **when),
        "date_to_long_string": functools.partial(_date_to, long=True, **when),
    }
