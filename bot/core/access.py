"""Who may do what with a report: one function per right, used by every surface.

- Admins — the report's admins, and the workspace's admins and owners — may do anything.
- A section's writers this period are its owners, each replaced by the person they handed it
  to. Writers and admins may write it, also after the summary is posted (a late answer updates
  the post). Being away changes no right: it only stops reminders.
- A section's owners as configured, and admins, may hand it over for a period.
- A posted summary may be read by anyone; before that, by the report's people (its admins, the
  sections' owners and this period's writers) and workspace admins.
- Opening a period, compiling it, and every other change to a report (setup, owners, targets,
  imports, reminders, pulls): admins.

The facts come in as arguments: the report, the period's hand-overs (`handed`), its state, and
`workspace_admin`, a look-up that may need Slack. It is asked last, only when the report's own
facts do not decide, so a listener answering from local data needs Slack only for people the
report does not name (the look-up raises NeedsLookup there, see bot/core/service.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from bot.model.config import Report
from storage.rows import PeriodState

Handed = Mapping[tuple[str, str], str]  # (section key, owner) -> the person it was handed to
Lookup = Callable[[], bool]
NOBODY_HANDED: Handed = MappingProxyType({})


class Refused(Exception):
    """An action the user may not take, or that makes no sense now; `key` is an i18n string."""

    def __init__(self, key: str, /, **values: Any):  # positional-only: a value may be called `key`
        self.key, self.values = key, values
        super().__init__(key)


class NeedsLookup(Exception):
    """A decision needs the chat platform (is this person a workspace admin?) and the caller is
    answering from local data only: a listener's ack must never wait on Slack. Raised before
    anything is changed, so the caller can acknowledge and decide again afterwards."""


def writers(report: Report, key: str, handed: Handed = NOBODY_HANDED) -> tuple[str, ...]:
    """Who writes a section this period: its owners, with any hand-over applied."""
    return tuple(dict.fromkeys(handed.get((key, o), o) for o in report.owners_of(key)))


def is_admin(report: Report, user: str, workspace_admin: Lookup) -> bool:
    return report.is_admin(user) or workspace_admin()


def belongs(report: Report, user: str, handed: Handed = NOBODY_HANDED) -> bool:
    """Whether a user is one of the report's people: an admin of it, an owner of a section, or
    one of this period's writers (no look-up: the report's own facts only)."""
    return report.is_admin(user) or any(user in s.owners or user in writers(report, s.key, handed)
                                        for s in report.sections)


def may_read(report: Report, state: PeriodState | str, user: str, handed: Handed, workspace_admin: Lookup) -> bool:
    """May `user` read a period's text (its summary, exports) in state `state`?"""
    return state == PeriodState.POSTED or belongs(report, user, handed) or workspace_admin()


def may_write(report: Report, key: str, user: str, handed: Handed, workspace_admin: Lookup) -> bool:
    """May `user` write section `key` this period?"""
    return user in writers(report, key, handed) or is_admin(report, user, workspace_admin)


def may_hand_over(report: Report, key: str, user: str, workspace_admin: Lookup) -> bool:
    """May `user` hand section `key` to someone for a period?"""
    return user in report.owners_of(key) or is_admin(report, user, workspace_admin)


def may_open(report: Report, user: str, workspace_admin: Lookup) -> bool:
    """May `user` open a period (send the prompts)?"""
    return is_admin(report, user, workspace_admin)


def may_compile(report: Report, user: str, workspace_admin: Lookup) -> bool:
    """May `user` compile a period (post the summary, or preview it)?"""
    return is_admin(report, user, workspace_admin)


def may_administer(report: Report, user: str, workspace_admin: Lookup) -> bool:
    """May `user` change the report or run its work by hand (setup, owners, targets, imports,
    reminders, pulls, the sources' state)?"""
    return is_admin(report, user, workspace_admin)
