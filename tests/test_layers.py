"""The package's shape, as docs/architecture.md draws it: layers whose imports run one way, a web
side that loads nothing that renders or writes, and modules small enough to read."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from feedsvc.settings import load_settings, to_environment

PACKAGE = Path(__file__).resolve().parents[1] / "feedsvc"

# Each module's layer, lowest first: a module imports only from its own layer or lower ones.
# `kinds` and `errors` are leaves every layer may use; the settings table validates feed kinds.
LAYERS: dict[str, int] = {
    "errors": 0,
    "model.kinds": 0,
    "settings": 1,
    "setting_checks": 1,
    "site_config": 1,
    "hugo_config": 1,
    "site_rules": 1,
    "setting_values": 1,
    "workers": 1,
    "content": 2,
    "model": 3,
    "render": 4,
    "state": 5,
    "published": 6,
    "pipeline": 7,
    "web": 8,
    "service": 9,  # runs the web app and the refresher beside it
    "cli": 10,
    "wsgi": 10,
    "__main__": 10,
    "": 0,  # the package's own __init__: its version, a leaf
}

# What the web workers must never load: rendering, reading posts, writing the published set.
# (jinja2 is not here: Flask itself needs it. feedsvc's own templates are.)
NOT_FOR_THE_WEB = (
    "feedgen",
    "lxml",
    "markdown_it",
    "frontmatter",
    "yaml",
    "brotli",
    "feedsvc.content",
    "feedsvc.render",
    "feedsvc.pipeline",
    "feedsvc.service",
    "feedsvc.published.writers",
    "feedsvc.published.disk",
    "feedsvc.published.generations",
    "feedsvc.state.catalog",
    "feedsvc.workers",
)

MAX_MODULE_LINES = 400
MAX_PACKAGE_MODULES = 12  # about ten: a folder a newcomer takes in at a glance


def _modules() -> dict[str, Path]:
    """Dotted name below `feedsvc` (no prefix) -> file, for every module of the package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path) -> set[str]:
    """The feedsvc modules `name` imports (dotted, without the `feedsvc.` prefix)."""
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("feedsvc"):
            module = node.module.removeprefix("feedsvc").removeprefix(".")
            for alias in node.names:  # `from feedsvc.render import json_feed` names a module
                candidate = f"{module}.{alias.name}" if module else alias.name
                imported.add(candidate if candidate in _modules() else module)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("feedsvc."):
                    imported.add(alias.name.removeprefix("feedsvc."))
    imported.discard(name)
    return imported


def _layer(module: str) -> int:
    """The layer of a module: its own entry, else its package's."""
    while module not in LAYERS:
        module = module.rpartition(".")[0]
    return LAYERS[module]


def test_every_import_runs_down_the_layers() -> None:
    upward = [
        f"{name} ({_layer(name)}) imports {target} ({_layer(target)})"
        for name, path in _modules().items()
        for target in _imports(name, path)
        if _layer(target) > _layer(name)
    ]
    assert upward == []


def test_no_modules_import_each_other_in_a_cycle() -> None:
    graph = {name: _imports(name, path) for name, path in _modules().items()}
    visiting: list[str] = []
    done: set[str] = set()
    cycles: list[list[str]] = []

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            cycles.append([*visiting[visiting.index(name) :], name])
            return
        visiting.append(name)
        for target in sorted(graph.get(name, ())):
            visit(target)
        visiting.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)
    assert cycles == []


@pytest.mark.parametrize("site", ["plain folder", "site configuration"])
def test_the_web_side_imports_nothing_that_renders_or_writes(tmp_path: Path, site: str) -> None:
    """gunicorn's command line (config/gunicorn.conf.py) imports feedsvc.wsgi in every worker:
    it must stay small and must not be able to render or write (a worker only serves the
    published set). A worker reads no site configuration either: for a site that has one,
    gunicorn.conf.py hands every setting to the workers in FEEDSVC_* variables, as here."""
    content = tmp_path / "content"
    content.mkdir()
    env = {**os.environ, "FEEDSVC_STATE_DIR": str(tmp_path / "state")}
    env["FEEDSVC_CONTENT_DIR"] = str(content)
    if site == "site configuration":
        (content / "_config.yml").write_text("title: A site\nurl: https://example.org\n")
        env.update(to_environment(load_settings(env=env)))
    script = "import json, sys, feedsvc.wsgi; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    loaded = json.loads(result.stdout)
    assert "feedsvc.web.app" in loaded  # the import did load the app
    forbidden = [
        module
        for module in loaded
        if any(module == name or module.startswith(name + ".") for name in NOT_FOR_THE_WEB)
    ]
    assert forbidden == []


def test_every_module_fits_in_a_read() -> None:
    long = {
        name: lines
        for name, path in _modules().items()
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_every_package_fits_in_a_glance() -> None:
    counts: dict[str, int] = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name not in ("__init__.py", "__main__.py"):
            folder = path.parent.relative_to(PACKAGE).as_posix()
            counts[folder] = counts.get(folder, 0) + 1
    assert {folder: n for folder, n in counts.items() if n > MAX_PACKAGE_MODULES} == {}


def test_every_package_says_its_job_in_one_docstring() -> None:
    packages = [path for path in PACKAGE.rglob("__init__.py") if path.parent != PACKAGE]
    assert len(packages) >= 8
    for init in packages:
        assert ast.get_docstring(ast.parse(init.read_text())), init
