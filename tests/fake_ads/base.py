"""What every fake platform shares: a threaded HTTP server, a log of requests, injected faults."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]  # lower-case names

    @property
    def form(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.body.decode()))

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-encoded unless bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    match: Callable[[Request], bool]
    reply: Reply
    times: int = 1


class FakeApi:
    """Subclasses answer in `route`; `fail` queues answers that replace the next matching ones."""

    def __init__(self):
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def fail(self, path_part: str, reply: Reply, *, times: int = 1, method: str | None = None) -> None:
        """Answer the next `times` requests whose path contains `path_part` with `reply`."""
        with self._lock:
            self.faults.append(Fault(lambda r: path_part in r.path and (method is None or r.method == method),
                                     reply, times))

    def seen(self, path_part: str = "") -> list[Request]:
        return [r for r in self.requests if path_part in r.path]

    def route(self, req: Request) -> Reply:
        raise NotImplementedError

    def _answer(self, req: Request) -> Reply:
        with self._lock:
            self.requests.append(req)
            for fault in self.faults:
                if fault.times > 0 and fault.match(req):
                    fault.times -= 1
                    return fault.reply
        return self.route(req)

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _serve(self, method: str) -> None:
                parts = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                req = Request(method, parts.path, dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
                              self.rfile.read(length) if length else b"",
                              {k.lower(): v for k, v in self.headers.items()})
                reply = fake._answer(req)
                body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

        return Handler
