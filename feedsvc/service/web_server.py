"""Run the web app: granian (the default: `feedsvc serve`, and `feedsvc web`, the Procfile's) or
gunicorn (behind a buffering proxy); for `feedsvc serve`, with a supervised refresher beside it,
both reloaded with re-read settings on SIGHUP."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gunicorn.app.base import BaseApplication

from feedsvc.errors import ConfigError
from feedsvc.pipeline.refresh import Refresher
from feedsvc.published.manifest import current_folder
from feedsvc.service.supervisor import RefresherSupervisor
from feedsvc.settings import Settings
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
    The hooks give the workers one folder to count requests into, so /metrics sums them all,
    and keep a terminal's hang-up from killing the workers (the master reloads them instead).
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
        "post_worker_init": _ignore_hangups,
        "child_exit": _worker_exited,
        "on_exit": _remove_metrics,
    }


def _prepare_metrics(server: Any) -> None:
    """gunicorn's on_starting, in the master before any worker (and never again on SIGHUP)."""
    multiprocess.prepare()


def _ignore_hangups(worker: Any) -> None:
    """gunicorn's post_worker_init, in each worker: gunicorn leaves SIGHUP at its default there,
    so the hang-up a terminal sends its whole process group would kill every worker at once while
    the master, reloading on the same signal, starts new ones. Now only the master acts on it."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


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


class _Reload:
    """What SIGHUP does besides the server's own respawning of its workers: read the settings
    again as the command line did (its config file, the environment, its options), keeping the
    ones in use when they no longer load, and restart the refresher with them."""

    def __init__(
        self,
        settings: Settings,
        supervisor: RefresherSupervisor | None,
        read: Callable[[], Settings] | None,
    ) -> None:
        self.settings = settings
        self.supervisor = supervisor
        self.read = read

    def __call__(self) -> Settings:
        """Reload; the settings the new web workers are to use."""
        if self.read is not None:
            try:
                self.settings = self.read()
            except ConfigError as exc:
                logger.error("settings not reloaded, the ones in use stay: %s", exc)
        if self.supervisor is not None:  # feedsvc web runs no refresher
            self.supervisor.reload(self.settings)
        return self.settings


class _Gunicorn(BaseApplication):
    """gunicorn, configured in code rather than from its command line."""

    def __init__(self, settings: Settings, bind: str, reload: _Reload | None = None) -> None:
        self.settings = settings
        self.bind = bind
        self.reload_settings = reload
        self.configured = False
        super().__init__()

    def load_config(self) -> None:
        """gunicorn calls this as it starts, and again on SIGHUP before starting new workers:
        then the settings are read again (`host`, `port` and `server` keep their first value)."""
        if self.configured and self.reload_settings is not None:
            self.settings = self.reload_settings()
        self.configured = True
        for key, value in gunicorn_options(self.settings, self.bind).items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Imported here, in the worker: prometheus-client must not be imported by the master
        # before on_starting names the metrics folder (feedsvc.web.metrics_folder).
        from feedsvc.web.app import create_app

        return create_app(self.settings)


def serve(
    settings: Settings,
    host: str,
    port: int,
    read_settings: Callable[[], Settings] | None = None,
) -> None:
    """Serve with settings.server until stopped (SIGTERM or Ctrl-C), with one refresher process
    beside it, restarted whenever it ends. Publishes first only when nothing was ever published.
    SIGHUP reloads: `read_settings` gives the settings anew for the web workers and the
    refresher, which both restart with them."""
    # Until the server takes SIGHUP over, a hang-up must not end the service half started; the
    # refresher starts with it ignored too (see supervisor.attach_to_supervisor).
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    publish_if_missing(settings)
    supervisor = RefresherSupervisor(settings)
    supervisor.start()
    reload = _Reload(settings, supervisor, read_settings)
    try:
        run_server(settings, host, port, reload)
    finally:
        supervisor.stop()


def serve_web(
    settings: Settings,
    host: str,
    port: int,
    read_settings: Callable[[], Settings] | None = None,
) -> None:
    """`feedsvc web`, the Procfile's web: line: the web server alone, until stopped (its worker:
    line refreshes). Publishes first only when nothing was ever published. SIGHUP replaces the
    workers with the settings `read_settings` gives anew."""
    publish_if_missing(settings)
    run_server(settings, host, port, _Reload(settings, None, read_settings))


def run_server(settings: Settings, host: str, port: int, reload: _Reload) -> None:
    """settings.server on host:port until stopped. Each worker builds the app from `settings`
    itself: nothing is read back from the environment. SIGHUP calls `reload` for the settings
    the new workers are to use."""
    if settings.server == "granian":
        _serve_granian(settings, host, port, reload)
    else:
        _Gunicorn(settings, f"{host}:{port}", reload).run()


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


@dataclass
class _Current:
    """The settings granian's next workers are to use (replaced on reload): handed to its app
    loader, in each worker, forked or spawned after the replacement."""

    settings: Settings


def _serve_granian(settings: Settings, host: str, port: int, reload: _Reload) -> None:
    """granian's Rust HTTP stack in front of the same WSGI app (see docs/deploying.md for how it
    compares). Its workers build the app from these very settings, handed to them as an argument
    of the loader (pickled, should granian spawn rather than fork). On SIGHUP granian calls its
    reload hooks, then replaces its workers one by one, each with the settings read again."""
    from granian import Granian

    current = _Current(settings)

    def reload_settings() -> None:
        current.settings = reload()

    multiprocess.prepare()  # granian has no child_exit hook: there are no live gauges to mark
    try:
        server = Granian(
            "feedsvc.web.app:create_app",  # named in logs; the loader below builds the app
            **granian_options(settings, host, port),
        )
        server.on_reload(reload_settings)
        server.serve(target_loader=functools.partial(_granian_app, current))
    finally:
        multiprocess.remove()


def _granian_app(current: _Current, target: str) -> Any:
    """granian's target loader, run in each worker: the app for the current settings (`target`
    is only the name granian was given).

    A forked worker keeps its parent's SIGTERM and SIGINT handlers until granian sets its own,
    after this loader returns: a stop asked for while the app loads would only set a flag in the
    worker's copy of the parent, and granian would wait for that worker for ever. Until then the
    default action (exit) is right: the worker has no request to finish.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    from feedsvc.web.app import create_app  # in the worker, after the metrics folder is set

    return create_app(current.settings)
