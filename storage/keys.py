"""Names of stored things as they travel outside the database, built and read in one place.

- A ledger key names one delivery (`team|report|period|action|recipient`). Every message the
  ledger guards carries it in Slack message metadata, so a crashed send is found again.
- A section reference names one section of a report-month (`{"r":…,"p":…,"s":…}`). Buttons carry
  it as their value and forms in their private metadata.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LedgerKey:
    team_id: str
    report_id: str
    period: str
    action: str  # "prompt", "post", "remind:<slot>", a scheduled action's key, …
    recipient: str  # a user, a channel, "<section>:<user>" for prompts, "*" for scheduled actions

    def __str__(self) -> str:
        return f"{self.team_id}|{self.report_id}|{self.period}|{self.action}|{self.recipient}"

    @classmethod
    def parse(cls, key: str) -> LedgerKey:
        """The parts of a key; ValueError when it is not one. A recipient may contain "|"."""
        parts = key.split("|", 4)
        if len(parts) != 5:
            raise ValueError(f"not a ledger key: {key!r}")
        return cls(*parts)


def part_key(key: str, part: int) -> str:
    """The key of one thread reply of a multi-message post (the main message has `key`)."""
    return f"{key}#{part}"


@dataclass(frozen=True)
class SectionRef:
    """One section of one report-month, as a button value or in a form's metadata."""

    report_id: str
    period: str
    section: str

    def value(self) -> str:
        return json.dumps(self.fields(), separators=(",", ":"))

    def fields(self) -> dict[str, str]:
        """The reference as a form's metadata holds it (beside other fields of its own)."""
        return {"r": self.report_id, "p": self.period, "s": self.section}

    @classmethod
    def parse(cls, value: str | dict[str, Any]) -> SectionRef:
        """From a button value (or a form's decoded metadata); ValueError when it is not one."""
        try:
            found = json.loads(value) if isinstance(value, str) else value
            return cls(str(found["r"]), str(found["p"]), str(found["s"]))
        except (TypeError, KeyError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a section reference: {value!r}") from exc


def report_of(value: str | None) -> str | None:
    """The report id a button value or form metadata names, if it names one (else None)."""
    try:
        found = json.loads(value or "{}")
    except ValueError:
        return None
    return (found.get("r") or None) if isinstance(found, dict) else None
