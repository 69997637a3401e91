"""Property tests (hypothesis): export readers and the mrkdwn escaping of user text.

Example counts are kept modest for CI; raise them with HYPOTHESIS_PROFILE=deep.
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.data.exports import ExportError, read_export
from bot.model.config import parse_reports
from bot.model.summary import SectionState, Summary
from handlers import render
from handlers.outbox import permalink_url
from tests.slack_harness import CONFIG

# --- export readers ---------------------------------------------------------------------------

HEADERS = {  # canonical -> header as a platform writes it (zh / en)
    "date": ("日期", "Day"),
    "campaign": ("计划名称", "Campaign"),
    "spend": ("消耗", "Cost"),
    "impressions": ("展示数", "Impressions"),
    "clicks": ("点击数", "Clicks"),
}
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "gb18030")

row_st = st.tuples(
    st.integers(1, 28),  # day
    st.sampled_from(["计划A", "计划B", "Brand 品牌", "搜索-通投"]),
    st.integers(0, 10_000_000),  # spend in cents
    st.integers(0, 5_000_000),  # impressions
    st.integers(0, 100_000),  # clicks
)


def _export(rows, order, lang: int, delim: str, encoding: str, *, total_row: bool = False) -> bytes:
    cols = [c for c in order]
    lines = [delim.join(HEADERS[c][lang] for c in cols)]
    for day, name, cents, imps, clicks in rows:
        cell = {"date": f"2026-11-{day:02d}", "campaign": name, "spend": f"{cents / 100:.2f}",
                "impressions": str(imps), "clicks": str(clicks)}
        lines.append(delim.join(cell[c] for c in cols))
    if total_row:
        tot = {"date": "合计" if lang == 0 else "Total", "campaign": "", "spend": f"{sum(r[2] for r in rows) / 100:.2f}",
               "impressions": str(sum(r[3] for r in rows)), "clicks": str(sum(r[4] for r in rows))}
        if cols[0] != "date":  # the label goes in the first column, as platforms write it
            tot[cols[0]], tot["date"] = tot["date"], ""
        lines.append(delim.join(tot[c] for c in cols))
    return (("\r\n" if delim == "," else "\n").join(lines) + "\n").encode(encoding)


def _totals_ok(res, rows) -> None:
    frame = res.rows
    assert len(frame) == len(rows)
    assert round(float(frame["spend"].sum()) * 100) == sum(r[2] for r in rows)
    assert round(float(frame["impressions"].sum())) == sum(r[3] for r in rows)
    assert round(float(frame["clicks"].sum())) == sum(r[4] for r in rows)


@given(rows=st.lists(row_st, min_size=1, max_size=30), order=st.permutations(list(HEADERS)),
       lang=st.integers(0, 1), delim=st.sampled_from([",", "\t"]), encoding=st.sampled_from(ENCODINGS),
       total_row=st.booleans())
def test_valid_exports_import_exact_totals(rows, order, lang, delim, encoding, total_row):
    data = _export(rows, order, lang, delim, encoding, total_row=total_row)
    name = "export.csv" if delim == "," else "export.tsv"
    res = read_export(data, name=name)
    _totals_ok(res, rows)


# Not "1,2,3": the readers take "," as a thousands separator without checking the grouping
# (as pandas does), so it reads as 123. Real exports never write that; noted in docs/reliability.md.
JUNK = ["abc", "#N/A!", "--x", "∞", "NaN%", "1e400", "-1e999", "0x1F", "¥-", "1.2.3"]


@given(rows=st.lists(row_st, min_size=2, max_size=20), order=st.permutations(list(HEADERS)),
       encoding=st.sampled_from(ENCODINGS), where=st.integers(0, 100), junk=st.sampled_from(JUNK),
       column=st.sampled_from(["spend", "impressions", "clicks"]))
def test_a_junk_number_is_an_export_error_never_a_silent_total(rows, order, encoding, where, junk, column):
    data = _export(rows, order, 0, ",", encoding).decode(encoding).lstrip("\ufeff").split("\r\n")
    header = data[0].split(",")
    i = 1 + where % len(rows)
    cells = data[i].split(",")
    cells[header.index(HEADERS[column][0])] = f'"{junk}"'
    data[i] = ",".join(cells)
    try:
        res = read_export("\r\n".join(data).encode(encoding), name="junk.csv")
    except ExportError as exc:
        assert str(exc)  # a sentence for the user, naming the file
        return
    # Accepted: then it must not have changed any total silently (e.g. "--x" read as 0).
    _totals_ok(res, rows)
    pytest.fail(f"junk {junk!r} accepted")


@given(data=st.binary(max_size=2000))
def test_random_bytes_import_or_raise_export_error(data):
    with contextlib.suppress(ExportError):
        read_export(data, name="random.csv")


@given(rows=st.lists(row_st, min_size=1, max_size=15), order=st.permutations(list(HEADERS)),
       encoding=st.sampled_from(ENCODINGS), cut=st.integers(0, 10_000), flips=st.lists(
           st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=4))
def test_mutated_exports_import_or_raise_export_error(rows, order, encoding, cut, flips):
    data = bytearray(_export(rows, order, 0, ",", encoding))
    for pos, byte in flips:
        data[pos % len(data)] = byte
    data = bytes(data[: max(1, cut % (len(data) + 1))])
    with contextlib.suppress(ExportError):
        read_export(data, name="mutated.csv")


# --- mrkdwn: user text never becomes a live mention, through the renderers ------------------

LIVE = re.compile(r"<[!@#]")
REPORT = parse_reports(CONFIG, file="test.toml")[0]
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

hostile_text = st.lists(st.one_of(
    st.sampled_from(["<!channel>", "<!here>", "<!everyone>", "<!subteam^S1|@x>", "<@U0ADMIN01>", "<#C0REPORT1>",
                     "<", ">", "&", "&lt;", "&amp;", "&gt;", "<<!channel>>", "<!", "!", "@", "#", "\n", " ", "*", "`",
                     "<https://x.example|y>", "\u200b", "＜!channel＞"]),
    st.text(max_size=20)), max_size=40).map("".join)


def _summary(texts: list[str]) -> Summary:
    sections = [SectionState(key=s.key, title=REPORT.title(s), owners=s.owners, text=texts[i % len(texts)] or None,
                             authors=("U0OWNERA1",) if texts[i % len(texts)] else (), revision=1,
                             first_at=NOW.isoformat(), updated_at=NOW.isoformat())
                for i, s in enumerate(REPORT.sections)]
    return Summary(report=REPORT, period="2026-11", due_at=NOW, state="open", sections=sections)


def _mrkdwn(blocks) -> list[str]:
    out = []

    def walk(x):
        if isinstance(x, dict):
            if x.get("type") == "mrkdwn":
                out.append(x["text"])
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(blocks)
    return out


@given(texts=st.lists(hostile_text, min_size=1, max_size=7), name=hostile_text)
def test_user_text_never_forms_a_live_mention_in_summary_or_prompt(texts, name):
    summary = _summary(texts)
    names = lambda uid: name or uid  # noqa: E731 - display names are user-controlled too
    messages = render.summary_messages(summary, names)
    for _fallback, blocks in messages:
        for text in _mrkdwn(blocks):
            assert not LIVE.search(text), text
    for s in summary.sections:
        _text, blocks = render.prompt_message(summary, s, "U0OWNERA1", names)
        for text in _mrkdwn(blocks):
            # The prompt's own mentions of co-owners are ours; user text may add none.
            assert not LIVE.search(re.sub(r"<@U0[A-Z0-9]+>", "", text.split("\n>", 1)[-1])) or "\n>" not in text
        note = f"note by {name}"
        for _t, blocks in render.section_messages(summary, s, names, note=note):
            for text in _mrkdwn(blocks):
                assert not LIVE.search(text), text


@given(texts=st.lists(hostile_text, min_size=1, max_size=7))
def test_escaped_text_reads_back_as_the_original(texts):
    """Escaping loses nothing: the thread's section text, unescaped and joined, is the input."""
    summary = _summary(texts)
    for s in summary.sections:
        if not s.text:
            continue
        msgs = render.section_messages(summary, s, lambda u: u)
        body = "".join(b["text"]["text"] for _t, blocks in msgs for b in blocks[2:] if b["type"] == "section")
        assert body.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == s.text
        assert json.dumps(msgs)  # serialisable as sent


# --- mrkdwn: report names, section titles and display names, on every surface ---------------

def _hostile_report(name: str, title: str):
    import dataclasses

    sections = list(REPORT.sections)
    first = dataclasses.replace(sections[0], title={REPORT.locale: title or "t"})
    return dataclasses.replace(REPORT, name=name or "n", sections=(first, *sections[1:]))


def _ours(text: str) -> str:
    """Drop the bot's own mentions and links (owners, archive links); what is left came from users."""
    text = re.sub(r"<@U0(?:ADMIN01|OWNERA1|OWNERB1)>", "", text)
    return re.sub(r"<https://slack\.com/archives/[A-Z0-9]+/p\d+\|", "", text)


@given(name=hostile_text, title=hostile_text, person=hostile_text, body=hostile_text)
def test_names_titles_and_people_never_form_live_markup(name, title, person, body):
    from bot.core.home import HomeState, Pending, Recent, ReportProgress
    from bot.text.mrkdwn import plain
    from handlers import admin_render

    report = _hostile_report(name, title)
    summary = _summary([body or "x"])
    summary = Summary(report=report, period=summary.period, due_at=NOW, state="posted",
                      sections=[SectionState(**{**s.__dict__, "title": report.title(report.sections[i])})
                                for i, s in enumerate(summary.sections)],
                      post_channel="C0REPORT1", post_ts="1800000000.000100")
    names = lambda uid: person  # noqa: E731
    out = list(render.summary_messages(summary, names))
    for s in summary.sections:
        out.append(render.prompt_message(summary, s, "U0OWNERA1", names))
        out += render.section_messages(summary, s, names, note=f"{person} {title}")
    link = permalink_url("https://slack.com/api/", summary.post_channel, summary.post_ts)
    out.append(render.status_message(summary, away={"U0OWNERB1": person}, link=link, next_lines=[person]))
    out.append(admin_render.owners_message(report, config_file="f.toml"))
    home = HomeState(user="U0OWNERA1", pending=[Pending(summary, summary.sections[0])],
                     reports=[ReportProgress(summary, [])], recent=[Recent(report, "2026-11", "C0REPORT1", "1.2")])
    out.append(("", admin_render.home_view(home, locale="zh-CN", permalink=lambda *m: permalink_url(
        "https://slack.com/api/", *m[1:]))["blocks"]))
    for fallback, blocks in out:
        for text in [fallback, *_mrkdwn(blocks)]:
            assert not LIVE.search(_ours(text)), text
    # Headers are plain_text: they show the name as typed, not entities.
    header = out[0][1][0]
    if header["type"] == "header":
        assert header["text"]["text"] == plain(render.title_of(summary))
        assert (name or "n") in header["text"]["text"]


@given(text=hostile_text)
def test_plain_undoes_escape_exactly(text):
    from bot.text.mrkdwn import as_mrkdwn, escape, md, plain

    assert plain(escape(text)) == text
    assert escape(escape(text)) == escape(text)  # escaping safe text again changes nothing
    assert as_mrkdwn(md("*{}*", text)) == "*" + escape(text) + "*"
