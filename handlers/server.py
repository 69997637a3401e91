"""The production HTTP server: Bolt's WSGI adapter under waitress, plus a health check.

Every POST is verified here, before Bolt (or anything else) reads the body: a strict parse of
Slack's timestamp and signature headers, a constant-time HMAC compare, and a seen-set so that a
signed request acts at most once. Any failure is a bare 401.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
import threading
import time
from collections.abc import Callable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server

from storage import StorageError, Store

log = logging.getLogger(__name__)
MAX_BODY = 1 * 1024 * 1024  # Slack payloads are small; anything bigger is refused before parsing
# ASCII digits only (str.isdigit() accepts "²"), bounded so no conversion can overflow.
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
WINDOW_S = 300  # Slack's own rule: a request more than 5 minutes off is refused


class RequestGuard:
    """Slack's request signature, checked on the raw bytes; each signed request acts once.

    The seen-set lives in the database so every process sharing it refuses a replay. Events API
    retries (`X-Slack-Retry-Num`) are let through again: the event id makes them idempotent.
    """

    def __init__(self, signing_secret: str, store: Store, *, now: Callable[[], float] = time.time):
        self._secret = signing_secret.encode()
        self.store = store
        self.now = now
        self._fallback: dict[str, int] = {}  # used only while the database refuses writes
        self._lock = threading.Lock()

    def verify(self, stamp: str | None, signature: str | None, body: bytes) -> bool:
        if stamp is None or signature is None or not TIMESTAMP.fullmatch(stamp) or not SIGNATURE.fullmatch(signature):
            return False
        if abs(self.now() - int(stamp)) > WINDOW_S:
            return False
        expected = "v0=" + hmac.new(self._secret, b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)

    def first_use(self, stamp: str, signature: str) -> bool:
        key, at, now = f"{stamp}:{signature}", int(stamp), self.now()
        try:
            return self.store.replay.first_use(key, at, now=now, window=WINDOW_S)
        except StorageError:
            # Disk full or read-only: let the request through to tell its user; this process
            # still refuses what it has seen itself.
            log.warning("could not record a signed request; checking replays in this process only")
            with self._lock:
                for k in [k for k, t in self._fallback.items() if t < now - WINDOW_S - 1]:
                    del self._fallback[k]
                if key in self._fallback:
                    return False
                self._fallback[key] = at
                return True


def _is_event_retry(environ, body: bytes) -> bool:
    """A redelivery Slack marks as such, of an Events API callback (never a command or action)."""
    if not environ.get("HTTP_X_SLACK_RETRY_NUM"):
        return False
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("type") == "event_callback"


def _refuse(start_response):
    start_response("401 Unauthorized", [("Content-Type", "text/plain")])
    return [b"invalid request"]


def wsgi_app(app: App, ready: threading.Event | None = None, guard: RequestGuard | None = None):
    """Slack requests at POST /slack/events (and the OAuth paths); GET /healthz for probes.

    Without a guard (no signing secret) only the header format is checked here; Bolt verifies.
    """
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
        if environ.get("REQUEST_METHOD") == "POST":
            stamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
            signature = environ.get("HTTP_X_SLACK_SIGNATURE")
            if stamp is None or signature is None or not TIMESTAMP.fullmatch(stamp) \
                    or not SIGNATURE.fullmatch(signature):
                return _refuse(start_response)
            if guard is not None:
                body = environ["wsgi.input"].read(length) if length else b""
                environ["wsgi.input"] = io.BytesIO(body)  # Bolt reads the same bytes again
                if not guard.verify(stamp, signature, body):
                    return _refuse(start_response)
                if not _is_event_retry(environ, body) and not guard.first_use(stamp, signature):
                    log.warning("refused a replayed signed request (timestamp %s)", stamp)
                    return _refuse(start_response)
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
                guard: RequestGuard | None = None, request_deadline: float = REQUEST_DEADLINE,
                cleanup_interval: int = CLEANUP_INTERVAL):
    """A waitress server (multi-threaded, production grade); call .run() or .close()."""
    server = create_server(wsgi_app(app, ready, guard), host=host, port=port, threads=threads,
                           ident="feedsum", clear_untrusted_proxy_headers=True,
                           connection_limit=CONNECTION_LIMIT, asyncore_use_poll=True,
                           channel_timeout=IDLE_TIMEOUT, cleanup_interval=cleanup_interval, backlog=BACKLOG)
    listeners = [server] if isinstance(server, BaseWSGIServer) else [
        s for s in server.map.values() if isinstance(s, BaseWSGIServer)]  # one per address (IPv4 and IPv6)
    for listener in listeners:
        _enforce_deadline(listener, request_deadline)
    return server


def stop(server) -> None:
    """Stop a server made by make_server that another thread runs: its sockets and its threads.

    (waitress's close() of a single listener leaves its request threads waiting for good.)"""
    server.close()
    server.task_dispatcher.shutdown()
