"""Socket Mode through a real WebSocket server that speaks Slack's envelope protocol.

Each kind of network drop — a close frame, a reset, a FIN without a close frame, a silent
half-open connection — is followed by a new connection and working commands; envelopes around a
refresh or a drop are answered exactly once.
"""

from __future__ import annotations

import logging
import threading
import time

import pytest

from handlers.socket_mode import SocketModeHandler
from tests.fake_socket_mode import FakeSocketMode
from tests.slack_harness import ADMIN, CHANNEL


@pytest.fixture
def socket_app(harness):
    server = FakeSocketMode()
    harness.fake.socket_url = server.url
    seen: list[str] = []

    def count(body, next):  # every request that reaches the app's listeners
        seen.append(body.get("text") or body.get("type") or "")
        next()

    harness.app.use(count)
    # Short pings keep the test quick; the defaults are measured in benchmarks/bench_socket_mode.py.
    handler = SocketModeHandler(harness.app, "xapp-1-test", ping_interval=0.4, ping_timeout=0.3)
    handler.connect()
    server.wait_connections(1)
    yield handler, server, seen
    handler.close()
    server.close()


def command(text: str, user: str = ADMIN) -> dict:
    return {"token": "x", "team_id": "T0FEEDSUM", "team_domain": "demo", "channel_id": CHANNEL,
            "channel_name": "ads", "user_id": user, "user_name": "admin", "command": "/feedsum", "text": text,
            "api_app_id": "A0FEEDSUM", "response_url": "http://127.0.0.1:9/response", "trigger_id": "1.2.3"}


def test_commands_are_answered_over_the_socket(socket_app):
    _handler, server, _seen = socket_app
    eid = server.send("slash_commands", command("help"))
    ack = server.wait_ack(eid)
    assert "/feedsum" in str(ack)


@pytest.mark.parametrize("how", ["close", "reset", "fin", "silent"])
def test_every_kind_of_drop_is_followed_by_a_new_connection(socket_app, how, caplog):
    handler, server, seen = socket_app
    caplog.set_level(logging.INFO, logger="feedsum.socket_mode")
    cpu = time.process_time()
    server.drop(how)
    server.wait_connections(2, timeout=10)
    assert time.process_time() - cpu < 2.0  # waiting for the next connection does not spin a core
    eid = server.send("slash_commands", command("help"))
    assert "/feedsum" in str(server.wait_ack(eid))
    assert any("reconnected" in r.getMessage() for r in caplog.records)


def test_an_envelope_lost_with_its_connection_is_redelivered_and_run_once(socket_app):
    _handler, server, seen = socket_app
    server.drop("silent")  # the next envelope waits for the new connection, then goes out as a retry
    eid = server.send("slash_commands", command("help"))
    server.wait_connections(2)
    server.wait_ack(eid)
    # Slack sends it again (the ack was lost in transit): answered again, not run again.
    again = server.send("slash_commands", {**command("help")}, envelope_id=eid)
    assert again == eid
    deadline = time.monotonic() + 10
    while len(server.acks[eid]) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(server.acks[eid]) == 2 and server.acks[eid][0] == server.acks[eid][1]
    assert seen.count("help") == 1


def test_envelopes_around_a_refresh_are_each_answered_once(socket_app):
    _handler, server, seen = socket_app
    sent: list[str] = []
    stop = threading.Event()

    def keep_sending():
        for i in range(30):
            sent.append(server.send("slash_commands", command(f"help {i}")))
            time.sleep(0.02)
            if stop.is_set():
                return

    t = threading.Thread(target=keep_sending)
    t.start()
    time.sleep(0.15)
    server.disconnect("refresh_requested")
    server.wait_connections(2)
    t.join()
    for eid in sent:
        server.wait_ack(eid)
    texts = [s for s in seen if s.startswith("help ")]
    assert sorted(texts) == sorted(f"help {i}" for i in range(30))  # none lost, none run twice


def test_acks_over_the_socket_never_wait_for_a_slow_web_api(socket_app, harness):
    """The same listeners: the envelope ack goes back at once, the modal opens after it."""
    _handler, server, _seen = socket_app
    harness.core.open(harness.report, "2026-11", ADMIN, harness.clock())
    harness.fake.reset_calls()
    # Slack takes every Web API call but answers none until the end: acks that arrive meanwhile
    # never waited on one.
    gate = harness.fake.faults.gate = threading.Event()
    ack = server.wait_ack(server.send("slash_commands", command("status 2026-11")))
    assert "信息流投放组" in str(ack)  # answered in the envelope ack
    server.wait_ack(server.send("slash_commands", {**command("write results 2026-11", user="U0OWNERA1"),
                                                   "trigger_id": "1.2.3"}))
    # views.open reaches Slack while nothing has been answered: the first call after the ack.
    call = harness.wait_for(lambda: harness.fake.calls_to("views.open"))[0]
    assert call.params["trigger_id"] == "1.2.3"
    gate.set()
    harness.fake.faults.gate = None


def test_a_crash_over_the_socket_is_apologised_for_in_the_envelope_ack(socket_app, monkeypatch):
    from handlers import commands

    _handler, server, _seen = socket_app
    monkeypatch.setitem(commands.HANDLERS, "status", lambda *a, **k: 1 / 0)
    ack = server.wait_ack(server.send("slash_commands", command("status")))
    assert "抱歉" in str(ack) and "ZeroDivisionError" not in str(ack)
