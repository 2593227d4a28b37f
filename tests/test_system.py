"""Tests that need a system program: without it they skip, naming the Debian package to install;
with REQUIRE_SYSTEM_PROGRAMS=1 (CI) they fail instead."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from . import system
from .system import REQUIRE_VARIABLE, require

MISSING = "feedsvc-test-no-such-program"
SKIP, FAIL = pytest.skip.Exception, pytest.fail.Exception


@pytest.fixture(autouse=True)
def not_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_VARIABLE, raising=False)


def outcome(program: str, package: str, files: Sequence[Path] = ()) -> tuple[type, str]:
    """How `require` ends the test (skip or fail), and the line it gives. Caught here, so that a
    skip where a failure was due fails this test instead of skipping it."""
    with pytest.raises((SKIP, FAIL)) as raised:
        require(program, package, files)
    return type(raised.value), str(raised.value)


def executable(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_a_missing_program_skips_the_test_naming_the_package() -> None:
    assert outcome(MISSING, "feedsvc-tools") == (
        SKIP,
        f"{MISSING} not found: apt-get install feedsvc-tools",
    )


def test_a_missing_file_the_program_needs_skips_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = executable(tmp_path, "server")
    monkeypatch.setenv("PATH", str(tmp_path))
    module = tmp_path / "modules" / "brotli.so"
    assert outcome(program.name, "server server-mod-brotli", [module]) == (
        SKIP,
        f"{module} not found: apt-get install server server-mod-brotli",
    )
    module.parent.mkdir()
    module.write_bytes(b"")
    monkeypatch.setenv(REQUIRE_VARIABLE, "1")  # were it still missing: a failure, not a skip
    assert require(program.name, "server server-mod-brotli", [module]) == str(program)


@pytest.mark.parametrize("missing", ["program", "file"])
def test_in_ci_a_missing_program_fails_the_test(
    missing: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(REQUIRE_VARIABLE, "1")
    monkeypatch.setenv("PATH", str(tmp_path))
    module = tmp_path / "brotli.so"
    if missing == "program":
        program, files, what = MISSING, [], MISSING
    else:
        program, files, what = executable(tmp_path, "server").name, [module], str(module)
    assert outcome(program, "feedsvc-tools", files) == (
        FAIL,
        f"{what} not found: apt-get install feedsvc-tools (REQUIRE_SYSTEM_PROGRAMS=1)",
    )


@pytest.mark.parametrize("value", ["", "0", "yes"])
def test_only_the_value_1_makes_it_a_failure(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_VARIABLE, value)
    assert outcome(MISSING, "feedsvc-tools")[0] is SKIP


def test_a_program_is_found_on_path_or_in_sbin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Debian puts servers (nginx) in /usr/sbin, which a normal user's PATH leaves out."""
    on_path, sbin = tmp_path / "bin", tmp_path / "sbin"
    on_path.mkdir()
    sbin.mkdir()
    monkeypatch.setenv("PATH", str(on_path))
    monkeypatch.setattr(system, "SBIN", (str(sbin),))
    monkeypatch.setenv(REQUIRE_VARIABLE, "1")  # not found: a failure, not a skip
    client, server = executable(on_path, "client"), executable(sbin, "server")
    assert require("client", "client") == str(client)
    assert require("server", "server") == str(server)
