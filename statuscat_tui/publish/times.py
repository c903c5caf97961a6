"""Times on the page: ISO 8601 for machines, short local text for people."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def iso(ts: float | None, tz: ZoneInfo) -> str | None:
    """Statuspage's format: local time with milliseconds and offset."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz).isoformat(timespec="milliseconds")


def iso_utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def human(ts: float, tz: ZoneInfo) -> str:
    """``4 Dec 2026, 18:05 CET``."""
    d = datetime.fromtimestamp(ts, tz)
    return f"{d.day} {d:%b %Y, %H:%M} {d.tzname() or ''}".rstrip()


def day(ts: float) -> str:
    """A UTC day, as the uptime bars count them: ``4 Dec 2026``."""
    d = datetime.fromtimestamp(ts, UTC)
    return f"{d.day} {d:%b %Y}"


def duration(seconds: float) -> str:
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    m = s // 60
    if m < 60:
        return f"{m} min"
    h, m = divmod(m, 60)
    if h < 48:
        return f"{h} h {m} min" if m else f"{h} h"
    return f"{h // 24} days"
