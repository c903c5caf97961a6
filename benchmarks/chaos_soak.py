"""Chaos soak: every hostile target at once, beside healthy monitors, for minutes.

Usage: python benchmarks/chaos_soak.py [--minutes 10] [--baseline-minutes 2]
                                      [--healthy 200] [--interval 5] [--timeout 2] [--json]

Needs the test extras (``pip install -e '.[test]'``): the hostile targets are
tests/support/chaos.py's (refused, accept-then-hang, headers then hang, a byte
a second, a reset mid-body, garbage, a 50 MB body, a redirect loop, bad
certificates, NXDOMAIN, a DNS server that never answers …), served from
threads of this process; the healthy monitors probe benchmarks/target_server.py
in its own process.

Two runs of the real ``statuscat run --headless``, each with its own database:

1. baseline: the healthy monitors alone, ``--baseline-minutes``;
2. chaos: the same healthy monitors plus one monitor per hostile case, ``--minutes``.

The engine's VmRSS is sampled every few seconds. Reported: RSS at start, peak
and end, its slope over the second half of the chaos run (MB/min; a leak shows
as a steady climb), the healthy monitors' lateness p50/p99 in both runs and
their ratio, how many hostile checks ran, and whether every hostile monitor
ended DOWN with the reason its case must give.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import machine, start_server, stop_server

from statuscat_tui.core.states import MonitorState
from tests.support.chaos import ChaosTargets, Hostile, config_text, start_engine
from tests.support.net import free_port

TICKS = os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of ``pid`` so far (/proc/PID/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def slope_mb_per_min(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) samples, in MB per minute."""
    if len(samples) < 2:
        return 0.0
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_m = sum(m for _, m in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    if var == 0:
        return 0.0
    cov = sum((t - mean_t) * (m - mean_m) for t, m in samples)
    return cov / var * 60


def quantile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_engine(
    config: str, workdir: Path, seconds: float, sample_every: float, label: str, quiet: bool
) -> dict[str, Any]:
    """Run the headless engine on ``config`` for ``seconds``; RSS samples and its database."""
    workdir.mkdir(parents=True, exist_ok=True)
    cfg, db, log = workdir / "statuscat.yml", workdir / "sc.db", workdir / "engine.log"
    cfg.write_text(config)
    proc = start_engine(cfg, db, log)
    samples: list[tuple[float, float]] = []
    try:
        deadline = time.monotonic() + 60
        while "started:" not in log.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the engine did not start:\n{log.read_text()}")
            time.sleep(0.1)
        t0 = time.monotonic()
        cpu0 = cpu_s(proc.pid)
        next_report = t0 + 60
        while (now := time.monotonic()) - t0 < seconds:
            if proc.poll() is not None:
                raise RuntimeError(f"the engine exited early:\n{log.read_text()[-3000:]}")
            samples.append((now - t0, rss_mb(proc.pid)))
            if not quiet and now >= next_report:
                next_report += 60
                print(
                    f"  {label}: {(now - t0) / 60:.0f} min, RSS {samples[-1][1]:.1f} MB", flush=True
                )
            time.sleep(sample_every)
        samples.append((time.monotonic() - t0, rss_mb(proc.pid)))
        cpu = cpu_s(proc.pid) - cpu0
        wall = time.monotonic() - t0
        proc.send_signal(signal.SIGTERM)
        exit_code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = log.read_text()
    return {
        "db": db,
        "samples": samples,
        "cpu_s": cpu,
        "wall_s": wall,
        "exit_code": exit_code,
        "tracebacks": text.count("Traceback"),
    }


def healthy_lateness(db: Path) -> list[float]:
    """Lateness (ms) of every check of the healthy monitors (ids ok…)."""
    con = sqlite3.connect(db)
    try:
        return [
            (row[0] or 0) / 1000  # stored in whole microseconds
            for row in con.execute(
                "SELECT r.lateness FROM results r JOIN monitors m ON m.id = r.monitor"
                " WHERE m.key LIKE 'ok%'"
            )
        ]
    finally:
        con.close()


def outcome_of(db: Path, hostile: list[Hostile], healthy: int) -> dict[str, Any]:
    con = sqlite3.connect(db)
    try:
        states = {
            key: (MonitorState(state), reason)
            for key, state, reason in con.execute("SELECT key, state, last_reason FROM monitors")
        }
        checks = dict(
            con.execute(
                "SELECT m.key, count(*) FROM results r JOIN monitors m ON m.id = r.monitor"
                " GROUP BY m.key"
            ).fetchall()
        )
        reasons: dict[str, set[str | None]] = {}
        for key, reason in con.execute(
            "SELECT DISTINCT m.key, r.reason FROM results r JOIN monitors m ON m.id = r.monitor"
        ):
            reasons.setdefault(key, set()).add(reason)
        ups = dict(
            con.execute(
                "SELECT m.key, count(*) FROM transitions t JOIN monitors m ON m.id = t.monitor"
                " WHERE t.confirmed AND t.new = ? GROUP BY m.key",
                (int(MonitorState.UP),),
            ).fetchall()
        )
        # Hostile checks run on a timeout store no latency: the longest measured one.
        latencies = dict(
            con.execute(
                "SELECT m.key, max(r.latency) FROM results r JOIN monitors m ON m.id = r.monitor"
                " GROUP BY m.key"
            ).fetchall()
        )
    finally:
        con.close()
    per_case = {}
    for h in hostile:
        state, reason = states.get(h.id, (MonitorState.UNKNOWN, None))
        per_case[h.id] = {
            "case": h.case,
            "state": state.name,
            "reason": reason,
            "expected": h.reason,
            "ok": state is MonitorState.DOWN
            and reason == h.reason
            and reasons.get(h.id) == {h.reason},
            "checks": checks.get(h.id, 0),
            "ever_up": ups.get(h.id, 0) > 0,
            "max_latency_ms": (latencies.get(h.id) or 0) / 1000,
        }
    healthy_up = sum(
        1 for n in range(healthy) if states.get(f"ok{n}", (None,))[0] is MonitorState.UP
    )
    return {"cases": per_case, "healthy_up": healthy_up}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="length of the chaos run")
    ap.add_argument("--baseline-minutes", type=float, default=2.0, help="healthy monitors alone")
    ap.add_argument("--healthy", type=int, default=200, help="healthy monitors")
    ap.add_argument("--interval", type=float, default=5.0, help="every monitor's interval (s)")
    ap.add_argument("--timeout", type=float, default=2.0, help="hostile monitors' timeout (s)")
    ap.add_argument("--sample", type=float, default=2.0, help="seconds between RSS samples")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    quiet = args.json

    with tempfile.TemporaryDirectory(prefix="chaos-soak-") as tmp_name:
        tmp = Path(tmp_name)
        target, port = start_server("target_server.py")
        try:
            with ChaosTargets(tmp / "certs") as chaos:
                hostile = chaos.hostile(args.timeout)
                urls = [f"http://127.0.0.1:{port}/m{n}" for n in range(args.healthy)]

                def config(with_hostile: bool) -> str:
                    return config_text(
                        hostile if with_hostile else [],
                        urls,
                        interval=args.interval,
                        healthy_interval=args.interval,
                        listen_port=free_port(),
                    )

                if not quiet:
                    print(f"chaos soak: {machine()}", flush=True)
                base = run_engine(
                    config(False), tmp / "baseline", args.baseline_minutes * 60, args.sample,
                    "baseline", quiet,
                )  # fmt: skip
                soak = run_engine(
                    config(True), tmp / "chaos", args.minutes * 60, args.sample, "chaos", quiet
                )
                big = chaos.http.bytes_sent("/big") / max(chaos.http.hits("/big"), 1)
                base_late = healthy_lateness(base["db"])
                soak_late = healthy_lateness(soak["db"])
                result = outcome_of(soak["db"], hostile, args.healthy)
                base_up = outcome_of(base["db"], [], args.healthy)["healthy_up"]
        finally:
            stop_server(target)

    samples = soak["samples"]
    mbs = [m for _, m in samples]
    half = samples[-1][0] / 2
    cases = result["cases"]
    figures: dict[str, Any] = {
        "minutes": args.minutes,
        "baseline_minutes": args.baseline_minutes,
        "healthy_monitors": args.healthy,
        "hostile_monitors": len(hostile),
        "interval_s": args.interval,
        "hostile_timeout_s": args.timeout,
        "rss_start_mb": round(mbs[0], 1),
        "rss_peak_mb": round(max(mbs), 1),
        "rss_end_mb": round(mbs[-1], 1),
        "rss_slope_last_half_mb_per_min": round(
            slope_mb_per_min([s for s in samples if s[0] >= half]), 3
        ),
        "baseline_rss_peak_mb": round(max(m for _, m in base["samples"]), 1),
        "healthy_p50_ms": round(quantile(soak_late, 0.5), 2),
        "healthy_p99_ms": round(quantile(soak_late, 0.99), 2),
        "healthy_max_ms": round(max(soak_late, default=0.0), 2),
        "baseline_p50_ms": round(quantile(base_late, 0.5), 2),
        "baseline_p99_ms": round(quantile(base_late, 0.99), 2),
        "baseline_max_ms": round(max(base_late, default=0.0), 2),
        "p99_ratio": round(quantile(soak_late, 0.99) / max(quantile(base_late, 0.99), 0.001), 2),
        "healthy_checks": len(soak_late),
        "baseline_checks": len(base_late),
        "healthy_up_at_end": result["healthy_up"],
        "baseline_healthy_up_at_end": base_up,
        "hostile_checks": sum(c["checks"] for c in cases.values()),
        "hostile_all_down_with_reason": all(c["ok"] for c in cases.values()),
        "hostile_ever_up": sorted(k for k, c in cases.items() if c["ever_up"]),
        "hostile_wrong": {k: c for k, c in cases.items() if not c["ok"]},
        "big_body_mib_sent_per_request": round(big / 2**20, 2),
        "engine_cpu_pct": round(100 * soak["cpu_s"] / soak["wall_s"], 1),
        "baseline_cpu_pct": round(100 * base["cpu_s"] / base["wall_s"], 1),
        "exit_codes": [base["exit_code"], soak["exit_code"]],
        "tracebacks": base["tracebacks"] + soak["tracebacks"],
    }
    if args.json:
        print(json.dumps(figures))
        return
    f = figures
    print(
        f"chaos soak: {f['hostile_monitors']} hostile + {f['healthy_monitors']} healthy monitors,"
        f" every {args.interval:g}s, {args.minutes:g} min (baseline {args.baseline_minutes:g} min)"
    )
    print(
        f"  engine RSS            start {f['rss_start_mb']} MB, peak {f['rss_peak_mb']} MB,"
        f" end {f['rss_end_mb']} MB (baseline peak {f['baseline_rss_peak_mb']} MB)"
    )
    print(f"  RSS slope, last half  {f['rss_slope_last_half_mb_per_min']:+.3f} MB/min")
    print(
        f"  healthy lateness      p50 {f['healthy_p50_ms']} ms, p99 {f['healthy_p99_ms']} ms,"
        f" max {f['healthy_max_ms']} ms ({f['healthy_checks']} checks)"
    )
    print(
        f"  baseline lateness     p50 {f['baseline_p50_ms']} ms, p99 {f['baseline_p99_ms']} ms,"
        f" max {f['baseline_max_ms']} ms ({f['baseline_checks']} checks); p99 ratio"
        f" {f['p99_ratio']}x"
    )
    print(f"  healthy UP at the end {f['healthy_up_at_end']}/{f['healthy_monitors']}")
    print(f"  engine CPU            {f['engine_cpu_pct']}% (baseline {f['baseline_cpu_pct']}%)")
    print(f"  hostile checks        {f['hostile_checks']}")
    print(f"  50 MB body            {f['big_body_mib_sent_per_request']} MiB sent per request")
    for key, c in cases.items():
        mark = "ok " if c["ok"] else "BAD"
        print(f"  {mark} {key:18} {c['state']:5} {c['checks']:5} checks  {c['reason']}")


if __name__ == "__main__":
    main()
