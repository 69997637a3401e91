"""Report administration, free of Slack: setup, owners, period targets, history, export rights.

Rights: report admins (file or setup) and workspace admins/owners may change anything; section
owners write their sections; everyone may read status and history. Reports declared in the
TOML file (source "config") are managed by the file and are read-only here. Every change goes
through storage, which records it in the audit table with before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.service import Feedsum, Refused, period_sections
from bot.data.metrics import RATIO_TARGETS
from bot.data.metrics import parse_target as parse_kpi_value
from bot.model import periods
from bot.model.config import (
    CHANNEL_ID,
    REPORT_ID,
    TARGET_KEYS,
    Report,
    Section,
    _calendar_ok,
)
from bot.model.summary import Summary
from bot.model.templates import TEMPLATES, section_text
from bot.text.i18n import locales, t_plain
from storage import admin as store
from storage import repo

SETUP_TEMPLATE = "feed-ads"
SETUP_TARGETS = ("ctr", "cvr", "cpa", "roas")  # shown in the setup form; `target` takes any TARGET_KEYS
DEFAULT_SCHEDULE = {"open_nth_last_business_day": 3, "open_time": "10:00", "due_nth_business_day": 2,
                    "due_time": "12:00"}


class SetupInvalid(Exception):
    """The setup form has problems: field name -> i18n key."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(", ".join(errors))


@dataclass(frozen=True)
class SetupTarget:
    """What `/feedsum setup` works on in a channel."""

    mode: str  # "create" | "edit" | "readonly"
    channel: str
    report: Report | None


@dataclass(frozen=True)
class SetupForm:
    """The setup modal's values, as typed (validated by `build_report`)."""

    name: str
    locale: str
    timezone: str
    calendar: str
    admins: tuple[str, ...]
    included: tuple[str, ...]
    owners: dict[str, tuple[str, ...]]
    schedule: dict[str, Any] = field(default_factory=dict)
    targets: dict[str, str] = field(default_factory=dict)  # kpi -> text ("3%", "0.03", "")
    budget: str = ""


@dataclass(frozen=True)
class HistoryRow:
    period: str
    state: str
    done: int
    total: int
    post_channel: str | None
    post_ts: str | None


# --- parsing -------------------------------------------------------------------------------

def format_kpi_value(kpi: str, value: float) -> str:
    return f"{value * 100:g}%" if kpi in RATIO_TARGETS else f"{value:g}"


# --- setup ---------------------------------------------------------------------------------

def setup_target(core: Feedsum, team_id: str, channel: str | None, user: str,
                 report_id: str | None = None) -> SetupTarget:
    """Which report `/feedsum setup` edits here, and whether this user may (Refused if not)."""
    if report_id:
        report = core.report(team_id, report_id)
        if report is None:
            raise Refused("refuse.unknown_report", id=report_id)
    else:
        if not channel or channel[:1] not in "CG":
            raise Refused("refuse.setup_where")
        here = [r for r in core.reports(team_id) if r.channel == channel]
        if len(here) > 1:
            raise Refused("refuse.which_report", ids=", ".join(r.id for r in here))
        report = here[0] if here else None
    if report is None:
        return SetupTarget("create", channel, None)
    if report.source == "config":
        return SetupTarget("readonly", report.channel, report)
    core.require_admin(report, user, "setup")
    return SetupTarget("edit", report.channel, report)


def new_report_id(core: Feedsum, team_id: str, channel: str) -> str:
    """A report id for a channel's first report: the channel id in lowercase."""
    base = channel.lower()[:36]
    rid, n = base, 1
    while core.report(team_id, rid) is not None:
        n += 1
        rid = f"{base}-{n}"
    assert REPORT_ID.match(rid)
    return rid


def build_report(form: SetupForm, *, team_id: str, channel: str, report_id: str,
                 existing: Report | None = None) -> Report:
    """Validate the form into a Report managed in Slack (source "setup"); SetupInvalid otherwise."""
    errors: dict[str, str] = {}
    name = (form.name or "").strip()
    if not name or len(name) > 80:
        errors["name"] = "setup.bad.name"
    try:
        ZoneInfo(form.timezone.strip())
    except (ZoneInfoNotFoundError, ValueError, TypeError, AttributeError):
        errors["timezone"] = "setup.bad.timezone"
    calendar = (form.calendar or "").strip() or "none"
    if not _calendar_ok(calendar):
        errors["calendar"] = "setup.bad.calendar"
    locale = form.locale if form.locale in locales() else locales()[0]
    admins = tuple(dict.fromkeys(form.admins))
    if not admins:
        errors["admins"] = "setup.bad.admins"
    keys = [k for k in TEMPLATES[SETUP_TEMPLATE] if k in form.included]
    if not keys:
        errors["included"] = "setup.bad.sections"
    schedule = dict(existing.schedule) if existing else {}
    for key in ("open_nth_last_business_day", "due_nth_business_day"):
        raw = str(form.schedule.get(key, "")).strip()
        if not raw.isdigit() or not 1 <= int(raw) <= 10:
            errors[key] = "setup.bad.nth"
        else:
            schedule[key] = int(raw)
    for key in ("open_time", "due_time"):
        raw = str(form.schedule.get(key) or "").strip()
        if len(raw) != 5 or raw[2] != ":":
            errors[key] = "setup.bad.time"
        else:
            schedule[key] = raw
    targets = dict(existing.targets) if existing else {}
    for kpi in SETUP_TARGETS:
        text = (form.targets.get(kpi) or "").strip()
        if not text:
            targets.pop(kpi, None)
            continue
        try:
            targets[kpi] = parse_kpi_value(kpi, text)
        except ValueError:
            errors[f"target_{kpi}"] = "target.hint.ratio" if kpi in RATIO_TARGETS else "target.hint.number"
    budget = None
    if (form.budget or "").strip():
        try:
            budget = parse_kpi_value("spend", form.budget) or None
        except ValueError:
            errors["budget"] = "target.hint.number"
    if not errors:
        try:
            from bot.planning.schedule import Schedule

            Schedule.from_mapping(schedule)
        except ValueError:
            errors["open_time"] = "setup.bad.time"
    if errors:
        raise SetupInvalid(errors)
    sections = tuple(
        Section(key=k, owners=tuple(dict.fromkeys(form.owners.get(k) or ())) or admins,
                title=section_text(SETUP_TEMPLATE, k, "title"), prompt=section_text(SETUP_TEMPLATE, k, "prompt"))
        for k in keys)
    base = existing or Report(id=report_id, name=name, channel=channel, admins=admins, timezone="UTC",
                              locale=locale, calendar=calendar, template=SETUP_TEMPLATE, sections=sections)
    return replace(base, id=report_id, name=name, channel=channel, admins=admins,
                   timezone=form.timezone.strip(), locale=locale, calendar=calendar, template=SETUP_TEMPLATE,
                   sections=sections, schedule=schedule, targets=targets, budget=budget, team_id=team_id,
                   source="setup")


def save_setup(core: Feedsum, team_id: str, channel: str, user: str, form: SetupForm, now: datetime, *,
               report_id: str | None, config_file: str = "feedsum.toml") -> Report:
    """Create or edit a channel's report from the setup form, re-checking rights at save time."""
    if report_id:
        existing = core.report(team_id, report_id)
        if existing is None:  # includes an id that exists only in another workspace
            raise Refused("refuse.unknown_report", id=report_id)
        if existing.source == "config":
            raise Refused("refuse.config_managed", id=existing.id, file=config_file)
        core.require_admin(existing, user, "setup")
        channel = existing.channel
    else:
        existing = None
        if not CHANNEL_ID.match(channel or ""):
            raise Refused("refuse.setup_where")
        taken = [r for r in core.reports(team_id) if r.channel == channel]
        if taken:
            raise Refused("refuse.setup_taken", id=taken[0].id)
        report_id = new_report_id(core, team_id, channel)
        if user not in form.admins:  # whoever creates a report is one of its admins
            form = replace(form, admins=(user, *form.admins))
    report = build_report(form, team_id=team_id, channel=channel, report_id=report_id, existing=existing)
    repo.upsert_report(core.db, team_id, report.to_dict(), actor=user, now=now)
    return report


def setup_defaults(report: Report | None, *, user: str, user_tz: str | None, locale: str) -> SetupForm:
    """The form as it opens: the report's values, or sensible ones for a new report."""
    if report is not None:
        sched = {**DEFAULT_SCHEDULE, **report.schedule}
        return SetupForm(
            name=report.name, locale=report.locale, timezone=report.timezone, calendar=report.calendar,
            admins=report.admins, included=tuple(s.key for s in report.sections),
            owners={s.key: s.owners for s in report.sections},
            schedule={k: sched[k] for k in DEFAULT_SCHEDULE},
            targets={k: format_kpi_value(k, v) for k, v in report.targets.items() if k in SETUP_TARGETS},
            budget=f"{report.budget:g}" if report.budget else "")
    tz = user_tz if user_tz and _zone_ok(user_tz) else "Asia/Shanghai"
    keys = tuple(TEMPLATES[SETUP_TEMPLATE])
    return SetupForm(name="", locale=locale, timezone=tz, calendar=t_plain(locale, "locale.calendar"),
                     admins=(user,), included=keys, owners={k: (user,) for k in keys},
                     schedule=dict(DEFAULT_SCHEDULE))


def _zone_ok(name: str) -> bool:
    try:
        ZoneInfo(name)
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False


# --- owners and targets ----------------------------------------------------------------------

def set_owners(core: Feedsum, report: Report, key: str, users: list[str], actor: str, now: datetime, *,
               config_file: str) -> Report:
    """Replace the owners of one section (admins only; not for file-managed reports)."""
    core.require_admin(report, actor, "owner")
    if report.source == "config":
        raise Refused("refuse.config_managed", id=report.id, file=config_file)
    if report.section(key) is None:
        raise Refused("refuse.unknown_section", key=key, keys=", ".join(s.key for s in report.sections))
    if not users:
        raise Refused("refuse.owner_usage", keys=", ".join(s.key for s in report.sections))
    owners = tuple(dict.fromkeys(users))
    sections = tuple(replace(s, owners=owners) if s.key == key else s for s in report.sections)
    updated = replace(report, sections=sections)
    repo.upsert_report(core.db, report.team_id, updated.to_dict(), actor=actor, now=now)
    return updated


def set_target(core: Feedsum, report: Report, kpi: str, text: str, period: str, actor: str,
               now: datetime) -> tuple[float, float | None]:
    """Store a KPI target for one period (admins only); returns (value, previous value)."""
    core.require_admin(report, actor, "target")
    kpi = kpi.lower()
    if kpi not in TARGET_KEYS:
        raise Refused("refuse.target_usage", kpis=", ".join(TARGET_KEYS))
    try:
        value = parse_kpi_value(kpi, text)
    except ValueError:
        from bot.text.i18n import t

        hint = t(report.locale, "target.hint.ratio" if kpi in RATIO_TARGETS else "target.hint.number")
        raise Refused("refuse.target_value", text=text, kpi=kpi, hint=hint) from None
    previous = store.set_period_target(core.db, report.team_id, report.id, period, kpi, value, by=actor, now=now)
    return value, previous


# --- reading: history and export ------------------------------------------------------------

def history(core: Feedsum, report: Report) -> list[HistoryRow]:
    """Every period of a report, newest first, with completion and where it was posted."""
    answered = store.answered_sections_by_period(core.db, report.team_id, report.id)
    rows = []
    for p in repo.periods_of(core.db, report.team_id, report.id):
        keys = {s.key for s in period_sections(report, p.get("sections")).sections}
        rows.append(HistoryRow(period=p["period"], state=p["state"], done=len(answered.get(p["period"], set()) & keys),
                               total=len(keys), post_channel=p["post_channel"], post_ts=p["post_ts"]))
    return rows


def may_read_text(core: Feedsum, report: Report, period: str, user: str, state: str) -> bool:
    """A posted summary is readable by anyone; before that, by admins and the report's writers."""
    if state == "posted" or report.is_admin(user):
        return True
    if any(user in core.writers(report, period, s.key) or user in s.owners for s in report.sections):
        return True
    return core.is_admin(report, user)


def export_summary(core: Feedsum, report: Report, period: str, user: str, now: datetime) -> Summary:
    """The Summary an export is built from, after checking the user may read its text."""
    summary = core.summary(report, period, now)
    if not may_read_text(core, report, period, user, summary.state):
        raise Refused("refuse.export_private", month=periods.label(period, report.locale))
    return summary
