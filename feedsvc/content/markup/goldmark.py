"""Markdown as Hugo 0.111 renders it with Goldmark 1.5.4 and its defaults: GFM tables,
~~strike~~, linkify, task lists, footnotes, definition lists, the typographer, heading ids and
`{#id .class}` attributes, raw HTML omitted unless the site allows it, code through Chroma."""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.html_block import HTML_SEQUENCES
from markdown_it.rules_block.paragraph import paragraph
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from feedsvc.content.markup import chroma, goldmark_blocks, goldmark_tables
from feedsvc.content.markup.goldmark_attributes import (
    Attribute,
    attribute_text,
    block_attributes_plugin,
    parse_attributes,
)
from feedsvc.content.markup.goldmark_inline import TYPOGRAPHIC, inline_plugin

OMITTED = "<!-- raw HTML omitted -->"
_DANGEROUS = re.compile(
    r"(?i)javascript:|vbscript:|file:|data:(?!image/(?:png|gif|jpeg|webp|svg\+xml))"
)
# A code block's attributes that are options of the highlighter (lower-cased), not HTML.
_HIGHLIGHT_OPTIONS = frozenset(["anchorlinenos", "guesssyntax", "hl_lines", "hl_inline",
                                "lineanchors", "linenos", "linenostart", "linenumbersintable",
                                "noclasses", "nohl", "style", "tabwidth"])  # fmt: skip


@dataclass(frozen=True)
class GoldmarkOptions:
    """Hugo's `markup.goldmark` settings (and `markup.highlight`), with Hugo 0.111's defaults.
    Each field is named after its setting, in the table its comment gives."""

    typographer: bool = True  # extensions.typographer
    footnote: bool = True  # extensions.footnote
    definition_list: bool = True  # extensions.definitionList
    table: bool = True  # extensions.table
    strikethrough: bool = True  # extensions.strikethrough
    linkify: bool = True  # extensions.linkify
    linkify_protocol: str = "https"  # extensions.linkifyProtocol: the scheme www. links get
    task_list: bool = True  # extensions.taskList
    hard_wraps: bool = False  # renderer.hardWraps: a line break in a paragraph is a <br>
    xhtml: bool = False  # renderer.xhtml: <br /> rather than <br>
    unsafe: bool = False  # renderer.unsafe: raw HTML and javascript: links kept
    auto_heading_id: bool = True  # parser.autoHeadingID
    auto_heading_id_type: str = "github"  # parser.autoHeadingIDType: github, github-ascii,
    # blackfriday
    attribute_title: bool = True  # parser.attribute.title: `## Heading {#id .class}`
    attribute_block: bool = False  # parser.attribute.block: `{.class}` on the line after a block
    wrap_standalone_image: bool = True  # parser.wrapStandAloneImageWithinParagraph
    highlight: chroma.HighlightOptions = dataclasses.field(  # markup.highlight
        default_factory=chroma.HighlightOptions
    )


_SETTINGS = {
    "extensions": {
        "typographer": "typographer",
        "footnote": "footnote",
        "definitionlist": "definition_list",
        "table": "table",
        "strikethrough": "strikethrough",
        "linkify": "linkify",
        "linkifyprotocol": "linkify_protocol",
        "tasklist": "task_list",
    },
    "renderer": {"hardwraps": "hard_wraps", "xhtml": "xhtml", "unsafe": "unsafe"},
    "parser": {
        "autoheadingid": "auto_heading_id",
        "autoheadingidtype": "auto_heading_id_type",
        "wrapstandaloneimagewithinparagraph": "wrap_standalone_image",
    },
}


def goldmark_config(markup: Mapping[str, Any]) -> GoldmarkOptions:
    """The options a Hugo site's `markup` table gives (keys in any case, as Hugo reads them);
    a value of the wrong type keeps Hugo's default, so a typo never stops a site's feeds."""
    markup = _lowered(markup)
    goldmark = _lowered(markup.get("goldmark"))
    changes: dict[str, Any] = {}
    defaults = GoldmarkOptions()
    for table, fields in _SETTINGS.items():
        for key, value in _lowered(goldmark.get(table)).items():
            field = fields.get(key)
            if field and type(value) is type(getattr(defaults, field)):
                changes[field] = value
    attribute = _lowered(_lowered(goldmark.get("parser")).get("attribute"))
    for key, field in (("title", "attribute_title"), ("block", "attribute_block")):
        if isinstance(attribute.get(key), bool):
            changes[field] = attribute[key]
    highlight = markup.get("highlight")
    if isinstance(highlight, Mapping):
        changes["highlight"] = chroma.highlight_options(highlight)
    return dataclasses.replace(defaults, **changes)


def _lowered(table: object) -> dict[str, Any]:
    if not isinstance(table, Mapping):
        return {}
    return {str(key).lower(): value for key, value in table.items()}


@functools.lru_cache(maxsize=8)  # one parser per set of options, for thousands of bodies
def goldmark_parser(options: GoldmarkOptions) -> MarkdownIt:
    """A markdown-it parser that writes what Goldmark writes with these options."""
    md = MarkdownIt(
        "commonmark", {"html": True, "xhtmlOut": options.xhtml, "breaks": options.hard_wraps}
    )
    md.options["goldmark"] = options
    # Goldmark links every URL; the renderer empties the dangerous ones.
    md.validateLink = lambda url: True  # type: ignore[method-assign]  # markdown-it's hook
    if options.strikethrough:
        md.enable("strikethrough")
    if options.table:
        md.use(goldmark_tables.tables_plugin)
    if options.footnote:
        md.use(goldmark_blocks.footnotes_plugin)
    if options.definition_list:
        md.use(goldmark_blocks.definition_list_plugin)
    inline_plugin(
        md,
        typographer=options.typographer,
        linkify=options.linkify_protocol if options.linkify else None,
    )
    if options.task_list:
        md.use(goldmark_blocks.task_list_plugin)
    md.block.ruler.at("paragraph", _paragraph_block)
    if options.attribute_block:
        md.use(block_attributes_plugin)
    md.core.ruler.after("block", "goldmark_headings", _headings)
    md.core.ruler.after("block", "goldmark_last_line", _last_line)
    for name in ("html_block", "html_inline"):
        md.add_render_rule(name, _raw_html)
    for name in ("s_open", "s_close"):
        md.add_render_rule(name, _del)
    md.add_render_rule("link_open", _link)
    md.add_render_rule("image", _image)
    md.add_render_rule("fence", _fence)
    md.add_render_rule("paragraph_open", _paragraph)
    md.add_render_rule("paragraph_close", _paragraph)
    return md


def _paragraph_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """markdown-it's paragraph, its lines trimmed of ASCII white space only, as Goldmark trims
    them: a Chinese paragraph's leading ideographic spaces stay, and a line's indent goes even
    inside raw HTML or a code span that runs over lines."""
    if not paragraph(state, start, end, silent):
        return False
    lines = state.getLines(start, state.line, state.blkIndent, False).split("\n")
    state.tokens[-2].content = "\n".join(line.lstrip(" \t") for line in lines).strip(" \t\n\r")
    return True


def _last_line(state: StateCore) -> None:
    """An indented code block on a text's last line, with no line break after it, ends
    without one in Goldmark (markdown-it adds one)."""
    if state.src.endswith("\n"):
        return
    last = state.src.count("\n") + 1
    for token in state.tokens:
        if token.type == "code_block" and token.map and token.map[1] == last:
            token.content = token.content.removesuffix("\n")


# --- Headings ---------------------------------------------------------------------------------


def _headings(state: StateCore) -> None:
    """`{#id .class}` at a heading's end read as its attributes, and the other headings' ids
    made from their text as written (Markdown included), as Goldmark makes them, in order."""
    options: GoldmarkOptions = state.md.options["goldmark"]
    taken: set[str] = set()
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[i + 1]
        attributes: list[Attribute] = []
        if options.attribute_title:
            inline.content, attributes = _heading_attributes(inline.content, token.markup)
        for name, value in attributes:
            if not name.lower().startswith("on"):  # Hugo writes no event handler
                token.attrSet(name, attribute_text(value, escape=False))  # escaped when written
        if not options.auto_heading_id:
            continue
        if "id" in token.attrs:
            taken.add(str(token.attrs["id"]))
            continue
        last_line = inline.content.rpartition("\n")[2]
        token.attrSet("id", _heading_id(last_line, options.auto_heading_id_type, taken))


def _heading_attributes(content: str, markup: str) -> tuple[str, list[Attribute]]:
    """The heading's text without its attribute list, and the list (empty without one):
    the last `{` on the last line that starts a valid list running to the line's end."""
    if markup.startswith("#"):  # `## Title ## {#id}`: the closing #s go too
        closed = re.match(r"(.*?)[ \t]+#+[ \t]*(\{.*)$", content, re.S)
        if closed:
            found = parse_attributes(closed[2], 0)
            if found and not closed[2][found[1] :].strip():
                return closed[1].rstrip(), found[0]
    head, _, last = content.rpartition("\n")
    braces = [m.start() for m in re.finditer(r"(?<!\\)\{", last)]
    if not braces:
        return content, []
    found = parse_attributes(last, braces[-1])
    if found is None or last[found[1] :].strip(" \t"):
        return content, []
    line = last[: braces[-1]].rstrip()
    return (f"{head}\n{line}" if head else line), found[0]


def _heading_id(text: str, kind: str, taken: set[str]) -> str:
    """Hugo's anchor name for a heading, `-1`, `-2`… added when one is taken already."""
    if kind == "blackfriday":
        words = re.split(r"[^\w]+|_+", text)  # letters and numbers, the rest one dash
        base = "-".join(w.lower() for w in words if w)
    else:
        if kind == "github-ascii":
            decomposed = unicodedata.normalize("NFD", text)
            text = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
        chars = []
        for char in text.strip():
            if kind == "github-ascii" and not char.isascii():
                continue
            if char in "- ":
                chars.append("-")
            elif char == "_" or unicodedata.category(char)[0] == "L" or char.isdecimal():
                chars.append(char.lower()[0])
        base = "".join(chars)
    base = base or "heading"
    found, number = base, 0
    while found in taken:
        number += 1
        found = f"{base}-{number}"
    taken.add(found)
    return found


# --- How Goldmark writes what CommonMark also has ---------------------------------------------


def _raw_html(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    if options["goldmark"].unsafe:
        return token.content
    if token.type != "html_block":
        return OMITTED
    return OMITTED + "\n" + (OMITTED + "\n" if _has_closure(token.content) else "")


def _has_closure(block: str) -> bool:
    """Whether an HTML block ends on a closing line of its own, which Goldmark writes (or says
    it omitted) apart from the rest: a `<pre>`, `<script>`, `<style>`, `<textarea>`, comment,
    `<?…?>`, `<!X…>` or CDATA block (CommonMark's types 1 to 5) whose end is not on its first
    line."""
    first, _, rest = block.rstrip("\n").partition("\n")
    first = first.lstrip(" ")
    for opening, closing, _ in HTML_SEQUENCES[:5]:
        if opening.search(first):
            last = rest.rpartition("\n")[2]
            return bool(rest) and not closing.search(first) and bool(closing.search(last))
    return False


def _del(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "<del>" if tokens[idx].nesting == 1 else "</del>"


def _link(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A link to a javascript:, vbscript:, file: or data: URL (other than an image) has an
    empty href unless the site is unsafe; autolinks keep theirs, as in Goldmark."""
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    if token.info != "auto" and not options["goldmark"].unsafe and _DANGEROUS.match(href):
        token.attrSet("href", "")
    return self.renderToken(tokens, idx, options, env)


def _image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    if not options["goldmark"].unsafe and _DANGEROUS.match(src):
        src = ""
    alt = "".join(_alt_text(token.children or []))
    title = token.attrGet("title")
    title_attr = f' title="{escapeHtml(str(title))}"' if title is not None else ""
    close = " />" if options["xhtmlOut"] else ">"
    return f'<img src="{escapeHtml(src)}" alt="{alt}"{title_attr}{close}'


def _alt_text(children: Sequence[Token]) -> list[str]:
    """An image's alt text as Goldmark writes it: the text of its description, escaped (the
    typographer's entities too: Goldmark writes `&amp;ldquo;` there)."""
    out = []
    for child in children:
        if child.type in ("text", "text_special", "code_inline", TYPOGRAPHIC):
            out.append(escapeHtml(child.content))
        elif child.type == "image":
            out += _alt_text(child.children or [])
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
    return out


def _paragraph(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Without wrapStandAloneImageWithinParagraph, an image alone in a paragraph is not in one."""
    if not options["goldmark"].wrap_standalone_image:
        inline = tokens[idx + 1] if tokens[idx].nesting == 1 else tokens[idx - 1]
        children = inline.children or []
        if len(children) == 1 and children[0].type == "image":
            return ""
    return self.renderToken(tokens, idx, options, env)


def _fence(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A fenced code block as Hugo writes it: through Chroma, with the options and attributes
    in braces after its language (```go {linenos=table .wide}), and no line break after."""
    token = tokens[idx]
    settings: GoldmarkOptions = options["goldmark"]
    info = token.info.strip()
    language = re.split(r"[ \t]", info, maxsplit=1)[0] if info else ""
    if not settings.highlight.code_fences:
        attrs = f' class="language-{escapeHtml(language)}"' if language else ""
        return f"<pre><code{attrs}>{escapeHtml(token.content)}</code></pre>\n"
    language = language.partition("{")[0]
    ordinal = env.setdefault("goldmark_code_blocks", 0)
    env["goldmark_code_blocks"] = ordinal + 1
    brace = info.find("{")
    found = parse_attributes(info, brace) if brace >= 0 else None
    attributes: list[tuple[str, str]] = []
    highlight: dict[str, object] = {}
    for name, value in found[0] if found else []:
        lowered = name.lower()
        if lowered in _HIGHLIGHT_OPTIONS:
            highlight[lowered] = value
        elif not lowered.startswith("on"):
            attributes.append((lowered, attribute_text(value, escape=False)))
    code_options = chroma.highlight_options(highlight, settings.highlight)
    if not code_options.line_anchors:
        code_options = dataclasses.replace(code_options, line_anchors=f"hl-{ordinal}")
    code = token.content.rstrip("\r\n")  # Hugo's Chomp, then one line break back
    return chroma.render_code(code + "\n" if code else "", language, code_options, attributes)
