"""Socket Mode that survives the network: Bolt's `websocket-client` adapter, pinging.

Why this client: slack_sdk's built-in client stays deaf for about a minute (with a core spinning)
when a connection closes without a close frame, and takes seconds to come back after a reset.
Bolt's `websocket-client` adapter reconnects from its close callback at once; what it lacks is a
pong deadline, so a silent half-open connection (a NAT or proxy that timed out) would never be
noticed. `_Client` adds that deadline, a log line per connection change, and the handler answers a
redelivered envelope from its first answer instead of running it again. Measured reconnect times
are in docs/benchmarks.md (benchmarks/bench_socket_mode.py).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from time import time

from slack_bolt import App
from slack_bolt.adapter.socket_mode.base_handler import BaseSocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.socket_mode.interval_runner import IntervalRunner
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.socket_mode.websocket_client import SocketModeClient

log = logging.getLogger(__name__)

# A ping every second, and a connection whose pong is 0.9 s late is dead: a silent drop is noticed
# within 2 s. Pings are a few bytes; Slack answers them like any WebSocket server, and 0.9 s leaves
# room for a round trip from far away (mainland China).
PING_INTERVAL = 1.0
PING_TIMEOUT = 0.9
WATCH_EVERY = 0.1  # how often the pong deadline is checked
SEEN_ENVELOPES = 1000  # answers kept for redeliveries (Slack retries within minutes)


class _Client(SocketModeClient):
    """slack_sdk's websocket-client Socket Mode client with a pong deadline and connection logs."""

    def __init__(self, *args, ping_timeout: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.ping_timeout = ping_timeout
        # The parent polls for a new session every 0.5 s; 50 ms makes a reconnect that much
        # quicker, and _run_current_session never runs a session twice, so polling costs nothing.
        self.current_session_runner.shutdown()
        self._last_session = None
        self.current_session_runner = IntervalRunner(self._run_current_session, 0.05).start()
        # websocket-client's own pong check only runs when its select() times out, which with
        # pings every second it rarely does; this watchdog enforces the deadline itself.
        self.watchdog = IntervalRunner(self._watch, WATCH_EVERY).start()
        self.connections = 0
        self.on_open_listeners.append(self._opened)
        self.on_close_listeners.append(self._lost)

    def _opened(self, _ws) -> None:
        self.connections += 1
        if self.connections > 1:
            self.logger.info("Socket Mode: reconnected (connection #%d)", self.connections)

    def connect_to_new_endpoint(self, force: bool = False):
        session = self.current_session
        if force and session is self._last_session and session is not None and session.sock is not None:
            # Slack asked us to move (a "disconnect" message). Closing the connection politely from
            # this thread would leave its reader waiting in select() for seconds; dropping it wakes
            # the reader, whose close callback opens the next connection at once. Envelopes not yet
            # acked come again on the new one (and are answered once, see SocketModeHandler).
            session.sock.abort()
            return
        if not force and session is not None and session is not self._last_session:
            return  # a new session is already on its way (the close of the one it replaced got here)
        super().connect_to_new_endpoint(force=force)

    def _monitor_current_session(self):
        session = self.current_session
        if session is not None and session is not self._last_session:
            return  # just created and about to be started: not a closed session to replace
        super()._monitor_current_session()

    def _watch(self) -> None:
        session = self.current_session
        sock = session.sock if session is not None else None
        if sock is None or not session.last_ping_tm or session.last_pong_tm >= session.last_ping_tm:
            return
        if time() - session.last_ping_tm > self.ping_timeout:
            self.logger.info("Socket Mode: no pong for %.1f s, dropping the connection", self.ping_timeout)
            # abort() wakes the reader at once; a polite close would wait 3 s for a reply.
            sock.abort()
            sock.connected = False

    def close(self) -> None:
        self.closed = True
        self.auto_reconnect_enabled = False
        self.watchdog.shutdown()
        session = self.current_session
        if session is not None and session.sock is not None:
            # Wake the reader at once: closing the socket from this thread would leave it waiting
            # in select() until its next timeout.
            session.sock.abort()
        self.message_queue.put(None)  # wake the message loop now rather than after its 1 s poll
        super().close()

    def _lost(self, _ws) -> None:
        if not self.closed:
            self.logger.info("Socket Mode: connection lost, reconnecting")

    def _run_current_session(self):
        # The parent's loop, with ping_timeout: without it a half-open connection is never noticed,
        # and the reader would look at `keep_running` only every 10 s (websocket-client's default),
        # so a close racing a reconnect would wait that long.
        session = self.current_session
        if session is None or session is self._last_session:
            return  # ended: the close callback or the monitor opens a new one
        self._last_session = session
        try:
            session.run_forever(ping_interval=self.ping_interval, ping_timeout=self.ping_timeout,
                                http_proxy_host=self.http_proxy_host, http_proxy_port=self.http_proxy_port,
                                http_proxy_auth=self.http_proxy_auth, proxy_type=self.proxy_type)
        except Exception as exc:  # a failed handshake: let the monitor open a new connection
            self.logger.warning("Socket Mode: connection failed (%s)", exc)
            if self.current_session is not None:
                self.current_session.close()


class SocketModeHandler(BaseSocketModeHandler):
    """Runs the Bolt app over Socket Mode; each envelope is handled once, however often it arrives."""

    def __init__(self, app: App, app_token: str, *, ping_interval: float = PING_INTERVAL,
                 ping_timeout: float = PING_TIMEOUT, concurrency: int = 10):
        self.app = app
        self.app_token = app_token
        self.client = _Client(app_token=app_token, logger=logging.getLogger("feedsum.socket_mode"),
                              web_client=app.client, ping_interval=ping_interval, ping_timeout=ping_timeout,
                              concurrency=concurrency)
        self.client.socket_mode_request_listeners.append(self.handle)
        self._answers: OrderedDict[str, SocketModeResponse | None] = OrderedDict()
        self._lock = threading.Lock()

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:
        with self._lock:
            seen = req.envelope_id in self._answers
            earlier = self._answers.get(req.envelope_id)
            if not seen:
                self._answers[req.envelope_id] = None  # in progress: its own ack is on the way
                while len(self._answers) > SEEN_ENVELOPES:
                    self._answers.popitem(last=False)
        if seen:
            # A redelivery (the first ack was lost with its connection): answer again, run nothing.
            if earlier is not None:
                client.send_socket_mode_response(earlier)
            return
        start = time()
        response = run_bolt_app(self.app, req)
        answer = _Recorder(client)
        send_response(answer, req, response, start)
        with self._lock:
            if req.envelope_id in self._answers:
                self._answers[req.envelope_id] = answer.sent


class _Recorder:
    """Passes an ack on to the client and keeps it, to answer a redelivery the same way."""

    def __init__(self, client: SocketModeClient):
        self.client, self.logger, self.sent = client, client.logger, None

    def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.sent = response
        self.client.send_socket_mode_response(response)
