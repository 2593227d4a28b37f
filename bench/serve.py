#!/usr/bin/env python3
"""Serving benchmark: feedsvc (gunicorn, granian) against nginx serving the same file, in one run.

Builds a corpus with tests/corpus.py, publishes it with feedsvc, starts feedsvc
under gunicorn (the Procfile's web: line) and under granian (`feedsvc serve --server granian`), and
Debian's nginx with config/nginx.conf on the same published set, all on loopback. Then wrk measures
full GETs, gzip GETs and conditional GETs (304) of the site feed against each, one after the other,
and prints requests per second, p99 latency, errors, and each server's ratio to nginx.

    apt-get install -y nginx-light libnginx-mod-http-brotli-static wrk
    python bench/serve.py                       # about 2 minutes
    python bench/serve.py --duration 5 --connections 100
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.corpus import generate  # noqa: E402 - after the path is set
from tests.servers import Server, feedsvc_server, nginx  # noqa: E402

KINDS = ("full GET", "gzip GET", "304")
DEBIAN_PACKAGES = ("nginx-light", "libnginx-mod-http-brotli-static", "wrk")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=600, help="posts in the corpus (default 600)")
    parser.add_argument(
        "--item-limit", type=int, default=80, help="entries per feed; 80 makes a ~400 KB site feed"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"{tool} is missing: apt-get install -y {' '.join(DEBIAN_PACKAGES)}")

    work = Path(tempfile.mkdtemp(prefix="feedsvc-bench-"))
    content = work / "content"
    generate(content, args.posts)
    env = {"FEEDSVC_ITEM_LIMIT": str(args.item_limit)}
    state = work / "state"
    results: dict[str, dict[str, tuple[float, float, int]]] = {}
    with (
        feedsvc_server("gunicorn", content, state, work, env) as gunicorn,
        feedsvc_server("granian", content, work / "state-granian", work, env) as granian,
        nginx(state, work) as static,
    ):
        size = len(urllib.request.urlopen(static.url + "feed.atom").read())
        wrk = f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s"
        print(f"document: /feed.atom, {size / 1024:.0f} KiB; {wrk}")
        for name, server in (
            ("nginx", static),
            ("feedsvc gunicorn", gunicorn),
            ("feedsvc granian", granian),
        ):
            results[name] = {kind: measure(server, kind, args) for kind in KINDS}
    shutil.rmtree(work, ignore_errors=True)
    report(results)


def measure(server: Server, kind: str, args: argparse.Namespace) -> tuple[float, float, int]:
    """(requests per second, p99 in ms, errors) of one wrk run."""
    url = server.url + "feed.atom"
    headers: list[str] = []
    if kind == "gzip GET":
        headers = ["-H", "Accept-Encoding: gzip"]
    elif kind == "304":
        etag = urllib.request.urlopen(url).headers["ETag"]
        headers = ["-H", f"If-None-Match: {etag}"]
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--latency",
        *headers,
        url,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = _milliseconds(re.search(r"99%\s+([\d.]+)(us|ms|s)", out))  # type: ignore[arg-type]
    errors = sum(
        int(n)
        for n in re.findall(r"(?:Non-2xx or 3xx responses|connect|read|write|timeout) (\d+)", out)
    )
    return rate, p99, errors


def _milliseconds(match: re.Match[str]) -> float:
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def report(results: dict[str, dict[str, tuple[float, float, int]]]) -> None:
    base = results["nginx"]
    print(
        f"\n{'server':<18} {'request':<9} {'req/s':>9} {'p99 ms':>8} {'errors':>7} {'x nginx':>8}"
    )
    for name, rows in results.items():
        for kind, (rate, p99, errors) in rows.items():
            ratio = rate / base[kind][0]
            print(f"{name:<18} {kind:<9} {rate:>9.0f} {p99:>8.2f} {errors:>7} {ratio:>8.2f}")
    print("\ntargets: 304 >= 0.10x nginx, full GET >= 0.25x nginx, p99 < 20 ms, no errors")


if __name__ == "__main__":
    main()
