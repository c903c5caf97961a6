"""The store against a real SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from statuscat_tui.core.results import Outcome
from statuscat_tui.core.states import MonitorState as S
from statuscat_tui.store.schema import SCHEMA_VERSION
from statuscat_tui.store.store import (
    DAY,
    HOUR,
    RAW_RETENTION,
    ResultRow,
    Store,
    StoreError,
    TransitionRow,
)

T0 = 1_780_000_000.0 // DAY * DAY  # a UTC midnight


def row(mid: int, ts: float, state: S, span: float = 60.0, latency: float = 0.01) -> ResultRow:
    outcome = Outcome.FAIL if state is S.DOWN else Outcome.OK
    return ResultRow(mid, ts, outcome, state, latency, 0.001, span, None)


async def open_store(tmp_path: Path) -> tuple[Store, dict[str, int]]:
    store = await Store.open(tmp_path / "sc.db")
    ids = await store.register_monitors(
        [("api", "API", "http", "http://x"), ("db", "DB", "tcp", "db:5432")]
    )
    return store, ids


async def test_schema_created_in_wal_and_reopen_is_idempotent(tmp_path: Path) -> None:
    store, ids = await open_store(tmp_path)
    await store.close()
    store, ids2 = await open_store(tmp_path)
    await store.close()
    assert ids == ids2
    con = sqlite3.connect(tmp_path / "sc.db")
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sc.db"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(StoreError, match="newer than this StatusCat"):
        await Store.open(path)


async def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"junk\.db"):
        await Store.open(path)


async def test_results_roll_up_time_weighted(tmp_path: Path) -> None:
    store, ids = await open_store(tmp_path)
    api = ids["api"]
    # 50 minutes up at 60 s spans, then 10 re-checks while DOWN at 10 s spans.
    for i in range(50):
        store.submit_result(row(api, T0 + 60 * i, S.UP, latency=0.02 + i / 1000))
    for i in range(10):
        store.submit_result(row(api, T0 + 3000 + 10 * i, S.DOWN, span=10, latency=0.5))
    await store.flush()
    (h,) = await store.hourly("api", T0)
    assert (h["checks"], h["ok"], h["down"]) == (60, 50, 10)
    assert h["up_s"] == 3000 and h["down_s"] == 100
    assert h["lat_min"] == pytest.approx(0.02) and h["lat_max"] == pytest.approx(0.5)
    up = await store.uptime(T0 + 3600)
    # Time-weighted: 3000 s up, 100 s down, although a sixth of the checks failed.
    assert up["api"]["24h"] == pytest.approx(100 * 3000 / 3100)
    assert up["api"]["90d"] == pytest.approx(100 * 3000 / 3100)
    assert up["db"] == {"24h": None, "7d": None, "30d": None, "90d": None}
    await store.close()


async def test_batches_merge_into_same_bucket(tmp_path: Path) -> None:
    store, ids = await open_store(tmp_path)
    store.submit_result(row(ids["db"], T0 + 10, S.UP, latency=0.3))
    await store.flush()
    store.submit_result(row(ids["db"], T0 + 70, S.UP, latency=0.1))
    await store.flush()
    (h,) = await store.hourly("db", T0)
    assert (h["checks"], h["lat_n"], h["lat_min"], h["lat_max"]) == (2, 2, 0.1, 0.3)
    await store.close()


async def test_gap_without_engine_is_no_data(tmp_path: Path) -> None:
    store, ids = await open_store(tmp_path)
    store.submit_result(row(ids["api"], T0 + 10, S.UP, span=60))
    # Engine stopped for a week, then one down check.
    store.submit_result(row(ids["api"], T0 + 8 * DAY, S.DOWN, span=60))
    await store.flush()
    up = await store.uptime(T0 + 8 * DAY + 100)
    assert up["api"]["24h"] == 0.0
    assert up["api"]["30d"] == pytest.approx(50.0)
    await store.close()


async def test_transitions_and_snapshots(tmp_path: Path) -> None:
    store, ids = await open_store(tmp_path)
    store.submit_result(
        row(ids["api"], T0, S.DOWN), snapshot=(int(S.DOWN), T0, T0, None, "HTTP 500")
    )
    store.submit_transition(
        TransitionRow(ids["api"], T0, S.PENDING, S.DOWN, "HTTP 500", True, None)
    )
    await store.flush()
    (t,) = await store.recent_transitions()
    assert (t["monitor"], t["old"], t["new"], t["reason"]) == ("api", 3, 4, "HTTP 500")
    snaps = {s["key"]: s for s in await store.monitor_snapshots()}
    assert snaps["api"]["state"] == S.DOWN and snaps["api"]["last_reason"] == "HTTP 500"
    assert snaps["db"]["state"] == S.UNKNOWN
    await store.close()


async def test_close_writes_pending_rows(tmp_path: Path) -> None:
    store, ids = await open_store(tmp_path)
    for i in range(1234):
        store.submit_result(row(ids["api"], T0 + i, S.UP))
    await store.close()
    con = sqlite3.connect(tmp_path / "sc.db")
    assert con.execute("SELECT count(*) FROM results").fetchone()[0] == 1234


async def test_retention_prunes_raw_results_keeps_rollups(tmp_path: Path) -> None:
    store, ids = await open_store(tmp_path)
    for i in range(3 * 24):
        store.submit_result(row(ids["api"], T0 + i * HOUR, S.UP, span=HOUR))
    await store.flush()
    now = T0 + 3 * DAY
    total = 0
    while (n := await store.prune(now, chunk=10)) > 0:
        total += n
    con = sqlite3.connect(tmp_path / "sc.db")
    oldest = con.execute("SELECT min(ts) FROM results").fetchone()[0]
    assert oldest >= now - RAW_RETENTION
    assert total == con.execute("SELECT 72 - count(*) FROM results").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM rollup_hourly").fetchone()[0] == 72
    up = await store.uptime(now)
    assert up["api"]["7d"] == 100.0
    await store.close()


async def test_retired_monitors_keep_history(tmp_path: Path) -> None:
    store, ids = await open_store(tmp_path)
    store.submit_result(row(ids["db"], T0, S.UP))
    await store.flush()
    ids2 = await store.register_monitors([("api", "API", "http", "http://x")])
    assert set(ids2) == {"api"}
    assert [s["key"] for s in await store.monitor_snapshots()] == ["api"]
    assert len(await store.recent_results("db")) == 1
    await store.close()


async def test_engine_runs_recorded(tmp_path: Path) -> None:
    store, _ = await open_store(tmp_path)
    run = await store.begin_run(123, "box", T0)
    await store.touch_run(run, T0 + 30)
    await store.end_run(run, T0 + 40)
    (r,) = await store.engine_runs()
    assert (r["pid"], r["started"], r["last_seen"], r["stopped"]) == (123, T0, T0 + 40, T0 + 40)
    await store.close()


async def test_raw_results_are_compact_and_read_back_in_seconds(tmp_path: Path) -> None:
    store, ids = await open_store(tmp_path)
    ok = ResultRow(ids["api"], T0, Outcome.OK, S.UP, 0.0123, 0.0004, 60.0, "HTTP 200 in 12ms")
    bad = ResultRow(ids["api"], T0 + 60, Outcome.FAIL, S.PENDING, None, 0.0, 10.0, "HTTP 503")
    store.submit_result(ok)
    store.submit_result(bad)
    await store.flush()
    newest, oldest = await store.recent_results("api")
    assert (newest["reason"], newest["latency"], newest["lateness"]) == ("HTTP 503", None, 0.0)
    # A passing check keeps its figures (to the microsecond) but not its reason.
    assert (oldest["reason"], oldest["latency"], oldest["lateness"]) == (None, 0.0123, 0.0004)
    await store.close()
    con = sqlite3.connect(tmp_path / "sc.db")
    stored = con.execute("SELECT typeof(latency), latency FROM results ORDER BY ts").fetchone()
    assert stored == ("real", 12300.0)  # whole microseconds: SQLite keeps them as small ints
    indexes = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE tbl_name='results'")]
    assert indexes == ["results"]


async def test_migration_4_converts_existing_results_to_microseconds(tmp_path: Path) -> None:
    from statuscat_tui.store.schema import MIGRATIONS
    from statuscat_tui.store.store import _statements

    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    for script in MIGRATIONS[:3]:
        for statement in _statements(script):
            con.execute(statement)
    con.execute("INSERT INTO results VALUES (1, ?, 0, 1, 0.25, 0.002, 60, 'ok')", (T0,))
    con.execute("PRAGMA user_version = 3")
    con.commit()
    con.close()
    store = await Store.open(path)
    await store.close()
    con = sqlite3.connect(path)
    assert con.execute("SELECT latency, lateness FROM results").fetchone() == (250000.0, 2000.0)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


async def test_reader_sees_a_commit_while_another_read_is_half_way(tmp_path: Path) -> None:
    """Reads interleave on the one reader connection (the refresh loop is iterating
    while an action reads back what it just wrote). SQLite gives every statement
    that starts while another is still open the older statement's snapshot, so an
    action could read "no action item 1" right after inserting it."""
    store = await Store.open(tmp_path / "sc.db")
    try:
        async with store.transaction() as db:
            await db.executemany(
                "INSERT INTO monitors (key, name, type, target) VALUES (?, ?, 'http', '')",
                [(f"m{i}", f"M{i}") for i in range(200)],
            )
        seen: list[str] = []
        async with store.reader.execute("SELECT key FROM monitors ORDER BY key") as slow:
            first = await slow.fetchone()
            async with store.transaction() as db:
                await db.execute(
                    "INSERT INTO monitors (key, name, type, target) VALUES ('new', 'N', 'http', '')"
                )
            async with store.reader.execute("SELECT name FROM monitors WHERE key = 'new'") as cur:
                row = await cur.fetchone()
            seen = [str(r[0]) async for r in slow]
        assert row is not None and row[0] == "N"
        assert first is not None and len(seen) == 199  # the slow read still gets all its rows
        async with store.reader.execute("SELECT key, name FROM monitors WHERE key = 'm1'") as cur:
            assert [d[0] for d in cur.description] == ["key", "name"]
            assert await cur.fetchall() == [("m1", "M1")]
            assert await cur.fetchone() is None
    finally:
        await store.close()
