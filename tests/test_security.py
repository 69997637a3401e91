"""Security (#11): verification before anything reads a body, one use per signed request, outbound
calls only to Slack, user text inert on every surface, exports that never carry a live formula.

Signed and unsigned requests through the real WSGI endpoint against the fake Web API.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from slack_sdk.signature import SignatureVerifier

from feedsum.fake_slack import FakeSlack
from tests.slack_harness import ADMIN, CHANNEL, OWNER_A, OWNER_B, SECRET, Harness, modal_values

PERIOD = "2026-11"
FORM = "application/x-www-form-urlencoded"


def command_body(h, text: str, *, user: str = ADMIN, response_url: str | None = None) -> bytes:
    return urllib.parse.urlencode({
        "token": "x", "team_id": h.fake.team_id, "team_domain": "demo", "channel_id": CHANNEL,
        "channel_name": "ads", "user_id": user, "user_name": user.lower(), "command": "/feedsum", "text": text,
        "api_app_id": "A0FEEDSUM", "response_url": response_url or f"{h.fake.url}/response/{user}",
        "trigger_id": h.trigger_id()}).encode()


def signed(body: bytes, ts: str, secret: str = SECRET) -> str:
    return SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)


def raw_post(h, body: bytes, headers: dict) -> int:
    req = urllib.request.Request(h.url + "/slack/events", data=body, method="POST",
                                 headers={"Content-Type": FORM, **headers})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def open_period(h):
    assert h.command(f"open {PERIOD}").status == 200
    h.wait_for(lambda: [x for x in h.fake.responses if "2026年11月" in (x.get("text") or "")])
    h.idle()


def nothing_happened(h) -> None:
    """No listener ran, no error handler acted, no call left the bot."""
    h.idle()
    assert h.fake.calls == [] and h.fake.responses == []
    assert h.core.summary(h.report, PERIOD, h.clock(), with_metrics=False).state == "none"


# --- verification first ----------------------------------------------------------------------

BAD_STAMPS = ["²", "³²¹", "1²", "¹⁷", "9" * 400, "-1", "+1", "-0", " 1", "1 ", "1e9", "0x10", "1.5", "", "١",
              "0" * 13]


@pytest.mark.parametrize("stamp", BAD_STAMPS)
@pytest.mark.parametrize("how", ["unsigned", "signed"])
def test_a_malformed_timestamp_is_401_and_nothing_else(harness, stamp, how):
    """`²` passes str.isdigit(): Bolt's verifier crashed and the error handler POSTed to the
    response_url of the unverified body. Signed or not, any malformed stamp is a plain 401."""
    h = harness
    h.fake.reset_calls()
    body = command_body(h, f"open {PERIOD}")
    sig = signed(body, stamp) if how == "signed" else "v0=" + "0" * 64
    try:
        stamp.encode("latin-1")  # http.client sends header values as latin-1, as the probe did
        value = stamp
    except UnicodeEncodeError:
        value = stamp.encode("utf-8").decode("latin-1")  # the raw UTF-8 bytes
    headers = {"X-Slack-Request-Timestamp": value, "X-Slack-Signature": sig}
    assert raw_post(h, body, headers) == 401
    nothing_happened(h)


@pytest.mark.parametrize("headers", [
    {}, {"X-Slack-Signature": "v0=" + "0" * 64}, {"X-Slack-Request-Timestamp": "now"},
    {"X-Slack-Signature": "", "X-Slack-Request-Timestamp": ""},
    {"X-Slack-Signature": "v1=" + "0" * 64}, {"X-Slack-Signature": "v0=" + "Z" * 64},
    {"X-Slack-Signature": "v0=" + "0" * 6400},
], ids=["none", "no-timestamp", "no-signature", "empty", "v1", "not-hex", "long-signature"])
def test_missing_or_malformed_headers_are_401_and_nothing_else(harness, headers):
    h = harness
    h.fake.reset_calls()
    body = command_body(h, f"open {PERIOD}")
    assert raw_post(h, body, headers) == 401
    nothing_happened(h)


def test_wrong_and_stale_signatures_are_401_and_nothing_else(harness):
    h = harness
    h.fake.reset_calls()
    body = command_body(h, f"open {PERIOD}")
    now = str(int(time.time()))
    old = str(int(time.time()) - 301)
    for ts, sig in ((now, signed(body, now, "another-secret")), (now, signed(body + b"x", now)),
                    (old, signed(body, old)), (str(int(now) + 400), signed(body, str(int(now) + 400))),
                    (now, signed(body, now).upper().replace("V0=", "v0="))):
        assert raw_post(h, body, {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}) == 401
    nothing_happened(h)


def test_an_unsigned_interaction_with_a_foreign_response_url_calls_nobody(harness):
    """The original probe: an interaction that would crash a listener, unsigned, timestamp `²`."""
    h = harness
    evil = FakeSlack().start()
    try:
        h.fake.reset_calls()
        payload = {"type": "block_actions", "user": {"id": ADMIN, "team_id": h.fake.team_id},
                   "team": {"id": h.fake.team_id}, "response_url": f"{evil.url}/response/pwned",
                   "actions": [{"action_id": "write", "value": "not json", "type": "button"}]}
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        assert raw_post(h, body, {"X-Slack-Request-Timestamp": "²", "X-Slack-Signature": "v0=" + "0" * 64}) == 401
        nothing_happened(h)
        assert evil.calls == [] and evil.responses == []
    finally:
        evil.stop()


# --- outbound calls only to Slack's hooks host -----------------------------------------------

def test_a_signed_request_with_a_foreign_response_url_is_answered_nowhere_else(harness, caplog):
    """Even a correctly signed body may only make the bot post to the hooks host of its Slack."""
    h = harness
    evil = FakeSlack().start()  # loopback too, but another port: not the configured Slack
    try:
        with caplog.at_level(logging.WARNING):
            # A listener that responds later (open), and one that crashes (error handler).
            assert h.post(command_body(h, f"open {PERIOD}", response_url=f"{evil.url}/response/a"),
                          content_type=FORM).status == 200
            h.wait_for(lambda: len(h.prompts()) == 8)
            payload = {"type": "block_actions", "user": {"id": ADMIN, "team_id": h.fake.team_id},
                       "team": {"id": h.fake.team_id}, "response_url": f"{evil.url}/response/b",
                       "actions": [{"action_id": "write", "value": "not json", "type": "button"}]}
            h.post(urllib.parse.urlencode({"payload": json.dumps(payload)}), content_type=FORM)
            h.idle()
        assert evil.calls == [] and evil.responses == []
        refused = [r for r in caplog.records if "response_url" in r.getMessage()]
        assert len(refused) >= 2 and all(evil.url.split("//")[1] in r.getMessage() for r in refused)
        # The genuine hooks host (the configured Slack) still gets its answers.
        assert h.command("remind").status == 200
        h.wait_for(lambda: [x for x in h.fake.responses if "已提醒" in (x.get("text") or "")])
    finally:
        evil.stop()


@pytest.mark.parametrize(("base", "url", "ok"), [
    ("https://slack.com/api/", "https://hooks.slack.com/commands/T1/2/abc", True),
    ("https://slack.com/api/", "https://hooks.slack.com:443/actions/T1/2/abc", True),
    ("https://slack.com/api/", "http://hooks.slack.com/commands/T1/2/abc", False),
    ("https://slack.com/api/", "https://hooks.slack.com:8443/commands/T1", False),
    ("https://slack.com/api/", "https://hooks.slack.com.evil.example/commands", False),
    ("https://slack.com/api/", "https://evil.example/hooks.slack.com/commands", False),
    ("https://slack.com/api/", "https://hooks.slack.com@evil.example/commands", False),
    ("https://slack.com/api/", "https://x.hooks.slack.com/commands", False),
    ("https://slack.com/api/", "https://hooks.slack-gov.com/commands/T1", False),
    ("https://slack.com/api/", "https://slack.com/api/chat.postMessage", False),
    ("https://slack.com/api/", "file:///etc/passwd", False),
    ("https://slack.com/api/", "", False),
    ("https://slack.com/api/", None, False),
    ("https://slack-gov.com/api/", "https://hooks.slack-gov.com/commands/T1/2/abc", True),
    ("https://slack-gov.com/api/", "https://hooks.slack.com/commands/T1/2/abc", False),
    ("http://127.0.0.1:5555/api/", "http://127.0.0.1:5555/response/x", True),
    ("http://127.0.0.1:5555/api/", "http://127.0.0.1:5556/response/x", False),
    ("http://127.0.0.1:5555/api/", "http://localhost:5555/response/x", False),
    ("http://127.0.0.1:5555/api/", "https://hooks.slack.com/commands/T1", False),
    ("http://localhost:8080/api/", "http://localhost:8080/response/x", True),
])
def test_hooks_host_follows_the_api_base_url(base, url, ok):
    from handlers.hooks import HooksPolicy

    assert HooksPolicy.from_api_base(base).allows(url) is ok


# --- one use per signed request --------------------------------------------------------------

def _post_at(h, body: bytes | str, ts: int, headers: dict | None = None, content_type: str = FORM):
    return h.post(body, content_type=content_type, timestamp=ts, headers=headers)


def _submit_body(h, modal: dict, text: str, user: str) -> str:
    payload = {"type": "view_submission", "user": {"id": user, "username": user.lower(), "team_id": h.fake.team_id},
               "team": {"id": h.fake.team_id}, "api_app_id": "A0FEEDSUM", "trigger_id": h.trigger_id(),
               "view": {**modal, "id": "V1", "state": {"values": modal_values(modal, text)}, "hash": "h"}}
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def test_a_replayed_modal_submission_does_not_revert_newer_text(harness):
    h = harness
    open_period(h)
    modal = h.modal_for("results", OWNER_A, PERIOD)
    first = _submit_body(h, modal, "第一版", OWNER_A)
    ts = int(time.time())
    assert _post_at(h, first, ts).status == 200
    modal = h.modal_for("results", OWNER_A, PERIOD)
    assert h.submit_view(modal, modal_values(modal, "第二版，更新后的内容"), OWNER_A).body == ""
    h.idle()
    revisions = h.store.answers.revisions(h.fake.team_id, "feed-ads", PERIOD, "results")
    # The captured first submission, byte for byte, within the 5-minute window.
    replay = _post_at(h, first, ts)
    assert replay.status == 401
    h.idle()
    section = h.core.summary(h.report, PERIOD, h.clock(), with_metrics=False).sections[0]
    assert section.text == "第二版，更新后的内容" and section.revision == 2
    assert h.store.answers.revisions(h.fake.team_id, "feed-ads", PERIOD, "results") == revisions


def test_a_replayed_remind_sends_no_second_round(harness):
    h = harness
    open_period(h)
    body = command_body(h, "remind")
    ts = int(time.time())
    assert _post_at(h, body, ts).status == 200
    h.wait_for(lambda: [x for x in h.fake.responses if "已提醒" in (x.get("text") or "")])
    h.idle()
    dms = len([m for m in h.fake.posted() if m["channel"].startswith("D")])
    h.clock.now += timedelta(minutes=2)  # a later minute: a genuine second remind would send again
    assert _post_at(h, body, ts).status == 401
    h.idle()
    assert len([m for m in h.fake.posted() if m["channel"].startswith("D")]) == dms
    assert len([x for x in h.fake.responses if "已提醒" in (x.get("text") or "")]) == 1


def test_a_replay_is_refused_by_another_process_sharing_the_database(tmp_path, clock):
    """Two web processes behind one load balancer share the database, so they share the seen-set."""
    one = Harness(tmp_path, clock)
    two = Harness(tmp_path, clock, fake=one.fake)
    try:
        open_period(one)
        body = command_body(one, "remind")
        ts = int(time.time())
        assert _post_at(one, body, ts).status == 200
        one.idle()
        clock.now += timedelta(minutes=2)
        sent = len(one.fake.calls_to("chat.postMessage"))
        assert _post_at(two, body, ts).status == 401
        two.idle()
        assert len(one.fake.calls_to("chat.postMessage")) == sent
    finally:
        two.close()
        one.close()


def _thread_event(h, prompt: dict, text: str, ts: str, event_id: str) -> str:
    return json.dumps({
        "token": "x", "team_id": h.fake.team_id, "api_app_id": "A0FEEDSUM", "type": "event_callback",
        "event_id": event_id, "event_time": int(time.time()),
        "authorizations": [{"team_id": h.fake.team_id, "user_id": "U0BOTUSER", "is_bot": True}],
        "event": {"type": "message", "channel_type": "im", "channel": prompt["channel"], "user": OWNER_A,
                  "text": text, "ts": ts, "thread_ts": prompt["ts"]}})


def test_an_events_api_retry_with_retry_num_stays_idempotent(harness):
    h = harness
    open_period(h)
    prompt = next(m for m in h.prompts() if m["metadata"]["event_payload"]["key"].endswith("|results:U0OWNERA1"))
    body = _thread_event(h, prompt, "线程回复", "1800000000.000100", "EvRetry1")
    ts = int(time.time())
    assert _post_at(h, body, ts, content_type="application/json").status == 200
    h.idle()
    # Slack's retry of the same delivery: accepted (200), stored once.
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert _post_at(h, body, ts, headers=retry, content_type="application/json").status == 200
    h.idle()
    section = h.core.summary(h.report, PERIOD, h.clock(), with_metrics=False).sections[0]
    assert section.text == "线程回复" and section.revision == 1
    assert len(h.fake.calls_to("reactions.add")) == 1
    # The retry header does not excuse a replayed command or interaction.
    body = command_body(h, "remind")
    assert _post_at(h, body, ts).status == 200
    assert _post_at(h, body, ts, headers=retry).status == 401


def test_seen_requests_are_pruned_after_the_window(tmp_path):
    from storage import Store

    store = Store.open(tmp_path / "x.db")
    now = 1_800_000_000
    assert store.replay.first_use(f"{now}:v0=aa", now, now=now)
    assert not store.replay.first_use(f"{now}:v0=aa", now, now=now + 299)
    assert store.replay.first_use(f"{now}:v0=bb", now, now=now)
    later = now + 302
    assert store.replay.first_use(f"{later}:v0=cc", later, now=later)
    rows = store.db.conn.execute("SELECT key FROM seen_requests").fetchall()
    assert rows == [(f"{later}:v0=cc",)]  # the two from before the window are gone


# --- user-controlled strings are inert on every surface --------------------------------------

EVIL_NAME = "增长组 <!channel> <!subteam^S1|x> <http://evil|slack.com> & <@U0VICTIM1>"
EVIL_TITLE = "成果 <!here> <https://evil.example|点我> <#C0VICTIM1>"
EVIL_PERSON = "<!everyone> 小王 <https://evil.example|hr>"
EVIL_FILE = "<!channel> <http://evil|报表>.csv"
LIVE = ("<!channel>", "<!here>", "<!everyone>", "<!subteam", "<http://evil", "<https://evil", "<@U0VICTIM1>",
        "<#C0VICTIM1>")


def _view(v):
    return json.loads(v) if isinstance(v, str) else v


def mrkdwn_texts(x, out: list[str]) -> list[str]:
    """Every string Slack renders as mrkdwn: message `text`, `initial_comment`, mrkdwn objects."""
    if isinstance(x, dict):
        if x.get("type") == "plain_text":
            return out
        for key, value in x.items():
            if key in ("text", "initial_comment") and isinstance(value, str) and x.get("type") != "plain_text":
                out.append(value)
            elif key == "view" or (key in ("blocks", "attachments") and isinstance(value, str)):
                mrkdwn_texts(_view(value), out)
            elif key in ("errors", "private_metadata"):
                continue  # inline modal errors are plain text; metadata is never shown
            else:
                mrkdwn_texts(value, out)
    elif isinstance(x, list):
        for v in x:
            mrkdwn_texts(v, out)
    return out


def everything_sent(h, acks: list) -> list[str]:
    out: list[str] = []
    for call in h.fake.calls:
        mrkdwn_texts(call.params, out)
    for r in h.fake.responses:
        mrkdwn_texts(r, out)
    for a in acks:
        mrkdwn_texts(a, out)
    return out


def assert_inert(texts: list[str], must_show: tuple[str, ...]) -> None:
    joined = "\n".join(texts)
    for live in LIVE:
        assert live not in joined, (live, [t for t in texts if live in t][:3])
    assert "&amp;lt;" not in joined and "&amp;amp;" not in joined  # nothing escaped twice
    for shown in must_show:  # the strings did reach these surfaces, escaped
        assert shown in joined, shown


def hostile_config():
    config = json.loads(json.dumps(__import__("tests.slack_harness", fromlist=["CONFIG"]).CONFIG))
    report = config["reports"][0]
    report["name"] = EVIL_NAME
    report["sections"][0]["title"] = EVIL_TITLE
    return config


def drive_every_surface(h) -> list:
    """A month through every surface that shows a name, a title, a person or a file name.
    Returns the acks of the commands."""
    from tests.test_metrics_slack import NOV, share

    acks = []

    def cmd(text, user=ADMIN):
        r = h.command(text, user=user)
        assert r.status == 200, (text, r.body)
        acks.append(r.json())
        h.idle()

    cmd(f"open {PERIOD}")
    modal = h.modal_for("results", OWNER_A, PERIOD)
    assert h.submit_view(modal, modal_values(modal, "上线 12 条计划"), OWNER_A).body == ""
    h.idle()
    cmd(f"write results {PERIOD}", user=OWNER_A)  # the form by command: title in its mrkdwn
    h.clock.now += timedelta(minutes=1)
    cmd("remind")
    for text in (f"status {PERIOD}", "owners", "history", f"targets {PERIOD}", "help", "wirte"):
        cmd(text)
    cmd(f"delegate results <@{OWNER_B}>", user=OWNER_A)
    cmd(f"write results {PERIOD}", user=OWNER_A)  # refused now: names the title and its writer
    cmd(f"compile {PERIOD} --preview")
    cmd(f"compile {PERIOD}")
    h.wait_for(lambda: h.core.summary(h.report, PERIOD, h.clock(), with_metrics=False).state == "posted")
    modal = h.modal_for("data", OWNER_B, PERIOD)  # a late answer: an update note in the thread
    assert h.submit_view(modal, modal_values(modal, "点击率 2.1%"), OWNER_B).body == ""
    h.idle()
    h.event({"type": "app_home_opened", "user": OWNER_A, "channel": "D0OWNERA1", "tab": "home"},
            event_id="EvHomeAll")
    h.idle()
    cmd(f"export {PERIOD}")
    name = h.file_name
    share(h, name, NOV, file_id="F1")  # an import: the file name is echoed back
    share(h, name, b"%PDF-1.4 not an export", file_id="F2")  # a refusal names it too
    share(h, name, NOV, user=ADMIN, channel="D0ADMIN01", file_id="F3")
    h.idle()
    return acks


def test_hostile_report_name_titles_people_and_files_are_inert_everywhere(tmp_path, clock):
    fake = FakeSlack(users={OWNER_A: {"id": OWNER_A, "name": "wang", "real_name": EVIL_PERSON,
                                      "profile": {"display_name": EVIL_PERSON}}}).start()
    h = Harness(tmp_path, clock, config=hostile_config(), fake=fake)
    h.report = h.core.report(h.fake.team_id, "feed-ads")
    h.file_name = EVIL_FILE
    try:
        acks = drive_every_surface(h)
        texts = everything_sent(h, acks)
        assert_inert(texts, must_show=("增长组 &lt;!channel&gt;", "成果 &lt;!here&gt;", "&lt;!everyone&gt; 小王",
                                        "&lt;!channel&gt; &lt;http://evil|报表&gt;.csv"))
        # Every DM and channel message's notification text (the `text` field) is escaped as well.
        for call in h.fake.calls_to("chat.postMessage") + h.fake.calls_to("chat.update"):
            for live in LIVE:
                assert live not in (call.params.get("text") or "")
        # plain_text (headers, modal titles) shows what was typed, not entities.
        headers = [b["text"]["text"] for m in h.fake.posted(CHANNEL) for b in (m["blocks"] or [])
                   if b["type"] == "header"]
        assert headers and EVIL_NAME in headers[0]
    finally:
        h.close()


def test_ordinary_text_shows_no_entities_anywhere(harness):
    """The other side of escaping: our own markup (quotes, links, mentions, code) stays markup,
    and nothing is escaped twice. With no & < > typed, no entity may appear."""
    h = harness
    h.file_name = "巨量引擎 11月.csv"
    acks = drive_every_surface(h)
    texts = everything_sent(h, acks)
    joined = "\n".join(texts)
    for placeholder in ("部分", "指标", "数值"):  # help's `<部分>` is meant to show as typed
        joined = joined.replace(f"&lt;{placeholder}&gt;", "")
    assert "&lt;" not in joined and "&gt;" not in joined and "&amp;" not in joined
    assert "<@U0OWNERA1>" in joined and f"<{h.fake.url}/archives/" in joined and "\n>" in joined


def test_a_report_name_typed_in_setup_is_inert_in_channel_and_dms(harness):
    from tests.test_admin import NEW_CHANNEL, create_report

    h = harness
    report = create_report(h, user=ADMIN, name=EVIL_NAME, admins=(ADMIN,))
    h.idle()
    acks = []
    for text in (f"open {PERIOD}", "remind", f"status {PERIOD}", "owners", "history", f"compile {PERIOD}"):
        if text == "remind":
            h.clock.now += timedelta(minutes=1)
        r = h.command(text, channel=NEW_CHANNEL)
        acks.append(r.json())
        h.idle()
    assert h.core.summary(report, PERIOD, h.clock(), with_metrics=False).state == "posted"
    texts = everything_sent(h, acks)
    assert_inert(texts, must_show=("增长组 &lt;!channel&gt; &lt;!subteam^S1|x&gt; &lt;http://evil|slack.com&gt; &amp;",))
    prompts = [c.params["text"] for c in h.fake.calls_to("chat.postMessage") if c.params["channel"].startswith("D")]
    assert prompts and all("&lt;!channel&gt;" in t for t in prompts)


# --- exports ----------------------------------------------------------------------------------

LINK = '=HYPERLINK("http://evil.example","点我")'


def _export(h, fmt: str, user: str = ADMIN) -> bytes:
    before = len(h.fake.calls_to("files.completeUploadExternal"))
    assert h.command(f"export {PERIOD} {fmt}", user=user).status == 200
    h.wait_for(lambda: len(h.fake.calls_to("files.completeUploadExternal")) > before)
    call = h.fake.calls_to("files.completeUploadExternal")[-1]
    files = _view(call.params["files"])
    return h.fake.uploads[files[0]["id"]]


def test_xlsx_cells_that_look_like_formulas_are_typed_text_continuations_included(tmp_path, clock):
    import io
    import zipfile

    import openpyxl

    config = hostile_config()
    config["reports"][0]["sections"][0]["title"] = "=1+1"
    h = Harness(tmp_path, clock, config=config)
    h.report = h.core.report(h.fake.team_id, "feed-ads")
    try:
        open_period(h)
        # 32,767 characters fill the first cell; the rest continues in the next one.
        text = LINK + "a" * (32_767 - len(LINK)) + LINK + " 其余内容"
        modal = h.modal_for("results", OWNER_A, PERIOD)
        assert h.submit_view(modal, modal_values(modal, text), OWNER_A).body == ""
        modal = h.modal_for("data", OWNER_B, PERIOD)
        assert h.submit_view(modal, modal_values(modal, "-5% 的转化成本\n@SUM(A1)"), OWNER_B).body == ""
        h.idle()
        data = _export(h, "xlsx")
        sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in sheet and "<f " not in sheet  # no formula element anywhere
        rows = list(openpyxl.load_workbook(io.BytesIO(data))["Sections"].iter_rows())
        results, data_row = rows[1], rows[2]
        assert results[1].value == "=1+1" and results[1].data_type == "s"
        assert results[4].value == text[:32_767] and results[5].value == text[32_767:]
        assert results[5].value.startswith(LINK)
        assert all(c.data_type == "s" for c in (results[4], results[5], data_row[4]))
        assert data_row[4].value == "-5% 的转化成本\n@SUM(A1)"
        assert "".join(c.value for c in results[4:] if c.value) == text  # nothing added, nothing lost
        # CSV keeps its apostrophe guard: a CSV cell has no type to carry.
        import csv

        rows = list(csv.reader(io.StringIO(_export(h, "csv").decode("utf-8-sig"))))
        assert rows[1][1] == "'=1+1" and rows[1][4] == "'" + text and rows[2][4].startswith("'-5%")
    finally:
        h.close()


def test_markdown_export_escapes_names_titles_and_people(tmp_path, clock):
    fake = FakeSlack(users={OWNER_A: {"id": OWNER_A, "name": "wang", "real_name": EVIL_PERSON,
                                      "profile": {"display_name": EVIL_PERSON + " [官方](http://evil.example)"}}}).start()
    config = hostile_config()
    config["reports"][0]["name"] = EVIL_NAME + ' <a href="http://evil.example">slack.com</a>'
    h = Harness(tmp_path, clock, config=config, fake=fake)
    h.report = h.core.report(h.fake.team_id, "feed-ads")
    try:
        open_period(h)
        written = "第一行 <b>粗</b> [看这里](http://evil.example) & *重点*\n## 伪造的标题\n- 列表项"
        modal = h.modal_for("results", OWNER_A, PERIOD)
        assert h.submit_view(modal, modal_values(modal, written), OWNER_A).body == ""
        h.idle()
        md = _export(h, "md").decode("utf-8")
        assert "<" not in md  # no raw HTML, no autolink, no Slack syntax from anyone's text
        assert "](" not in md.replace("\\](", "")  # no Markdown link or image from anyone's text
        assert "&lt;!channel&gt;" in md and "&lt;a href=" in md and "\\[官方\\]" in md
        assert "\n## 伪造的标题" not in md and "\\## 伪造的标题" in md  # a body cannot fake a section
        assert "- 列表项" in md and "*重点*" in md  # what people wrote keeps its formatting
    finally:
        h.close()


def test_socket_mode_requests_carry_no_signature_and_still_work(tmp_path, clock):
    """Socket Mode payloads arrive over the app's own websocket: no signature, no seen-set."""
    from slack_bolt.request import BoltRequest

    from bot.model.config import Settings, parse_reports
    from feedsum.root import build
    from handlers.ratelimit import Limits
    from tests.slack_harness import CONFIG

    with FakeSlack() as fake:
        settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-test",
                                      "SLACK_API_BASE_URL": fake.api_url, "FEEDSUM_DB": str(tmp_path / "s.db")})
        root = build(settings, clock=clock, limits=Limits(speed=0))  # not a test of pacing
        app, deps = root.app, root.deps
        assert deps.guard is None
        root.load_reports(parse_reports(CONFIG, file="t.toml"), team_id=fake.team_id)
        payload = {"team_id": fake.team_id, "channel_id": CHANNEL, "user_id": ADMIN, "command": "/feedsum",
                   "text": f"open {PERIOD}", "response_url": f"{fake.url}/response/{ADMIN}", "trigger_id": "t1"}
        for _ in range(2):  # the same payload twice is not a replay here: Slack delivered it
            assert app.dispatch(BoltRequest(body=payload, mode="socket_mode")).status == 200
        deps.workers.shutdown(wait=True)
        assert len([r for r in fake.responses if "2026年11月" in (r.get("text") or "")]) == 2
