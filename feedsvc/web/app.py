"""create_app(settings): the Flask app that serves the published set, and nothing else.

Polling is most of a feed's traffic, so documents are answered by a small WSGI layer in front of
Flask, from headers prepared once per published generation: no rendering, no hashing, no routing,
and no file opened for a 304. Conditional requests are judged by werkzeug's `is_resource_modified`
(If-None-Match first, with weak comparison, lists and `*`; then If-Modified-Since), and the
encoding is chosen with werkzeug's Accept-Encoding parser. Everything else (health, status, errors)
goes through Flask.

The document layer also applies the poll limit (429 with Retry-After, when `rate_limit` is set).
Around both: request counting for /metrics and, behind proxies (`proxy_count`), werkzeug's
ProxyFix, so the client's address is the one the proxies report: the poll limit counts by it, and
only clients in `monitoring_networks` see /status.json and /metrics.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request
from werkzeug.datastructures import ResponseCacheControl
from werkzeug.exceptions import HTTPException, NotFound, RequestURITooLarge, ServiceUnavailable
from werkzeug.http import is_resource_modified, parse_accept_header, parse_etags
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wsgi import get_path_info, wrap_file

from feedsvc.model.layout import INDEX_PATH
from feedsvc.model.polling import polling_hints
from feedsvc.settings import Settings
from feedsvc.state.heartbeat import served_status
from feedsvc.state.status import read_status
from feedsvc.web.documents import IDENTITY, Document, LiveSet
from feedsvc.web.hub_links import link_headers
from feedsvc.web.metrics import Metrics
from feedsvc.web.negotiation import page_instead
from feedsvc.web.poll_limit import PollLimiter, retry_after

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger(__name__)

MAX_PATH_LENGTH = 1024  # characters of decoded path; no feed URL comes close
_PREFERENCE = ["br", "gzip", IDENTITY]  # the smallest first, when the client takes several
_RETRY_SOON = [("Content-Type", "text/plain; charset=utf-8"), ("Retry-After", "1")]
_NOT_PUBLISHED_YET = [
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Retry-After", "5"),
    ("Cache-Control", "no-store"),  # a cache must not keep "no feed" for a feed that is coming
]
# A 404 may be cached, briefly: a document a refresh is about to publish is not lost for long.
NOT_FOUND_CACHE_CONTROL = "public, max-age=10"
_PLAIN = [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")]
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"})
# Paths the app itself answers, whether or not anything is published.
_APP_PATHS = frozenset({"/healthz", "/status.json", "/metrics"})
# The operator's view of the service: only clients in monitoring_networks get them.
MONITORING_PATHS = frozenset({"/status.json", "/metrics"})
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def cache_control(settings: Settings) -> str:
    """The Cache-Control of every document: public, max-age (the refresh interval: see polling)
    and RFC 5861's two extensions."""
    header = ResponseCacheControl()
    header.public = True
    header.max_age = polling_hints(settings).max_age
    header.stale_while_revalidate = settings.stale_while_revalidate
    header.stale_if_error = settings.stale_if_error
    return header.to_header()


def create_app(settings: Settings, clock: Callable[[], float] = time.monotonic) -> Flask:
    """The app serving settings.state_dir's current generation, as GenerationWriter made it.
    `clock` (seconds, monotonic) paces the poll limit; tests pass their own."""
    app = Flask("feedsvc")
    live = LiveSet(settings.state_dir, cache_control(settings), extra=link_headers(settings))
    metrics = Metrics(settings.state_dir, lambda: len(live.get()))
    limiter = None
    if settings.rate_limit:
        limiter = PollLimiter(settings.rate_limit, settings.rate_limit_window, clock=clock)
    wsgi_app = metrics.count_requests(_Documents(app.wsgi_app, live, limiter))
    if settings.proxy_count:
        wsgi_app = ProxyFix(wsgi_app, x_for=settings.proxy_count, x_proto=0)
    app.wsgi_app = wsgi_app  # type: ignore[method-assign,assignment]
    monitors = [ipaddress.ip_network(n, strict=False) for n in settings.monitoring_networks]

    @app.before_request
    def refuse_long_paths() -> None:
        if len(request.path) > MAX_PATH_LENGTH:
            raise RequestURITooLarge()

    @app.before_request
    def monitors_only() -> Response | None:
        """/status.json and /metrics tell how the server is doing, for its operator: to anyone
        else they are not there. Never cached: the answer depends on who asks."""
        if request.path in MONITORING_PATHS and not is_in(request.remote_addr, monitors):
            return Response("404 Not Found\n", 404, {"Cache-Control": "no-store"}, "text/plain")
        return None

    @app.get("/healthz", provide_automatic_options=False)
    def healthz() -> Response:
        return Response("ok\n", mimetype="text/plain", headers={"Cache-Control": "no-store"})

    @app.get("/status.json", provide_automatic_options=False)
    def status() -> Response:
        data = read_status(settings.state_dir)
        if data is None:
            raise ServiceUnavailable("no refresh has finished yet")
        data = served_status(data, len(live.get()), time.time())  # at work? how stale?
        return Response(
            json.dumps(data, ensure_ascii=False, indent=1) + "\n",
            mimetype="application/json",
            headers={"Cache-Control": "no-cache"},
        )

    @app.get("/metrics", provide_automatic_options=False)
    def metrics_page() -> Response:
        body, content_type = metrics.render(request.headers.get("Accept"))
        return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})

    @app.get("/", provide_automatic_options=False)
    @app.get("/<path:path>", provide_automatic_options=False)
    def not_published(path: str = "") -> Response:
        raise NotFound()  # published documents never get here: _Documents answered them

    @app.errorhandler(HTTPException)
    def plain_http_error(error: HTTPException) -> Any:
        response = error.get_response()
        response.set_data(f"{error.code} {error.name}\n")
        response.mimetype = "text/plain"
        if error.code == 404:
            response.headers["Cache-Control"] = NOT_FOUND_CACHE_CONTROL
        return response

    @app.errorhandler(Exception)
    def plain_internal_error(error: Exception) -> Response:
        logger.exception("error answering %s %s", request.method, request.path)
        return Response("500 Internal Server Error\n", status=500, mimetype="text/plain")

    return app


class _Documents:
    """WSGI middleware: GET and HEAD of a published document, answered from prepared headers
    (or refused with 429 when the client polls it faster than the limit). A browser asking for a
    feed gets the feed's page instead (feedsvc.web.negotiation)."""

    def __init__(self, app: WSGIApplication, live: LiveSet, limiter: PollLimiter | None) -> None:
        self.app = app
        self.live = live
        self.limiter = limiter

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        if method not in _KNOWN_METHODS:  # methods are case-sensitive (RFC 9110 9.1): `get` is none
            start_response("501 Not Implemented", _PLAIN)
            return [b"501 Not Implemented\n"]
        if environ.get("SERVER_PROTOCOL") == "HTTP/1.1" and not environ.get("HTTP_HOST"):
            start_response("400 Bad Request", _PLAIN)  # RFC 9112 3.2: HTTP/1.1 needs a Host
            return [b"400 Bad Request: no Host header\n"]
        if method in ("GET", "HEAD"):
            path = get_path_info(environ)
            name = INDEX_PATH if path == "/" else path[1:]
            if name != INDEX_PATH or path == "/":  # one URL per document: the index is `/`
                published = self.live.get()
                if published.folder is None and path not in _APP_PATHS:
                    start_response("503 Service Unavailable", _NOT_PUBLISHED_YET)
                    return [b"503 Service Unavailable: nothing is published yet; retry soon\n"]
                document = published.get(name)
                if document is not None:
                    if self.limiter is not None:
                        wait = self.limiter.wait(environ.get("REMOTE_ADDR", ""), name)
                        if wait > 0:
                            return _too_many_requests(wait, start_response)
                    page = page_instead(name, environ.get("HTTP_ACCEPT", ""))
                    if page is not None:  # a browser: the feed's page, if it has one yet
                        document = published.get(page) or document
                    return self.answer(document, environ, start_response)
        return self.app(environ, start_response)

    def answer(
        self, document: Document, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """200, 304 or 412 for one document, in the encoding the client prefers."""
        encoding = _best_encoding(environ.get("HTTP_ACCEPT_ENCODING", ""))
        variant = document.variants.get(encoding) or document.variants[IDENTITY]
        if_match = environ.get("HTTP_IF_MATCH")
        if if_match and _if_match_fails(if_match, variant.etag):
            start_response("412 Precondition Failed", variant.headers_304)
            return []
        if not is_resource_modified(
            _conditions(environ, if_match), etag=variant.etag, last_modified=document.last_modified
        ):
            start_response("304 Not Modified", variant.headers_304)
            return []
        if environ["REQUEST_METHOD"] == "HEAD":
            start_response("200 OK", variant.headers_200)
            return []
        try:
            body = variant.file.open("rb")
        except FileNotFoundError:  # its generation was pruned while this request waited
            start_response("503 Service Unavailable", _RETRY_SOON)
            return [b"503 Service Unavailable: the feed was just republished; retry\n"]
        start_response("200 OK", variant.headers_200)
        return wrap_file(environ, body, 256 * 1024)


def is_in(address: str | None, networks: Sequence[Network]) -> bool:
    """Whether a client's address is in one of `networks`; an IPv4 address in IPv6 form (as a
    dual-stack socket reports it) counts as itself. No address (a Unix socket without
    proxy_count) is in none."""
    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(client, ipaddress.IPv6Address) and client.ipv4_mapped is not None:
        client = client.ipv4_mapped
    return any(client in network for network in networks)


def _if_match_fails(value: str, etag: str) -> bool:
    """RFC 9110 13.1.1: If-Match holds when it is `*` (the document exists) or names its ETag
    by strong comparison."""
    tags = parse_etags(value)
    return not (tags.star_tag or tags.is_strong(etag))


def _conditions(environ: WSGIEnvironment, if_match: str | None) -> WSGIEnvironment:
    """The request's conditional headers left for werkzeug's If-None-Match/If-Modified-Since
    check: If-Match was evaluated already, and an If-Modified-Since holding a list of dates is
    ignored (RFC 9110 13.1.3: more than one member; an HTTP-date holds at most one comma)."""
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    listed = since is not None and since.count(",") > 1
    if not if_match and not listed:
        return environ
    drop = {"HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE"} if listed else {"HTTP_IF_MATCH"}
    return {key: value for key, value in environ.items() if key not in drop}


def _too_many_requests(wait: float, start_response: StartResponse) -> Iterable[bytes]:
    """429, saying when this client may fetch the document again."""
    headers = [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Retry-After", retry_after(wait)),
        ("Cache-Control", "no-store"),
    ]
    start_response("429 Too Many Requests", headers)
    return [b"429 Too Many Requests: poll this document less often\n"]


@functools.lru_cache(maxsize=512)
def _best_encoding(accept_encoding: str) -> str:
    """The encoding to send for an Accept-Encoding value; the few values clients send repeat."""
    return parse_accept_header(accept_encoding).best_match(_PREFERENCE) or IDENTITY
