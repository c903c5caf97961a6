"""Incident rules and escalation planning, with explicit times."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statuscat_tui.core import escalation as esc
from statuscat_tui.core.incidents import (
    EventKind,
    Incident,
    IncidentError,
    IncidentState,
    PublicStatus,
    ResolveRefused,
    acknowledge,
    change_severity,
    post_update,
    ready_to_resolve,
    reopen,
    resolve,
    response_figures,
    set_owner,
)
from statuscat_tui.core.model import BusinessHours, EscalationPolicy, EscalationStep
from statuscat_tui.core.paging import FailingMonitor, page_text

BERLIN = ZoneInfo("Europe/Berlin")


def incident() -> Incident:
    return Incident(
        id=7,
        title="Checkout is down",
        severity="SEV1",
        started=100.0,
        monitors=["checkout"],
        detected=130.0,
    )


def test_ack_sets_owner_once_and_milestone() -> None:
    inc = incident()
    events = acknowledge(inc, "ada", 200.0)
    assert [e.kind for e in events] == [EventKind.ACKNOWLEDGED, EventKind.OWNER_CHANGED]
    assert (inc.state, inc.owner, inc.acknowledged) == (IncidentState.ACKNOWLEDGED, "ada", 200.0)
    events = acknowledge(inc, "grace", 210.0)
    assert [e.kind for e in events] == [EventKind.ACKNOWLEDGED]
    assert (inc.owner, inc.acknowledged) == ("ada", 200.0)
    assert set_owner(inc, "grace", 220.0, by="ada")[0].data == {"from": "ada", "to": "grace"}


def test_updates_and_mitigation_milestone() -> None:
    inc = incident()
    post_update(inc, PublicStatus.IDENTIFIED, "bad deploy", 300.0, by="ada")
    assert inc.mitigated is None
    post_update(inc, PublicStatus.MONITORING, "rolled back", 400.0, by="ada")
    post_update(inc, PublicStatus.MONITORING, "still fine", 500.0, by="ada")
    assert inc.mitigated == 400.0
    with pytest.raises(IncidentError, match="needs a message"):
        post_update(inc, PublicStatus.IDENTIFIED, "  ", 600.0, by="ada")
    with pytest.raises(IncidentError, match="by resolving"):
        post_update(inc, PublicStatus.RESOLVED, "done", 600.0, by="ada")


def test_resolve_refused_while_failing_then_forced() -> None:
    inc = incident()
    with pytest.raises(ResolveRefused, match="checkout is still not UP"):
        resolve(inc, ["checkout"], 500.0, by="ada")
    assert inc.active
    events = resolve(inc, ["checkout"], 500.0, by="ada", force=True)
    assert [e.kind for e in events] == [EventKind.RESOLVE_FORCED, EventKind.RESOLVED]
    assert events[0].data == {"failing": ["checkout"]} and events[0].actor == "ada"
    assert inc.state is IncidentState.RESOLVED and inc.public_status is PublicStatus.RESOLVED
    with pytest.raises(IncidentError, match="resolved"):
        acknowledge(inc, "ada", 600.0)
    reopen(inc, 700.0, monitor="checkout", reason="HTTP 500")
    assert inc.state is IncidentState.TRIGGERED and inc.resolved is None


def test_figures_from_first_failure() -> None:
    inc = incident()
    acknowledge(inc, "ada", 160.0)
    post_update(inc, PublicStatus.MONITORING, "fixed", 400.0, by="ada")
    resolve(inc, [], 1000.0, by="ada")
    assert response_figures(inc) == {
        "time_to_detect": 30.0,
        "time_to_acknowledge": 60.0,
        "time_to_mitigate": 300.0,
        "time_to_resolve": 900.0,
    }


def test_ready_to_resolve_needs_monitoring_and_healthy_time() -> None:
    inc = incident()
    assert not ready_to_resolve(inc, {"checkout": 0.0}, 1000.0, 600.0)
    post_update(inc, PublicStatus.MONITORING, "fixed", 400.0, by="ada")
    assert not ready_to_resolve(inc, {"checkout": 500.0}, 1000.0, 600.0)
    assert ready_to_resolve(inc, {"checkout": 400.0}, 1000.0, 600.0)
    assert not ready_to_resolve(inc, {"checkout": None}, 1000.0, 600.0)


def test_severity_change() -> None:
    inc = incident()
    assert change_severity(inc, "SEV2", 1.0, by="ada")[0].data == {"from": "SEV1", "to": "SEV2"}
    with pytest.raises(IncidentError, match="already SEV2"):
        change_severity(inc, "SEV2", 2.0, by="ada")


def test_page_text_says_what_to_do() -> None:
    title, body = page_text(
        incident_id=7,
        title="Checkout is down",
        severity="SEV1",
        severity_description="Full outage",
        components=["Storefront"],
        failing=[FailingMonitor("checkout", "Checkout API", "HTTP 503", "Restart workers")],
        person="ada",
    )
    assert title == "[SEV1] #7 Checkout is down"
    for part in (
        "Full outage",
        "Storefront",
        "HTTP 503",
        "Runbook: Restart workers",
        "statuscat incident ack 7 --as ada",
    ):
        assert part in body


POLICY = EscalationPolicy(
    "default",
    (EscalationStep(("schedule:primary",), 300.0), EscalationStep(("person:grace",), 600.0)),
    repeat=1,
)


def test_escalation_walks_steps_then_repeats_then_stops() -> None:
    s = esc.start(1000.0)
    seen = []
    while s.due is not None:
        seen.append((s.step, s.cycle, s.due))
        s = esc.advance(POLICY, s, s.due)
    assert seen == [(0, 0, 1000.0), (1, 0, 1300.0), (0, 1, 1900.0), (1, 1, 2200.0)]


@given(st.lists(st.floats(1, 10_000), min_size=1, max_size=5), st.integers(0, 3))
def test_escalation_pages_each_step_exactly_repeat_plus_one_times(
    waits: list[float], repeat: int
) -> None:
    policy = EscalationPolicy("p", tuple(EscalationStep(("person:a",), w) for w in waits), repeat)
    s = esc.start(0.0)
    steps = []
    while s.due is not None:
        steps.append(s.step)
        nxt = esc.advance(policy, s, s.due)
        assert nxt.due is None or nxt.due == s.due + waits[s.step]
        s = nxt
    assert steps == list(range(len(waits))) * (repeat + 1)
    assert esc.policy_from_json(esc.policy_to_json(policy)) == policy


HOURS = BusinessHours(days=(0, 1, 2, 3, 4), start=time(9), end=time(17))


def at(s: str) -> float:
    return datetime.fromisoformat(s).replace(tzinfo=BERLIN).timestamp()


def test_business_hours_routing() -> None:
    # Friday 23:00: a business-hours page waits for Monday 09:00 local time.
    assert esc.page_due(at("2026-12-04T23:00"), "business_hours", HOURS, BERLIN) == at(
        "2026-12-07T09:00"
    )
    assert esc.page_due(at("2026-12-07T10:00"), "business_hours", HOURS, BERLIN) == at(
        "2026-12-07T10:00"
    )
    assert esc.page_due(at("2026-12-04T23:00"), "always", HOURS, BERLIN) == at("2026-12-04T23:00")
    assert esc.page_due(at("2026-12-04T23:00"), "never", HOURS, BERLIN) is None
    # Early morning on a weekday: same day at 09:00.
    assert esc.page_due(at("2026-12-08T06:00"), "business_hours", HOURS, BERLIN) == at(
        "2026-12-08T09:00"
    )
