"""Jekyll 4.3's Liquid tags for python-liquid, and the record of one body's render they share."""

from __future__ import annotations

import contextvars
import html
import re
import stat
import time
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path, PurePosixPath
from typing import Any, Protocol, TextIO, cast

from liquid import BlockNode, BoundTemplate, Environment, Node, RenderContext, Tag
from liquid import TokenStream as Stream
from liquid.ast import IllegalNode
from liquid.builtin.expressions import parse_primitive, tokenize
from liquid.builtin.illegal import Illegal
from liquid.exceptions import LiquidError, LiquidSyntaxError, ResourceLimitError
from liquid.expression import Expression
from liquid.parser import get_parser
from liquid.token import TOKEN_EOF, TOKEN_EXPRESSION, TOKEN_TAG, Token

from feedsvc.content.jekyll.liquid_filters import relative_url

INCLUDE_DEPTH = 10  # includes within includes
_INCLUDES = 1_000  # includes rendered for one body
_INCLUDE_BYTES = 1_000_000
_LEXER_RETRIES = 5  # parses after a `{{`/`{%` the cuts missed, before the template is given up
_WARNINGS = 20  # per body; repeats are dropped

_HIGHLIGHT = re.compile(r'([a-zA-Z0-9.+#_-]+)((?:\s+\w+(?:=(?:\w+|"(?:[0-9]+\s)*[0-9]+"))?)*)')
_OUTER_LINE_BREAKS = re.compile(r"\A[\n\r]+|[\n\r]+\Z")
_BEFORE_BLANK_LINE = re.compile(r"\n(?=[ \t\r]*\n)")
_PARAM = r"""([\w-]+)\s*=\s*(?:"([^"\\]*(?:\\.[^"\\]*)*)"|'([^'\\]*(?:\\.[^'\\]*)*)'|([\w.-]+))"""
_PARAMS = re.compile(rf"\s*(?:{_PARAM}(?=\s|\Z)\s*)*")
_LIQUID_NAME = re.compile(
    r"(?P<name>[^{]*(?:{{\s*[\w\-.]+\s*(?:\|.*)?}}[^\s{}]*)+)(?P<rest>.*)", re.S
)
_INCLUDE_NAME = re.compile(r"[\w/.\-()+~#@]+")
_POST_NAME = re.compile(r"(?:.+/)*\d+-\d+-\d+-.*")
# White space after `{{` or `{% name` that python-liquid's lexer takes quadratic time over when no
# expression follows (`{{` and 16,000 spaces: 12 s); it means nothing to Liquid, so it is shortened.
_LONG_SPACE = re.compile(r"({{-?|{%-?\s*?(?:#|\w+)?)(\s{20,})")
_OPENER = re.compile(r"{[{%]")
_VERBATIM = re.compile(r"{%-?\s*(end)?(raw|doc)\s*-?%}")  # python-liquid lexes doc as raw
_NAMED = re.compile(r"{%-?\s*[\w#]")


@dataclass
class Render:
    """One body's render: its warnings, what it has spent, the includes under way."""

    source: str  # names the post in warnings
    text: str  # the body as parsed: errors whose token lies in it name its line
    deadline: float  # time.monotonic() by which rendering must end
    seconds: float  # the time it was given, for the warning
    warnings: list[str] = field(default_factory=list)
    reported: int = 0  # errors reported, repeats too: an include parsed without any is cached
    unknown_tags: set[str] = field(default_factory=set)
    includes: list[tuple[str, int]] = field(default_factory=list)  # (name, line where included)
    included: int = 0
    iterations: int = 0
    parsing: Token | None = None  # the tag being parsed: where an error without a place is

    def warn(self, line: int, reason: str) -> None:
        """Keep one warning, unless it repeats one or the body already has too many."""
        message, count = f"{self.source}:{line}: {reason}", len(self.warnings)
        if message not in self.warnings and count <= _WARNINGS:
            more = f"{self.source}:{line}: more warnings left out"
            self.warnings.append(message if count < _WARNINGS else more)

    def report(self, err: LiquidError, more: str = "") -> None:
        """Warn of a Liquid error at its line in the body, or at the include that led to it."""
        self.reported += 1
        token, reason = err.token, f"{err.message or type(err).__name__}{more}"
        token = token if has_place(token) else self.parsing
        if token is None or token.start_index < 0:
            self.warn(self.includes[0][1] if self.includes else 1, reason)
        elif token.source is self.text:
            self.warn(line_of(self.text, token.start_index), reason)
        elif self.includes:
            inner = line_of(token.source, token.start_index)
            self.warn(self.includes[0][1], f"in {self.includes[-1][0]}, line {inner}: {reason}")
        else:  # a template made from markup in the body (a link's path, where_exp's condition)
            found = self.text.find(token.source)
            self.warn(line_of(self.text, max(found, 0) + token.start_index), reason)

    def check_time(self) -> None:
        """Stop a body that has rendered for too long."""
        if time.monotonic() > self.deadline:
            raise TimeLimitError(f"rendering took over {self.seconds:g} s", token=None)


RENDER: contextvars.ContextVar[Render] = contextvars.ContextVar("feedsvc_liquid_render")


class TimeLimitError(ResourceLimitError):
    """A body rendered for longer than it was given."""


def has_place(token: Token | None) -> bool:
    """Whether a token says where it is (python-liquid's end-of-expression token does not)."""
    return token is not None and token.start_index >= 0


def line_of(text: str, index: int) -> int:
    """The line number of a position in a text."""
    return text.count("\n", 0, index) + 1


def parse_liquid(env: Environment, text: str, *, body: bool) -> BoundTemplate:
    """Parse Liquid, each `{{` or `{%` that opens nothing cut out (with a warning) to the end of
    its line: python-liquid rejects a whole template for one, after a scan to the end of the text
    (quadratic time for many). Every parse goes through here, clear of the lexer's slow cases."""
    text = _LONG_SPACE.sub(lambda m: m[1] + ("\n" * min(m[2].count("\n"), 19) or " "), text)
    render, kept, done, raw = RENDER.get(), list[str](), 0, False
    last = {"{{": text.rfind("}}"), "{%": text.rfind("%}"), "raw": -1, "doc": -1}
    last |= {mark[2]: mark.start() for mark in _VERBATIM.finditer(text) if mark[1]}
    render.text = text if body else render.text
    for opener in _OPENER.finditer(text):
        at, kind = opener.start(), opener[0]
        mark = _VERBATIM.match(text, at) if at >= done and kind == "{%" else None
        if mark and (mark[1] or last[mark[2]] > at):  # nothing in a closed raw block is Liquid
            raw = not mark[1]
            continue
        closed, named = last[kind] > at, kind == "{{" or (_NAMED.match(text, at) and not mark)
        if at < done or raw or (closed and named):
            continue
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        close = text.find("%}", at, end) if kind == "{%" else -1
        kept.append(text[done:at])
        done = close + 2 if close >= 0 else end
        if len(kept) <= _WARNINGS:  # the rest would only repeat; counting lines costs
            reason = f"'{kind}' never closed" if not closed else f"'{kind}' without a tag name"
            reason = f"'{mark[0]}' without '{{% end{mark[2]} %}}'" if mark else reason
            error = LiquidSyntaxError(reason, token=Token(TOKEN_EOF, kind, at, text))
            render.report(error, ": left out to the end of its line")
    text = "".join([*kept, text[done:]])
    for _ in range(_LEXER_RETRIES):
        render.text = text if body else render.text
        try:
            return env.from_string(text)
        except LiquidSyntaxError as err:  # a case the cuts above missed: cut it, try again
            if err.token is None or err.token.kind != TOKEN_EOF or err.token.start_index < 0:
                raise
            render.report(err, ": left out up to the end of its line")
            start, end = err.token.start_index, text.find("\n", err.token.start_index)
            text = text[:start] + text[len(text) if end < 0 else end :]
    raise LiquidSyntaxError(f"more than {_LEXER_RETRIES} unclosed '{{{{' or '{{%'", token=None)


class _Jekyll(Protocol):
    """What the tags need of liquid.py's environment (which imports this module)."""

    site: Any  # the liquid.LiquidSite: root, site, post_urls, page_urls
    includes: dict[tuple[str, int, int], BoundTemplate]  # parsed includes, by file and version


def _markup(stream: Stream) -> str:
    """The text after a tag's name; the stream is left on the tag's last token."""
    if stream.peek.kind != TOKEN_EXPRESSION:
        return ""
    next(stream)
    return stream.current.value.strip()


def _render_to_text(template: BoundTemplate, context: RenderContext) -> str:
    """A template made from a tag's markup, rendered in the page's context."""
    buffer = StringIO()
    template.render_with_context(context, buffer)
    return buffer.getvalue().strip()


class UnknownTag(Illegal):
    """A tag neither Liquid nor Jekyll knows: left out, with one warning per name. Between an
    unknown block tag's `{% x %}` and `{% endx %}` the text stays and is rendered as usual."""

    def parse(self, stream: Stream) -> IllegalNode:
        token, _ = stream.expect(TOKEN_TAG), _markup(stream)
        name, seen = token.value, RENDER.get().unknown_tags
        if name in seen or name.removeprefix("end") in seen:
            return IllegalNode(token)
        seen.add(name)
        if name == "raw":
            raise LiquidSyntaxError("'raw' without 'endraw': the rest is rendered", token=token)
        unknown = not name.startswith("end") and name not in ("else", "elsif", "when")
        reason = f"unknown tag '{name}'" if unknown else f"'{name}' without its opening tag"
        raise LiquidSyntaxError(f"{reason}: left out", token=token)


class HighlightTag(Tag):
    """`{% highlight lang [linenos] %}`: code as Jekyll's rouge wraps it, without rouge's token
    spans (no colours: those come from the site's stylesheet, which a feed reader lacks)."""

    name, end = "highlight", "endhighlight"

    def parse(self, stream: Stream) -> Node:
        token, markup = stream.expect(TOKEN_TAG), _markup(stream)
        found = _HIGHLIGHT.fullmatch(markup)
        if not found:
            reason = f"highlight wants a language, then options such as linenos: {markup!r}"
            self.env.error(LiquidSyntaxError(f"{reason}; shown as plain text", token=token))
        next(stream)
        block = get_parser(self.env).parse_block(stream, (self.end,))
        stream.expect(TOKEN_TAG, value=self.end)
        lang = found[1].lower() if found else "text"
        return _HighlightNode(token, lang, bool(found and "linenos" in found[2]), block)


class _HighlightNode(Node):
    __slots__ = ("block", "lang", "linenos")

    def __init__(self, token: Token, lang: str, linenos: bool, block: BlockNode) -> None:
        super().__init__(token)
        self.lang, self.linenos, self.block, self.blank = lang, linenos, block, False

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        """Jekyll's `<figure class="highlight">`, the code escaped as rouge escapes it. A newline
        before a blank line is written `&#10;` (the same HTML): Markdown ends an HTML block at a
        blank line, and would read the rest of the code as Markdown."""
        inner = context.get_buffer(buffer)
        self.block.render(context, inner)
        code = html.escape(_OUTER_LINE_BREAKS.sub("", inner.getvalue()), quote=False)
        if self.linenos:  # rouge's HTMLTable: one number per line, the code ending in a newline
            code += "" if code.endswith("\n") else "\n"
            numbers = "".join(f"{n}\n" for n in range(1, code.count("\n") + 1))
            code = (
                '<table class="rouge-table"><tbody><tr><td class="gutter gl">'
                f'<pre class="lineno">{numbers}</pre></td><td class="code"><pre>{code}</pre>'
                "</td></tr></tbody></table>"
            )
        code = _BEFORE_BLANK_LINE.sub("&#10;", code)
        language = f'class="language-{self.lang.replace("+", "-")}" data-lang="{self.lang}"'
        return buffer.write(
            f'<figure class="highlight"><pre><code {language}>{code}</code></pre></figure>'
        )


class IncludeTag(Tag):
    """`{% include name.html key="value" key=variable %}`, from the site's `_includes`; the
    parameters are `include.key` inside. The name may hold `{{ … }}`."""

    name, block = "include", False

    def parse(self, stream: Stream) -> Node:
        token, markup = stream.expect(TOKEN_TAG), _markup(stream)
        liquid = _LIQUID_NAME.match(markup)
        name, rest = (
            (liquid["name"], liquid["rest"]) if liquid else (*markup.split(None, 1), "")[:2]
        )
        if not name or not _PARAMS.fullmatch(rest):
            syntax = f"{{% {self.name} file.html key='value' key=variable %}}"
            raise LiquidSyntaxError(f"{self.name} {markup!r}: expected {syntax}", token=token)
        at = Token(TOKEN_EXPRESSION, rest, token.start_index, token.source)
        args: list[tuple[str, str | Expression]] = [
            (key, double.replace('\\"', '"') if double else single.replace("\\'", "'"))
            if not variable
            else (key, parse_primitive(self.env, Stream(tokenize(variable, at))))
            for key, double, single, variable in re.findall(_PARAM, rest)
        ]
        template = parse_liquid(self.env, name.strip(), body=False) if liquid else name
        return _IncludeNode(token, template, args, relative=self.name == "include_relative")


class IncludeRelativeTag(IncludeTag):
    """`{% include_relative name %}`: like include, from the post's own folder (or below it)."""

    name = "include_relative"


class _IncludeNode(Node):
    __slots__ = ("args", "relative", "template")

    def __init__(
        self,
        token: Token,
        template: str | BoundTemplate,
        args: list[tuple[str, str | Expression]],
        *,
        relative: bool,
    ) -> None:
        super().__init__(token)
        self.template, self.args, self.relative, self.blank = template, args, relative, False

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        """Render the include in the page's own context with `include` set, as Jekyll does."""
        render = RENDER.get()
        try:
            path, label = self._locate(context)
            if len(render.includes) >= INCLUDE_DEPTH or render.included >= _INCLUDES:
                limits = f"{INCLUDE_DEPTH} deep or {_INCLUDES} in one body"
                raise LiquidError(f"{label} left out: includes go beyond {limits}", token=None)
        except LiquidError as err:
            context.env.error(err, token=self.token)
            return 0
        render.included += 1
        values = {key: v if isinstance(v, str) else v.evaluate(context) for key, v in self.args}
        render.includes.append((label, line_of(self.token.source, self.token.start_index)))
        try:
            template = _load(context.env, path, render)
            with context.extend({"include": values} if self.args else {}, template=template):
                template.render_with_context(context, buffer, partial=True)
        except LiquidError as err:
            context.env.error(err)
        finally:
            render.includes.pop()
        return 1

    def _locate(self, context: RenderContext) -> tuple[Path, str]:
        """The include's file, refused if its name is not one Jekyll accepts or if it leads out
        of `_includes` (the post's folder for include_relative): by `..`, `/` or a link."""
        name = self.template
        if isinstance(name, BoundTemplate):
            name = _render_to_text(name, context)
        folder = PurePosixPath("_includes")
        if self.relative:
            page_path = context.get(["page", "path"], token=None, default="")
            folder = PurePosixPath(str(page_path)).parent
        label, tag = f"{folder}/{name}", self.token.value
        if re.search(r"[./]{2,}", name) or not _INCLUDE_NAME.fullmatch(name):
            raise LiquidError(f"{tag} {name!r} refused: not a name Jekyll accepts", token=None)
        base = (_jekyll(context.env).site.root / folder).resolve()
        path = (base / name).resolve()
        if not path.is_relative_to(base):
            raise LiquidError(f"{tag} {name!r} refused: it leads out of {folder}/", token=None)
        try:
            info = path.stat()
        except OSError:
            raise LiquidError(f"{tag} {label}: no such file", token=None) from None
        if not stat.S_ISREG(info.st_mode) or info.st_size > _INCLUDE_BYTES:
            reason = f"not a file of at most {_INCLUDE_BYTES} bytes"
            raise LiquidError(f"{tag} {label}: {reason}", token=None)
        return path, label


def _load(env: Environment, path: Path, render: Render) -> BoundTemplate:
    """An include's template, parsed once while its file is unchanged (and parses cleanly)."""
    info = path.stat()
    key, cache = (str(path), info.st_mtime_ns, info.st_size), _jekyll(env).includes
    if key not in cache:
        before = render.reported
        template = parse_liquid(env, path.read_text("utf-8", errors="replace"), body=False)
        if render.reported != before:
            return template
        if len(cache) >= 256:
            cache.clear()
        cache[key] = template
    return cache[key]


def _jekyll(env: Environment) -> _Jekyll:
    return cast("_Jekyll", env)


class LinkTag(Tag):
    """`{% link path %}`: the URL of the page or post at a source path, baseurl included (as in
    Jekyll 4); Liquid in the path is rendered first."""

    name, block = "link", False

    def parse(self, stream: Stream) -> Node:
        token, markup = stream.expect(TOKEN_TAG), _markup(stream)
        if self.name == "post_url" and not _POST_NAME.fullmatch(markup.lstrip("/")):
            raise LiquidSyntaxError(f"post_url {markup!r}: not a post's name", token=token)
        liquid = self.name == "link" and ("{{" in markup or "{%" in markup)
        return _UrlNode(token, parse_liquid(self.env, markup, body=False) if liquid else markup)


class PostUrlTag(LinkTag):
    """`{% post_url 2020-01-01-title %}` (or `folder/2020-01-01-title`): that post's URL."""

    name = "post_url"


class _UrlNode(Node):
    __slots__ = ("path",)

    def __init__(self, token: Token, path: str | BoundTemplate) -> None:
        super().__init__(token)
        self.path, self.blank = path, False

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        path = self.path
        if isinstance(path, BoundTemplate):
            path = _render_to_text(path, context)
        site, tag = _jekyll(context.env).site, self.token.value
        urls = site.post_urls if tag == "post_url" else site.page_urls
        url = urls.get(path.lstrip("/")) or urls.get(path)
        if url is None:
            reason = f"{tag} {path!r}: no such {'post' if tag == 'post_url' else 'page or post'}"
            context.env.error(LiquidError(f"{reason}; left out", token=self.token))
            return 0
        return buffer.write(relative_url(url, baseurl=str(site.site.get("baseurl") or "")) or "")


JEKYLL_TAGS = (UnknownTag, HighlightTag, IncludeTag, IncludeRelativeTag, LinkTag, PostUrlTag)
