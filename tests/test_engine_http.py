"""The engine against a real loopback HTTP server and a real SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from statuscat_tui.core.model import Config, Confirm, Expect, Maintenance, Monitor, Settings
from statuscat_tui.core.states import MonitorState as S
from statuscat_tui.engine.engine import Engine
from tests.support.httpserver import HTTPTestServer
from tests.support.wait import wait_for


def http_monitor(mid: str, url: str, **kw: object) -> Monitor:
    base: dict[str, object] = {
        "interval": 0.3,
        "timeout": 0.3,
        "confirm": Confirm(failures=3, retry_interval=0.1, successes=2),
    }
    base.update(kw)
    return Monitor(id=mid, name=mid, type="http", url=url, **base)  # type: ignore[arg-type]


async def test_failure_confirmed_by_retries_then_recovery(
    http_server: HTTPTestServer, tmp_path: Path
) -> None:
    http_server.set("/health", body="fine")
    cfg = Config(monitors=(http_monitor("api", http_server.url("/health")),))
    engine = Engine(cfg, tmp_path / "sc.db", listen=False)
    seen: list[tuple[S, S, int]] = []
    engine.listeners.append(
        lambda m, tr: seen.append((tr.old, tr.new, http_server.hits("/health")))
    )
    await engine.start()
    try:
        await wait_for(lambda: engine.states["api"] is S.UP)
        http_server.set("/health", status=500)
        hits_at_failure = http_server.hits("/health")
        await wait_for(lambda: engine.states["api"] is S.DOWN)
        # Exactly `failures` failing checks, re-checked at the retry interval.
        assert seen[-1][:2] == (S.PENDING, S.DOWN)
        assert seen[-1][2] - hits_at_failure == 3
        http_server.set("/health", body="fine")
        await wait_for(lambda: engine.states["api"] is S.UP)
        assert seen[-1][:2] == (S.DOWN, S.UP)
    finally:
        await engine.stop()
    con = sqlite3.connect(tmp_path / "sc.db")
    confirmed = con.execute("SELECT old, new, reason FROM transitions WHERE confirmed ORDER BY id")
    rows = [(S(o).name, S(n).name, r) for o, n, r in confirmed]
    # The first check may fail on a loaded machine (a short timeout), so the
    # first confirmed change is UNKNOWN → UP or, after a blip, PENDING → UP.
    assert rows[0][1] == "UP"
    assert rows[-2][:2] == ("PENDING", "DOWN") and "500" in rows[-2][2]
    assert rows[-1][:2] == ("DOWN", "UP")
    assert len(rows) == 3
    assert (
        con.execute("SELECT sum(checks) FROM rollup_hourly").fetchone()[0]
        == con.execute("SELECT count(*) FROM results").fetchone()[0]
    )


async def test_hanging_target_does_not_delay_others(
    http_server: HTTPTestServer, tmp_path: Path
) -> None:
    http_server.set("/ok", body="ok")
    http_server.set("/hang", behaviour="hang")
    monitors = [http_monitor("hang", http_server.url("/hang"), interval=1.0, timeout=1.0)]
    monitors += [http_monitor(f"ok{i}", http_server.url("/ok"), interval=0.2) for i in range(30)]
    engine = Engine(Config(monitors=tuple(monitors)), tmp_path / "sc.db", listen=False)
    await engine.start()
    try:
        await asyncio.sleep(2.5)
        states = engine.states
    finally:
        await engine.stop()
    assert states["hang"] in (S.PENDING, S.DOWN)
    assert all(states[f"ok{i}"] is S.UP for i in range(30))
    assert engine.checks_done > 250
    # Were the others held by the hanging probe, they would start ~1 s (its
    # timeout) late. The bounds leave room for a noisy, shared machine; the
    # real lateness figures come from benchmarks/probe_engine.py.
    assert engine.lateness.quantile(0.5) < 0.1
    assert engine.lateness.share_within(0.9) > 0.95
    last = engine.by_id["hang"].last
    assert last is not None and "timed out" in last.reason


async def test_dependency_down_suppresses_dependent(
    http_server: HTTPTestServer, tmp_path: Path
) -> None:
    http_server.set("/db", status=503)
    http_server.set("/web", status=503)
    fast = Confirm(failures=1, retry_interval=0.1, successes=1)
    db = http_monitor("db", http_server.url("/db"), confirm=fast, interval=0.1)
    # The dependent confirms more slowly, so its dependency is already DOWN.
    web = http_monitor("web", http_server.url("/web"), depends_on=("db",))
    engine = Engine(Config(monitors=(db, web)), tmp_path / "sc.db", listen=False)
    downs = []
    engine.listeners.append(lambda m, tr: tr.new is S.DOWN and downs.append((m.id, tr)))
    await engine.start()
    try:
        await wait_for(lambda: engine.states["web"] is S.DOWN)
    finally:
        await engine.stop()
    by_id = dict(downs)
    assert by_id["db"].suppressed_by is None
    assert by_id["web"].suppressed_by == "db"


async def test_maintenance_window_shows_and_suppresses(
    http_server: HTTPTestServer, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    http_server.set("/db", status=500)
    win = Maintenance(("db",), 3600, start=datetime.now(UTC))
    cfg = Config(
        monitors=(http_monitor("db", http_server.url("/db")),),
        maintenance=(win,),
        settings=Settings(timezone="Europe/Berlin"),
    )
    engine = Engine(cfg, tmp_path / "sc.db", listen=False)
    transitions = []
    engine.listeners.append(lambda m, tr: transitions.append(tr))
    await engine.start()
    try:
        await wait_for(lambda: http_server.hits("/db") >= 4)
        assert engine.states["db"] is S.MAINTENANCE
    finally:
        await engine.stop()
    assert [(t.new, t.suppressed_by) for t in transitions] == [(S.MAINTENANCE, "maintenance")]


async def test_slow_response_is_degraded(http_server: HTTPTestServer, tmp_path: Path) -> None:
    http_server.set("/slow", body="ok", delay=0.15)
    mon = http_monitor(
        "slow",
        http_server.url("/slow"),
        expect=Expect(max_response_time=0.05),
        confirm=Confirm(failures=2, retry_interval=0.1, successes=2),
    )
    engine = Engine(Config(monitors=(mon,)), tmp_path / "sc.db", listen=False)
    await engine.start()
    try:
        await wait_for(lambda: engine.states["slow"] is S.DEGRADED)
    finally:
        await engine.stop()
