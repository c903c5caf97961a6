"""Prometheus metrics for the engine's ``/metrics`` endpoint.

A :class:`MetricsSnapshot` is read from a running engine by :func:`snapshot`
and turned into the text exposition format by :func:`render`. Every render
builds its own ``CollectorRegistry`` (nothing touches prometheus_client's
global registry), so any number of engines can live in one process.

Metrics (all gauges unless noted; label values are escaped by prometheus_client):

``statuscat_monitor_up{monitor, name, type, component}``
    1 while the monitor is UP or DEGRADED, else 0. ``component`` is ``""``
    for a monitor without one. The only family carrying ``name``, ``type`` and
    ``component``; join on ``monitor`` for the others.
``statuscat_monitor_state{monitor, state}``
    State set: one sample per state (``unknown``, ``up``, ``degraded``,
    ``pending``, ``down``, ``maintenance``), 1 for the current one, 0 otherwise.
``statuscat_monitor_latency_seconds{monitor}``
    The last check's latency; absent when the last check measured none.
``statuscat_monitor_last_check_timestamp_seconds{monitor}``
    Unix time of the last recorded check; absent before the first one.
``statuscat_monitor_uptime_ratio{monitor, window}``
    Uptime (0..1) over ``window`` = ``24h``, ``7d``, ``30d``, ``90d``; absent
    where there is no data. DEGRADED counts as up, maintenance is left out.
``statuscat_monitor_cert_days_left{monitor}``
    TLS monitors only: whole days until the certificate expires.
``statuscat_incidents{severity, state}``
    Incidents in the database by severity and state (``triggered``,
    ``acknowledged``, ``resolved``); 0 for every configured severity without any.
``statuscat_incidents_open{public_status}``
    Unresolved incidents by public status (``investigating``, ``identified``,
    ``monitoring``).
``statuscat_engine_info{version}``
    Always 1.
``statuscat_engine_start_time_seconds``
    Unix time the engine started.
``statuscat_checks_total`` (counter)
    Checks run by this engine process since it started.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)

from statuscat_tui import __version__
from statuscat_tui.core.incidents import IncidentState, PublicStatus
from statuscat_tui.core.states import MonitorState
from statuscat_tui.store.store import UPTIME_WINDOWS as _STORE_WINDOWS

if TYPE_CHECKING:
    from statuscat_tui.engine.engine import Engine

UPTIME_WINDOWS: tuple[str, ...] = tuple(_STORE_WINDOWS)  # "24h", "7d", "30d", "90d"
OPEN_PUBLIC_STATUSES = tuple(s.value for s in PublicStatus if s is not PublicStatus.RESOLVED)
_UP_STATES = (MonitorState.UP, MonitorState.DEGRADED)


@dataclass(frozen=True, slots=True)
class MonitorMetrics:
    """One monitor's row in a snapshot."""

    id: str
    name: str
    type: str
    component: str | None
    state: MonitorState
    latency: float | None = None  # seconds, the last check's
    last_check: float | None = None  # unix seconds
    # window ("24h", "7d", "30d", "90d") -> ratio 0..1, or None without data
    uptime: Mapping[str, float | None] = field(default_factory=lambda: MappingProxyType({}))
    cert_days_left: float | None = None


@dataclass(frozen=True, slots=True)
class MetricsSnapshot:
    """Everything ``/metrics`` shows, read at one moment."""

    monitors: tuple[MonitorMetrics, ...] = ()
    # (severity, state) -> count; state is an IncidentState value
    incidents: Mapping[tuple[str, str], int] = field(default_factory=lambda: MappingProxyType({}))
    # public status -> unresolved incidents showing it
    open_incidents: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    severities: tuple[str, ...] = ()  # configured ones: reported as 0 when they have none
    version: str = __version__
    started_at: float | None = None  # unix seconds
    checks: int | None = None


class _SnapshotCollector:
    """A prometheus_client collector over one fixed snapshot."""

    def __init__(self, snap: MetricsSnapshot) -> None:
        self.snap = snap

    def collect(self) -> Iterator[Metric]:
        snap = self.snap
        up = GaugeMetricFamily(
            "statuscat_monitor_up",
            "1 if the monitor is UP or DEGRADED, else 0.",
            labels=("monitor", "name", "type", "component"),
        )
        state = GaugeMetricFamily(
            "statuscat_monitor_state",
            "The monitor's current state: 1 for the state it is in, 0 for the others.",
            labels=("monitor", "state"),
        )
        latency = GaugeMetricFamily(
            "statuscat_monitor_latency_seconds",
            "Latency of the monitor's last check.",
            labels=("monitor",),
            unit="seconds",
        )
        checked = GaugeMetricFamily(
            "statuscat_monitor_last_check_timestamp_seconds",
            "Unix time of the monitor's last check.",
            labels=("monitor",),
        )
        uptime = GaugeMetricFamily(
            "statuscat_monitor_uptime_ratio",
            "Share of measured time the monitor was up (DEGRADED counts as up).",
            labels=("monitor", "window"),
        )
        cert = GaugeMetricFamily(
            "statuscat_monitor_cert_days_left",
            "Whole days until the TLS certificate expires.",
            labels=("monitor",),
        )
        for m in snap.monitors:
            up.add_metric(
                (m.id, m.name, m.type, m.component or ""), 1 if m.state in _UP_STATES else 0
            )
            for s in MonitorState:
                state.add_metric((m.id, s.name.lower()), 1 if s is m.state else 0)
            if m.latency is not None:
                latency.add_metric((m.id,), m.latency)
            if m.last_check is not None:
                checked.add_metric((m.id,), m.last_check)
            for window in UPTIME_WINDOWS:
                ratio = m.uptime.get(window)
                if ratio is not None:
                    uptime.add_metric((m.id, window), ratio)
            if m.cert_days_left is not None:
                cert.add_metric((m.id,), m.cert_days_left)
        yield from (up, state, latency, checked, uptime, cert)

        incidents = GaugeMetricFamily(
            "statuscat_incidents",
            "Incidents by severity and state.",
            labels=("severity", "state"),
        )
        counts = dict.fromkeys(
            ((sev, st.value) for sev in snap.severities for st in IncidentState), 0
        )
        counts.update(snap.incidents)
        for (sev, st), n in sorted(counts.items()):
            incidents.add_metric((sev, st), n)
        yield incidents

        open_ = GaugeMetricFamily(
            "statuscat_incidents_open",
            "Unresolved incidents by public status.",
            labels=("public_status",),
        )
        by_status = dict.fromkeys(OPEN_PUBLIC_STATUSES, 0)
        by_status.update(snap.open_incidents)
        for status, n in sorted(by_status.items()):
            open_.add_metric((status,), n)
        yield open_

        yield InfoMetricFamily(
            "statuscat_engine", "The StatusCat engine.", value={"version": snap.version}
        )
        if snap.started_at is not None:
            yield GaugeMetricFamily(
                "statuscat_engine_start_time_seconds",
                "Unix time the engine started.",
                value=snap.started_at,
            )
        if snap.checks is not None:
            yield CounterMetricFamily(
                "statuscat_checks",
                "Checks run by this engine since it started.",
                value=snap.checks,
            )


def render(snap: MetricsSnapshot) -> bytes:
    """The Prometheus text exposition (format 0.0.4) of ``snap``."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_SnapshotCollector(snap))
    return generate_latest(registry)


async def snapshot(engine: Engine) -> MetricsSnapshot:
    """Read a started engine's monitors, uptime and incident counts (read-only)."""
    now = engine.clock.time()
    store = engine.store
    uptime: dict[str, dict[str, float | None]] = {}
    incidents: dict[tuple[str, str], int] = {}
    open_incidents: dict[str, int] = {}
    if store is not None:
        uptime = await store.uptime(now)
        sql = (
            "SELECT severity, state, public_status, count(*) FROM incidents"
            " GROUP BY severity, state, public_status"
        )
        async with store.reader.execute(sql) as cur:
            async for severity, state, public_status, n in cur:
                key = (str(severity), str(state))
                incidents[key] = incidents.get(key, 0) + int(n)
                if state != IncidentState.RESOLVED:
                    status = str(public_status)
                    open_incidents[status] = open_incidents.get(status, 0) + int(n)
    monitors = []
    for r in engine.runtimes:
        m = r.monitor
        last = r.last
        days_left = None
        if m.type == "tls" and last is not None:
            raw = last.details.get("days_left")
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                days_left = float(raw)
        percents = uptime.get(m.id, {})
        monitors.append(
            MonitorMetrics(
                id=m.id,
                name=m.name,
                type=m.type,
                component=m.component,
                state=r.machine.state,
                latency=last.latency if last is not None else None,
                last_check=r.checked_at,
                uptime=MappingProxyType(
                    {
                        w: (p / 100.0 if (p := percents.get(w)) is not None else None)
                        for w in UPTIME_WINDOWS
                    }
                ),
                cert_days_left=days_left,
            )
        )
    return MetricsSnapshot(
        monitors=tuple(monitors),
        incidents=MappingProxyType(incidents),
        open_incidents=MappingProxyType(open_incidents),
        severities=tuple(engine.config.severities),
        started_at=engine.started_at or None,
        checks=engine.checks_done,
    )


async def exposition(engine: Engine) -> bytes:
    """What ``GET /metrics`` answers: ``render(await snapshot(engine))``."""
    return render(await snapshot(engine))
