"""A setting's value from the text or TOML it was written in: type checks and conversions, with
one-line errors naming where the value was found."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from feedsvc.errors import ConfigError


def check_known(key: str, names: Collection[str], message: str) -> None:
    """Raise ConfigError(message) unless `key` is one of `names`, suggesting the closest one."""
    if key not in names:
        close = difflib.get_close_matches(key, list(names), n=1)
        raise ConfigError(message + (f" (did you mean {close[0]!r}?)" if close else ""))


def from_env_text(kind: Any, text: str) -> Any:
    """Turn an environment variable's text into the value a TOML file would have given."""
    if kind is bool:
        lowered = text.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        return text
    if kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            return text
    if kind == list[str]:
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def coerce(key: str, kind: Any, value: Any, where: str) -> Any:
    """Check a value against its setting's type; Path settings accept strings."""
    if kind is Path and isinstance(value, str):
        return Path(value).expanduser()
    ok: Callable[[Any], bool] = {
        str: lambda v: isinstance(v, str),
        bool: lambda v: isinstance(v, bool),
        int: lambda v: isinstance(v, int) and not isinstance(v, bool),
        float: lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        list[str]: lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    }[kind]
    if not ok(value):
        raise ConfigError(f"{where}: expected {type_name(kind)}, got {value!r}")
    return float(value) if kind is float else value


def type_name(kind: Any) -> str:
    names = {str: "a string", bool: "true or false", int: "an integer", float: "a number"}
    return names.get(kind, "a list of strings")


def usable(value: Any, kind: type) -> Any:
    """A value from a site's own configuration as a setting of this type (str, bool or list), or
    None when it cannot be one: such a file is not written for feedsvc, and one odd key is left
    out rather than stopping the service."""
    if kind is str:
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value)
        return None
    if kind is bool:
        return value if isinstance(value, bool) else None
    if kind is int:
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if kind is list:
        return [str(v) for v in value if isinstance(v, str | int | float)]
    return None
