"""Split a post's text into its YAML front matter and its body, safely, whatever the bytes are."""

from __future__ import annotations

import re
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

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


_HANDLER = _StrictYAMLHandler()


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Return (metadata, body). Raises FrontMatterError for a file that is not a usable post.

    python-frontmatter's handler finds the `---` lines; its `parse` is not used because it turns
    every problem (an unclosed block, a list instead of a mapping) into silently empty metadata.
    """
    text = text.strip()
    if not text:
        raise NoFrontMatterError("empty file")
    if not _HANDLER.detect(text):
        raise NoFrontMatterError("no YAML front matter: a post starts with a line '---'")
    try:
        fm, body = _HANDLER.split(text)
    except ValueError:
        raise FrontMatterError(
            "front matter is not closed: no second '---' line (is the file half-written?)"
        ) from None
    raw = _HANDLER.load(fm)
    if raw is None:
        raise FrontMatterError("front matter is empty")
    if not isinstance(raw, dict):
        raise FrontMatterError(f"front matter must be key: value pairs, not a {type(raw).__name__}")
    _check_size(raw)
    return raw, body.strip()


def body_only(text: str) -> str:
    """The body of a post whose front matter was read before: the YAML is not parsed again.
    Raises FrontMatterError if the text no longer has front matter."""
    text = text.strip()
    if not _HANDLER.detect(text):
        raise NoFrontMatterError("no YAML front matter: a post starts with a line '---'")
    try:
        return _HANDLER.split(text)[1].strip()
    except ValueError:
        raise FrontMatterError("front matter is not closed: no second '---' line") from None


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
