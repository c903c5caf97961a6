"""Maintenance windows: one-off or weekly, in the config's time zone."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from statuscat_tui.core.model import Maintenance


def window_contains(window: Maintenance, at: float, tz: ZoneInfo) -> bool:
    """True if the unix time ``at`` falls inside ``window``."""
    if window.start is not None:
        start = window.start.timestamp()
        return start <= at < start + window.duration
    if window.weekly_start is None or not window.weekly_days:
        return False
    local = datetime.fromtimestamp(at, tz)
    # A window that began on an earlier day may still be running now.
    for back in range(math.ceil(window.duration / 86400) + 1):
        day = local.date() - timedelta(days=back)
        if day.weekday() not in window.weekly_days:
            continue
        start = datetime.combine(day, window.weekly_start, tzinfo=tz).timestamp()
        if start <= at < start + window.duration:
            return True
    return False


def next_change(window: Maintenance, at: float, tz: ZoneInfo) -> float | None:
    """The next time after ``at`` when ``window`` starts or ends, if any (within 8 days)."""
    if window.start is not None:
        start = window.start.timestamp()
        edges = [start, start + window.duration]
        later = [e for e in edges if e > at]
        return min(later) if later else None
    if window.weekly_start is None or not window.weekly_days:
        return None
    local = datetime.fromtimestamp(at, tz)
    best: float | None = None
    for offset in range(-math.ceil(window.duration / 86400) - 1, 9):
        day = local.date() + timedelta(days=offset)
        if day.weekday() not in window.weekly_days:
            continue
        start = datetime.combine(day, window.weekly_start, tzinfo=tz).timestamp()
        for edge in (start, start + window.duration):
            if edge > at and (best is None or edge < best):
                best = edge
    return best


class MaintenanceCalendar:
    """Which monitors are in maintenance, looked up per monitor without scanning all windows."""

    def __init__(self, windows: Iterable[Maintenance], timezone: str) -> None:
        self.tz = ZoneInfo(timezone)
        self._by_monitor: dict[str, list[Maintenance]] = {}
        for w in windows:
            for m in w.monitors:
                self._by_monitor.setdefault(m, []).append(w)

    @property
    def by_monitor(self) -> Mapping[str, list[Maintenance]]:
        return self._by_monitor

    def active(self, monitor_id: str, at: float) -> Maintenance | None:
        """The window holding ``monitor_id`` at ``at``, or None."""
        for w in self._by_monitor.get(monitor_id, ()):
            if window_contains(w, at, self.tz):
                return w
        return None
