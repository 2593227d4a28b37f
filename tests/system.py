"""System programs some tests run (nginx, chromium): found, or the test skips saying what to get.

On a machine without them the rest of the suite still runs; CI sets REQUIRE_SYSTEM_PROGRAMS=1
(`.ci/run` does), which turns each of those skips into a failure, so CI never passes without them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

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
    reason = f"{' and '.join(missing)} not found: apt-get install {package}"
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{reason} ({REQUIRE_VARIABLE}=1)", pytrace=False)
    pytest.skip(reason)
