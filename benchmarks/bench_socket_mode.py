"""Socket Mode reconnect times per kind of drop: feedsum's client against slack_sdk's built-in one.

    python benchmarks/bench_socket_mode.py [--rounds 3] [--limit 15]

For each client and each drop (close frame, TCP reset, FIN without a close frame, silent half-open)
it connects to a fake Socket Mode server on loopback (tests/fake_socket_mode.py), breaks the
connection, and measures the time until the next connection has said hello and a command sent on
it is answered, plus the CPU time the process used meanwhile. A client that has not recovered
within --limit seconds is reported as such. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt import App  # noqa: E402
from slack_bolt.adapter.socket_mode import SocketModeHandler as BuiltinHandler  # noqa: E402
from slack_sdk import WebClient  # noqa: E402

from feedsum.fake_slack import FakeSlack  # noqa: E402
from handlers.socket_mode import SocketModeHandler  # noqa: E402
from tests.fake_socket_mode import FakeSocketMode  # noqa: E402

COMMAND = {"team_id": "T0FEEDSUM", "channel_id": "C1", "user_id": "U1", "command": "/ping", "text": "",
           "api_app_id": "A0FEEDSUM", "response_url": "http://127.0.0.1:9/r", "trigger_id": "1.2.3"}


def app_for(fake: FakeSlack) -> App:
    app = App(client=WebClient(token="xoxb-1", base_url=fake.api_url), request_verification_enabled=False,
              token_verification_enabled=False)
    app.command("/ping")(lambda ack: ack("pong"))
    return app


def one(make, how: str, limit: float) -> tuple[float | None, float]:
    with FakeSlack() as fake:
        server = FakeSocketMode()
        fake.socket_url = server.url
        handler = make(app_for(fake))
        handler.connect()
        server.wait_connections(1)
        time.sleep(0.3)  # settle: the first pings exchanged
        cpu, t0 = time.process_time(), time.monotonic()
        server.drop(how)
        try:
            server.wait_connections(2, timeout=limit)
            server.wait_ack(server.send("slash_commands", COMMAND), timeout=max(0.1, limit - (time.monotonic() - t0)))
            took = time.monotonic() - t0
        except AssertionError:
            took = None
        used = time.process_time() - cpu
        handler.client.close()
        server.close()
        return took, used


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="drops measured per client and kind")
    ap.add_argument("--limit", type=float, default=15.0, help="seconds to wait for a reconnect")
    args = ap.parse_args()
    clients = {"feedsum (websocket-client, pings)": lambda app: SocketModeHandler(app, "xapp-1"),
               "slack_sdk built-in": lambda app: BuiltinHandler(app, "xapp-1")}
    print("| client | drop | recovered (median s) | worst s | CPU s while down |\n|---|---|---|---|---|")
    for name, make in clients.items():
        for how in ("close", "reset", "fin", "silent"):
            runs = [one(make, how, args.limit) for _ in range(args.rounds)]
            times = [t for t, _ in runs if t is not None]
            cpu = max(c for _, c in runs)
            if len(times) < len(runs):
                print(f"| {name} | {how} | not within {args.limit:.0f} s ({len(times)}/{len(runs)}) | — | {cpu:.2f} |")
            else:
                print(f"| {name} | {how} | {statistics.median(times):.2f} | {max(times):.2f} | {cpu:.2f} |")


if __name__ == "__main__":
    main()
