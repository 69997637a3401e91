"""Settings from the environment and report definitions from the TOML file.

Both are loaded once at start-up into typed objects; every problem is reported as a
ConfigError that names the file, the key and what is wrong.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from cryptography.fernet import Fernet

from bot.model.dates import parse_date_format
from bot.model.platforms import PLATFORMS, account_problem, available
from bot.model.schedule import Schedule, ScheduleError
from bot.model.templates import TEMPLATES, section_text
from bot.text.i18n import Msg, locales

DEFAULT_API_BASE = "https://slack.com/api/"
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
REPORT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
SECTION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
ROI_MODES = ("revenue", "profit")
RATIO_KPIS = ("ctr", "cvr")  # shares of 1: targets written as fractions
TARGET_KEYS = ("ctr", "cpc", "cpm", "cvr", "cpa", "roas", "profit_roi", "spend", "conversions",
               "clicks", "impressions", "revenue")


def valid_key(key: str) -> bool:
    try:
        Fernet(key.encode())
    except (ValueError, TypeError):
        return False
    return True


class ConfigError(Exception):
    """A configuration problem, phrased for the person who edits the file."""

    def __init__(self, file: str, key: str, problem: str):
        self.file, self.key, self.problem = file, key, problem
        super().__init__(f"{file}: {key}: {problem}" if key else f"{file}: {problem}")


# Every setting with its default and help; README and .env.example are checked against this.
SETTINGS_HELP: dict[str, tuple[str | None, str]] = {
    "SLACK_BOT_TOKEN": (None, "Bot token (xoxb-…). Required for `run`, `tick`, `scheduler`."),
    "SLACK_SIGNING_SECRET": (None, "Signing secret; required for the HTTP endpoint."),
    "SLACK_APP_TOKEN": (None, "App-level token (xapp-…): when set, `run` uses Socket Mode."),
    "SLACK_API_BASE_URL": (DEFAULT_API_BASE, "Web API base URL (GovSlack, tests)."),
    "SLACK_CLIENT_ID": (None, "OAuth client id: with the secret, enables multi-workspace install."),
    "SLACK_CLIENT_SECRET": (None, "OAuth client secret."),
    "FEEDSUM_DB": ("./feedsum.db", "SQLite database file."),
    "FEEDSUM_CONFIG": ("./feedsum.toml", "Report definitions (TOML)."),
    "FEEDSUM_LEASE_SECONDS": ("120", "How long a dead process's claim on a message blocks others (a live one renews it)."),
    "PORT": ("3000", "HTTP port for `run` without Socket Mode."),
    "LOG_LEVEL": ("INFO", "Python log level."),
    "FEEDSUM_SECRET_KEY": (None, "Fernet key that encrypts ad-platform tokens feedsum refreshes and stores."),
}


@dataclass(frozen=True)
class Settings:
    bot_token: str | None
    signing_secret: str | None
    app_token: str | None
    api_base_url: str
    client_id: str | None
    client_secret: str | None
    db_path: str
    config_path: str
    port: int
    log_level: str
    lease_seconds: float = 120.0
    secret_key: str | None = None  # Fernet key for stored ad-platform tokens (bot/data/sources/secrets.py)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Read settings from a mapping (os.environ in production, a dict in tests)."""

        def get(name: str) -> str | None:
            value = (env.get(name) or "").strip()
            return value or SETTINGS_HELP[name][0]

        port_text = get("PORT") or "3000"
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError("environment", "PORT", f"expected a port number, got {port_text!r}")
        lease_text = get("FEEDSUM_LEASE_SECONDS") or "120"
        try:
            lease = float(lease_text)
        except ValueError:
            lease = 0.0
        if not 0 < lease < 86_400:
            raise ConfigError("environment", "FEEDSUM_LEASE_SECONDS",
                              f"expected a number of seconds (e.g. 120), got {lease_text!r}")
        secret_key = get("FEEDSUM_SECRET_KEY")
        if secret_key and not valid_key(secret_key):
            raise ConfigError("environment", "FEEDSUM_SECRET_KEY",
                              "expected a Fernet key (44 characters of URL-safe base64); make one with "
                              "`python3 -c \"from cryptography.fernet import Fernet; "
                              "print(Fernet.generate_key().decode())\"`")
        base = get("SLACK_API_BASE_URL") or DEFAULT_API_BASE
        if not base.startswith(("http://", "https://")):
            raise ConfigError("environment", "SLACK_API_BASE_URL", f"expected an http(s) URL, got {base!r}")
        return cls(
            bot_token=get("SLACK_BOT_TOKEN"),
            signing_secret=get("SLACK_SIGNING_SECRET"),
            app_token=get("SLACK_APP_TOKEN"),
            api_base_url=base if base.endswith("/") else base + "/",
            client_id=get("SLACK_CLIENT_ID"),
            client_secret=get("SLACK_CLIENT_SECRET"),
            db_path=get("FEEDSUM_DB") or "./feedsum.db",
            config_path=get("FEEDSUM_CONFIG") or "./feedsum.toml",
            port=int(port_text),
            log_level=(get("LOG_LEVEL") or "INFO").upper(),
            lease_seconds=lease,
            secret_key=secret_key,
        )

    @property
    def oauth(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def require(self, *names: str) -> None:
        """Fail fast, naming the missing variable, when a command needs it."""
        for name in names:
            attr = {"SLACK_BOT_TOKEN": "bot_token", "SLACK_SIGNING_SECRET": "signing_secret"}[name]
            if not getattr(self, attr):
                raise ConfigError("environment", name, "is required for this command but not set")


@dataclass(frozen=True)
class Section:
    key: str
    owners: tuple[str, ...]
    title: dict[str, str]  # locale -> title
    prompt: dict[str, str]  # locale -> guidance


@dataclass(frozen=True)
class MetricSource:
    path: str | None = None  # glob relative to the config file
    preset: str = "auto"
    columns: dict[str, str] = field(default_factory=dict)
    platform: str | None = None
    url: str | None = None  # SQL source: SQLAlchemy URL or SQLite path
    query: str | None = None
    month: str | None = None  # "YYYY-MM": files a report that covers a period (not days) under this month
    date_format: str | None = None  # "DMY", "MDY" or strftime: day/month order when the dates can't tell
    # An ad platform's reporting API (bot/data/sources/): which one, the account, where its secrets are.
    api: str | None = None  # google-ads | meta | tiktok | oceanengine | tencent
    account: str | None = None
    credentials: str | None = None  # "env:NAME" or a JSON file (relative to the config)
    level: str = "campaign"  # or "adgroup", or "creative" (Meta, TikTok: the ad)
    backfill_days: int = 30  # days before today pulled again each time (late conversions)
    base_url: str | None = None  # tests point this at a fake; production leaves the platform's address
    token_url: str | None = None  # the OAuth token endpoint, likewise
    api_version: str | None = None  # e.g. "v21": when a platform retires the default
    login_customer_id: str | None = None  # Google Ads: the manager account the credentials sign in through
    conversion_action: str | None = None  # Meta: the action type counted as a conversion

    @property
    def label(self) -> str:
        """How the source is named in messages, states and snapshots (never a secret)."""
        if self.api:
            return f"{self.api}:{self.account}"
        return self.path or self.url or ""


@dataclass(frozen=True)
class Report:
    id: str
    name: str
    channel: str
    admins: tuple[str, ...]
    timezone: str
    locale: str
    calendar: str
    template: str
    sections: tuple[Section, ...]
    schedule: Schedule = field(default_factory=Schedule)
    metrics: tuple[MetricSource, ...] = ()
    targets: dict[str, float] = field(default_factory=dict)
    roi: str = "revenue"
    budget: float | None = None
    currency: str | None = None  # what totals are in when accounts of several currencies are added up
    currency_rates: dict[str, float] = field(default_factory=dict)  # units of `currency` per unit of each
    team_id: str = ""  # filled from the workspace the bot token belongs to
    source: str = "config"  # "config" (managed by the file) or "setup" (managed in Slack)
    base_dir: str = "."  # where relative metric paths are resolved

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def title(self, section: Section) -> str:
        return section.title.get(self.locale) or next(iter(section.title.values()))

    def prompt(self, section: Section) -> str:
        return section.prompt.get(self.locale) or next(iter(section.prompt.values()), "")

    def owners_of(self, key: str) -> tuple[str, ...]:
        sec = self.section(key)
        return sec.owners if sec else ()

    def is_admin(self, user: str) -> bool:
        return user in self.admins

    def to_dict(self) -> dict[str, Any]:
        """What the database stores: plain JSON values, the schedule as its table."""
        d = asdict(self)
        d["schedule"] = self.schedule.to_mapping()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Report:
        d = dict(d)
        d["schedule"] = Schedule.from_mapping(d.get("schedule"))
        d["admins"] = tuple(d["admins"])
        d["sections"] = tuple(
            Section(key=s["key"], owners=tuple(s["owners"]), title=s["title"], prompt=s["prompt"])
            for s in d["sections"]
        )
        d["metrics"] = tuple(MetricSource(**m) for m in d.get("metrics", ()))
        return cls(**d)


def load_config(path: str | Path, *, must_exist: bool = False) -> list[Report]:
    """Load and validate the reports file; a missing file means no file-managed reports."""
    path = Path(path)
    if not path.exists():
        if must_exist:
            raise ConfigError(str(path), "", "file not found")
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(str(path), "", "is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), "", f"is not valid TOML ({exc})") from None
    return parse_reports(data, file=str(path), base_dir=str(path.parent.resolve()))


def parse_reports(data: Mapping[str, Any], *, file: str, base_dir: str = ".") -> list[Report]:
    """Validate the TOML document's `[[reports]]` tables."""
    unknown = set(data) - {"reports"}
    if unknown:
        raise ConfigError(file, sorted(unknown)[0], "unknown top-level key (expected [[reports]])")
    raw_reports = data.get("reports", [])
    if not isinstance(raw_reports, list):
        raise ConfigError(file, "reports", "expected [[reports]] tables")
    reports: list[Report] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_reports):
        report = _parse_report(raw, file=file, where=f"reports[{i}]", base_dir=base_dir)
        if report.id in seen:
            raise ConfigError(file, f"reports[{i}].id", f"duplicate report id {report.id!r}")
        seen.add(report.id)
        reports.append(report)
    return reports


REPORT_KEYS = {"id", "name", "channel", "admins", "timezone", "locale", "calendar", "template",
               "sections", "schedule", "metrics", "targets", "roi", "budget", "team_id", "currency",
               "currency_rates"}


class ReportInvalid(ValueError):
    """Every rule a report definition breaks, as (key, problem) pairs in the order of the keys:
    keys as in the file ("timezone", "sections[0].key", "targets.ctr"); a problem is a Msg (its
    str() is English), or for "schedule" a ScheduleError naming each of its keys."""

    def __init__(self, problems: list[tuple[str, object]]):
        self.problems = problems
        super().__init__("; ".join(f"{key}: {problem}" for key, problem in problems))


class _Invalid(ValueError):
    def __init__(self, key: str, problem: object):
        self.key, self.problem = key, problem
        super().__init__(f"{key}: {problem}")


def _parse_report(raw: Any, *, file: str, where: str, base_dir: str) -> Report:
    if not isinstance(raw, dict):
        raise ConfigError(file, where, "expected a table")
    try:
        return check_report(raw, base_dir=base_dir)
    except ReportInvalid as exc:
        key, problem = exc.problems[0]  # the file's reader fixes one thing at a time
        raise ConfigError(file, f"{where}.{key}", str(problem)) from None


def check_report(raw: Mapping[str, Any], *, source: str = "config", base_dir: str = ".") -> Report:
    """The one validator of report definitions, for the file and `/feedsum setup` alike: the
    Report, or ReportInvalid listing every problem. ``raw`` is a ``[[reports]]`` table (the setup
    form is turned into one, see bot/core/admin.py)."""
    problems: list[tuple[str, object]] = []

    def check(fn, *args, default=None):
        try:
            return fn(*args)
        except _Invalid as exc:
            problems.append((exc.key, exc.problem))
            return default

    fail = _Invalid
    unknown = sorted(k for k in raw if k not in REPORT_KEYS)
    if unknown:
        problems.append((unknown[0], f"unknown key (allowed: {', '.join(sorted(REPORT_KEYS))})"))
    missing = [k for k in ("id", "name", "channel", "admins") if k not in raw]
    problems += [(k, "is required") for k in missing]
    rid = check(_check_id, raw.get("id")) if "id" in raw else None
    name = check(check_name, raw.get("name")) if "name" in raw else None
    channel = check(_check_channel, raw.get("channel")) if "channel" in raw else None
    admins = check(check_admins, raw.get("admins"), default=()) if "admins" in raw else ()
    tz = check(check_timezone, raw.get("timezone", "Asia/Shanghai"))
    locale = check(check_locale, raw.get("locale", "zh-CN"))
    calendar = check(check_calendar, raw.get("calendar", "CN"))
    template = raw.get("template", "feed-ads")
    if template not in TEMPLATES:
        problems.append(("template", f"unknown template {template!r} (known: {', '.join(TEMPLATES)})"))
        sections = ()
    else:
        sections = check(_parse_sections, raw.get("sections"), template, admins, fail)
    schedule = check(check_schedule, raw.get("schedule", {}))
    metrics = check(_parse_metrics, raw.get("metrics", []), fail)
    targets = check(_parse_targets, raw.get("targets", {}), fail)
    roi = raw.get("roi", "revenue")
    if roi not in ROI_MODES:
        problems.append(("roi", f'expected "revenue" (revenue ÷ spend) or "profit" ((revenue − spend) ÷ spend), '
                                f"got {roi!r}"))
    budget = check(check_budget, raw.get("budget"))
    currency, rates = check(_parse_currency, raw, fail, default=(None, {}))
    if problems:
        raise ReportInvalid(problems)
    return Report(
        id=rid, name=name, channel=channel, admins=admins, timezone=tz,
        locale=locale, calendar=calendar, template=template, sections=sections,
        schedule=schedule, metrics=metrics, targets=targets, roi=roi,
        budget=budget, team_id=raw.get("team_id", ""), currency=currency,
        currency_rates=rates,
        source=source, base_dir=base_dir,
    )


# --- the rules, each for one setting (the setup form's fields use the same ones) -------------

TITLE_MAX = 80  # a section's title: it heads prompts and forms


def _check_id(rid: Any) -> str:
    if not isinstance(rid, str) or not REPORT_ID.match(rid):
        raise _Invalid("id", f"expected lowercase letters, digits, '-' or '_', got {rid!r}")
    return rid


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise _Invalid("name", Msg("rule.text_empty"))
    return name.strip()


def _check_channel(channel: Any) -> str:
    if not isinstance(channel, str) or not CHANNEL_ID.match(channel):
        raise _Invalid("channel", f'expected a channel id like "C0123456789", got {channel!r}')
    return channel


def check_admins(value: Any) -> tuple[str, ...]:
    admins = _user_list(value, _Invalid, "admins")
    if not admins:
        raise _Invalid("admins", Msg("rule.admins_none"))
    return admins


def check_timezone(tz: Any) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise _Invalid("timezone", Msg("rule.timezone", value=repr(tz))) from None
    return tz


def check_locale(locale: Any) -> str:
    if locale not in locales():  # every locale with a catalogue (bot/text/catalogue/)
        raise _Invalid("locale", Msg("rule.locale", known=", ".join(locales()), value=repr(locale)))
    return locale


def check_calendar(calendar: Any) -> str:
    if not isinstance(calendar, str) or not _calendar_ok(calendar):
        raise _Invalid("calendar", Msg("rule.calendar", value=repr(calendar)))
    return calendar


def check_schedule(table: Any) -> Schedule:
    if not isinstance(table, dict):
        raise _Invalid("schedule", "expected a table [reports.schedule]")
    try:
        return Schedule.from_mapping(table)
    except ScheduleError as exc:
        raise _Invalid("schedule", exc) from None


def check_target(kpi: str, value: Any) -> float:
    """A KPI target's value: a non-negative number, ratios (CTR, CVR) as fractions."""
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0 or value != value:
        raise _Invalid(f"targets.{kpi}", Msg("rule.target_number", value=repr(value)))
    if kpi in RATIO_KPIS and value > 1:
        raise _Invalid(f"targets.{kpi}", Msg("rule.target_ratio", fraction=f"{value / 100:g}", percent=f"{value:g}"))
    return float(value)


def check_budget(budget: Any) -> float | None:
    if budget is not None and (not isinstance(budget, int | float) or isinstance(budget, bool) or not budget > 0):
        raise _Invalid("budget", Msg("rule.budget", value=repr(budget)))
    return float(budget) if budget is not None else None


def _user_list(value: Any, fail, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise fail(key, 'expected a list of Slack user ids like ["U0123ABCD"]')
    for item in value:
        if not isinstance(item, str) or not USER_ID.match(item):
            raise fail(key, Msg("rule.user_ids", value=repr(item)))
    return tuple(dict.fromkeys(value))


def _parse_sections(raw: Any, template: str, admins: tuple[str, ...], fail) -> tuple[Section, ...]:
    tpl = TEMPLATES[template]
    if raw is None:
        # Default: every template section, owned by the admins until someone is assigned.
        return tuple(Section(key=k, owners=admins, title=section_text(template, k, "title"),
                             prompt=section_text(template, k, "prompt")) for k in tpl)
    if not isinstance(raw, list):
        raise fail("sections", "expected one or more [[reports.sections]] tables")
    if not raw:
        raise fail("sections", Msg("rule.sections_none"))
    out: list[Section] = []
    for j, sec in enumerate(raw):
        where = f"sections[{j}]"
        if not isinstance(sec, dict):
            raise fail(where, "expected a table")
        extra = set(sec) - {"key", "owners", "title", "prompt"}
        if extra:
            raise fail(f"{where}.{sorted(extra)[0]}", "unknown key (allowed: key, owners, title, prompt)")
        key = sec.get("key")
        if not isinstance(key, str) or not SECTION_KEY.match(key):
            raise fail(f"{where}.key", f"expected a short lowercase key like \"results\", got {key!r}")
        if any(s.key == key for s in out):
            raise fail(f"{where}.key", f"duplicate section {key!r}")
        owners = _user_list(sec.get("owners", list(admins)), fail, f"{where}.owners") or admins
        title, prompt = sec.get("title"), sec.get("prompt")
        if key in tpl:
            titles = section_text(template, key, "title")
            prompts = section_text(template, key, "prompt")
        else:
            if not title or not prompt:
                raise fail(where, f"section {key!r} is not in template {template!r}: give it a title and a prompt")
            titles, prompts = {}, {}
        for name, value, target in (("title", title, titles), ("prompt", prompt, prompts)):
            if value is None:
                continue
            if not isinstance(value, str) or not value.strip():
                raise fail(f"{where}.{name}", Msg("rule.text_empty"))
            if name == "title" and len(value) > TITLE_MAX:
                raise fail(f"{where}.title", Msg("rule.text_long", n=TITLE_MAX))
            target.clear()
            target.update({loc: value.strip() for loc in locales()})
        out.append(Section(key=key, owners=owners, title=titles, prompt=prompts))
    return tuple(out)


def _calendar_ok(code: str) -> bool:
    if code.lower() == "none":
        return True

    return code.upper() in holidays.list_supported_countries()


def _parse_metrics(raw: Any, fail) -> tuple[MetricSource, ...]:
    if not isinstance(raw, list):
        raise fail("metrics", "expected [[reports.metrics]] tables")
    out = []
    for j, m in enumerate(raw):
        where = f"metrics[{j}]"
        if not isinstance(m, dict):
            raise fail(where, "expected a table")
        if "api" in m:
            out.append(_parse_api_source(m, where, fail))
            continue
        allowed = ("path", "preset", "columns", "platform", "url", "query", "month", "date_format")
        extra = set(m) - set(allowed)
        if extra:
            hint = " (an API source needs api = \"google-ads\", \"meta\", …)" if set(extra) & set(API_KEYS) else ""
            raise fail(f"{where}.{sorted(extra)[0]}", f"unknown key (allowed: {', '.join(allowed)}){hint}")
        if bool(m.get("path")) == bool(m.get("url")):
            raise fail(where, 'give either path = "exports/*.csv", url + query (an SQL source) or api = "google-ads" '
                              '(an ad platform\'s API)')
        if m.get("url") and not m.get("query"):
            raise fail(f"{where}.query", "is required with url")
        columns = m.get("columns", {})
        if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
            raise fail(f"{where}.columns", 'expected a table like { spend = "花费(元)" }')
        platform = m.get("platform")
        if platform is not None and (not isinstance(platform, str) or not platform.strip()):
            raise fail(f"{where}.platform", 'expected the name to put on the rows, like "Pinterest"')
        month = m.get("month")
        if month is not None and (not isinstance(month, str) or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month)):
            raise fail(f"{where}.month", f'expected a month like "2026-11", got {month!r}')
        date_format = m.get("date_format")
        if date_format is not None:
            try:
                if not isinstance(date_format, str) or parse_date_format(date_format) == (None, None):
                    raise ValueError(date_format)
            except ValueError:
                raise fail(f"{where}.date_format", 'expected "DMY" (day first), "MDY" (month first) or a strftime '
                                                   f'pattern like "%d/%m/%Y", got {date_format!r}') from None
        out.append(MetricSource(path=m.get("path"), preset=m.get("preset", "auto"), columns=dict(columns),
                                platform=platform, url=m.get("url"), query=m.get("query"), month=month,
                                date_format=date_format))
    return tuple(out)


CREATIVE_APIS = ("meta", "tiktok")  # the APIs whose ad level feedsum pulls as creatives (level = "creative")
API_KEYS = ("api", "account", "credentials", "level", "backfill_days", "platform", "base_url", "token_url",
            "api_version", "login_customer_id", "conversion_action")
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
BACKFILL_MAX_DAYS = 90  # Google's longest conversion window; Meta's attribution windows are shorter


def _parse_api_source(m: dict, where: str, fail) -> MetricSource:
    api = m.get("api")
    if api not in PLATFORMS:
        raise fail(f"{where}.api", f"unknown platform {api!r} (known: {', '.join(PLATFORMS)})")
    if not available(api):
        ready = ", ".join(p for p in PLATFORMS if available(p))
        raise fail(f"{where}.api", f"{api!r} is not supported by this version of feedsum yet (supported: {ready}); "
                                   "use its exports with path = … meanwhile")
    extra = set(m) - set(API_KEYS)
    if extra:
        raise fail(f"{where}.{sorted(extra)[0]}", f"unknown key for an API source (allowed: {', '.join(API_KEYS)})")
    account = m.get("account")
    if isinstance(account, int) and not isinstance(account, bool):
        account = str(account)
    if not isinstance(account, str) or not account.strip():
        raise fail(f"{where}.account", f"is required: the {api} account (advertiser) id, as a string")
    account = account.strip()
    problem = account_problem(api, account)
    if problem:
        raise fail(f"{where}.account", problem)
    credentials = m.get("credentials")
    if not isinstance(credentials, str) or not credentials.strip():
        raise fail(f"{where}.credentials", 'is required: "env:NAME" (secrets in NAME_… environment variables) or the '
                                           "path of a JSON file; never the secrets themselves")
    credentials = credentials.strip()
    if credentials.startswith("env:") and not ENV_NAME.match(credentials[4:]):
        raise fail(f"{where}.credentials", f'expected "env:NAME" with NAME in capitals like GOOGLE_ADS, got {credentials!r}')
    level = m.get("level", "campaign")
    if level not in ("campaign", "adgroup", "creative"):
        raise fail(f"{where}.level", f'expected "campaign", "adgroup" or "creative", got {level!r}')
    if level == "creative" and api not in CREATIVE_APIS:
        raise fail(f"{where}.level", f'"creative" is pulled from {" and ".join(CREATIVE_APIS)} only; for {api}, '
                                     "import its creative report as an export file (docs/exports.md)")
    backfill = m.get("backfill_days", 30)
    if not isinstance(backfill, int) or isinstance(backfill, bool) or not 0 <= backfill <= BACKFILL_MAX_DAYS:
        raise fail(f"{where}.backfill_days", f"expected a whole number of days from 0 to {BACKFILL_MAX_DAYS}, got {backfill!r}")
    for key in ("base_url", "token_url"):
        value = m.get(key)
        if value is not None and (not isinstance(value, str) or not re.match(r"^https?://[^/\s]+", value)):
            raise fail(f"{where}.{key}", f"expected an http(s) URL, got {value!r}")
    version = m.get("api_version")
    if version is not None and (not isinstance(version, str) or not re.fullmatch(r"v\d+(\.\d+)?", version)):
        raise fail(f"{where}.api_version", f'expected a version like "v21", got {version!r}')
    login = m.get("login_customer_id")
    if login is not None:
        if api != "google-ads":
            raise fail(f"{where}.login_customer_id", "is for Google Ads manager accounts only")
        if isinstance(login, int) and not isinstance(login, bool):
            login = str(login)
        if not isinstance(login, str) or not re.fullmatch(r"\d{3}-?\d{3}-?\d{4}", login.strip()):
            raise fail(f"{where}.login_customer_id", f'expected a manager account id like "123-456-7890", got {login!r}')
        login = login.strip()
    action = m.get("conversion_action")
    if action is not None:
        if api != "meta":
            raise fail(f"{where}.conversion_action", "is for Meta only (Google Ads counts its primary conversions)")
        if not isinstance(action, str) or not re.fullmatch(r"[a-z0-9_.:-]{1,100}", action):
            raise fail(f"{where}.conversion_action",
                       f'expected an action type like "offsite_conversion.fb_pixel_purchase", got {action!r}')
    platform = m.get("platform")
    if platform is not None and (not isinstance(platform, str) or not platform.strip()):
        raise fail(f"{where}.platform", 'expected the name to put on the rows, like "Google Ads (HK)"')
    return MetricSource(api=api, account=account, credentials=credentials, level=level, backfill_days=backfill,
                        platform=platform, base_url=m.get("base_url"), token_url=m.get("token_url"),
                        api_version=version, login_customer_id=login, conversion_action=action)


CURRENCY = re.compile(r"^[A-Z]{3}$")


def _parse_currency(raw: dict, fail) -> tuple[str | None, dict[str, float]]:
    currency = raw.get("currency")
    if currency is not None and (not isinstance(currency, str) or not CURRENCY.match(currency)):
        raise fail("currency", f'expected an ISO currency code like "CNY", got {currency!r}')
    rates = raw.get("currency_rates", {})
    if not isinstance(rates, dict):
        raise fail("currency_rates", "expected a table like { USD = 7.1 } (units of `currency` per unit)")
    out = {}
    for code, rate in rates.items():
        if not CURRENCY.match(code):
            raise fail(f"currency_rates.{code}", "expected an ISO currency code like USD as the key")
        if not isinstance(rate, int | float) or isinstance(rate, bool) or not rate > 0:
            raise fail(f"currency_rates.{code}", f"expected a positive number, got {rate!r}")
        out[code] = float(rate)
    if out and currency is None:
        raise fail("currency", 'is required with currency_rates: the currency totals are shown in, like "CNY"')
    return currency, out


def _parse_targets(raw: Any, fail) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise fail("targets", "expected a table [reports.targets]")
    out = {}
    for key, value in raw.items():
        if key not in TARGET_KEYS:
            raise fail(f"targets.{key}", f"unknown KPI (known: {', '.join(TARGET_KEYS)})")
        out[key] = check_target(key, value)
    return out
