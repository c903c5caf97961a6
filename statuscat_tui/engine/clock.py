"""Time for the engine, injectable so tests can run waits fast."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def time(self) -> float:
        """Wall-clock unix seconds (stored, shown, compared with schedules)."""
        ...


class SystemClock:
    def time(self) -> float:
        return time.time()
