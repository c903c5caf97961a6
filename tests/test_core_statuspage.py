"""The status page model: what is public, component status, the indicator, uptime days."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from statuscat_tui.core.incidents import (
    Event,
    EventKind,
    Incident,
    IncidentState,
    PublicStatus,
)
from statuscat_tui.core.model import (
    Component,
    Config,
    Confirm,
    Maintenance,
    Monitor,
    Settings,
    StatusPage,
    StatusUpdates,
)
from statuscat_tui.core.states import MonitorState as S
from statuscat_tui.core.statuspage import (
    DAY,
    ComponentStatus,
    Impact,
    IncidentRecord,
    MonitorStatus,
    build_page,
    component_ids,
    fill_template,
    slug,
    template_text,
)

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC).timestamp()
TODAY = (int(NOW) // DAY) * DAY


def mon(mid: str, component: str | None) -> Monitor:
    return Monitor(
        id=mid,
        name=mid.title(),
        type="http",
        interval=60.0,
        timeout=10.0,
        confirm=Confirm(),
        url=f"http://10.0.0.1/{mid}",
        component=component,
    )


CONFIG = Config(
    monitors=(
        mon("web", "Website"),
        mon("api-1", "API"),
        mon("api-2", "API"),
        mon("smtp", "Email"),
        mon("internal", None),
    ),
    components=(Component("Website", "The site"), Component("API"), Component("Email")),
    settings=Settings(timezone="Europe/Berlin"),
    status_page=StatusPage(title="Acme status", url="https://status.acme.test"),
)


def states(**given_states: S) -> dict[str, MonitorStatus]:
    base = {m.id: MonitorStatus(S.UP, NOW - 3600) for m in CONFIG.monitors}
    for k, v in given_states.items():
        base[k.replace("_", "-")] = MonitorStatus(v, NOW - 60)
    return base


def incident(
    iid: int,
    severity: str = "SEV2",
    components: tuple[str, ...] = ("API",),
    *,
    updates: tuple[tuple[str, str, float], ...] = (),
    resolved_at: float | None = None,
    monitors: tuple[str, ...] = (),
) -> IncidentRecord:
    inc = Incident(
        id=iid,
        title=f"Incident {iid}",
        severity=severity,
        started=NOW - 3600,
        components=list(components),
        monitors=list(monitors),
        owner="alice",
    )
    events: list[tuple[int, Event]] = [(iid * 100, Event(EventKind.OPENED, NOW - 3500, None))]
    for n, (status, text, at) in enumerate(updates, start=1):
        events.append(
            (
                iid * 100 + n,
                Event(EventKind.STATUS_UPDATE, at, "alice", {"status": status, "message": text}),
            )
        )
        inc.public_status = PublicStatus(status)
    if resolved_at is not None:
        events.append(
            (iid * 100 + 99, Event(EventKind.RESOLVED, resolved_at, "bob", {"message": "Fixed."}))
        )
        inc.state = IncidentState.RESOLVED
        inc.public_status = PublicStatus.RESOLVED
        inc.resolved = resolved_at
    return IncidentRecord(inc, events)


def component_status(
    page_states: dict[str, MonitorStatus], records: list[IncidentRecord] | None = None
) -> dict[str, str]:
    page = build_page(CONFIG, page_states, records or [], {}, NOW)
    return {c.name: c.status.value for c in page.components}


def test_all_up_is_operational_with_no_incidents() -> None:
    page = build_page(CONFIG, states(), [], {}, NOW)
    assert page.indicator is Impact.NONE
    assert page.description == "All Systems Operational"
    assert [c.id for c in page.components] == ["website", "api", "email"]
    assert {c.status for c in page.components} == {ComponentStatus.OPERATIONAL}
    assert page.incidents == ()


def test_component_status_from_its_monitors() -> None:
    assert component_status(states(api_1=S.DOWN)) == {
        "Website": "operational",
        "API": "partial_outage",
        "Email": "operational",
    }
    assert component_status(states(api_1=S.DOWN, api_2=S.DOWN))["API"] == "major_outage"
    assert component_status(states(api_2=S.DEGRADED))["API"] == "degraded_performance"
    assert component_status(states(web=S.MAINTENANCE))["Website"] == "under_maintenance"
    # One in maintenance, the other down: the outage shows.
    assert component_status(states(api_1=S.MAINTENANCE, api_2=S.DOWN))["API"] == "major_outage"
    # Unconfirmed failures (PENDING) are not an outage yet.
    assert component_status(states(web=S.PENDING))["Website"] == "operational"


def test_indicator_follows_components_and_public_incidents() -> None:
    assert build_page(CONFIG, states(web=S.DOWN), [], {}, NOW).indicator is Impact.MAJOR
    assert build_page(CONFIG, states(web=S.DEGRADED), [], {}, NOW).indicator is Impact.MINOR
    sev1 = incident(1, "SEV1", updates=(("investigating", "Looking", NOW - 100),))
    page = build_page(CONFIG, states(), [sev1], {}, NOW)
    assert page.indicator is Impact.CRITICAL
    assert page.description == "Critical Service Outage"
    # An open public SEV1 marks its component even while the monitors look fine.
    assert page.component("api").status is ComponentStatus.MAJOR_OUTAGE
    maint = build_page(CONFIG, states(web=S.MAINTENANCE), [], {}, NOW)
    assert (maint.indicator, maint.description) == (Impact.NONE, "Service Under Maintenance")


def test_an_incident_without_updates_stays_internal() -> None:
    internal = incident(1, "SEV3")
    page = build_page(CONFIG, states(), [internal], {}, NOW)
    assert page.incidents == ()
    assert page.indicator is Impact.NONE


def test_public_incident_updates_newest_first_without_people() -> None:
    rec = incident(
        7,
        updates=(("investigating", "Looking", NOW - 300), ("identified", "Found it", NOW - 200)),
        resolved_at=NOW - 100,
        monitors=("smtp",),
    )
    page = build_page(CONFIG, states(), [rec], {}, NOW)
    (pub,) = page.incidents
    assert [(u.status, u.body) for u in pub.updates] == [
        ("resolved", "Fixed."),
        ("identified", "Found it"),
        ("investigating", "Looking"),
    ]
    assert [u.id for u in pub.updates] == ["7-799", "7-702", "7-701"]
    assert pub.components == ("api", "email")  # its own and its monitors'
    assert (pub.created_at, pub.updated_at, pub.resolved_at) == (NOW - 300, NOW - 100, NOW - 100)
    assert pub.impact is Impact.MAJOR
    assert not pub.active
    assert page.active_incidents == ()
    assert page.recent_resolved(14) == (pub,)
    assert "alice" not in repr(page) and "bob" not in repr(page)
    assert "10.0.0.1" not in repr(page)


def test_monitoring_no_longer_marks_the_component() -> None:
    rec = incident(2, "SEV1", updates=(("monitoring", "Fix deployed", NOW - 60),))
    page = build_page(CONFIG, states(), [rec], {}, NOW)
    assert page.component("api").status is ComponentStatus.OPERATIONAL
    assert page.incidents[0].monitoring_at == NOW - 60
    assert page.indicator is Impact.CRITICAL  # still an open critical incident


def test_resolved_more_than_14_days_ago_is_not_recent() -> None:
    old = incident(3, updates=(("investigating", "x", NOW - 20 * DAY),), resolved_at=NOW - 15 * DAY)
    page = build_page(CONFIG, states(), [old], {}, NOW)
    assert len(page.incidents) == 1  # still has its own page
    assert page.recent_resolved(14) == ()


def test_uptime_days_combine_the_components_monitors() -> None:
    daily = {
        "api-1": {TODAY: (43200.0, 0.0), TODAY - DAY: (86400.0, 0.0)},
        "api-2": {TODAY: (21600.0, 21600.0)},
        "web": {TODAY - 40 * DAY: (80000.0, 6400.0)},
    }
    page = build_page(CONFIG, states(), [], daily, NOW)
    api = page.component("api")
    assert len(api.days) == 90
    assert api.days[-1].day == TODAY
    assert api.days[-1].uptime == 75.0 and api.days[-1].down_s == 21600.0
    assert api.days[-2].uptime == 100.0
    assert api.days[0].uptime is None
    assert (
        api.uptime_30d
        == api.uptime_90d
        == 100.0 * (43200 + 86400 + 21600) / (43200 + 86400 + 43200)
    )
    web = page.component("website")
    assert web.uptime_30d is None  # its only data is 40 days old
    assert web.uptime_90d is not None and round(web.uptime_90d, 2) == 92.59
    assert page.component("email").uptime_90d is None


def test_scheduled_maintenance_running_and_upcoming() -> None:
    running = Maintenance(
        monitors=("web",),
        duration=7200,
        name="DB upgrade",
        start=datetime.fromtimestamp(NOW - 600, UTC),
    )
    later = Maintenance(
        monitors=("api-1",),
        duration=3600,
        name="Router swap",
        start=datetime.fromtimestamp(NOW + 2 * DAY, UTC),
    )
    far = Maintenance(
        monitors=("api-1",),
        duration=3600,
        name="Far",
        start=datetime.fromtimestamp(NOW + 60 * DAY, UTC),
    )
    past = Maintenance(
        monitors=("api-1",),
        duration=3600,
        name="Past",
        start=datetime.fromtimestamp(NOW - 2 * DAY, UTC),
    )
    cfg = Config(
        monitors=CONFIG.monitors,
        components=CONFIG.components,
        maintenance=(later, far, running, past),
    )
    page = build_page(cfg, states(), [], {}, NOW)
    assert [(m.name, m.status, m.components) for m in page.maintenances] == [
        ("DB upgrade", "in_progress", ("website",)),
        ("Router swap", "scheduled", ("api",)),
    ]
    assert page.maintenances[0].starts == NOW - 600
    assert page.maintenances[0].ends == NOW + 6600


def test_components_named_only_by_monitors_are_listed_with_unique_ids() -> None:
    cfg = Config(
        monitors=(mon("a", "Web site"), mon("b", "web-site"), mon("c", None)),
        components=(),
    )
    assert component_ids(cfg) == {"Web site": "web-site", "web-site": "web-site-2"}


@given(st.text(max_size=30))
def test_slug_is_url_safe(name: str) -> None:
    s = slug(name)
    assert s and all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in s)
    assert s == s.lower()


def test_templates_fill_placeholders_and_survive_mistakes() -> None:
    assert (
        template_text("{component} is slow ({title})", component="API", title="t")
        == "API is slow (t)"
    )
    assert (
        template_text("{unknown} and {component}", component="API", title="t")
        == "{unknown} and API"
    )
    assert template_text("{0} broken {", component="API", title="t") == "{0} broken {"
    rec = incident(1, components=())
    updates = StatusUpdates(investigating="Looking at {component}.")
    assert fill_template(updates, "investigating", rec.incident) == "Looking at our service."
