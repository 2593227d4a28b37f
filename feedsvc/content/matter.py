"""Split a post's text into its front matter and its body, safely, whatever the bytes are: YAML
(`---`), and for a Hugo site also TOML (`+++`) and JSON (`{…}`), the three forms Hugo reads."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import yaml
from frontmatter.default_handlers import BaseHandler, YAMLHandler

from feedsvc.content.dates import ZONELESS_YAML_TIME, ZonelessYamlTime

# Deeper nesting than this is refused before libyaml's composer sees it: at some tens of thousands
# of levels the C composer overflows the stack and kills the process (PyYAML 6.0.3;
# 6.0.4 adds a limit of its own).
MAX_NESTING = 64
# Values reachable from the front matter, counting each alias again: refuses "billion laughs".
MAX_VALUES = 10_000


class _YAMLLoader(yaml.CSafeLoader):
    """The safe C loader, minus timestamp resolution: every date reaches the one date parser as
    text; an unquoted time without a zone as a ZonelessYamlTime, which Jekyll reads in UTC."""


_YAMLLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}
_ZONELESS_TIME_TAG = "tag:feedsvc,2024:zoneless-time"
_YAMLLoader.add_implicit_resolver(
    _ZONELESS_TIME_TAG,
    re.compile(f"^(?:{ZONELESS_YAML_TIME.pattern})$", re.ASCII),
    list("-0123456789"),
)


def _zoneless_time(loader: yaml.BaseLoader, node: yaml.Node) -> ZonelessYamlTime:
    if not isinstance(node, yaml.ScalarNode):  # the tag written out on a list or mapping
        raise yaml.constructor.ConstructorError(None, None, "a time must be text", node.start_mark)
    return ZonelessYamlTime(loader.construct_scalar(node))


_YAMLLoader.add_constructor(_ZONELESS_TIME_TAG, _zoneless_time)


class FrontMatterError(ValueError):
    """The front matter is missing or unusable; the message says why, in a writer's words."""


class NoFrontMatterError(FrontMatterError):
    """The text has no front matter at all: an error in a plain folder, a post still in a
    Jekyll site's `_posts` (Jekyll publishes those too)."""


class _StrictYAMLHandler(YAMLHandler):
    """python-frontmatter's YAML handler with our loader and one-line errors."""

    def load(self, fm: str, **kwargs: object) -> Any:
        _check_nesting(fm)
        try:
            return yaml.load(fm, Loader=_YAMLLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            raise FrontMatterError(f"front matter is not valid YAML: {_one_line(exc)}") from None
        except (ValueError, TypeError, RecursionError) as exc:
            raise FrontMatterError(f"front matter is not valid YAML: {exc}") from None


class _TOMLHandler(BaseHandler):
    """TOML between `+++` lines, read by the standard library's TOML 1.0 parser
    (python-frontmatter's own TOML handler needs the older `toml` package: TOML 0.5)."""

    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: object) -> Any:
        try:
            return tomllib.loads(fm)
        except tomllib.TOMLDecodeError as exc:
            raise FrontMatterError(f"front matter is not valid TOML: {exc}") from None
        except RecursionError:
            raise FrontMatterError("front matter nests too deeply") from None


class _JSONHandler(BaseHandler):
    """A JSON object at the very start, ended where the object ends, as Hugo reads it (one line or
    many; python-frontmatter's JSON handler wants `{` and `}` alone on their lines)."""

    FM_BOUNDARY = re.compile(r"^\{")

    def split(self, text: str) -> tuple[str, str]:
        try:
            _, end = json.JSONDecoder().raw_decode(text)
        except RecursionError:
            raise FrontMatterError("front matter nests too deeply") from None
        except json.JSONDecodeError as exc:
            raise FrontMatterError(f"front matter is not valid JSON: {exc}") from None
        return text[:end], text[end:]

    def load(self, fm: str, **kwargs: object) -> Any:
        return json.loads(fm)  # checked by split


_HANDLER = _StrictYAMLHandler()
_YAML_ONLY: tuple[BaseHandler, ...] = (_HANDLER,)
_HUGO_FORMS: tuple[BaseHandler, ...] = (_HANDLER, _TOMLHandler(), _JSONHandler())
_NO_YAML = "no YAML front matter: a post starts with a line '---'"
_NO_HUGO = "no front matter: a post starts with a line '---' (YAML), '+++' (TOML) or '{' (JSON)"


def split_front_matter(text: str, hugo: bool = False) -> tuple[dict[str, Any], str]:
    """Return (metadata, body). Raises FrontMatterError for a file that is not a usable post.
    `hugo`: TOML and JSON front matter are read too, as Hugo reads them.

    python-frontmatter's handlers find the delimiters; its `parse` is not used because it turns
    every problem (an unclosed block, a list instead of a mapping) into silently empty metadata.
    """
    text = text.strip()
    if not text:
        raise NoFrontMatterError("empty file")
    handler = _handler(text, hugo)
    try:
        fm, body = handler.split(text)
    except ValueError as exc:
        if isinstance(exc, FrontMatterError):
            raise
        end = handler.END_DELIMITER
        raise FrontMatterError(
            f"front matter is not closed: no second '{end}' line (is the file half-written?)"
        ) from None
    raw = handler.load(fm)
    if raw is None and hugo:
        raw = {}  # Hugo reads a page with empty front matter
    if raw is None:
        raise FrontMatterError("front matter is empty")
    if not isinstance(raw, dict):
        raise FrontMatterError(f"front matter must be key: value pairs, not a {type(raw).__name__}")
    _check_size(raw)
    return raw, body.strip()


def body_only(text: str, hugo: bool = False) -> str:
    """The body of a post whose front matter was read before: the front matter is not parsed
    again (JSON's end is found by parsing it). Raises FrontMatterError if the text no longer has
    front matter."""
    text = text.strip()
    handler = _handler(text, hugo)
    try:
        return handler.split(text)[1].strip()
    except ValueError as exc:
        if isinstance(exc, FrontMatterError):
            raise
        end = handler.END_DELIMITER
        raise FrontMatterError(f"front matter is not closed: no second '{end}' line") from None


def _handler(text: str, hugo: bool) -> BaseHandler:
    """The handler of the front matter `text` starts with; NoFrontMatterError when none."""
    for handler in _HUGO_FORMS if hugo else _YAML_ONLY:
        if handler.detect(text):
            return handler
    raise NoFrontMatterError(_NO_HUGO if hugo else _NO_YAML)


def _check_nesting(fm: str) -> None:
    """Refuse deeply nested YAML by reading its events, which libyaml produces without recursion."""
    if fm.count("[") + fm.count("{") <= MAX_NESTING and len(fm) <= 65_536:
        return  # too few brackets and too short for dangerous nesting: skip the extra parse
    depth = 0
    try:
        for event in yaml.parse(fm, Loader=_YAMLLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    raise FrontMatterError(f"front matter nests deeper than {MAX_NESTING} levels")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"front matter is not valid YAML: {_one_line(exc)}") from None


def _check_size(value: Any) -> None:
    """Count the values reachable from the front matter, stopping at MAX_VALUES."""
    pending = [value]
    seen = 0
    while pending:
        item = pending.pop()
        seen += 1
        if seen > MAX_VALUES:
            raise FrontMatterError(
                f"front matter holds more than {MAX_VALUES} values (YAML alias expansion?)"
            )
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple | set):
            pending.extend(item)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
