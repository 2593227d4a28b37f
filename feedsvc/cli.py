"""The command line: `feedsvc build | check | serve | web | worker | settings`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from feedsvc import __version__
from feedsvc.errors import ConfigError, PostError
from feedsvc.model.index import build_index
from feedsvc.pipeline.build import build, read_posts
from feedsvc.service.hub_pings import HubPinger
from feedsvc.setting_checks import SERVERS
from feedsvc.settings import (
    Settings,
    config_file_from_environment,
    load_settings_with_sources,
    setting_fields,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `feedsvc` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    try:
        settings, args.sources = _settings(args)
        status: int = args.command(args, settings)
    except ConfigError as exc:
        print(f"feedsvc: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return status


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--content", type=Path, metavar="DIR", help="content directory (FEEDSVC_CONTENT_DIR)"
    )
    common.add_argument(
        "--config", type=Path, metavar="FILE", help="settings file in TOML (FEEDSVC_CONFIG)"
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log every file read")
    common.add_argument("-q", "--quiet", action="store_true", help="log errors only")
    listener = argparse.ArgumentParser(add_help=False)
    listener.add_argument("--host", help="address to listen on (default: setting `host`)")
    listener.add_argument("--port", type=int, help="port to listen on (default: `port`)")
    listener.add_argument(
        "--server", choices=SERVERS, help="HTTP server (default: setting `server`, granian)"
    )
    parser = argparse.ArgumentParser(
        prog="feedsvc", description="Publish a site's posts as RSS and Atom feeds."
    )
    parser.add_argument("--version", action="version", version=f"feedsvc {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    build_parser = commands.add_parser(
        "build", parents=[common], help="write every feed into a folder a static server can serve"
    )
    build_parser.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    build_parser.set_defaults(command=_build)
    check_parser = commands.add_parser(
        "check", parents=[common], help="read every post and list the bad ones"
    )
    check_parser.set_defaults(command=_check)
    serve_parser = commands.add_parser(
        "serve",
        parents=[common, listener],
        help="serve the feeds over HTTP with a refresher process beside it",
    )
    serve_parser.set_defaults(command=_serve)
    web_parser = commands.add_parser(
        "web", parents=[common, listener], help="serve the feeds over HTTP only (Procfile web:)"
    )
    web_parser.set_defaults(command=_web)
    worker_parser = commands.add_parser(
        "worker", parents=[common], help="refresh on a schedule until stopped (Procfile worker:)"
    )
    worker_parser.add_argument(  # set by `feedsvc serve` for the refresher it supervises
        "--supervised-by", type=int, metavar="PID", help=argparse.SUPPRESS
    )
    worker_parser.set_defaults(command=_worker)
    settings_parser = commands.add_parser(
        "settings", parents=[common], help="show every setting, its value and where it came from"
    )
    settings_parser.set_defaults(command=_show_settings)
    return parser


def _configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    # Time and pid on every line: `feedsvc serve` interleaves the refresher's lines with the web
    # server's, and an operator reading a log must tell when and which process said what.
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s [%(process)d] %(levelname)s: %(message)s",
    )


def _settings(args: argparse.Namespace) -> tuple[Settings, dict[str, str]]:
    config = args.config or config_file_from_environment()
    overrides: dict[str, Any] = {}
    if args.content is not None:
        overrides["content_dir"] = args.content.resolve()
    if getattr(args, "server", None):
        overrides["server"] = args.server
    return load_settings_with_sources(config, overrides=overrides)


def _build(args: argparse.Namespace, settings: Settings) -> int:
    progress = _ProgressLine(sys.stderr) if not args.quiet else None
    report = build(
        settings,
        args.out_dir,
        now=dt.datetime.now(dt.UTC),
        progress=progress or (lambda stage, done, total: None),
    )
    if progress:
        progress.clear()
    published = report.published
    print(
        f"{report.posts} posts, {report.feeds} feeds "
        f"({published.written} documents written, {published.unchanged} unchanged, "
        f"{published.removed} removed), {len(report.bad)} bad files, "
        f"{report.seconds:.2f} s -> {args.out_dir}"
    )
    pinger = HubPinger.for_settings(settings)
    if pinger is not None:  # the files are served as they are written: the hub may fetch now
        pinger.published(report.published.changed)
        pinger.wait_idle()
        pinger.close()
        print(f"hub {pinger.hub}: {pinger.delivered} feeds pinged, {pinger.failed} failed")
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    for name in ("feedsvc.pipeline.refresh", "feedsvc.state.catalog"):  # listed below instead
        logging.getLogger(name).setLevel(logging.ERROR)
    read = read_posts(settings)
    index = build_index(
        read.posts,
        dt.datetime.now(dt.UTC),
        settings.item_limit,
        settings.future,
        expired=settings.expired,
    )
    bad: list[PostError] = read.bad + index.problems
    for error in bad:
        print(error)
    print(f"{read.files} files: {len(read.posts) - len(index.problems)} good, {len(bad)} bad")
    return 1 if bad else 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from feedsvc.service.web_server import (
        serve,  # gunicorn is imported only by the command that needs it
    )

    logging.getLogger("feedsvc").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    host, port = args.host or settings.host, args.port or settings.port
    serve(settings, host, port, read_settings=lambda: _settings(args)[0])
    return 0


def _web(args: argparse.Namespace, settings: Settings) -> int:
    from feedsvc.service.web_server import serve_web

    logging.getLogger("feedsvc").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    host, port = args.host or settings.host, args.port or settings.port
    serve_web(settings, host, port, read_settings=lambda: _settings(args)[0])
    return 0


def _show_settings(args: argparse.Namespace, settings: Settings) -> int:
    """One line per setting, `key = value  # where`, in TOML a config file takes."""
    sources: dict[str, str] = args.sources
    for field in setting_fields():
        value = getattr(settings, field.name)
        where = sources.get(field.name, "default")
        print(f"{field.name} = {_toml_value(value)}  # {where}")
    return 0


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string is JSON's


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from feedsvc.service.scheduler import RefreshWorker, restart
    from feedsvc.service.signals import SignalQueue, StopWhileStarting
    from feedsvc.service.supervisor import attach_to_supervisor

    logging.getLogger("feedsvc").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    if args.supervised_by is not None:
        attach_to_supervisor(args.supervised_by)
    signals = SignalQueue()  # before the catalog loads: a SIGTERM meanwhile ends the start
    try:
        received = RefreshWorker(settings).run(signals)
    except StopWhileStarting as stop:
        logging.getLogger(__name__).info("stopping (signal %d) while starting", stop.signum)
        return 0
    if received == signal.SIGHUP:
        logging.getLogger(__name__).info("reloading: starting again with the settings read again")
        restart()
    return 0


class _ProgressLine:
    """Progress on stderr: one rewritten line on a terminal, a line every 10 s in a log."""

    def __init__(self, stream: TextIO, clock: Any = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.tty = stream.isatty()
        self.interval = 0.25 if self.tty else 10.0
        self.last = clock()
        self.shown = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self.clock()
        if now - self.last < self.interval:
            return
        self.last = now
        line = f"{stage}: {done:,}/{total:,} ({100 * done // max(total, 1)}%)"
        if self.tty:
            self.stream.write(f"\r\x1b[K{line}")
            self.shown = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
