"""kramdown's own syntax for markdown-it: attribute lists, extensions, heading ids, {:toc}."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, cast

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

# --- Attribute lists and extensions -----------------------------------------------------------
# kramdown's regular expressions (parser/kramdown/extensions.rb), with Ruby's ASCII-only \w and \s.
_ANY = r"(?:\\\}|[^}])"
_ALD = re.compile(rf"\{{:(\w[\w-]*):({_ANY}+)\}}\s*$", re.ASCII)
_EXTENSION = re.compile(rf"\{{::(comment|nomarkdown|options)(?:\s{_ANY}*?|)(/)?\}}\s*$", re.ASCII)
_IAL = re.compile(rf"\{{:(?![:/])({_ANY}+)\}}\s*$", re.ASCII)
_ATTRIBUTE = re.compile(
    r"""(?:\A|\s)(?:(?P<key>\w[\w-]*)=(?P<q>["'])(?P<value>(?:\\\}|\\(?P=q)|[^}])*?)(?P=q)"""
    r"""|(?P<ref>\w[\w-]*)|(?P<names>(?:\#[A-Za-z][\w:-]*|\.[^\s.\#]+)+))(?=\s|\Z)""",
    re.ASCII,
)
_ID_OR_CLASS = re.compile(r"#([A-Za-z][\w:-]*)|\.([^\s.#]+)", re.ASCII)
_HEADING_ID = re.compile(r"[\t ]\{#([A-Za-z][\w:-]*)\}$", re.ASCII)
_SPAN_IAL = re.compile(rf"\{{:(?![:/])({_ANY}+)\}}", re.ASCII)
_ABBREVIATION = re.compile(r"\*\[(.+?)\]:(.*)$")
_SPAN_ELEMENTS = ("em_close", "strong_close", "s_close", "link_close", "code_inline", "image")


def kramdown_syntax_plugin(md: MarkdownIt) -> None:
    """What kramdown's GFM parser reads beyond CommonMark, tables, ~~strike~~ and footnotes, read
    as kramdown reads it: attribute lists (`{: .note}` after or before a block or after a span,
    `{:name: .x}` definitions used as `{: name}`), `# Heading {#id}`, the `{::comment}`,
    `{::nomarkdown}` and `{::options /}` extensions, abbreviations (`*[HTML]: HyperText…`),
    definition lists and task lists. None of the syntax is ever shown as text. A list marked
    `{:toc}` becomes the table of contents (see headings_plugin)."""
    md.use(deflist_plugin).use(tasklists_plugin)
    md.block.ruler.before(
        "fence", "kramdown_lines", _kramdown_line, {"alt": ["paragraph", "blockquote", "list"]}
    )
    md.core.ruler.after("block", "kramdown_attributes", _apply_attribute_lists)
    md.core.ruler.after("github-tasklists", "kramdown_spans", _spans)
    md.add_render_rule(
        "html_block", lambda _, tokens, idx, *__: html_block_lines(tokens[idx].content)
    )


# --- HTML blocks ----------------------------------------------------------------------------------
# kramdown's text-level elements (parser/html.rb HTML_SPAN_ELEMENTS): any other tag is a block.
_HTML_SPAN_TAGS = frozenset(
    ["a", "abbr", "acronym", "b", "big", "bdo", "br", "button", "cite", "code", "del", "dfn", "em",
     "i", "img", "input", "ins", "kbd", "label", "mark", "option", "q", "rb", "rbc", "rp", "rt",
     "rtc", "ruby", "samp", "select", "small", "span", "strong", "sub", "sup", "tt", "u", "var"]
)  # fmt: skip
_HTML_VOID_TAGS = frozenset(
    ["area", "base", "br", "col", "command", "embed", "hr", "img", "input", "keygen", "link",
     "meta", "param", "source", "track", "wbr"]
)  # fmt: skip
_HTML_RAW_TEXT_TAGS = frozenset({"script", "style", "textarea"})  # their text holds no tags
_HTML_TAG = re.compile(r"<!--.*?-->|<(/?)([A-Za-z][A-Za-z0-9-]*)\b[^>]*?(/?)>", re.S)
_NEXT_ON_THE_LINE = re.compile(r" {0,3}(?=<!--|<([A-Za-z][A-Za-z0-9-]*))")


def html_block_lines(html: str) -> str:
    """An HTML block as kramdown writes it: a block element (or comment) at the top level ends
    its line when another one follows on the same line, after at most three spaces
    (`<p>a</p> <p>b</p><p>c</p>` is three lines); what is inside an element is left as written.
    Text made of the block, such as a summary, so gets kramdown's line breaks between blocks."""
    out, done, depth, pos = [], 0, 0, 0
    while (tag := _HTML_TAG.search(html, pos)) is not None:
        pos = tag.end()
        closing, name, self_closing = tag[1], (tag[2] or "").lower(), tag[3]
        if not name or closing or self_closing or name in _HTML_VOID_TAGS:  # an element ends
            depth = max(depth - 1, 0) if closing else depth
        elif name in _HTML_RAW_TEXT_TAGS:
            end = re.compile(rf"</{name}\s*>", re.I).search(html, pos)
            pos = end.end() if end else len(html)
        else:
            depth += 1
            continue
        if depth or name in _HTML_SPAN_TAGS:
            continue
        gap = _NEXT_ON_THE_LINE.match(html, pos)
        if gap is not None and (gap[1] or "").lower() not in _HTML_SPAN_TAGS:
            out += [html[done:pos], "\n"]
            done = pos = gap.end()
    return "".join([*out, html[done:]])


def _kramdown_line(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    line = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
    if (abbreviation := _ABBREVIATION.match(line)) and not silent:  # never ends a paragraph
        state.env.setdefault("kramdown_abbreviations", {})[abbreviation[1]] = abbreviation[2]
        state.line = start + 1
        return True
    found = line.startswith("{:") and (
        _ALD.match(line) or _EXTENSION.match(line) or _IAL.match(line)
    )
    if not found:
        return False
    last = start
    if found.re is _EXTENSION and not found[2]:  # a body, up to {:/name} or {:/}
        stop = re.compile(rf" {{0,3}}\{{:/(?:{found[1]})?\}}\s*$")
        last = next((n for n in range(start + 1, end) if stop.match(_line(state, n))), -1)
        if last < 0:
            return False
    if silent:
        return True
    if found.re is _EXTENSION and found[1] != "options":
        body = state.getLines(start + 1, last, state.blkIndent, False)
        token = state.push("html_block", "", 0)
        token.content = f"<!-- {body} -->\n" if found[1] == "comment" else body + "\n"
    elif found.re is not _EXTENSION:
        before = state.tokens[-1] if state.tokens else None
        token = state.push("kramdown_ial" if found.re is _IAL else "kramdown_ald", "", 0)
        token.meta = _attribute_list(found[found.lastindex or 1])
        token.meta["name"] = found[1]
        # kramdown gives an IAL to the block just above it, else to the next block.
        token.meta["follows"] = not state.isEmpty(start - 1) and (
            before.meta["follows"]
            if before is not None and before.type == "kramdown_ial"
            else before is not None and before.nesting != 1 and before.type != "kramdown_ald"
        )
    state.line = last + 1
    return True


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] : state.eMarks[line]]


def _attribute_list(text: str) -> dict[str, Any]:
    """kramdown's parse_attribute_list: `#id`, `.class` (classes add up), `key="value"`, and
    names of attribute list definitions."""
    attrs: dict[str, str] = {}
    refs: list[str] = []
    for found in _ATTRIBUTE.finditer(text):
        if found["ref"]:
            refs.append(found["ref"])
        elif found["names"]:
            for ident, name in _ID_OR_CLASS.findall(found["names"]):
                if name:
                    attrs["class"] = f"{attrs.get('class', '')} {name}".lstrip()
                else:
                    attrs["id"] = ident
        else:
            attrs[found["key"]] = re.sub(rf"\\([}}{found['q']}])", r"\1", found["value"])
    return {"attrs": attrs, "refs": refs}


def _apply_attribute_lists(state: StateCore) -> None:
    alds = {t.meta["name"]: t.meta for t in state.tokens if t.type == "kramdown_ald"}
    state.env["kramdown_alds"] = alds
    kept: list[Token] = []
    waiting: dict[int, list[dict[str, Any]]] = {}  # level -> lists for the next block there
    for token in state.tokens:
        if token.type == "kramdown_ial" and token.meta["follows"]:
            if (target := _opener(kept)) is not None:
                _apply(target, token.meta, alds)
            continue
        if token.type == "kramdown_ial":
            waiting.setdefault(token.level, []).append(token.meta)
            continue
        if token.type == "kramdown_ald":
            continue
        for level in [level for level in waiting if level > token.level]:
            del waiting[level]  # its container ended before another block came
        if token.nesting != -1 and token.type != "inline" and token.level in waiting:
            for found in waiting.pop(token.level):
                _apply(token, found, alds)
        heading = kept[-1] if token.type == "inline" and kept[-1].type == "heading_open" else None
        if heading is not None and (explicit := _HEADING_ID.search(token.content)):
            token.content = token.content[: explicit.start()].rstrip()
            if heading.attrGet("id") is None:
                heading.attrSet("id", explicit[1])
        kept.append(token)
    state.tokens = kept


def _opener(tokens: Sequence[Token]) -> Token | None:
    """The element the last token ends (its opening token, or itself when it opens nothing)."""
    depth = 0
    for token in reversed(tokens):
        depth += token.nesting
        if depth == 0:
            return token
        if depth > 0:
            return None
    return None


def _spans(state: StateCore) -> None:
    """Span attribute lists, abbreviations, and task lists written as kramdown writes them."""
    alds = state.env.get("kramdown_alds", {})
    abbreviations: dict[str, str] = state.env.get("kramdown_abbreviations", {})
    names = "|".join(map(re.escape, sorted(abbreviations, key=len, reverse=True)))
    abbreviated = re.compile(rf"(?<![A-Za-z0-9_])({names})(?![A-Za-z0-9_])") if names else None
    for block in state.tokens:
        if block.attrGet("class") == "contains-task-list":
            block.attrSet("class", "task-list")
        if not block.children:
            continue
        children: list[Token] = []
        for child in block.children:
            previous = children[-1] if children else None
            if previous is not None and child.type == "text":
                ial = _SPAN_IAL.match(child.content) if previous.type in _SPAN_ELEMENTS else None
                if ial and (element := _opener(children)) is not None:
                    _apply(element, _attribute_list(ial[1]), alds)
                    child.content = child.content[ial.end() :]
                if "task-list-item-checkbox" in previous.content:
                    child.content = child.content.lstrip()
            if child.type == "text" and abbreviated is not None:
                children.extend(_abbreviate(child.content, abbreviated, abbreviations))
            else:
                children.append(child)
        block.children = children


def _abbreviate(text: str, abbreviated: re.Pattern[str], titles: Mapping[str, str]) -> list[Token]:
    tokens = []
    for i, piece in enumerate(abbreviated.split(text)):
        if i % 2:
            title = titles[piece].strip()
            shown = f' title="{escapeHtml(title)}"' if title else ""
            tokens.append(Token("html_inline", "", 0, content=f"<abbr{shown}>"))
            tokens.append(Token("text", "", 0, content=piece))
            tokens.append(Token("html_inline", "", 0, content="</abbr>"))
        elif piece:
            tokens.append(Token("text", "", 0, content=piece))
    return tokens


def _apply(token: Token, found: Mapping[str, Any], alds: Mapping[str, Mapping[str, Any]]) -> None:
    """The definitions it names first, then its own attributes (kramdown's update_attr_with_ial)."""
    for ref in found["refs"]:
        if ref in alds:  # a definition may name others, but never itself again
            _apply(token, alds[ref], {name: ald for name, ald in alds.items() if name != ref})
    token.meta.setdefault("refs", []).extend(found["refs"])
    for key, value in found["attrs"].items():
        if key == "class":
            token.attrJoin(key, value)
        else:
            token.attrSet(key, value)


# --- Heading ids and the table of contents --------------------------------------------------------
# Characters Ruby's \p{Word} holds beyond letters, marks, digits and connectors: letters drawn in
# circles and squares (Unicode's Other_Alphabetic symbols).
_LETTER_SYMBOLS = (
    ("\u24b6", "\u24e9"),
    ("\U0001f130", "\U0001f149"),
    ("\U0001f150", "\U0001f169"),
    ("\U0001f170", "\U0001f189"),
)


def headings_plugin(
    md: MarkdownIt, *, auto_ids: bool, prefix: str, toc_levels: Sequence[int]
) -> None:
    """Heading ids as kramdown's GFM parser makes them (when `auto_ids`), and the list marked
    `{:toc}` replaced by a table of contents of the headings with ids at `toc_levels`."""
    rule = functools.partial(_headings, auto_ids=auto_ids, prefix=prefix, levels=toc_levels)
    md.core.ruler.before("text_join", "kramdown_headings", rule)


def gfm_id(text: str) -> str:
    """kramdown-parser-gfm's id for a heading's text: lower case, every character but letters,
    marks, digits, `_`, `-`, space and tab dropped, spaces and tabs turned into `-`."""
    kept = "".join(ch for ch in text.lower() if ch in "- \t" or _is_word(ch))
    return kept.replace(" ", "-").replace("\t", "-")


def _is_word(ch: str) -> bool:
    category = unicodedata.category(ch)
    return (
        category[0] in "LM"
        or category in ("Nd", "Nl", "Pc")
        or ch in "\u200c\u200d"  # the joiners
        or any(low <= ch <= high for low, high in _LETTER_SYMBOLS)
    )


def _headings(state: StateCore, auto_ids: bool, prefix: str, levels: Sequence[int]) -> None:
    tokens, counts, entries = state.tokens, dict[str, int](), []
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        children = tokens[i + 1].children or []
        if auto_ids and token.attrGet("id") is None:
            base = gfm_id("".join(c.content for c in children if c.type in _TEXT_TYPES))
            counts[base] = count = counts.get(base, -1) + 1  # kramdown counts, never checks
            if made := prefix + base + (f"-{count}" if count else ""):
                token.attrSet("id", made)
        ident = token.attrGet("id")
        no_toc = "no_toc" in str(token.attrGet("class") or "").split()
        if ident and int(token.tag[1:]) in levels and not no_toc:
            entries.append((int(token.tag[1:]), str(ident), children))
    start = next((i for i, token in enumerate(tokens) if _is_toc_list(token)), None)
    if start is not None:  # the list and all it holds become the table of contents
        level = tokens[start].level
        end = next(
            i
            for i in range(start, len(tokens))
            if tokens[i].level == level and tokens[i].nesting < 0
        )
        toc = Token("html_block", "", 0, content=_toc(state, tokens[start], entries))
        state.tokens = [*tokens[:start], toc, *tokens[end + 1 :]]


def _is_toc_list(token: Token) -> bool:
    return token.type in ("bullet_list_open", "ordered_list_open") and "toc" in token.meta.get(
        "refs", ()
    )


_TEXT_TYPES = ("text", "text_special", "code_inline")
_Entry = tuple[int, str, str, list[Any]]  # level, id, heading as HTML, the entries below it


def _toc(state: StateCore, listing: Token, entries: list[tuple[int, str, list[Token]]]) -> str:
    """kramdown's table of contents: nested lists of links to the headings, each shown without
    its links and footnote marks; nothing when no heading has an id."""
    if not entries:
        return ""
    renderer = cast(RendererHTML, state.md.renderer)
    toc_id = str(listing.attrGet("id") or "markdown-toc")
    listing.attrSet("id", toc_id)
    tag = listing.tag
    tree: list[_Entry] = []
    stack: list[_Entry] = []
    for level, ident, children in entries:
        shown = [c for c in children if c.type not in ("link_open", "link_close", "footnote_ref")]
        node: _Entry = (level, ident, renderer.renderInline(shown, state.md.options, state.env), [])
        while stack and stack[-1][0] >= level:
            stack.pop()
        (stack[-1][3] if stack else tree).append(node)
        stack.append(node)

    def html(nodes: list[_Entry], attrs: str) -> str:
        items = "".join(
            f'<li><a href="#{escapeHtml(ident)}" id="{escapeHtml(f"{toc_id}-{ident}")}">{shown}</a>'
            f"{html(inner, '') if inner else ''}</li>\n"
            for _, ident, shown, inner in nodes
        )
        return f"<{tag}{attrs}>\n{items}</{tag}>\n"

    return html(tree, renderer.renderAttrs(listing))
