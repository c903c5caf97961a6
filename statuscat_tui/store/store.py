"""SQLite storage: one writer task batching inserts, rollups kept in step, retention.

The engine never waits for the disk on its probe path: ``submit_*`` only
appends to an in-memory batch; the writer commits batches in one transaction
each. Reads use a second connection (WAL lets them run beside the writer).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import aiosqlite

from statuscat_tui.core.results import Outcome
from statuscat_tui.store.schema import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger(__name__)

HOUR = 3600
DAY = 86400
RAW_RETENTION = 48 * HOUR
# Hourly rollups feed the 24 h figures and sparklines; daily ones the 7/30/90-day
# figures and the status page's 90-day bars.
HOURLY_RETENTION = 35 * DAY
DAILY_RETENTION = 400 * DAY
UPTIME_WINDOWS = {"24h": DAY, "7d": 7 * DAY, "30d": 30 * DAY, "90d": 90 * DAY}

# Several processes share one database (the engine, viewers, the CLI). SQLite
# waits BUSY_TIMEOUT_MS for a lock another holds; a write still kept out then
# tries again, pausing BUSY_RETRY_PAUSE, until BUSY_PATIENCE has passed.
BUSY_TIMEOUT_MS = 5000
BUSY_PATIENCE = 30.0
BUSY_RETRY_PAUSE = 0.05

# Monitor state codes as stored (statuscat_tui.core.states.MonitorState values).
_DOWN, _DEGRADED, _PENDING, _MAINTENANCE, _UP = 4, 2, 3, 5, 1


class StoreError(Exception):
    """The database cannot be used (newer schema, not a database, …)."""


class StoreBusy(StoreError):
    """Another process kept the database's write lock for longer than BUSY_PATIENCE."""


@dataclass(frozen=True, slots=True)
class ResultRow:
    monitor: int  # monitors.id
    ts: float
    outcome: int
    state: int
    latency: float | None
    lateness: float | None
    span: float
    reason: str | None


@dataclass(frozen=True, slots=True)
class TransitionRow:
    monitor: int
    ts: float
    old: int
    new: int
    reason: str
    confirmed: bool
    suppressed_by: str | None


_ROLLUP_COLS = (
    "monitor, bucket, checks, ok, degraded, down, up_s, degraded_s, down_s, maint_s,"
    " lat_n, lat_sum, lat_min, lat_max"
)


def _upsert_sql(table: str) -> str:
    return (
        f"INSERT INTO {table} ({_ROLLUP_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (monitor, bucket) DO UPDATE SET "
        "checks = checks + excluded.checks, ok = ok + excluded.ok, "
        "degraded = degraded + excluded.degraded, down = down + excluded.down, "
        "up_s = up_s + excluded.up_s, degraded_s = degraded_s + excluded.degraded_s, "
        "down_s = down_s + excluded.down_s, maint_s = maint_s + excluded.maint_s, "
        "lat_n = lat_n + excluded.lat_n, lat_sum = lat_sum + excluded.lat_sum, "
        "lat_min = min(coalesce(lat_min, excluded.lat_min), coalesce(excluded.lat_min, lat_min)), "
        "lat_max = max(coalesce(lat_max, excluded.lat_max), coalesce(excluded.lat_max, lat_max))"
    )


def rollup(rows: Iterable[ResultRow], period: int) -> list[tuple[Any, ...]]:
    """Aggregate results into (monitor, bucket) rows of the rollup tables."""
    acc: dict[tuple[int, int], list[Any]] = {}
    for r in rows:
        key = (r.monitor, int(r.ts // period) * period)
        a = acc.get(key)
        if a is None:
            a = acc[key] = [r.monitor, key[1], 0, 0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0, 0.0, None, None]
        a[2] += 1
        state = r.state
        if state == _DOWN:
            a[5] += 1
            a[8] += r.span
        elif state == _MAINTENANCE:
            a[9] += r.span
        elif state == _DEGRADED:
            a[4] += 1
            a[7] += r.span
        elif state in (_UP, _PENDING):
            # An unconfirmed failure (PENDING) does not count against uptime.
            a[3] += 1
            a[6] += r.span
        if r.latency is not None:
            a[10] += 1
            a[11] += r.latency
            a[12] = r.latency if a[12] is None else min(a[12], r.latency)
            a[13] = r.latency if a[13] is None else max(a[13], r.latency)
    return [tuple(v) for v in acc.values()]


class _Rows(aiosqlite.Cursor):
    """The rows of a query that has already run to its end (see ``Reader``)."""

    def __init__(
        self, conn: aiosqlite.Connection, rows: list[Any], description: Any, chunk: int
    ) -> None:
        # No super().__init__(): there is no open sqlite3 cursor behind these rows.
        self._conn = conn
        self._rows = rows
        self._at = 0
        self._description = description
        self.iter_chunk_size = chunk

    async def fetchone(self) -> Any:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        n = self.iter_chunk_size if size is None else size
        out = self._rows[self._at : self._at + n]
        self._at += len(out)
        return out

    async def fetchall(self) -> list[Any]:
        out = self._rows[self._at :]
        self._at = len(self._rows)
        return out

    async def close(self) -> None:
        self._rows = []

    async def _fetch_chunked(self) -> AsyncIterator[Any]:
        # `async for` over many rows still lets other tasks run between chunks,
        # as it did when each chunk was a trip to the connection's thread.
        while True:
            rows = await self.fetchmany(self.iter_chunk_size)
            if not rows:
                return
            for row in rows:
                yield row
            await asyncio.sleep(0)

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return -1


def _run_to_end(conn: sqlite3.Connection, sql: str, parameters: Any) -> tuple[list[Any], Any]:
    cur = conn.execute(sql, parameters)
    try:
        return cur.fetchall(), cur.description
    finally:
        cur.close()


class Reader(aiosqlite.Connection):
    """The shared read connection, whose every query runs to its end in one step.

    Reads on it interleave (the refresh loop iterates while an action reads back
    what it just committed), and SQLite gives a statement that starts while
    another statement of the same connection is still open that statement's
    snapshot: the action would read the database as it was before its own
    commit. Fetching every row at once, on the connection's thread, closes each
    statement before any other coroutine can start one, so each read sees
    everything committed before it began.
    """

    @aiosqlite.context.contextmanager
    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> aiosqlite.Cursor:
        # Connection._execute queues a call for the connection's thread (as the
        # library's own cursors do); it is untyped.
        run = cast(Callable[..., Awaitable[tuple[list[Any], Any]]], self._execute)
        rows, description = await run(
            _run_to_end, self._conn, sql, () if parameters is None else parameters
        )
        return _Rows(self, rows, description, self._iter_chunk_size)


async def _connect_reader(path: Path) -> Reader:
    def connector() -> sqlite3.Connection:
        return sqlite3.connect(str(path), isolation_level=None)

    reader = Reader(connector, 64)
    await reader  # starts its thread and connects
    return reader


class Store:
    """The database of one StatusCat installation."""

    def __init__(self, path: Path, db: aiosqlite.Connection, reader: Reader):
        self.path = path
        self._db = db
        self._reader = reader
        self._results: list[ResultRow] = []
        self._transitions: list[TransitionRow] = []
        self._snapshots: dict[int, tuple[Any, ...]] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._writer: asyncio.Task[None] | None = None
        # The one writing connection is shared by the batch writer and the few
        # other writes; the lock keeps their transactions from interleaving.
        self._lock = asyncio.Lock()
        self._closing = False
        self.batch_size = 5000
        self.flush_interval = 0.25

    # -- opening and closing ---------------------------------------------------

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        """Open (creating and migrating) the database at ``path``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        try:
            await _configure(db)
            await _migrate(db, path)
            reader = await _connect_reader(path)
            await _configure(reader)
        except sqlite3.DatabaseError as exc:
            await db.close()
            raise StoreError(f"{path}: {exc}") from exc
        except BaseException:
            await db.close()
            raise
        store = cls(path, db, reader)
        store._writer = asyncio.create_task(store._write_loop(), name="store-writer")
        return store

    async def close(self) -> None:
        """Write everything pending, then close."""
        if self._writer is not None:
            self._closing = True
            self._wake.set()
            await self._writer
            self._writer = None
        await self._reader.close()
        await self._db.close()

    # -- writes (non-blocking for the caller) ----------------------------------

    def submit_result(self, row: ResultRow, snapshot: tuple[Any, ...] | None = None) -> None:
        """Queue a result; ``snapshot`` is (state, state_since, last_check, latency, reason)."""
        self._results.append(row)
        if snapshot is not None:
            self._snapshots[row.monitor] = snapshot
        self._idle.clear()
        if len(self._results) >= self.batch_size:
            self._wake.set()

    def submit_transition(self, row: TransitionRow) -> None:
        self._transitions.append(row)
        self._idle.clear()
        self._wake.set()

    async def flush(self) -> None:
        """Wait until everything submitted so far is committed."""
        self._wake.set()
        await self._idle.wait()

    async def _write_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.flush_interval)
            self._wake.clear()
            if self._results or self._transitions or self._snapshots:
                results, self._results = self._results, []
                transitions, self._transitions = self._transitions, []
                snapshots, self._snapshots = self._snapshots, {}
                try:
                    await self._write_batch(results, transitions, snapshots)
                except sqlite3.Error:
                    # Keep the engine alive; the rows are lost but the next batch may land.
                    log.exception("could not write %d results to %s", len(results), self.path)
            if not (self._results or self._transitions or self._snapshots):
                self._idle.set()
                if self._closing:
                    return

    async def _write_batch(
        self,
        results: Sequence[ResultRow],
        transitions: Sequence[TransitionRow],
        snapshots: dict[int, tuple[Any, ...]],
    ) -> None:
        async with self._lock:
            await self._write_batch_locked(results, transitions, snapshots)

    async def _write_batch_locked(
        self,
        results: Sequence[ResultRow],
        transitions: Sequence[TransitionRow],
        snapshots: dict[int, tuple[Any, ...]],
    ) -> None:
        db = self._db
        async with _atomic(db):
            if results:
                await db.executemany(
                    "INSERT INTO results VALUES (?,?,?,?,?,?,?,?)",
                    [
                        (
                            r.monitor,
                            r.ts,
                            r.outcome,
                            r.state,
                            _micros(r.latency),
                            _micros(r.lateness),
                            r.span,
                            # A passing check's reason says nothing the latency doesn't:
                            # keeping only failures' reasons halves the table.
                            None if r.outcome == Outcome.OK else r.reason,
                        )
                        for r in results
                    ],
                )
                await db.executemany(_upsert_sql("rollup_hourly"), rollup(results, HOUR))
                await db.executemany(_upsert_sql("rollup_daily"), rollup(results, DAY))
            if transitions:
                await db.executemany(
                    "INSERT INTO transitions (monitor, ts, old, new, reason, confirmed,"
                    " suppressed_by) VALUES (?,?,?,?,?,?,?)",
                    [
                        (t.monitor, t.ts, t.old, t.new, t.reason, int(t.confirmed), t.suppressed_by)
                        for t in transitions
                    ],
                )
            if snapshots:
                await db.executemany(
                    "UPDATE monitors SET state = ?, state_since = ?, last_check = ?,"
                    " last_latency = ?, last_reason = ? WHERE id = ?",
                    [(*snap, mid) for mid, snap in snapshots.items()],
                )

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction on the writer connection (BEGIN IMMEDIATE … COMMIT).

        Committed before the caller goes on, so an action is durable before
        anything shows it as done; an exception rolls everything back.
        """
        async with self._lock, _atomic(self._db) as db:
            yield db

    @property
    def reader(self) -> Reader:
        return self._reader

    # -- monitors --------------------------------------------------------------

    async def register_monitors(
        self, monitors: Iterable[tuple[str, str, str, str]]
    ) -> dict[str, int]:
        """Insert or update (key, name, type, target) rows; return key → row id.

        Monitors no longer in the config are marked retired, not deleted, so
        their history stays readable.
        """
        rows = list(monitors)
        async with self._lock:
            await self._register_locked(rows)
        async with self._reader.execute("SELECT key, id FROM monitors WHERE retired = 0") as cur:
            return {str(k): int(i) async for k, i in cur}

    async def _register_locked(self, rows: list[tuple[str, str, str, str]]) -> None:
        db = self._db
        async with _atomic(db):
            await db.executemany(
                "INSERT INTO monitors (key, name, type, target) VALUES (?,?,?,?) "
                "ON CONFLICT (key) DO UPDATE SET name = excluded.name, type = excluded.type,"
                " target = excluded.target, retired = 0",
                rows,
            )
            await db.execute("UPDATE monitors SET retired = 1")
            await db.executemany(
                "UPDATE monitors SET retired = 0 WHERE key = ?", [(r[0],) for r in rows]
            )

    async def monitor_snapshots(self) -> list[dict[str, Any]]:
        """The last known state of every current monitor."""
        return await self._fetch_dicts(
            "SELECT key, name, type, target, state, state_since, last_check, last_latency,"
            " last_reason FROM monitors WHERE retired = 0 ORDER BY key"
        )

    # -- reads -----------------------------------------------------------------

    async def _fetch_dicts(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        async with self._reader.execute(sql, args) as cur:
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) async for row in cur]

    async def uptime(self, now: float) -> dict[str, dict[str, float | None]]:
        """Uptime % per monitor key for 24 h, 7 d, 30 d and 90 d, from the rollups.

        ``None`` where there is no data. DEGRADED counts as up; maintenance and
        unmeasured time are left out.
        """
        out: dict[str, dict[str, float | None]] = {}
        async with self._reader.execute("SELECT id, key FROM monitors WHERE retired = 0") as cur:
            keys = {int(i): str(k) async for i, k in cur}
        for key in keys.values():
            out[key] = dict.fromkeys(UPTIME_WINDOWS)
        for window, span in UPTIME_WINDOWS.items():
            if span <= DAY:
                table, period = "rollup_hourly", HOUR
            else:
                table, period = "rollup_daily", DAY
            since = (int(now // period) * period) - span + period
            sql = (
                f"SELECT monitor, sum(up_s + degraded_s), sum(down_s) FROM {table}"
                " WHERE monitor IN (SELECT id FROM monitors WHERE retired = 0)"
                " AND bucket >= ? GROUP BY monitor"
            )
            async with self._reader.execute(sql, (since,)) as cur:
                async for mid, good, bad in cur:
                    total = (good or 0.0) + (bad or 0.0)
                    mkey = keys.get(int(mid))
                    if mkey is not None and total > 0:
                        out[mkey][window] = 100.0 * (good or 0.0) / total
        return out

    async def recent_results(self, key: str, limit: int = 60) -> list[dict[str, Any]]:
        """The newest raw results of one monitor, newest first (times in seconds)."""
        rows = await self._fetch_dicts(
            "SELECT r.ts, r.outcome, r.state, r.latency, r.lateness, r.reason FROM results r"
            " WHERE r.monitor = (SELECT id FROM monitors WHERE key = ?)"
            " ORDER BY r.rowid DESC LIMIT ?",
            (key, limit),
        )
        for row in rows:
            for col in ("latency", "lateness"):
                if row[col] is not None:
                    row[col] = row[col] / 1e6
        return rows

    async def recent_transitions(
        self, limit: int = 100, *, confirmed_only: bool = False
    ) -> list[dict[str, Any]]:
        where = "WHERE t.confirmed = 1" if confirmed_only else ""
        return await self._fetch_dicts(
            "SELECT m.key AS monitor, t.ts, t.old, t.new, t.reason, t.confirmed,"
            " t.suppressed_by FROM transitions t JOIN monitors m ON m.id = t.monitor"
            f" {where} ORDER BY t.id DESC LIMIT ?",
            (limit,),
        )

    async def hourly(self, key: str, since: float) -> list[dict[str, Any]]:
        return await self._fetch_dicts(
            "SELECT h.* FROM rollup_hourly h JOIN monitors m ON m.id = h.monitor"
            " WHERE m.key = ? AND h.bucket >= ? ORDER BY h.bucket",
            (key, since),
        )

    # -- engine runs -----------------------------------------------------------

    async def begin_run(self, pid: int, host: str, now: float) -> int:
        async with self.transaction() as db:
            cur = await db.execute(
                "INSERT INTO engine_runs (pid, host, started, last_seen) VALUES (?,?,?,?)",
                (pid, host, now, now),
            )
        return int(cur.lastrowid or 0)

    async def touch_run(self, run_id: int, now: float) -> None:
        async with self.transaction() as db:
            await db.execute("UPDATE engine_runs SET last_seen = ? WHERE id = ?", (now, run_id))

    async def end_run(self, run_id: int, now: float) -> None:
        async with self.transaction() as db:
            await db.execute(
                "UPDATE engine_runs SET last_seen = ?, stopped = ? WHERE id = ?",
                (now, now, run_id),
            )

    async def engine_runs(self) -> list[dict[str, Any]]:
        return await self._fetch_dicts("SELECT * FROM engine_runs ORDER BY id")

    # -- retention -------------------------------------------------------------

    async def prune(self, now: float, chunk: int = 20000) -> int:
        """Delete one chunk of expired raw results and rollups; return rows deleted.

        Call repeatedly (yielding between calls) until it returns 0, so the
        writer is never held for long.
        """
        async with self.transaction():
            return await self._prune_locked(now, chunk)

    async def _prune_locked(self, now: float, chunk: int) -> int:
        deleted = 0
        cutoff = now - RAW_RETENTION
        # Results are appended in time order, so rowid order is time order and a
        # rowid range delete needs no index on ts.
        async with self._db.execute(
            "SELECT rowid FROM results WHERE rowid IN"
            " (SELECT rowid FROM results ORDER BY rowid LIMIT ?) AND ts < ?"
            " ORDER BY rowid DESC LIMIT 1",
            (chunk, cutoff),
        ) as cur:
            row = await cur.fetchone()
        if row is not None:
            cur2 = await self._db.execute("DELETE FROM results WHERE rowid <= ?", (row[0],))
            deleted += cur2.rowcount
        for table, keep in (("rollup_hourly", HOURLY_RETENTION), ("rollup_daily", DAILY_RETENTION)):
            # "monitor IN …" lets SQLite seek each monitor's oldest buckets through
            # the primary key instead of reading the whole table every time.
            cur3 = await self._db.execute(
                f"DELETE FROM {table} WHERE monitor IN (SELECT id FROM monitors) AND bucket < ?",
                (now - keep,),
            )
            deleted += cur3.rowcount
        return deleted


def _micros(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1_000_000)


@contextlib.asynccontextmanager
async def _atomic(db: aiosqlite.Connection) -> AsyncIterator[aiosqlite.Connection]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error or cancellation.

    The statements run in aiosqlite's thread, so a cancelled await may still
    have begun the transaction there: whatever happens, the connection is left
    outside a transaction, or every later write would fail.
    """
    try:
        await _begin(db)
        yield db
        await db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            await asyncio.shield(db.execute("ROLLBACK"))
        raise


async def _begin(db: aiosqlite.Connection) -> None:
    """Take the write lock, waiting (within BUSY_PATIENCE) while another process holds it.

    Several processes write to one database (the engine, viewers' actions, the
    CLI). In WAL mode a writer is only ever kept waiting here, at BEGIN
    IMMEDIATE: once it holds the lock, its statements and COMMIT do not wait
    again.
    """
    await _patiently(db, "BEGIN IMMEDIATE")


async def _patiently(db: aiosqlite.Connection, sql: str) -> None:
    """Run ``sql``, trying again while another process keeps the database busy.

    busy_timeout makes SQLite itself wait up to BUSY_TIMEOUT_MS per try (and
    some statements, such as switching a new database to WAL, do not wait at
    all); a statement still kept out tries again until BUSY_PATIENCE has
    passed, and only then gives up, with a StoreBusy that says so in words.
    """
    deadline = time.monotonic() + BUSY_PATIENCE
    while True:
        try:
            await db.execute(sql)
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            if time.monotonic() >= deadline:
                raise StoreBusy(
                    f"the database stayed busy for {BUSY_PATIENCE:g}s (another process kept"
                    " writing to it); nothing was changed: try again"
                ) from None
            log.debug("database busy (%s); trying again", sql)
            await asyncio.sleep(BUSY_RETRY_PAUSE)


def _is_busy(exc: sqlite3.Error) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED, in any of their extended forms."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc)


async def _configure(db: aiosqlite.Connection) -> None:
    # First, so every later statement waits for other processes instead of failing.
    # Switching a new database to WAL takes an exclusive lock without waiting for
    # one: several processes opening it at once try again until one has done it.
    await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await _patiently(db, "PRAGMA journal_mode = WAL")
    await db.execute("PRAGMA synchronous = NORMAL")
    # A batch touches a few thousand pages; the default 2 MiB cache spilled them.
    await db.execute("PRAGMA cache_size = -16384")


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (comments dropped first)."""
    code = "\n".join(line.split("--", 1)[0] for line in script.splitlines())
    return [part.strip() for part in code.split(";") if part.strip()]


async def _migrate(db: aiosqlite.Connection, path: Path) -> None:
    if await _user_version(db, path) == SCHEMA_VERSION:
        return
    # Several processes may open a new (or older) database at the same moment:
    # the version is read again under the write lock, so exactly one of them
    # migrates and the others find the work done.
    async with _atomic(db):
        version = await _user_version(db, path)
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in _statements(script):
                await db.execute(statement)
            await db.execute(f"PRAGMA user_version = {number}")
    if version < SCHEMA_VERSION:
        log.info("database %s migrated from schema %d to %d", path, version, SCHEMA_VERSION)


async def _user_version(db: aiosqlite.Connection, path: Path) -> int:
    async with db.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    version = int(row[0]) if row else 0
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: database schema {version} is newer than this StatusCat knows"
            f" ({SCHEMA_VERSION}); upgrade StatusCat"
        )
    return version
