"""Storage at scale: weeks of results fed to the store at full speed, in simulated time.

Usage: python benchmarks/storage.py [--monitors 1000] [--days 30] [--interval 60] [--json]

The rows are the ones the engine's ``_record`` submits (a ResultRow and a
snapshot per check; about 1 in 20 monitor-days has a 10-minute outage), in
time order, with timestamps from a simulated clock; ``store.prune(now)`` runs
every ``PRUNE_EVERY`` simulated seconds as the engine's housekeeping does, so
retention applies as in production. No target server is involved.

Reports, each machine-speed figure as a ratio against a baseline from the
same run:

- insert throughput (results/s), against plain ``sqlite3`` ``executemany`` of
  the same rows into a bare table with the same columns (same pragmas, one
  commit per store batch): the least any SQLite store must do. The baseline
  runs on the first ``--baseline-days`` days, before and after the store run.
- database size after retention and rollups (target <= 150 MB), with the WAL,
  before and after a checkpoint, and what each table and index takes;
- ``store.uptime(now)`` (24 h, 7 d, 30 d and 90 d for every monitor; target
  <= 100 ms, median of ``--repeat`` runs) against ``SELECT count(*)`` over
  the hourly rollup table on the same connection.

``--json`` prints the figures as one JSON dict on the last line of stdout
(the human report then goes to stderr), for ``benchmarks/run_all.py``.

``--profile`` adds where the time goes: each SQL statement of the store's
writer (wall time awaited, the SQLite work in aiosqlite's thread) and a
cProfile of the event-loop thread (the Python side), both to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import math
import pstats
import random
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import cpu, machine, median, peak_rss_mb, table

from statuscat_tui.core.results import Outcome
from statuscat_tui.core.states import MonitorState
from statuscat_tui.engine.engine import PRUNE_EVERY
from statuscat_tui.store.store import DAY, ResultRow, Store

START = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
OUTAGE_EVERY = 20  # monitor-days per outage
OUTAGE_LEN = 600.0  # seconds
DOWN_REASON = "HTTP 500 Internal Server Error"
UP_REASON = "HTTP 200 OK"
SIZE_TARGET_MB = 150.0
UPTIME_TARGET_MS = 100.0

Snapshot = tuple[int, float, float, float | None, str]


class Feed:
    """The results of every monitor, one tick (``interval`` seconds) at a time, in time order.

    Check starts are spread evenly over the interval, as the scheduler spreads
    first runs; latency and lateness are drawn from fixed tables so the feed
    itself stays cheap and every run sees the same rows.
    """

    def __init__(self, monitors: int, interval: float, seed: int = 1) -> None:
        rng = random.Random(seed)
        self.n = monitors
        self.interval = interval
        self.offsets = [i * interval / monitors for i in range(monitors)]
        self.outage_at = [float((i * 37 * 60) % (DAY - 3600)) for i in range(monitors)]
        self.latency = [rng.lognormvariate(math.log(0.08), 0.5) for _ in range(4093)]
        self.lateness = [rng.uniform(0.0005, 0.02) for _ in range(4091)]
        self.state = [MonitorState.UP] * monitors
        self.since = [START] * monitors
        self.count = 0

    def ticks(self, days: float) -> int:
        return int(days * DAY / self.interval)

    def clock(self, k: int) -> float:
        """The simulated time at the start of tick ``k``."""
        return START + k * self.interval

    def tick(self, k: int, ids: list[int]) -> Iterator[tuple[ResultRow, Snapshot]]:
        base = k * self.interval
        day = int(base // DAY)
        latency, lateness = self.latency, self.lateness
        nl, nk = len(latency), len(lateness)
        up, down = MonitorState.UP, MonitorState.DOWN
        ok, fail = Outcome.OK, Outcome.FAIL
        span = self.interval
        state, since = self.state, self.since
        c = self.count
        for i in range(self.n):
            t = base + self.offsets[i]
            late = lateness[(c + i) % nk]
            ts = START + t + late
            sod = t - day * DAY
            o = self.outage_at[i]
            is_down = (i + day) % OUTAGE_EVERY == 0 and o <= sod < o + OUTAGE_LEN
            if is_down:
                if state[i] is not down:
                    state[i], since[i] = down, ts
                yield (
                    ResultRow(ids[i], ts, fail, down, None, late, span, DOWN_REASON),
                    (int(down), since[i], ts, None, DOWN_REASON),
                )
            else:
                if state[i] is not up:
                    state[i], since[i] = up, ts
                lat = latency[(c + 7 * i) % nl]
                yield (
                    ResultRow(ids[i], ts, ok, up, lat, late, span, None),
                    (int(up), since[i], ts, lat, UP_REASON),
                )
        self.count = c + self.n


# -- the baseline: plain sqlite3, bare table ------------------------------------


def baseline(path: Path, args: argparse.Namespace, batch: int) -> tuple[int, float, int]:
    """Rows and seconds for the same rows into a bare table (no index, no rollups)."""
    feed = Feed(args.monitors, args.interval)
    ids = list(range(1, args.monitors + 1))
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute(
        "CREATE TABLE results (monitor INTEGER NOT NULL, ts REAL NOT NULL,"
        " outcome INTEGER NOT NULL, state INTEGER NOT NULL, latency REAL, lateness REAL,"
        " span REAL NOT NULL, reason TEXT)"
    )
    rows = 0
    buf: list[tuple[Any, ...]] = []

    def commit() -> None:
        con.execute("BEGIN IMMEDIATE")
        con.executemany("INSERT INTO results VALUES (?,?,?,?,?,?,?,?)", buf)
        con.execute("COMMIT")
        buf.clear()

    t0, w0 = time.perf_counter(), written()
    for k in range(feed.ticks(min(args.baseline_days, args.days))):
        for r, _snap in feed.tick(k, ids):
            buf.append(
                (r.monitor, r.ts, r.outcome, r.state, r.latency, r.lateness, r.span, r.reason)
            )
        rows += args.monitors
        if len(buf) >= batch:
            commit()
    if buf:
        commit()
    seconds = time.perf_counter() - t0
    con.close()
    return rows, seconds, written() - w0


def generation_only(args: argparse.Namespace) -> tuple[int, float]:
    """Rows and seconds for building the same rows and doing nothing with them."""
    feed = Feed(args.monitors, args.interval)
    ids = list(range(1, args.monitors + 1))
    t0 = time.perf_counter()
    rows = 0
    for k in range(feed.ticks(min(args.baseline_days, args.days))):
        for _ in feed.tick(k, ids):
            rows += 1
    return rows, time.perf_counter() - t0


# -- the store --------------------------------------------------------------------


class SqlTimes:
    """Wall time awaited per SQL statement on the store's writing connection."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.rows: dict[str, int] = defaultdict(int)

    def wrap(self, store: Store) -> None:
        db = store._db
        for name in ("execute", "executemany"):
            original = getattr(db, name)
            setattr(db, name, self._timed(original, name))

    def _timed(self, original: Callable[..., Any], name: str) -> Callable[..., Any]:
        times = self

        class Timed:
            def __init__(self, sql: str, *args: Any) -> None:
                self.label = _label(sql, name)
                if name == "executemany" and args:
                    args = (list(args[0]), *args[1:])
                    times.rows[self.label] += len(args[0])
                self.inner = original(sql, *args)

            def __await__(self) -> Any:
                t0 = time.perf_counter()
                try:
                    return (yield from self.inner.__await__())
                finally:
                    times.seconds[self.label] += time.perf_counter() - t0
                    times.calls[self.label] += 1

            async def __aenter__(self) -> Any:
                t0 = time.perf_counter()
                try:
                    return await self.inner.__aenter__()
                finally:
                    times.seconds[self.label] += time.perf_counter() - t0
                    times.calls[self.label] += 1

            async def __aexit__(self, *exc: Any) -> Any:
                return await self.inner.__aexit__(*exc)

        return Timed

    def report(self, total: float) -> str:
        rows = [("statement (writer connection)", "calls", "rows", "seconds", "share")]
        for label, s in sorted(self.seconds.items(), key=lambda kv: -kv[1]):
            rows.append(
                (
                    label,
                    str(self.calls[label]),
                    str(self.rows.get(label, "")),
                    f"{s:.1f}",
                    f"{100 * s / total:.1f} %",
                )
            )
        return table(rows)


def _label(sql: str, how: str) -> str:
    words = " ".join(sql.split())
    if words.startswith("INSERT INTO rollup_hourly"):
        return f"{how} upsert rollup_hourly"
    if words.startswith("INSERT INTO rollup_daily"):
        return f"{how} upsert rollup_daily"
    if words.startswith("DELETE FROM results"):
        return "prune: DELETE FROM results"
    if words.startswith("DELETE FROM rollup"):
        return "prune: " + " ".join(words.split()[:3])
    if words.startswith("SELECT rowid FROM results"):
        return "prune: find cut-off rowid"
    return f"{how} {words[:40]}"


async def feed_store(
    store: Store, args: argparse.Namespace, profile: cProfile.Profile | None
) -> dict[str, float]:
    n = args.monitors
    ids_by_key = await store.register_monitors(
        (f"m{i}", f"monitor {i}", "http", f"http://127.0.0.1/m{i}") for i in range(n)
    )
    ids = [ids_by_key[f"m{i}"] for i in range(n)]
    feed = Feed(n, args.interval)
    submit = store.submit_result
    ticks = feed.ticks(args.days)
    # Bound memory: never more than this many rows waiting for the writer.
    flush_every = max(1, (8 * store.batch_size) // n)
    next_prune = START  # the engine's first housekeeping prunes at once
    prune_s, pruned, prunes = 0.0, 0, 0
    ticks_per_day = max(1, int(DAY // args.interval))
    t0, c0, w0 = time.perf_counter(), cpu(), written()
    if profile is not None:
        profile.enable()
    for k in range(ticks):
        now = feed.clock(k)
        if now >= next_prune:
            # Flushed first, so the time is the prune's own and not a wait for
            # the writer's lock.
            await store.flush()
            p0 = time.perf_counter()
            while (d := await store.prune(now)) > 0:
                pruned += d
                await asyncio.sleep(0)
            prune_s += time.perf_counter() - p0
            prunes += 1
            next_prune += PRUNE_EVERY
        for row, snap in feed.tick(k, ids):
            submit(row, snap)
        if (k + 1) % flush_every == 0:
            await store.flush()
        else:
            await asyncio.sleep(0)  # the writer takes what is pending
        if (k + 1) % ticks_per_day == 0:
            wall = time.perf_counter() - t0
            done = (k + 1) * n
            print(
                f"  day {(k + 1) // ticks_per_day}/{args.days:g}: {done:,} results,"
                f" {done / wall:,.0f}/s, {wall:.0f}s",
                file=sys.stderr,
                flush=True,
            )
    await store.flush()
    end = feed.clock(ticks)
    p0 = time.perf_counter()
    while (d := await store.prune(end)) > 0:
        pruned += d
    prune_s += time.perf_counter() - p0
    if profile is not None:
        profile.disable()
    return {
        "rows": ticks * n,
        "seconds": time.perf_counter() - t0,
        "cpu": cpu() - c0,
        "written": written() - w0,
        "prune_s": prune_s,
        "prunes": prunes,
        "pruned": pruned,
        "end": end,
    }


async def median_time(fn: Callable[[], Awaitable[object]], runs: int) -> float:
    await fn()  # warm the page cache and the statement cache
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - t0)
    return median(times)


def written() -> int:
    """Bytes this process has handed to write() so far (WAL, checkpoints, database)."""
    try:
        with open("/proc/self/io") as f:
            for line in f:
                if line.startswith("wchar:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def file_mb(path: Path) -> float:
    return path.stat().st_size / 1e6 if path.exists() else 0.0


def space(path: Path) -> dict[str, float]:
    """MB per table/index (dbstat) plus free pages, from a separate connection."""
    con = sqlite3.connect(path)
    try:
        out: dict[str, float] = defaultdict(float)
        for name, size in con.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            key = name if name.startswith(("results", "rollup")) else "other"
            out[key] += size / 1e6
        page = con.execute("PRAGMA page_size").fetchone()[0]
        out["free pages"] = con.execute("PRAGMA freelist_count").fetchone()[0] * page / 1e6
        return dict(out)
    finally:
        con.close()


def checkpoint(path: Path) -> tuple[int, int, int]:
    con = sqlite3.connect(path, isolation_level=None)
    try:
        row = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return int(row[0]), int(row[1]), int(row[2])
    finally:
        con.close()


async def run_store(db: Path, args: argparse.Namespace) -> dict[str, Any]:
    profile = cProfile.Profile() if args.profile else None
    sql = SqlTimes()
    store = await Store.open(db)
    for pragma in args.pragma:  # trying a fix; by default the store as shipped
        for con in (store._db, store.reader):
            await con.execute(f"PRAGMA {pragma}")
    if args.profile:
        sql.wrap(store)
    try:
        out: dict[str, Any] = await feed_store(store, args, profile)
        wal = db.with_name(db.name + "-wal")
        out["db_mb"], out["wal_mb"] = file_mb(db), file_mb(wal)
        out["checkpoint"] = checkpoint(db)
        out["db_ckpt_mb"], out["wal_ckpt_mb"] = file_mb(db), file_mb(wal)
        out["space"] = space(db)
        now = out["end"]
        up = await store.uptime(now)
        have = [v["24h"] for v in up.values() if v["24h"] is not None]
        out["uptime_monitors"] = len(have)
        out["uptime_mean_24h"] = sum(have) / len(have) if have else float("nan")
        out["uptime_mean_30d"] = _mean([v["30d"] for v in up.values()])

        async def count() -> object:
            async with store.reader.execute("SELECT count(*) FROM rollup_hourly") as cur:
                return await cur.fetchone()

        out["hourly_rows"] = (await count())[0]  # type: ignore[index]
        out["uptime_s"] = await median_time(lambda: store.uptime(now), args.repeat)
        out["count_s"] = await median_time(count, args.repeat)
    finally:
        await store.close()
    if args.profile:
        assert profile is not None
        print("\nwhere the writer's time goes (wall time awaited per statement):", file=sys.stderr)
        print(sql.report(out["seconds"]), file=sys.stderr)
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(25)
        print("\nevent-loop thread, cProfile by own time (top 25):", file=sys.stderr)
        print(text.getvalue(), file=sys.stderr)
    return out


def _mean(values: list[float | None]) -> float:
    have = [v for v in values if v is not None]
    return sum(have) / len(have) if have else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--monitors", type=int, default=1000)
    ap.add_argument("--days", type=float, default=30)
    ap.add_argument("--interval", type=float, default=60, help="seconds between checks")
    ap.add_argument(
        "--baseline-days",
        type=float,
        default=2,
        help="days of rows for the sqlite3 baseline (default 2: the raw retention)",
    )
    ap.add_argument("--repeat", type=int, default=9, help="uptime timing runs (median)")
    ap.add_argument("--profile", action="store_true", help="per-statement times and cProfile")
    ap.add_argument(
        "--pragma",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra PRAGMA on the store's connections, to try a fix (repeatable)",
    )
    ap.add_argument(
        "--json",
        action="store_true",
        help="print the figures as one JSON dict on the last line of stdout (report to stderr)",
    )
    args = ap.parse_args()
    out = sys.stderr if args.json else sys.stdout

    extra = f"; PRAGMA {', '.join(args.pragma)}" if args.pragma else ""
    print(
        f"storage: {args.monitors} monitors every {args.interval:g}s for {args.days:g} simulated"
        f" days; {machine()}{extra}",
        file=out,
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="statuscat-bench-") as tmp:
        batch = 5000  # Store.batch_size
        gen_rows, gen_s = generation_only(args)
        b1_rows, b1_s, b1_w = baseline(Path(tmp) / "base1.db", args, batch)
        (Path(tmp) / "base1.db").unlink()
        s = asyncio.run(run_store(Path(tmp) / "store.db", args))
        b2_rows, b2_s, b2_w = baseline(Path(tmp) / "base2.db", args, batch)
    base_rate = (b1_rows / b1_s + b2_rows / b2_s) / 2
    rate = s["rows"] / s["seconds"]
    rate_np = s["rows"] / (s["seconds"] - s["prune_s"])
    sp = s["space"]
    total_mb = s["db_ckpt_mb"] + s["wal_ckpt_mb"]
    uptime_ms, count_ms = s["uptime_s"] * 1000, s["count_s"] * 1000

    print(
        f"  {s['rows']:,} results in {s['seconds']:.0f} s ({s['cpu']:.0f} s CPU);"
        f" {s['prunes']} prunes deleted {s['pruned']:,} rows in {s['prune_s']:.1f} s;"
        f" peak RSS {peak_rss_mb():.0f} MB",
        file=out,
    )
    print(
        f"  uptime() answered for {s['uptime_monitors']} monitors:"
        f" mean 24h {s['uptime_mean_24h']:.3f} %, mean 30d {s['uptime_mean_30d']:.3f} %;"
        f" rollup_hourly has {s['hourly_rows']:,} rows",
        file=out,
    )
    ck = s["checkpoint"]
    print(f"  checkpoint(TRUNCATE): busy={ck[0]} wal_frames={ck[1]} checkpointed={ck[2]}", file=out)
    print(
        "  space: "
        + ", ".join(f"{k} {v:.1f} MB" for k, v in sorted(sp.items(), key=lambda kv: -kv[1])),
        file=out,
    )
    rows = [
        ("figure", "value", "baseline", "ratio", "target"),
        (
            "insert throughput",
            f"{rate:,.0f}/s",
            f"{base_rate:,.0f}/s",
            f"{base_rate / rate:.2f}x slower",
            "",
        ),
        (
            "  excluding prune time",
            f"{rate_np:,.0f}/s",
            f"{base_rate:,.0f}/s",
            f"{base_rate / rate_np:.2f}x slower",
            "",
        ),
        (
            "  baseline runs (before/after)",
            f"{b1_rows / b1_s:,.0f}/s",
            f"{b2_rows / b2_s:,.0f}/s",
            "",
            "",
        ),
        ("  row generation alone", f"{gen_rows / gen_s:,.0f}/s", "", "", ""),
        (
            "bytes written per result",
            f"{s['written'] / s['rows']:,.0f} B",
            f"{(b1_w + b2_w) / (b1_rows + b2_rows):,.0f} B",
            f"{s['written'] / s['rows'] / ((b1_w + b2_w) / (b1_rows + b2_rows)):.1f}x",
            "",
        ),
        (
            "database (+ WAL) at end",
            f"{s['db_mb']:.1f} MB",
            f"+ {s['wal_mb']:.1f} MB",
            "",
            "",
        ),
        (
            "  after checkpoint",
            f"{s['db_ckpt_mb']:.1f} MB",
            f"+ {s['wal_ckpt_mb']:.1f} MB",
            "",
            f"<= {SIZE_TARGET_MB:.0f} MB {'ok' if total_mb <= SIZE_TARGET_MB else 'MISSED'}",
        ),
        (
            "uptime(now), all monitors",
            f"{uptime_ms:.1f} ms",
            f"{count_ms:.1f} ms",
            f"{uptime_ms / count_ms:.2f}x",
            f"<= {UPTIME_TARGET_MS:.0f} ms {'ok' if uptime_ms <= UPTIME_TARGET_MS else 'MISSED'}",
        ),
    ]
    print(table(rows), file=out)
    print(
        "  baseline: throughput = plain sqlite3 executemany into a bare table (same rows,"
        " pragmas and batch);\n  uptime = SELECT count(*) FROM rollup_hourly on the same"
        f" connection; medians of {args.repeat} runs",
        file=out,
    )
    if args.json:
        base_bytes = (b1_w + b2_w) / (b1_rows + b2_rows)
        figures: dict[str, Any] = {
            "monitors": args.monitors,
            "days": args.days,
            "interval": args.interval,
            "rows": s["rows"],
            "seconds": s["seconds"],
            "cpu_s": s["cpu"],
            "insert_per_s": rate,
            "baseline_insert_per_s": base_rate,
            "ratio_insert": base_rate / rate,
            "insert_per_s_no_prune": rate_np,
            "ratio_insert_no_prune": base_rate / rate_np,
            "baseline_insert_before_per_s": b1_rows / b1_s,
            "baseline_insert_after_per_s": b2_rows / b2_s,
            "generation_per_s": gen_rows / gen_s,
            "bytes_per_result": s["written"] / s["rows"],
            "baseline_bytes_per_result": base_bytes,
            "ratio_bytes": s["written"] / s["rows"] / base_bytes,
            "db_mb": s["db_mb"],
            "wal_mb": s["wal_mb"],
            "db_ckpt_mb": s["db_ckpt_mb"],
            "wal_ckpt_mb": s["wal_ckpt_mb"],
            "size_mb": total_mb,
            "uptime_ms": uptime_ms,
            "baseline_uptime_ms": count_ms,
            "ratio_uptime": uptime_ms / count_ms,
            "uptime_monitors": s["uptime_monitors"],
            "uptime_mean_24h": s["uptime_mean_24h"],
            "uptime_mean_30d": s["uptime_mean_30d"],
            "hourly_rows": s["hourly_rows"],
            "prunes": s["prunes"],
            "pruned": s["pruned"],
            "prune_s": s["prune_s"],
            "rss_mb": peak_rss_mb(),
        }
        for name, mb in sp.items():
            figures[f"space_{name.replace(' ', '_')}_mb"] = mb
        figures["notes"] = (
            "ratio_* = our cost / baseline cost (>1 is slower or bigger); insert baseline:"
            " plain sqlite3 executemany into a bare table, mean of the runs before and after;"
            f" uptime baseline: SELECT count(*) FROM rollup_hourly; medians of {args.repeat}"
        )
        print(json.dumps({k: _finite(v) for k, v in figures.items()}), flush=True)


def _finite(value: Any) -> Any:
    """NaN and infinities as null, so the line is strict JSON."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


if __name__ == "__main__":
    main()
