"""The production HTTP server: Bolt's WSGI adapter under waitress, plus a health check."""

from __future__ import annotations

import logging
import threading
import time

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server

log = logging.getLogger(__name__)
MAX_BODY = 1 * 1024 * 1024  # Slack payloads are small; anything bigger is refused before parsing


def wsgi_app(app: App, ready: threading.Event | None = None):
    """Slack requests at POST /slack/events (and the OAuth paths); GET /healthz for probes."""
    bolt = SlackRequestHandler(app)

    def application(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            ok = ready is None or ready.is_set()
            start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"ok" if ok else b"starting"]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            start_response("413 Payload Too Large", [("Content-Type", "text/plain")])
            return [b"payload too large"]
        stamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
        if stamp is not None and not stamp.strip().isdigit():
            # Bolt's verifier would crash on int("…") and answer 500: this is a bad signature.
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            return [b"invalid request"]
        try:
            return bolt(environ, start_response)
        except (ValueError, KeyError, TypeError, AttributeError):
            # A malformed body (bad JSON or form) that got past the signature check: 400, not 500.
            log.warning("malformed request to %s", path)
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"bad request"]

    return application


# Slow clients (slow-loris). waitress reads each request whole on its I/O thread before a worker
# thread sees it, so a slow connection costs a socket and a buffer, never a worker; what runs out
# is the connection limit: at the limit waitress stops accepting, and every new connection (health
# checks, Slack) waits in the kernel's backlog until an open one closes. Its idle timeout never
# closes a client that sends a byte now and then. So: a limit far above what slow clients are
# likely to hold, and a deadline for a request to arrive in full, checked at every sweep.
CONNECTION_LIMIT = 1_000  # each costs one descriptor (10,000+ allowed here); poll(), as select() stops at 1,024
IDLE_TIMEOUT = 15  # seconds without a byte (waitress's channel_timeout; its default is 120)
REQUEST_DEADLINE = 10  # seconds from a request's first byte to its last: Slack sends < 1 MB at once and gives up after 3 s
CLEANUP_INTERVAL = 2  # seconds between sweeps for idle and overdue connections
BACKLOG = 1_024  # connections the kernel queues while waitress is at its limit


class _DeadlineChannel(HTTPChannel):
    """waitress's connection, remembering when the request it is reading began to arrive."""

    request_started: float | None = None

    def received(self, data):
        if self.request is None and data:
            self.request_started = time.time()  # waitress's own clock (maintenance gets time.time())
        try:
            return super().received(data)
        finally:
            if self.request is None:  # the request is complete (or none is in progress)
                self.request_started = None


def _enforce_deadline(server, seconds: float) -> None:
    """Close connections whose request has been arriving for longer than `seconds`."""
    sweep = server.maintenance

    def maintenance(now: float) -> None:
        sweep(now)  # waitress's own: connections idle past channel_timeout
        late = now - seconds
        for channel in list(server.active_channels.values()):
            started = getattr(channel, "request_started", None)
            if started is not None and started < late and not channel.requests:
                channel.will_close = True

    server.channel_class = _DeadlineChannel
    server.maintenance = maintenance


def make_server(app: App, *, host: str = "0.0.0.0", port: int = 3000, threads: int = 16, ready=None,
                request_deadline: float = REQUEST_DEADLINE, cleanup_interval: int = CLEANUP_INTERVAL):
    """A waitress server (multi-threaded, production grade); call .run() or .close()."""
    server = create_server(wsgi_app(app, ready), host=host, port=port, threads=threads,
                           ident="feedsum", clear_untrusted_proxy_headers=True,
                           connection_limit=CONNECTION_LIMIT, asyncore_use_poll=True,
                           channel_timeout=IDLE_TIMEOUT, cleanup_interval=cleanup_interval, backlog=BACKLOG)
    listeners = [server] if isinstance(server, BaseWSGIServer) else [
        s for s in server.map.values() if isinstance(s, BaseWSGIServer)]  # one per address (IPv4 and IPv6)
    for listener in listeners:
        _enforce_deadline(listener, request_deadline)
    return server
