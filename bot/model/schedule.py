"""A report's schedule (``[reports.schedule]``, or the setup form's fields) as a typed value.

Parsed once, when the report definition is read (config file, setup form or the database);
the planner (bot/planning/schedule.py) and everything else use the value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import time
from typing import Any

from bot.text.i18n import Msg

_N_MIN, _N_MAX = 1, 10
_LAST_CALL_MAX_HOURS = 72
_HHMM = re.compile(r"^(\d{2}):(\d{2})$")


def _show(value: object) -> str:
    # Strings in double quotes like the TOML they came from; the rest as repr.
    return json.dumps(value) if isinstance(value, str) else repr(value)


def _parse_hhmm(key: str, value: object) -> time:
    if isinstance(value, time):  # TOML allows unquoted local times (10:00:00)
        if value.tzinfo is not None:
            raise ValueError(f"expected a local time without offset, got {value.isoformat()}")
        return value.replace(second=0, microsecond=0)  # the schedule is in minutes (and stored as "HH:MM")
    if isinstance(value, str):
        m = _HHMM.match(value.strip())
        if m and int(m.group(1)) < 24 and int(m.group(2)) < 60:
            return time(int(m.group(1)), int(m.group(2)))
    raise ValueError(Msg("rule.time", value=_show(value)))


def _check_n(key: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(Msg("rule.nth_type", lo=_N_MIN, hi=_N_MAX, value=_show(value)))
    if not _N_MIN <= value <= _N_MAX:
        raise ValueError(Msg("rule.nth_range", lo=_N_MIN, hi=_N_MAX, value=value))
    return value


def _check_bool(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {_show(value)}")
    return value


def _check_hours(key: str, value: object) -> float | int:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ValueError(f"expected a number of hours 0..{_LAST_CALL_MAX_HOURS}, got {_show(value)}")
    if not 0 <= value <= _LAST_CALL_MAX_HOURS:
        raise ValueError(f"must be 0..{_LAST_CALL_MAX_HOURS} hours, got {value}")
    return value


_CHECKS: dict[str, Callable[[str, object], object]] = {
    "open_nth_last_business_day": _check_n,
    "open_time": _parse_hhmm,
    "remind_time": _parse_hhmm,
    "due_nth_business_day": _check_n,
    "due_time": _parse_hhmm,
    "reminders": _check_bool,
    "last_call_hours": _check_hours,
    "post_when_complete": _check_bool,
}


class ScheduleError(ValueError):
    """Every problem of a schedule: ``problems`` pairs a key (None: the table itself) with what
    is wrong (a Msg where the setup form can show it too); ``str()`` lists them in English as
    ``key: problem; …``."""

    def __init__(self, problems: list[tuple[str | None, object]]):
        self.problems = problems
        super().__init__("; ".join(f"{key}: {problem}" if key else problem for key, problem in problems))


@dataclass(frozen=True)
class Schedule:
    """A report's ``[reports.schedule]`` table.  Times may be given as
    "HH:MM" strings and are normalised to ``datetime.time``; every field is
    validated on construction (``ScheduleError``, a ValueError naming each key)."""

    open_nth_last_business_day: int = 3
    open_time: time = time(10, 0)
    remind_time: time = time(10, 0)
    due_nth_business_day: int = 2
    due_time: time = time(12, 0)
    reminders: bool = True
    last_call_hours: float = 3
    post_when_complete: bool = False
    # The keys the table gave, so that it is stored as written (defaults stay implicit).
    given: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def __post_init__(self) -> None:
        problems: list[tuple[str | None, object]] = []
        for name in _CHECKS:
            try:
                object.__setattr__(self, name, _CHECKS[name](name, getattr(self, name)))
            except ValueError as exc:
                problems.append((name, exc.args[0]))
        if problems:
            raise ScheduleError(problems)

    @classmethod
    def from_mapping(cls, d: Mapping[str, object] | None) -> Schedule:
        """Build from a parsed TOML table (or a stored one); missing keys take the defaults.

        Raises ``ScheduleError`` listing every problem, each prefixed with its key
        (``open_time: expected "HH:MM", got "25:00"``); unknown keys are an
        error (typos would otherwise silently fall back to defaults)."""
        if d is None:
            d = {}
        if isinstance(d, Schedule):
            return d
        if not isinstance(d, Mapping):
            raise ScheduleError([("schedule", f"expected a table, got {_show(d)}")])
        problems: list[tuple[str | None, object]] = []
        unknown = sorted(str(k) for k in d if k not in _CHECKS)
        if unknown:
            problems.append((None, f"unknown schedule key(s): {', '.join(unknown)} (known: {', '.join(_CHECKS)})"))
        known = {k: v for k, v in d.items() if k in _CHECKS}
        try:
            schedule = cls(**known, given=frozenset(known))
        except ScheduleError as exc:
            problems += exc.problems
        if problems:
            raise ScheduleError(problems)
        return schedule

    def to_mapping(self) -> dict[str, Any]:
        """The table as written: the keys given and any that differ from the defaults, times as
        "HH:MM" (what Report.to_dict stores and `from_mapping` reads back)."""
        default = _DEFAULT
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "given":
                continue
            value = getattr(self, f.name)
            if f.name in self.given or value != getattr(default, f.name):
                out[f.name] = f"{value:%H:%M}" if isinstance(value, time) else value
        return out


_DEFAULT = Schedule()
