"""Incident handling in the running engine: routing, restarts, retries, reopening.

Real loopback HTTP targets and json:// endpoints, a real SQLite file; the
engine's clock is shifted forward instead of sleeping through waits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from statuscat_tui.config import parse_config
from statuscat_tui.core.incidents import EventKind, IncidentError, ResolveRefused
from statuscat_tui.core.states import MonitorState as S
from statuscat_tui.engine.engine import Engine
from statuscat_tui.engine.incidents import IncidentService
from tests.support.httpserver import HTTPTestServer
from tests.support.net import ShiftedClock
from tests.support.sqlitedb import db_rows
from tests.support.wait import wait_for


def config_text(http: HTTPTestServer, *, auto_resolve: bool = False) -> str:
    hook = f"json://127.0.0.1:{http.port}/hook"
    return f"""
settings:
  timezone: Europe/Berlin
  auto_resolve: {"true" if auto_resolve else "false"}
  business_hours: {{days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}}
defaults:
  interval: 300ms
  timeout: 300ms
  confirm: {{failures: 1, retry_interval: 100ms, successes: 1}}
monitors:
  - {{id: api, url: "{http.url("/api")}", severity: SEV1}}
  - {{id: db, url: "{http.url("/db")}", severity: SEV1}}
  - {{id: web, url: "{http.url("/web")}", severity: SEV1, depends_on: [db],
      confirm: {{failures: 3, retry_interval: 100ms}}}}
  - {{id: docs, url: "{http.url("/docs")}", severity: SEV3}}
  - {{id: db2, url: "{http.url("/db2")}", severity: SEV1,
      confirm: {{failures: 4, retry_interval: 100ms}}}}
  - {{id: web2, url: "{http.url("/web2")}", severity: SEV1, depends_on: [db2]}}
people:
  - {{id: ada, notify: ["{hook}/ada", "{hook}/ada-backup"]}}
  - {{id: grace, notify: ["{hook}/grace"]}}
escalation_policies:
  - id: default
    steps:
      - {{notify: "person:ada", wait: 5m}}
      - {{notify: "person:grace", wait: 5m}}
severities:
  SEV1: {{escalation: default, page: always}}
  SEV3: {{escalation: default, page: business_hours}}
"""


class Rig:
    def __init__(self, http: HTTPTestServer, db: Path, clock: ShiftedClock, text: str) -> None:
        self.http = http
        self.db = db
        self.clock = clock
        self.config = parse_config(text, "test.yml", env={})
        self.engine: Engine | None = None

    async def start(self) -> Engine:
        self.engine = Engine(self.config, self.db, clock=self.clock, listen=False)
        await self.engine.start()
        return self.engine

    async def stop(self) -> None:
        if self.engine is not None:
            await self.engine.stop()
            self.engine = None

    @property
    def service(self) -> IncidentService:
        assert self.engine is not None and self.engine.incidents is not None
        return self.engine.incidents

    async def kinds(self, incident_id: int) -> list[EventKind]:
        return [e.kind for e in await self.service.timeline(incident_id)]

    async def until_incident(self, pred: Callable[[int], bool] = lambda n: n >= 1) -> int:
        found: list[int] = []

        async def poll() -> None:
            found[:] = [i.id for i in await self.service.incidents(active_only=False)]

        for _ in range(250):
            await poll()
            if pred(len(found)):
                return found[0]  # the newest
            await asyncio.sleep(0.02)
        raise AssertionError(f"incidents so far: {found}")


@pytest.fixture
async def rig(http_server: HTTPTestServer, tmp_path: Path) -> AsyncIterator[Rig]:
    for path in ("/api", "/db", "/web", "/docs", "/db2", "/web2"):
        http_server.set(path, body="ok")
    for who in ("ada", "ada-backup", "grace"):
        http_server.set(f"/hook/{who}", body="ok")
    r = Rig(http_server, tmp_path / "sc.db", ShiftedClock(), config_text(http_server))
    yield r
    await r.stop()


async def test_sev3_at_night_waits_for_business_hours(rig: Rig) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    now = datetime.now(berlin)
    # The next Tuesday, 02:00 in Berlin.
    tuesday = (now + timedelta(days=(1 - now.weekday()) % 7 or 7)).replace(
        hour=2, minute=0, second=0, microsecond=0
    )
    rig.clock.offset = tuesday.timestamp() - time.time()
    engine = await rig.start()
    await wait_for(lambda: engine.states["docs"] is S.UP)
    rig.http.set("/docs", status=500)
    inc = await rig.until_incident()
    await wait_for(lambda: engine.states["docs"] is S.DOWN)
    await asyncio.sleep(0.6)
    assert EventKind.PAGE_DEFERRED in await rig.kinds(inc)
    assert rig.http.hits("/hook/ada") == 0
    rig.clock.advance(7 * 3600 + 1)  # 09:00:01
    await wait_for(lambda: rig.http.hits("/hook/ada") == 1)


async def test_restart_mid_escalation_resumes_without_resending(rig: Rig) -> None:
    engine = await rig.start()
    await wait_for(lambda: engine.states["api"] is S.UP)
    rig.http.set("/api", status=500)
    await wait_for(lambda: rig.http.hits("/hook/ada") == 1)
    await rig.stop()
    rig.clock.advance(5 * 60 + 1)  # step 2 fell due while nothing ran
    await rig.start()
    await wait_for(lambda: rig.http.hits("/hook/grace") == 1)
    await asyncio.sleep(0.6)
    assert rig.http.hits("/hook/ada") == 1
    assert rig.http.hits("/hook/ada-backup") == 1


async def test_an_outage_stored_just_before_the_engine_died_still_opens_its_incident(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The DOWN was committed, the incident not yet: found by the SIGKILL soak.

    A restarted engine restores DOWN (a known outage is not news again), so nothing
    opened the incident and nobody was paged. Here the engine stops where the kill
    came: after the state is stored, with the responder about to open the incident.
    """
    engine = await rig.start()
    await wait_for(lambda: engine.states["api"] is S.UP)
    reached = asyncio.Event()

    async def killed_here(self: IncidentService, monitor_id: str, tr: object) -> None:
        reached.set()
        await asyncio.Event().wait()  # never returns: the process is gone

    with monkeypatch.context() as m:
        m.setattr(IncidentService, "monitor_down", killed_here)
        rig.http.set("/api", status=500)
        await asyncio.wait_for(reached.wait(), 5)
        await rig.stop()  # writes the DOWN, as the batch writer had before the kill
    assert db_rows(rig.db, "SELECT id FROM incidents") == []
    engine = await rig.start()
    assert engine.states["api"] is S.DOWN  # restored, not news again
    inc = await rig.until_incident()
    await wait_for(lambda: rig.http.hits("/hook/ada") == 1)
    assert EventKind.DETECTED in await rig.kinds(inc)
    # Handled now: resolved by hand while still down, it stays resolved over a restart.
    await rig.service.resolve(inc, by="ada", force=True)
    await wait_for(lambda: rig.http.hits("/hook/ada") == 2)  # told it is resolved
    await rig.stop()
    engine = await rig.start()
    await asyncio.sleep(1.5)  # more than a responder tick
    assert db_rows(rig.db, "SELECT id, state FROM incidents") == [(inc, "resolved")]
    assert rig.http.hits("/hook/ada") == 2


async def test_failing_channel_is_retried_without_delaying_others(rig: Rig) -> None:
    rig.http.set("/hook/ada", status=500, body="down for maintenance")
    engine = await rig.start()
    await wait_for(lambda: engine.states["api"] is S.UP)
    rig.http.set("/api", status=500)
    await wait_for(lambda: rig.http.hits("/hook/ada-backup") == 1)
    await wait_for(lambda: rig.http.hits("/hook/ada") == 1)
    inc = await rig.until_incident()
    # The failed attempt is recorded just after the server answered.
    for _ in range(100):
        retrying = [p for p in await rig.service.pages(inc) if p["last_error"]]
        if retrying:
            break
        await asyncio.sleep(0.02)
    assert len(retrying) == 1 and retrying[0]["attempts"] == 1
    assert retrying[0]["status"] == "pending" and "500" in retrying[0]["last_error"]
    rig.http.set("/hook/ada", body="ok")
    rig.clock.advance(6)  # past the first backoff (5 s)
    await wait_for(lambda: rig.http.hits("/hook/ada") == 2)
    await asyncio.sleep(0.5)
    events = await rig.service.timeline(inc)
    failed = [e for e in events if e.kind is EventKind.DELIVERY_FAILED]
    assert len(failed) == 1 and failed[0].data["attempt"] == 1
    assert "500" in failed[0].data["detail"] and "retry_at" in failed[0].data
    ok = [e for e in events if e.kind is EventKind.DELIVERY_SUCCEEDED]
    assert len(ok) == 2  # ada-backup at once, ada on the retry
    assert rig.http.hits("/hook/ada") == 2


async def test_reopen_within_window_and_new_incident_after(rig: Rig) -> None:
    engine = await rig.start()
    await wait_for(lambda: engine.states["api"] is S.UP)
    rig.http.set("/api", status=500)
    first = await rig.until_incident()
    with pytest.raises(ResolveRefused, match="api is still not UP"):
        await rig.service.resolve(first, by="ada")
    rig.http.set("/api", body="ok")
    await wait_for(lambda: engine.states["api"] is S.UP)
    assert rig.engine is not None and rig.engine.store is not None
    await rig.engine.store.flush()
    await rig.service.resolve(first, by="ada")
    rig.http.set("/api", status=500)
    await wait_for(lambda: engine.states["api"] is S.DOWN)
    for _ in range(100):
        if EventKind.REOPENED in await rig.kinds(first):
            break
        await asyncio.sleep(0.02)
    assert EventKind.REOPENED in await rig.kinds(first)
    assert len(await rig.service.incidents(active_only=False)) == 1
    # Forced resolution records who forced it and what was failing.
    await rig.service.resolve(first, by="ada", force=True)
    forced = [e for e in await rig.service.timeline(first) if e.kind is EventKind.RESOLVE_FORCED]
    assert forced[-1].actor == "ada" and forced[-1].data == {"failing": ["api"]}
    # Recover, then fail again after the reopen window: a new incident.
    rig.http.set("/api", body="ok")
    await wait_for(lambda: engine.states["api"] is S.UP)
    rig.clock.advance(31 * 60)
    rig.http.set("/api", status=500)
    second = await rig.until_incident(lambda n: n >= 2)
    assert second != first
    with pytest.raises(IncidentError):
        await rig.service.acknowledge(first, "ada")


async def test_dependent_joins_its_dependency_incident(rig: Rig) -> None:
    engine = await rig.start()
    await wait_for(lambda: engine.states["web"] is S.UP and engine.states["db"] is S.UP)
    rig.http.set("/db", status=500)
    rig.http.set("/web", status=500)
    await wait_for(lambda: engine.states["web"] is S.DOWN)
    inc_id = await rig.until_incident()
    for _ in range(100):
        inc = await rig.service.get(inc_id)
        if "web" in inc.monitors:
            break
        await asyncio.sleep(0.02)
    assert inc.monitors == ["db", "web"]
    assert len(await rig.service.incidents()) == 1


async def test_dependent_confirming_first_waits_for_its_dependency(rig: Rig) -> None:
    engine = await rig.start()
    await wait_for(lambda: engine.states["web2"] is S.UP and engine.states["db2"] is S.UP)
    rig.http.set("/db2", status=500)
    rig.http.set("/web2", status=500)
    await wait_for(lambda: engine.states["db2"] is S.DOWN)
    inc_id = await rig.until_incident()
    for _ in range(100):
        inc = await rig.service.get(inc_id)
        if len(inc.monitors) == 2:
            break
        await asyncio.sleep(0.02)
    assert inc.monitors == ["db2", "web2"] and inc.title == "db2 is down"
    assert len(await rig.service.incidents()) == 1


async def test_dependent_opens_its_own_incident_when_dependency_is_fine(rig: Rig) -> None:
    engine = await rig.start()
    await wait_for(lambda: engine.states["web2"] is S.UP and engine.states["db2"] is S.UP)
    db2_checks = rig.http.hits("/db2")
    rig.http.set("/web2", status=500)
    inc_id = await rig.until_incident()
    # The dependency was re-checked before the outage was called web2's own.
    assert rig.http.hits("/db2") > db2_checks
    inc = await rig.service.get(inc_id)
    assert inc.monitors == ["web2"] and inc.title == "web2 is down"


@pytest.mark.parametrize("auto", [False, True])
async def test_ready_to_resolve_after_healthy_monitoring(
    rig: Rig, auto: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import statuscat_tui.engine.engine as engine_module

    monkeypatch.setattr(engine_module, "READY_CHECK_EVERY", 0.1)
    rig.config = parse_config(config_text(rig.http, auto_resolve=auto), "t.yml", env={})
    engine = await rig.start()
    await wait_for(lambda: engine.states["api"] is S.UP)
    rig.http.set("/api", status=500)
    inc_id = await rig.until_incident()
    rig.http.set("/api", body="ok")
    await wait_for(lambda: engine.states["api"] is S.UP)
    await rig.service.update(inc_id, "monitoring", "rolled back", by="ada")
    await asyncio.sleep(0.5)
    assert EventKind.READY_TO_RESOLVE not in await rig.kinds(inc_id)
    rig.clock.advance(600 + 1)  # settings.confirm_resolved_after defaults to 10m
    for _ in range(100):
        if EventKind.READY_TO_RESOLVE in await rig.kinds(inc_id):
            break
        await asyncio.sleep(0.02)
    # Auto-resolve follows right after the mark; without it, a person decides.
    for _ in range(50):
        kinds = await rig.kinds(inc_id)
        if (EventKind.RESOLVED in kinds) is auto:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)  # and nothing else happens meanwhile
    kinds = await rig.kinds(inc_id)
    assert EventKind.READY_TO_RESOLVE in kinds
    inc = await rig.service.get(inc_id)
    assert inc.active is not auto
    assert (EventKind.RESOLVED in kinds) is auto


async def test_auto_publish_posts_investigating_and_manual_stays_internal(rig: Rig) -> None:
    engine = await rig.start()
    await wait_for(lambda: engine.states["api"] is S.UP and engine.states["docs"] is S.UP)
    rig.http.set("/api", status=500)
    sev1 = await rig.until_incident()
    updates = [e for e in await rig.service.timeline(sev1) if e.kind is EventKind.STATUS_UPDATE]
    # SEV1 publishes `auto`: Investigating from the default template, by StatusCat.
    assert [(u.actor, u.data) for u in updates] == [
        (
            None,
            {
                "status": "investigating",
                "message": "We are investigating problems with our service.",
            },
        )
    ]
    rig.http.set("/docs", status=500)
    sev3 = await rig.until_incident(lambda n: n >= 2)
    assert EventKind.STATUS_UPDATE not in await rig.kinds(sev3)  # SEV3 is `manual`
    # Once someone posts, a reopened SEV3 incident is posted again: its page must
    # not keep saying Resolved.
    await rig.service.update(sev3, "identified", "A broken link checker.", by="ada")
    rig.http.set("/docs", body="ok")
    await wait_for(lambda: engine.states["docs"] is S.UP)
    assert rig.engine is not None and rig.engine.store is not None
    await rig.engine.store.flush()
    await rig.service.resolve(sev3, by="ada")
    rig.http.set("/docs", status=500)
    for _ in range(150):
        if EventKind.REOPENED in await rig.kinds(sev3):
            break
        await asyncio.sleep(0.02)
    timeline = await rig.service.timeline(sev3)
    posted = [e.data["status"] for e in timeline if e.kind is EventKind.STATUS_UPDATE]
    assert posted == ["identified", "investigating"]
    resolved = [e for e in timeline if e.kind is EventKind.RESOLVED]
    assert resolved[0].data == {"message": "our service is working normally again."}
