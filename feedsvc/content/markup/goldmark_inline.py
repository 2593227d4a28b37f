"""Goldmark's typographer and linkify extensions, as Hugo 0.111 (Goldmark 1.5.4) runs them, as
markdown-it inline rules: the same quotes, dashes and links where Goldmark finds them."""

from __future__ import annotations

import re
import unicodedata

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from mdurl import encode as url_encode

TYPOGRAPHIC = "goldmark_typographic"  # a token whose content is an entity, written as is

# Where markdown-it's text rule stops, so that a rule can look: its own stops, Goldmark's
# typographer's (' " .), and a space or ( before what could start a link.
_TEXT_STOP = re.compile(
    r"""[\n!#$%&*+\-:<=>@\[\\\]^_`{}~'".]"""
    r"""|[ (](?=(?:https?|ftp)://|www\.|[!#$%&'*+\-./0-9=?A-Za-z^_`{|}~]+@)"""
)
_ASCII_PUNCT = frozenset("""!"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~""")
_GO_SPACE = frozenset(" \t\n\v\f\r\x85\xa0")
_ENTITIES = {
    "lsquo": "&lsquo;",
    "rsquo": "&rsquo;",
    "ldquo": "&ldquo;",
    "rdquo": "&rdquo;",
}
_SYMBOLS = (("---", "&mdash;"), ("...", "&hellip;"), ("<<", "&laquo;"), (">>", "&raquo;"),
            ("--", "&ndash;"))  # fmt: skip
_URL = re.compile(
    r"(?:http|https|ftp)://[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-z]+(?::\d+)?"
    r"""(?:[/#?][-a-zA-Z0-9@:%_+.~#$!?&/=();,'">^{}\[\]`]*)?"""
)
_WWW = re.compile(
    r"""www\.[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-z]+(?:[/#?][-a-zA-Z0-9@:%_+.~#!?&/=();,'">^{}\[\]`]*)?"""
)
_BRACKET = re.compile(r"[\[\]]")
_WORD = re.compile(r"\S*")
_URL_STARTS = ("http:", "https:", "ftp:", "www.")
_QUOTE_RUN = re.compile(r"'+|\"+")
_LOOK_AHEAD = 8  # characters after a run of quotes that Goldmark's rules look at (at most 5)
_EMAIL_LOCAL = re.compile(r"[!#$%&'*+\-./0-9=?A-Z^_`a-z{|}~]+")
_EMAIL_DOMAIN = re.compile(
    r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*"
)


def inline_plugin(md: MarkdownIt, *, typographer: bool, linkify: str | None) -> None:
    """Goldmark's typographer (when `typographer`) and linkify (when `linkify` names the scheme
    given to `www.` links) on a markdown-it parser."""
    md.inline.ruler.at("text", _text)
    if linkify is not None:
        md.inline.ruler.before("text", "goldmark_linkify", _linkify)
        md.options["goldmark_linkify"] = linkify
    if typographer:
        md.inline.ruler.push("goldmark_typographer", _typographer)
    md.add_render_rule(TYPOGRAPHIC, lambda _, tokens, idx, *__: tokens[idx].content)


def _text(state: StateInline, silent: bool) -> bool:
    """markdown-it's text rule, stopping where the rules below may start."""
    found = _TEXT_STOP.search(state.src, state.pos, state.posMax)
    end = found.start() if found else state.posMax
    if end == state.pos:
        return False
    if not silent:
        state.pending += state.src[state.pos : end]
    state.pos = end
    return True


# --- The typographer ------------------------------------------------------------------------------


def _go_space(char: str) -> bool:
    return char in _GO_SPACE or (ord(char) > 255 and char.isspace())


def _punct(char: str) -> bool:
    """Goldmark's IsPunctRune: ASCII punctuation or a Unicode punctuation letter."""
    return char in _ASCII_PUNCT or unicodedata.category(char).startswith("P")


def _unicode_punct(char: str) -> bool:
    """Go's unicode.IsPunct: Unicode category P only (`$`, `+`, `<` are symbols there)."""
    return unicodedata.category(char).startswith("P")


def _letter(char: str) -> bool:
    return unicodedata.category(char).startswith("L")


def _digit(char: str) -> bool:
    return unicodedata.category(char) == "Nd"


def _typographer(state: StateInline, silent: bool) -> bool:
    """Goldmark's typographer at one position: `---` `--` `...` `<<` `>>` and quotes, decided
    by the characters around as Goldmark decides (a quote closes only one its block opened)."""
    src, pos = state.src, state.pos
    char = src[pos]
    if char not in "'\"-.<>":
        return False
    # The rest of the line as far as the rules look: the run of this quote and a few characters
    # after it (read to the line's end, a long line made this quadratic).
    stop = _end_of(_QUOTE_RUN, src, pos, len(src)) + _LOOK_AHEAD
    newline = src.find("\n", pos, stop)
    line = src[pos:stop] if newline < 0 else src[pos : newline + 1]
    for symbol, entity in _SYMBOLS:
        if line.startswith(symbol):
            if pos + len(symbol) > state.posMax:
                return False
            if not silent:
                state.push(TYPOGRAPHIC, "", 0).content = entity
            state.pos += len(symbol)
            return True
    if char not in "'\"" or silent:  # silent: a quote takes one character either way
        return False
    quote = _quote(line, src[pos - 1] if pos else "\n", _counter(state))
    if quote is None:
        return False
    state.push(TYPOGRAPHIC, "", 0).content = _ENTITIES[quote]
    state.pos += 1
    return True


def _counter(state: StateInline) -> dict[str, int]:
    """The quotes opened and not yet closed. Goldmark 1.5.4 means to count them per block, but
    its reset never runs (its CloseBlock does not match the interface Goldmark calls), so they
    are counted over the whole document: a quote left open in one paragraph is closed in a
    later one."""
    counter: dict[str, int] = state.env.setdefault("goldmark_quotes", {"'": 0, '"': 0})
    return counter


class _Line:
    """The rest of the line from a quote, as Goldmark sees it: bytes of UTF-8, where a length
    or an index counts bytes and a rune is read from the byte it starts at or holds."""

    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8")
        self.size = len(self.data)

    def byte(self, i: int) -> str:
        """Byte `i` as a one-character string (a non-ASCII byte matches no ASCII set)."""
        return chr(self.data[i]) if i < self.size else ""

    def rune(self, i: int) -> str:
        start = i
        while start > 0 and self.data[start] & 0xC0 == 0x80:
            start -= 1
        return self.data[start : start + 4].decode("utf-8", "ignore")[:1] or " "

    def ascii_punct(self, i: int) -> bool:
        return self.byte(i) in _ASCII_PUNCT if i < self.size else False

    def ascii_space(self, i: int) -> bool:
        return self.byte(i) in " \t\n\r" if i < self.size else False


def _flanking(line: _Line, before: str) -> tuple[bool, bool]:
    """Goldmark's ScanDelimiter for the run of quotes starting `line`: can it open, close."""
    run = len(line.data) - len(line.data.lstrip(line.data[:1]))
    after = line.rune(run) if run < line.size else " "
    before_punct, before_space = _punct(before), _go_space(before)
    after_punct, after_space = _punct(after), _go_space(after)
    can_open = not after_space and (not after_punct or before_space or before_punct)
    can_close = not before_space and (not before_punct or after_space or after_punct)
    return can_open, can_close


def _quote(text: str, before: str, counter: dict[str, int]) -> str | None:
    """Which entity the quote starting `text` (the rest of its line) becomes, or None to leave
    it as written: Goldmark's rules, in its order."""
    line = _Line(text)
    can_open, can_close = _flanking(line, before)
    n, second = line.size, line.byte(1)
    if text[0] == "'":
        decade = n > 3 and line.data[1:3].isdigit() and line.byte(3) == "s"  # '90s
        after = line.rune(4) if n > 4 else " "
        if can_open and not can_close and decade and (_go_space(after) or _punct(after)):
            return "rsquo"
        if n > 1 and (_unicode_punct(before) or _go_space(before)) and second in "tenl":
            return "rsquo"  # 'twas, 'em, 'net, 'll
        if n > 1 and (_digit(before) or _letter(before)) and _letter(line.rune(1)):
            return "rsquo"  # an apostrophe between letters (or after a digit)
        if can_open and not can_close:
            ends = n < 3 or line.ascii_punct(2) or line.ascii_space(2)
            if n > 1 and second in "smtd" and ends:  # Alice's, I'm, Don't, You'd
                return "rsquo"
            ends = n < 4 or line.ascii_punct(3) or line.ascii_space(3)
            if n > 2 and line.data[1:3] in (b"ve", b"ll", b"re") and ends:  # I've, I'll
                return "rsquo"
            counter["'"] += 1
            return "lsquo"
        # Smiths', doin' (Goldmark's test as written: its first rune is the quote itself)
        if n > 2 and not _digit(line.rune(1)):
            return "rsquo"
        if counter["'"] > 0 and _closes(line, can_open, can_close):
            counter["'"] -= 1
            return "rsquo"
        return None
    if can_open and not can_close:
        counter['"'] += 1
        return "ldquo"
    if counter['"'] > 0 and _closes(line, can_open, can_close):
        if second == '"' and _digit(before):  # "Monitor 21""
            return None
        counter['"'] -= 1
        return "rdquo"
    return None


def _closes(line: _Line, can_open: bool, can_close: bool) -> bool:
    if can_close and not can_open:
        return True
    n = line.size
    return (
        can_close
        and can_open
        and n > 1
        and _unicode_punct(line.rune(1))
        and (n == 2 or line.ascii_punct(2) or line.ascii_space(2))
    )


# --- Linkify --------------------------------------------------------------------------------------


def _linkify(state: StateInline, silent: bool) -> bool:
    """Goldmark's linkify: a URL (http, https, ftp, www.) or an e-mail address right after a
    space, `(`, a single `~`, at the start of a line, or right after another inline element
    (Goldmark looks again there, as at a line's start); never inside a link's text, nor after
    a `[` not yet closed: Goldmark links nothing while a link's text may be open, even one that
    turns out not to be a link."""
    src, pos = state.src, state.pos
    # Silent is markdown-it looking for a link text's end (skipToken from parseLinkLabel), so
    # inside a `[` already: a URL there would run over the `]` and lose the link.
    if silent or state.linkLevel > 0:
        return False
    char = src[pos]
    skip = 0
    if char in " (" or (char == "~" and src[pos : pos + 2] != "~~"):
        skip = 1
    elif pos and src[pos - 1] != "\n" and not _after_element(state):
        return False
    start, stop = pos + skip, state.posMax
    first = src[start : start + 1]
    if not (first.isascii() and first.isalnum()):  # what every link and address starts with
        return False
    found, scheme, line = None, "", ""
    if src.startswith(_URL_STARTS, start, stop):
        line = _word(src, start, stop)
        found = _URL.match(line) if line.startswith(("http:", "https:", "ftp:")) else None
        if found is None and line.startswith("www."):
            found, scheme = _WWW.match(line), state.md.options["goldmark_linkify"]
    email = found is None
    if found is not None:
        end = _url_end(line, found.end())
    else:
        local = _EMAIL_LOCAL.match(src, start, stop)
        if local is None or not src.startswith("@", local.end(), stop):
            return False
        line = line or _word(src, start, stop)
        end = _email_end(line)
        if end < 0:
            return False
    end = _trim(line, end)
    if end <= 0 or _label_open(state):
        return False
    if skip:
        state.pending += char
    text = line[:end]
    href = ("mailto:" if email else f"{scheme}://" if scheme else "") + text
    token = state.push("link_open", "a", 1)
    token.attrs = {"href": url_encode(href)}
    token.markup, token.info = "linkify", "auto"
    state.push("text", "", 0).content = text
    closing = state.push("link_close", "a", -1)
    closing.markup, closing.info = "linkify", "auto"
    state.pos = start + end
    return True


def _label_open(state: StateInline) -> bool:
    """Whether a `[` before here in the paragraph is still open, as Goldmark keeps a link's
    text open from its `[` to the next `]` (a `[` that became no link is text here; escaped
    ones and those in code are other tokens). The count so far is kept (tokens only grow while
    a paragraph is read), so a paragraph of many links is not read again at each."""
    tokens = state.tokens
    memo = state.env.get("goldmark_labels")
    if memo is None or memo[0] is not tokens or memo[1] > len(tokens):
        memo = state.env["goldmark_labels"] = [tokens, 0, 0]
    depth = memo[2]
    for token in tokens[memo[1] :]:
        if token.type == "text":
            depth = _brackets(token.content, depth)
    memo[1], memo[2] = len(tokens), depth
    return _brackets(state.pending, depth) > 0


def _brackets(text: str, depth: int) -> int:
    """How many `[` are open after `text`, `depth` open before it (a `]` closes the last)."""
    for bracket in _BRACKET.findall(text):
        depth = depth + 1 if bracket == "[" else max(depth - 1, 0)
    return depth


def _word(text: str, start: int, stop: int) -> str:
    """The text from `start` to the next white space: no link or address holds any, so this is
    all the rules look at (the rest of the line made a long line quadratic)."""
    return text[start : _end_of(_WORD, text, start, stop)]


def _end_of(pattern: re.Pattern[str], text: str, start: int, stop: int) -> int:
    """Where `pattern` ends, matched at `start` (`start` when it does not match there)."""
    found = pattern.match(text, start, stop)
    return found.end() if found else start


def _after_element(state: StateInline) -> bool:
    """Whether an inline element ends right here: Goldmark looks for a link after one as at a
    line's start. An escaped character or an entity is text to Goldmark, not an element."""
    return not state.pending and bool(state.tokens) and state.tokens[-1].type != "text_special"


def _url_end(line: str, end: int) -> int:
    """Where a matched URL ends after Goldmark's corrections for a final `.`, `)` and `;`."""
    last = line[end - 1]
    if last == ".":
        return end - 1
    if last == ")":
        closing = line[:end].count(")") - line[:end].count("(")
        return end - closing if closing > 0 else end
    if last == ";":
        i = end - 2
        while i >= 0 and line[i].isascii() and line[i].isalnum():
            i -= 1
        if i != end - 2 and i >= 0 and line[i] == "&":
            return i
    return end


def _email_end(line: str) -> int:
    local = _EMAIL_LOCAL.match(line)
    if local is None or line[local.end() : local.end() + 1] != "@":
        return -1
    domain = _EMAIL_DOMAIN.match(line, local.end() + 1)
    if domain is None:
        return -1
    end = domain.end()
    if "." not in line[line.index("@") : end - 1]:
        return -1
    if line[end - 1] == ".":
        end -= 1
    if line[end : end + 1] in ("-", "_"):
        return -1
    return end


def _trim(line: str, end: int) -> int:
    """Goldmark drops trailing ? ! . , : * _ ~ from a link (keeping its first character)."""
    while end > 1 and line[end - 1] in "?!.,:*_~":
        end -= 1
    return end
