"""GFM tables as Goldmark 1.5.4 finds them: in a paragraph, wherever a line of `-`, `:` and `|`
follows a header line with no more cells; every later line of the paragraph a row; short rows
and a short header filled with empty cells."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

_ALIGNMENTS = (
    (re.compile(r"\s*:-+\s*"), "left"),
    (re.compile(r"\s*-+:\s*"), "right"),
    (re.compile(r"\s*:-+:\s*"), "center"),
    (re.compile(r"\s*-+\s*"), None),
)
_DELIMITER_LINE = re.compile(r"[ \t\r\n|:-]*")
_CODE_SPAN = re.compile(r"(`+).*?\1", re.S)


def tables_plugin(md: MarkdownIt) -> None:
    """Goldmark's tables in place of markdown-it's (which follows GFM's stricter rules)."""
    md.disable("table", ignoreInvalid=True)
    md.core.ruler.after("block", "goldmark_tables", _tables)
    md.core.ruler.after("goldmark_tables", "goldmark_tight_lists", _tight_lists)


def _tables(state: StateCore) -> None:
    tokens = state.tokens
    i = 0
    while i < len(tokens):
        if tokens[i].type == "paragraph_open" and not tokens[i].hidden:
            made = _table(tokens[i : i + 3], state.md.options["xhtmlOut"])
            if made is not None:
                tokens[i : i + 3] = made
                i += len(made)
                continue
        i += 1


def _table(paragraph: Sequence[Token], xhtml: bool) -> list[Token] | None:
    """The paragraph's tokens with its table, or None when it holds none."""
    opening, inline, closing = paragraph
    lines = inline.content.split("\n")
    for i in range(1, len(lines)):
        alignments = _delimiter(lines[i])
        if alignments is None:
            continue
        header = _row(lines[i - 1], alignments, header=True)
        if len(header) != len(alignments):
            return None  # Goldmark gives up on the whole paragraph
        level = opening.level
        out: list[Token] = []
        if i > 1:
            inline.content = "\n".join(lines[: i - 1])
            out += [opening, inline, closing]
        out.append(_token("table_open", "table", 1, level, opening.map))
        out[-1].meta["whole_paragraph"] = i == 1
        out.append(_token("thead_open", "thead", 1, level + 1))
        out += _cells(header, alignments, "th", level + 2, xhtml)
        out.append(_token("thead_close", "thead", -1, level + 1))
        if i + 1 < len(lines):
            out.append(_token("tbody_open", "tbody", 1, level + 1))
            for line in lines[i + 1 :]:
                row = _row(line, alignments, header=False)
                out += _cells(row, alignments, "td", level + 2, xhtml)
            out.append(_token("tbody_close", "tbody", -1, level + 1))
        out.append(_token("table_close", "table", -1, level))
        return out
    return None


def _tight_lists(state: StateCore) -> None:
    """A list whose only blank line before a block is before a table that was a whole
    paragraph is tight in Goldmark: the table is a new block, without the paragraph's record
    of the blank line."""
    tokens, lines = state.tokens, state.src.split("\n")
    for i, token in enumerate(tokens):
        if token.type not in ("bullet_list_open", "ordered_list_open"):
            continue
        inside = _list_tokens(tokens, i)
        tables = [t for t in inside if t.type == "table_open" and t.meta.get("whole_paragraph")]
        if not tables or not _tight(inside, token.level, lines):
            continue
        for child in inside:
            if child.type.startswith("paragraph_") and child.level == token.level + 2:
                child.hidden = True


def _list_tokens(tokens: Sequence[Token], start: int) -> list[Token]:
    depth, end = 0, start
    for end in range(start, len(tokens)):
        depth += tokens[end].nesting
        if depth == 0:
            break
    return list(tokens[start + 1 : end])


def _tight(inside: Sequence[Token], level: int, lines: Sequence[str]) -> bool:
    """Goldmark's test: no item but the first, and no block of an item but its first, has a
    blank line before it; a table made of a whole paragraph never does."""

    def blank_before(token: Token) -> bool:
        first = (token.map or [0])[0]
        return first > 0 and not lines[first - 1].strip() and not token.meta.get("whole_paragraph")

    items = [t for t in inside if t.type == "list_item_open" and t.level == level + 1]
    if any(blank_before(item) for item in items[1:]):
        return False
    blocks: list[Token] = []
    for token in inside:
        if token.type == "list_item_open" and token.level == level + 1:
            blocks = []
        elif token.level == level + 2 and token.nesting >= 0 and token.block:
            blocks.append(token)
            if len(blocks) > 1 and blank_before(token):
                return False
    return True


def _token(
    kind: str, tag: str, nesting: Literal[-1, 0, 1], level: int, where: list[int] | None = None
) -> Token:
    token = Token(kind, tag, nesting, level=level, block=True)
    token.map = where
    return token


def _delimiter(line: str) -> list[str | None] | None:
    """The alignments a delimiter line gives its columns, or None when it is not one."""
    if len(line) - len(line.lstrip(" ")) > 3 or not _DELIMITER_LINE.fullmatch(line):
        return None
    columns = line.split("|")
    if not columns[0].strip():
        columns = columns[1:]
    if columns and not columns[-1].strip():
        columns = columns[:-1]
    alignments: list[str | None] = []
    for column in columns:
        for pattern, alignment in _ALIGNMENTS:
            if pattern.fullmatch(column):
                alignments.append(alignment)
                break
        else:
            return None
    return alignments


def _row(line: str, alignments: Sequence[str | None], header: bool) -> list[str | None]:
    """A row's cells: split at pipes not after a backslash; a header keeps any extra cell, a
    body row does not; a missing one is None (an empty cell without alignment)."""
    text = line.strip(" \t\r\n")
    start = 1 if text.startswith("|") else 0
    end = len(text) - 1 if text.endswith("|") else len(text)
    cells: list[str | None] = []
    pos = start
    while pos < end:
        if len(cells) >= len(alignments) and not header:
            break
        closure = pos
        while closure < end and not (text[closure] == "|" and text[closure - 1 : closure] != "\\"):
            closure += 1
        cells.append(_unescaped_pipes(text[pos:closure].strip(" \t\r\n")))
        pos = closure + 1
    return cells + [None] * (len(alignments) - len(cells))


def _unescaped_pipes(cell: str) -> str:
    """In a code span, `\\|` is a pipe (Goldmark takes the backslash out there)."""
    if "`" not in cell or "\\|" not in cell:
        return cell
    return _CODE_SPAN.sub(lambda found: found[0].replace("\\|", "|"), cell)


def _cells(
    cells: Sequence[str | None], alignments: Sequence[str | None], tag: str, level: int,
    xhtml: bool,
) -> list[Token]:  # fmt: skip
    out = [_token("tr_open", "tr", 1, level)]
    for i, text in enumerate(cells):
        cell = _token(f"{tag}_open", tag, 1, level + 1)
        alignment = alignments[i] if i < len(alignments) and text is not None else None
        if alignment:
            cell.attrs = {"align": alignment} if xhtml else {"style": f"text-align:{alignment}"}
        inline = _token("inline", "", 0, level + 2)
        inline.block, inline.content, inline.children = False, text or "", []
        out += [cell, inline, _token(f"{tag}_close", tag, -1, level + 1)]
    out.append(_token("tr_close", "tr", -1, level))
    return out
