"""Probe engine benchmark: N loopback HTTP monitors for a while.

Usage: python benchmarks/probe_engine.py [--monitors 1000] [--interval 30] [--seconds 180]
                                        [--hang-share 0.1] [--json]

The target server runs in its own process. Reports lateness (p50/p99, share
started within 1 s of due), engine CPU per probe, and the CPU per request of a
bare httpx loop making the same kind of requests at the same pace in the same
run: the machine is shared and noisy, so the ratio is the figure to compare.

With ``--hang-share 0.1`` a tenth of the monitors point at a path the target
never answers (each check runs into its 5 s timeout, then re-checks while
unconfirmed); lateness is then reported for the healthy monitors only, from
the per-result lateness the engine records.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from statuscat_tui.config import parse_config
from statuscat_tui.engine.engine import Engine, settle_heap


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def start_target() -> tuple[subprocess.Popen[str], int]:
    """The target server in its own process, so its CPU is not counted as ours."""
    script = str(Path(__file__).with_name("target_server.py"))
    proc = subprocess.Popen([sys.executable, script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, int(proc.stdout.readline())


def config_text(n: int, interval: int, port: int, hang_share: float = 0.0) -> str:
    lines = [
        "settings: {concurrency: 500}",
        f"defaults: {{interval: {interval}s, timeout: 5s}}",
        "monitors:",
    ]
    hanging = round(n * hang_share)
    for i in range(n):
        if i < hanging:
            lines.append(f"  - {{id: h{i}, url: 'http://127.0.0.1:{port}/hang{i}'}}")
        else:
            lines.append(f"  - {{id: m{i}, url: 'http://127.0.0.1:{port}/m{i}'}}")
    return "\n".join(lines) + "\n"


def healthy_lateness(db: Path, since: float) -> dict[str, float]:
    """Lateness of the healthy monitors' checks (ids m…) from the results table."""
    con = sqlite3.connect(db)
    try:
        rows = sorted(
            (r[0] or 0.0) / 1e6  # stored in microseconds
            for r in con.execute(
                "SELECT r.lateness FROM results r JOIN monitors m ON m.id = r.monitor"
                " WHERE m.key LIKE 'm%' AND r.ts >= ?",
                (since,),
            )
        )
    finally:
        con.close()
    if not rows:
        return {"healthy_checks": 0.0}

    def q(p: float) -> float:
        return rows[min(len(rows) - 1, int(p * len(rows)))] * 1000

    return {
        "healthy_checks": float(len(rows)),
        "healthy_p50_ms": q(0.5),
        "healthy_p99_ms": q(0.99),
        "healthy_max_ms": rows[-1] * 1000,
        "healthy_within_1s": 100.0 * sum(1 for x in rows if x <= 1.0) / len(rows),
    }


async def engine_run(
    n: int, interval: int, seconds: float, port: int, db: Path, hang_share: float = 0.0
) -> dict[str, float]:
    config = parse_config(config_text(n, interval, port, hang_share), "<bench>", env={})
    engine = Engine(config, db, listen=False)
    await engine.start()
    settle_heap()  # as `statuscat run --headless` does
    started = time.time()
    # Measure after the first runs are spread, so the steady state is measured.
    c0, w0, k0 = cpu(), time.monotonic(), engine.checks_done
    await asyncio.sleep(seconds)
    c1, w1, k1 = cpu(), time.monotonic(), engine.checks_done
    lat = engine.lateness
    stats = {
        "checks": k1 - k0,
        "cpu_s": c1 - c0,
        "wall_s": w1 - w0,
        "p50_ms": lat.quantile(0.5) * 1000,
        "p99_ms": lat.quantile(0.99) * 1000,
        "max_ms": lat.quantile(1.0) * 1000,
        "within_1s": lat.share_within(1.0) * 100,
    }
    await engine.stop()
    stats["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stats.update(healthy_lateness(db, started))
    return stats


async def bare_httpx(requests: int, port: int, rate: float | None) -> float:
    """CPU seconds for ``requests`` GETs through one pooled httpx client.

    With ``rate`` they are paced like the engine's checks (spread evenly over
    time, one task each); without it, ten workers send them back to back.
    """
    limits = httpx.Limits(max_connections=500, max_keepalive_connections=500)
    async with httpx.AsyncClient(limits=limits) as client:

        async def get(i: int) -> None:
            r = await client.get(f"http://127.0.0.1:{port}/b{i % 1000}")
            await r.aread()

        c0 = cpu()
        if rate is None:
            queue = iter(range(requests))

            async def worker() -> None:
                for i in queue:
                    await get(i)

            await asyncio.gather(*(worker() for _ in range(10)))
        else:
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            tasks = []
            for i in range(requests):
                delay = t0 + i / rate - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(get(i)))
            await asyncio.gather(*tasks)
        return cpu() - c0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--monitors", type=int, default=1000)
    ap.add_argument("--interval", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=180)
    ap.add_argument("--hang-share", type=float, default=0.0, help="share of hanging targets")
    ap.add_argument(
        "--baseline-seconds", type=float, default=60, help="how long the paced httpx baseline runs"
    )
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        proc, port = start_target()
        db = Path(tmp) / "bench.db"
        try:
            s = asyncio.run(
                engine_run(args.monitors, args.interval, args.seconds, port, db, args.hang_share)
            )
            s["db_mb"] = db.stat().st_size / 1e6
            # The baselines make the same kind of requests at the same pace, for less
            # time: CPU per request is what is compared.
            rate = s["checks"] / s["wall_s"]
            sample = max(1, int(min(s["checks"], rate * args.baseline_seconds)))
            paced = asyncio.run(bare_httpx(sample, port, rate))
            burst = asyncio.run(bare_httpx(sample, port, None))
        finally:
            proc.terminate()
            proc.wait()
    n = max(s["checks"], 1)
    per_probe = s["cpu_s"] / n * 1e3
    per_paced = paced / sample * 1e3
    per_burst = burst / sample * 1e3
    s.update(
        monitors=args.monitors,
        interval=args.interval,
        hang_share=args.hang_share,
        cpu_ms_per_probe=per_probe,
        httpx_paced_ms_per_req=per_paced,
        ratio_paced=per_probe / per_paced,
        ratio_burst=per_probe / per_burst,
    )
    if args.json:
        print(json.dumps(s))
        return
    print(
        f"probe engine: {args.monitors} http monitors, interval {args.interval}s, "
        f"{s['wall_s']:.0f}s measured, {os.cpu_count()} cores"
        + (f", {args.hang_share:.0%} hanging" if args.hang_share else "")
    )
    print(f"  checks                  {s['checks']:.0f} ({s['checks'] / s['wall_s']:.0f}/s)")
    print(f"  lateness p50            {s['p50_ms']:.0f} ms")
    print(f"  lateness p99            {s['p99_ms']:.0f} ms   (max {s['max_ms']:.0f} ms)")
    print(f"  started within 1s       {s['within_1s']:.2f} %")
    print(f"  engine CPU/probe        {per_probe:.3f} ms")
    print(f"  bare httpx, same pacing {per_paced:.3f} ms/req  ratio {per_probe / per_paced:.2f}x")
    print(f"  bare httpx, back to back {per_burst:.3f} ms/req  ratio {per_probe / per_burst:.2f}x")
    if args.hang_share and s.get("healthy_checks"):
        print(f"  healthy monitors only   {s['healthy_checks']:.0f} checks")
        print(f"    lateness p50          {s['healthy_p50_ms']:.0f} ms")
        worst = s["healthy_max_ms"]
        print(f"    lateness p99          {s['healthy_p99_ms']:.0f} ms (max {worst:.0f})")
        print(f"    started within 1s     {s['healthy_within_1s']:.2f} %")
    print(f"  database                {s['db_mb']:.1f} MB")
    print(f"  peak RSS (whole run)    {s['rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
