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
from waitress.server import create_server

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

    def __init__(self, signing_secret: str, db, *, now: Callable[[], float] = time.time):
        self._secret = signing_secret.encode()
        self.db = db
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
        from storage import replay
        from storage.db import StorageError

        key, at, now = f"{stamp}:{signature}", int(stamp), self.now()
        try:
            return replay.first_use(self.db, key, at, now=now, window=WINDOW_S)
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


def make_server(app: App, *, host: str = "0.0.0.0", port: int = 3000, threads: int = 16, ready=None,
                guard: RequestGuard | None = None):
    """A waitress server (multi-threaded, production grade); call .run() or .close()."""
    return create_server(wsgi_app(app, ready, guard), host=host, port=port, threads=threads,
                         ident="feedsum", clear_untrusted_proxy_headers=True)
