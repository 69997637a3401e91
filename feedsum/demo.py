"""`feedsum demo`: a whole month offline — prompts, answers, compile — against a fake Slack."""

from __future__ import annotations

import json
import sys
import tempfile
import urllib.parse
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.optimise import form, save
from bot.insight.abtest_text import comparison_text
from bot.insight.draft import draft_data_section
from bot.model import periods
from bot.model.config import Settings, parse_reports
from bot.report.markdown import summary_markdown
from bot.text.i18n import t
from feedsum import demo_content as content
from feedsum.fake_slack import FakeSlack
from feedsum.root import build
from handlers.abtest import appended
from handlers.ratelimit import Limits
from handlers.render import kpi_markdown

PERIOD = "2026-10"
BUILDER = "https://app.slack.com/block-kit-builder/#"


def run_demo(out: Path, *, locale: str = "zh-CN", stream=None) -> int:
    """Run the month and write summary.md and blocks.json to `out`; returns an exit code."""
    stream = stream or sys.stdout
    tz = ZoneInfo("Asia/Shanghai")
    users = {uid: {"id": uid, "name": uid.lower(), "real_name": name, "profile": {"display_name": name}}
             for uid, name in content.USERS.items()}
    out.mkdir(parents=True, exist_ok=True)
    with FakeSlack(users=users) as fake, tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-demo", "SLACK_API_BASE_URL": fake.api_url,
                                      "FEEDSUM_DB": str(Path(tmp) / "demo.db")})
        now = datetime(2026, 10, 28, 10, 0, tzinfo=tz)
        clock = lambda: now  # noqa: E731 - the demo's time stands still at each step
        root = build(settings, clock=clock, limits=Limits(speed=0))  # no real Slack: no pacing
        core = root.core
        root.load_reports(parse_reports(content.config(locale), file="demo config"), team_id=fake.team_id, now=now)
        report = core.report(fake.team_id, "feed-ads")

        # The admin drops last month's and this month's exports into the channel.
        for period in (periods.shift(PERIOD, -1), PERIOD):
            for name, data in content.exports(period).items():
                outcome = core.import_upload(report, content.ADMIN, data, name, now)
                print(t(locale, "demo.imported", file=name, rows=outcome.rows, dropped=outcome.dropped), file=stream)
        opened = core.open(report, PERIOD, content.ADMIN, now)
        print(t(locale, "demo.opened", period=PERIOD, sent=opened.sent), file=stream)
        for key, (user, text) in content.ANSWERS[locale].items():
            when = now
            if key == "data":
                # The data owner writes once the month is over (its figures are final then),
                # starting from "Draft from data" and adding a few lines.
                when = datetime(2026, 11, 2, 10, 0, tzinfo=tz)
                kpi = core.summary(report, PERIOD, when).kpi
                text = draft_data_section(kpi, locale, team_name=report.name) + "\n\n" + text
                print(t(locale, "demo.drafted", name=content.USERS[user], when=f"{when:%Y-%m-%d %H:%M}"), file=stream)
            chosen = None
            if key == "optimise":
                text, chosen = insert_comparison(core, report, text)
            before = len(fake.posted())
            result = core.submit(report, PERIOD, key, user, text, when, via="modal")
            if chosen:  # the form's save keeps the comparisons it holds
                save(core, report, PERIOD, user, chosen, [], when)
            core.announce(report, PERIOD, result, user, when)
            for m in fake.posted()[before:]:
                if m["text"] and m["text"].startswith("🔎"):
                    print(t(locale, "demo.claims", name=content.USERS[user], text=m["text"]), file=stream)
        answered = len(content.ANSWERS[locale])
        print(t(locale, "demo.answered", answered=answered, total=len(report.sections)), file=stream)
        now = datetime(2026, 11, 3, 12, 0, tzinfo=tz)
        summary = core.compile(report, PERIOD, content.ADMIN, now)
        posted = fake.posted(report.channel)
        print(t(locale, "demo.posted", replies=len(posted) - 1), file=stream)

        names = lambda uid: content.USERS.get(uid, uid)  # noqa: E731
        markdown = summary_markdown(summary, names, kpi_lines=kpi_lines(summary))
        if fake.uploads:
            chart = next(iter(v for k, v in fake.uploads.items() if v[:8] == b"\x89PNG\r\n\x1a\n"), None)
            if chart:
                (out / "chart.png").write_bytes(chart)
        (out / "summary.md").write_text(markdown, encoding="utf-8")
        messages = [{"text": m["text"], "blocks": m["blocks"], "thread_ts": m["thread_ts"]} for m in posted]
        (out / "blocks.json").write_text(json.dumps(messages, ensure_ascii=False, indent=2), encoding="utf-8")
        print("\n" + markdown, file=stream)
        wrote = ", ".join(str(out / f) for f in ("summary.md", "blocks.json", "chart.png") if (out / f).exists())
        print(t(locale, "demo.wrote", files=wrote), file=stream)
        print(t(locale, "demo.builder", n=len(messages)), file=stream)
        for label, link in builder_links(messages):
            print(f"{label}: {link}", file=stream)
    return 0


def insert_comparison(core, report, text: str) -> tuple[str, list[list[str]]]:
    """The optimise answer with an A/B verdict inserted the way the form's buttons do it: the
    first pair feedsum proposes from the month's campaign names, compared (bot.core.optimise.form)
    and appended to the text (handlers.abtest.appended). Returns the text and the comparison kept."""
    proposed = form(core, report, PERIOD, chosen=[])
    if proposed is None or not proposed.proposals:
        return text, []
    chosen = [[k.id for k in proposed.proposals[0]]]
    ab = form(core, report, PERIOD, chosen=chosen)
    return appended(text, comparison_text(ab.chosen[0], report.locale)), chosen


LINK_MAX = 7_000  # characters per Builder link: well under the ~8,000 browsers and the Builder take


def builder_links(messages: list[dict], limit: int = LINK_MAX) -> list[tuple[str, str]]:
    """A Block Kit Builder link for each message (the channel message, then each thread reply),
    labelled with the message's text; a message too long for one link is shown over several,
    whole blocks each (a single block longer than `limit` still gets its own link)."""
    out = []
    for i, m in enumerate(messages):
        label = ("#0 " if i == 0 else f"#{i} ") + (m["text"] or "")[:40]
        groups: list[list[dict]] = []
        for block in m["blocks"]:
            if groups and len(_link(groups[-1] + [block])) <= limit:
                groups[-1].append(block)
            else:
                groups.append([block])
        for j, group in enumerate(groups):
            out.append((label + (f" ({j + 1}/{len(groups)})" if len(groups) > 1 else ""), _link(group)))
    return out


def _link(blocks: list[dict]) -> str:
    # Compact JSON; ":" and "," may stay as they are in a URL fragment (RFC 3986), the rest is escaped.
    payload = json.dumps({"blocks": blocks}, ensure_ascii=False, separators=(",", ":"))
    return BUILDER + urllib.parse.quote(payload, safe=":,")


def kpi_lines(summary) -> list[str]:
    """The KPI highlights as Markdown lines (the same fields the Slack post shows)."""
    return kpi_markdown(summary)
