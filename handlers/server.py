"""The production HTTP server: Bolt's WSGI adapter under waitress, plus a health check."""

from __future__ import annotations

import logging
import threading

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

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


def make_server(app: App, *, host: str = "0.0.0.0", port: int = 3000, threads: int = 16, ready=None):
    """A waitress server (multi-threaded, production grade); call .run() or .close()."""
    return create_server(wsgi_app(app, ready), host=host, port=port, threads=threads,
                         ident="feedsum", clear_untrusted_proxy_headers=True)
