"""Slow clients against a real server, over raw sockets: connections that send nothing and
connections that trickle their request headers a byte at a time, held open (reopened when the
server closes them) while a normal client times its requests. For tests/test_e2e_slow_clients.py
and bench/serve.py alike."""

from __future__ import annotations

import contextlib
import http.client
import selectors
import socket
import statistics
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field

IDLE = 200  # connections that never send a byte
TRICKLING = 32  # connections that send one more byte of their headers every TRICKLE_SECONDS
TRICKLE_SECONDS = 0.5
# The headers a trickling client sends, one byte at a time; long enough never to end in a run.
TRICKLED = b"GET /healthz HTTP/1.1\r\nHost: slow\r\n" + b"X-Slow: " + b"a" * 100_000
LIMIT_SECONDS = 1.0  # a normal client's every answer comes sooner than this


@dataclass
class Probe:
    """What a normal client saw while the slow clients were held open."""

    seconds: list[float] = field(default_factory=list)  # each answered request's time
    failures: list[str] = field(default_factory=list)  # requests that got no answer or a bad one
    reopened: int = 0  # slow connections the server closed (and the slow client opened again)

    @property
    def slowest(self) -> float:
        return max(self.seconds, default=float("inf"))

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("inf")

    def held(self) -> bool:
        """Every request answered, each within LIMIT_SECONDS."""
        return bool(self.seconds) and not self.failures and self.slowest < LIMIT_SECONDS

    def summary(self) -> str:
        return (
            f"{len(self.seconds)} answered, {len(self.failures)} failed, median "
            f"{self.median * 1000:.1f} ms, slowest {self.slowest * 1000:.1f} ms, "
            f"{self.reopened} slow connections closed by the server"
        )


class _SlowClients:
    """Opens `idle` and `trickling` connections and keeps that many open from one thread."""

    def __init__(self, address: tuple[str, int], idle: int, trickling: int) -> None:
        self._address = address
        self._selector = selectors.DefaultSelector()
        self._stop = threading.Event()
        self._sent: dict[socket.socket, int] = {}  # trickling socket -> bytes of TRICKLED sent
        self._idle: set[socket.socket] = set()
        self.reopened = 0
        for _ in range(idle):
            self._open(trickle=False)
        for _ in range(trickling):
            self._open(trickle=True)
        self._thread = threading.Thread(target=self._run, name="slow-clients", daemon=True)

    def _open(self, trickle: bool) -> None:
        sock = socket.create_connection(self._address, timeout=5)
        sock.setblocking(False)
        self._selector.register(sock, selectors.EVENT_READ, trickle)
        if trickle:
            self._sent[sock] = 0
        else:
            self._idle.add(sock)

    def _close(self, sock: socket.socket) -> None:
        self._selector.unregister(sock)
        self._sent.pop(sock, None)
        self._idle.discard(sock)
        sock.close()

    def _run(self) -> None:
        next_byte = time.monotonic()
        while not self._stop.is_set():
            for key, _ in self._selector.select(timeout=0.05):
                sock, trickle = key.fileobj, key.data
                assert isinstance(sock, socket.socket)
                with contextlib.suppress(OSError):
                    if sock.recv(65536):
                        continue  # an answer (a 408, say): the server closes it next
                self._close(sock)  # closed by the server: open another, as an attacker would
                self.reopened += 1
                with contextlib.suppress(OSError):
                    self._open(trickle)
            if time.monotonic() >= next_byte:
                next_byte += TRICKLE_SECONDS
                for sock, sent in list(self._sent.items()):
                    try:
                        sock.send(TRICKLED[sent : sent + 1])
                        self._sent[sock] = sent + 1
                    except OSError:
                        pass  # reset: the select above sees it closed

    def __enter__(self) -> _SlowClients:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        for sock in [*self._sent, *self._idle]:
            self._close(sock)
        self._selector.close()


@contextlib.contextmanager
def slow_clients(url: str, idle: int = IDLE, trickling: int = TRICKLING) -> Iterator[_SlowClients]:
    """`idle` connections that send nothing and `trickling` ones that send a byte of their
    headers every TRICKLE_SECONDS, all to the server at `url`, open until the block ends."""
    parts = urllib.parse.urlsplit(url)
    with _SlowClients((parts.hostname or "", parts.port or 80), idle, trickling) as clients:
        yield clients


def probe(url: str, paths: list[str], seconds: float) -> Probe:
    """A normal client: one request after another for `seconds`, each on a new connection (as a
    feed reader polls), taking `paths` in turn; each must answer 200 within 5 s."""
    parts = urllib.parse.urlsplit(url)
    result = Probe()
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        path = paths[n % len(paths)]
        n += 1
        start = time.monotonic()
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                result.failures.append(f"{path}: {response.status}")
                continue
            result.seconds.append(time.monotonic() - start)
        except OSError as error:
            result.failures.append(f"{path}: {error!r} after {time.monotonic() - start:.1f} s")
        finally:
            connection.close()
    return result


def probe_under_slow_clients(
    url: str,
    paths: list[str],
    seconds: float,
    idle: int = IDLE,
    trickling: int = TRICKLING,
) -> Probe:
    """probe() while `idle` silent and `trickling` slow-header connections are held open."""
    with slow_clients(url, idle, trickling) as clients:
        result = probe(url, paths, seconds)
        result.reopened = clients.reopened
    return result
