"""Code blocks in the HTML Hugo 0.111 writes with its highlighter, Chroma: the same wrappers,
line spans, line numbers and highlighted lines, without the colour of each token."""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from feedsvc.content.markup.chroma_data import LEXER_FILE_PATTERNS, LEXER_NAMES, STYLES

# Chroma also finds a lexer for a backup or template file name (`x.py.bak`, `x.py.in`).
_IGNORED_SUFFIXES = ("~", ".bak", ".old", ".orig", ".dpkg-dist", ".dpkg-old", ".ucf-dist",
                     ".ucf-new", ".ucf-old", ".rpmnew", ".rpmorig", ".rpmsave", ".in")  # fmt: skip
_LINE_NUMBERS = (
    "white-space:pre;-webkit-user-select:none;user-select:none;margin-right:0.4em;"
    "padding:0 0.4em 0 0.4em;color:"
)
# Lexers that add a line break to code without one (Chroma's EnsureNL) and emit it when a token
# runs into it: those of whole lines always; these others after a space or tab, which their
# white-space token takes with the break (not C#, D or Java, whose white space stops before it).
_WHOLE_LINES = frozenset(["diff", "udiff", "bash-session", "console", "shell-session"])
_BREAK_AFTER_SPACE = frozenset(["go", "golang", "js", "javascript", "ts", "tsx", "typescript",
                                "rust", "rs", "c", "cpp", "c++", "arduino", "metal", "verilog",
                                "v", "vlang", "systemverilog", "sv", "armasm", "php", "php3",
                                "php4", "php5", "make", "makefile", "mf", "bsdmake"])  # fmt: skip
_TABLE = "border-spacing:0;padding:0;margin:0;border:0;"
_TABLE_CELL = "vertical-align:top;padding:0;margin:0;border:0;"
_LINK = "outline:none;text-decoration:none;color:inherit"


@dataclass(frozen=True)
class HighlightOptions:
    """Hugo's `markup.highlight` settings (with its defaults), which a code block's own options
    (`{linenos=table}` after a fence, the highlight shortcode's third argument) change."""

    code_fences: bool = True  # codeFences: fenced code blocks are highlighted
    no_classes: bool = True  # noClasses: colours inline (True) or as Chroma's CSS classes
    style: str = "monokai"  # style: the Chroma style whose colours wrap the code
    line_nos: bool = False  # lineNos: number the lines
    line_numbers_in_table: bool = True  # lineNumbersInTable: numbers in a table cell of their own
    line_no_start: int = 1  # lineNoStart: the first line's number
    hl_lines: tuple[tuple[int, int], ...] = ()  # hl_Lines: highlighted lines (first, last), as
    # numbered, i.e. already moved by line_no_start
    anchor_line_nos: bool = False  # anchorLineNos: line numbers are links to themselves
    line_anchors: str = ""  # lineAnchors: the prefix of those links' ids
    tab_width: int = 4  # tabWidth: written as CSS tab-size
    hl_inline: bool = False  # hl_inline: a <code> element only, for use inside a paragraph
    guess_syntax: bool = False  # guessSyntax: highlight a block that names no language
    no_hl: bool = False  # nohl: do not guess


_FIELDS = {
    "codefences": "code_fences",
    "noclasses": "no_classes",
    "style": "style",
    "linenos": "line_nos",
    "linenumbersintable": "line_numbers_in_table",
    "linenostart": "line_no_start",
    "anchorlinenos": "anchor_line_nos",
    "lineanchors": "line_anchors",
    "tabwidth": "tab_width",
    "hl_inline": "hl_inline",
    "guesssyntax": "guess_syntax",
    "nohl": "no_hl",
}


def highlight_options(
    settings: Mapping[str, object], base: HighlightOptions | None = None
) -> HighlightOptions:
    """`base` (Hugo's defaults when None) changed by `settings`: the site's `markup.highlight`
    table or a code block's options, read as Hugo reads them (keys in any case, values as
    strings or typed; `linenos` may be `table` or `inline`; `hl_lines` a string such as
    "1 3-5" or a list of numbers and "3-5" strings). A value that cannot be read is ignored."""
    options = base or HighlightOptions()
    lowered = {str(key).lower(): value for key, value in settings.items()}
    changes: dict[str, object] = {}
    for key, value in lowered.items():
        field = _FIELDS.get(key)
        default = getattr(options, field) if field else None
        if field is None or value is None:
            continue
        if key == "linenos" and value in ("table", "inline"):
            changes["line_numbers_in_table"] = value == "table"
            changes[field] = True
        elif isinstance(default, bool):
            flag = _bool(value)
            if flag is not None:
                changes[field] = flag
        elif isinstance(default, int):
            number = _int(value)
            if number is not None:
                changes[field] = number
        else:
            changes[field] = str(value)
    start = changes.get("line_no_start", options.line_no_start)
    if "hl_lines" in lowered:
        changes["hl_lines"] = _line_ranges(lowered["hl_lines"], int(str(start)))
    return dataclasses.replace(options, **changes)  # type: ignore[arg-type]  # checked above


def option_string(text: str) -> dict[str, str]:
    """The highlight shortcode's options, `linenos=table,hl_lines=3-5 8`, as a mapping; an item
    without exactly one `=` is skipped (Hugo fails the page)."""
    found = {}
    for item in text.strip(" ").split(","):
        key, sep, value = item.partition("=")
        if sep and "=" not in value:
            found[key.strip(" ")] = value
    return found


def is_known(language: str) -> bool:
    """Whether Chroma has a lexer for `language`: by name or alias in any case, or by file name
    (`py` as `filename.py`, `Dockerfile` as itself)."""
    return _known(language)


@functools.lru_cache(maxsize=256)
def _known(language: str) -> bool:
    if language.lower() in LEXER_NAMES:
        return True
    for name in (f"filename.{language}", language):
        name = name.rpartition("/")[2]
        for pattern in LEXER_FILE_PATTERNS:
            if fnmatch.fnmatchcase(name, pattern) or any(
                fnmatch.fnmatchcase(name, pattern + suffix) for suffix in _IGNORED_SUFFIXES
            ):
                return True
    return False


def escape(text: str) -> str:
    """Text escaped as Go's html.EscapeString does (`"` as `&#34;`, `'` as `&#39;`)."""
    return html.escape(text).replace("&quot;", "&#34;").replace("&#x27;", "&#39;")


def render_code(
    code: str,
    language: str,
    options: HighlightOptions,
    attributes: Sequence[tuple[str, str]] = (),
) -> str:
    """`code` as Hugo 0.111 writes it through Chroma with these options: a language Chroma knows
    in Chroma's wrappers (`attributes` on the outer <div>: a class joins "highlight"), any other
    as plain <pre><code>. Each token's colour span is left out: feed readers drop inline colours
    as often as they keep them, and the text, lines, numbers and wrappers are Hugo's."""
    if not language and options.guess_syntax and not options.no_hl:
        language = "fallback"  # what Chroma names a block it cannot guess
    code_attrs = f' class="language-{language}" data-lang="{language}"' if language else ""
    if not language or not is_known(language):
        if options.hl_inline:
            return f'<code class="code-inline language-{language}">{escape(code)}</code>'
        return f'<pre tabindex="0"><code{code_attrs}>{escape(code)}</code></pre>'
    if options.hl_inline:
        return f'<code class="code-inline language-{language}">{escape(code)}</code>'
    lines = re.findall(r"[^\n]*\n|[^\n]+$", _ensured_break(code, language))
    css = _Css(options)
    out = [_div_start(attributes)]
    pre = css.pre()
    if options.line_nos and options.line_numbers_in_table:
        out += [
            f"<div{pre}>\n<table{css.get('lntable', _TABLE)}><tr>",
            f'<td{css.get("lntd", _TABLE_CELL)}>\n<pre tabindex="0"{pre}><code>',
        ]
        digits = len(str(options.line_no_start + len(lines) - 1))
        for number in _numbers(options, len(lines)):
            span = f"<span{css.get('lnt', _LINE_NUMBERS + css.number_colour)}"
            span += f"{css.anchor(number)}>{css.number(number, digits)}\n</span>"
            out.append(css.wrap_highlight(number, span))
        cell = css.get("lntd", _TABLE_CELL + ";width:100%")
        out += ["</code></pre></td>\n", f"<td{cell}>\n"]
    out.append(f'<pre tabindex="0"{pre}><code{code_attrs}>')
    digits = len(str(options.line_no_start + len(lines) - 1))
    for number, line in zip(_numbers(options, len(lines)), lines, strict=True):
        out.append(css.line_start(number))
        if options.line_nos and not options.line_numbers_in_table:
            colour = _LINE_NUMBERS + css.number_colour
            out.append(f"<span{css.get('ln', colour)}{css.anchor(number)}>")
            out.append(f"{css.number(number, digits)}</span>")
        out.append(f"<span{css.get('cl', '')}>{escape(line)}</span></span>")
    out.append("</code></pre>")
    if options.line_nos and options.line_numbers_in_table:
        out.append("</td></tr></table>\n</div>\n")
    return "".join([*out, "</div>"])


def _ensured_break(code: str, language: str) -> str:
    """The code with the line break Chroma's lexer adds at its end when a token takes it: the
    break a lexer adds is written only if the last token ran into it (Go's `x := 1 ` ends in
    the white-space token " \n"; `x := 1` ends in the number, and the break is dropped). A
    line comment that takes the break (Go's `// note` on the last line) is not seen here."""
    if not code or code.endswith("\n"):
        return code
    name = language.lower()
    if name in _WHOLE_LINES or (name in _BREAK_AFTER_SPACE and code[-1] in " \t"):
        return code + "\n"
    return code


def _div_start(attributes: Iterable[tuple[str, str]]) -> str:
    """Hugo's <div class="highlight">, with a code block's attributes as written (Hugo escapes
    none of them)."""
    attributes = list(attributes)
    classes = " ".join(["highlight", *(value for name, value in attributes if name == "class")])
    rest = "".join(f' {name}="{value}"' for name, value in attributes if name != "class")
    return f'<div class="{classes}"{rest}>'


def _numbers(options: HighlightOptions, count: int) -> range:
    return range(options.line_no_start, options.line_no_start + count)


class _Css:
    """Chroma's style attributes for one block: inline CSS from the style's colours, or its
    class names."""

    def __init__(self, options: HighlightOptions) -> None:
        self.options = options
        self.classes = not options.no_classes
        background, self.highlight, number = STYLES.get(options.style, STYLES["swapoff"])
        self.number_colour = number
        tab = options.tab_width
        tabs = f"-moz-tab-size:{tab};-o-tab-size:{tab};tab-size:{tab};" if tab not in (0, 8) else ""
        self.background = f"{background};{tabs}" + ("display:grid;" if options.hl_lines else "")

    def get(self, name: str, css: str) -> str:
        """The attribute for one of Chroma's parts: its class, or its inline style."""
        if self.classes:
            return f' class="{name}"'
        return f' style="{css}"' if css else ""

    def pre(self) -> str:
        return ' class="chroma"' if self.classes else f' style="{self.background}"'

    def highlighted(self, number: int) -> bool:
        return any(first <= number <= last for first, last in self.options.hl_lines)

    def line_start(self, number: int) -> str:
        if not self.highlighted(number):
            return f"<span{self.get('line', 'display:flex;')}>"
        if self.classes:
            return '<span class="line hl">'
        return f'<span style="display:flex; {self.highlight}">'

    def wrap_highlight(self, number: int, span: str) -> str:
        if not self.highlighted(number):
            return span
        return f"<span{self.get('hl', self.highlight)}>{span}</span>"

    def target(self, number: int) -> str:
        prefix = self.options.line_anchors
        return f"{prefix}-{number}" if prefix else str(number)

    def anchor(self, number: int) -> str:
        return f' id="{self.target(number)}"' if self.options.anchor_line_nos else ""

    def number(self, number: int, digits: int) -> str:
        title = str(number).rjust(digits)
        if not self.options.anchor_line_nos:
            return title
        return f'<a{self.get("lnlinks", _LINK)} href="#{self.target(number)}">{title}</a>'


def _bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    text = str(value).strip().lower()
    if text in ("1", "t", "true"):
        return True
    if text in ("0", "f", "false", ""):
        return False
    return None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _line_ranges(value: object, start: int) -> tuple[tuple[int, int], ...]:
    """hl_lines as numbered lines: "1 3-4" or [1, "3-4"], counted from the block's first line."""
    items = value if isinstance(value, list | tuple) else str(value).split(" ")
    ranges = []
    for item in items:
        first, _, last = str(int(item) if isinstance(item, float) else item).strip().partition("-")
        if not first:
            continue
        try:
            low = int(first)
            high = int(last) if last else low
        except ValueError:
            return ()  # Hugo drops them all
        ranges.append((low + start - 1, high + start - 1))
    return tuple(ranges)
