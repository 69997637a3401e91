"""Many workspaces: rows of one team are invisible to another; the OAuth install flow and
per-team bot tokens (SLACK_CLIENT_ID / SLACK_CLIENT_SECRET set)."""

from __future__ import annotations

import io
import json
import logging
import re
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.core.runner import tick
from feedsum.fake_slack import BOT_USER
from feedsum.root import build
from handlers.oauth import BOT_SCOPES, authorize_url, oauth_db_path
from tests.slack_harness import ADMIN, CHANNEL, OWNER_A, Harness, modal_values
from tests.test_admin import db_state, home_for, last_view, setup_values

HARNESS_TRANSPORT = "app"  # listener logic: requests go straight into the Bolt app

PERIOD = "2026-11"
TEAM_B = "T0SECONDWS"
ROOT = Path(__file__).resolve().parent.parent


def test_a_report_of_one_workspace_is_invisible_to_another(harness):
    h = harness
    h.command(f"open {PERIOD}")  # team A's period, prompts
    h.wait_for(lambda: any("2026年11月" in (x.get("text") or "") for x in h.fake.responses))
    modal = h.modal_for("results", OWNER_A, PERIOD)
    h.submit_view(modal, modal_values(modal, "team A text"), OWNER_A)
    h.idle()
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
    h.idle()
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
    assert h.store.targets.of(TEAM_B, b_report.id, PERIOD) == {"ctr": 0.05}
    assert h.store.targets.of(h.fake.team_id, "feed-ads", PERIOD) == {}
    assert all(a.team_id == h.fake.team_id for a in h.store.audit.log(h.fake.team_id))


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
    h.idle()
    assert {c.headers["Authorization"] for c in h.fake.calls_to("chat.postMessage")} == {f"Bearer {token}"}


def test_oauth_redirect_with_a_bad_state_installs_nothing(oauth_harness):
    h = oauth_harness
    status, _, _ = _get(f"{h.url}/slack/oauth_redirect?code=c&state=forged")
    assert status >= 400
    assert not h.fake.calls_to("oauth.v2.access")
    assert h.app.installation_store.find_installation(enterprise_id=None, team_id=h.fake.team_id) is None


# --- the default workspace's token alongside installations; uninstall, revoke, rotation ------

B_CHANNEL = "C0BCHANNEL"
SH = ZoneInfo("Asia/Shanghai")
OPEN = datetime(2026, 11, 26, 10, 0, 30, tzinfo=SH)  # 3rd-last business day of Nov 2026: prompts
REMIND = datetime(2026, 11, 27, 10, 0, 30, tzinfo=SH)  # the next business day: reminders
B_TOKEN = "Bearer xoxb-t0secondws-installed"


def create_b_report(h) -> None:
    """Team B (installed by OAuth) makes its own report in Slack."""
    assert h.command("setup", user=ADMIN, channel=B_CHANNEL, team=TEAM_B).status == 200
    modal = last_view(h)
    r = h.submit_view(modal, setup_values(admins=(ADMIN,), owners={"results": [OWNER_A]}), ADMIN, team=TEAM_B)
    assert r.body == ""
    assert h.core.resolve_report(TEAM_B, B_CHANNEL, ADMIN).team_id == TEAM_B
    # The save's confirmation goes out after the ack: done before a test looks at calls from here on.
    h.idle()


def removal_event(h, team: str, kind: str):
    event = ({"type": "app_uninstalled"} if kind == "app_uninstalled"
             else {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [BOT_USER]}})
    return h.event(event, event_id=f"Ev-{kind}-{team}", team=team)


def team_rows(h, team: str) -> dict[str, int]:
    tables = ("reports", "periods", "prompts", "answers", "revisions", "ledger", "audit")
    return {t: h.db.execute(f"SELECT COUNT(*) FROM {t} WHERE team_id = ?", [team]).fetchone()[0] for t in tables}


def tokens_used(h) -> set[str]:
    return {c.headers.get("Authorization") for c in h.fake.calls if c.method != "oauth.v2.access"}


def ticked(h, now):
    return tick(h.core, now, serves=h.deps.workspaces.serves)


def test_the_default_token_workspace_works_alongside_an_installed_one(oauth_harness):
    h = oauth_harness
    install(h, TEAM_B)
    create_b_report(h)
    # The default workspace (SLACK_BOT_TOKEN's) is answered, in the ack, like in token mode.
    r = h.command(f"status {PERIOD}")
    assert r.status == 200 and r.json()["response_type"] == "ephemeral", r.body
    assert "信息流投放组" in r.json()["text"] + json.dumps(r.json().get("blocks"), ensure_ascii=False)
    # The schedule serves both workspaces, each with its own token.
    h.fake.reset_calls()
    lines = ticked(h, OPEN)
    assert len(lines) == 2 and all(line.startswith("done:") for line in lines), lines
    posts = h.fake.calls_to("chat.postMessage")
    assert {c.headers["Authorization"] for c in posts} == {"Bearer xoxb-test", B_TOKEN}
    assert all(c.params["text"] for c in posts)


def test_socket_mode_with_oauth_answers_the_default_workspace(oauth_harness):
    from handlers.socket_mode import SocketModeHandler
    from tests.fake_socket_mode import FakeSocketMode
    from tests.test_socket_mode import command

    h = oauth_harness
    server = FakeSocketMode()
    h.fake.socket_url = server.url
    handler = SocketModeHandler(h.app, "xapp-1-test", ping_interval=0.4, ping_timeout=0.3)
    try:
        handler.connect()
        server.wait_connections(1)
        ack = server.wait_ack(server.send("slash_commands", command(f"status {PERIOD}")))
        assert "信息流投放组" in json.dumps(ack, ensure_ascii=False)
    finally:
        handler.close()
        server.close()


@pytest.mark.parametrize("kind", ["app_uninstalled", "tokens_revoked"])
def test_removing_the_app_deletes_the_installation_and_stops_all_traffic_but_keeps_the_data(
        oauth_harness, kind, caplog):
    h = oauth_harness
    install(h, TEAM_B)
    create_b_report(h)
    ticked(h, OPEN)
    report_b = h.core.resolve_report(TEAM_B, B_CHANNEL, ADMIN)
    h.core.submit(report_b, PERIOD, "results", OWNER_A, "team B text", OPEN, via="test")
    kept = team_rows(h, TEAM_B)
    h.fake.revoke(TEAM_B)  # what Slack does before it sends the event
    assert removal_event(h, TEAM_B, kind).status == 200
    assert h.app.installation_store.find_installation(enterprise_id=None, team_id=TEAM_B) is None
    assert h.app.installation_store.find_bot(enterprise_id=None, team_id=TEAM_B) is None
    ws = h.deps.workspaces
    assert not ws.serves(TEAM_B) and ws.serves(h.fake.team_id)
    # The scheduler goes on for the default workspace and sends nothing to team B, quietly.
    h.fake.reset_calls()
    caplog.clear()
    lines = ticked(h, REMIND)
    assert lines and all(line.startswith("done:") and h.fake.team_id in line for line in lines), lines
    assert B_TOKEN not in tokens_used(h) and tokens_used(h) == {"Bearer xoxb-test"}
    assert not [rec for rec in caplog.records if rec.levelno >= logging.WARNING], caplog.text
    assert ticked(h, datetime(2026, 12, 2, 12, 0, 30, tzinfo=SH))  # the default workspace's post
    assert B_TOKEN not in tokens_used(h)
    assert team_rows(h, TEAM_B) == kept
    assert h.store.answers.of(TEAM_B, report_b.id, PERIOD)["results"].text == "team B text"
    # A new install serves the workspace again, with its data.
    install(h, TEAM_B, code="code-2")
    assert h.deps.workspaces.serves(TEAM_B)


@pytest.mark.parametrize("mode", ["token", "oauth"])
def test_the_default_workspace_removing_the_app_stops_its_schedule_even_after_a_restart(
        request, mode, caplog):
    h = request.getfixturevalue("harness" if mode == "token" else "oauth_harness")
    assert ticked(h, OPEN)
    h.fake.revoke(h.fake.team_id)  # SLACK_BOT_TOKEN is dead now
    assert removal_event(h, h.fake.team_id, "app_uninstalled").status == 200
    h.fake.reset_calls()
    caplog.clear()
    assert ticked(h, REMIND) == []
    assert h.fake.calls == []
    assert not [rec for rec in caplog.records if rec.levelno >= logging.WARNING], caplog.text
    assert team_rows(h, h.fake.team_id)["prompts"] == 8
    if mode == "oauth":
        # Restarted with the same dead token: no Slack call for it, the other workspaces still served.
        deps = build(h.settings, clock=h.clock).deps
        assert deps.workspaces.default_team() == h.fake.team_id
        assert not deps.workspaces.serves(h.fake.team_id)
        assert tick(deps.core, REMIND, serves=deps.workspaces.serves) == [] and h.fake.calls == []


def test_a_missed_uninstall_event_stops_the_schedule_at_the_first_revoked_token(oauth_harness, caplog):
    h = oauth_harness
    install(h, TEAM_B)
    create_b_report(h)
    h.fake.revoke(TEAM_B)  # the app was removed while feedsum was down: no event ever arrives
    lines = ticked(h, OPEN)
    assert any(TEAM_B in line and line.startswith("error") for line in lines), lines
    assert not h.deps.workspaces.serves(TEAM_B)
    assert h.app.installation_store.find_installation(enterprise_id=None, team_id=TEAM_B) is None
    h.fake.reset_calls()
    caplog.clear()
    assert all(h.fake.team_id in line for line in ticked(h, REMIND))
    assert B_TOKEN not in tokens_used(h)
    assert not [rec for rec in caplog.records if rec.levelno >= logging.WARNING], caplog.text
    # Installed again: the month's prompts that never went out are sent then.
    install(h, TEAM_B, code="code-2")
    lines = ticked(h, REMIND)
    assert any(TEAM_B in line and "open" in line and line.startswith("done:") for line in lines), lines
    assert B_TOKEN in tokens_used(h)


def test_tokens_revoked_for_users_only_keeps_the_bot(oauth_harness):
    h = oauth_harness
    install(h, TEAM_B)
    event = {"type": "tokens_revoked", "tokens": {"oauth": ["U0INSTALL"], "bot": []}}
    assert h.event(event, event_id="Ev-users", team=TEAM_B).status == 200
    assert h.deps.workspaces.serves(TEAM_B)


def test_the_authorize_url_follows_the_api_base():
    assert authorize_url("https://slack.com/api/") == "https://slack.com/oauth/v2/authorize"
    assert authorize_url("https://slack-gov.com/api/") == "https://slack-gov.com/oauth/v2/authorize"
    assert authorize_url("https://slack-gov.com/api") == "https://slack-gov.com/oauth/v2/authorize"
    assert authorize_url("http://127.0.0.1:8080/api/") == "http://127.0.0.1:8080/oauth/v2/authorize"


def test_the_install_page_on_govslack_sends_people_to_slack_gov(tmp_path, clock):
    h = Harness(tmp_path, clock, env={"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "shh",
                                      "SLACK_BOT_TOKEN": "", "SLACK_API_BASE_URL": "https://slack-gov.com/api/"})
    try:
        status, body, headers = _get(h.url + "/slack/install")
        link = headers.get("Location") or re.search(r'href="([^"]*oauth/v2/authorize[^"]*)"', body).group(1)
        assert link.startswith("https://slack-gov.com/oauth/v2/authorize?"), link
    finally:
        h.close()


def test_an_expired_rotating_token_is_refreshed_once_then_used(oauth_harness):
    refreshed_once_then_used(oauth_harness)


def test_work_from_before_a_token_expired_is_not_counted_after_it(oauth_harness, monkeypatch):
    """The schedule that made the test above fail now and then, made certain: work after an ack
    (the setup save's confirmation, sent with its request's then-valid token) gets a thread only
    when the test next waits for the app or clears the fake's call log. Its call must land before
    the token expires, not after the log was cleared (where it looked like a stale token)."""
    h = oauth_harness
    go = threading.Event()
    submit, idle, reset = h.deps.workers.submit, h.idle, h.fake.reset_calls

    def gated(fn, /, *args, **kwargs):
        return submit(lambda: (go.wait(10), fn(*args, **kwargs))[1])

    def idle_now(**kw):
        go.set()
        idle(**kw)

    def reset_then_late_work():
        reset()
        go.set()
        idle()

    monkeypatch.setattr(h.deps.workers, "submit", gated)
    monkeypatch.setattr(h, "idle", idle_now)
    monkeypatch.setattr(h.fake, "reset_calls", reset_then_late_work)
    refreshed_once_then_used(h)
    assert go.is_set()


def refreshed_once_then_used(h) -> None:
    h.fake.rotation = True
    install(h, TEAM_B)
    create_b_report(h)
    store = h.app.installation_store
    installed = store.find_installation(enterprise_id=None, team_id=TEAM_B)
    old = installed.bot_token
    assert old.startswith("xoxe.xoxb-") and installed.bot_refresh_token and installed.bot_token_expires_at
    # Installed yesterday; its 12-hour token ran out while nobody used it.
    with sqlite3.connect(store.database) as conn:
        for table in ("slack_installations", "slack_bots"):
            conn.execute(f"UPDATE {table} SET bot_token_expires_at = ?, installed_at = datetime('now', '-1 day') "
                         "WHERE team_id = ?", (int(time.time()) - 60, TEAM_B))
    h.fake.expired.add(old)
    h.fake.reset_calls()
    # The scheduler's first send refreshes it; every later call, from anywhere, uses the new one.
    assert all(line.startswith("done:") for line in ticked(h, OPEN))
    refreshed = store.find_installation(enterprise_id=None, team_id=TEAM_B)
    new = refreshed.bot_token
    assert new != old and refreshed.bot_token_expires_at > time.time() + 3600
    assert h.command(f"status {PERIOD}", channel=B_CHANNEL, team=TEAM_B).status == 200
    assert h.command("setup", user=ADMIN, channel=B_CHANNEL, team=TEAM_B).status == 200
    h.wait_for(lambda: h.fake.calls_to("views.open"))  # the form opens right after the ack
    grants = [c for c in h.fake.calls_to("oauth.v2.access") if c.params.get("grant_type") == "refresh_token"]
    assert len(grants) == 1
    assert f"Bearer {old}" not in tokens_used(h)
    assert {c.headers["Authorization"] for c in h.fake.calls_to("views.open")} == {f"Bearer {new}"}
    assert not [c for c in h.fake.calls if c.method == "chat.postMessage" and not c.params.get("channel")]


# --- the command line: the scheduler's wiring, listing and forgetting workspaces -------------

@pytest.fixture
def cli(oauth_harness, monkeypatch, tmp_path):
    """`feedsum …` run in-process against the harness's database, OAuth store and fake Slack."""
    from feedsum.cli import main
    from tests.test_runner import CONFIG_TOML

    h = oauth_harness
    work = tmp_path / "cwd"
    work.mkdir()
    (work / "feedsum.toml").write_text(CONFIG_TOML, encoding="utf-8")
    monkeypatch.chdir(work)
    env = {"FEEDSUM_DB": h.settings.db_path, "FEEDSUM_CONFIG": str(work / "feedsum.toml"),
           "SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "shh", "SLACK_BOT_TOKEN": "xoxb-test",
           "SLACK_API_BASE_URL": h.fake.api_url}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return main


def test_feedsum_tick_skips_a_workspace_that_removed_the_app(oauth_harness, cli, capsys):
    h = oauth_harness
    install(h, TEAM_B)
    create_b_report(h)
    h.fake.revoke(TEAM_B)
    assert removal_event(h, TEAM_B, "app_uninstalled").status == 200
    h.fake.reset_calls()
    assert cli(["tick", "--now", OPEN.isoformat()]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == [f"done: {h.fake.team_id}/feed-ads 2026-11 open      (scheduled 2026-11-26 10:00 CST)"]
    assert tokens_used(h) == {"Bearer xoxb-test"} and h.fake.calls_to("chat.postMessage")


def test_an_admin_forgets_a_workspace_that_removed_the_app(oauth_harness, cli, capsys, monkeypatch):
    h = oauth_harness
    install(h, TEAM_B)
    create_b_report(h)
    ticked(h, OPEN)
    a_rows = team_rows(h, h.fake.team_id)
    # Not while the app is still there, by installation or by SLACK_BOT_TOKEN.
    assert cli(["forget-workspace", TEAM_B, "--yes"]) == 2
    assert "still has the app (installation)" in capsys.readouterr().err
    assert cli(["forget-workspace", h.fake.team_id, "--yes"]) == 2
    assert "still has the app (SLACK_BOT_TOKEN)" in capsys.readouterr().err
    h.fake.revoke(TEAM_B)
    assert removal_event(h, TEAM_B, "app_uninstalled").status == 200
    assert cli(["workspaces"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].startswith(f"{h.fake.team_id}  served (SLACK_BOT_TOKEN)  ")
    assert listed[1].startswith(f"{TEAM_B}  removed the app 2026-11-26 10:00 (app_uninstalled)  ")
    assert "prompts 7, reports 1" in listed[1]
    kept = team_rows(h, TEAM_B)
    # Asked to confirm: a wrong answer (or none) deletes nothing.
    for answer in ("yes\n", ""):
        monkeypatch.setattr("sys.stdin", io.StringIO(answer))
        assert cli(["forget-workspace", TEAM_B]) == 2
        assert "nothing deleted" in capsys.readouterr().err
        assert team_rows(h, TEAM_B) == kept
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{TEAM_B}\n"))
    assert cli(["forget-workspace", TEAM_B]) == 0
    assert f"deleted workspace {TEAM_B}: " in capsys.readouterr().out
    assert set(team_rows(h, TEAM_B).values()) == {0}
    assert team_rows(h, h.fake.team_id) == a_rows
    assert cli(["forget-workspace", TEAM_B, "--yes"]) == 2
    assert f"no data for workspace {TEAM_B}" in capsys.readouterr().err
    assert cli(["workspaces"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == [h.fake.team_id]


def test_forgetting_a_workspace_deletes_its_rows_in_every_table_and_nothing_else(tmp_path):
    from storage import Store
    from storage.keys import LedgerKey

    store = Store.open(tmp_path / "f.db")
    now = datetime(2026, 11, 26, 10, 0, tzinfo=SH)
    row = ("2026-11-01", "meta", None, "c1", None, None, 1000, 10, 50.0, 1, 80.0, None)
    for team in ("T0KEEP", "T0GONE"):
        store.reports.upsert(team, {"id": "r", "name": "R", "channel": "C1", "source": "setup"}, actor="U1", now=now)
        store.periods.open(team, "r", PERIOD, by="U1", due_at=now, now=now)
        store.prompts.record(team, "r", PERIOD, "results", "U1", channel="D1", ts="1.1", now=now)
        store.answers.save(team, "r", PERIOD, "results", text="t", author="U1", via="test", now=now)
        store.ledger.claim(LedgerKey(team, "r", PERIOD, "prompt", "U1"), now=now, wall=now.timestamp())
        store.people.set_away(team, "U1", "2026-12-01", now=now)
        store.people.delegate(team, "r", PERIOD, "results", "U1", "U2", now=now)
        sid = store.snapshots.begin(team, "r", PERIOD, source="s", file_hash="h", rows=1, dropped=0, now=now)
        store.snapshots.add_rows(sid, [row])
        store.snapshots.publish([sid], "h")
        store.sources.note_errors(team, "r", {"s": "boom"}, now=now)
        store.targets.set(team, "r", PERIOD, {"ctr": 0.01}, by="U1", now=now)
    store.workspaces.record_removal("T0GONE", "app_uninstalled", token_sha256=None, now=now)
    before = store.workspaces.team_data()
    tables = set(before["T0GONE"])
    assert {"reports", "periods", "prompts", "answers", "revisions", "ledger", "audit", "away", "delegations",
            "snapshots", "source_errors", "targets"} <= tables
    deleted = store.workspaces.forget_team("T0GONE")
    assert deleted == {**before["T0GONE"], "metric_rows": 1}
    assert store.workspaces.team_data() == {"T0KEEP": before["T0KEEP"]}
    kept_snapshot = store.snapshots.of("T0KEEP", "r", PERIOD)[0].id
    assert store.snapshots.rows(kept_snapshot) == [row]
