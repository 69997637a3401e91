"""A running feedsum: the real WSGI endpoint under waitress, signed requests, a fake Web API."""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.model.config import Settings, parse_reports
from feedsum.fake_slack import FakeSlack
from feedsum.root import build
from handlers.ratelimit import Limits
from handlers.server import make_server
from handlers.server import stop as stop_server

SECRET = "test-signing-secret"
ADMIN, OWNER_A, OWNER_B, STRANGER = "U0ADMIN01", "U0OWNERA1", "U0OWNERB1", "U0STRANGE"
CHANNEL = "C0REPORT1"

CONFIG = {
    "reports": [{
        "id": "feed-ads", "name": "信息流投放组", "channel": CHANNEL, "admins": [ADMIN],
        "timezone": "Asia/Shanghai", "locale": "zh-CN", "calendar": "CN",
        "sections": [
            {"key": "results", "owners": [OWNER_A]},
            {"key": "data", "owners": [OWNER_B]},
            {"key": "lessons", "owners": [OWNER_A, OWNER_B]},
            {"key": "solutions", "owners": [OWNER_A]},
            {"key": "plan", "owners": [OWNER_B]},
            {"key": "team", "owners": [ADMIN]},
            {"key": "market", "owners": [OWNER_A]},
        ],
    }]
}


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Reply:
    status: int
    body: str
    headers: dict

    def json(self):
        return json.loads(self.body) if self.body else {}


class CountingPool(ThreadPoolExecutor):
    """The app's worker pool, counting work in flight so a test can wait until the app is idle."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.busy = 0
        self._busy_lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):
        with self._busy_lock:
            self.busy += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except RuntimeError:  # shut down: nothing was queued
            self._done(None)
            raise
        future.add_done_callback(self._done)
        return future

    def _done(self, _future):
        with self._busy_lock:
            self.busy -= 1


class Harness:
    def __init__(self, tmp_path, clock: Clock, config: dict | None = None, fake: FakeSlack | None = None,
                 env: dict | None = None, limits: Limits | None = None, transport: str = "http"):
        # "http": every request through the real endpoint (waitress, the verification guard);
        # "app": straight into the Bolt app, for tests of what listeners do (about 6x cheaper).
        self.transport = transport
        self.fake = fake or FakeSlack().start()
        self.clock = clock
        self.settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET,
                                           "SLACK_API_BASE_URL": self.fake.api_url,
                                           "FEEDSUM_DB": str(tmp_path / "feedsum.db"), **(env or {})})
        # Not pacing to Slack's limits unless a test is about them (the fake enforces none by default).
        self.root = build(self.settings, clock=clock, limits=limits or Limits(speed=0))
        self.store, self.client, self.app, self.deps = self.root.store, self.root.client, self.root.app, self.root.deps
        self.db = self.store.db  # the database itself, for tests that look at or damage it
        self.deps.workers.shutdown()
        self.deps.workers = CountingPool(max_workers=8, thread_name_prefix="feedsum-work")
        self.deps.urgent.shutdown()
        self.deps.urgent = CountingPool(max_workers=8, thread_name_prefix="feedsum-urgent")
        self.core = self.deps.core
        self.reports = parse_reports(config or CONFIG, file="test.toml")
        self.root.load_reports(self.reports, team_id=self.fake.team_id)
        self.server = make_server(self.app, host="127.0.0.1", port=0, threads=8, guard=self.deps.guard)
        self.port = self.server.effective_port
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self.port}"
        self.report = self.core.report(self.fake.team_id, "feed-ads") if config is None else None
        self._triggers = itertools.count(1)

    def trigger_id(self) -> str:
        """Slack gives every command, click and submission its own trigger id, so no two signed
        requests are byte-identical (the server refuses a replayed one)."""
        return f"1337.{next(self._triggers)}.abcd"

    def _serve(self):
        with contextlib.suppress(OSError):  # the listening socket closed under the loop by close()
            self.server.run()

    def close(self):
        stop_server(self.server)
        if self.fake.faults.gate is not None:  # calls a test held: answered, so work can end
            self.fake.faults.gate.set()
        self.root.shutdown(wait=True)  # let work after the acks finish against the fake
        self.fake.stop()
        self.store.close()

    # --- raw signed requests ---------------------------------------------------------------

    def post(self, body: bytes | str, *, content_type: str, timestamp: int | None = None,
             signature: str | None = None, headers: dict | None = None, path: str = "/slack/events") -> Reply:
        body = body.encode() if isinstance(body, str) else body
        ts = str(timestamp if timestamp is not None else int(time.time()))
        sig = signature or SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig,
                   **(headers or {})}
        if self.transport == "app" and path == "/slack/events":
            return self._dispatch(body, headers)
        req = urllib.request.Request(self.url + path, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return Reply(resp.status, resp.read().decode(), dict(resp.headers))
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, exc.read().decode(), dict(exc.headers))

    def _dispatch(self, body: bytes, headers: dict) -> Reply:
        """The same signed request handed to the Bolt app in this process: listener logic without
        a socket (Bolt's own middleware still verifies it; the WSGI guard in front is skipped)."""
        resp = self.app.dispatch(BoltRequest(body=body.decode(), headers={k.lower(): v for k, v in headers.items()}))
        return Reply(resp.status, resp.body, {k: v[0] for k, v in resp.headers.items()})

    def get(self, path: str) -> Reply:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as resp:
                return Reply(resp.status, resp.read().decode(), dict(resp.headers))
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, exc.read().decode(), dict(exc.headers))

    # --- Slack-shaped requests -------------------------------------------------------------

    def command(self, text: str, user: str = ADMIN, channel: str = CHANNEL, team: str | None = None,
                trigger_id: str | None = None, **kw) -> Reply:
        form = {"token": "x", "team_id": team or self.fake.team_id, "team_domain": "demo", "channel_id": channel,
                "channel_name": "ads", "user_id": user, "user_name": user.lower(), "command": "/feedsum",
                "text": text, "api_app_id": "A0FEEDSUM", "response_url": f"{self.fake.url}/response/{user}",
                "trigger_id": trigger_id or self.trigger_id()}
        return self.post(urllib.parse.urlencode(form), content_type="application/x-www-form-urlencoded", **kw)

    def interactive(self, payload: dict, **kw) -> Reply:
        return self.post(urllib.parse.urlencode({"payload": json.dumps(payload)}),
                         content_type="application/x-www-form-urlencoded", **kw)

    def click(self, action_id: str, value: str, user: str, channel: str = "D0X", team: str | None = None,
              trigger_id: str | None = None) -> Reply:
        team = team or self.fake.team_id
        return self.interactive({
            "type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": team},
            "team": {"id": team}, "api_app_id": "A0FEEDSUM", "trigger_id": trigger_id or self.trigger_id(),
            "container": {"type": "message", "channel_id": channel, "message_ts": "1.1"},
            "channel": {"id": channel}, "message": {"ts": "1.1", "text": ""},
            "response_url": f"{self.fake.url}/response/{user}",
            "actions": [{"action_id": action_id, "block_id": "prompt_actions", "value": value, "type": "button",
                         "action_ts": "1.2"}],
        })

    def submit_view(self, view: dict, values: dict, user: str, team: str | None = None) -> Reply:
        team = team or self.fake.team_id
        return self.interactive({
            "type": "view_submission", "user": {"id": user, "username": user.lower(), "team_id": team},
            "team": {"id": team}, "api_app_id": "A0FEEDSUM", "trigger_id": self.trigger_id(),
            "view": {**view, "id": "V1", "state": {"values": values}, "hash": "h"},
        })

    def event(self, event: dict, *, event_id: str, team: str | None = None, headers: dict | None = None) -> Reply:
        body = {"token": "x", "team_id": team or self.fake.team_id, "api_app_id": "A0FEEDSUM",
                "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
                "authorizations": [{"team_id": team or self.fake.team_id, "user_id": "U0BOTUSER", "is_bot": True}],
                "event": event}
        return self.post(json.dumps(body), content_type="application/json", headers=headers)

    # --- helpers ---------------------------------------------------------------------------

    def wait_for(self, predicate, timeout: float = 10.0):
        """Poll until the app's background work has reached `predicate` (listeners run after the ack)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.005)
        raise AssertionError("timed out waiting for the app")

    def answer(self, text: str, user: str = ADMIN, **kw) -> dict:
        """What a command told its user: the ack's body, or, when the answer needed Slack first (a
        workspace-admin lookup), the first message to their response_url after an empty ack."""
        path = f"/response/{user}"
        before = len([1 for p, _ in self.fake.responded if p == path])
        reply = self.command(text, user=user, **kw)
        assert reply.status == 200, reply
        if reply.body:
            return reply.json()
        return self.wait_for(lambda: [b for p, b in self.fake.responded if p == path][before:])[0]

    def idle(self, timeout: float = 10.0) -> None:
        """Wait until no work the app handed to its workers is queued or running."""
        self.wait_for(lambda: self.deps.workers.busy == 0 and self.deps.urgent.busy == 0, timeout=timeout)

    def prompts(self) -> list[dict]:
        return [m for m in self.fake.posted() if m["channel"].startswith("D") and (m.get("metadata") or {}).get(
            "event_payload", {}).get("key", "").count("|prompt|")]

    def modal_for(self, section: str, user: str, period: str) -> dict:
        """Click Write on a prompt and return the modal that views.open got."""
        before = len(self.fake.calls_to("views.open"))
        value = json.dumps({"r": "feed-ads", "p": period, "s": section}, separators=(",", ":"))
        assert self.click("write", value, user).status == 200
        self.wait_for(lambda: len(self.fake.calls_to("views.open")) > before)
        return _json(self.fake.calls_to("views.open")[-1].params["view"])


def _json(v):
    return json.loads(v) if isinstance(v, str) else v


def modal_values(modal: dict, text: str) -> dict:
    """State values for a write modal whose parts hold `text` (split into 3,000-char parts)."""
    parts = [text[i:i + 3000] for i in range(0, len(text), 3000)] or [""]
    return {f"part_{i}": {"text": {"type": "plain_text_input", "value": p}} for i, p in enumerate(parts)}
