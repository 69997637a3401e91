"""Many workspaces: rows of one team are invisible to another; the OAuth install flow and
per-team bot tokens (SLACK_CLIENT_ID / SLACK_CLIENT_SECRET set)."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from handlers.oauth import BOT_SCOPES, oauth_db_path
from storage import repo
from tests.slack_harness import ADMIN, CHANNEL, OWNER_A, Harness, modal_values
from tests.test_admin import db_state, home_for, last_view, setup_values

PERIOD = "2026-11"
TEAM_B = "T0SECONDWS"
ROOT = Path(__file__).resolve().parent.parent


def test_a_report_of_one_workspace_is_invisible_to_another(harness):
    h = harness
    h.command(f"open {PERIOD}")  # team A's period, prompts
    h.wait_for(lambda: any("2026年11月" in (x.get("text") or "") for x in h.fake.responses))
    modal = h.modal_for("results", OWNER_A, PERIOD)
    h.submit_view(modal, modal_values(modal, "team A text"), OWNER_A)
    time.sleep(0.2)
    h.fake.reset_calls()
    h.fake.responses.clear()
    before = db_state(h)
    # Same channel and user ids, another team: commands see no report.
    for text in ("status", f"status {PERIOD} --report feed-ads", f"open {PERIOD}", "history", "owners",
                 f"export {PERIOD}", "target ctr 3%", f"compile {PERIOD} --report feed-ads", "remind"):
        r = h.command(text, user=ADMIN, channel=CHANNEL, team=TEAM_B)
        body = r.json()
        assert body["response_type"] == "ephemeral", text
        assert "team A text" not in json.dumps(body, ensure_ascii=False)
        assert "没有" in body["text"], (text, body["text"])  # "no report here" / "no report with id"
    # Buttons and modal submissions naming team A's report are refused or ignored.
    value = json.dumps({"r": "feed-ads", "p": PERIOD, "s": "results"})
    assert h.click("write", value, OWNER_A, team=TEAM_B).status == 200
    r = h.submit_view(modal, modal_values(modal, "from team B"), OWNER_A, team=TEAM_B)
    assert r.json()["response_action"] == "errors"
    forged = {"type": "modal", "callback_id": "setup", "private_metadata": json.dumps({"ch": CHANNEL, "r": "feed-ads"})}
    r = h.submit_view(forged, setup_values(admins=(ADMIN,)), ADMIN, team=TEAM_B)
    assert r.json()["response_action"] == "errors"
    _, home = home_for(h, OWNER_A, team=TEAM_B)
    assert "/feedsum setup" in json.dumps(home, ensure_ascii=False)  # no reports in team B
    time.sleep(0.3)
    assert db_state(h) == before
    assert not h.fake.calls_to("views.open") and not h.fake.calls_to("chat.postMessage")
    # Team B may create its own report for the same channel id: team A's stays as it was.
    r = h.command("setup", user=ADMIN, channel=CHANNEL, team=TEAM_B)
    assert r.body == ""
    modal = last_view(h)
    assert modal["callback_id"] == "setup"  # a new report, not team A's read-only one
    r = h.submit_view(modal, setup_values(name="B 组", admins=(ADMIN,)), ADMIN, team=TEAM_B)
    assert r.body == ""
    b_report = h.core.resolve_report(TEAM_B, CHANNEL, ADMIN)
    assert b_report.team_id == TEAM_B and b_report.name == "B 组"
    assert h.core.report(h.fake.team_id, "feed-ads").name == "信息流投放组"
    assert h.core.resolve_report(h.fake.team_id, CHANNEL, ADMIN).id == "feed-ads"
    h.command("target ctr 5%", user=ADMIN, channel=CHANNEL, team=TEAM_B)
    assert repo.period_targets(h.db, TEAM_B, b_report.id, PERIOD) == {"ctr": 0.05}
    assert repo.period_targets(h.db, h.fake.team_id, "feed-ads", PERIOD) == {}
    assert all(a["team_id"] == h.fake.team_id for a in repo.audit_log(h.db, h.fake.team_id))


def test_manifest_scopes_are_the_scopes_oauth_requests():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)


# --- OAuth -----------------------------------------------------------------------------------

@pytest.fixture
def oauth_harness(tmp_path, clock):
    h = Harness(tmp_path, clock, env={"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "shh"})
    yield h
    h.close()


def _get(url: str, headers: dict | None = None):
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as resp:
            return resp.status, resp.read().decode(), resp.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), exc.headers


def install(h, team: str, code: str = "code-1") -> None:
    status, body, headers = _get(h.url + "/slack/install")
    assert status in (200, 302)
    link = headers.get("Location") or re.search(r'href="([^"]*oauth/v2/authorize[^"]*)"', body).group(1)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(link.replace("&amp;", "&")).query)
    assert query["client_id"] == ["111.222"] and "commands" in query["scope"][0]
    state = query["state"][0]
    cookie = headers.get("Set-Cookie", "").split(";")[0]
    h.fake.oauth_codes[code] = team
    status, body, _ = _get(f"{h.url}/slack/oauth_redirect?code={code}&state={state}", {"Cookie": cookie})
    assert status == 200, body


def test_oauth_install_stores_the_installation_and_commands_use_its_token(oauth_harness):
    h = oauth_harness
    assert h.app.oauth_flow is not None
    assert Path(oauth_db_path(h.settings)).name == "feedsum-oauth.db"
    install(h, TEAM_B)
    access = h.fake.calls_to("oauth.v2.access")
    assert len(access) == 1 and access[0].params["code"] == "code-1"
    installation = h.app.installation_store.find_installation(enterprise_id=None, team_id=TEAM_B)
    token = installation.bot_token
    assert token == "xoxb-t0secondws-installed"
    # A command from that workspace is answered with that installation's token.
    h.fake.reset_calls()
    r = h.command("setup", user=ADMIN, channel="C0BCHANNEL", team=TEAM_B)
    assert r.status == 200 and r.body == ""
    modal = last_view(h)
    assert h.fake.calls_to("views.open")[-1].headers["Authorization"] == f"Bearer {token}"
    assert h.submit_view(modal, setup_values(admins=(ADMIN,), owners={"results": [OWNER_A]}), ADMIN,
                         team=TEAM_B).body == ""
    # The outbox (prompts, scheduler) uses the installation's token for that team too.
    h.command(f"open {PERIOD}", user=ADMIN, channel="C0BCHANNEL", team=TEAM_B)
    h.wait_for(lambda: h.fake.calls_to("chat.postMessage"))
    time.sleep(0.2)
    assert {c.headers["Authorization"] for c in h.fake.calls_to("chat.postMessage")} == {f"Bearer {token}"}


def test_oauth_redirect_with_a_bad_state_installs_nothing(oauth_harness):
    h = oauth_harness
    status, _, _ = _get(f"{h.url}/slack/oauth_redirect?code=c&state=forged")
    assert status >= 400
    assert not h.fake.calls_to("oauth.v2.access")
    assert h.app.installation_store.find_installation(enterprise_id=None, team_id=h.fake.team_id) is None
