"""People named in a message the core composes (a section's owners, a report's admins)."""

from __future__ import annotations


class People(tuple):
    """User ids, in order. The core says who; the chat layer shows them its own way (in Slack,
    as mentions: handlers/deps.py)."""

    __slots__ = ()
