"""``statuscat oncall now`` (who is on call, next, gaps) and ``oncall export`` (iCalendar)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from statuscat_tui.commands.common import EXIT_OK, EXIT_USAGE, CommandError, load, print_json
from statuscat_tui.core.model import Config, Schedule
from statuscat_tui.core.oncall import Shift, gaps, next_shift, on_call_at, shifts, to_ical

GAP_HORIZON = timedelta(days=14)  # `oncall now` warns about gaps this far ahead
MAX_EXPORT_DAYS = 3650


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add the ``oncall`` command group."""
    oncall = sub.add_parser("oncall", parents=[common], help="who is on call, now and next")
    actions = oncall.add_subparsers(dest="oncall_command", metavar="ACTION", required=True)
    at_help = "this time instead of now (ISO 8601; without an offset: settings.timezone)"

    now = actions.add_parser(
        "now", parents=[common], help="who is on call per schedule, who is next, upcoming gaps"
    )
    now.add_argument("--at", metavar="ISO-TIME", help=at_help)
    now.add_argument("--json", action="store_true", help="machine-readable output")
    now.set_defaults(func=cmd_now)

    export = actions.add_parser(
        "export", parents=[common], help="a schedule's coming shifts as an iCalendar file"
    )
    export.add_argument("schedule", metavar="SCHEDULE", help="the schedule id")
    export.add_argument(
        "--ical", action="store_true", help="iCalendar (RFC 5545); the default and only format"
    )
    export.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    export.add_argument("--days", type=int, default=90, help="how far ahead (default: 90)")
    export.add_argument("--at", metavar="ISO-TIME", help=at_help)
    export.set_defaults(func=cmd_export)


def parse_at(value: str | None, zone: tzinfo) -> datetime:
    """``--at`` as an aware datetime (naive: in ``zone``); now when absent."""
    if value is None:
        return datetime.now(UTC).replace(microsecond=0).astimezone(zone)
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(
            f"--at {value!r} is not an ISO 8601 time "
            "(use e.g. 2026-03-28T12:00 or 2026-03-28T12:00+01:00)",
            EXIT_USAGE,
        ) from None
    return at if at.tzinfo is not None else at.replace(tzinfo=zone)


def cmd_now(args: argparse.Namespace) -> int:
    config = load(args)
    at = parse_at(args.at, ZoneInfo(config.settings.timezone))
    names = _names(config)
    statuses = [_status(schedule, at) for schedule in config.schedules]
    if args.json:
        print_json({"at": at.isoformat(), "schedules": [s.json(names) for s in statuses]})
        return EXIT_OK
    if not statuses:
        print("no schedules configured")
        return EXIT_OK
    _print_table(statuses, names, at)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    config = load(args)
    schedule = _schedule(config, args.schedule)
    if not 1 <= args.days <= MAX_EXPORT_DAYS:
        raise CommandError(f"--days must be between 1 and {MAX_EXPORT_DAYS}", EXIT_USAGE)
    at = parse_at(args.at, ZoneInfo(config.settings.timezone))
    # Start at the current piece's real start, so its UID (keyed on the start) is stable.
    current = on_call_at(schedule, at)
    start = current.start if current is not None else at
    timeline = shifts(schedule, start, at + timedelta(days=args.days))
    text = to_ical(schedule, timeline, _names(config), now=datetime.now(UTC))
    if args.out is None:
        _write_stdout(text)
        return EXIT_OK
    path = Path(args.out)
    try:
        path.write_bytes(text.encode("utf-8"))
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
    n = len(timeline)
    print(f"{path}: {n} shift{'s' * (n != 1)} of {schedule.id}, {args.days} days")
    return EXIT_OK


def _write_stdout(text: str) -> None:
    # Bytes, so the CRLF line endings iCalendar requires reach the file untranslated.
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def _schedule(config: Config, ident: str) -> Schedule:
    for schedule in config.schedules:
        if schedule.id == ident:
            return schedule
    known = ", ".join(s.id for s in config.schedules) or "none (no schedules configured)"
    raise CommandError(f"unknown schedule {ident!r}; known schedules: {known}", EXIT_USAGE)


def _names(config: Config) -> dict[str, str]:
    return {p.id: p.name for p in config.people}


@dataclass(frozen=True)
class _Status:
    """One schedule at one instant: who is on call, who is next, gaps ahead."""

    schedule: Schedule
    current: Shift | None
    upcoming: Shift | None
    gaps: list[tuple[datetime, datetime]]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.schedule.timezone)

    def json(self, names: Mapping[str, str]) -> dict[str, Any]:
        """This schedule's entry in the ``--json`` shape (README: "On-call")."""
        local = self.zone
        return {
            "id": self.schedule.id,
            "name": self.schedule.name,
            "timezone": self.schedule.timezone,
            "on_call": _shift_json(self.current, names, local),
            "next": _shift_json(self.upcoming, names, local),
            "gaps": [
                {"start": s.astimezone(local).isoformat(), "end": e.astimezone(local).isoformat()}
                for s, e in self.gaps
            ],
        }


def _status(schedule: Schedule, at: datetime) -> _Status:
    found = []
    for start, end in gaps(schedule, at, at + GAP_HORIZON):
        # Report a gap's real end, even past the horizon: where the next piece begins.
        following = next_shift(schedule, start)
        found.append((start, following.start if following is not None else end))
    return _Status(schedule, on_call_at(schedule, at), next_shift(schedule, at), found)


def _shift_json(
    shift: Shift | None, names: Mapping[str, str], zone: tzinfo
) -> dict[str, Any] | None:
    if shift is None:
        return None
    return {
        "person": shift.person,
        "name": names.get(shift.person, shift.person),
        "start": shift.start.astimezone(zone).isoformat(),
        "end": shift.end.astimezone(zone).isoformat(),
        "override": shift.override,
    }


def _print_table(statuses: Sequence[_Status], names: Mapping[str, str], at: datetime) -> None:
    print(f"on call at {_time(at)}")
    rows = [("SCHEDULE", "ON CALL", "SINCE", "UNTIL", "NEXT")]
    for status in statuses:
        zone, current, upcoming = status.zone, status.current, status.upcoming
        who, since, until, after = "nobody", "-", "-", "-"
        if current is not None:
            who = _who(current, names)
            since = _time(current.start.astimezone(zone))
            until = f"{_time(current.end.astimezone(zone))} ({_countdown(current.end - at)})"
        if upcoming is not None:
            after = _who(upcoming, names)
            # Name the time only when it is not simply the current shift's end.
            if current is None or upcoming.start != current.end:
                begins = _time(upcoming.start.astimezone(zone))
                after += f" from {begins} ({_countdown(upcoming.start - at)})"
        rows.append((status.schedule.id, who, since, until, after))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip())
    for status in statuses:
        for start, end in status.gaps:
            span = _span(start.astimezone(status.zone), end.astimezone(status.zone))
            print(f"{status.schedule.id}: gap: nobody on call {span}")


def _who(shift: Shift, names: Mapping[str, str]) -> str:
    name = names.get(shift.person, shift.person)
    text = f"{name} ({shift.person})" if name != shift.person else name
    return f"{text} [override]" if shift.override else text


def _time(value: datetime) -> str:
    """``2026-03-28 12:00 +01:00``: minutes are enough, the offset avoids DST doubt."""
    return value.strftime("%Y-%m-%d %H:%M ") + _offset(value)


def _offset(value: datetime) -> str:
    text = value.strftime("%z")  # +0100
    return f"{text[:3]}:{text[3:]}" if text else ""


def _span(start: datetime, end: datetime) -> str:
    """``2026-12-24 09:00 → 2026-12-25 09:00 +01:00``; both offsets when they differ."""
    if _offset(start) == _offset(end):
        return f"{start:%Y-%m-%d %H:%M} → {_time(end)}"
    return f"{_time(start)} → {_time(end)}"


def _countdown(delta: timedelta) -> str:
    """``in 3h 20m``: the two largest units, rounded down."""
    seconds = int(delta.total_seconds())
    if seconds < 0:
        return "past"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"in {days}d {hours}h"
    if hours:
        return f"in {hours}h {minutes}m"
    if minutes:
        return f"in {minutes}m"
    return f"in {seconds}s"
