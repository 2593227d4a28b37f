"""Markdown to HTML as the site's own tool renders it, wherever a reader would notice: Jekyll's
kramdown (GFM input), Hugo's Goldmark, or CommonMark with GFM tables for a plain folder."""

from __future__ import annotations

import functools
import html.entities
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block.html_block import html_block
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.footnote import footnote_plugin

from feedsvc.content.markup import kramdown, typography
from feedsvc.content.markup.goldmark import GoldmarkOptions, goldmark_config, goldmark_parser


@dataclass(frozen=True)
class MarkdownOptions:
    """How Markdown becomes HTML. Most fields are Jekyll's `kramdown:` settings (named in their
    comments), so that a Jekyll site's feeds show what its pages show."""

    header_ids: bool = False  # auto_ids: ids on headings, made as kramdown's GFM parser makes them
    auto_id_prefix: str = ""  # auto_id_prefix: put before every generated heading id
    smart_quotes: bool = (
        False  # typographic quotes, dashes, ellipses, guillemets (kramdown: always)
    )
    quotes: str = "‘’“”"  # smart_quotes: the characters for lsquo, rsquo, ldquo, rdquo
    typographic_symbols: bool = True  # -- --- ... << >> with smart_quotes (gfm_quirks can say no)
    hard_wrap: bool = False  # hard_wrap: each line break inside a paragraph is a <br>
    footnote_nr: int = 1  # footnote_nr: the number of the first footnote
    footnote_backlink: str = "\u21a9"  # footnote_backlink, as text; empty: no link back
    toc_levels: tuple[int, ...] = (1, 2, 3, 4, 5, 6)  # toc_levels: the headings {:toc} lists
    kramdown_syntax: bool = (
        False  # {: .note}, {:toc}, # H {#id}, *[abbr]:, Term\n: def, - [ ] task:
    )
    # read as kramdown reads them, never shown as text
    rouge: bool = False  # code in the markup kramdown with rouge gives (syntax_highlighter: rouge)
    goldmark: GoldmarkOptions | None = None  # a Hugo site's Goldmark: when set, all else is unused


# Plain folders of posts: CommonMark plus GFM tables, ~~strike~~ and footnotes.
PLAIN = MarkdownOptions()
# What a Jekyll site gets when its _config.yml says nothing of kramdown.
KRAMDOWN = MarkdownOptions(header_ids=True, smart_quotes=True, kramdown_syntax=True, rouge=True)


def kramdown_options(config: Mapping[str, Any], highlighter: object = "rouge") -> MarkdownOptions:
    """The options for a Jekyll site whose `_config.yml` holds `config` as its `kramdown:` mapping,
    on top of Jekyll's defaults. Unknown keys are ignored and a value kramdown would refuse keeps
    the default: a typo in a setting never stops a site's feeds. `highlighter` is the site's
    top-level `highlighter`, which Jekyll uses when `syntax_highlighter` is not set."""
    if not isinstance(config, Mapping):
        config = {}
    base = KRAMDOWN
    quirks = config.get("gfm_quirks", "")
    quirks = quirks.split(",") if isinstance(quirks, str) else quirks
    no_typographic = isinstance(quirks, list) and "no_auto_typographic" in map(_strip, quirks)
    syntax = config.get("syntax_highlighter") or highlighter
    syntax_opts = config.get("syntax_highlighter_opts")
    disabled = isinstance(syntax_opts, Mapping) and _flag(syntax_opts.get("disable"), False)
    backlink = config.get("footnote_backlink", "&#8617;")
    return MarkdownOptions(
        header_ids=_flag(config.get("auto_ids"), base.header_ids),
        auto_id_prefix=_text(config.get("auto_id_prefix"), base.auto_id_prefix),
        smart_quotes=True,
        quotes=_quotes(config.get("smart_quotes"), base.quotes),
        typographic_symbols=not no_typographic,
        hard_wrap=_flag(config.get("hard_wrap"), base.hard_wrap),
        footnote_nr=_whole(config.get("footnote_nr"), base.footnote_nr),
        footnote_backlink=html.unescape(backlink) if isinstance(backlink, str) else "\u21a9",
        toc_levels=_levels(config.get("toc_levels"), base.toc_levels),
        kramdown_syntax=True,
        rouge=syntax == "rouge" and not disabled,
    )


def goldmark_options(markup: Mapping[str, Any]) -> MarkdownOptions:
    """The options for a Hugo site whose configuration holds `markup` as its `markup` table:
    Goldmark as Hugo 0.111 sets it up, changed by the site's `markup.goldmark` and
    `markup.highlight` (see goldmark.goldmark_config)."""
    return MarkdownOptions(goldmark=goldmark_config(markup if isinstance(markup, Mapping) else {}))


def render_markdown(text: str, options: MarkdownOptions) -> str:
    """The HTML of one Markdown document; raw HTML in it is passed through as written."""
    return str(_parser(options).render(text))


def _strip(value: object) -> str:
    return str(value).strip()


def _flag(value: object, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str) else None
    return {"true": True, "false": False}.get(text or "", default)


def _text(value: object, default: str) -> str:
    return value if isinstance(value, str) else default


def _whole(value: object, default: int) -> int:
    if isinstance(value, bool):
        return default
    try:
        return int(str(value))
    except ValueError:
        return default


def _quotes(value: object, default: str) -> str:
    """kramdown's smart_quotes: four entity names or code points, as a list or comma separated."""
    names = value.split(",") if isinstance(value, str) else value
    if not isinstance(names, list) or len(names) != 4:
        return default
    chars = []
    for name in map(_strip, names):
        char = chr(int(name)) if name.isdigit() else html.entities.html5.get(f"{name};", "")
        if len(char) != 1:
            return default
        chars.append(char)
    return "".join(chars)


def _levels(value: object, default: tuple[int, ...]) -> tuple[int, ...]:
    """kramdown's toc_levels: a list, `1,2,3`, or a range such as `2..4`."""
    if isinstance(value, str) and (bounds := re.fullmatch(r"\s*([1-6])\.\.([1-6])\s*", value)):
        return tuple(range(int(bounds[1]), int(bounds[2]) + 1))
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        return default
    levels = tuple(_whole(item, 0) for item in items)
    return levels if all(1 <= level <= 6 for level in levels) else default


@functools.lru_cache(maxsize=16)  # one parser per set of options, for thousands of bodies
def _parser(options: MarkdownOptions) -> MarkdownIt:
    if options.goldmark is not None:
        return goldmark_parser(options.goldmark)
    # CommonMark with raw HTML passed through: real posts mix HTML blocks with Markdown links.
    md = MarkdownIt("commonmark", {"html": True, "breaks": options.hard_wrap})
    md.enable(["table", "strikethrough"]).use(footnote_plugin, inline=False)
    md.options["kramdown"] = options
    for name in ("s_open", "s_close", "th_open", "td_open"):
        md.add_render_rule(name, _tag_as_kramdown)
    for name in ("footnote_ref", "footnote_block_open", "footnote_open", "footnote_anchor"):
        md.add_render_rule(name, _FOOTNOTES[name])
    md.add_render_rule("footnote_block_close", lambda *_: "</ol>\n</div>\n")
    if options.rouge:
        for name in ("fence", "code_block", "code_inline"):
            md.add_render_rule(name, _rouge)
    if options.kramdown_syntax:
        md.use(kramdown.kramdown_syntax_plugin)
        md.block.ruler.at(
            "html_block", _kramdown_html_block, {"alt": ["paragraph", "reference", "blockquote"]}
        )
    if options.smart_quotes:
        md.use(
            typography.typography_plugin, quotes=options.quotes, symbols=options.typographic_symbols
        )
    if options.header_ids or options.kramdown_syntax:
        md.use(
            kramdown.headings_plugin,
            auto_ids=options.header_ids,
            prefix=options.auto_id_prefix,
            toc_levels=options.toc_levels,
        )
    return md


def _kramdown_html_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """CommonMark's HTML blocks, except that a comment (or `<!…>`, `<?…>`) does not end a
    paragraph, as in kramdown: `<!--more-->` on a line of its own inside a paragraph stays in
    it (Jekyll sites write excerpt markers so)."""
    if silent:
        start_of_line = state.bMarks[start] + state.tShift[start]
        if state.src.startswith(("<!", "<?"), start_of_line):
            return False
    return html_block(state, start, end, silent)


# --- How kramdown writes what CommonMark also has -------------------------------------------------


def _tag_as_kramdown(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """~~strike~~ as <del>, and table alignment written `text-align: left`, as kramdown does."""
    token = tokens[idx]
    if token.tag == "s":
        token.tag = "del"
    style = token.attrGet("style")
    if isinstance(style, str) and style.startswith("text-align:"):
        token.attrSet("style", style.replace(":", ": ", 1))
    return self.renderToken(tokens, idx, options, env)


def _rouge(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Code in the markup Jekyll's kramdown with rouge writes, without rouge's token spans (no
    colours: feed readers drop the site's style sheet anyway)."""
    token = tokens[idx]
    code = escapeHtml(token.content)
    language = re.split(r"[\s?]", token.info.strip(), maxsplit=1)[0] or "plaintext"
    classes = [f"language-{language}", token.attrGet("class"), "highlighter-rouge"]
    holder = Token(
        "", "", 0, attrs={**token.attrs, "class": " ".join(map(str, filter(None, classes)))}
    )
    if token.type == "code_inline":
        return f"<code{self.renderAttrs(holder)}>{code}</code>"
    return (
        f'<div{self.renderAttrs(holder)}><div class="highlight"><pre class="highlight"><code>'
        f"{code}</code></pre></div></div>\n"
    )


# --- Footnotes, shaped as kramdown writes them ----------------------------------------------------


def _footnote_ref(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    meta = tokens[idx].meta
    label = escapeHtml(meta["label"])
    ref = f"fnref:{label}:{meta['subId']}" if meta["subId"] else f"fnref:{label}"
    number = meta["id"] + options["kramdown"].footnote_nr
    return (
        f'<sup id="{ref}" role="doc-noteref">'
        f'<a href="#fn:{label}" class="footnote" rel="footnote">{number}</a></sup>'
    )


def _footnote_block_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    first = options["kramdown"].footnote_nr
    start = f' start="{first}"' if first != 1 else ""
    return f'<div class="footnotes" role="doc-endnotes">\n<ol{start}>\n'


def _footnote_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return f'<li id="fn:{escapeHtml(tokens[idx].meta["label"])}" role="doc-endnote">'


def _footnote_anchor(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A link back to the reference, after a no-break space at the end of the note's last
    paragraph; kramdown gives a note that ends in something else (a list, code) a paragraph of
    its own for its links back."""
    backlink = options["kramdown"].footnote_backlink
    if not backlink:
        return ""
    meta = tokens[idx].meta
    label, sub = escapeHtml(meta["label"]), meta["subId"]
    first = idx
    while tokens[first - 1].type == "footnote_anchor":
        first -= 1
    own_paragraph = tokens[first - 1].type != "inline"
    link = (
        f'<a href="#fnref:{label}{f":{sub}" if sub else ""}" class="reversefootnote" '
        f'role="doc-backlink">{escapeHtml(backlink)}{f"<sup>{sub + 1}</sup>" if sub else ""}</a>'
    )
    before = "<p>" if own_paragraph and idx == first else "\u00a0"
    last = idx + 1 == len(tokens) or tokens[idx + 1].type != "footnote_anchor"
    return before + link + ("</p>\n" if own_paragraph and last else "")


_FOOTNOTES = {
    "footnote_ref": _footnote_ref,
    "footnote_block_open": _footnote_block_open,
    "footnote_open": _footnote_open,
    "footnote_anchor": _footnote_anchor,
}
