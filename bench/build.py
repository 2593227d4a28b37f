#!/usr/bin/env python3
"""Build benchmark: `feedsvc build` against Hugo on the same corpus and machine, in one run.

For each size, generates a corpus with ../shared/corpus/make_corpus.py (--seed 1), converts it for
Hugo with ../shared/peers/to_hugo.py (RSS only on Hugo's side, same item limit: feedsvc does more
work, Atom and RSS plus compressed twins), then alternates cold builds of the two several times and
prints the median wall time, the peak RSS of each build (from the child's rusage), the feed files
written, and the ratio feedsvc/Hugo. The largest size runs feedsvc alone.

    apt-get install -y hugo                       # Debian's Hugo 0.111
    python bench/build.py                         # 1,000 10,000 50,000 with Hugo, 100,000 alone
    python bench/build.py --sizes 1000 10000 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.corpus import generate  # noqa: E402 - after the path is set

SHARED = REPO.parent / "shared"
TO_HUGO = SHARED / "peers" / "to_hugo.py"
LIMIT = 20


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--alone", type=int, nargs="*", default=[100000], help="feedsvc only")
    parser.add_argument("--repeat", type=int, default=3, help="builds of each tool per size")
    parser.add_argument(
        "--work", type=Path, help="folder for corpora and output (default: temporary)"
    )
    args = parser.parse_args()
    hugo = shutil.which("hugo")
    if hugo is None:
        sys.exit("Hugo is missing: apt-get install -y hugo")
    work = args.work or Path(tempfile.mkdtemp(prefix="feedsvc-build-"))
    rows = []
    for size in [*args.sizes, *args.alone]:
        corpus = work / f"corpus-{size}"
        if not corpus.exists():
            generate(corpus, size)
        with_hugo = size in args.sizes
        site = work / f"hugo-{size}"
        if with_hugo and not site.exists():
            run([sys.executable, str(TO_HUGO), str(corpus), str(site), "--limit", str(LIMIT)])
        ours: list[tuple[float, float]] = []
        theirs: list[tuple[float, float]] = []
        for _ in range(args.repeat):  # alternate, so both see the same machine state
            out = work / f"feedsvc-{size}"
            shutil.rmtree(out, ignore_errors=True)
            ours.append(timed([sys.executable, "-m", "feedsvc", "build", str(out), "--content",
                               str(corpus), "-q"], {"FEEDSVC_ITEM_LIMIT": str(LIMIT)}))  # fmt: skip
            if with_hugo:
                shutil.rmtree(site / "public", ignore_errors=True)
                theirs.append(timed([hugo, "-s", str(site), "-d", str(site / "public"), "--quiet"]))
        feeds_ours = count(work / f"feedsvc-{size}", (".atom", ".rss"))
        feeds_theirs = count(site / "public", (".xml",)) if with_hugo else 0
        rows.append((size, ours, theirs, feeds_ours, feeds_theirs))
        report(rows)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


def run(command: list[str]) -> None:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one child process, from its own rusage (wait4)."""
    variables = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSVC_")}
    variables.update(env or {})
    started = time.perf_counter()
    child = subprocess.Popen(command, env=variables, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"{command[0]} failed with {child.returncode}")
    return seconds, usage.ru_maxrss / 1024


def count(folder: Path, suffixes: tuple[str, ...]) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file() and p.name.endswith(suffixes))


def report(
    rows: list[tuple[int, list[tuple[float, float]], list[tuple[float, float]], int, int]],
) -> None:
    print(f"\n{'posts':>8} {'feedsvc s':>10} {'Hugo s':>8} {'ratio':>6} {'feedsvc MB':>11} "
          f"{'Hugo MB':>8} {'feedsvc feeds':>14} {'Hugo feeds':>11}")  # fmt: skip
    for size, ours, theirs, feeds_ours, feeds_theirs in rows:
        ours_s = statistics.median(s for s, _ in ours)
        ours_mb = max(mb for _, mb in ours)
        if theirs:
            theirs_s = statistics.median(s for s, _ in theirs)
            theirs_mb = max(mb for _, mb in theirs)
            ratio = ours_s / theirs_s
            print(f"{size:>8,} {ours_s:>10.2f} {theirs_s:>8.2f} {ratio:>6.2f} {ours_mb:>11.0f} "
                  f"{theirs_mb:>8.0f} {feeds_ours:>14,} {feeds_theirs:>11,}")  # fmt: skip
        else:
            print(f"{size:>8,} {ours_s:>10.2f} {'-':>8} {'-':>6} {ours_mb:>11.0f} {'-':>8} "
                  f"{feeds_ours:>14,} {'-':>11}")  # fmt: skip
    sys.stdout.flush()


if __name__ == "__main__":
    main()
