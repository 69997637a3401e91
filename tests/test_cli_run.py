"""`feedsum run` as a newcomer starts it: a real process serving HTTP, answering Slack."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from slack_sdk.signature import SignatureVerifier

from feedsum.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parent.parent
CONFIG = """
[[reports]]
id = "feed-ads"
name = "Feed Ads"
channel = "C0REPORT1"
admins = ["U0ADMIN01"]
locale = "en"
# Three owners, so that the fan-out is not paced by one DM channel's message-a-second rule.
[[reports.sections]]
key = "results"
owners = ["U0OWNERA1"]
[[reports.sections]]
key = "data"
owners = ["U0OWNERB1"]
[[reports.sections]]
key = "plan"
owners = ["U0OWNERC1"]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_serves_health_and_signed_commands(tmp_path):
    (tmp_path / "feedsum.toml").write_text(CONFIG, encoding="utf-8")
    port = free_port()
    with FakeSlack() as fake:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FEEDSUM_"))},
               "SLACK_BOT_TOKEN": "xoxb-run", "SLACK_SIGNING_SECRET": "run-secret",
               "SLACK_API_BASE_URL": fake.api_url, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen([sys.executable, "-m", "feedsum.cli", "run", "--no-scheduler", "--port", str(port)],
                                cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                        assert r.status == 200
                        break
                except OSError:
                    assert proc.poll() is None, proc.stdout.read()
                    assert time.monotonic() < deadline
                    time.sleep(0.2)
            def command(text: str, trigger: str) -> dict:
                body = urllib.parse.urlencode({
                    "team_id": fake.team_id, "channel_id": "C0REPORT1", "user_id": "U0ADMIN01", "command": "/feedsum",
                    "text": text, "response_url": f"{fake.url}/response/x", "trigger_id": trigger}).encode()
                ts = str(int(time.time()))
                sig = SignatureVerifier("run-secret").generate_signature(timestamp=ts, body=body)
                req = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", data=body, headers={
                    "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                    "X-Slack-Signature": sig})
                with urllib.request.urlopen(req, timeout=10) as r:
                    return json.loads(r.read())

            reply = command("status 2026-11", "t1")
            assert reply["response_type"] == "ephemeral" and "Feed Ads" in reply["text"]
            assert (tmp_path / "feedsum.db").exists()
            assert all(c.headers.get("Authorization") == "Bearer xoxb-run" for c in fake.calls)
            # Stopped right after acking an `open`: the fan-out it promised is finished first.
            fake.faults.latency = 0.05
            assert "⏳" in command("open 2026-11", "t2")["text"]
        finally:
            proc.terminate()
            output = proc.communicate(timeout=30)[0]
        assert proc.returncode == 0, output
        prompted = sorted(m["channel"] for m in fake.posted() if m["channel"].startswith("D"))
        assert prompted == ["D0OWNERA1", "D0OWNERB1", "D0OWNERC1"]  # one prompt per section
        assert any("2026" in (r.get("text") or "") for r in fake.responses), output
        assert "xoxb-run" not in output and "run-secret" not in output
