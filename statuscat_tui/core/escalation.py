"""Escalation planning: which step pages next, and when.

A policy is frozen onto the incident when it opens, so later config edits do
not change a running escalation. Step i pages its targets, waits ``wait``,
then step i+1 pages; after the last step the policy repeats ``repeat`` times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from statuscat_tui.core.model import BusinessHours, EscalationPolicy, EscalationStep, PagePolicy


@dataclass(frozen=True, slots=True)
class EscalationState:
    step: int
    cycle: int
    due: float | None  # None: the policy has run out


def start(at: float) -> EscalationState:
    return EscalationState(0, 0, at)


def advance(policy: EscalationPolicy, state: EscalationState, now: float) -> EscalationState:
    """After paging ``state.step`` at ``now``: the next step and when it is due."""
    wait = policy.steps[state.step].wait
    step, cycle = state.step + 1, state.cycle
    if step >= len(policy.steps):
        step, cycle = 0, cycle + 1
        if cycle > policy.repeat:
            return EscalationState(step, cycle, None)
    return EscalationState(step, cycle, now + wait)


def policy_to_json(policy: EscalationPolicy) -> dict[str, Any]:
    return {
        "id": policy.id,
        "repeat": policy.repeat,
        "steps": [{"notify": list(s.notify), "wait": s.wait} for s in policy.steps],
    }


def policy_from_json(data: dict[str, Any]) -> EscalationPolicy:
    return EscalationPolicy(
        id=str(data["id"]),
        steps=tuple(EscalationStep(tuple(s["notify"]), float(s["wait"])) for s in data["steps"]),
        repeat=int(data["repeat"]),
    )


def in_business_hours(at: float, hours: BusinessHours, tz: ZoneInfo) -> bool:
    local = datetime.fromtimestamp(at, tz)
    return local.weekday() in hours.days and hours.start <= local.time() < hours.end


def next_business_start(at: float, hours: BusinessHours, tz: ZoneInfo) -> float | None:
    """The next moment business hours begin after ``at`` (None if they never do)."""
    local = datetime.fromtimestamp(at, tz)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if day.weekday() not in hours.days:
            continue
        begin = datetime.combine(day, hours.start, tzinfo=tz).timestamp()
        if begin > at:
            return begin
    return None


def page_due(at: float, page: PagePolicy, hours: BusinessHours, tz: ZoneInfo) -> float | None:
    """When a page raised at ``at`` may go out under a severity's ``page`` policy."""
    if page == "never":
        return None
    if page == "always" or in_business_hours(at, hours, tz):
        return at
    return next_business_start(at, hours, tz)
