"""What listeners are given: the core service and the clock, never globals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.config import Report
from bot.i18n import t
from bot.workflow import Feedsum, Refused


@dataclass
class Deps:
    core: Feedsum
    outbox: Any
    clock: Callable[[], datetime]
    default_locale: str = "zh-CN"
    # Optional collaborators added by later features (metrics import, schedule display …).
    extras: dict[str, Any] = field(default_factory=dict)

    def refusal(self, exc: Refused, report: Report | None = None) -> str:
        return t(report.locale if report else self.default_locale, exc.key, **exc.values)
