"""The HTML of Hugo's built-in shortcodes that posts use, as Hugo 0.111's templates write it
(whitespace and escaping included): highlight, figure, param, ref, relref, youtube, vimeo,
gist; and details, as Hugo writes it since 0.140 (0.111 has none)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from feedsvc.content.hugo.go_html import escape, go_print, strip_html, truthy, url
from feedsvc.content.hugo.shortcode_syntax import Tag
from feedsvc.content.markup import chroma

_EMBED = "position: relative; padding-bottom: 56.25%; height: 0; overflow: hidden;"
_FRAME = "position: absolute; top: 0; left: 0; width: 100%; height: 100%; border:0;"


class Site(Protocol):
    """What a built-in shortcode asks of the page and site it is on."""

    highlight: chroma.HighlightOptions

    def markdownify(self, text: str, block: bool = False) -> str: ...

    def param(self, key: str) -> object: ...

    def ref(self, target: str, relative: bool) -> str | None: ...

    def privacy(self, service: str) -> Mapping[str, object]: ...

    def warn(self, line: int, message: str) -> None: ...


@dataclass
class Call:
    """One shortcode to render: its tag, its inner content (None without one), its page."""

    tag: Tag
    inner: str | None
    site: Site

    def get(self, key: int | str) -> object:
        """Hugo's .Get: by position or by name, nothing when the other kind was written."""
        named, positional = self.tag.named, self.tag.positional
        if not named and not positional:
            return None
        if isinstance(key, int):
            if named:
                return None
            return positional[key] if key < len(positional) else ""
        return named.get(key, "") if named else None

    def inner_deindent(self) -> str:
        """The inner content, each line's copy of the tag's own indentation taken off."""
        inner, indentation = self.inner or "", self.tag.indentation
        if not indentation:
            return inner
        return "".join(line.removeprefix(indentation) for line in inner.splitlines(keepends=True))


def _or(value: object, default: object) -> object:
    """Hugo's `default`: the default when the value is empty."""
    return value if truthy(value) else default


def highlight(call: Call) -> str | None:
    language = call.get(0)
    options = call.get(1) if len(call.tag.positional) == 2 else ""
    if not isinstance(language, str):
        call.site.warn(call.tag.line, "highlight needs a language as its first parameter")
        return None
    given = chroma.option_string(go_print(options))
    settings = chroma.highlight_options(given, call.site.highlight)
    return chroma.render_code(call.inner_deindent().strip("\n\r"), language, settings)


def figure(call: Call) -> str:
    get = call.get
    link, caption, attr = get("link"), get("caption"), get("attr")
    out = [f"<figure{_attr('class', get('class'))}>"]
    if truthy(link):
        out.append(f'<a href="{url(link)}"{_attr("target", get("target"))}')
        out.append(f"{_attr('rel', get('rel'))}>")
    out.append(f'<img src="{url(get("src"))}"')
    if truthy(get("alt")) or truthy(caption):
        alt = get("alt") if truthy(get("alt")) else strip_html(_markdownify(call, caption))
        out.append(f'\n         alt="{escape(alt)}"')
    out.append(f"{_attr('width', get('width'))}{_attr('height', get('height'))}/>")
    if truthy(link):
        out.append("</a>")
    if truthy(get("title")) or truthy(caption) or truthy(attr):
        out.append("<figcaption>\n            ")
        if truthy(get("title")):
            out.append(f"<h4>{escape(get('title'))}</h4>")
        if truthy(caption) or truthy(attr):
            out.append(f"<p>{_markdownify(call, caption)}")
            if truthy(get("attrlink")):
                out.append(f'\n                    <a href="{url(get("attrlink"))}">')
            out.append(_markdownify(call, attr))
            out.append("</a></p>" if truthy(get("attrlink")) else "</p>")
        out.append("\n        </figcaption>")
    return "".join([*out, "\n</figure>\n"])


def _attr(name: str, value: object) -> str:
    return f' {name}="{escape(value)}"' if truthy(value) else ""


def _markdownify(call: Call, value: object) -> str:
    return call.site.markdownify(go_print(value)) if truthy(value) else ""


def param(call: Call) -> str | None:
    name = call.get(0)
    if not truthy(name):
        call.site.warn(call.tag.line, "param needs the name of a parameter")
        return None
    value = call.site.param(go_print(name))
    if not truthy(value):
        call.site.warn(call.tag.line, f"param {go_print(name)!r} not found")
        return None
    return escape(value)


def _reference(call: Call, relative: bool) -> str | None:
    target = call.get(0) if call.tag.positional else call.tag.named.get("path", "")
    if not truthy(target):
        call.site.warn(call.tag.line, f"{call.tag.name} needs a target")
        return None
    path, _, fragment = go_print(target).partition("#")
    link = ""
    if path:
        found = call.site.ref(path, relative)
        if found is None:
            call.site.warn(call.tag.line, f"ref target {path!r} not found")
            return None
        link = found
    return escape(link + (f"#{fragment}" if fragment else ""))


def ref(call: Call) -> str | None:
    return _reference(call, relative=False)


def relref(call: Call) -> str | None:
    return _reference(call, relative=True)


def youtube(call: Call) -> str:
    privacy = call.site.privacy("youtube")
    if truthy(privacy.get("disable")):
        return ""
    nocookie = truthy(privacy.get("privacyenhanced"))
    host = "www.youtube-nocookie.com" if nocookie else "www.youtube.com"
    video, css = _or(call.get("id"), call.get(0)), _or(call.get("class"), call.get(1))
    title = _or(call.get("title"), "YouTube Video")
    wrapper = f'class="{escape(css)}"' if truthy(css) else f'style="{_EMBED}"'
    autoplay = "?autoplay=1" if call.get("autoplay") == "true" else ""
    frame = "" if truthy(css) else f'style="{_FRAME}" '
    return (
        f'\n<div {wrapper}>\n  <iframe src="https://{host}/embed/{url(video, "path")}{autoplay}" '
        f'{frame}allowfullscreen title="{escape(title)}"></iframe>\n</div>\n'
    )


def vimeo(call: Call) -> str:
    privacy = call.site.privacy("vimeo")
    if truthy(privacy.get("disable")):
        return ""
    dnt = "?dnt=1" if truthy(privacy.get("enablednt")) else ""
    if call.tag.named:
        css, video, title = call.get("class"), call.get("id"), call.get("title")
        has_class = truthy(css)
        frame = not has_class
        before, after = "", ""
    else:
        count = len(call.tag.positional)
        css, has_class = call.get(1), count > 1
        video, title = call.get(0), call.get(2) if count == 3 else ""
        frame = count == 1
        before, after = "\n", "\n"
    wrapper = f'class="{escape(css)}"' if has_class else f'style="{_EMBED}"'
    styled = f'style="{_FRAME}" ' if frame else ""
    titled = f'title="{escape(title)}"' if truthy(title) else 'title="vimeo video"'
    return (
        f'{before}<div {wrapper}>\n  <iframe src="https://player.vimeo.com/video/'
        f'{url(video, "path")}{dnt}" {styled}{titled} webkitallowfullscreen mozallowfullscreen '
        f"allowfullscreen></iframe>\n</div>{after}"
    )


def gist(call: Call) -> str:
    user, gist_id = url(call.get(0), "path"), url(call.get(1), "path")
    file = f"?file={url(call.get(2), 'query')}" if len(call.tag.positional) == 3 else ""
    return (
        f'<script type="application/javascript" '
        f'src="https://gist.github.com/{user}/{gist_id}.js{file}"></script>\n'
    )


def details(call: Call) -> str:
    get = call.get
    opened = get("open")
    summary = call.site.markdownify(go_print(_or(get("summary"), "Details")))
    out = ["\n<details", _attr("class", get("class")), _attr("name", get("name"))]
    if opened in ("true", True, 1):
        out.append(" open")
    out.append(f"{_attr('title', get('title'))}>\n\t<summary>{summary}</summary>\n\t")
    out.append(call.site.markdownify(call.inner or "", block=True))
    return "".join([*out, "</details>\n"])


# Each returns its HTML, or None when Hugo would have stopped (it has warned then).
BUILTINS: dict[str, Callable[[Call], str | None]] = {
    "highlight": highlight,
    "figure": figure,
    "param": param,
    "ref": ref,
    "relref": relref,
    "youtube": youtube,
    "vimeo": vimeo,
    "gist": gist,
    "details": details,
}
# Built-ins whose templates never read their inner content: a closing tag is not theirs.
NO_INNER = frozenset(BUILTINS) - {"highlight", "details"}
