"""Smart quotes and typographic symbols (-- --- ... << >>), as kramdown sets them."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

# kramdown's rules (parser/kramdown/smart_quotes.rb), tried in order where a quote is found; \s and
# \w are Ruby's (ASCII), \b is Unicode as in Ruby. A part is a group copied, `o`/`c` + group: the
# opening/closing quote of the kind in that group, or one of lsquo, rsquo, ldquo, rdquo.
_S, _NS, _W = r"[ \t\n\v\f\r]", r"[^ \t\n\v\f\r]", r"[A-Za-z0-9_]"
_PUNCT = r"""[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]"""
_QUOTE_RULES: Sequence[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (re.compile(rf"""(["'])(?=[_*]{{1,2}}{_NS})"""), ("o1",)),
    (re.compile(rf"""(["'])(?={_PUNCT}(?!\.\.)\B)"""), ("c1",)),
    (re.compile(rf"""({_S}?)"'(?={_W})"""), ("1", "ldquo", "lsquo")),
    (re.compile(rf"""({_S}?)'"(?={_W})"""), ("1", "lsquo", "ldquo")),
    (re.compile(rf"({_S}?)'(?=[0-9][0-9]s)"), ("1", "rsquo")),
    (re.compile(rf"""({_S})(['"])(?={_W})"""), ("1", "o2")),
    (re.compile(r"""([^ \\\t\r\n\[{(-])(['"])"""), ("1", "c2")),
    (re.compile(rf"""(["'])(?={_S}|s\b|$)""", re.M), ("c1",)),
    (re.compile(r"(.?)'", re.S), ("1", "lsquo")),
    (re.compile(r'(.?)"', re.S), ("1", "ldquo")),
]
_QUOTE_NAMES = ("lsquo", "rsquo", "ldquo", "rdquo")
_SYMBOLS = {
    "---": "—",
    "--": "–",
    "...": "…",
    "<< ": "«\u00a0",
    " >>": "\u00a0»",
    "<<": "«",
    ">>": "»",
}
_SYMBOL = re.compile("|".join(map(re.escape, _SYMBOLS)))
# Where kramdown's span parser stops in plain text, and the parsers it tries there before smart
# quotes (emphasis, code, links): when they fail, what they matched is text, and a quote after
# it is looked at afresh.
_STOPS = {
    True: re.compile(r"""[^\\]?["']|--|\.\.\.| ?(?:<<|>>)|[*_`\[]|!\["""),
    False: re.compile(r"""[^\\]?["']|[*_`\[]|!\["""),  # without typographic symbols
}
_EARLIER_PARSERS = re.compile(r"\*\*?|__?|`+|!?\[(?!\^)")
_QUOTE_START = re.compile(r"""[^\\]?["']""")
_SOURCE = {"softbreak": "\n", "hardbreak": "\n", "link_open": "[", "link_close": "]", "image": "!["}


def typography_plugin(md: MarkdownIt, *, quotes: str, symbols: bool) -> None:
    """kramdown's smart quotes (`quotes`: lsquo, rsquo, ldquo, rdquo) and, when `symbols`, its
    typographic symbols (-- --- ... << >>), in text, headings, links and tables; never in code."""
    rule = functools.partial(_typography, quotes=quotes, symbols=symbols)
    md.core.ruler.before("text_join", "kramdown_typography", rule)


def _typography(state: StateCore, quotes: str, symbols: bool) -> None:
    for block in state.tokens:
        children = block.children if block.type == "inline" else None
        if not children:
            continue
        sources = [_source(child) for child in children]
        for i, child in enumerate(children):
            if child.type == "text":
                # kramdown sees a line break as the character before; what follows is looked at
                # too, as its rules look ahead.
                before = "\n" if i and children[i - 1].type == "softbreak" else ""
                after = "".join(sources[i + 1 : i + 4])
                smart = _smarten(before + child.content, after, quotes, symbols)
                child.content = smart[len(before) :]


def _source(token: Token) -> str:
    """Roughly the Markdown a token came from, enough for the rules' look-ahead."""
    if token.type in _SOURCE:
        return _SOURCE[token.type]
    if token.type == "code_inline":
        return token.markup + token.content + token.markup
    return token.content if token.type in ("text", "html_inline") else token.markup


def _smarten(text: str, after: str, quotes: str, symbols: bool) -> str:
    """kramdown's pass over one run of text; `after` is what follows it, for the look-ahead."""
    source, end, pos, out = text + after, len(text), 0, []
    while (stop := _STOPS[symbols].search(source, pos, end)) is not None:
        out.append(source[pos : stop.start()])
        pos = stop.start()
        replaced, length = _replacement(source, pos, quotes, symbols)
        if pos + length > end:  # what it matched runs on past this text: leave that to the rest
            replaced, length = source[pos], 1
        out.append(replaced)
        pos += length
    out.append(source[pos:end])
    return "".join(out)


def _replacement(source: str, pos: int, quotes: str, symbols: bool) -> tuple[str, int]:
    """What kramdown's span parsers, in their order, make of the text at `pos`, and its length.
    No rule looks behind `pos`: Ruby's StringScanner sees nothing before its position."""
    if skipped := _EARLIER_PARSERS.match(source, pos):
        return skipped[0], len(skipped[0])
    if _QUOTE_START.match(source, pos):
        for pattern, parts in _QUOTE_RULES:
            if found := pattern.match(source, pos):
                return "".join(_part(part, found, quotes) for part in parts), found.end() - pos
    if symbols and (symbol := _SYMBOL.match(source, pos)):
        return _SYMBOLS[symbol[0]], len(symbol[0])
    return source[pos], 1


def _part(part: str, found: re.Match[str], quotes: str) -> str:
    if part.isdigit():
        return found[int(part)]
    if part in _QUOTE_NAMES:
        return quotes[_QUOTE_NAMES.index(part)]
    double = found[int(part[1])] == '"'
    return quotes[(part[0] == "c") + 2 * double]
