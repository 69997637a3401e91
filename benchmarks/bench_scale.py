"""10,000 workspaces on one host, simulated: the scheduler pass, the fan-out, status, size, memory.

    python benchmarks/bench_scale.py --workspaces 200        # a quick look (about a minute)
    python benchmarks/bench_scale.py --workspaces 10000      # the figures in docs/scale.md

Multi-workspace (OAuth) mode, as a host serving many companies runs it: SLACK_CLIENT_ID/SECRET set,
no SLACK_BOT_TOKEN, every workspace an installation in the installation store (`feedsum-oauth.db`).
The installations are saved through slack_sdk's `SQLite3InstallationStore.save` — what
/slack/oauth_redirect does at the end of an install — rather than by 10,000 OAuth flows. Each
workspace has one Slack-managed report (the `feed-ads` template, 7 sections, 8 owners: one prompt
each) in Asia/Shanghai on China's business-day calendar, so all of them are due at the same
instants: the worst case for one host.

The Slack Web API is the fake (`feedsum/fake_slack.py`, a real HTTP server) in a process of its own, so
the measured processes hold feedsum alone and the fake gets its own core, as Slack is elsewhere.
It enforces Slack's published rate limits at real speed (per workspace and method, and per channel
for chat.postMessage: `tests/rate_limits.py`), answering 429 past them; `--plain-fake` turns that off.

1. **History.** One template workspace lives 12 months through the real code: `tick` at every
   scheduled instant (open, reminders, last call, due) against the fake, answers saved through
   `Feedsum.submit` between them (about half edited once, the `team` section missing one month in
   three), and every month two uploads of the month's ad data through `Metrics.import_frame` — the
   month so far before the open and the whole month before the post, 2 platforms × 5 campaigns a
   day. Its rows (every table with a `team_id`, and the metric rows of its snapshots) are then
   copied to each workspace with its own ids, and the template is deleted. The copies are the
   rows the bot writes; generating them through the code for every workspace would take hours.
2. **The live month** (month 13) runs for real: an upload of the month so far for every report,
   then one scheduler pass in a fresh process (`feedsum tick`'s code: `feedsum.cli.build` + `tick`)
   at the open instant, answers for about half of the sections, a pass at the first reminder, and
   a pass at the due instant. Each pass is timed as planning (`planned`, cold and warm) and as a
   whole, with the time spent in Slack calls apart; peak RSS is the pass process's VmHWM.
3. **`/feedsum status`** p50/p99 through the real endpoint (waitress + Bolt, signed requests, OAuth
   authorize; a web process of its own, as `feedsum run` serves it, whose memory is read too) against the floor of an unregistered command (`/other`: signature check,
   authorization and listener matching, none of feedsum's code), interleaved, spread over
   workspaces; once idle and once while the open pass's fan-out is writing.
4. **Size**: the database files after the history and after the live month, per table.

`--work DIR` keeps the databases (a rerun with the same DIR and --workspaces skips the build).
`--send-seconds S` stops each real pass (open, reminder, due) after S seconds and reports how far
it got: at 10,000 workspaces one process needs far longer than a few minutes to send everything
(docs/scale.md). Reports an open pass did not reach are then opened as the pass would have
opened them, by copying a finished report's rows for the live month (the `periods` row, its
prompts and their ledger entries), so that the reminder and due passes meet every report open.
`--data-months K` copies the ad data of only the last K history months to every workspace (the
months a pass reads); the bytes of the others are counted from the template's rows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SH = ZoneInfo("Asia/Shanghai")
LIVE = "2026-11"  # the month measured; the 12 before it are history
TAG = "QQQQQQQ"  # the template workspace's ids carry this where each copy carries its own number
SECRET = "bench-signing-secret"
CLIENT_ID, CLIENT_SECRET = "111.222", "bench-client-secret"
SECTIONS = ("results", "data", "lessons", "solutions", "plan", "team", "market")
PLATFORMS = {"巨量引擎": ("双十一预热-短视频A", "双十一预热-短视频B", "常规拉新-信息流", "再营销-直播间", "品牌-开屏"),
             "腾讯广告": ("朋友圈-年货节", "公众号-会员日", "视频号-直播", "朋友圈-拉新", "小程序-复购")}
WRITES = ("chat.postMessage", "chat.update", "conversations.open", "files.completeUploadExternal")


# --- ids ---------------------------------------------------------------------------------------

def tag_of(i: int) -> str:
    return f"{i:07d}"


def team_of(tag: str) -> str:
    return "T" + tag


def owners_of(tag: str) -> list[str]:
    return [f"U{tag}{c}" for c in "ABCDEFGH"]


def report_raw(tag: str) -> dict:
    a, b, c, d, e, f, g, h = owners_of(tag)
    owners = {"results": [a], "data": [b], "lessons": [c, d], "solutions": [e], "plan": [f], "team": [g],
              "market": [h]}
    return {"id": "feed-ads", "name": f"信息流投放组 {tag}", "channel": f"C{tag}", "admins": [g],
            "timezone": "Asia/Shanghai", "locale": "zh-CN", "calendar": "CN", "team_id": team_of(tag),
            "targets": {"ctr": 0.012, "cpa": 60, "roas": 2.5}, "budget": 400000,
            "sections": [{"key": k, "owners": owners[k]} for k in SECTIONS]}


def report_data(tag: str) -> dict:
    from dataclasses import replace

    from bot.model.config import parse_reports

    parsed = parse_reports({"reports": [report_raw(tag)]}, file="bench")[0]
    return replace(parsed, source="setup").to_dict()


# --- the fake Web API in its own process -----------------------------------------------------

def serve_fake(enforce: bool) -> int:
    """`bench_scale.py _fake [--enforce]`: the fake Web API, printing its URL; counts instead of
    keeping calls. With --enforce it answers 429 as Slack does past its published limits, per
    workspace, method and channel (tests/rate_limits.py, at real speed)."""
    from feedsum.fake_slack import FakeSlack
    from tests.rate_limits import published

    class CountingFake(FakeSlack):
        def __init__(self):
            super().__init__()
            self.counts: Counter = Counter()
            self.keys: Counter = Counter()

        def handle(self, method, params, headers):
            bearer = (headers.get("Authorization") or "").removeprefix("Bearer ")
            if bearer.startswith("xoxb-T"):  # installed tokens name their team: xoxb-<team>-bench
                with self._lock:
                    self.tokens.setdefault(bearer, bearer.split("-")[1])
            answer = super().handle(method, params, headers)
            with self._lock:
                self.calls.clear()  # 100,000s of calls: count them, keep only the messages
                self.counts[method] += 1
                if method == "chat.postMessage" and answer[0] == 200 and answer[2].get("ok"):
                    meta = params.get("metadata")
                    meta = json.loads(meta) if isinstance(meta, str) else meta
                    key = ((meta or {}).get("event_payload") or {}).get("key")
                    if key:
                        self.keys[key] += 1
            return answer

        def api_bench_stats(self, p):
            with self._lock:
                dup = sum(1 for n in self.keys.values() if n > 1)
                limited = Counter(f"{method} ({why})" for _team, method, why in self.limited)
                return {"ok": True, "counts": dict(self.counts), "keys": len(self.keys), "duplicated": dup,
                        "limited": dict(limited), "enforced": self.enforcement is not None}

        def api_bench_reset(self, p):
            with self._lock:
                self.counts.clear()
                self.keys.clear()
                self.messages.clear()
                self.enforce(self.enforcement)  # fresh buckets, no 429s counted
            return {"ok": True}

    stop = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)  # before the server threads start: they inherit it
    fake = CountingFake()
    if enforce:
        fake.enforce(published(1.0))
    fake.start()
    print(fake.url, flush=True)
    signal.sigwait(stop)
    fake.stop()
    return 0


class FakeProcess:
    def __init__(self, enforce: bool = True):
        self.proc = subprocess.Popen([sys.executable, __file__, "_fake"] + (["--enforce"] if enforce else []),
                                     stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http"):
            raise RuntimeError("the fake Web API did not start")
        self.api_url = self.url + "/api/"

    def call(self, method: str) -> dict:
        req = urllib.request.Request(self.api_url + method, data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def stats(self) -> dict:
        return self.call("bench.stats")

    def reset(self) -> None:
        self.call("bench.reset")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


# --- settings, installations ---------------------------------------------------------------------

def env_for(work: Path, fake: FakeProcess) -> dict[str, str]:
    return {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET, "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_BASE_URL": fake.api_url, "FEEDSUM_DB": str(work / "feedsum.db"),
            "FEEDSUM_CONFIG": str(work / "no-feedsum.toml"), "LOG_LEVEL": "WARNING"}


def settings_for(env: dict):
    from bot.model.config import Settings

    return Settings.from_env(env)


def install(store, tag: str, at: datetime) -> None:
    """What the OAuth redirect stores at the end of an install."""
    from slack_sdk.oauth.installation_store import Installation

    from handlers.oauth import BOT_SCOPES

    team = team_of(tag)
    store.save(Installation(app_id="A0FEEDSUM", team_id=team, team_name=f"team {tag}", bot_token=f"xoxb-{team}-bench",
                            bot_id="B0BOT", bot_user_id="U0BOTUSER", bot_scopes=list(BOT_SCOPES),
                            user_id=f"U{tag}G", token_type="bot", installed_at=at.timestamp()))


# --- ad data ---------------------------------------------------------------------------------------

def metric_frame(period: str, through: date):
    """The period's rows from its first day through `through`: 2 platforms x 5 campaigns a day."""
    import pandas as pd

    from bot.model import periods

    first, last = periods.bounds(period)
    rng = random.Random(f"bench-{period}-{through}")
    rows = []
    day = first
    while day <= min(through, last):
        for platform, campaigns in PLATFORMS.items():
            for n, campaign in enumerate(campaigns):
                impressions = rng.uniform(20_000, 90_000)
                clicks = impressions * rng.uniform(0.009, 0.016)
                spend = impressions / 1000 * rng.uniform(25, 38)
                conversions = clicks * rng.uniform(0.03, 0.06)
                rows.append({"date": pd.Timestamp(day), "platform": platform, "account": f"{platform}-主账户",
                             "campaign": campaign, "campaign_id": f"{n + 1:08d}", "impressions": round(impressions),
                             "clicks": round(clicks), "spend": round(spend, 2), "conversions": round(conversions),
                             "revenue": round(conversions * rng.uniform(90, 130), 2)})
        day += timedelta(days=1)
    from bot.data.exports import CANONICAL_COLUMNS

    return pd.DataFrame(rows, columns=list(CANONICAL_COLUMNS))


def upload(core, report, period: str, through: date, now: datetime):
    frame = metric_frame(period, through)
    digest = hashlib.sha256(f"{report.team_id}/{period}/{through}".encode()).hexdigest()
    return core.data.import_frame(report, frame, name=f"export-{period}-{through}.csv", origin="slack",
                                  digest=digest, dropped=0, now=now)


# --- answers ---------------------------------------------------------------------------------------

ANSWER = {
    "results": "• 巨量引擎新上线 6 条「双十一预热」计划，腾讯广告朋友圈 3 条。\n• 首次试投百度信息流的线索表单，两周跑出稳定成本。\n"
               "• 新做 24 套短视频素材，其中 5 套进入头部消耗。\n• 直播间计划 ROI 2.8，高于目标。",
    "data": "补充说明：\n• 巨量引擎贡献了大部分新增消耗，来自预热计划；\n• 腾讯广告朋友圈的转化率高于平均，但量级有限；\n"
            "• 百度线索表单仍在学习期，成本偏高。\n整体点击率 1.3%，转化成本 52 元。",
    "lessons": "有效：前 3 秒出现价格信息的素材点击率更高，可以复制。整体点击率环比提升 12%。\n"
               "问题：大促前一周竞价上涨，部分计划超预算；百度新计划冷启动期转化偏少。",
    "solutions": "1. 大促期间为每个账户设日预算上限，超出 80% 时提醒（负责人：陈晨，月底前）。\n"
                 "2. 百度计划改用 oCPC 二阶段出价，A/B 测试两周验证。\n3. 素材每周淘汰点击率最低的 20%。",
    "plan": "下月重点：年货节投放。目标点击率 1.3%，转化成本 55 元以内，预算 45 万。新增快手磁力引擎测试账户。",
    "team": "新人小李完成投放培训，独立负责腾讯广告两个账户；素材组与投放组每周二对齐一次需求。",
    "market": "竞品 A 在巨量引擎加大了直播间投放；平台对医疗类素材审核收紧，需要提前准备合规文案。",
}


def answer_text(key: str, period: str, edit: int = 0) -> str:
    extra = "\n补充：" + "本月复盘细节见共享文档，" * 3 if edit else ""
    return f"【{period}】" + ANSWER[key] + extra


# --- the template workspace's year -----------------------------------------------------------------

def live_timeline(period: str = LIVE):
    from bot.core.service import plan_of
    from bot.model.config import Report
    from bot.planning.schedule import timeline

    return timeline(plan_of(Report.from_dict(report_data(TAG))), period)


def simulate_template(env: dict, months: int, log_line) -> None:
    """Twelve months of one workspace through the real code against the fake."""
    from bot.core.runner import tick
    from bot.core.service import Refused
    from bot.model import periods
    from feedsum.root import started
    clock_now = [datetime(2020, 1, 1, tzinfo=SH)]
    deps = started(settings_for(env), clock=lambda: clock_now[0]).deps
    core, team = deps.core, team_of(TAG)
    history = [periods.shift(LIVE, -k) for k in range(months, 0, -1)]
    first = live_timeline(history[0]).open_at
    created = first - timedelta(days=20)
    install(deps.workspaces.store, TAG, created)
    core.store.reports.upsert(team, report_data(TAG), actor="U" + TAG + "G", now=created)
    report = core.report(team, "feed-ads")
    serves = deps.workspaces.serves
    rng = random.Random(7)
    for m, period in enumerate(history):
        tl = live_timeline(period)
        upload(core, report, period, (tl.open_at - timedelta(days=1)).date(), tl.open_at - timedelta(hours=2))
        instants = [a.at for a in tl.actions()]
        # answers arrive in three waves: after the open, after the first reminder, before the last call
        keys = list(SECTIONS)
        rng.shuffle(keys)
        missing = {"team"} if m % 3 == 2 else set()
        waves = [keys[:3], keys[3:5], [k for k in keys[5:] if k not in missing]]
        for n, at in enumerate(instants):
            clock_now[0] = at
            if at == tl.due_at:
                upload(core, report, period, tl.due_at.date(), at - timedelta(hours=1))
            tick(core, at, serves=serves)
            if n < len(waves):
                for key in waves[n]:
                    when = at + timedelta(hours=2)
                    clock_now[0] = when
                    writer = report.owners_of(key)[0]
                    for edit in range(1 + (rng.random() < 0.5)):
                        try:
                            base = next(s.revision for s in core.summary(report, period, when, with_metrics=False).sections
                                        if s.key == key)
                            result = core.submit(report, period, key, writer, answer_text(key, period, edit), when,
                                                 via="modal", base_revision=base)
                            core.announce(report, period, result, writer, when)
                        except Refused as exc:
                            raise RuntimeError(f"template answer refused: {exc.key}") from exc
        state = core.store.periods.get(team, "feed-ads", period)
        assert state and state.state == "posted", (period, state)
        log_line(f"  template {period}: posted")
    core.store.close()


# --- copying the template to every workspace --------------------------------------------------------

def clone(db_path: Path, tags: list[str], log_line, data_months: int | None = None) -> dict:
    """Copy the template workspace's rows to each workspace, its ids replaced by the copy's.

    `data_months`: only the snapshots (and metric rows) of the last that many history months are
    copied (the months a pass reads: the KPI report compares with the previous one); the others'
    bytes are counted per workspace from the template's rows, not written 10,000 times."""
    import sqlite3

    from storage.workspaces import _team_tables

    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    tables = [t for t in _team_tables(conn) if t != "snapshots"]
    template = team_of(TAG)
    plans = {}
    for table in tables:
        cols = [(c[1], c[2].upper(), c[5]) for c in conn.execute(f'PRAGMA table_info("{table}")')]
        # INTEGER PRIMARY KEY ids are given anew; text columns get the copy's ids
        keep = [(name, typ) for name, typ, pk in cols if not (pk and typ == "INTEGER")]
        select = ", ".join(f"replace({name}, '{TAG}', :tag)" if typ == "TEXT" else name for name, typ in keep)
        where = " AND action != 'report.save'" if table == "audit" else ""
        plans[table] = (f'INSERT INTO "{table}" ({", ".join(n for n, _ in keep)}) SELECT {select} '
                        f'FROM "{table}" WHERE team_id = :template{where}')
    if "reports" in plans:
        del plans["reports"]  # each workspace's report is saved by upsert_report (with its audit row)
    months = sorted({p for (p,) in conn.execute("SELECT DISTINCT period FROM snapshots WHERE team_id = ?", (template,))})
    kept = months[-data_months:] if data_months else months
    snaps = conn.execute(f"SELECT id FROM snapshots WHERE team_id = ? AND period IN ({', '.join('?' * len(kept))}) "
                         "ORDER BY id", (template, *kept)).fetchall()
    left_out = conn.execute(f"SELECT COUNT(*) FROM metric_rows WHERE snapshot_id IN (SELECT id FROM snapshots WHERE "
                            f"team_id = ? AND period NOT IN ({', '.join('?' * len(kept))}))", (template, *kept)).fetchone()[0]
    scols = [c[1] for c in conn.execute("PRAGMA table_info(snapshots)") if c[1] != "id"]
    sselect = ", ".join(f"replace({c}, '{TAG}', :tag)" if c in ("team_id", "source") else c for c in scols)
    mcols = [c[1] for c in conn.execute("PRAGMA table_info(metric_rows)") if c[1] != "snapshot_id"]
    t0 = time.perf_counter()
    for n, tag in enumerate(tags):
        conn.execute("BEGIN")
        for sql in plans.values():
            conn.execute(sql, {"tag": tag, "template": template})
        for (sid,) in snaps:
            cur = conn.execute(f"INSERT INTO snapshots ({', '.join(scols)}) SELECT {sselect} FROM snapshots WHERE id = :sid",
                               {"tag": tag, "sid": sid})
            conn.execute(f"INSERT INTO metric_rows (snapshot_id, {', '.join(mcols)}) SELECT :new, {', '.join(mcols)} "
                         f"FROM metric_rows WHERE snapshot_id = :sid", {"new": cur.lastrowid, "sid": sid})
        conn.execute("COMMIT")
        if (n + 1) % 1000 == 0:
            log_line(f"  copied {n + 1}/{len(tags)} workspaces ({time.perf_counter() - t0:.0f} s)")
    conn.close()
    return {"data_months_copied": len(kept), "metric_rows_left_out_per_workspace": left_out}


def build_state(work: Path, fake: FakeProcess, n: int, months: int, log_line, data_months: int | None = None) -> dict:
    """Installations, reports and 12 months of history for `n` workspaces; returns figures."""
    from handlers.oauth import installation_store
    from storage import Store

    env = env_for(work, fake)
    out = {}
    template = work / f"template-{months}"
    if (template / "feedsum.db").exists():  # the template's year is the same for any number of workspaces
        log_line(f"  reusing the template workspace's {months} months from {template}")
        for name in ("feedsum.db", "feedsum-oauth.db"):
            shutil.copy(template / name, work / name)
        out["template_s"] = json.loads((template / "took.json").read_text())["template_s"]
    else:
        t0 = time.perf_counter()
        simulate_template(env, months, log_line)
        out["template_s"] = time.perf_counter() - t0
        checkpoint(work / "feedsum.db")
        template.mkdir(exist_ok=True)
        for name in ("feedsum.db", "feedsum-oauth.db"):
            shutil.copy(work / name, template / name)
        (template / "took.json").write_text(json.dumps({"template_s": out["template_s"]}))
    settings = settings_for(env)
    installs = installation_store(settings)
    installs.connect().execute("PRAGMA synchronous = OFF")  # building, not measuring: no fsync per install
    created = live_timeline(repo_period_first(months)).open_at - timedelta(days=20)
    tags = [tag_of(i) for i in range(n)]
    t0 = time.perf_counter()
    for tag in tags:
        install(installs, tag, created)
    out["install_s"] = time.perf_counter() - t0
    log_line(f"  {n} installations saved in {out['install_s']:.1f} s")
    store = Store.open(settings.db_path)
    t0 = time.perf_counter()
    for tag in tags:
        store.reports.upsert(team_of(tag), report_data(tag), actor=f"U{tag}G", now=created)
    out["reports_s"] = time.perf_counter() - t0
    store.close()
    t0 = time.perf_counter()
    out.update(clone(Path(settings.db_path), tags, log_line, data_months))
    out["clone_s"] = time.perf_counter() - t0
    store = Store.open(settings.db_path)
    store.workspaces.forget_team(team_of(TAG))
    store.close()
    installs.delete_all(enterprise_id=None, team_id=team_of(TAG))
    checkpoint(Path(settings.db_path))
    log_line(f"  history copied in {out['clone_s']:.0f} s")
    return out


def checkpoint(db_path: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def repo_period_first(months: int) -> str:
    from bot.model import periods

    return periods.shift(LIVE, -months)


# --- sizes -----------------------------------------------------------------------------------------

def sizes(work: Path) -> dict:
    import sqlite3

    db_path = work / "feedsum.db"
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    per: dict[str, int] = {}
    for _name, tbl, pgsize in conn.execute("SELECT name, tbl_name, SUM(pgsize) FROM dbstat JOIN sqlite_schema USING (name) "
                                          "GROUP BY name"):
        per[tbl] = per.get(tbl, 0) + pgsize
    rows = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in per if not t.startswith("sqlite_")}
    conn.close()
    oauth = work / "feedsum-oauth.db"
    return {"db_bytes": db_path.stat().st_size, "oauth_bytes": oauth.stat().st_size,
            "tables": {t: {"bytes": b, "rows": rows.get(t)} for t, b in sorted(per.items(), key=lambda x: -x[1])}}


# --- one scheduler pass in a fresh process ---------------------------------------------------------

def _hwm_mib() -> float:
    text = Path("/proc/self/status").read_text()
    return int(next(line for line in text.splitlines() if line.startswith("VmHWM")).split()[1]) / 1024


def _rss_mib() -> float:
    text = Path("/proc/self/status").read_text()
    return int(next(line for line in text.splitlines() if line.startswith("VmRSS")).split()[1]) / 1024


def run_pass(args) -> int:
    """`bench_scale.py _pass --now ISO`: what `feedsum tick --now` does, timed in parts; JSON out."""
    from bot.core import runner
    from feedsum.root import started

    logging.basicConfig(level=logging.ERROR)
    now = datetime.fromisoformat(args.now)
    env = {k: v for k, v in os.environ.items() if k.startswith(("SLACK_", "FEEDSUM_", "LOG_"))}
    t0 = time.perf_counter()
    deps = started(settings_for(env), clock=lambda: now).deps
    core, serves = deps.core, deps.workspaces.serves
    out = {"build_s": time.perf_counter() - t0, "rss_after_build_mib": _rss_mib()}

    spent = Counter()
    lock = threading.Lock()

    def timed(name, fn):  # time summed over the threads a pass runs on
        def wrapper(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                with lock:
                    spent[name] += time.perf_counter() - t
                    spent[name + "_n"] += 1
        return wrapper

    core.all_reports = timed("all_reports", core.all_reports)
    core.period_state = timed("period_state", core.period_state)
    timed_serves = timed("serves", serves)
    for label in ("cold", "warm"):
        spent.clear()
        t, cpu = time.perf_counter(), time.process_time()
        actions, _reports = runner.planned(core, now, timed_serves)
        out[f"plan_{label}_s"] = time.perf_counter() - t
        out[f"plan_{label}_cpu_s"] = time.process_time() - cpu  # this process's CPU, all threads
        out[f"plan_{label}_parts"] = dict(spent)
    out["actions"] = dict(Counter(a.kind for a in actions))
    t = time.perf_counter()
    runner.tick(core, now, dry_run=True, serves=timed_serves)
    out["dry_run_s"] = time.perf_counter() - t
    if args.real:
        outbox = deps.outbox
        outbox._call = timed("slack", outbox._call)
        spent.clear()
        done = {"lines": None}

        def work():
            done["lines"] = runner.tick(core, now, serves=timed_serves)

        t, cpu = time.perf_counter(), time.process_time()
        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        thread.join(args.budget or None)
        out["real_s"] = time.perf_counter() - t
        out["real_cpu_s"] = time.process_time() - cpu
        out["finished"] = not thread.is_alive()
        out["real_parts"] = dict(spent)
        if done["lines"] is not None:
            out["outcomes"] = dict(Counter(line.split(":", 1)[0] for line in done["lines"]))
    out["peak_rss_mib"] = _hwm_mib()
    out["load_avg"] = os.getloadavg()
    print(json.dumps(out), flush=True)
    sys.stdout.flush()
    os._exit(0)  # a pass stopped at its budget leaves threads mid-send


def child_pass(env: dict, now: datetime, *, real: bool, budget: float | None = None) -> dict:
    cmd = [sys.executable, __file__, "_pass", "--now", now.isoformat()]
    if real:
        cmd.append("--real")
    if budget:
        cmd += ["--budget", str(budget)]
    proc = subprocess.run(cmd, env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RuntimeError(f"pass failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- the live month ---------------------------------------------------------------------------------

def with_progress(fake: FakeProcess, fn, every: float = 5.0):
    """Run fn() while sampling the fake's call counts: (seconds, prompts or posts so far) pairs."""
    samples: list = []
    done = threading.Event()

    def poll():
        t0 = time.perf_counter()
        while not done.wait(every):
            counts = fake.stats()["counts"]
            samples.append((round(time.perf_counter() - t0, 1), counts.get("chat.postMessage", 0),
                            counts.get("files.completeUploadExternal", 0)))

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        result = fn()
    finally:
        done.set()
        thread.join()
    result["progress"] = samples  # (s, chat.postMessage calls, charts uploaded)
    return result


def posted(env: dict) -> int:
    """Summaries of the live month posted so far."""
    import sqlite3

    with sqlite3.connect(settings_for(env).db_path) as conn:
        return conn.execute("SELECT COUNT(*) FROM periods WHERE period = ? AND state = 'posted'", (LIVE,)).fetchone()[0]


def live_uploads(env: dict, tags: list[str], through: date, now: datetime) -> float:
    """Every report's month-so-far export before the open (the same rows an upload stores)."""
    from bot.data.metrics import _records
    from storage import Store

    records = _records(metric_frame(LIVE, through))
    store = Store.open(settings_for(env).db_path)
    t0 = time.perf_counter()
    for tag in tags:
        digest = hashlib.sha256(f"{tag}/{LIVE}/{through}".encode()).hexdigest()
        sid = store.snapshots.begin(team_of(tag), "feed-ads", LIVE, source=f"slack:export-{LIVE}.csv",
                                    file_hash=digest, rows=len(records), dropped=0, now=now)
        store.snapshots.add_rows(sid, records)
        store.snapshots.publish([sid], digest)
    store.close()
    return time.perf_counter() - t0


def live_answers(env: dict, tags: list[str], now: datetime) -> float:
    """About half of each report's sections answered after the open (4 of 7, the same 3 pending)."""
    from storage import Store

    store = Store.open(settings_for(env).db_path)
    t0 = time.perf_counter()
    for tag in tags:
        owners = dict(zip(SECTIONS, ["A", "B", "C", "E", "F", "G", "H"], strict=True))
        for key in ("results", "data", "plan", "market"):
            store.answers.save(team_of(tag), "feed-ads", LIVE, key, text=answer_text(key, LIVE),
                               author=f"U{tag}{owners[key]}", via="modal", now=now)
    store.close()
    return time.perf_counter() - t0


def opened(env: dict) -> dict:
    """How far the live month's open got: reports fully opened (every prompt done), partly opened."""
    import sqlite3

    with sqlite3.connect(settings_for(env).db_path) as conn:
        full = conn.execute("SELECT COUNT(*) FROM ledger WHERE period = ? AND action = 'open' AND state = 'done'",
                            (LIVE,)).fetchone()[0]
        started = conn.execute("SELECT COUNT(*) FROM periods WHERE period = ?", (LIVE,)).fetchone()[0]
        prompts = conn.execute("SELECT COUNT(*) FROM ledger WHERE period = ? AND action = 'prompt' AND state = 'done'",
                               (LIVE,)).fetchone()[0]
    return {"reports_opened": full, "reports_started": started, "prompts_done": prompts}


def fast_forward_open(env: dict, tags: list[str]) -> int:
    """Open the live month of every report the budgeted open pass did not finish, as it would have:
    a finished report's rows for the month (its `periods` row, prompts and ledger entries) copied
    with the other workspace's ids. Returns how many reports were filled in."""
    import sqlite3

    conn = sqlite3.connect(settings_for(env).db_path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    done = {t for (t,) in conn.execute("SELECT team_id FROM ledger WHERE period = ? AND action = 'open' "
                                       "AND state = 'done'", (LIVE,))}
    source = next(team_of(t) for t in tags if team_of(t) in done)
    tag = source[1:]
    # Only id columns carry the workspace's number (a Slack ts may contain it too: left alone).
    ids = {"periods": ("team_id",), "prompts": ("team_id", "owner", "channel"),
           "ledger": ("key", "team_id", "recipient")}
    plans = {}
    for table, columns in ids.items():
        names = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
        select = ", ".join(f"replace({c}, '{tag}', :tag)" if c in columns else c for c in names)
        plans[table] = (f"INSERT INTO {table} ({', '.join(names)}) SELECT {select} FROM {table} "
                        f"WHERE team_id = :source AND period = :period")
    filled = 0
    for t in tags:
        if team_of(t) in done:
            continue
        conn.execute("BEGIN")
        for table in ids:  # a report the pass stopped inside: its rows are replaced by a whole open
            conn.execute(f"DELETE FROM {table} WHERE team_id = ? AND period = ?", (team_of(t), LIVE))
        for sql in plans.values():
            conn.execute(sql, {"tag": t, "source": source, "period": LIVE})
        conn.execute("COMMIT")
        filled += 1
    conn.close()
    return filled


# --- /feedsum status through the real endpoint -------------------------------------------------------

def serve_web(now_iso: str) -> int:
    """`bench_scale.py _web --now ISO`: feedsum's HTTP endpoint (waitress + Bolt, OAuth mode), as
    `feedsum run` serves it, in a process of its own; prints its URL."""
    from feedsum.root import build
    from handlers.server import make_server

    logging.disable(logging.WARNING)
    now = datetime.fromisoformat(now_iso)
    env = {k: v for k, v in os.environ.items() if k.startswith(("SLACK_", "FEEDSUM_", "LOG_"))}
    settings = settings_for(env)
    root = build(settings, clock=lambda: now)
    app, deps = root.app, root.deps
    server = make_server(app, host="127.0.0.1", port=0, threads=8, guard=deps.guard)
    stop = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)
    threading.Thread(target=server.run, daemon=True).start()
    print(f"http://127.0.0.1:{server.effective_port}/slack/events", flush=True)
    signal.sigwait(stop)
    os._exit(0)


class Endpoint:
    """The web process (`serve_web`) and a client sending it signed slash commands."""

    def __init__(self, env: dict, now: datetime):
        self.proc = subprocess.Popen([sys.executable, __file__, "_web", "--now", now.isoformat()],
                                     stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, **env, "PYTHONPATH": str(ROOT)})
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http"):
            raise RuntimeError("the web process did not start")
        self.fake_url = env["SLACK_API_BASE_URL"].removesuffix("/api/")
        self._n = 0

    def memory_mib(self) -> dict:
        """The web process's resident memory now and at its peak (VmRSS, VmHWM)."""
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        field = {line.split(":")[0]: int(line.split()[1]) / 1024 for line in text.splitlines()
                 if line.startswith(("VmRSS", "VmHWM"))}
        return {"now": field["VmRSS"], "peak": field["VmHWM"]}

    def command(self, tag: str, command: str, text: str):
        from slack_sdk.signature import SignatureVerifier

        self._n += 1
        form = {"token": "x", "team_id": team_of(tag), "team_domain": "t", "channel_id": f"C{tag}",
                "channel_name": "ads", "user_id": f"U{tag}A", "user_name": "a", "command": command, "text": text,
                "api_app_id": "A0FEEDSUM", "response_url": f"{self.fake_url}/response/x",
                "trigger_id": f"1337.{self._n}.abcd"}
        body = urllib.parse.urlencode(form).encode()
        ts = str(int(time.time()))
        req = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)


def warm(ep: Endpoint, tags: list[str]) -> None:
    """One request per workspace first: Bolt's authorize asks auth.test once per workspace token."""
    for tag in tags:
        ep.command(tag, "/other", "")


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def measure_status(ep: Endpoint, tags: list[str], requests: int, *, stop: threading.Event | None = None) -> dict:
    """Interleaved status / floor requests, each pair in a random workspace."""
    rng = random.Random(3)
    lat = {"status": [], "floor": []}
    for i in range(requests):
        if stop is not None and stop.is_set():
            break
        tag = rng.choice(tags)
        for name, cmd, text in (("status", "/feedsum", f"status {LIVE}"), ("floor", "/other", "")):
            t = time.perf_counter()
            status, body = ep.command(tag, cmd, text)
            lat[name].append((time.perf_counter() - t) * 1000)
            want = 200 if name == "status" else 404
            if status != want:
                raise RuntimeError(f"{name}: HTTP {status}: {body[:300]}")
            if name == "status" and i == 0 and "/7" not in body:
                raise RuntimeError(f"status without progress: {body[:300]}")
    out = {"n": len(lat["status"])}
    for name, xs in lat.items():
        out[name] = {"p50": pct(xs, 50), "p99": pct(xs, 99), "max": max(xs), "mean": statistics.mean(xs)}
    out["ratio_p50"] = out["status"]["p50"] / out["floor"]["p50"]
    out["ratio_p99"] = out["status"]["p99"] / out["floor"]["p99"]
    return out


# --- main ------------------------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workspaces", type=int, default=10_000)
    ap.add_argument("--months", type=int, default=12, help="months of history before the live month")
    ap.add_argument("--requests", type=int, default=1000, help="status requests (and as many floor requests)")
    ap.add_argument("--send-seconds", type=float, default=0,
                    help="stop each real pass (open, reminder, due) after this long (0: never)")
    ap.add_argument("--due-processes", type=int, default=1,
                    help="after a due pass stopped at --send-seconds, go on with this many processes at once")
    ap.add_argument("--data-months", type=int, default=0,
                    help="copy the ad data of only the last K history months to every workspace (0: all)")
    ap.add_argument("--plain-fake", action="store_true", help="a fake Web API that enforces no rate limits")
    ap.add_argument("--work", help="keep the databases here; reused when built for the same --workspaces")
    ap.add_argument("--out", help="write the figures as JSON here")
    ap.add_argument("--plan-only", action="store_true", help="dry-run passes and status only (quick, while developing)")
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)

    def log_line(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    stamp = work / "built.json"
    results: dict = {"workspaces": args.workspaces, "months": args.months}
    fake = FakeProcess(enforce=not args.plain_fake)
    env = env_for(work, fake)
    tags = [tag_of(i) for i in range(args.workspaces)]
    tl = live_timeline()
    try:
        built = json.loads(stamp.read_text()) if stamp.exists() else None
        if built and built.get("workspaces") == args.workspaces and built.get("months") == args.months:
            log_line(f"reusing the databases in {work}")
            for name in ("feedsum.db", "feedsum-oauth.db"):
                shutil.copy(work / f"built-{name}", work / name)
            results["build"] = built["build"]
        else:
            for name in ("feedsum.db", "feedsum-oauth.db", "feedsum.db-wal", "feedsum.db-shm"):
                (work / name).unlink(missing_ok=True)
            log_line(f"building {args.workspaces} workspaces x {args.months} months in {work}")
            results["build"] = build_state(work, fake, args.workspaces, args.months, log_line, args.data_months or None)
            for name in ("feedsum.db", "feedsum-oauth.db"):
                shutil.copy(work / name, work / f"built-{name}")
            stamp.write_text(json.dumps({"workspaces": args.workspaces, "months": args.months,
                                         "build": results["build"]}))
        results["size_history"] = sizes(work)
        log_line(f"history: {results['size_history']['db_bytes'] / 1e6:.0f} MB")

        # The live month: data, open, answers, reminder, status, due.
        results["live_upload_s"] = live_uploads(env, tags, (tl.open_at - timedelta(days=1)).date(),
                                                tl.open_at - timedelta(hours=2))
        if args.plan_only:
            for label, now in (("open", tl.open_at), ("remind", tl.reminders[0]), ("due", tl.due_at)):
                results[label] = child_pass(env, now, real=False)
                log_line(f"{label} (dry run): {json.dumps(results[label])}")
            ep = Endpoint(env, tl.open_at + timedelta(hours=1))
            sample = tags if len(tags) <= 2000 else random.Random(1).sample(tags, 2000)
            warm(ep, sample)
            results["status_idle"] = measure_status(ep, sample, args.requests)
            log_line(f"status idle: {json.dumps(results['status_idle'])}")
            ep.close()
            return 0

        ep = Endpoint(env, tl.open_at + timedelta(hours=1))
        sample = tags if len(tags) <= 2000 else random.Random(1).sample(tags, 2000)
        warm(ep, sample)
        results["status_before_open"] = measure_status(ep, sample, args.requests)
        log_line(f"status before the open: {json.dumps(results['status_before_open'])}")
        fake.reset()
        # The open pass, with status asked meanwhile (the fan-out writes the ledger all along).
        busy_stop = threading.Event()
        busy: dict = {}

        def during():
            busy.update(measure_status(ep, sample, 100_000, stop=busy_stop))

        prober = threading.Thread(target=during, daemon=True)
        prober.start()
        results["open"] = with_progress(fake, lambda: child_pass(env, tl.open_at, real=True,
                                                                 budget=args.send_seconds or None))
        busy_stop.set()
        prober.join()
        results["status_during_open"] = busy
        results["open"]["slack"] = fake.stats()
        results["open"].update(opened(env))
        if results["open"]["reports_opened"] < len(tags):
            t = time.perf_counter()
            results["open"]["filled_in"] = fast_forward_open(env, tags)
            log_line(f"open: {results['open']['filled_in']} reports the pass did not finish opened by copying rows "
                     f"({time.perf_counter() - t:.0f} s)")
        log_line(f"open: {json.dumps(results['open'])}")
        log_line(f"status during the open pass: {json.dumps(busy)}")

        results["live_answers_s"] = live_answers(env, tags, tl.open_at + timedelta(hours=3))
        remind_at = tl.reminders[0]
        results["status_idle"] = measure_status(ep, sample, args.requests)
        log_line(f"status idle: {json.dumps(results['status_idle'])}")
        results["web_rss_mib"] = ep.memory_mib()
        ep.close()

        fake.reset()
        results["remind"] = with_progress(fake, lambda: child_pass(env, remind_at, real=True,
                                                                   budget=args.send_seconds or None))
        results["remind"]["slack"] = fake.stats()
        log_line(f"remind: {json.dumps(results['remind'])}")

        fake.reset()
        results["due"] = with_progress(fake, lambda: child_pass(env, tl.due_at, real=True,
                                                                budget=args.send_seconds or None))
        results["due"]["slack"] = fake.stats()
        results["due"]["posted"] = posted(env)
        log_line(f"due: {json.dumps(results['due'])}")
        if not results["due"]["finished"] and args.due_processes > 1:
            # The rest of the due pass with several scheduler processes at once: the ledger's
            # claims share the reports out (one process's claim is "running elsewhere" to another).
            before = results["due"]["posted"]
            fake.reset()
            runs: list = [None] * args.due_processes

            def one(i):
                runs[i] = child_pass(env, tl.due_at, real=True, budget=args.send_seconds)

            threads = [threading.Thread(target=one, args=(i,)) for i in range(args.due_processes)]

            def both():
                for th in threads:
                    th.start()
                for th in threads:
                    th.join()
                return {}

            progress = with_progress(fake, both)["progress"]
            results["due_parallel"] = {"processes": args.due_processes, "posted": posted(env) - before,
                                       "seconds": max(r["real_s"] for r in runs), "runs": runs, "slack": fake.stats(),
                                       "progress": progress}
            log_line(f"due, {args.due_processes} processes: {json.dumps(results['due_parallel'])}")
        results["size_live"] = sizes(work)
    finally:
        fake.stop()
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    report(results)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1, ensure_ascii=False))
    return 0


def report(r: dict) -> None:
    n = r["workspaces"]
    print(f"\n{n} workspaces, {r['months']} months of history; peak RSS is the pass process's VmHWM; "
          "Slack: time in Web API calls, summed over the pass's threads; '+': stopped at --send-seconds\n")
    print(f"{'pass':8} {'actions':>9} {'plan cold':>10} {'plan warm':>10} {'dry run':>8} {'real':>9} "
          f"{'Slack':>9} {'calls':>8} {'peak RSS':>9}")
    for name in ("open", "remind", "due"):
        p = r.get(name)
        if not p:
            continue
        parts = p.get("real_parts", {})
        calls = sum(v for k, v in p.get("slack", {}).get("counts", {}).items() if not k.startswith("bench."))
        real = (f"{p['real_s']:.1f} s" + ("" if p.get("finished", True) else "+")) if "real_s" in p else "-"
        print(f"{name:8} {sum(p['actions'].values()):>9} {p['plan_cold_s']:>9.2f}s {p['plan_warm_s']:>9.2f}s "
              f"{p['dry_run_s']:>7.2f}s {real:>9} {parts.get('slack', 0):>8.1f}s {calls:>8} "
              f"{p['peak_rss_mib']:>7.0f} MiB")
    o = r.get("open")
    if o and "real_s" in o:
        s = o["slack"]
        print(f"\nopen: {o['reports_opened']} of {n} reports opened in {o['real_s']:.0f} s "
              f"({o['reports_opened'] / o['real_s']:.1f} a second), {o['prompts_done']} prompts "
              f"({o['prompts_done'] / o['real_s']:.1f} a second); {s['keys']} distinct prompt keys in Slack, "
              f"{s['duplicated']} duplicated; 429s {s.get('limited')}; filled in after: {o.get('filled_in', 0)}")
    m = r.get("remind")
    if m and "real_s" in m:
        posts = m["slack"]["counts"].get("chat.postMessage", 0)
        print(f"remind: {posts} reminders in {m['real_s']:.0f} s ({posts / m['real_s']:.1f} a second), "
              f"outcomes {m.get('outcomes')}")
    d = r.get("due")
    if d and "real_s" in d:
        print(f"due: {d['posted']} of {n} summaries posted in {d['real_s']:.0f} s by one process "
              f"({d['real_s'] / max(d['posted'], 1):.2f} s each)")
    dp = r.get("due_parallel")
    if dp:
        print(f"due, then {dp['processes']} processes at once: {dp['posted']} more in {dp['seconds']:.0f} s "
              f"({dp['seconds'] / max(dp['posted'], 1):.2f} s each)")
    print()
    for name in ("status_before_open", "status_during_open", "status_idle"):
        s = r.get(name)
        if s:
            print(f"{name:20} status p50 {s['status']['p50']:.2f} ms p99 {s['status']['p99']:.2f} ms | floor p50 "
                  f"{s['floor']['p50']:.2f} ms p99 {s['floor']['p99']:.2f} ms | ratio {s['ratio_p50']:.2f} / "
                  f"{s['ratio_p99']:.2f} (n={s['n']})")
    if r.get("web_rss_mib"):
        print(f"web process: {r['web_rss_mib']['now']:.0f} MiB resident, peak {r['web_rss_mib']['peak']:.0f} MiB")
    left = r.get("build", {}).get("metric_rows_left_out_per_workspace", 0)
    for name in ("size_history", "size_live"):
        s = r.get(name)
        if s:
            top = ", ".join(f"{t} {v['bytes'] / 1e6:.0f} MB" for t, v in list(s["tables"].items())[:5])
            line = f"{name:12} {s['db_bytes'] / 1e6:.0f} MB (+ oauth {s['oauth_bytes'] / 1e6:.1f} MB): {top}"
            metric = s["tables"].get("metric_rows")
            if left and metric and metric["rows"]:
                extra = left * n * metric["bytes"] / metric["rows"]
                line += f"; with every month's ad data ≈ {(s['db_bytes'] + extra) / 1e9:.1f} GB"
            print(line)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_fake":
        sys.exit(serve_fake("--enforce" in sys.argv))
    if len(sys.argv) > 1 and sys.argv[1] == "_web":
        sys.exit(serve_web(sys.argv[sys.argv.index("--now") + 1]))
    if len(sys.argv) > 1 and sys.argv[1] == "_pass":
        p = argparse.ArgumentParser()
        p.add_argument("cmd")
        p.add_argument("--now", required=True)
        p.add_argument("--real", action="store_true")
        p.add_argument("--budget", type=float, default=0)
        sys.exit(run_pass(p.parse_args()))
    sys.exit(main())
