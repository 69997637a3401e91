"""Parsing `/feedsum …` text into a command. Slack-free, so it is tested directly."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

COMMANDS = ("help", "status", "open", "remind", "compile", "write", "away", "delegate", "targets",
            "target", "history", "export", "owners", "owner", "setup", "refresh", "sources")
USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


@dataclass(frozen=True)
class Command:
    name: str
    args: tuple[str, ...] = ()
    report: str | None = None
    flags: frozenset[str] = field(default_factory=frozenset)
    unknown: str | None = None  # the word typed when it is not a command
    suggestion: str | None = None  # the nearest command to it

    def users(self) -> list[str]:
        """User ids mentioned in the arguments (`<@U123|name>`)."""
        return [m.group(1) for a in self.args for m in USER_MENTION.finditer(a)]


def parse(text: str) -> Command:
    """Split the command text; `--report ID` and `--flag` options may appear anywhere."""
    tokens = (text or "").split()
    args: list[str] = []
    flags: set[str] = set()
    report = None
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.startswith("--report"):
            if "=" in tok:
                report = tok.split("=", 1)[1] or None
            elif i + 1 < len(tokens):
                report = tokens[i + 1]
                i += 1
        elif tok.startswith("--") and len(tok) > 2:
            flags.add(tok[2:].lower())
        else:
            args.append(tok)
        i += 1
    if not args:
        return Command("help", report=report, flags=frozenset(flags))
    word = args[0].lower()
    if word in COMMANDS:
        return Command(word, tuple(args[1:]), report, frozenset(flags))
    near = difflib.get_close_matches(word, COMMANDS, n=1, cutoff=0.5)
    return Command("help", tuple(args[1:]), report, frozenset(flags), unknown=args[0],
                   suggestion=near[0] if near else None)
