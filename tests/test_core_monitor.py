"""The monitor state machine, with explicit timestamps (no sleeps, no clock)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from statuscat_tui.core.model import Confirm
from statuscat_tui.core.monitor import MonitorMachine, Transition
from statuscat_tui.core.results import Outcome
from statuscat_tui.core.states import MonitorState as S

OK, DEG, FAIL = Outcome.OK, Outcome.DEGRADED, Outcome.FAIL


def feed(m: MonitorMachine, outcomes: list[Outcome], t0: float = 1000.0) -> list[Transition]:
    out = []
    for i, o in enumerate(outcomes):
        tr = m.observe(o, t0 + i)
        if tr is not None:
            out.append(tr)
    return out


def confirmed(trs: list[Transition]) -> list[tuple[S, S]]:
    return [(t.old, t.new) for t in trs if t.confirmed]


def test_first_ok_is_up_and_failures_confirm_down() -> None:
    m = MonitorMachine("api", Confirm(failures=3, retry_interval=5, successes=2))
    trs = feed(m, [OK, FAIL, FAIL])
    assert m.state is S.PENDING
    assert m.confirming
    assert confirmed(trs) == [(S.UNKNOWN, S.UP)]
    tr = m.observe(FAIL, 2000.0, "HTTP 500")
    assert tr == Transition("api", 2000.0, S.PENDING, S.DOWN, "HTTP 500", True, None, 1001.0)
    assert m.state is S.DOWN and not m.confirming


def test_recovery_needs_consecutive_successes() -> None:
    m = MonitorMachine("api", Confirm(failures=1, retry_interval=5, successes=3))
    feed(m, [OK, FAIL])
    assert m.state is S.DOWN
    feed(m, [OK, OK, FAIL, OK, OK])
    assert m.state is S.DOWN
    assert m.confirming
    tr = m.observe(OK, 3000.0)
    assert tr is not None and (tr.old, tr.new, tr.confirmed) == (S.DOWN, S.UP, True)


def test_pending_that_recovers_is_not_confirmed() -> None:
    m = MonitorMachine("api", Confirm(failures=3, retry_interval=5, successes=2))
    trs = feed(m, [OK, FAIL, FAIL, OK])
    assert [(t.old, t.new, t.confirmed) for t in trs[1:]] == [
        (S.UP, S.PENDING, False),
        (S.PENDING, S.UP, False),
    ]


def test_slow_but_working_is_degraded_not_down() -> None:
    m = MonitorMachine("api", Confirm(failures=2, retry_interval=5, successes=2))
    trs = feed(m, [OK, DEG, DEG, DEG])
    assert m.state is S.DEGRADED
    assert confirmed(trs) == [(S.UNKNOWN, S.UP), (S.PENDING, S.DEGRADED)]
    trs = feed(m, [OK, OK], t0=5000)
    assert confirmed(trs) == [(S.DEGRADED, S.UP)]


def test_down_recovering_slowly_is_degraded() -> None:
    m = MonitorMachine("api", Confirm(failures=1, retry_interval=5, successes=2))
    feed(m, [FAIL, DEG, DEG])
    assert m.state is S.DEGRADED


def test_failure_while_degraded_is_pending_then_down() -> None:
    m = MonitorMachine("api", Confirm(failures=2, retry_interval=5, successes=2))
    feed(m, [DEG, DEG])
    assert m.state is S.DEGRADED
    feed(m, [FAIL])
    assert m.state is S.PENDING and m.confirming
    feed(m, [FAIL])
    assert m.state is S.DOWN


def test_dependency_suppression_marks_down_only() -> None:
    m = MonitorMachine("web", Confirm(failures=1, retry_interval=5, successes=1))
    tr = m.observe(OK, 1.0, suppressed_by="db")
    assert tr is not None and tr.suppressed_by is None
    tr = m.observe(FAIL, 2.0, "refused", suppressed_by="db")
    assert tr is not None and tr.new is S.DOWN and tr.suppressed_by == "db"


def test_maintenance_hides_state_and_suppresses() -> None:
    m = MonitorMachine("db", Confirm(failures=1, retry_interval=5, successes=1))
    m.observe(OK, 1.0)
    tr = m.set_maintenance(True, 2.0, "window")
    assert tr is not None and tr.new is S.MAINTENANCE and tr.suppressed_by == "maintenance"
    assert m.observe(FAIL, 3.0, in_maintenance=True) is None
    assert m.state is S.MAINTENANCE
    # Leaving the window while still failing is a real, pageable DOWN.
    tr = m.set_maintenance(False, 4.0, "window over")
    assert tr is not None and (tr.old, tr.new) == (S.MAINTENANCE, S.DOWN)
    assert tr.confirmed and tr.suppressed_by is None


outcomes = st.lists(st.sampled_from([OK, DEG, FAIL]), max_size=80)
confirms = st.builds(
    Confirm,
    failures=st.integers(1, 5),
    retry_interval=st.just(5.0),
    successes=st.integers(1, 5),
)


@settings(max_examples=300)
@given(confirms, outcomes)
def test_no_down_without_n_consecutive_failures(c: Confirm, seq: list[Outcome]) -> None:
    m = MonitorMachine("x", c)
    for i, o in enumerate(seq):
        tr = m.observe(o, float(i))
        if tr is not None and tr.new is S.DOWN:
            assert i + 1 >= c.failures
            assert all(x is FAIL for x in seq[i + 1 - c.failures : i + 1])


@settings(max_examples=300)
@given(confirms, outcomes)
def test_leaving_down_needs_m_consecutive_passes(c: Confirm, seq: list[Outcome]) -> None:
    m = MonitorMachine("x", c)
    for i, o in enumerate(seq):
        tr = m.observe(o, float(i))
        if tr is not None and tr.old is S.DOWN:
            assert tr.confirmed
            assert all(x is not FAIL for x in seq[i + 1 - c.successes : i + 1])


@settings(max_examples=300)
@given(confirms, st.lists(st.integers(0, 4), min_size=1, max_size=30))
def test_short_failure_bursts_never_flap(c: Confirm, bursts: list[int]) -> None:
    """Alternating OK runs and FAIL runs shorter than the threshold: no confirmed events."""
    m = MonitorMachine("x", c)
    feed(m, [OK])
    assert m.state is S.UP
    seq: list[Outcome] = []
    for b in bursts:
        seq += [FAIL] * min(b, c.failures - 1) + [OK]
    assert confirmed(feed(m, seq)) == []
    assert m.state is S.UP


@settings(max_examples=300)
@given(confirms, outcomes)
def test_shown_state_is_consistent(c: Confirm, seq: list[Outcome]) -> None:
    """Transitions chain (each starts where the last ended) and match the shown state."""
    m = MonitorMachine("x", c)
    state = S.UNKNOWN
    for i, o in enumerate(seq):
        tr = m.observe(o, float(i))
        if tr is not None:
            assert tr.old is state and tr.new is not state
            state = tr.new
        assert m.state is state
        assert (m.state is S.PENDING) <= (o is not OK)
