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
    -- Since migration 4, latency and lateness are whole microseconds and a
    -- passing check's reason is not kept.
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

MIGRATIONS.append(
    # 2: incidents, their monitors and timeline, escalation state, the page outbox.
    """
    CREATE TABLE incidents (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        severity TEXT NOT NULL,
        components TEXT NOT NULL DEFAULT '[]',
        state TEXT NOT NULL,
        public_status TEXT NOT NULL,
        owner TEXT,
        started REAL NOT NULL,
        detected REAL,
        acknowledged REAL,
        mitigated REAL,
        resolved REAL,
        ready_since REAL,
        opened_by TEXT,
        policy TEXT,
        updated REAL NOT NULL
    );
    CREATE INDEX incidents_active ON incidents (state);
    CREATE TABLE incident_monitors (
        incident INTEGER NOT NULL REFERENCES incidents (id),
        monitor TEXT NOT NULL,
        joined REAL NOT NULL,
        suppressed_by TEXT,
        PRIMARY KEY (incident, monitor)
    );
    CREATE INDEX incident_monitors_by_monitor ON incident_monitors (monitor);
    CREATE TABLE timeline (
        id INTEGER PRIMARY KEY,
        incident INTEGER NOT NULL REFERENCES incidents (id),
        ts REAL NOT NULL,
        kind TEXT NOT NULL,
        actor TEXT,
        data TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX timeline_by_incident ON timeline (incident, id);
    -- One row per incident whose escalation is still running; due is NULL when
    -- the policy has run out. Deleted on acknowledge and resolve.
    CREATE TABLE escalations (
        incident INTEGER PRIMARY KEY REFERENCES incidents (id),
        step INTEGER NOT NULL,
        cycle INTEGER NOT NULL,
        due REAL
    );
    -- Pages are written here first, then delivered with retries. The channel is
    -- the index into the person's notify list (no secrets in the database);
    -- target is its redacted label.
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        incident INTEGER NOT NULL REFERENCES incidents (id),
        person TEXT NOT NULL,
        channel INTEGER NOT NULL,
        target TEXT NOT NULL,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        created REAL NOT NULL,
        next_attempt REAL NOT NULL,
        give_up REAL NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'pending',
        last_error TEXT,
        delivered REAL
    );
    CREATE INDEX outbox_pending ON outbox (status, next_attempt);
    CREATE INDEX outbox_by_incident ON outbox (incident);
    """
)

MIGRATIONS.append(
    # 3: postmortems (one per incident) with every saved version, and action items.
    """
    CREATE TABLE postmortems (
        incident INTEGER PRIMARY KEY REFERENCES incidents (id),
        status TEXT NOT NULL DEFAULT 'draft',
        body TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        created REAL NOT NULL,
        updated REAL NOT NULL,
        updated_by TEXT
    );
    -- Every save keeps the text it replaced: nothing is ever overwritten for good.
    CREATE TABLE postmortem_versions (
        incident INTEGER NOT NULL REFERENCES postmortems (incident),
        version INTEGER NOT NULL,
        status TEXT NOT NULL,
        body TEXT NOT NULL,
        saved REAL NOT NULL,
        saved_by TEXT,
        PRIMARY KEY (incident, version)
    );
    CREATE TABLE action_items (
        id INTEGER PRIMARY KEY,
        incident INTEGER NOT NULL REFERENCES incidents (id),
        text TEXT NOT NULL,
        owner TEXT,
        due TEXT,
        priority TEXT NOT NULL DEFAULT 'P2',
        status TEXT NOT NULL DEFAULT 'open',
        created REAL NOT NULL,
        done_at REAL
    );
    CREATE INDEX action_items_by_incident ON action_items (incident);
    CREATE INDEX action_items_open ON action_items (status, due);
    """
)

MIGRATIONS.append(
    # 4: smaller raw results. No index: writes touched one index page per
    # monitor per batch (6 kB written per 89-byte result) and it took a third
    # of the file; retention deletes by rowid and the rare per-monitor read
    # scans backwards. Latency and lateness in whole microseconds: SQLite
    # stores a whole REAL as a 0-3 byte integer instead of 8 bytes.
    """
    DROP INDEX IF EXISTS results_by_monitor;
    UPDATE results SET latency = round(latency * 1000000), lateness = round(lateness * 1000000);
    """
)

SCHEMA_VERSION = len(MIGRATIONS)
