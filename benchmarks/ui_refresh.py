"""Dashboard refresh cost with many monitors (headless, run_test).

Usage: python benchmarks/ui_refresh.py [--monitors 10000]

Times, in the same run: the first fill of the monitors table, a refresh where
nothing changed, one where every latency changed (cells updated in place), and
one where a monitor changed state (rows re-ordered: a refill). The baseline is
a bare DataTable filled with the same rows in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import DataTable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from statuscat_tui.config import parse_config
from statuscat_tui.core.states import MonitorState
from statuscat_tui.engine.session import MonitorView, Snapshot
from statuscat_tui.ui.app import StatusCatApp


class Fixed:
    mode = "engine"
    engine_holder = None
    me = None

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def snapshot(self) -> Snapshot:
        return self.snap


def snapshot(n: int, bump: float = 0.0) -> Snapshot:
    mons = tuple(
        MonitorView(
            f"m{i}",
            f"monitor {i}",
            "http",
            "http://x/",
            None,
            MonitorState.UP,
            0.0,
            0.01 + bump,
            "HTTP 200 OK",
            100.0,
            99.9,
            (0.01, 0.02),
        )
        for i in range(n)
    )
    return Snapshot(time.time(), mons, (), (), ())


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()


async def main(n: int) -> None:
    config = parse_config("monitors: [{id: a, url: 'http://127.0.0.1:9/'}]\n", "b", env={})
    snap = snapshot(n)
    app = StatusCatApp(
        config,
        Path("/tmp/unused.db"),
        session=Fixed(snap),  # type: ignore[arg-type]
        refresh_every=3600,
    )
    out: dict[str, Any] = {}
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause(0.2)
        for name, s in (
            ("first fill", snap),
            ("unchanged", snap),
            ("every latency changed", snapshot(n, 0.005)),
            (
                "one monitor DOWN (re-order)",
                dataclasses.replace(
                    snap,
                    monitors=(
                        dataclasses.replace(snap.monitors[n // 2], state=MonitorState.DOWN),
                        *snap.monitors[: n // 2],
                        *snap.monitors[n // 2 + 1 :],
                    ),
                ),
            ),
        ):
            if name == "first fill":
                app._caches["monitors"].clear()
                app.screen_stack[0].query_one("#monitors", DataTable).clear()
            t0 = time.perf_counter()
            app.apply_snapshot(s)
            await pilot.pause()
            out[name] = time.perf_counter() - t0
    bare = Bare()
    async with bare.run_test(size=(200, 60)) as pilot:
        table = bare.query_one(DataTable)
        table.add_columns(*"abcdefgh")
        t0 = time.perf_counter()
        for m in snap.monitors:
            table.add_row("✔ UP", m.name, "", "10ms", "100%", "99.90%", "▁▂", "http", key=m.id)
        await pilot.pause()
        base = time.perf_counter() - t0
    print(f"dashboard refresh, {n} monitors (200x60, headless)")
    print(f"  bare DataTable fill (baseline)   {base * 1000:8.1f} ms")
    for name, secs in out.items():
        print(f"  {name:<32} {secs * 1000:8.1f} ms  ({secs / base:.2f}x baseline)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--monitors", type=int, default=10_000)
    asyncio.run(main(ap.parse_args().monitors))
