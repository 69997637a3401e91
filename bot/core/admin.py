"""Report administration, free of Slack: setup, owners, period targets, history, export rights.

Rights: report admins (file or setup) and workspace admins/owners may change anything; section
owners write their sections; everyone may read status and history. Reports declared in the
TOML file (source "config") are managed by the file and are read-only here. Every change goes
through storage, which records it in the audit table with before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.service import Feedsum, Refused, period_sections
from bot.data.metrics import RATIO_TARGETS, target_number
from bot.data.metrics import parse_target as parse_kpi_value
from bot.model import periods
from bot.model.config import CHANNEL_ID, REPORT_ID, TARGET_KEYS, Report, ReportInvalid, check_report
from bot.model.schedule import Schedule, ScheduleError
from bot.model.summary import Summary
from bot.model.templates import TEMPLATES
from bot.text.i18n import Msg, t, t_plain, text_of
from bot.text.mrkdwn import plain
from storage.rows import PeriodState

SETUP_TEMPLATE = "feed-ads"
SETUP_TARGETS = ("ctr", "cvr", "cpa", "roas")  # shown in the setup form; `target` takes any TARGET_KEYS
SETUP_SCHEDULE_KEYS = ("open_nth_last_business_day", "open_time", "due_nth_business_day", "due_time")
# The form field of a report setting, where its name differs.
_FORM_FIELDS = {"sections": "included"}


def schedule_fields(schedule: Schedule) -> dict[str, str]:
    """The setup form's schedule fields as they open."""
    return {k: f"{v:%H:%M}" if isinstance(v, time) else str(v)
            for k, v in ((k, getattr(schedule, k)) for k in SETUP_SCHEDULE_KEYS)}


class SetupInvalid(Exception):
    """The setup form has problems: field (block id) -> what is wrong (a Msg, or text)."""

    def __init__(self, errors: dict[str, object]):
        self.errors = errors
        super().__init__(", ".join(errors))

    def texts(self, locale: str) -> dict[str, str]:
        """Each field's problem as plain text in `locale` (a modal's inline errors)."""
        return {k: plain(text_of(v, locale)) for k, v in self.errors.items()}


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
    schedule: dict[str, str] = field(default_factory=lambda: schedule_fields(Schedule()))
    targets: dict[str, str] = field(default_factory=dict)  # kpi -> text ("3%", "0.03", "")
    budget: str = ""


@dataclass(frozen=True)
class HistoryRow:
    period: str
    state: PeriodState
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
    """Validate the form into a Report managed in Slack (source "setup"); SetupInvalid otherwise.

    The form is turned into the `[[reports]]` table the config file would hold and checked by the
    same validator (config.check_report), so both refuse the same values with the same messages.
    Only what a form field needs first is done here: text to numbers, the template's order."""
    errors: dict[str, object] = {}
    schedule = existing.schedule.to_mapping() if existing else {}
    for key in SETUP_SCHEDULE_KEYS:
        raw = str(form.schedule.get(key) or "").strip()
        schedule[key] = int(raw) if key.endswith("_day") and raw.isdigit() else raw
    targets: dict[str, object] = dict(existing.targets) if existing else {}
    for kpi in SETUP_TARGETS:
        text = (form.targets.get(kpi) or "").strip()
        targets.pop(kpi, None)
        if text:
            try:
                targets[kpi] = target_number(kpi, text)
            except ValueError:
                errors[f"target_{kpi}"] = Msg("target.hint.ratio" if kpi in RATIO_TARGETS else "target.hint.number")
    budget = None
    if (form.budget or "").strip():
        try:
            budget = target_number("spend", form.budget)
        except ValueError:
            errors["budget"] = Msg("target.hint.number")
    admins = list(dict.fromkeys(form.admins))
    table = {
        "id": report_id, "name": form.name or "", "channel": channel, "admins": admins,
        "timezone": (form.timezone or "").strip(), "locale": form.locale, "calendar": (form.calendar or "").strip(),
        "template": SETUP_TEMPLATE, "schedule": schedule, "targets": targets, "team_id": team_id,
        "sections": [{"key": k, "owners": list(dict.fromkeys(form.owners.get(k) or ()))}
                     for k in TEMPLATES[SETUP_TEMPLATE] if k in form.included],
        **({"budget": budget} if budget is not None else {}),
        **({"roi": existing.roi} if existing else {}),
    }
    try:
        report = check_report(table, source="setup")
    except ReportInvalid as exc:
        for key, problem in exc.problems:
            if isinstance(problem, ScheduleError):  # one error under each of its fields
                for sub, what in problem.problems:
                    errors.setdefault(sub or SETUP_SCHEDULE_KEYS[0], what)
            else:
                errors.setdefault(_FORM_FIELDS.get(key) or key.replace("targets.", "target_"), problem)
    if errors:
        raise SetupInvalid(errors)
    if existing:  # what the form does not show stays as it was
        report = replace(report, metrics=existing.metrics, currency=existing.currency,
                         currency_rates=existing.currency_rates, base_dir=existing.base_dir)
    return report


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
    core.store.reports.upsert(team_id, report.to_dict(), actor=user, now=now)
    return report


def setup_defaults(report: Report | None, *, user: str, user_tz: str | None, locale: str) -> SetupForm:
    """The form as it opens: the report's values, or sensible ones for a new report."""
    if report is not None:
        return SetupForm(
            name=report.name, locale=report.locale, timezone=report.timezone, calendar=report.calendar,
            admins=report.admins, included=tuple(s.key for s in report.sections),
            owners={s.key: s.owners for s in report.sections},
            schedule=schedule_fields(report.schedule),
            targets={k: format_kpi_value(k, v) for k, v in report.targets.items() if k in SETUP_TARGETS},
            budget=f"{report.budget:g}" if report.budget else "")
    tz = user_tz if user_tz and _zone_ok(user_tz) else "Asia/Shanghai"
    keys = tuple(TEMPLATES[SETUP_TEMPLATE])
    return SetupForm(name="", locale=locale, timezone=tz, calendar=t_plain(locale, "locale.calendar"),
                     admins=(user,), included=keys, owners={k: (user,) for k in keys})


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
    core.store.reports.upsert(report.team_id, updated.to_dict(), actor=actor, now=now)
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
        hint = t(report.locale, "target.hint.ratio" if kpi in RATIO_TARGETS else "target.hint.number")
        raise Refused("refuse.target_value", text=text, kpi=kpi, hint=hint) from None
    before = core.store.targets.set(report.team_id, report.id, period, {kpi: value}, by=actor, now=now)
    return value, before.get(kpi)


# --- reading: history and export ------------------------------------------------------------

def history(core: Feedsum, report: Report) -> list[HistoryRow]:
    """Every period of a report, newest first, with completion and where it was posted."""
    answered = core.store.answers.answered_by_period(report.team_id, report.id)
    rows = []
    for p in core.store.periods.of_report(report.team_id, report.id):
        keys = {s.key for s in period_sections(report, p.sections).sections}
        rows.append(HistoryRow(period=p.period, state=p.state, done=len(answered.get(p.period, set()) & keys),
                               total=len(keys), post_channel=p.post_channel, post_ts=p.post_ts))
    return rows


def export_summary(core: Feedsum, report: Report, period: str, user: str, now: datetime) -> Summary:
    """The Summary an export is built from, after checking the user may read its text."""
    summary = core.summary(report, period, now)
    if not core.may_read(report, period, user, summary.state):
        raise Refused("refuse.export_private", month=periods.label(period, report.locale))
    return summary
