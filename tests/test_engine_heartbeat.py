"""The engine end to end for heartbeat monitors: real listener, real SQLite, real clock.

Intervals are a fraction of a second so confirmation runs fast.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import httpx

from statuscat_tui.core.model import Config, Confirm, Monitor, Settings
from statuscat_tui.core.states import MonitorState as S
from statuscat_tui.engine.engine import Engine
from tests.support.net import free_port
from tests.support.wait import wait_for


def heartbeat_config(port: int) -> Config:
    hb = Monitor(
        id="backup",
        name="Backup",
        type="heartbeat",
        interval=0.2,
        timeout=0.2,
        confirm=Confirm(failures=1, retry_interval=0.1, successes=1),
        every=0.6,
        grace=0.2,
    )
    return Config(monitors=(hb,), settings=Settings(listen=f"127.0.0.1:{port}"))


async def test_heartbeat_silence_is_down_and_a_beat_recovers(tmp_path: Path) -> None:
    port = free_port()
    engine = Engine(heartbeat_config(port), tmp_path / "sc.db")
    await engine.start()
    try:
        async with httpx.AsyncClient() as c:
            assert (await c.post(f"http://127.0.0.1:{port}/ping/backup")).status_code == 200
            await wait_for(lambda: engine.states["backup"] is S.UP)
            # Silence past every + grace (0.8 s): DOWN.
            await wait_for(lambda: engine.states["backup"] is S.DOWN, 3)
            last = engine.by_id["backup"].last
            assert last is not None and "no heartbeat for" in last.reason
            # A beat is checked at once, not at the next interval.
            await c.get(f"http://127.0.0.1:{port}/ping/backup")
            await wait_for(lambda: engine.states["backup"] is S.UP, 0.5)
            await c.get(f"http://127.0.0.1:{port}/ping/backup/fail")
            await wait_for(lambda: engine.states["backup"] is S.DOWN, 0.5)
            assert engine.by_id["backup"].last is not None
            assert engine.by_id["backup"].last.reason.startswith("job reported failure")
    finally:
        await engine.stop()
    con = sqlite3.connect(tmp_path / "sc.db")
    seen = [
        (S(old).name, S(new).name)
        for old, new in con.execute("SELECT old, new FROM transitions WHERE confirmed ORDER BY id")
    ]
    assert seen == [("UNKNOWN", "UP"), ("UP", "DOWN"), ("DOWN", "UP"), ("UP", "DOWN")]
    (stopped,) = con.execute("SELECT stopped FROM engine_runs").fetchone()
    assert stopped is not None


async def test_state_survives_restart_without_new_transition(tmp_path: Path) -> None:
    port = free_port()
    cfg = heartbeat_config(port)
    engine = Engine(cfg, tmp_path / "sc.db")
    await engine.start()
    await wait_for(lambda: engine.states["backup"] is S.DOWN, 3)
    await engine.stop()
    engine = Engine(cfg, tmp_path / "sc.db")
    await engine.start()
    assert engine.states["backup"] is S.DOWN
    await asyncio.sleep(0.5)  # several checks, all still silent
    await engine.stop()
    con = sqlite3.connect(tmp_path / "sc.db")
    downs = con.execute("SELECT count(*) FROM transitions WHERE new = ?", (int(S.DOWN),))
    assert downs.fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM engine_runs").fetchone()[0] == 2


async def test_silence_is_noticed_at_the_deadline_not_the_next_interval(tmp_path: Path) -> None:
    port = free_port()
    hb = Monitor(
        id="job",
        name="Job",
        type="heartbeat",
        interval=30.0,
        timeout=1.0,
        confirm=Confirm(failures=1, retry_interval=0.1, successes=1),
        every=0.4,
        grace=0.1,
    )
    engine = Engine(
        Config(monitors=(hb,), settings=Settings(listen=f"127.0.0.1:{port}")), tmp_path / "sc.db"
    )
    await engine.start()
    try:
        async with httpx.AsyncClient() as c:
            await c.post(f"http://127.0.0.1:{port}/ping/job")
        await wait_for(lambda: engine.states["job"] is S.UP, 1)
        t0 = asyncio.get_running_loop().time()
        await wait_for(lambda: engine.states["job"] is S.DOWN, 2)
        # Due 0.5 s after the beat; the 30 s interval does not delay it.
        assert asyncio.get_running_loop().time() - t0 < 0.9
    finally:
        await engine.stop()
