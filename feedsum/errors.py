"""The operator's kind of error: one line, what is wrong and what to do."""

from __future__ import annotations


class CliError(Exception):
    """A problem the operator can fix: printed as one line (what is wrong and what to do), exit 2."""
