"""Generated content directories, from ../shared/corpus/make_corpus.py, for tests and benchmarks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(
    os.environ.get(
        "FEEDSVC_CORPUS_SCRIPT",
        Path(__file__).resolve().parents[2] / "shared" / "corpus" / "make_corpus.py",
    )
)


def generate(folder: Path, posts: int, seed: int = 1) -> Path:
    """Write `posts` realistic posts into folder (deterministic for a seed); return folder."""
    assert SCRIPT.exists(), f"make_corpus.py not found at {SCRIPT} (set FEEDSVC_CORPUS_SCRIPT)"
    command = [sys.executable, str(SCRIPT), str(folder), "--posts", str(posts), "--seed", str(seed)]
    subprocess.run(command, check=True, capture_output=True)
    return folder


def mutate(folder: Path, count: int) -> None:
    """Edit `count` existing posts and add `count` new ones, as make_corpus.py --mutate does."""
    subprocess.run(
        [sys.executable, str(SCRIPT), str(folder), "--mutate", str(count)],
        check=True,
        capture_output=True,
    )
