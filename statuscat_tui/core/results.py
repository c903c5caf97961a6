"""What a probe tells us about one check."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Outcome(enum.IntEnum):
    """The verdict of a single check, before any confirmation."""

    OK = 0
    DEGRADED = 1
    FAIL = 2


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One probe's answer.

    ``latency`` is in seconds (``None`` when nothing was measured, e.g. a
    refused connection); ``reason`` is a short human sentence; ``details`` holds
    extra facts (status code, bytes read, days left …) for the incident screen.
    """

    outcome: Outcome
    latency: float | None
    reason: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK
