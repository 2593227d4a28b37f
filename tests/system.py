"""System programs some tests run (nginx, chromium, mount): found, or the test skips saying what
to get.

On a machine without them the rest of the suite still runs; CI sets REQUIRE_SYSTEM_PROGRAMS=1
(`.ci/run` does), which turns each of those skips into a failure, so CI never passes without them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NoReturn

import pytest

REQUIRE_VARIABLE = "REQUIRE_SYSTEM_PROGRAMS"
# Debian installs servers in sbin, which is not on a normal user's PATH.
SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")


def require(program: str, package: str, files: Sequence[str | Path] = ()) -> str:
    """The path of `program` (looked for on PATH, then in sbin), once it and `files` (a module it
    loads, say) are all there. Otherwise skip the test with one line naming the Debian `package`
    (or packages) to install; with REQUIRE_SYSTEM_PROGRAMS=1, fail it with that line."""
    search = os.pathsep.join([os.environ.get("PATH", os.defpath), *SBIN])
    found = shutil.which(program, path=search)
    missing = [str(file) for file in files if not Path(file).exists()]
    if found is not None and not missing:
        return found
    if found is None:
        missing.insert(0, program)
    _unavailable(f"{' and '.join(missing)} not found: apt-get install {package}")


def _unavailable(reason: str) -> NoReturn:
    """Skip the test for `reason`; with REQUIRE_SYSTEM_PROGRAMS=1, fail it."""
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{reason} ({REQUIRE_VARIABLE}=1)", pytrace=False)
    pytest.skip(reason)


def mount(*arguments: str) -> None:
    """Run mount(8) with `arguments`; a test that needs it skips (fails under
    REQUIRE_SYSTEM_PROGRAMS=1) where mounting is not allowed: not root, or a container
    without CAP_SYS_ADMIN."""
    program = require("mount", "mount")
    if os.geteuid() != 0:
        _unavailable("mounting a file system needs root (run as root, as CI does)")
    result = subprocess.run([program, *arguments], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        _unavailable(f"mount {' '.join(arguments)} failed: {result.stderr.strip()}")


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A real small file system of `size` (mount's size=, "4m") mounted on `folder`, which fills
    up for real (ENOSPC) and can be remounted read-only (EROFS) whoever writes: root ignores
    file modes, not a read-only mount."""
    folder.mkdir(parents=True, exist_ok=True)
    mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        unmount(folder)


def remount(path: Path, options: str) -> None:
    """Change the options of the mount on `path` ("ro", "rw"): once mounting worked, this must."""
    program = require("mount", "mount")
    subprocess.run([program, "-o", f"remount,{options}", str(path)], check=True)


def unmount(path: Path) -> None:
    """Unmount `path` (lazily: once the last file open in it is closed)."""
    subprocess.run([require("umount", "mount"), "--lazy", str(path)], check=True)


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[Path]:
    """`path` (a file or folder) made read-only for every process, root included: mounted on
    itself, read-only (EROFS on any write)."""
    mount("--bind", str(path), str(path))
    try:
        remount(path, "bind,ro")
        yield path
    finally:
        unmount(path)
