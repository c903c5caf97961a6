"""Schema migrations, applied in order; ``PRAGMA user_version`` records the last one."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: monitors, raw results, rollups, transitions, engine runs.
    """
    CREATE TABLE monitors (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        state INTEGER NOT NULL DEFAULT 0,
        state_since REAL,
        last_check REAL,
        last_latency REAL,
        last_reason TEXT,
        retired INTEGER NOT NULL DEFAULT 0
    );
    -- Raw check results, kept briefly. ts is the probe's start (unix seconds);
    -- span is how long this result stands for (until the next planned check).
    CREATE TABLE results (
        monitor INTEGER NOT NULL,
        ts REAL NOT NULL,
        outcome INTEGER NOT NULL,
        state INTEGER NOT NULL,
        latency REAL,
        lateness REAL,
        span REAL NOT NULL,
        reason TEXT
    );
    CREATE INDEX results_by_monitor ON results (monitor, ts);
    -- Rollups: bucket is the unix second the hour/day (UTC) starts.
    -- Seconds are time-weighted by span, so re-checks do not skew uptime and
    -- time the engine was not running is simply absent (no data, never up).
    CREATE TABLE rollup_hourly (
        monitor INTEGER NOT NULL,
        bucket INTEGER NOT NULL,
        checks INTEGER NOT NULL,
        ok INTEGER NOT NULL,
        degraded INTEGER NOT NULL,
        down INTEGER NOT NULL,
        up_s REAL NOT NULL,
        degraded_s REAL NOT NULL,
        down_s REAL NOT NULL,
        maint_s REAL NOT NULL,
        lat_n INTEGER NOT NULL,
        lat_sum REAL NOT NULL,
        lat_min REAL,
        lat_max REAL,
        PRIMARY KEY (monitor, bucket)
    ) WITHOUT ROWID;
    CREATE TABLE rollup_daily (
        monitor INTEGER NOT NULL,
        bucket INTEGER NOT NULL,
        checks INTEGER NOT NULL,
        ok INTEGER NOT NULL,
        degraded INTEGER NOT NULL,
        down INTEGER NOT NULL,
        up_s REAL NOT NULL,
        degraded_s REAL NOT NULL,
        down_s REAL NOT NULL,
        maint_s REAL NOT NULL,
        lat_n INTEGER NOT NULL,
        lat_sum REAL NOT NULL,
        lat_min REAL,
        lat_max REAL,
        PRIMARY KEY (monitor, bucket)
    ) WITHOUT ROWID;
    CREATE TABLE transitions (
        id INTEGER PRIMARY KEY,
        monitor INTEGER NOT NULL,
        ts REAL NOT NULL,
        old INTEGER NOT NULL,
        new INTEGER NOT NULL,
        reason TEXT NOT NULL,
        confirmed INTEGER NOT NULL,
        suppressed_by TEXT
    );
    CREATE INDEX transitions_by_ts ON transitions (ts);
    CREATE TABLE engine_runs (
        id INTEGER PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        started REAL NOT NULL,
        last_seen REAL NOT NULL,
        stopped REAL
    );
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
