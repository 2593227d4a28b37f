"""Goldmark's attribute lists, `{#id .class key=value}`, read as Goldmark 1.5.4 reads them: after
a heading, and after a code fence's language."""

from __future__ import annotations

from typing import TypeAlias

from markdown_it.common.utils import escapeHtml

# A value: a string, a number, true/false, null, a list, or a nested attribute list.
Value: TypeAlias = "str | float | bool | list[Value] | list[Attribute] | None"
Attribute: TypeAlias = "tuple[str, Value]"

_SPACE = " \t\n\r"
_PUNCT = frozenset("""!"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~""")
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:")
_NAME = _NAME_START | frozenset("0123456789.-")
_ESCAPES = {'"': '"', "/": "/", "\\": "\\", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def parse_attributes(text: str, pos: int) -> tuple[list[Attribute], int] | None:
    """The attribute list starting at `text[pos]` (after spaces) and where it ends, or None when
    there is none there. Classes given twice are joined; commas may separate attributes."""
    pos = _skip(text, pos)
    if text[pos : pos + 1] != "{":
        return None
    pos += 1
    found: list[Attribute] = []
    while True:
        if text[pos : pos + 1] == "}":
            return found, pos + 1
        parsed = _attribute(text, pos)
        if parsed is None:
            return None
        (name, value), pos = parsed
        earlier = next((i for i, (n, _) in enumerate(found) if n == "class"), None)
        if name == "class" and earlier is not None:
            found[earlier] = ("class", f"{found[earlier][1]} {value}")
        else:
            found.append((name, value))
        pos = _skip(text, pos)
        if text[pos : pos + 1] == ",":
            pos = _skip(text, pos + 1)


def attribute_text(value: Value, escape: bool = True) -> str:
    """An attribute's value as Hugo writes it in HTML: strings escaped (when `escape`), numbers
    as Go prints them, true and false as words, anything else empty."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return escapeHtml(value) if escape else value
    return ""


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _SPACE:
        pos += 1
    return pos


def _attribute(text: str, pos: int) -> tuple[Attribute, int] | None:
    pos = _skip(text, pos)
    char = text[pos : pos + 1]
    if char in ("#", "."):
        end = pos + 1
        while (
            end < len(text)
            and text[end] not in _SPACE
            and (text[end] not in _PUNCT or text[end] in "_-:.")
        ):
            end += 1
        return ("id" if char == "#" else "class", text[pos + 1 : end]), end
    if not char or char not in _NAME_START:
        return None
    end = pos
    while end < len(text) and text[end] in _NAME:
        end += 1
    name = text[pos:end]
    pos = _skip(text, end)
    if text[pos : pos + 1] != "=":
        return None
    value = _value(text, _skip(text, pos + 1))
    if value is None or (name == "class" and not isinstance(value[0], str)):
        return None
    return (name, value[0]), value[1]


def _value(text: str, pos: int) -> tuple[Value, int] | None:
    pos = _skip(text, pos)
    char = text[pos : pos + 1]
    if not char:
        return None
    if char == "{":
        return parse_attributes(text, pos)
    if char == "[":
        return _array(text, pos + 1)
    if char == '"':
        return _string(text, pos + 1)
    if char in "-+" or char.isdigit():
        return _number(text, pos)
    if char not in _NAME_START:
        return None
    end = pos
    while end < len(text) and text[end] in _NAME:
        end += 1
    word = text[pos:end]
    return {"true": True, "false": False, "null": None}.get(word, word), end


def _array(text: str, pos: int) -> tuple[Value, int] | None:
    items: list[Value] = []
    first = True
    while True:
        comma = False
        if not first and text[pos : pos + 1] == ",":
            pos, comma = pos + 1, True
        if text[pos : pos + 1] == "]":
            return (items, pos + 1) if not comma else None
        first = False
        value = _value(text, _skip(text, pos))
        if value is None:
            return None
        items.append(value[0])
        pos = _skip(text, value[1])


def _string(text: str, pos: int) -> tuple[Value, int] | None:
    out = []
    while pos < len(text) and text[pos] != "\n":
        char = text[pos]
        if char == "\\" and pos + 1 < len(text):
            escaped = _ESCAPES.get(text[pos + 1])
            if escaped is not None:
                out.append(escaped)
                pos += 2
                continue
        if char == '"':
            return "".join(out), pos + 1
        out.append(char)
        pos += 1
    return None


def _number(text: str, pos: int) -> tuple[Value, int] | None:
    start = pos
    if text[pos] in "-+":
        pos += 1
    digits = pos
    while pos < len(text) and text[pos].isascii() and text[pos].isdigit():
        pos += 1
    if pos == digits:
        return None
    if text[pos : pos + 1] == ".":
        pos += 1
        while pos < len(text) and text[pos].isascii() and text[pos].isdigit():
            pos += 1
    if text[pos : pos + 1] in ("e", "E"):
        pos += 1
        if text[pos : pos + 1] in ("-", "+"):
            pos += 1
        while pos < len(text) and text[pos].isascii() and text[pos].isdigit():
            pos += 1
    try:
        return float(text[start:pos]), pos
    except ValueError:
        return None
