from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from statuscat_tui.core.heartbeat import evaluate_heartbeat
from statuscat_tui.core.maintenance import MaintenanceCalendar, next_change, window_contains
from statuscat_tui.core.model import Maintenance
from statuscat_tui.core.results import Outcome

BERLIN = ZoneInfo("Europe/Berlin")


def ts(s: str, tz: ZoneInfo = BERLIN) -> float:
    return datetime.fromisoformat(s).replace(tzinfo=tz).timestamp()


def test_one_off_window() -> None:
    w = Maintenance(("db",), 3600, start=datetime(2026, 12, 24, 22, 0, tzinfo=BERLIN))
    assert not window_contains(w, ts("2026-12-24T21:59:59"), BERLIN)
    assert window_contains(w, ts("2026-12-24T22:00:00"), BERLIN)
    assert not window_contains(w, ts("2026-12-24T23:00:00"), BERLIN)
    assert next_change(w, ts("2026-12-24T21:00:00"), BERLIN) == ts("2026-12-24T22:00:00")
    assert next_change(w, ts("2026-12-25T00:00:00"), BERLIN) is None


def test_weekly_window_spanning_midnight_and_dst() -> None:
    # Sundays 23:00 local for 2 h; 2026-03-29 is the spring-forward Sunday in Berlin.
    w = Maintenance(("db",), 7200, weekly_days=(6,), weekly_start=time(23, 0))
    assert window_contains(w, ts("2026-03-29T23:30"), BERLIN)
    assert window_contains(w, ts("2026-03-30T00:30"), BERLIN)  # still running Monday
    assert not window_contains(w, ts("2026-03-30T01:00"), BERLIN)
    assert not window_contains(w, ts("2026-03-28T23:30"), BERLIN)  # Saturday
    # After the DST change the window still starts at 23:00 local time.
    assert window_contains(w, ts("2026-04-05T23:00"), BERLIN)
    assert not window_contains(w, ts("2026-04-05T22:59"), BERLIN)
    assert next_change(w, ts("2026-04-05T12:00"), BERLIN) == ts("2026-04-05T23:00")


def test_calendar_looks_up_by_monitor() -> None:
    w = Maintenance(("db",), 3600, start=datetime(2026, 1, 1, tzinfo=BERLIN))
    cal = MaintenanceCalendar([w], "Europe/Berlin")
    assert cal.active("db", ts("2026-01-01T00:30")) is w
    assert cal.active("api", ts("2026-01-01T00:30")) is None


def test_heartbeat_silence_and_failure() -> None:
    kw = {"every": 60.0, "grace": 30.0, "started": 0.0}
    assert evaluate_heartbeat(now=50, last_beat=None, last_fail=None, **kw).ok
    r = evaluate_heartbeat(now=100, last_beat=None, last_fail=None, **kw)
    assert r.outcome is Outcome.FAIL and r.reason == "no heartbeat received in 1m30s"
    assert evaluate_heartbeat(now=150, last_beat=100, last_fail=None, **kw).ok
    r = evaluate_heartbeat(now=200, last_beat=100, last_fail=None, **kw)
    assert r.outcome is Outcome.FAIL and r.reason.startswith("no heartbeat for 1m40s")
    r = evaluate_heartbeat(now=120, last_beat=100, last_fail=110, **kw)
    assert r.outcome is Outcome.FAIL and r.reason == "job reported failure 10s ago"
    r = evaluate_heartbeat(now=130, last_beat=120, last_fail=110, **kw)
    assert r.ok and r.reason == "last heartbeat 10s ago"
    assert evaluate_heartbeat(now=120.4, last_beat=120, last_fail=None, **kw).reason == (
        "heartbeat received just now"
    )
