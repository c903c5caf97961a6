"""Incidents: one owner, a severity, a timeline, and the rules for changing them.

Pure: every function takes the time (unix seconds) and returns the timeline
events it caused; the caller persists both in one transaction. A rule that
refuses raises ``IncidentError`` and changes nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class IncidentState(enum.StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class PublicStatus(enum.StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class EventKind(enum.StrEnum):
    OPENED = "opened"
    DETECTED = "detected"  # a monitor confirmed DOWN (joined or opened the incident)
    PAGED = "paged"
    PAGE_DEFERRED = "page_deferred"
    NOT_PAGED = "not_paged"
    DELIVERY_SUCCEEDED = "delivery_succeeded"
    DELIVERY_FAILED = "delivery_failed"
    ESCALATED = "escalated"
    ACKNOWLEDGED = "acknowledged"
    OWNER_CHANGED = "owner_changed"
    SEVERITY_CHANGED = "severity_changed"
    STATUS_UPDATE = "status_update"
    RESPONDER_ADDED = "responder_added"
    MONITOR_RECOVERED = "monitor_recovered"
    READY_TO_RESOLVE = "ready_to_resolve"
    RESOLVED = "resolved"
    RESOLVE_FORCED = "resolve_forced"
    REOPENED = "reopened"


@dataclass(frozen=True, slots=True)
class Event:
    """One line of an incident's timeline."""

    kind: EventKind
    at: float
    actor: str | None = None  # a person id, or None for StatusCat itself
    data: dict[str, Any] = field(default_factory=dict)


class IncidentError(Exception):
    """An action the rules refuse; the message says why."""


class ResolveRefused(IncidentError):
    def __init__(self, incident_id: int, failing: list[str]) -> None:
        names = ", ".join(failing)
        super().__init__(
            f"incident {incident_id} cannot be resolved: {names} "
            f"{'is' if len(failing) == 1 else 'are'} still not UP (use --force to resolve anyway)"
        )
        self.failing = failing


STATUS_ORDER = (
    PublicStatus.INVESTIGATING,
    PublicStatus.IDENTIFIED,
    PublicStatus.MONITORING,
    PublicStatus.RESOLVED,
)


@dataclass
class Incident:
    id: int
    title: str
    severity: str
    started: float
    components: list[str] = field(default_factory=list)
    monitors: list[str] = field(default_factory=list)
    owner: str | None = None
    state: IncidentState = IncidentState.TRIGGERED
    public_status: PublicStatus = PublicStatus.INVESTIGATING
    detected: float | None = None
    acknowledged: float | None = None
    mitigated: float | None = None  # the first *monitoring* update
    resolved: float | None = None
    ready_since: float | None = None
    opened_by: str | None = None  # a person id, or None when a monitor opened it

    @property
    def active(self) -> bool:
        return self.state is not IncidentState.RESOLVED

    def next_status(self) -> PublicStatus:
        """The public state an update would most likely move to next."""
        i = STATUS_ORDER.index(self.public_status)
        return STATUS_ORDER[min(i + 1, len(STATUS_ORDER) - 1)]


def _require_active(inc: Incident) -> None:
    if not inc.active:
        raise IncidentError(f"incident {inc.id} is resolved")


def acknowledge(inc: Incident, person: str, at: float) -> list[Event]:
    """Own the page: stops escalation. The first acknowledger becomes owner if none."""
    _require_active(inc)
    events = [Event(EventKind.ACKNOWLEDGED, at, person)]
    if inc.state is IncidentState.TRIGGERED:
        inc.state = IncidentState.ACKNOWLEDGED
        inc.acknowledged = at
    if inc.owner is None:
        events += set_owner(inc, person, at, by=person)
    return events


def set_owner(inc: Incident, person: str, at: float, *, by: str | None) -> list[Event]:
    _require_active(inc)
    if inc.owner == person:
        return []
    old, inc.owner = inc.owner, person
    return [Event(EventKind.OWNER_CHANGED, at, by, {"from": old, "to": person})]


def change_severity(inc: Incident, severity: str, at: float, *, by: str | None) -> list[Event]:
    _require_active(inc)
    if severity == inc.severity:
        raise IncidentError(f"incident {inc.id} is already {severity}")
    old, inc.severity = inc.severity, severity
    return [Event(EventKind.SEVERITY_CHANGED, at, by, {"from": old, "to": severity})]


def post_update(
    inc: Incident, status: PublicStatus, message: str, at: float, *, by: str | None
) -> list[Event]:
    """A status update; *resolved* goes through ``resolve`` instead."""
    _require_active(inc)
    if status is PublicStatus.RESOLVED:
        raise IncidentError("post a resolved update by resolving the incident")
    if not message.strip():
        raise IncidentError("a status update needs a message")
    inc.public_status = status
    if status is PublicStatus.MONITORING and inc.mitigated is None:
        inc.mitigated = at
    if status is not PublicStatus.MONITORING:
        inc.ready_since = None
    return [Event(EventKind.STATUS_UPDATE, at, by, {"status": status.value, "message": message})]


def resolve(
    inc: Incident,
    failing: list[str],
    at: float,
    *,
    by: str | None,
    force: bool = False,
    message: str | None = None,
) -> list[Event]:
    """Close the incident; refused while ``failing`` monitors are not UP unless forced."""
    _require_active(inc)
    events: list[Event] = []
    if failing:
        if not force:
            raise ResolveRefused(inc.id, failing)
        events.append(Event(EventKind.RESOLVE_FORCED, at, by, {"failing": list(failing)}))
    inc.state = IncidentState.RESOLVED
    inc.public_status = PublicStatus.RESOLVED
    inc.resolved = at
    inc.ready_since = None
    if inc.mitigated is None:
        inc.mitigated = at
    data: dict[str, Any] = {"message": message} if message else {}
    events.append(Event(EventKind.RESOLVED, at, by, data))
    return events


def reopen(inc: Incident, at: float, *, monitor: str, reason: str) -> list[Event]:
    """A monitor failed again soon after resolution: the same outage continues."""
    if inc.active:
        raise IncidentError(f"incident {inc.id} is not resolved")
    inc.state = IncidentState.TRIGGERED
    inc.public_status = PublicStatus.INVESTIGATING
    inc.resolved = None
    inc.acknowledged = None
    inc.ready_since = None
    return [Event(EventKind.REOPENED, at, None, {"monitor": monitor, "reason": reason})]


def ready_to_resolve(
    inc: Incident, up_since: dict[str, float | None], now: float, after: float
) -> bool:
    """In *monitoring*, with every monitor UP for at least ``after`` seconds."""
    if inc.public_status is not PublicStatus.MONITORING or not inc.active:
        return False
    for m in inc.monitors:
        since = up_since.get(m)
        if since is None or now - since < after:
            return False
    return True


def response_figures(inc: Incident) -> dict[str, float | None]:
    """Seconds from the first failure to detection, acknowledgement, mitigation, resolution."""

    def span(t: float | None) -> float | None:
        return None if t is None else max(0.0, t - inc.started)

    return {
        "time_to_detect": span(inc.detected),
        "time_to_acknowledge": span(inc.acknowledged),
        "time_to_mitigate": span(inc.mitigated),
        "time_to_resolve": span(inc.resolved),
    }
