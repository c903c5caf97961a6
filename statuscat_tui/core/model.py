"""Typed, frozen configuration objects: what `config` produces from YAML and the domain uses.

Durations are seconds (float). Times of day are ``datetime.time``; absolute
times are timezone-aware ``datetime``. Every optional section has a default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, Literal
from urllib.parse import urlsplit

MonitorType = Literal["http", "tcp", "dns", "tls", "heartbeat"]
PagePolicy = Literal["always", "business_hours", "never"]
PublishPolicy = Literal["auto", "manual"]
SEVERITY_NAMES = ("SEV1", "SEV2", "SEV3")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Confirm:
    """How many consecutive results confirm a change, and how fast to re-check."""

    failures: int = 3
    retry_interval: float = 10.0
    successes: int = 2


@dataclass(frozen=True)
class BusinessHours:
    days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0, as datetime.weekday()
    start: time = time(9, 0)
    end: time = time(17, 0)


@dataclass(frozen=True)
class Settings:
    timezone: str = "UTC"
    database: str | None = None
    business_hours: BusinessHours = field(default_factory=BusinessHours)
    listen: str = "127.0.0.1:8787"
    me: str | None = None
    theme: str = "statuscat-dark"
    confirm_resolved_after: float = 600.0
    postmortem_required: tuple[str, ...] = ("SEV1", "SEV2")
    concurrency: int = 500
    auto_resolve: bool = False  # resolve incidents once ready, without a person
    notify_allow: tuple[str, ...] = ()  # link-local/metadata destinations allowed anyway

    @property
    def listen_host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def listen_port(self) -> int:
        return int(self.listen.rpartition(":")[2])


@dataclass(frozen=True)
class Defaults:
    interval: float = 60.0
    timeout: float = 10.0
    confirm: Confirm = field(default_factory=Confirm)


@dataclass(frozen=True)
class Expect:
    """What a healthy answer looks like; unset fields are not checked."""

    status: tuple[int, ...] = ()  # empty: any 2xx or 3xx (after redirects)
    body_contains: str | None = None
    json: tuple[tuple[str, Any], ...] = ()  # (dotted.path, expected value)
    max_response_time: float | None = None  # slower is DEGRADED, not DOWN
    cert_valid_for: float | None = None  # tls: fewer days left is DOWN
    contains: str | None = None  # dns: an answer must contain this


@dataclass(frozen=True)
class Monitor:
    id: str
    name: str
    type: MonitorType
    interval: float
    timeout: float
    confirm: Confirm
    url: str | None = None
    host: str | None = None
    port: int | None = None
    record: str = "A"
    nameserver: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    expect: Expect = field(default_factory=Expect)
    every: float | None = None  # heartbeat: a beat is expected this often
    grace: float = 0.0  # heartbeat: extra time before silence counts
    severity: str = "SEV2"
    component: str | None = None
    depends_on: tuple[str, ...] = ()
    runbook: str | None = None
    # DEGRADED opens no incident unless this says "degraded".
    open_incident_on: Literal["down", "degraded"] = "down"
    max_redirects: int = 5
    ca_file: str | None = None  # http/tls: extra CA bundle (internal PKI)

    @property
    def target(self) -> str:
        """A short description of what is probed, for lists and logs (and the database).

        An http URL loses its password and its query, which may be secrets (``${VAR}``).
        """
        if self.type == "http":
            return public_url(self.url or "")
        if self.type in ("tcp", "tls"):
            return f"{self.host}:{self.port}"
        if self.type == "dns":
            return f"{self.host} {self.record}"
        return f"/ping/{self.id}"


def public_url(url: str) -> str:
    """``url`` without a password, query or fragment: ``?…`` stands for a query."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return url.split("?", 1)[0].rpartition("@")[2]
    if not parts.scheme or not host:
        return url.split("?", 1)[0].rpartition("@")[2]
    user = f"{parts.username}@" if parts.username else ""
    host = f"[{host}]" if ":" in host else host
    where = f"{host}:{port}" if port is not None else host
    return f"{parts.scheme}://{user}{where}{parts.path}{'?…' if parts.query else ''}"


@dataclass(frozen=True)
class Component:
    name: str
    description: str = ""


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    notify: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rotation:
    every: float  # seconds; usually 1d or 1w
    handoff: time
    start: datetime
    members: tuple[str, ...]


@dataclass(frozen=True)
class Override:
    person: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Schedule:
    id: str
    name: str
    timezone: str
    rotation: Rotation
    overrides: tuple[Override, ...] = ()


@dataclass(frozen=True)
class EscalationStep:
    notify: tuple[str, ...]  # "schedule:ID" / "person:ID"
    wait: float


@dataclass(frozen=True)
class EscalationPolicy:
    id: str
    steps: tuple[EscalationStep, ...]
    repeat: int = 0


@dataclass(frozen=True)
class Severity:
    name: str
    description: str
    escalation: str | None = None
    page: PagePolicy = "always"
    publish: PublishPolicy = "auto"


DEFAULT_SEVERITIES: dict[str, Severity] = {
    "SEV1": Severity("SEV1", "Full outage or data risk: all hands.", None, "always", "auto"),
    "SEV2": Severity("SEV2", "Major feature down or serious degradation.", None, "always", "auto"),
    "SEV3": Severity(
        "SEV3", "Minor or cosmetic; handled in normal hours.", None, "business_hours", "manual"
    ),
}


@dataclass(frozen=True)
class StatusUpdates:
    investigating: str = "We are investigating problems with {component}."
    identified: str = (
        "We have identified the cause of the problems with {component} and are working on a fix."
    )
    monitoring: str = "A fix for {component} is in place; we are monitoring the results."
    resolved: str = "{component} is working normally again."


@dataclass(frozen=True)
class Maintenance:
    """A window during which listed monitors are MAINTENANCE and page nobody.

    One-off: ``start`` is set. Weekly: ``weekly_days`` and ``weekly_start`` are
    set, in the config's time zone.
    """

    monitors: tuple[str, ...]
    duration: float
    name: str = "Scheduled maintenance"
    start: datetime | None = None
    weekly_days: tuple[int, ...] = ()
    weekly_start: time | None = None


@dataclass(frozen=True)
class StatusPage:
    title: str = "Service status"
    url: str | None = None
    output: str = "status-page"


@dataclass(frozen=True)
class Config:
    monitors: tuple[Monitor, ...]
    settings: Settings = field(default_factory=Settings)
    defaults: Defaults = field(default_factory=Defaults)
    components: tuple[Component, ...] = ()
    people: tuple[Person, ...] = ()
    schedules: tuple[Schedule, ...] = ()
    escalation_policies: tuple[EscalationPolicy, ...] = ()
    severities: dict[str, Severity] = field(default_factory=lambda: dict(DEFAULT_SEVERITIES))
    status_updates: StatusUpdates = field(default_factory=StatusUpdates)
    maintenance: tuple[Maintenance, ...] = ()
    status_page: StatusPage = field(default_factory=StatusPage)
    source: str = "<memory>"
    # Values that came from ${VAR}: redacted from every log line and screen.
    secrets: frozenset[str] = frozenset()

    def monitor(self, monitor_id: str) -> Monitor:
        for m in self.monitors:
            if m.id == monitor_id:
                return m
        raise KeyError(monitor_id)
