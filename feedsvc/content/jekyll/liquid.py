"""The Liquid in a Jekyll post's body rendered as Jekyll 4.3 renders it, before Markdown."""

from __future__ import annotations

import datetime as dt
import functools
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TextIO

from liquid import BoundTemplate, Environment, Mode, Node, RenderContext, Tag, TokenStream
from liquid.ast import IllegalNode
from liquid.builtin.output import Output, OutputNode
from liquid.exceptions import (
    FilterError,
    LiquidError,
    LiquidSyntaxError,
    LoopIterationLimitError,
    ResourceLimitError,
    UnknownFilterError,
)
from liquid.token import TOKEN_EXPRESSION, Token

from feedsvc.content.jekyll.liquid_filters import jekyll_filters
from feedsvc.content.jekyll.liquid_tags import (
    INCLUDE_DEPTH,
    JEKYLL_TAGS,
    RENDER,
    IncludeTag,
    Render,
    has_place,
    parse_liquid,
)

# What one body may cost, its includes counted in: past these, a hostile post is cut short.
SECONDS_PER_BODY = 5.0
ITERATIONS_PER_BODY = 200_000  # loop iterations, all of a body's loops together
SIZE_LIMIT = 4_000_000  # bytes of output and of variables; characters or items through a filter
EXPRESSION_LIMIT = 20_000  # characters in one tag or output

_BLOCKS = re.compile(r"{%-?\s*(end)?(raw|comment)\s*-?%}")
_MARKUP = re.compile(r"{%.{0,1000}?%}|{{.{0,1000}?}}|{[{%][^\n]*", re.S)


@dataclass(frozen=True)
class LiquidSite:
    """What a Jekyll site's Liquid can see besides the page itself."""

    root: Path  # the site's source folder (holds _includes/)
    site: Mapping[str, Any]  # the `site` variables: _config.yml's keys, plus `time` etc.
    post_urls: Mapping[str, str]  # post_url's argument forms -> site-relative URL (no baseurl)
    page_urls: Mapping[str, str]  # `link` tag: a source path relative to root -> site-relative URL
    markdownify: Callable[[str], str]  # the site's Markdown renderer (for the markdownify filter)

    @cached_property
    def _environment(self) -> _Environment:
        """python-liquid set up for this site, built once: bodies of thousands of posts share it."""
        return _Environment(self)

    def __getstate__(self) -> dict[str, object]:
        """The fields only: a worker that unpickles the site builds its own environment."""
        return {key: value for key, value in self.__dict__.items() if key != "_environment"}


def render_liquid(
    text: str, page: Mapping[str, Any], site: LiquidSite, source: str
) -> tuple[str, list[str]]:
    """The text with its Liquid rendered, and warnings (each naming `source` and the line).

    Never raises for bad Liquid: what cannot be rendered is left out with a warning (Jekyll would
    stop the build), so no Liquid source reaches a feed and the rest of the post still does. A
    body that reaches a limit (SECONDS_PER_BODY, ITERATIONS_PER_BODY, SIZE_LIMIT) or cannot be
    parsed at all comes out as strip_liquid makes it.
    """
    if page.get("render_with_liquid") is False or ("{{" not in text and "{%" not in text):
        return text, []
    render = Render(source, text, time.monotonic() + SECONDS_PER_BODY, SECONDS_PER_BODY)
    reset = RENDER.set(render)
    try:
        template = parse_liquid(site._environment, text, body=True)
        output = template.render(page=ruby_values(page))
    except LiquidError as err:  # python-liquid wraps a limit reached while parsing
        cause = err.__cause__ if isinstance(err.__cause__, LiquidError) else err
        render.report(cause, ": rendering stopped, the body is shown with its Liquid left out")
        output = strip_liquid(text)
    except Exception as err:  # noqa: BLE001 - python-liquid failing on untrusted markup must not
        # stop a refresh: it is reported as Liquid errors are, and the post is still published.
        render.warn(1, f"Liquid failed ({type(err).__name__}: {err}): Liquid left out")
        output = strip_liquid(text)
    finally:
        RENDER.reset(reset)
    return output, render.warnings


def strip_liquid(text: str) -> str:
    """The text with every Liquid tag and output left out, `{% raw %}` content kept and comments
    dropped: what a body shows when its Liquid cannot be rendered. Linear in the text's length."""
    out, done, inside = [], 0, ""
    for block in _BLOCKS.finditer(text):
        kind, closing = block[2], bool(block[1])
        if not inside and not closing:
            out.append(_MARKUP.sub("", text[done : block.start()]))
            inside, done = kind, block.end()
        elif inside == kind and closing:
            out.append(text[done : block.start()] if kind == "raw" else "")
            inside, done = "", block.end()
    out.append("" if inside == "comment" else _MARKUP.sub("", text[done:]))
    return "".join(out)


class RubyTime(dt.datetime):
    """A datetime that prints as Ruby's Time#to_s does, as `{{ page.date }}` shows in Jekyll."""

    def __str__(self) -> str:
        return self.strftime("%Y-%m-%d %H:%M:%S %z").rstrip()


def ruby_values(value: object) -> Any:
    """`value` with every datetime inside it a RubyTime (dicts and lists copied, the rest kept)."""
    if isinstance(value, dt.datetime) and not isinstance(value, RubyTime):
        fields = (value.hour, value.minute, value.second, value.microsecond, value.tzinfo)
        return RubyTime(value.year, value.month, value.day, *fields, fold=value.fold)
    if isinstance(value, Mapping):
        return {key: ruby_values(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [ruby_values(item) for item in value]
    return value


class _Context(RenderContext):
    """A render context that holds a body to its budgets: time, loop iterations, filter sizes."""

    __slots__ = ("_disabled", "_render", "_ticks")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._render, self._ticks = RENDER.get(), 0
        super().__init__(*args, **kwargs)

    @property
    def disabled_tags(self) -> list[str]:
        """python-liquid reads this before it renders each node: the one place every node of a
        render passes, so the time limit is checked here (at every 256th node: the clock costs)."""
        self._ticks += 1
        if not self._ticks % 256:
            self._render.check_time()
        return self._disabled

    @disabled_tags.setter
    def disabled_tags(self, tags: list[str]) -> None:
        self._disabled = tags

    def filter(self, name: str, token: Token | None) -> Callable[..., object]:
        """The filter, held to the size and time limits; an unknown one passes its input on, as
        in Jekyll (strict_filters off), with a warning."""
        try:
            func = super().filter(name, token)
        except UnknownFilterError:
            reason = f"unknown filter '{name}': the value is shown unfiltered"
            self.env.error(UnknownFilterError(reason, token=token))
            return lambda value, *_args, **_kwargs: value
        return functools.partial(_guarded, func, name, token, self._render)

    def raise_for_loop_limit(self, length: int = 1) -> None:
        """Count every loop's iterations against the body's budget (python-liquid counts each
        nest of loops on its own, so a thousand loops in a row would each get the whole limit)."""
        super().raise_for_loop_limit(length)
        self._render.iterations += length
        if self._render.iterations > ITERATIONS_PER_BODY:
            reason = f"more than {ITERATIONS_PER_BODY} loop iterations"
            raise LoopIterationLimitError(reason, token=None)
        self._render.check_time()


def _guarded(
    func: Callable[..., object],
    name: str,
    token: Token | None,
    render: Render,
    *args: Any,
    **kw: Any,
) -> object:
    """Call a filter within the limits; a Python error it raises becomes a Liquid error."""
    render.check_time()
    try:
        if _size(args[0]) > SIZE_LIMIT:
            raise FilterError(f"{name}: input longer than {SIZE_LIMIT}", token=token)
        result = func(*args, **kw)
    except LiquidError as err:
        err.token = err.token if has_place(err.token) else token
        raise
    except (ArithmeticError, LookupError, RuntimeError, TypeError, ValueError) as err:
        raise FilterError(f"{name}: {err}", token=token) from err
    if _size(result) > SIZE_LIMIT:
        raise FilterError(f"{name}: result longer than {SIZE_LIMIT}", token=token)
    return result


def _size(value: object) -> int:
    return len(value) if isinstance(value, str | list | tuple | range | Mapping) else 0


class _Tracked(Tag):
    """A tag that notes itself while it is parsed (python-liquid's errors at the end of an
    expression carry no place: the warning names this tag's line instead), and parses only
    within the time limit and EXPRESSION_LIMIT (the parser takes 3 µs a character)."""

    def __init__(self, tag: Tag) -> None:
        super().__init__(tag.env)
        self.tag, self.name, self.block = tag, tag.name, tag.block

    def get_node(self, stream: TokenStream) -> Node:
        render, token = RENDER.get(), stream.current
        render.check_time()
        if stream.peek.kind == TOKEN_EXPRESSION and len(stream.peek.value) > EXPRESSION_LIMIT:
            next(stream)
            reason = f"longer than {EXPRESSION_LIMIT} characters: left out"
            self.env.error(LiquidSyntaxError(reason, token=token))
            return IllegalNode(token)
        outer, render.parsing = render.parsing, token
        try:
            return self.tag.get_node(stream)
        finally:
            render.parsing = outer

    def parse(self, stream: TokenStream) -> Node:
        return self.tag.parse(stream)


class _Template(BoundTemplate):
    context_class = _Context


class _OutputNode(OutputNode):
    """`{{ … }}` whose error leaves out only itself, not the whole block it stands in."""

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        try:
            return super().render_to_output(context, buffer)
        except LiquidError as err:
            context.env.error(err, token=self.token)  # raises again if a limit was reached
            return 0


class _Output(Output):
    node_class = _OutputNode


class _IncludeCachedTag(IncludeTag):
    """`{% include_cached name %}` (the jekyll-include-cache plugin, which themes such as
    Minimal Mistakes use): the same include, whose output the plugin caches."""

    name = "include_cached"


class _Environment(Environment):
    """python-liquid as a Jekyll site's Liquid: Jekyll's tags and filters, resource limits, and
    errors reported as the render's warnings instead of raised (a reached limit still stops it)."""

    context_depth_limit = 30 + 2 * INCLUDE_DEPTH  # an include pushes two scopes
    loop_iteration_limit = ITERATIONS_PER_BODY
    local_namespace_limit = SIZE_LIMIT
    output_stream_limit = SIZE_LIMIT
    template_class = _Template

    def __init__(self, site: LiquidSite) -> None:
        now = site.site.get("time")
        now = now if isinstance(now, dt.datetime) and now.tzinfo else dt.datetime.now(dt.UTC)
        jekyll = {"version": "4.3.1", "environment": "production"}  # the feed shows the live site
        values = {"site": ruby_values(site.site), "jekyll": jekyll}
        super().__init__(tolerance=Mode.LAX, globals=values)
        self.site = site
        self.includes: dict[tuple[str, int, int], BoundTemplate] = {}
        for tag in (_Output, *JEKYLL_TAGS, _IncludeCachedTag):
            self.add_tag(tag)
        del self.tags["render"]  # Liquid 5's; Jekyll 4.3 is built on Liquid 4, which lacks it
        self.tags = {name: _Tracked(tag) for name, tag in self.tags.items()}
        url, baseurl = (str(site.site.get(key) or "") for key in ("url", "baseurl"))
        zone = now.tzinfo or dt.UTC
        filters = jekyll_filters(
            url=url, baseurl=baseurl, markdownify=site.markdownify, now=now, zone=zone
        )
        self.filters.update(filters)

    def tokenizer(self) -> Callable[[str], Iterator[Token]]:
        """python-liquid's lexer, held to the time limit: dense markup lexes at 1.5 µs a
        character, and a post may be megabytes long."""
        lex = super().tokenizer()

        def timed(source: str) -> Iterator[Token]:
            render = RENDER.get()
            for count, token in enumerate(lex(source)):
                if not count % 1024:
                    render.check_time()
                yield token

        return timed

    def error(
        self,
        exc: type[LiquidError] | LiquidError,
        msg: str | None = None,
        token: Token | None = None,
    ) -> None:
        """Report the error as a warning of the body being rendered; a reached limit is raised,
        ending the render."""
        err = exc if isinstance(exc, LiquidError) else exc(msg, token=token)
        err.token = err.token if has_place(err.token) else token
        if isinstance(err, ResourceLimitError):
            raise err
        RENDER.get().report(err)
