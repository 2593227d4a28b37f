"""Hugo's shortcode syntax read as Hugo 0.111's lexer reads it: `{{< name params >}}`,
`{{% name params %}}`, their closing and self-closing forms and `{{</* literal */>}}`; then the
tags paired into shortcodes with inner content. Where Hugo would stop the build (a tag it cannot
read, a closing tag nothing opened), the text is read on and the problem given to the caller."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TypeAlias

Param: TypeAlias = "str | int | float | bool"

_NAME = re.compile(r"[\w\-/]+(?:\.inline)?")
_UNQUOTED = re.compile(r"[\w\-.]+")
_BOOL, _INT = re.compile(r"(?:true|false)\Z"), re.compile(r"[-+]?\d+\Z")
_FLOAT = re.compile(r"[-+]?\d*\.\d+\Z")
_START = re.compile(r"\{\{[<%]")


@dataclass
class Tag:
    """One shortcode tag as written."""

    name: str
    markup: bool  # `{{% %}}`: its output is Markdown
    closing: bool  # `{{< /name >}}`
    self_closing: bool  # `{{< name />}}`
    positional: list[Param] = field(default_factory=list)
    named: dict[str, Param] = field(default_factory=dict)
    line: int = 1  # where it starts in the text, counted from 1
    indentation: str = ""  # the spaces or tabs before it on its line, when nothing else is


@dataclass
class Shortcode:
    """A tag with what it encloses (None when it is not closed, or cannot be)."""

    tag: Tag
    inner: list[str | Shortcode] | None = None


@dataclass
class Problem:
    """Something Hugo would refuse, found at a line."""

    line: int
    message: str


def parse(text: str) -> tuple[list[str | Tag], list[Problem]]:
    """The text cut into literal text and tags. `{{</* x */>}}` is the literal `{{< x >}}`;
    a tag that cannot be read is dropped up to the end of its line, with a problem."""
    out: list[str | Tag] = []
    problems: list[Problem] = []
    pos = 0
    while (found := _START.search(text, pos)) is not None:
        start = found.start()
        markup = text[start + 2] == "%"
        right = "%}}" if markup else ">}}"
        out.append(text[pos:start])
        line = text.count("\n", 0, start) + 1
        if text.startswith("/*", start + 3):
            end = text.find("*/" + right, start + 5)
            if end < 0:
                problems.append(Problem(line, "a shortcode comment that is never closed"))
                pos = _line_end(text, start)
                continue
            out.append(text[start : start + 3] + text[start + 5 : end] + right)
            pos = end + 2 + len(right)
            continue
        line_start = text.rfind("\n", 0, start) + 1
        before = text[line_start:start]
        indentation = before if before.strip(" \t") == "" else ""
        tag = Tag("", markup, False, False, line=line, indentation=indentation)
        read = _read_tag(text, start + 3, right, tag)
        if isinstance(read, str):
            problems.append(Problem(line, read))
            pos = _line_end(text, start)
            continue
        out.append(tag)
        pos = read
    out.append(text[pos:])
    return [part for part in out if part != ""], problems


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _read_tag(text: str, pos: int, right: str, tag: Tag) -> int | str:
    """Read a tag's inside into `tag`; where it ends, or what is wrong with it."""
    named_state: bool | None = None  # True: named parameters, False: positional
    while True:
        if text.startswith(right, pos):
            if not tag.name:
                return "a shortcode without a name"
            return pos + len(right)
        if pos >= len(text):
            return "a shortcode tag that is never closed"
        char = text[pos]
        if char in " \t\r\n":
            pos += 1
        elif char == "/":
            after = pos + 1
            while after < len(text) and text[after] in " \t":
                after += 1
            if tag.name and text.startswith(right, after):
                tag.self_closing = True
            elif tag.name or tag.closing:
                return "a '/' inside a shortcode tag"
            else:
                tag.closing = True
            pos += 1
        elif not tag.name:
            name = _NAME.match(text, pos)
            if name is None:
                return f"a shortcode name cannot start with {char!r}"
            tag.name, pos = name[0], name.end()
            if tag.closing:  # only white space may follow a closing tag's name
                while pos < len(text) and text[pos] in " \t\r\n":
                    pos += 1
                if not text.startswith(right, pos):
                    return f"unexpected text after the closing tag of {tag.name!r}"
        else:
            result = _read_param(text, pos, right, tag, named_state)
            if isinstance(result, str):
                return result
            pos, named_state = result


def _read_param(
    text: str, pos: int, right: str, tag: Tag, named_state: bool | None
) -> tuple[int, bool] | str:
    """One parameter: `"quoted"`, `` `raw` ``, `word`, or `name=value` (any of the three)."""
    name = _UNQUOTED.match(text, pos)
    if name is not None and text.startswith("=", name.end()):
        if named_state is False:
            return "named and positional parameters mixed in one shortcode"
        pos = name.end() + 1
        while pos < len(text) and text[pos].isspace():
            pos += 1
        value = _read_value(text, pos, right, named=True)
        if isinstance(value, str):
            return value
        tag.named[name[0]] = value[0]
        return value[1], True
    if name is None and text[pos] not in '"`' and not text.startswith('\\"', pos):
        return f"a shortcode parameter cannot start with {text[pos]!r}; quote it"
    if named_state is True:
        return "named and positional parameters mixed in one shortcode"
    value = _read_value(text, pos, right, named=False)
    if isinstance(value, str):
        return value
    tag.positional.append(value[0])
    return value[1], False


def _read_value(text: str, pos: int, right: str, named: bool) -> tuple[Param, int] | str:
    char = text[pos : pos + 1]
    if char == '"' or text.startswith('\\"', pos):
        return _quoted(text, pos)
    if char == "`":
        end = text.find("`", pos + 1)
        if end < 0:
            return "a raw shortcode parameter that is never closed"
        return text[pos + 1 : end], end + 1
    if named:
        end = pos
        while end < len(text) and not text[end].isspace() and not text.startswith(right, end):
            end += 1
        return _typed(text[pos:end]), end
    word = _UNQUOTED.match(text, pos)
    if word is None:
        return f"a shortcode parameter cannot start with {char!r}; quote it"
    return _typed(word[0]), word.end()


def _quoted(text: str, pos: int) -> tuple[Param, int] | str:
    """A quoted value: `"a \\"b\\" c"` holds escaped quotes (Hugo then drops every backslash);
    `\\"a\\"` (inside another shortcode's parameter) ends at the next escaped quote."""
    escaped_start = text[pos] == "\\"
    start = end = pos + (2 if escaped_start else 1)
    escapes = False
    while True:
        if end >= len(text) or text[end] == "\n":
            return "a quoted shortcode parameter that is never closed on its line"
        if text.startswith('\\"', end):
            if escaped_start:
                return text[start:end], end + 2
            escapes, end = True, end + 2
            continue
        if text[end] == '"':
            value = text[start:end]
            return (value.replace("\\", "") if escapes else value), end + 1
        end += 1


def _typed(value: str) -> Param:
    """An unquoted value as Hugo types it: true/false, a whole number, a decimal, or text."""
    if _BOOL.match(value):
        return value == "true"
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return value


def pair(
    parts: list[str | Tag], no_inner: frozenset[str]
) -> tuple[list[str | Shortcode], list[Problem]]:
    """Tags paired with their closing tags: a tag encloses what lies before the next closing
    tag of its name at its depth, unless its name is one of the shortcodes known to take no
    inner content (`no_inner`). A closing tag nothing opened is dropped, with a problem."""
    problems: list[Problem] = []

    def build(start: int, end: int) -> list[str | Shortcode]:
        nodes: list[str | Shortcode] = []
        i = start
        while i < end:
            part = parts[i]
            if isinstance(part, str):
                nodes.append(part)
                i += 1
                continue
            if part.closing:
                problems.append(Problem(part.line, f"a closing tag for {part.name!r}, not open"))
                i += 1
                continue
            close = None if part.self_closing or part.name in no_inner else _close(i, end)
            if close is None:
                nodes.append(Shortcode(part))
                i += 1
            else:
                nodes.append(Shortcode(part, build(i + 1, close)))
                i = close + 1
        return nodes

    def _close(opening: int, end: int) -> int | None:
        name, depth = parts[opening].name, 0  # type: ignore[union-attr]  # a Tag
        for j in range(opening + 1, end):
            part = parts[j]
            if isinstance(part, Tag) and part.name == name and not part.self_closing:
                depth += -1 if part.closing else 1
                if depth < 0:
                    return j
        return None

    return build(0, len(parts)), problems
