#!/usr/bin/env python3
"""Build benchmark: `feedsvc build` against Hugo on the same corpus and machine, in one run.

For each size, generates a corpus with ../shared/corpus/make_corpus.py (--seed 1), converts it for
Hugo with ../shared/peers/to_hugo.py (RSS only on Hugo's side, same item limit: feedsvc does more
work: Atom, RSS, JSON Feed, pages and archive pages, with compressed twins), then alternates
cold builds of the two several times and prints the median wall time, the peak memory of each
build, the feed files written, and the ratios feedsvc/Hugo of time and memory. The largest size
runs feedsvc alone.

Memory is the peak of the summed PSS of the build's whole process tree (the child and all its
descendants), sampled from /proc every 20 ms: feedsvc forks worker processes, and the child's
ru_maxrss from wait4 is the largest single process of its tree, not their sum. PSS, not RSS, because
forked workers share copy-on-write pages with their parent: PSS charges a page shared by n
processes 1/n to each, so the sum counts it once (RSS from statm stands in where smaps_rollup is
unreadable). ru_maxrss stays as an extra column. Hugo is one multi-threaded process: its tree is
itself, measured the same way. Before each timed build the disk is synced and left quiet for a
second, so one build's writeback never lands in the next one's time.

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
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
MAKE_CORPUS = SHARED / "corpus" / "make_corpus.py"  # the corpus both tools build, as the peer's
TO_HUGO = SHARED / "peers" / "to_hugo.py"
LIMIT = 20
SETTLE = 1.0  # seconds of quiet after the sync before each timed build
INTERVAL = 0.02  # seconds between two samples of a build's process tree
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass(frozen=True)
class Build:
    """What one build cost."""

    seconds: float  # wall time, from start to exit
    tree_mb: float  # peak over the samples of the summed PSS of the child and its descendants
    maxrss_mb: float  # ru_maxrss from wait4: the largest single process of the tree, not the sum


Row = tuple[int, list[Build], list[Build], int, int]  # size, feedsvc's, Hugo's, feed files of each


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
    rows: list[Row] = []
    for size in [*args.sizes, *args.alone]:
        corpus = work / f"corpus-{size}"
        if not corpus.exists():
            run([sys.executable, str(MAKE_CORPUS), str(corpus), "--posts", str(size)])  # seed 1
        with_hugo = size in args.sizes
        site = work / f"hugo-{size}"
        if with_hugo and not site.exists():
            run([sys.executable, str(TO_HUGO), str(corpus), str(site), "--limit", str(LIMIT)])
        ours: list[Build] = []
        theirs: list[Build] = []
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


def timed(command: list[str], env: dict[str, str] | None = None) -> Build:
    """Wall time and peak memory of one build: its process tree sampled, and its own rusage."""
    variables = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSVC_")}
    variables.update(env or {})
    # The previous build's output (and the deletion of the one before) is still being written
    # back to disk; on a small VM that stalls every file creation of the next build for seconds.
    # Flush it first, so each build is timed on its own, whichever tool ran before.
    os.sync()
    time.sleep(SETTLE)
    started = time.perf_counter()
    child = subprocess.Popen(command, env=variables, stdout=subprocess.DEVNULL)
    with TreeSampler(child.pid) as sampler:
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"{command[0]} failed with {child.returncode}")
    return Build(seconds, sampler.peak_kb / 1024, usage.ru_maxrss / 1024)


class TreeSampler:
    """Peak summed memory of a process tree, sampled every INTERVAL in a background thread.

    A thread, so that the main thread can block in wait4 meanwhile for the child's rusage.
    """

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_kb = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while True:
            self.peak_kb = max(self.peak_kb, sum(memory_kb(pid) for pid in tree(self.root)))
            if self._done.wait(INTERVAL):
                return


def tree(root: int) -> list[int]:
    """The root and its descendants now alive, found from the parent pid in each /proc/<pid>/stat.

    A scan rather than /proc/<pid>/task/*/children, which exists only in kernels built with
    CONFIG_PROC_CHILDREN (not the benchmark machine's).
    """
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_bytes()
        except OSError:  # it exited since the listing
            continue
        # The name in parentheses may hold spaces and parentheses: the fields after the last ")"
        # are state, then parent pid.
        parent = int(stat[stat.rindex(b")") + 1 :].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found = [root]
    for pid in found:  # grows as it goes: breadth first
        found.extend(children.get(pid, []))
    return found


def memory_kb(pid: int) -> int:
    """One process's PSS in kB; its RSS where smaps_rollup is unreadable; 0 once it has gone.

    PSS charges a page shared by n processes 1/n to each, so a sum over forked workers counts
    their shared copy-on-write pages once, where a sum of RSS would count them once per worker.
    """
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        rollup = ""
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
    except (OSError, IndexError):  # gone, or a zombie's empty file
        return 0


def count(folder: Path, suffixes: tuple[str, ...]) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file() and p.name.endswith(suffixes))


def report(rows: list[Row]) -> None:
    """One line per size: median wall time; peak tree memory (the headline) and ru_maxrss, in MB."""
    print(f"\n{'posts':>8} {'feedsvc s':>10} {'Hugo s':>8} {'ratio':>6} {'feedsvc MB':>11} "
          f"{'Hugo MB':>8} {'MB ratio':>9} {'feedsvc maxrss':>15} {'Hugo maxrss':>12} "
          f"{'feedsvc feeds':>14} {'Hugo feeds':>11}")  # fmt: skip
    for size, ours, theirs, feeds_ours, feeds_theirs in rows:
        ours_s = statistics.median(b.seconds for b in ours)
        ours_mb = max(b.tree_mb for b in ours)
        ours_rss = max(b.maxrss_mb for b in ours)
        if theirs:
            theirs_s = statistics.median(b.seconds for b in theirs)
            theirs_mb = max(b.tree_mb for b in theirs)
            theirs_rss = max(b.maxrss_mb for b in theirs)
            ratio, mb_ratio = ours_s / theirs_s, ours_mb / theirs_mb
            print(f"{size:>8,} {ours_s:>10.2f} {theirs_s:>8.2f} {ratio:>6.2f} {ours_mb:>11.0f} "
                  f"{theirs_mb:>8.0f} {mb_ratio:>9.2f} {ours_rss:>15.0f} {theirs_rss:>12.0f} "
                  f"{feeds_ours:>14,} {feeds_theirs:>11,}")  # fmt: skip
        else:
            print(f"{size:>8,} {ours_s:>10.2f} {'-':>8} {'-':>6} {ours_mb:>11.0f} {'-':>8} "
                  f"{'-':>9} {ours_rss:>15.0f} {'-':>12} {feeds_ours:>14,} {'-':>11}")  # fmt: skip
    sys.stdout.flush()


if __name__ == "__main__":
    main()
