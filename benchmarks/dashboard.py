"""Dashboard under load: the real app, its in-process engine and N loopback monitors.

Usage: python benchmarks/dashboard.py [--monitors 10000] [--rate 350] [--seconds 60] [--json]

The dashboard runs headless (``run_test``, 200x60) exactly as ``statuscat``
does: it starts the engine in-process, which probes N HTTP monitors against a
target server in another process, at an interval that gives ``--rate``
results a second. Measured:

- time to first full paint: from starting the app to the monitors table
  holding all N rows on screen (the engine registers N monitors first);
- keypress-to-screen latency while results stream in: ``j``/``k`` pressed
  every 50-150 ms, each timed until the key is handled and the screen has
  refreshed (p50/p95/max);
- CPU: the process's CPU share at steady state with the dashboard, against
  the engine alone (no app) for the same time, same monitors, same run; the
  difference is the UI's share.

Baselines, same run: a bare ``DataTable`` filled with N rows (for the paint)
and the same key presses on that bare table (for the latency).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from benchmarks.probe_engine import config_text, cpu, start_target
from statuscat_tui.config import parse_config
from statuscat_tui.engine.engine import Engine, settle_heap
from statuscat_tui.ui.app import StatusCatApp

SIZE = (200, 60)


async def press_latencies(
    app: App[Any], table: DataTable[Any], seconds: float, keys: tuple[str, str] = ("j", "k")
) -> list[float]:
    """Press j/k as a terminal would, at irregular intervals; time each key from
    arrival until the cursor has moved and the screen has been refreshed."""
    driver = app._driver
    assert driver is not None
    loop = asyncio.get_running_loop()
    out: list[float] = []
    end = time.monotonic() + seconds
    plan = [keys[0]] * 20 + [keys[1]] * 20
    i = 0
    while time.monotonic() < end:
        await asyncio.sleep(random.uniform(0.05, 0.15))
        key = plan[i % len(plan)]
        before = table.cursor_row
        if before == 0:  # a re-order may have moved the cursor with its row
            key = keys[0]
        elif before >= table.row_count - 1:
            key = keys[1]
        t0 = time.perf_counter()
        driver.send_message(events.Key(key, key if len(key) == 1 else None))
        give_up = t0 + 10.0
        while table.cursor_row == before:
            if time.perf_counter() > give_up:
                raise RuntimeError(f"key {key!r} did not move the cursor within 10 s")
            await asyncio.sleep(0.001)
        painted = loop.create_future()
        app.call_after_refresh(lambda f=painted: f.done() or f.set_result(None))
        await painted
        out.append(time.perf_counter() - t0)
        i += 1
    return out


def quantiles(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)
    return {
        "p50_ms": 1000 * statistics.median(xs),
        "p95_ms": 1000 * xs[min(len(xs) - 1, int(0.95 * len(xs)))],
        "max_ms": 1000 * xs[-1],
        "n": float(len(xs)),
    }


async def dashboard_run(
    n: int, interval: float, seconds: float, port: int, db: Path
) -> dict[str, float]:
    text = config_text(n, 1, port).replace("interval: 1s", f"interval: {interval:.3f}s")
    config = parse_config(text, "<bench>", env={})
    app = StatusCatApp(config, db, settle_heap=True)  # as `statuscat` runs it
    t0 = time.perf_counter()
    out: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen_stack[0].query_one("#monitors", DataTable)
        # First full paint: a screenful of monitor rows on screen (the table keeps
        # filling in chunks afterwards, without blocking keys).
        while table.row_count < min(n, SIZE[1]):  # noqa: ASYNC110 - polling from outside
            await asyncio.sleep(0.005)
        painted = asyncio.get_running_loop().create_future()
        app.call_after_refresh(lambda: painted.done() or painted.set_result(None))
        await painted
        out["first_paint_s"] = time.perf_counter() - t0
        while table.row_count < n:  # noqa: ASYNC110 - polling the app from outside
            await asyncio.sleep(0.005)
        out["all_rows_s"] = time.perf_counter() - t0
        await pilot.press("1")  # focus the monitors table
        # Let every monitor be checked once (the first checks are spread over the
        # interval), so results stream at the full rate while keys are pressed.
        await asyncio.sleep(interval)
        engine = app.session.engine
        assert engine is not None
        k0, c0, w0 = engine.checks_done, cpu(), time.monotonic()
        lat = await press_latencies(app, table, seconds)
        k1, c1, w1 = engine.checks_done, cpu(), time.monotonic()
        out.update({f"key_{k}": v for k, v in quantiles(lat).items()})
        out["results_per_s"] = (k1 - k0) / (w1 - w0)
        out["cpu_share_with_ui"] = 100 * (c1 - c0) / (w1 - w0)
        out["engine_p99_ms"] = engine.lateness.quantile(0.99) * 1000
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


async def engine_only(n: int, interval: float, seconds: float, port: int, db: Path) -> float:
    text = config_text(n, 1, port).replace("interval: 1s", f"interval: {interval:.3f}s")
    engine = Engine(parse_config(text, "<bench>", env={}), db, listen=False)
    await engine.start()
    settle_heap()  # as `statuscat run --headless` does
    try:
        await asyncio.sleep(min(interval, 10.0))
        c0, w0 = cpu(), time.monotonic()
        await asyncio.sleep(seconds)
        return 100 * (cpu() - c0) / (time.monotonic() - w0)
    finally:
        await engine.stop()


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()


async def bare_table(n: int, seconds: float) -> dict[str, float]:
    app = Bare()
    out: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(DataTable)
        table.add_columns(*"abcdefgh")
        t0 = time.perf_counter()
        for i in range(n):
            table.add_row("✔ UP", f"m{i}", "", "10ms", "100%", "99.90%", "▁▂", "http", key=str(i))
        await pilot.pause()
        out["first_paint_s"] = time.perf_counter() - t0
        table.focus()
        await pilot.pause()
        lat = await press_latencies(app, table, seconds, ("down", "up"))
        out.update({f"key_{k}": v for k, v in quantiles(lat).items()})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--monitors", type=int, default=10_000)
    ap.add_argument("--rate", type=float, default=350.0, help="results per second")
    ap.add_argument("--seconds", type=float, default=60.0, help="how long keys are pressed")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    interval = args.monitors / args.rate
    proc, port = start_target()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ui = asyncio.run(
                dashboard_run(args.monitors, interval, args.seconds, port, Path(tmp) / "ui.db")
            )
        with tempfile.TemporaryDirectory() as tmp:
            alone = asyncio.run(
                engine_only(args.monitors, interval, args.seconds / 2, port, Path(tmp) / "e.db")
            )
        bare = asyncio.run(bare_table(args.monitors, min(args.seconds, 15.0)))
    finally:
        proc.terminate()
        proc.wait()
    fig: dict[str, Any] = {
        "monitors": args.monitors,
        "first_paint_s": ui["first_paint_s"],
        "all_rows_s": ui["all_rows_s"],
        "key_p50_ms": ui["key_p50_ms"],
        "key_p95_ms": ui["key_p95_ms"],
        "key_max_ms": ui["key_max_ms"],
        "keypresses": ui["key_n"],
        "results_per_s": ui["results_per_s"],
        "cpu_share_with_ui": ui["cpu_share_with_ui"],
        "cpu_share_engine_only": alone,
        "ui_cpu_share": ui["cpu_share_with_ui"] - alone,
        "engine_p99_ms": ui["engine_p99_ms"],
        "rss_mb": ui["rss_mb"],
        "baseline_first_paint_s": bare["first_paint_s"],
        "baseline_key_p95_ms": bare["key_p95_ms"],
        "ratio_first_paint": ui["first_paint_s"] / bare["first_paint_s"],
        "ratio_key_p95": ui["key_p95_ms"] / max(bare["key_p95_ms"], 1e-6),
    }
    if args.json:
        print(json.dumps(fig))
        return
    print(
        f"dashboard: {args.monitors} monitors, {fig['results_per_s']:.0f} results/s streaming, "
        f"{SIZE[0]}x{SIZE[1]} headless"
    )
    print(
        f"  first full paint        {fig['first_paint_s']:6.2f} s   "
        f"(bare DataTable, all rows: {fig['baseline_first_paint_s']:.2f} s, "
        f"{fig['ratio_first_paint']:.1f}x)"
        "   target <= 2 s"
    )
    print(f"  all {args.monitors} rows in the table  {fig['all_rows_s']:6.2f} s")
    print(
        f"  keypress p50 / p95 / max {fig['key_p50_ms']:.0f} / {fig['key_p95_ms']:.0f} / "
        f"{fig['key_max_ms']:.0f} ms  (bare p95 {fig['baseline_key_p95_ms']:.0f} ms, "
        f"{fig['keypresses']:.0f} presses)   target p95 <= 100 ms"
    )
    print(
        f"  CPU share               {fig['cpu_share_with_ui']:.0f} % with the dashboard, "
        f"{fig['cpu_share_engine_only']:.0f} % engine alone: UI {fig['ui_cpu_share']:.0f} %"
    )
    print(
        f"  engine lateness p99     {fig['engine_p99_ms']:.0f} ms;  peak RSS {fig['rss_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
