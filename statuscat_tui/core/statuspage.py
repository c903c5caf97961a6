"""The public status page as data: what may be published, derived from state.

Pure: the caller passes monitor states, incidents with their timelines, daily
uptime and the time; ``build_page`` returns a ``StatusPageModel`` that the
renderers in ``statuscat_tui.publish`` turn into HTML, JSON, Atom and badges.

What is public and what is not is decided here, once:

- an incident is public once a status update was posted for it (by a person,
  or at once by StatusCat when its severity publishes ``auto``);
- a public update carries its state, time and text, never who posted it;
- monitors are never named: components are what the page shows, and a
  component's status comes from its monitors' states and its open public
  incidents; probe targets, reasons, people and pages never appear.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from statuscat_tui.core.incidents import (
    Event,
    EventKind,
    Incident,
    IncidentState,
    PublicStatus,
)
from statuscat_tui.core.maintenance import next_change, window_contains
from statuscat_tui.core.model import Config, Maintenance, StatusUpdates
from statuscat_tui.core.states import MonitorState

DAY = 86400
UPTIME_DAYS = 90
NO_COMPONENT = "our service"  # {component} for an incident that names none
MAINTENANCE_AHEAD = 30 * DAY


class ComponentStatus(enum.StrEnum):
    """Statuspage's component statuses, best first."""

    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def label(self) -> str:
        return _COMPONENT_LABELS[self]

    @property
    def rank(self) -> int:
        return _COMPONENT_ORDER.index(self)


_COMPONENT_ORDER = list(ComponentStatus)
_COMPONENT_LABELS = {
    ComponentStatus.OPERATIONAL: "Operational",
    ComponentStatus.UNDER_MAINTENANCE: "Under maintenance",
    ComponentStatus.DEGRADED_PERFORMANCE: "Degraded performance",
    ComponentStatus.PARTIAL_OUTAGE: "Partial outage",
    ComponentStatus.MAJOR_OUTAGE: "Major outage",
}


class Impact(enum.StrEnum):
    """Statuspage's incident impact and page indicator, least first."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Impact).index(self)


SEVERITY_IMPACT: Mapping[str, Impact] = {
    "SEV1": Impact.CRITICAL,
    "SEV2": Impact.MAJOR,
    "SEV3": Impact.MINOR,
}

INDICATOR_DESCRIPTIONS: Mapping[Impact, str] = {
    Impact.NONE: "All Systems Operational",
    Impact.MINOR: "Minor Service Disruption",
    Impact.MAJOR: "Major Service Outage",
    Impact.CRITICAL: "Critical Service Outage",
}

# How a component's status raises the page indicator.
_COMPONENT_IMPACT: Mapping[ComponentStatus, Impact] = {
    ComponentStatus.OPERATIONAL: Impact.NONE,
    ComponentStatus.UNDER_MAINTENANCE: Impact.NONE,
    ComponentStatus.DEGRADED_PERFORMANCE: Impact.MINOR,
    ComponentStatus.PARTIAL_OUTAGE: Impact.MINOR,
    ComponentStatus.MAJOR_OUTAGE: Impact.MAJOR,
}

# How an open public incident (still investigating or identified) marks its components.
_IMPACT_COMPONENT: Mapping[Impact, ComponentStatus] = {
    Impact.NONE: ComponentStatus.OPERATIONAL,
    Impact.MINOR: ComponentStatus.DEGRADED_PERFORMANCE,
    Impact.MAJOR: ComponentStatus.PARTIAL_OUTAGE,
    Impact.CRITICAL: ComponentStatus.MAJOR_OUTAGE,
}

STATUS_LABELS: Mapping[str, str] = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
    "scheduled": "Scheduled",
    "in_progress": "In progress",
    "completed": "Completed",
}


@dataclass(frozen=True, slots=True)
class PublicUpdate:
    id: str  # stable: "<incident>-<timeline row>"
    status: str  # investigating / identified / monitoring / resolved
    body: str  # Markdown, as posted
    at: float
    components: tuple[str, ...]  # component ids


@dataclass(frozen=True, slots=True)
class PublicIncident:
    id: str
    name: str
    impact: Impact
    status: str  # the latest public state
    created_at: float
    updated_at: float
    monitoring_at: float | None
    resolved_at: float | None
    components: tuple[str, ...]  # component ids
    updates: tuple[PublicUpdate, ...]  # newest first
    postmortem: str | None = None  # Markdown attached once a postmortem is published

    @property
    def active(self) -> bool:
        return self.resolved_at is None


@dataclass(frozen=True, slots=True)
class DayUptime:
    day: float  # UTC midnight, unix seconds
    uptime: float | None  # percent; None: no data that day
    down_s: float = 0.0


@dataclass(frozen=True, slots=True)
class PublicComponent:
    id: str
    name: str
    description: str
    position: int
    status: ComponentStatus
    updated_at: float
    days: tuple[DayUptime, ...]  # oldest first, UPTIME_DAYS of them
    uptime_90d: float | None
    uptime_30d: float | None


@dataclass(frozen=True, slots=True)
class PublicMaintenance:
    id: str
    name: str
    status: str  # scheduled / in_progress
    starts: float
    ends: float
    components: tuple[str, ...]  # component ids


@dataclass(frozen=True, slots=True)
class StatusPageModel:
    page_id: str
    title: str
    url: str | None
    time_zone: str
    updated_at: float
    indicator: Impact
    description: str
    components: tuple[PublicComponent, ...]
    incidents: tuple[PublicIncident, ...]  # every public incident, newest first
    maintenances: tuple[PublicMaintenance, ...]  # running, then upcoming

    @property
    def active_incidents(self) -> tuple[PublicIncident, ...]:
        return tuple(i for i in self.incidents if i.active)

    def recent_resolved(self, days: int = 14) -> tuple[PublicIncident, ...]:
        since = self.updated_at - days * DAY
        return tuple(
            i for i in self.incidents if i.resolved_at is not None and i.resolved_at >= since
        )

    def component(self, component_id: str) -> PublicComponent:
        for c in self.components:
            if c.id == component_id:
                return c
        raise KeyError(component_id)


@dataclass(frozen=True, slots=True)
class MonitorStatus:
    """What the page needs of one monitor: its state and when it took it."""

    state: MonitorState
    since: float | None = None


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """An incident with its timeline as (row id, event) pairs, oldest first."""

    incident: Incident
    events: Sequence[tuple[int, Event]]
    postmortem: str | None = None


def slug(name: str) -> str:
    """A component's id: lower case letters, digits and dashes."""
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return s or "component"


def page_id(title: str, url: str | None) -> str:
    """A stable id for the page, like Statuspage's (12 lower-case characters)."""
    digest = hashlib.sha256(f"{url or ''}\n{title}".encode()).hexdigest()
    return digest[:12]


def template_text(template: str, *, component: str, title: str) -> str:
    """Fill a ``status_updates`` template; unknown placeholders stay as written."""
    try:
        return template.format_map(_Placeholders(component=component, title=title))
    except (ValueError, IndexError, AttributeError):
        return template


class _Placeholders(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class _Titled(Protocol):
    @property
    def title(self) -> str: ...

    @property
    def components(self) -> Sequence[str]: ...


def fill_template(updates: StatusUpdates, status: str, incident: _Titled) -> str:
    """The ``status_updates`` template for ``status``, filled in for ``incident``."""
    template = str(getattr(updates, status, ""))
    component = ", ".join(incident.components) or NO_COMPONENT
    return template_text(template, component=component, title=incident.title)


def component_ids(config: Config) -> dict[str, str]:
    """Component name -> id, for the declared components and any a monitor names."""
    names = [c.name for c in config.components]
    for m in config.monitors:
        if m.component and m.component not in names:
            names.append(m.component)
    ids: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = cid = slug(name)
        n = 2
        while cid in used:
            cid = f"{base}-{n}"
            n += 1
        used.add(cid)
        ids[name] = cid
    return ids


def public_updates(
    inc: Incident, events: Iterable[tuple[int, Event]], component_ids: Sequence[str]
) -> list[PublicUpdate]:
    """The incident's public updates, oldest first (empty: the incident is internal)."""
    out: list[PublicUpdate] = []
    for row, e in events:
        if e.kind is EventKind.STATUS_UPDATE:
            status, body = str(e.data.get("status", "")), str(e.data.get("message", ""))
        elif e.kind is EventKind.RESOLVED and out:
            status, body = PublicStatus.RESOLVED.value, str(e.data.get("message") or "")
        else:
            continue
        out.append(PublicUpdate(f"{inc.id}-{row}", status, body, e.at, tuple(component_ids)))
    return out


def _component_from_monitors(states: Sequence[MonitorState]) -> ComponentStatus:
    live = [s for s in states if s is not MonitorState.MAINTENANCE]
    if states and not live:
        return ComponentStatus.UNDER_MAINTENANCE
    down = sum(1 for s in live if s is MonitorState.DOWN)
    if live and down == len(live):
        return ComponentStatus.MAJOR_OUTAGE
    if down:
        return ComponentStatus.PARTIAL_OUTAGE
    if any(s is MonitorState.DEGRADED for s in live):
        return ComponentStatus.DEGRADED_PERFORMANCE
    if len(live) < len(states):
        return ComponentStatus.UNDER_MAINTENANCE
    return ComponentStatus.OPERATIONAL


def _worst(a: ComponentStatus, b: ComponentStatus) -> ComponentStatus:
    return a if a.rank >= b.rank else b


def _uptime_days(
    monitors: Sequence[str],
    daily: Mapping[str, Mapping[int, tuple[float, float]]],
    first_day: int,
) -> tuple[tuple[DayUptime, ...], float | None, float | None]:
    days: list[DayUptime] = []
    good_90 = bad_90 = good_30 = bad_30 = 0.0
    for i in range(UPTIME_DAYS):
        day = first_day + i * DAY
        good = bad = 0.0
        for m in monitors:
            g, b = daily.get(m, {}).get(day, (0.0, 0.0))
            good += g
            bad += b
        total = good + bad
        days.append(DayUptime(float(day), 100.0 * good / total if total > 0 else None, bad))
        good_90 += good
        bad_90 += bad
        if i >= UPTIME_DAYS - 30:
            good_30 += good
            bad_30 += bad
    u90 = 100.0 * good_90 / (good_90 + bad_90) if good_90 + bad_90 > 0 else None
    u30 = 100.0 * good_30 / (good_30 + bad_30) if good_30 + bad_30 > 0 else None
    return tuple(days), u90, u30


def _maintenances(
    windows: Sequence[Maintenance],
    monitor_component: Mapping[str, str],
    now: float,
    tz: ZoneInfo,
) -> list[PublicMaintenance]:
    out: list[PublicMaintenance] = []
    for w in windows:
        comps = tuple(
            dict.fromkeys(monitor_component[m] for m in w.monitors if m in monitor_component)
        )
        running = window_contains(w, now, tz)
        if running:
            end = next_change(w, now, tz)
            ends = end if end is not None else now
            starts = ends - w.duration
        else:
            start = next_change(w, now, tz)  # not running: the next edge is a start
            if start is None or start - now > MAINTENANCE_AHEAD:
                continue
            starts, ends = start, start + w.duration
        mid = f"{slug(w.name)}-{int(starts)}"
        out.append(
            PublicMaintenance(
                mid, w.name, "in_progress" if running else "scheduled", starts, ends, comps
            )
        )
    out.sort(key=lambda m: (m.status != "in_progress", m.starts))
    return out


def build_page(
    config: Config,
    states: Mapping[str, MonitorStatus],
    incidents: Sequence[IncidentRecord],
    daily: Mapping[str, Mapping[int, tuple[float, float]]],
    now: float,
) -> StatusPageModel:
    """Everything the public page shows at ``now``.

    ``daily`` maps a monitor id to {UTC midnight: (up seconds, down seconds)};
    degraded time counts as up and maintenance is left out, as for uptime.
    """
    sp = config.status_page
    tz = ZoneInfo(config.settings.timezone)
    ids = component_ids(config)
    described = {c.name: c.description for c in config.components}
    monitor_component = {m.id: ids[m.component] for m in config.monitors if m.component is not None}
    members: dict[str, list[str]] = {cid: [] for cid in ids.values()}
    for mid, cid in monitor_component.items():
        members[cid].append(mid)

    public: list[PublicIncident] = []
    for rec in incidents:
        inc = rec.incident
        comp_ids = [ids[c] for c in inc.components if c in ids]
        for m in inc.monitors:
            extra = monitor_component.get(m)
            if extra is not None and extra not in comp_ids:
                comp_ids.append(extra)
        updates = public_updates(inc, rec.events, comp_ids)
        if not updates:
            continue
        resolved = inc.resolved if inc.state is IncidentState.RESOLVED else None
        monitoring = next((u.at for u in updates if u.status == "monitoring"), None)
        public.append(
            PublicIncident(
                id=str(inc.id),
                name=inc.title,
                impact=SEVERITY_IMPACT.get(inc.severity, Impact.MINOR),
                status=inc.public_status.value,
                created_at=updates[0].at,
                updated_at=updates[-1].at,
                monitoring_at=monitoring,
                resolved_at=resolved,
                components=tuple(comp_ids),
                updates=tuple(reversed(updates)),
                postmortem=rec.postmortem,
            )
        )
    public.sort(key=lambda i: (i.created_at, int(i.id) if i.id.isdigit() else 0), reverse=True)

    # Open public incidents still being worked on mark their components.
    floor: dict[str, ComponentStatus] = {}
    for pi in public:
        if pi.active and pi.status in ("investigating", "identified"):
            mark = _IMPACT_COMPONENT[pi.impact]
            for cid in pi.components:
                floor[cid] = _worst(floor.get(cid, ComponentStatus.OPERATIONAL), mark)

    first_day = (int(now) // DAY) * DAY - (UPTIME_DAYS - 1) * DAY
    components: list[PublicComponent] = []
    for position, (name, cid) in enumerate(ids.items(), start=1):
        mons = members[cid]
        status = _component_from_monitors(
            [states[m].state if m in states else MonitorState.PENDING for m in mons]
        )
        status = _worst(status, floor.get(cid, ComponentStatus.OPERATIONAL))
        changed = [states[m].since for m in mons if m in states and states[m].since is not None]
        updated = max((s for s in changed if s is not None), default=now)
        for pi in public:
            if cid in pi.components:
                updated = max(updated, pi.updated_at)
        days, u90, u30 = _uptime_days(mons, daily, first_day)
        components.append(
            PublicComponent(
                cid, name, described.get(name, ""), position, status, updated, days, u90, u30
            )
        )

    indicator = Impact.NONE
    for c in components:
        if _COMPONENT_IMPACT[c.status].rank > indicator.rank:
            indicator = _COMPONENT_IMPACT[c.status]
    for pi in public:
        if pi.active and pi.impact.rank > indicator.rank:
            indicator = pi.impact
    description = INDICATOR_DESCRIPTIONS[indicator]
    if indicator is Impact.NONE and any(
        c.status is ComponentStatus.UNDER_MAINTENANCE for c in components
    ):
        description = "Service Under Maintenance"

    return StatusPageModel(
        page_id=page_id(sp.title, sp.url),
        title=sp.title,
        url=sp.url,
        time_zone=config.settings.timezone,
        updated_at=now,
        indicator=indicator,
        description=description,
        components=tuple(components),
        incidents=tuple(public),
        maintenances=tuple(_maintenances(config.maintenance, monitor_component, now, tz)),
    )


def update_component_status(impact: Impact, status: str) -> ComponentStatus:
    """What an update in state ``status`` says about its components."""
    if status in ("monitoring", "resolved"):
        return ComponentStatus.OPERATIONAL
    return _IMPACT_COMPONENT[impact]
