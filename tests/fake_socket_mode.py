"""A fake Slack Socket Mode server: a real WebSocket server on loopback (wsproto over raw sockets).

It speaks the documented protocol: a `hello` on each connection, envelopes
`{envelope_id, type, payload, accepts_response_payload, retry_attempt, retry_reason}`, acks
`{envelope_id, payload?}` from the app, `disconnect` messages (`refresh_requested`, `warning`), and
WebSocket pings. Like Slack, it redelivers an envelope that was not acked when its connection goes
away, on the next connection, with `retry_attempt` raised. Raw sockets let a test break a
connection every way a network does: a close frame, a TCP reset, a FIN without a close frame, and a
silent half-open connection that neither answers nor closes.
"""

from __future__ import annotations

import itertools
import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import AcceptConnection, CloseConnection, Ping, Request, TextMessage


@dataclass
class Conn:
    sock: socket.socket
    ws: WSConnection
    number: int
    opened_at: float
    silent: bool = False  # half-open: read nothing, answer nothing, never close
    closed: bool = False
    ending: str | None = None  # how its serving thread is to end it: "reset" or "fin"
    unacked: dict[str, dict] = field(default_factory=dict)


class FakeSocketMode:
    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self.connections: list[Conn] = []
        self.acks: dict[str, list[Any]] = {}  # envelope id -> payloads acked (one per ack received)
        self.pings = 0
        self._pending: list[dict] = []  # envelopes waiting for a connection (redeliveries first)
        self._stop = threading.Event()
        threading.Thread(target=self._accept_loop, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._listener.getsockname()[1]}/link/?ticket=t"

    def close(self) -> None:
        self._stop.set()
        self._listener.close()

    # --- what a test does ------------------------------------------------------------------

    @property
    def current(self) -> Conn | None:
        with self._lock:
            live = [c for c in self.connections if not c.closed and not c.silent]
            return live[-1] if live else None

    def wait_connections(self, n: int, timeout: float = 10.0) -> float:
        """Wait until `n` connections have said hello; returns when the n-th opened (monotonic)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.connections) >= n:
                    return self.connections[n - 1].opened_at
            time.sleep(0.01)
        raise AssertionError(f"no connection #{n} within {timeout}s ({len(self.connections)} so far)")

    def send(self, type_: str, payload: dict, *, envelope_id: str | None = None) -> str:
        """Deliver an envelope on the current connection (or the next one, if none is live)."""
        env = {"envelope_id": envelope_id or f"env-{next(self._ids)}", "type": type_, "payload": payload,
               "accepts_response_payload": type_ != "events_api", "retry_attempt": 0, "retry_reason": ""}
        with self._lock:
            conn = self.current
            if conn is None:
                self._pending.append(env)
            else:
                self._deliver(conn, env)
        return env["envelope_id"]

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.acks.get(envelope_id):
                    return self.acks[envelope_id][0]
            time.sleep(0.01)
        raise AssertionError(f"envelope {envelope_id} was never acked")

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Slack's warning that this connection will be closed: the client should open another."""
        with self._lock:
            conn = self.current
            if conn:
                self._text(conn, {"type": "disconnect", "reason": reason,
                                  "debug_info": {"host": "fake-socket-mode"}})

    def drop(self, how: str) -> None:
        """Break the current connection: "close" (close frame), "reset" (RST), "fin" (FIN, no close
        frame) or "silent" (half-open: nothing is read, answered or closed any more)."""
        with self._lock:
            conn = self.current
            assert conn is not None, "no live connection to drop"
            if how == "close":
                self._send_bytes(conn, self._bytes(conn, CloseConnection(code=1001, reason="going away")))
                conn.ending = "fin"
            elif how in ("reset", "fin"):
                conn.ending = how  # done by the connection's own thread, which owns the socket
            elif how == "silent":
                conn.silent = True
                self._requeue(conn)
            else:
                raise ValueError(how)

    # --- the server ------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        ws = WSConnection(ConnectionType.SERVER)
        conn = None
        sock.settimeout(0.02)  # wake up often: only this thread closes its socket (a close from
        # another thread would neither wake a blocked recv nor send the FIN or RST at once)
        while True:
            if conn is not None and conn.ending:
                with self._lock:
                    if conn.ending == "reset":
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self._kill(conn)
                return
            if self._stop.is_set():
                with _quiet():
                    sock.close()
                return
            try:
                data = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                data = b""
            if conn is not None and conn.silent:
                return  # half-open: the bytes go nowhere and nothing is answered
            if not data:
                if conn is not None:
                    with self._lock:
                        self._kill(conn)
                return
            ws.receive_data(data)
            for event in ws.events():
                if isinstance(event, Request):
                    sock.sendall(ws.send(AcceptConnection()))
                    with self._lock:
                        conn = Conn(sock, ws, len(self.connections) + 1, time.monotonic())
                        self.connections.append(conn)
                        self._text(conn, {"type": "hello", "num_connections": 1,
                                          "debug_info": {"host": "fake-socket-mode", "approximate_connection_time": 18060},
                                          "connection_info": {"app_id": "A0FEEDSUM"}})
                        pending, self._pending = self._pending, []
                        for env in pending:
                            self._deliver(conn, env)
                elif isinstance(event, Ping):
                    with self._lock:
                        self.pings += 1
                        if conn is not None and not conn.silent:
                            self._send_bytes(conn, ws.send(event.response()))
                elif isinstance(event, TextMessage) and conn is not None:
                    self._on_ack(conn, event.data)
                elif isinstance(event, CloseConnection) and conn is not None:
                    with self._lock:
                        if ws.state is ConnectionState.REMOTE_CLOSING:  # their close: answer it
                            with _quiet():
                                sock.sendall(ws.send(event.response()))
                        self._kill(conn)
                    return

    def _on_ack(self, conn: Conn, text: str) -> None:
        msg = json.loads(text)
        eid = msg.get("envelope_id")
        with self._lock:
            self.acks.setdefault(eid, []).append(msg.get("payload"))
            for c in self.connections:  # an ack counts on whichever connection it arrives
                c.unacked.pop(eid, None)

    def _deliver(self, conn: Conn, env: dict) -> None:
        conn.unacked[env["envelope_id"]] = env
        self._text(conn, env)

    def _requeue(self, conn: Conn) -> None:
        """Envelopes a lost connection never acked go out again, as retries: on another live
        connection if there is one, else on the next to open."""
        retries = [{**env, "retry_attempt": env["retry_attempt"] + 1, "retry_reason": "timeout"}
                   for env in conn.unacked.values() if env["envelope_id"] not in self.acks]
        conn.unacked.clear()
        live = self.current
        for env in retries:
            if live is not None:
                self._deliver(live, env)
            else:
                self._pending.append(env)

    def _kill(self, conn: Conn) -> None:
        if conn.closed:
            return
        conn.closed = True
        self._requeue(conn)
        with _quiet():
            conn.sock.close()

    def _text(self, conn: Conn, obj: dict) -> None:
        self._send_bytes(conn, self._bytes(conn, TextMessage(data=json.dumps(obj))))

    @staticmethod
    def _bytes(conn: Conn, event) -> bytes:
        return conn.ws.send(event)

    @staticmethod
    def _send_bytes(conn: Conn, data: bytes) -> None:
        with _quiet():
            conn.sock.sendall(data)


class _quiet:
    """Ignore socket errors on a connection that is already gone."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        return exc_type is not None and issubclass(exc_type, OSError)
