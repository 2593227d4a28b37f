"""End to end over raw sockets: the default server, as the Procfile's web: line and `feedsvc serve`
run it, answers a normal client within a second while 200 connections send nothing and 32 trickle
their headers, and closes a connection that sends no request in time."""

from __future__ import annotations

import socket
import time
import urllib.parse
from pathlib import Path

import pytest

from feedsvc.service.web_server import HEADER_READ_SECONDS
from feedsvc.settings import EXAMPLE_CONTENT

from .servers import feedsvc_server
from .slow_clients import IDLE, LIMIT_SECONDS, TRICKLING, probe_under_slow_clients

PROBE_SECONDS = 5
SLACK_SECONDS = 5  # a loaded machine's delay on top of the server's own time limit


@pytest.mark.parametrize("kind", ["procfile", "serve"])
def test_the_default_server_answers_beside_slow_clients(kind: str, tmp_path: Path) -> None:
    """gunicorn's threads each wait for their connection's whole request: 16 such connections
    kept /healthz from answering at all. The default server holds them and goes on answering."""
    with feedsvc_server(kind, EXAMPLE_CONTENT, tmp_path / "state", tmp_path) as server:
        seen = probe_under_slow_clients(
            server.url, ["/healthz", "/feed.atom"], PROBE_SECONDS, IDLE, TRICKLING
        )
        assert seen.held(), f"{seen.summary()}; {seen.failures[:5]}"
        assert seen.slowest < LIMIT_SECONDS


def test_a_connection_that_sends_nothing_is_closed(tmp_path: Path) -> None:
    """A silent connection is closed after HEADER_READ_SECONDS, so such connections cannot pile
    up for good (granian's default mode waited for a first byte for ever)."""
    with feedsvc_server("procfile", EXAMPLE_CONTENT, tmp_path / "state", tmp_path) as server:
        parts = urllib.parse.urlsplit(server.url)
        with socket.create_connection((parts.hostname or "", parts.port or 80)) as silent:
            opened = time.monotonic()
            silent.settimeout(HEADER_READ_SECONDS + SLACK_SECONDS)
            try:
                answer = silent.recv(4096)
                while answer:  # a 408 may come first; then the end
                    answer = silent.recv(4096)
            except ConnectionResetError:
                pass
            waited = time.monotonic() - opened
        assert HEADER_READ_SECONDS - 1 <= waited < HEADER_READ_SECONDS + SLACK_SECONDS
