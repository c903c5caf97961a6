"""On-call rotation math: unit tests on explicit instants, properties around DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statuscat_tui.core import oncall
from statuscat_tui.core.model import Override, Rotation, Schedule
from statuscat_tui.core.oncall import Shift, gaps, next_shift, on_call_at, shifts, to_ical

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
DAY = 86400.0
WEEK = 7 * DAY


def b(text: str) -> datetime:
    """A Berlin wall time."""
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def schedule(
    every: float = WEEK,
    handoff: time = time(9, 0),
    start: datetime | None = None,
    members: tuple[str, ...] = ("alice", "bob", "carol"),
    overrides: tuple[Override, ...] = (),
    zone: str = "Europe/Berlin",
) -> Schedule:
    first = start or datetime(2026, 3, 2, tzinfo=ZoneInfo(zone))
    return Schedule("primary", "Primary", zone, Rotation(every, handoff, first, members), overrides)


def local(shift: Shift, zone: ZoneInfo = BERLIN) -> tuple[str, str, str, bool]:
    fmt = "%Y-%m-%d %H:%M%z"
    return (
        shift.person,
        shift.start.astimezone(zone).strftime(fmt),
        shift.end.astimezone(zone).strftime(fmt),
        shift.override,
    )


# -- rotation ------------------------------------------------------------------


def test_weekly_handoff_stays_at_nine_across_spring_forward() -> None:
    s = schedule()
    got = [local(x) for x in shifts(s, b("2026-03-16T09:00"), b("2026-04-06T09:00"))]
    assert got == [
        ("carol", "2026-03-16 09:00+0100", "2026-03-23 09:00+0100", False),
        ("alice", "2026-03-23 09:00+0100", "2026-03-30 09:00+0200", False),  # 7 days - 1 h
        ("bob", "2026-03-30 09:00+0200", "2026-04-06 09:00+0200", False),
    ]


def test_on_call_at_switches_exactly_at_the_handoff() -> None:
    s = schedule()
    before = on_call_at(s, b("2026-03-30T08:59:59.999999"))
    after = on_call_at(s, b("2026-03-30T09:00"))
    assert before is not None and after is not None
    assert (before.person, after.person) == ("alice", "bob")
    assert before.end == after.start == b("2026-03-30T09:00")


def test_nobody_before_the_first_handoff_even_on_the_start_date() -> None:
    s = schedule()  # start 2026-03-02 (midnight): shift 0 begins at 09:00 that day
    assert on_call_at(s, b("2026-03-02T08:59")) is None
    first = on_call_at(s, b("2026-03-02T09:00"))
    assert first is not None and first.person == "alice"
    assert gaps(s, b("2026-03-01T00:00"), b("2026-03-10T00:00")) == [
        (b("2026-03-01T00:00"), b("2026-03-02T09:00"))
    ]
    assert gaps(s, b("2026-03-02T09:00"), b("2027-03-02T09:00")) == []


def test_start_later_than_handoff_still_begins_at_the_start_dates_handoff() -> None:
    s = schedule(every=DAY, start=b("2026-03-02T15:00"))
    first = on_call_at(s, b("2026-03-02T10:00"))
    assert first is not None
    assert local(first) == ("alice", "2026-03-02 09:00+0100", "2026-03-03 09:00+0100", False)


def test_start_with_an_offset_uses_its_date_in_the_schedule_zone() -> None:
    # 23:30 UTC on 1 March is already 2 March in Berlin.
    s = schedule(every=DAY, start=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    assert on_call_at(s, b("2026-03-02T08:00")) is None
    assert next_shift(s, b("2026-03-02T08:00")) == Shift(
        "alice", b("2026-03-02T09:00"), b("2026-03-03T09:00")
    )


def test_sub_day_rotation_uses_elapsed_time_across_dst() -> None:
    s = schedule(every=12 * 3600, start=b("2026-03-28"), members=("a", "b"))
    got = [local(x) for x in shifts(s, b("2026-03-28T09:00"), b("2026-03-30T09:00"))]
    assert got == [
        ("a", "2026-03-28 09:00+0100", "2026-03-28 21:00+0100", False),
        ("b", "2026-03-28 21:00+0100", "2026-03-29 10:00+0200", False),  # 12 h later
        ("a", "2026-03-29 10:00+0200", "2026-03-29 22:00+0200", False),
        ("b", "2026-03-29 22:00+0200", "2026-03-30 09:00+0200", False),  # clipped
    ]


def test_missing_handoff_happens_an_hour_later_and_ambiguous_one_at_first_occurrence() -> None:
    s = schedule(every=DAY, handoff=time(2, 30), start=b("2026-03-27"), members=("a", "b"))
    spring = on_call_at(s, b("2026-03-29T12:00"))
    assert spring is not None
    assert spring.start.astimezone(BERLIN).strftime("%H:%M%z") == "03:30+0200"
    autumn = on_call_at(s, b("2026-10-25T12:00"))
    assert autumn is not None
    assert autumn.start.astimezone(BERLIN).strftime("%H:%M%z") == "02:30+0200"  # fold=0
    assert autumn.end.astimezone(BERLIN).strftime("%H:%M%z") == "02:30+0100"


def test_on_call_at_does_not_walk_from_the_rotation_start(monkeypatch: pytest.MonkeyPatch) -> None:
    s = schedule(every=DAY, start=b("2024-01-01"))
    oncall._rota.cache_clear()
    calls = []
    real = oncall._wall_to_utc

    def counting(day: date, at: time, zone: ZoneInfo) -> datetime:
        calls.append(day)
        return real(day, at, zone)

    monkeypatch.setattr(oncall, "_wall_to_utc", counting)
    shift = on_call_at(s, b("2526-06-01T12:00"))  # ~183,000 shifts in
    assert shift is not None
    assert len(calls) <= 6


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        on_call_at(schedule(), datetime(2026, 3, 2, 12, 0))


def test_a_rotation_without_members_is_one_long_gap() -> None:
    s = schedule(members=())
    assert on_call_at(s, b("2026-04-01T00:00")) is None
    assert shifts(s, b("2026-04-01"), b("2026-04-02")) == []
    assert gaps(s, b("2026-04-01"), b("2026-04-02")) == [(b("2026-04-01"), b("2026-04-02"))]


# -- overrides -----------------------------------------------------------------


def test_override_splits_a_shift_and_is_not_split_by_the_handoff_it_hides() -> None:
    cover = Override("dave", b("2026-03-25T12:00"), b("2026-03-31T12:00"))
    s = schedule(overrides=(cover,))
    got = [local(x) for x in shifts(s, b("2026-03-23T09:00"), b("2026-04-06T09:00"))]
    assert got == [
        ("alice", "2026-03-23 09:00+0100", "2026-03-25 12:00+0100", False),
        ("dave", "2026-03-25 12:00+0100", "2026-03-31 12:00+0200", True),
        ("bob", "2026-03-31 12:00+0200", "2026-04-06 09:00+0200", False),
    ]
    alice = on_call_at(s, b("2026-03-24T00:00"))
    assert alice is not None and local(alice)[2] == "2026-03-25 12:00+0100"
    bob = on_call_at(s, b("2026-04-01T00:00"))
    assert bob is not None and local(bob)[1] == "2026-03-31 12:00+0200"
    assert next_shift(s, b("2026-03-24T00:00")) == Shift(
        "dave", b("2026-03-25T12:00"), b("2026-03-31T12:00"), True
    )


def test_later_override_wins_and_same_person_stretches_merge() -> None:
    s = schedule(
        overrides=(
            Override("dave", b("2026-03-10T00:00"), b("2026-03-12T00:00")),
            Override("erin", b("2026-03-11T00:00"), b("2026-03-11T12:00")),
            Override("erin", b("2026-03-11T12:00"), b("2026-03-11T18:00")),
        )
    )
    got = [local(x) for x in shifts(s, b("2026-03-10T00:00"), b("2026-03-12T00:00"))]
    assert got == [
        ("dave", "2026-03-10 00:00+0100", "2026-03-11 00:00+0100", True),
        ("erin", "2026-03-11 00:00+0100", "2026-03-11 18:00+0100", True),
        ("dave", "2026-03-11 18:00+0100", "2026-03-12 00:00+0100", True),
    ]


def test_override_before_the_rotation_starts_fills_part_of_the_gap() -> None:
    s = schedule(overrides=(Override("dave", b("2026-02-27T09:00"), b("2026-02-28T09:00")),))
    assert gaps(s, b("2026-02-26T00:00"), b("2026-03-03T00:00")) == [
        (b("2026-02-26T00:00"), b("2026-02-27T09:00")),
        (b("2026-02-28T09:00"), b("2026-03-02T09:00")),
    ]
    after = next_shift(s, b("2026-02-27T10:00"))
    assert after is not None and (after.person, after.start) == ("alice", b("2026-03-02T09:00"))
    assert next_shift(s, b("2026-02-26T00:00")) == Shift(
        "dave", b("2026-02-27T09:00"), b("2026-02-28T09:00"), True
    )


# -- iCalendar -----------------------------------------------------------------


def test_ical_export_is_well_formed_and_uids_are_stable() -> None:
    s = Schedule(
        "primary",
        "Primary, EU; \\ night",
        "Europe/Berlin",
        Rotation(WEEK, time(9, 0), b("2026-03-02"), ("alice", "bob")),
        (Override("bob", b("2026-03-20T00:00"), b("2026-03-21T00:00")),),
    )
    names = {"alice": "Alice Ünïcödé-Exämple " * 4, "bob": "Bob"}
    timeline = shifts(s, b("2026-03-02T09:00"), b("2026-04-13T09:00"))
    first = to_ical(s, timeline, names, now=b("2026-03-01T00:00"))
    second = to_ical(s, timeline, names, now=b("2026-03-05T00:00"))

    assert first.endswith("\r\n")
    assert "\n" not in first.replace("\r\n", "")
    lines = first.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines)  # the long name was folded
    for kind in ("VCALENDAR", "VEVENT"):
        assert lines.count(f"BEGIN:{kind}") == lines.count(f"END:{kind}")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert lines.count("BEGIN:VEVENT") == len(timeline) == 8  # 6 weeks, one split by bob

    unfolded = first.replace("\r\n ", "").split("\r\n")
    assert "SUMMARY:On call: Bob (Primary\\, EU\\; \\\\ night)" in unfolded
    assert "DTSTART:20260302T080000Z" in unfolded
    assert "DTSTAMP:20260228T230000Z" in unfolded

    def uids(text: str) -> list[str]:
        return [x for x in text.replace("\r\n ", "").split("\r\n") if x.startswith("UID:")]

    assert uids(first) == uids(second)
    assert len(set(uids(first))) == len(timeline)
    # A later export window keeps the UIDs of the shifts both windows contain.
    later = shifts(s, b("2026-03-09T09:00"), b("2026-04-20T09:00"))
    assert set(uids(first)) & set(uids(to_ical(s, later, names, now=b("2026-03-09T00:00")))) == set(
        uids(first)[1:]
    )


# -- properties around DST changes ---------------------------------------------

ZONES = {"Europe/Berlin": BERLIN, "America/New_York": NEW_YORK}
DST_DAYS = {
    "Europe/Berlin": (date(2026, 3, 29), date(2026, 10, 25)),
    "America/New_York": (date(2026, 3, 8), date(2026, 11, 1)),
}
EVERY = (DAY, 2 * DAY, WEEK, 2 * WEEK, 3 * DAY, 8 * 3600.0, 12 * 3600.0, 36 * 3600.0)


@st.composite
def cases(draw: st.DrawFn, with_overrides: bool = False) -> tuple[Schedule, datetime, datetime]:
    """A schedule starting near a DST change in its zone, and a window around it."""
    name = draw(st.sampled_from(sorted(ZONES)))
    zone = ZONES[name]
    change = draw(st.sampled_from(DST_DAYS[name]))
    first_day = change + timedelta(days=draw(st.integers(-15, 3)))
    handoff = time(draw(st.integers(0, 23)), draw(st.sampled_from((0, 30))))
    members = tuple(f"m{i}" for i in range(draw(st.integers(1, 4))))
    every = draw(st.sampled_from(EVERY))
    start = datetime.combine(first_day, time(0, 0), tzinfo=zone)
    # Local wall-clock arithmetic can land in a DST gap, and such instants never compare
    # equal across zones (PEP 495): pin every instant to UTC first.
    window_start = (start + timedelta(minutes=draw(st.integers(-3 * 1440, 20 * 1440)))).astimezone(
        UTC
    )
    window_end = window_start + timedelta(minutes=draw(st.integers(1, 30 * 1440)))
    overrides: list[Override] = []
    if with_overrides:
        for _ in range(draw(st.integers(0, 3))):
            o_start = start.astimezone(UTC) + timedelta(
                minutes=draw(st.integers(-2 * 1440, 25 * 1440))
            )
            o_end = o_start + timedelta(minutes=draw(st.integers(1, 5 * 1440)))
            overrides.append(Override(draw(st.sampled_from(("x", "y", "m0"))), o_start, o_end))
    rotation = Rotation(every, handoff, start, members)
    return Schedule("s", "S", name, rotation, tuple(overrides)), window_start, window_end


def handoff_instant(s: Schedule, day: date) -> datetime:
    """Reference: the handoff wall time on ``day``, or an hour later if the clock skips it."""
    zone = ZONES[s.timezone]
    naive = datetime.combine(day, s.rotation.handoff)
    for candidate in (naive, naive + timedelta(hours=1)):
        aware = candidate.replace(tzinfo=zone)
        if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == candidate:
            return aware.astimezone(UTC)  # fold=0: the first occurrence when ambiguous
    raise AssertionError("unreachable for 1-hour DST changes")


def reference_starts(s: Schedule, until: datetime) -> list[datetime]:
    """Shift starts up to ``until`` (plus one), walked naively from shift 0."""
    rot = s.rotation
    first_day = rot.start.date()
    first = handoff_instant(s, first_day)
    out = [first]
    k = 0
    while out[-1] <= until:
        k += 1
        if rot.every % DAY == 0:
            out.append(handoff_instant(s, first_day + timedelta(days=k * int(rot.every // DAY))))
        else:
            out.append(first + timedelta(seconds=k * rot.every))
    return out


def pick(data: st.DataObject, lo: datetime, hi: datetime) -> datetime:
    span = int((hi - lo).total_seconds())
    return lo + timedelta(seconds=data.draw(st.integers(0, max(span - 1, 0))))


PROPS = settings(max_examples=120, deadline=None)


@PROPS
@given(cases())
def test_timeline_matches_a_naive_walk_with_wall_clock_handoffs(
    case: tuple[Schedule, datetime, datetime],
) -> None:
    s, lo, hi = case
    zone = ZONES[s.timezone]
    starts = reference_starts(s, hi)
    timeline = shifts(s, lo, hi)
    expected = []
    for k, (a, z) in enumerate(pairwise(starts)):
        a, z = max(a, lo), min(z, hi)
        if a < z:
            expected.append(Shift(s.rotation.members[k % len(s.rotation.members)], a, z))
    assert timeline == expected
    for shift in timeline:
        if shift.start > lo and s.rotation.every % DAY == 0:
            wall = shift.start.astimezone(zone).time()
            skipped = datetime.combine(date(2000, 1, 1), s.rotation.handoff) + timedelta(hours=1)
            assert wall in (s.rotation.handoff, skipped.time())
    # Contiguous, no overlap, no empty piece; covers the window from shift 0 on.
    for x, y in pairwise(timeline):
        assert x.end == y.start
    assert all(x.start < x.end for x in timeline)
    if timeline:
        assert timeline[0].start == max(lo, starts[0]) and timeline[-1].end == hi
        # Members take turns in order.
        order = [int(x.person[1:]) for x in timeline]
        n = len(s.rotation.members)
        assert all((q - p) % n == 1 % n for p, q in pairwise(order))
    assert gaps(s, lo, hi) == ([(lo, min(hi, starts[0]))] if lo < starts[0] else [])


@PROPS
@given(cases(with_overrides=True), st.data())
def test_on_call_at_agrees_with_the_timeline_and_overrides_win(
    case: tuple[Schedule, datetime, datetime], data: st.DataObject
) -> None:
    s, lo, hi = case
    timeline = shifts(s, lo, hi)
    holes = gaps(s, lo, hi)
    # Shifts and gaps tile the window exactly.
    pieces = sorted([(x.start, x.end) for x in timeline] + holes)
    assert pieces[0][0] == lo and pieces[-1][1] == hi
    assert all(p[1] == q[0] for p, q in pairwise(pieces))

    t = pick(data, lo, hi)
    got = on_call_at(s, t)
    containing = [x for x in timeline if x.start <= t < x.end]
    if got is None:
        assert not containing
        assert any(a <= t < z for a, z in holes)
        return
    assert containing == [Shift(got.person, max(got.start, lo), min(got.end, hi), got.override)]
    covering = [o for o in s.overrides if o.start <= t < o.end]
    if covering:
        assert got.override and got.person == covering[-1].person
    else:
        plain = on_call_at(Schedule(s.id, s.name, s.timezone, s.rotation), t)
        assert plain is not None and not got.override and got.person == plain.person
        assert plain.start <= got.start and got.end <= plain.end  # overrides only cut it
    after = next_shift(s, t)
    assert after is not None  # a rotation always continues
    if on_call_at(s, got.end) is None:  # an override before shift 0, then a gap
        assert after.start > got.end
    else:
        assert after.start == got.end
    assert after != got


@PROPS
@given(cases(with_overrides=True), st.data())
def test_next_shift_after_a_gap_is_the_first_piece_after_it(
    case: tuple[Schedule, datetime, datetime], data: st.DataObject
) -> None:
    s, lo, hi = case
    t = pick(data, lo, hi)
    if on_call_at(s, t) is not None:
        return
    after = next_shift(s, t)
    assert after is not None and after.start > t
    ahead = shifts(s, t, after.start + timedelta(seconds=1))
    assert ahead[0].start == after.start and ahead[0].person == after.person
