#!/usr/bin/env python3
"""Serving benchmark: feedsvc (granian, the default; gunicorn, the option) against nginx serving the
same file, in one run, and each of them beside slow clients.

Builds a corpus with tests/corpus.py, publishes it with feedsvc, starts feedsvc as the Procfile's
web: line runs it (`feedsvc web`: granian) and under gunicorn (config/gunicorn.conf.py), and
Debian's nginx with config/nginx.conf on the same published set, all on loopback. Then wrk measures
full GETs, gzip GETs and conditional GETs (304) of the site feed against each, one after the other,
and prints requests per second, p99 latency, errors, and each server's ratio to nginx. Last, for
each server, 200 connections that send nothing and 32 that trickle their headers a byte every
half second are held open while a normal client GETs /healthz and the site feed one after the
other: it prints how many answered, the median and slowest time, and the requests that failed.

    apt-get install -y nginx-light libnginx-mod-http-brotli-static wrk
    python bench/serve.py                       # about 3 minutes
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
from tests.slow_clients import (  # noqa: E402
    IDLE,
    LIMIT_SECONDS,
    TRICKLING,
    Probe,
    probe_under_slow_clients,
)

KINDS = ("full GET", "gzip GET", "304")
TARGETS = {"full GET": 0.25, "gzip GET": 0.25, "304": 0.10}  # least rate, as a share of nginx's
MOST_P99_MS = 50
DEFAULT = "feedsvc granian"  # the Procfile's web: line, and `feedsvc serve`
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
    held: dict[str, Probe] = {}
    with (
        feedsvc_server("procfile", content, state, work, env) as granian,
        feedsvc_server("gunicorn", content, work / "state-gunicorn", work, env) as gunicorn,
        nginx(state, work) as static,
    ):
        size = len(urllib.request.urlopen(static.url + "feed.atom").read())
        wrk = f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s"
        print(f"document: /feed.atom, {size / 1024:.0f} KiB; {wrk}")
        servers = {"nginx": static, DEFAULT: granian, "feedsvc gunicorn": gunicorn}
        for name, server in servers.items():
            results[name] = {kind: measure(server, kind, args) for kind in KINDS}
        for name, server in servers.items():
            held[name] = probe_under_slow_clients(
                server.url, ["/healthz", "/feed.atom"], args.duration, IDLE, TRICKLING
            )
    shutil.rmtree(work, ignore_errors=True)
    report(results, held)


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


def report(results: dict[str, dict[str, tuple[float, float, int]]], held: dict[str, Probe]) -> None:
    base = results["nginx"]
    print(
        f"\n{'server':<18} {'request':<9} {'req/s':>9} {'p99 ms':>8} {'errors':>7} {'x nginx':>8}"
    )
    for name, rows in results.items():
        for kind, (rate, p99, errors) in rows.items():
            ratio = rate / base[kind][0]
            met = ratio >= TARGETS[kind] and p99 < MOST_P99_MS and errors == 0
            mark = "" if name == "nginx" else ("  met" if met else "  MISSED")
            print(f"{name:<18} {kind:<9} {rate:>9.0f} {p99:>8.2f} {errors:>7} {ratio:>8.2f}{mark}")
    print(f"\nbeside {IDLE} silent and {TRICKLING} trickling connections, a normal client:")
    for name, probe in held.items():
        mark = "" if name == "nginx" else ("  met" if probe.held() else "  MISSED")
        print(f"{name:<18} {probe.summary()}{mark}")
        for failure in probe.failures[:3]:
            print(f"{'':<18}   {failure}")
    print(
        f"\ntargets: full and gzip GETs >= 0.25x nginx, 304 >= 0.10x nginx, p99 < {MOST_P99_MS} ms,"
        f" no errors; beside slow clients every answer in < {LIMIT_SECONDS:.0f} s"
    )


if __name__ == "__main__":
    main()
