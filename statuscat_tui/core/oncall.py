"""On-call rotation math: who is on call when, the timeline, gaps, iCalendar export.

Pure: every instant is a parameter (an aware ``datetime``); results are in UTC.

Rotation semantics
------------------
* Shift ``k`` (k ≥ 0) belongs to ``members[k % len(members)]``.
* When ``every`` is a whole number of days (1d, 2d, 1w, 2w …), shift ``k`` starts
  at the wall time ``handoff`` on the local date ``D0 + k * every_days`` in the
  schedule's zone, where ``D0`` is the date of ``rotation.start`` in that zone.
  A 09:00 handoff therefore stays at 09:00 local time across DST changes, and a
  shift spanning a change is an hour shorter or longer.
* Otherwise (e.g. 12h, 1d12h) shift ``k`` starts at ``first + k * every`` in
  elapsed time, ``first`` being the handoff on ``D0``.
* Shift 0 begins at the handoff on ``D0``, even when ``rotation.start`` carries a
  later time of day; before it nobody is on call (a gap).
* Wall times are resolved with zoneinfo's default ``fold=0`` (a UTC round trip):
  an ambiguous handoff (clocks going back) is its first occurrence; a handoff
  that does not exist (clocks jumping forward) is read with the offset in force
  before the jump, so 02:30 on a spring-forward night becomes 03:30.
* Overrides replace whoever is on call for their window; where overrides
  overlap, the later one in the list wins. Adjacent or overlapping override
  stretches of one person form one stretch.

The effective timeline is a list of contiguous :class:`Shift` pieces: a
rotation shift split wherever an override covers part of it, plus the override
stretches (not split by the handoffs they hide). Pieces are never merged across
a rotation/override boundary, so ``Shift.override`` is always exact.

Complexity: :func:`on_call_at` computes ``k`` from the date (never iterating
from the rotation start); the override layer is built once per schedule and
looked up by bisection.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from statuscat_tui.core.model import Override, Rotation, Schedule

_DAY = 86400.0


@dataclass(frozen=True)
class Shift:
    """``person`` is on call in ``[start, end)``; ``override`` if an override put them there."""

    person: str
    start: datetime
    end: datetime
    override: bool = False


@dataclass(frozen=True)
class _Rota:
    """A rotation resolved against its zone: shift ``k`` starts at :meth:`start_of`."""

    zone: ZoneInfo
    first_date: date
    handoff: time
    days: int | None  # whole-day step in local calendar days, else None
    step: timedelta  # fixed elapsed step (used when days is None)
    first: datetime  # UTC instant of shift 0
    members: tuple[str, ...]

    def start_of(self, k: int) -> datetime:
        if self.days is None:
            return self.first + k * self.step
        return _wall_to_utc(
            self.first_date + timedelta(days=k * self.days), self.handoff, self.zone
        )

    def index_at(self, at: datetime) -> int:
        """The shift containing ``at``; -1 before shift 0 (or with no members)."""
        if not self.members or at < self.first:
            return -1
        if self.days is None:
            return (at - self.first) // self.step
        local_day = at.astimezone(self.zone).date()
        k = (local_day - self.first_date).days // self.days
        # The date gives k up to one step; the handoff instant on that date decides.
        while k > 0 and self.start_of(k) > at:
            k -= 1
        while self.start_of(k + 1) <= at:
            k += 1
        return k

    def member(self, k: int) -> str:
        return self.members[k % len(self.members)]


@dataclass(frozen=True)
class _Layer:
    """Overrides flattened into disjoint, sorted stretches (later overrides win)."""

    segments: tuple[Shift, ...]
    starts: tuple[datetime, ...]
    ends: tuple[datetime, ...]


def _wall_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    # fold=0 (the default) and a UTC round trip normalise ambiguous and missing wall times.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {value.isoformat()}")
    return value.astimezone(UTC)


@lru_cache(maxsize=256)
def _rota(rotation: Rotation, timezone: str) -> _Rota:
    if rotation.every <= 0:
        raise ValueError(f"rotation.every must be positive, got {rotation.every}")
    zone = ZoneInfo(timezone)
    first_date = rotation.start.astimezone(zone).date()
    whole_days, rest = divmod(rotation.every, _DAY)
    days = int(whole_days) if rest == 0 else None
    handoff = rotation.handoff.replace(tzinfo=None, fold=0)
    return _Rota(
        zone=zone,
        first_date=first_date,
        handoff=handoff,
        days=days,
        step=timedelta(seconds=rotation.every),
        first=_wall_to_utc(first_date, handoff, zone),
        members=rotation.members,
    )


@lru_cache(maxsize=256)
def _layer(overrides: tuple[Override, ...]) -> _Layer:
    """Sweep over the override edges keeping a heap of active overrides by list position."""
    spans = sorted(
        (_utc(o.start, "override start"), _utc(o.end, "override end"), i, o.person)
        for i, o in enumerate(overrides)
        if o.end > o.start
    )
    bounds = sorted({s for s, _, _, _ in spans} | {e for _, e, _, _ in spans})
    active: list[tuple[int, datetime, str]] = []  # (-position, end, person)
    segments: list[Shift] = []
    nxt = 0
    for lo, hi in pairwise(bounds):
        while nxt < len(spans) and spans[nxt][0] <= lo:
            _, end, i, person = spans[nxt]
            heapq.heappush(active, (-i, end, person))
            nxt += 1
        while active and active[0][1] <= lo:
            heapq.heappop(active)
        if not active:
            continue
        person = active[0][2]
        last = segments[-1] if segments else None
        if last is not None and last.person == person and last.end == lo:
            segments[-1] = Shift(person, last.start, hi, True)
        else:
            segments.append(Shift(person, lo, hi, True))
    return _Layer(tuple(segments), tuple(s.start for s in segments), tuple(s.end for s in segments))


def _free(lo: datetime, hi: datetime, layer: _Layer) -> list[tuple[datetime, datetime]]:
    """The parts of ``[lo, hi)`` no override covers."""
    out: list[tuple[datetime, datetime]] = []
    cursor = lo
    i = bisect_right(layer.ends, lo)  # first stretch ending after lo
    while i < len(layer.segments) and layer.starts[i] < hi:
        if layer.starts[i] > cursor:
            out.append((cursor, layer.starts[i]))
        cursor = max(cursor, layer.ends[i])
        i += 1
    if cursor < hi:
        out.append((cursor, hi))
    return out


def on_call_at(schedule: Schedule, at: datetime) -> Shift | None:
    """Who is on call at ``at`` (overrides win), with the piece's real edges; None in a gap."""
    at = _utc(at, "at")
    layer = _layer(schedule.overrides)
    i = bisect_right(layer.starts, at) - 1
    if i >= 0 and layer.ends[i] > at:
        return layer.segments[i]
    rota = _rota(schedule.rotation, schedule.timezone)
    k = rota.index_at(at)
    if k < 0:
        return None
    start, end = rota.start_of(k), rota.start_of(k + 1)
    # Stretches are disjoint and sorted: i ends at or before `at`, i + 1 starts after it.
    if i >= 0:
        start = max(start, layer.ends[i])
    if i + 1 < len(layer.segments):
        end = min(end, layer.starts[i + 1])
    return Shift(rota.member(k), start, end, False)


def shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """The effective timeline in ``[start, end)``: contiguous pieces, clipped, gaps left out."""
    start, end = _utc(start, "start"), _utc(end, "end")
    if end <= start:
        return []
    layer = _layer(schedule.overrides)
    out = [
        Shift(s.person, max(s.start, start), min(s.end, end), True)
        for s in layer.segments
        if s.end > start and s.start < end
    ]
    rota = _rota(schedule.rotation, schedule.timezone)
    if rota.members:
        k = max(rota.index_at(start), 0)
        lo = rota.start_of(k)
        while lo < end:
            hi = rota.start_of(k + 1)
            for a, b in _free(max(lo, start), min(hi, end), layer):
                out.append(Shift(rota.member(k), a, b, False))
            k, lo = k + 1, hi
    out.sort(key=lambda s: s.start)
    return out


def next_shift(schedule: Schedule, at: datetime) -> Shift | None:
    """The piece after the one containing ``at`` (or the first one after a gap at ``at``)."""
    at = _utc(at, "at")
    current = on_call_at(schedule, at)
    t = current.end if current is not None else at
    following = on_call_at(schedule, t)
    if following is not None:
        return following
    # `t` lies in a gap: the next piece begins at the next override or at shift 0.
    layer = _layer(schedule.overrides)
    rota = _rota(schedule.rotation, schedule.timezone)
    candidates = []
    i = bisect_right(layer.starts, t)
    if i < len(layer.segments):
        candidates.append(layer.starts[i])
    if rota.members and rota.first > t:
        candidates.append(rota.first)
    return on_call_at(schedule, min(candidates)) if candidates else None


def gaps(schedule: Schedule, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Stretches of ``[start, end)`` with nobody on call (only possible before shift 0)."""
    start, end = _utc(start, "start"), _utc(end, "end")
    rota = _rota(schedule.rotation, schedule.timezone)
    limit = min(end, rota.first) if rota.members else end
    if limit <= start:
        return []
    return _free(start, limit, _layer(schedule.overrides))


# -- iCalendar (RFC 5545) ------------------------------------------------------


def _ical_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _ical_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> list[str]:
    """Split a content line into ≤ 75-octet lines, never inside a UTF-8 sequence."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            parts.append("".join(current))
            # A continuation line starts with one space, which counts towards its 75.
            current, size = [" "], 1
        current.append(char)
        size += width
    parts.append("".join(current))
    return parts


def ical_uid(schedule: Schedule, shift: Shift) -> str:
    """A UID that stays the same for the same (schedule, person, start) across exports."""
    return f"{schedule.id}/{shift.person}/{_ical_time(shift.start)}@statuscat"


def to_ical(
    schedule: Schedule, shifts: Sequence[Shift], names: Mapping[str, str], *, now: datetime
) -> str:
    """An RFC 5545 VCALENDAR with one VEVENT per shift (CRLF, folded, UTC times)."""
    stamp = _ical_time(_utc(now, "now"))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//StatusCat//On-call//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_ical_text(schedule.name)}",
    ]
    for shift in shifts:
        name = names.get(shift.person, shift.person)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_ical_text(ical_uid(schedule, shift))}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_ical_time(shift.start)}",
            f"DTEND:{_ical_time(shift.end)}",
            f"SUMMARY:{_ical_text(f'On call: {name} ({schedule.name})')}",
        ]
        if shift.override:
            lines.append(f"DESCRIPTION:{_ical_text(f'Override: {name} covers this stretch.')}")
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))
