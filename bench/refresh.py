#!/usr/bin/env python3
"""Refresh benchmark on a generated corpus (default 100,000 posts).

Measures, on one state folder:
  cold start          first refresh: every post read, every feed rendered and published
  no change           a refresh of an unchanged directory, in the same process
  no change, restart  the same in a new process (the catalog comes from the state folder)
  20 changes          after tests/corpus.py's `mutate(folder, 10)` (10 edits, 10 new posts)
  write to served     with `watch = true`: from writing a new post to the web server (gunicorn,
                      the Procfile's way) serving a feed that lists it; several times
  peak RSS            of the process doing the cold start and the refreshes after it

    python bench/refresh.py                      # 100,000 posts: about 5 minutes
    python bench/refresh.py --posts 10000 --keep /tmp/bench-10k
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.corpus import generate  # noqa: E402 - after the path is set
from tests.servers import feedsvc_server  # noqa: E402

CHILD = """
import datetime as dt, json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from feedsvc.pipeline.refresh import Refresher
from feedsvc.settings import load_settings
from tests.corpus import mutate

steps = sys.argv[1].split(",")
settings = load_settings()
times = {}
started = time.perf_counter()
refresher = Refresher(settings)
times["load state"] = time.perf_counter() - started
now = dt.datetime.now(dt.UTC)
for step in steps:
    if step == "mutate":
        mutate(settings.content_dir, 10)
        continue
    now += dt.timedelta(seconds=1)
    started = time.perf_counter()
    report = refresher.refresh(now)
    times[step] = time.perf_counter() - started
    times[step + " read"] = report.read if report else -1
    times[step + " rendered"] = report.rendered if report else -1
times["peak rss mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(times))
"""


def child(settings_env: dict[str, str], steps: str) -> dict[str, float]:
    env = {**os.environ, **settings_env}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, steps, str(REPO)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one)")
    parser.add_argument("--writes", type=int, default=5, help="write-to-served samples")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="feedsvc-refresh-"))
    work.mkdir(parents=True, exist_ok=True)
    content, state = work / "content", work / "state"
    shutil.rmtree(content, ignore_errors=True)
    shutil.rmtree(state, ignore_errors=True)
    started = time.perf_counter()
    generate(content, args.posts)
    print(f"corpus: {args.posts:,} posts generated in {time.perf_counter() - started:.1f} s")
    env = {"FEEDSVC_CONTENT_DIR": str(content), "FEEDSVC_STATE_DIR": str(state)}

    first = child(env, "cold start,no change,mutate,20 changes")
    restart = child(env, "no change after restart")
    rows = [(step, *_figures(first, step)) for step in ("cold start", "no change")]
    rows.append(("no change after restart", *_figures(restart, "no change after restart")))
    rows.append(("20 changes", *_figures(first, "20 changes")))
    latencies = write_to_served(content, state, work, args.writes)
    print(f"\n{'step':<22} {'seconds':>8} {'posts read':>11} {'docs rendered':>14}")
    for name, seconds, read, rendered in rows:
        print(f"{name:<22} {seconds:>8.3f} {read:>11,.0f} {rendered:>14,.0f}")
    print(f"{'load state (restart)':<22} {restart['load state']:>8.3f}")
    print(
        f"write to served (watch): median {statistics.median(latencies):.3f} s, "
        f"max {max(latencies):.3f} s over {len(latencies)} writes"
    )
    print(
        f"peak RSS: {first['peak rss mb']:.0f} MB (cold start and refreshes), "
        f"{restart['peak rss mb']:.0f} MB (restart)"
    )
    print(
        "\ntargets at 100,000 posts: no change < 0.5 s, 20 changes < 1 s, write to served < 1 s,"
        " peak RSS < 1 GiB"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def _figures(times: dict[str, float], step: str) -> tuple[float, float, float]:
    return times[step], times[step + " read"], times[step + " rendered"]


def write_to_served(content: Path, state: Path, work: Path, count: int) -> list[float]:
    """Seconds from writing a new post until the site feed served over HTTP lists it."""
    env = {**os.environ, "FEEDSVC_CONTENT_DIR": str(content), "FEEDSVC_STATE_DIR": str(state),
           "FEEDSVC_WATCH": "true", "FEEDSVC_REFRESH_INTERVAL": "3600"}  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "feedsvc", "worker"], env=env, stderr=subprocess.PIPE, text=True
    )
    latencies = []
    try:
        with feedsvc_server("gunicorn", content, state, work) as server:
            _wait_idle(state)
            for n in range(count):
                title = f"bench-{n}-{time.time_ns()}"
                written = time.perf_counter()
                (content / f"zz-bench-{n}.md").write_text(
                    f"---\ntitle: {title}\ndate: 2025-01-01 00:00:{n:02d} +0000\n---\nbody\n",
                    encoding="utf-8",
                )
                while title.encode() not in urllib.request.urlopen(server.url + "feed.atom").read():
                    time.sleep(0.005)
                latencies.append(time.perf_counter() - written)
                time.sleep(0.5)  # let the worker settle before the next sample
    finally:
        worker.terminate()
        worker.communicate(timeout=30)
    return latencies


def _wait_idle(state: Path) -> None:
    """Until the worker's first refresh (of an unchanged directory) has finished."""
    status = state / "status.json"
    while '"next_run"' not in (status.read_text() if status.exists() else ""):
        time.sleep(0.05)


if __name__ == "__main__":
    main()
