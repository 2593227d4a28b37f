"""Goldmark's attribute lists, `{#id .class key=value}`, read as Goldmark 1.5.4 reads them: after
a heading, after a code fence's language, and (with Hugo's block attributes) on a line after a
block."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

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


# --- Block attributes (markup.goldmark.parser.attribute.block) --------------------------------
# The attributes Goldmark writes on each element; any `data-` one too.
_GLOBAL = frozenset(["accesskey", "autocapitalize", "autofocus", "class", "contenteditable",
                     "dir", "draggable", "enterkeyhint", "hidden", "id", "inert", "inputmode",
                     "is", "itemid", "itemprop", "itemref", "itemscope", "itemtype", "lang",
                     "part", "role", "slot", "spellcheck", "style", "tabindex", "title",
                     "translate"])  # fmt: skip
_ALLOWED = {
    "p": _GLOBAL,
    "blockquote": _GLOBAL | {"cite"},
    "ul": _GLOBAL | {"start", "reversed", "type"},
    "ol": _GLOBAL | {"start", "reversed", "type"},
    "hr": _GLOBAL | {"align", "color", "noshade", "size", "width"},
    "table": _GLOBAL | {"align", "bgcolor", "border", "cellpadding", "cellspacing", "frame",
                        "rules", "summary", "width"},
}  # fmt: skip
_HEADINGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6"])


def block_attributes_plugin(md: MarkdownIt) -> None:
    """Hugo's block attributes: a line `{.class #id key="value"}` right after a paragraph, list,
    quote, table, heading or rule (no blank line between) gives that block its attributes;
    anywhere else it is dropped. The rest of its line goes with it, as in Hugo."""
    md.block.ruler.before(
        "paragraph",
        "goldmark_block_attributes",
        _attribute_line,
        {"alt": ["paragraph", "blockquote", "list"]},
    )
    md.core.ruler.push("goldmark_block_attributes", _apply)
    md.add_render_rule("blockquote_open", _blockquote)


def _attribute_line(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    first = state.bMarks[start] + state.tShift[start]
    line = state.src[first : state.eMarks[start]]
    found = parse_attributes(line, 0) if line.startswith("{") else None
    if found is None:
        return False
    if not silent:
        token = state.push("goldmark_attributes", "", 0)
        token.map, token.meta["attributes"] = [start, start + 1], found[0]
        state.line = start + 1
    return True


def _apply(state: StateCore) -> None:
    tokens, lines = state.tokens, state.src.split("\n")
    kept = []
    for token in tokens:
        if token.type != "goldmark_attributes":
            kept.append(token)
            continue
        first = (token.map or [0])[0]
        target = _previous_block(kept, token.level)
        if target is None or (first and not lines[first - 1].strip()):
            continue
        allowed = None if target.tag in _HEADINGS else _ALLOWED.get(target.tag)
        for name, value in token.meta["attributes"]:
            if name.lower().startswith("on") or name in (target.attrs or {}):
                continue
            if allowed is None or name in allowed or name.startswith("data-"):
                target.attrSet(name, attribute_text(value, escape=False))
    state.tokens = kept


def _previous_block(tokens: Sequence[Token], level: int) -> Token | None:
    """The opening token of the block right before, at `level` (None: none, or a fenced code
    block, whose attributes Hugo reads from its own line)."""
    if not tokens or tokens[-1].level != level or tokens[-1].type == "fence":
        return None
    if tokens[-1].nesting == 0:
        return tokens[-1] if tokens[-1].tag in _ALLOWED else None
    depth = 0
    for token in reversed(tokens):
        depth += token.nesting
        if depth == 0:
            tag = token.tag
            return token if tag in _ALLOWED or tag in _HEADINGS else None
    return None


def _blockquote(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A quote with attributes opens without a line break after it, as Goldmark writes it."""
    if tokens[idx].attrs:
        return f"<blockquote{self.renderAttrs(tokens[idx])}>"
    return self.renderToken(tokens, idx, options, env)
