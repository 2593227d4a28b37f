"""Run the web app: granian (the default: `feedsvc serve`, and `feedsvc web`, the Procfile's) or
gunicorn (behind a buffering proxy), with the refresher process beside it for `feedsvc serve`."""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import functools
import logging
import os
import signal
import subprocess
import sys
from typing import Any

from gunicorn.app.base import BaseApplication

from feedsvc.pipeline.refresh import Refresher
from feedsvc.published.manifest import current_folder
from feedsvc.settings import Settings, to_environment
from feedsvc.web import metrics_folder as multiprocess

logger = logging.getLogger(__name__)

MAX_HEADER_BYTES = 16 * 1024  # granian: the whole request head; gunicorn's limits are per line
# granian: a connection that has not sent a whole request head this long after it opened, or after
# its last answer, is closed, so silent or trickling clients cannot hold connections for good.
HEADER_READ_SECONDS = 10
# granian kills a worker still running this long after SIGTERM (gunicorn's graceful_timeout too).
WORKER_STOP_SECONDS = 5


def gunicorn_options(settings: Settings, bind: str) -> dict[str, Any]:
    """Options for gunicorn, for `feedsvc serve` and config/gunicorn.conf.py alike.

    gthread workers keep connections alive (the sync worker closes each one, so every poll would
    pay a new TCP handshake); the request limits refuse overlong URLs and headers before the app.
    The hooks give the workers one folder to count requests into, so /metrics sums them all.
    """
    return {
        "bind": bind,
        "workers": settings.web_workers,
        "worker_class": "gthread",
        "threads": settings.web_threads,
        "keepalive": 30,
        "timeout": 30,
        "graceful_timeout": 5,
        "limit_request_line": 2048,
        "limit_request_fields": 50,
        "limit_request_field_size": 4096,
        "errorlog": "-",
        "accesslog": None,
        "control_socket_disable": True,  # one shared socket path would clash between sites
        "on_starting": _prepare_metrics,
        "child_exit": _worker_exited,
        "on_exit": _remove_metrics,
    }


def _prepare_metrics(server: Any) -> None:
    """gunicorn's on_starting, in the master before any worker (and never again on SIGHUP)."""
    multiprocess.prepare()


def _worker_exited(server: Any, worker: Any) -> None:
    """gunicorn's child_exit, in the master."""
    multiprocess.mark_dead(worker.pid)


def _remove_metrics(server: Any) -> None:
    """gunicorn's on_exit, in the master."""
    multiprocess.remove()


def publish_if_missing(settings: Settings) -> None:
    """Before the first web worker starts: publish once if nothing is published yet, so workers
    have a set to share. After a restart the last published set is served at once; refreshing it
    is the refresher process's job."""
    if current_folder(settings.state_dir) is None:
        refresher = Refresher(settings)
        try:
            refresher.refresh(dt.datetime.now(dt.UTC))
        finally:
            refresher.close()  # this process publishes no more: its spare copy would stay


def start_refresher(settings: Settings) -> subprocess.Popen[bytes]:
    """`feedsvc worker` beside the web server, with the same settings; it dies with its parent."""
    env = {**os.environ, **to_environment(settings)}
    command = [sys.executable, "-m", "feedsvc", "worker"]
    # S603: the command is our own interpreter running feedsvc, no outside input.
    return subprocess.Popen(command, env=env, preexec_fn=_die_with_parent)  # noqa: S603


def stop_refresher(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then wait: a refresh under way finishes or gives up within moments."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _die_with_parent() -> None:
    """Linux: SIGTERM this child when its parent dies, even by SIGKILL (prctl PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)


class _Gunicorn(BaseApplication):
    """gunicorn, configured in code rather than from its command line."""

    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Imported here, in the worker: prometheus-client must not be imported by the master
        # before on_starting names the metrics folder (feedsvc.web.metrics_folder).
        from feedsvc.web.app import create_app

        return create_app(self.settings)


def serve(settings: Settings, host: str, port: int) -> None:
    """Serve with settings.server until stopped (SIGTERM or Ctrl-C), with one refresher process
    beside it. Publishes first only when nothing was ever published."""
    publish_if_missing(settings)
    refresher = start_refresher(settings)
    try:
        run_server(settings, host, port)
    finally:
        stop_refresher(refresher)


def serve_web(settings: Settings, host: str, port: int) -> None:
    """`feedsvc web`, the Procfile's web: line: the web server alone, until stopped (its worker:
    line refreshes). Publishes first only when nothing was ever published."""
    publish_if_missing(settings)
    run_server(settings, host, port)


def run_server(settings: Settings, host: str, port: int) -> None:
    """settings.server on host:port until stopped. Each worker builds the app from `settings`
    itself: nothing is read back from the environment."""
    if settings.server == "granian":
        _serve_granian(settings, host, port)
    else:
        _Gunicorn(settings, gunicorn_options(settings, f"{host}:{port}")).run()


def granian_options(settings: Settings, host: str, port: int) -> dict[str, Any]:
    """Options for granian (`feedsvc serve`, `feedsvc web`).

    Connections are held by granian's Rust event loop, not by Python threads (those only run the
    app), so clients that send nothing or trickle their headers do not starve the others
    (docs/deploying.md, tests/test_e2e_slow_clients.py). HTTP/1 only: in its default mode, which
    also takes HTTP/2 without TLS, granian waits for a connection's first bytes with no time limit,
    and header_read_timeout starts only after them. A worker that crashes is started again (as
    gunicorn's master does), and one that ignores SIGTERM is killed.
    """
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings

    return {
        "address": host,
        "port": port,
        "interface": Interfaces.WSGI,
        "http": HTTPModes.http1,
        "workers": settings.web_workers,
        "blocking_threads": settings.web_threads,
        "http1_settings": HTTP1Settings(
            header_read_timeout=HEADER_READ_SECONDS * 1000, max_buffer_size=MAX_HEADER_BYTES
        ),
        "respawn_failed_workers": True,
        "workers_kill_timeout": WORKER_STOP_SECONDS,
        "log_access": False,
    }


def _serve_granian(settings: Settings, host: str, port: int) -> None:
    """granian's Rust HTTP stack in front of the WSGI app. Its workers build the app from these
    very settings, handed to them as an argument of the loader (pickled, should granian spawn
    rather than fork)."""
    from granian import Granian

    multiprocess.prepare()  # granian has no child_exit hook: there are no live gauges to mark
    try:
        Granian(
            "feedsvc.web.app:create_app",  # named in logs; the loader below builds the app
            **granian_options(settings, host, port),
        ).serve(target_loader=functools.partial(_granian_app, settings))
    finally:
        multiprocess.remove()


def _granian_app(settings: Settings, target: str) -> Any:
    """granian's target loader, run in each worker: the app for `settings` (`target` is only
    the name granian was given).

    A forked worker keeps its parent's SIGTERM and SIGINT handlers until granian sets its own,
    after this loader returns: a stop asked for while the app loads would only set a flag in the
    worker's copy of the parent, and granian would wait for that worker for ever. Until then the
    default action (exit) is right: the worker has no request to finish.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    from feedsvc.web.app import create_app  # in the worker, after the metrics folder is set

    return create_app(settings)
