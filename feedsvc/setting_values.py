"""A setting's value from the text or TOML it was written in: type checks and conversions, with
one-line errors naming where the value was found; and the values that depend on others when not
given (the state folder of a site)."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import tomllib
from collections.abc import Callable, Collection, Mapping
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


def default_state_dir(content_dir: Path, env: Mapping[str, str]) -> Path:
    """The state folder of the site in `content_dir` when no state_dir is set: one per site, so
    that a second site started with the defaults never finds (and serves) the first one's set,
    and the same site always finds its own. Under $XDG_STATE_HOME/feedsvc, or
    ~/.local/state/feedsvc when it is unset, empty or relative (the XDG Base Directory
    specification's rule), named by state_key."""
    base = env.get("XDG_STATE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".local" / "state"
    return root / "feedsvc" / state_key(content_dir)


def state_key(content_dir: Path) -> str:
    """A content folder's name in the state folders: its own name, readable (e.g. `blog`), and a
    hash of its resolved absolute path, so that two folders named alike differ and a symlink
    or relative path to a folder gives that folder's key (`blog-3f2a9c1e`)."""
    resolved = content_dir.resolve()
    name = re.sub(r"[^\w.-]+", "-", resolved.name).strip(".-")[:40] or "site"
    digest = hashlib.sha256(os.fsencode(resolved)).hexdigest()[:8]
    return f"{name}-{digest}"


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


def read_config_file(path: Path, types: Mapping[str, Any]) -> dict[str, Any]:
    """Setting -> value, from a TOML settings file (`types`: each setting's type); a relative
    path in it is relative to the file, so the file means the same from any working folder."""
    try:
        with path.open("rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    values = {}
    for key, raw_value in raw.items():
        check_known(key, types, f"{path}: unknown key {key!r}")
        value = coerce(key, types[key], raw_value, f"{path}: {key}")
        if isinstance(value, Path) and not value.is_absolute():
            value = (path.parent / value).resolve()
        values[key] = value
    return values


def read_env(
    env: Mapping[str, str], types: Mapping[str, Any], prefix: str, skip: str
) -> dict[str, tuple[Any, str]]:
    """Setting -> (value, the variable that set it), from the variables named `prefix` + the
    setting's name in capitals (`skip`: a variable with that prefix that is not a setting)."""
    values = {}
    for var, text in env.items():
        if not var.startswith(prefix) or var == skip:
            continue
        key = var.removeprefix(prefix).lower()
        check_known(key, types, f"environment variable {var}: no setting {key!r}")
        values[key] = (coerce(key, types[key], from_env_text(types[key], text), var), var)
    return values
