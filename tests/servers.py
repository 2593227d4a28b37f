"""Start the real servers on loopback for end-to-end tests and benchmarks: feedsvc under gunicorn
with the Procfile's configuration, and nginx with config/nginx.conf."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .system import require

REPO = Path(__file__).resolve().parent.parent
BROTLI_STATIC = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"  # Debian's module
NGINX_PACKAGES = "nginx-light libnginx-mod-http-brotli-static"
NGINX_CONF = REPO / "config" / "nginx.conf"  # the site file operators include, as shipped


@dataclass(frozen=True)
class Server:
    """A running server: its base URL and process."""

    url: str  # http://127.0.0.1:PORT/
    process: subprocess.Popen[bytes]
    log: Path
    config: Path | None = None  # nginx's main configuration file; None for feedsvc


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(
    url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 30
) -> None:
    """Poll url until it answers, or fail with the server's log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
        with (
            contextlib.suppress(urllib.error.URLError, ConnectionError, OSError),
            urllib.request.urlopen(url, timeout=1),
        ):
            return
        time.sleep(0.05)
    raise RuntimeError(f"server did not answer {url} within {seconds} s:\n{log.read_text()}")


@contextlib.contextmanager
def feedsvc_server(
    kind: str,
    content_dir: Path,
    state_dir: Path | None,
    workdir: Path,
    env: Mapping[str, str] | None = None,
) -> Iterator[Server]:
    """feedsvc on a free loopback port: "gunicorn" exactly as the Procfile's web: line runs it,
    "granian" as `feedsvc serve --server granian` runs it, "serve" as plain `feedsvc serve`.
    A `state_dir` of None leaves it to feedsvc's default."""
    port = free_port()
    log = workdir / f"{kind}-{port}.log"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSVC_") and k != "PORT"}
    own = {
        "FEEDSVC_CONTENT_DIR": str(content_dir),
        "FEEDSVC_HOST": "127.0.0.1",
        "FEEDSVC_PORT": str(port),
        "FEEDSVC_SITE_URL": f"http://127.0.0.1:{port}/",
    }
    if state_dir is not None:
        own["FEEDSVC_STATE_DIR"] = str(state_dir)
    clean.update({**own, **(env or {})})
    commands = {
        "gunicorn": [
            sys.executable, "-m", "gunicorn", "-c", str(REPO / "config" / "gunicorn.conf.py"),
            "feedsvc.wsgi:app",
        ],
        "granian": [sys.executable, "-m", "feedsvc", "serve", "--server", "granian"],
        "serve": [sys.executable, "-m", "feedsvc", "serve"],  # the default server, gunicorn
    }  # fmt: skip
    command = commands[kind]
    with log.open("wb") as out:
        # A process group of its own, as a terminal gives a command: a test may signal the
        # group (a hang-up) without reaching pytest.
        process = subprocess.Popen(
            command, cwd=REPO, env=clean, stdout=out, stderr=out, process_group=0
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url + "healthz", process, log)
        yield Server(url, process, log)
    finally:
        _stop(process)


@contextlib.contextmanager
def nginx(
    state_dir: Path, workdir: Path, site: str | None = None, app: Server | None = None
) -> Iterator[Server]:
    """Debian's nginx serving state_dir/current with config/nginx.conf (or `site`, a variant of
    it), on a free loopback port, passing /metrics to `app` (feedsvc's web server) when given.
    Skips the test when nginx or its brotli_static module is not installed."""
    program = require("nginx", NGINX_PACKAGES, [BROTLI_STATIC])
    port = free_port()
    folder = workdir / f"nginx-{port}"
    folder.mkdir(parents=True)
    site = adapt_site(site or NGINX_CONF.read_text(), port, state_dir, app)
    (folder / "site.conf").write_text(site)
    (folder / "nginx.conf").write_text(
        f"""daemon off;
user root;
worker_processes 2;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
load_module {BROTLI_STATIC};
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    keepalive_requests 1000000;
    include {folder}/site.conf;
}}
"""
    )
    log = folder / "error.log"
    log.touch()
    with (folder / "stdout.log").open("wb") as out:
        process = subprocess.Popen(
            [program, "-c", str(folder / "nginx.conf"), "-p", str(folder)], stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url + "healthz", process, folder / "stdout.log")
        yield Server(url, process, log, folder / "nginx.conf")
    finally:
        _stop(process)


def adapt_site(site: str, port: int, state_dir: Path, app: Server | None = None) -> str:
    """config/nginx.conf (or `site`, a variant of it) as the tests run it, changed only where its
    header tells operators to adjust it, and in its port: it listens on `port` on loopback alone
    (the IPv6 line goes), serves `state_dir` where it says /var/lib/feedsvc/ (root and
    status.json), and passes /metrics to `app` when given. Raises ValueError when a line to
    change is not there as expected: the shipped file changed, and so must this."""
    changes = [
        ("    listen 8080;\n", f"    listen 127.0.0.1:{port};\n", 1),
        ("    listen [::]:8080;\n", "", 1),
        ("/var/lib/feedsvc/", f"{state_dir}/", 2),
    ]
    if app is not None:
        address = app.url.rstrip("/")
        changes.append(("proxy_pass http://127.0.0.1:8000;", f"proxy_pass {address};", 1))
    for old, new, times in changes:
        if site.count(old) != times:
            raise ValueError(f"{old.strip()!r} is not in the nginx config {times} time(s)")
        site = site.replace(old, new)
    return site


def loaded_configuration(server: Server) -> dict[Path, str]:
    """The files a running nginx's configuration is made of, as nginx reads them (`nginx -T`):
    path -> text."""
    assert server.config is not None, "not an nginx"
    program = require("nginx", NGINX_PACKAGES, [BROTLI_STATIC])
    command = [program, "-T", "-c", str(server.config), "-p", str(server.config.parent)]
    dump = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    parts = re.split(r"^# configuration file (.+):\n", dump, flags=re.MULTILINE)
    return {Path(path): text[:-1] for path, text in zip(parts[1::2], parts[2::2], strict=True)}


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
