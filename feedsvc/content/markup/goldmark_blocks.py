"""Goldmark's block extensions as Hugo 0.111 (Goldmark 1.5.4) has them, for markdown-it:
footnotes in Goldmark's HTML, task-list check boxes where Goldmark finds them, and PHP Markdown
Extra definition lists read as Goldmark reads them (each line of the paragraph before a `: `
line a term; blank lines before a description make it loose)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.footnote import footnote_plugin

_TASK = re.compile(r"\[([\t\n\f\r xX])\][\t\n\f\r ]*")  # Go's \s is ASCII white space

# --- Footnotes --------------------------------------------------------------------------------


def footnotes_plugin(md: MarkdownIt) -> None:
    """`[^label]` footnotes, numbered in the order they are first referred to, written as
    Goldmark writes them (a definition nothing refers to is left out)."""
    md.use(footnote_plugin, inline=False)
    for name, rule in _FOOTNOTES.items():
        md.add_render_rule(name, rule)


def _footnote_ref(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    meta = tokens[idx].meta
    number, sub = meta["id"] + 1, meta["subId"]
    return (
        f'<sup id="fnref{sub or ""}:{number}"><a href="#fn:{number}" class="footnote-ref" '
        f'role="doc-noteref">{number}</a></sup>'
    )


def _footnote_block_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    rule = "<hr />" if options["xhtmlOut"] else "<hr>"
    return f'<div class="footnotes" role="doc-endnotes">\n{rule}\n<ol>\n'


def _footnote_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f'<li id="fn:{tokens[idx].meta["id"] + 1}">\n'


def _footnote_anchor(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    meta = tokens[idx].meta
    number, sub = meta["id"] + 1, meta["subId"]
    return (
        f'&#160;<a href="#fnref{sub or ""}:{number}" class="footnote-backref" '
        'role="doc-backlink">&#x21a9;&#xfe0e;</a>'
    )


_FOOTNOTES = {
    "footnote_ref": _footnote_ref,
    "footnote_block_open": _footnote_block_open,
    "footnote_block_close": lambda *_: "</ol>\n</div>\n",
    "footnote_open": _footnote_open,
    "footnote_close": lambda *_: "</li>\n",
    "footnote_anchor": _footnote_anchor,
}

# --- Task lists -------------------------------------------------------------------------------


def task_list_plugin(md: MarkdownIt) -> None:
    """`[ ]` and `[x]` as check boxes, anywhere in a list item's first paragraph (Goldmark reads
    them there, not only at its start)."""
    md.core.ruler.at("inline", _inline_in_list_items)
    md.inline.ruler.before("link", "goldmark_task", _task)
    md.add_render_rule("goldmark_task", _render_task)


def _inline_in_list_items(state: StateCore) -> None:
    """markdown-it's inline step, telling the task rule which paragraphs are a list item's
    first."""
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "inline":
            continue
        first = i >= 2 and tokens[i - 1].type == "paragraph_open"
        state.env["goldmark_first_in_item"] = first and tokens[i - 2].type == "list_item_open"
        token.children = token.children or []
        state.md.inline.parse(token.content, state.md, state.env, token.children)
    state.env.pop("goldmark_first_in_item", None)


def _task(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "[" or not state.env.get("goldmark_first_in_item"):
        return False
    newline = state.src.find("\n", state.pos)
    end = state.posMax if newline < 0 else min(newline + 1, state.posMax)
    found = _TASK.match(state.src[:end], state.pos)
    if found is None:
        return False
    if not silent:
        state.push("goldmark_task", "input", 0).meta["checked"] = found[1] in "xX"
    state.pos = found.end()
    return True


def _render_task(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    checked = 'checked="" ' if tokens[idx].meta["checked"] else ""
    close = " /> " if options["xhtmlOut"] else "> "
    return f'<input {checked}disabled="" type="checkbox"{close}'


# --- Definition lists -------------------------------------------------------------------------


def definition_list_plugin(md: MarkdownIt) -> None:
    """Definition lists: a line starting `: ` (not indented) after a paragraph, whose lines
    become the terms, or after another description; a description goes on while its lines are
    indented past its `: `."""
    md.block.ruler.before(
        "paragraph", "goldmark_deflist", _definition, {"alt": ["paragraph", "reference"]}
    )
    md.add_render_rule("dd_open", _render_description)


def _marker(state: StateBlock, line: int) -> int:
    """Where the description's text starts on a `: ` line (the columns the `:` and the spaces
    after it take), or -1 when the line does not start one."""
    start = state.bMarks[line] + state.tShift[line]
    outer = state.env.get("goldmark_dl_indents") or [state.blkIndent]
    if state.sCount[line] not in (state.blkIndent, outer[-1]) or state.src[start] != ":":
        return -1
    after = state.skipSpaces(start + 1)
    if after == start + 1 or after >= state.eMarks[line]:
        return -1
    return after


def _definition(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    content = _marker(state, start)
    if content < 0 or state.sCount[start] != state.blkIndent:
        return content >= 0 and silent  # ends a paragraph in a description before it
    if silent:
        return True
    tokens, level = state.tokens, state.level
    terms: list[str] = []
    para = len(tokens) >= 3 and tokens[-1].type == "paragraph_close" and tokens[-1].level == level
    follows = start
    if para:
        terms = tokens[-2].content.split("\n")
        follows = (tokens[-3].map or [start])[0]
        del tokens[-3:]
    if _list_before(state, follows):
        tokens.pop()  # the list goes on
        state.level = level + 1
    elif para:
        state.push("dl_open", "dl", 1).map = [start, start]
    else:
        return False
    for term in terms:
        state.push("dt_open", "dt", 1)
        inline = state.push("inline", "", 0)
        inline.content, inline.map, inline.children = term.rstrip(), [start, start], []
        state.push("dt_close", "dt", -1)
    loose = start > 0 and state.isEmpty(start - 1)
    _description(state, start, end, content, loose)
    state.push("dl_close", "dl", -1).meta["end"] = state.line
    return True


def _list_before(state: StateBlock, line: int) -> bool:
    """Whether a definition list ends right before `line`, blank lines apart (a link reference
    definition between ends it, as in Goldmark)."""
    tokens = state.tokens
    if not tokens or tokens[-1].type != "dl_close" or tokens[-1].level != state.level:
        return False
    return all(state.isEmpty(between) for between in range(tokens[-1].meta["end"], line))


def _description(state: StateBlock, line: int, end: int, content: int, loose: bool) -> None:
    """One description's blocks, read with the block indent moved past its `: `."""
    opening = state.push("dd_open", "dd", 1)
    opening.map, opening.meta["tight"] = [line, line], not loose
    first = len(state.tokens)
    marker = state.bMarks[line] + state.tShift[line]
    offset = content - marker  # columns from the `:` to the text (tabs are rare here)
    saved = (state.blkIndent, state.tShift[line], state.sCount[line], state.parentType)
    state.blkIndent = state.sCount[line] + offset
    state.tShift[line] = content - state.bMarks[line]
    state.sCount[line] = state.blkIndent
    state.parentType = "deflist"
    indents = state.env.setdefault("goldmark_dl_indents", [])
    indents.append(saved[0])  # the next `: ` line there ends this description
    state.md.block.tokenize(state, line, end)
    indents.pop()
    state.blkIndent, state.tShift[line], state.sCount[line], state.parentType = saved
    if not loose:  # a tight description's paragraphs are bare text, as in a tight list
        for token in state.tokens[first:]:
            if token.type in ("paragraph_open", "paragraph_close") and token.level == state.level:
                token.hidden = True
    state.push("dd_close", "dd", -1)


def _render_description(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "<dd>" if tokens[idx].meta["tight"] else "<dd>\n"
