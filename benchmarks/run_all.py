"""Run every benchmark in this directory, one after the other, and print one results table.

Usage: python benchmarks/run_all.py [--quick] [--only NAME[,NAME]] [--markdown FILE]
                                    [--dry-run] [--strict]

Each benchmark runs as its own process with ``--json``: its human report goes
to stderr (echoed here, indented, as it runs) and the last line of its stdout
is one JSON dict of figures. This script turns those dicts into rows of
figure, value, same-run baseline, ratio, target and ok/MISSED. Benchmarks run
in sequence, never in parallel: they measure CPU and latency on a shared
machine. A benchmark that fails (non-zero exit, no JSON, timeout) is shown as
FAILED with the last lines of its stderr, and the next one runs.

Ratios are our cost over the baseline's (time, CPU, bytes): above 1 is
slower or bigger than the baseline. Targets are checked here, from the
numbers, and a figure a benchmark did not report counts as "no data".

``--quick`` runs a much smaller plan (seconds each) to check the harness; its
figures say nothing about the targets. ``--markdown FILE`` also writes the
table as Markdown with the machine, the load and the exact commands (this is
how ``benchmarks/RESULTS.md`` is made). The exit status is 1 if a benchmark
failed to run (with ``--strict``, also if a target was missed), else 0.

Names for ``--only``: probe_engine, storage, dashboard, detection, status_page.

``--soak`` runs the reliability suites' long forms instead (``make soak``);
with ``--markdown FILE`` their report becomes a section of FILE (replacing
the previous one), so ``benchmarks/RESULTS.md`` keeps both. Soak names:
notify_outage, crash_soak, chaos_soak, many_processes.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import table

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NAMES = ("probe_engine", "storage", "dashboard", "detection", "status_page")
SOAK_NAMES = ("notify_outage", "crash_soak", "chaos_soak", "many_processes")
STDERR_TAIL = 15

Figures = dict[str, Any]


# -- rows -------------------------------------------------------------------------


@dataclass
class Target:
    op: str  # "<=" or ">="
    limit: float
    text: str  # as shown, e.g. "≤ 250 ms"

    def met(self, value: float) -> bool:
        return value <= self.limit if self.op == "<=" else value >= self.limit


def le(limit: float, unit: str = "") -> Target:
    return Target("<=", limit, f"≤ {limit:g}{unit}")


def ge(limit: float, unit: str = "") -> Target:
    return Target(">=", limit, f"≥ {limit:g}{unit}")


@dataclass
class Row:
    figure: str
    value: str = ""
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    result: str = ""  # "ok", "MISSED", "no data" or ""

    def cells(self) -> tuple[str, ...]:
        return (self.figure, self.value, self.baseline, self.ratio, self.target, self.result)


def number(d: Figures, key: str | None) -> float | None:
    if key is None:
        return None
    v = d.get(key)
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def fmt(v: float | None, unit: str = "", digits: int = 1) -> str:
    if v is None:
        return "-"
    if unit == "/s":
        return f"{v:,.0f}/s"
    if unit == "x":
        return f"{v:.2f}x"
    text = f"{v:,.{digits}f}"
    return f"{text} {unit}" if unit else text


def fig(
    d: Figures,
    label: str,
    key: str,
    unit: str = "",
    digits: int = 1,
    *,
    base: str | None = None,
    ratio: str | None = None,
    target: Target | None = None,
    ratio_target: Target | None = None,
) -> Row:
    """One figure: ``target`` applies to the value, ``ratio_target`` to the ratio."""
    value, b, r = number(d, key), number(d, base), number(d, ratio)
    row = Row(label, fmt(value, unit, digits))
    if base is not None:
        row.baseline = fmt(b, unit, digits)
    if ratio is not None:
        row.ratio = fmt(r, "x")
    checked, limit = (r, ratio_target) if ratio_target is not None else (value, target)
    if limit is not None:
        row.target = limit.text
        row.result = "no data" if checked is None else ("ok" if limit.met(checked) else "MISSED")
    return row


def probe_rows(d: Figures) -> list[Row]:
    monitors = number(d, "monitors") or 0
    checks, wall = number(d, "checks"), number(d, "wall_s")
    rate = f"{checks / wall:,.0f}/s" if checks and wall else ""
    if number(d, "hang_share"):
        # Hanging checks change what is measured: the lateness targets apply to
        # the healthy monitors; the rest is reported.
        rows = [
            fig(
                d, "healthy: started within 1 s", "healthy_within_1s", "%", 2, target=ge(99.9, " %")
            ),
            fig(d, "healthy: lateness p50", "healthy_p50_ms", "ms", 0),
            fig(d, "healthy: lateness p99", "healthy_p99_ms", "ms", 0, target=le(250, " ms")),
            fig(d, "healthy: lateness max", "healthy_max_ms", "ms", 0),
            fig(d, "all: started within 1 s", "within_1s", "%", 2),
            fig(d, "all: lateness p99", "p99_ms", "ms", 0),
            fig(
                d,
                "CPU per probe",
                "cpu_ms_per_probe",
                "ms",
                3,
                base="httpx_paced_ms_per_req",
                ratio="ratio_paced",
            ),
            fig(d, "peak RSS", "rss_mb", "MB", 0),
        ]
    else:
        rows = [
            fig(d, "started within 1 s", "within_1s", "%", 2, target=ge(99.9, " %")),
            fig(d, "lateness p50", "p50_ms", "ms", 0),
            fig(d, "lateness p99", "p99_ms", "ms", 0, target=le(250, " ms")),
            fig(
                d,
                "CPU per probe (base: bare httpx, same pace)",
                "cpu_ms_per_probe",
                "ms",
                3,
                base="httpx_paced_ms_per_req",
                ratio="ratio_paced",
                ratio_target=le(1.25, "x"),
            ),
            fig(
                d,
                "peak RSS",
                "rss_mb",
                "MB",
                0,
                target=le(300, " MB") if monitors >= 10_000 else None,
            ),
        ]
    rows.insert(0, Row("checks measured", f"{checks or 0:,.0f} ({rate})"))
    return rows


def storage_rows(d: Figures) -> list[Row]:
    return [
        fig(
            d,
            "insert throughput (base: bare sqlite3)",
            "insert_per_s",
            "/s",
            base="baseline_insert_per_s",
            ratio="ratio_insert",
        ),
        fig(
            d,
            "  excluding prune time",
            "insert_per_s_no_prune",
            "/s",
            base="baseline_insert_per_s",
            ratio="ratio_insert_no_prune",
        ),
        fig(
            d,
            "bytes written per result",
            "bytes_per_result",
            "B",
            0,
            base="baseline_bytes_per_result",
            ratio="ratio_bytes",
        ),
        fig(d, "database + WAL after checkpoint", "size_mb", "MB", target=le(150, " MB")),
        fig(
            d,
            "uptime(now), all monitors (base: count(*))",
            "uptime_ms",
            "ms",
            base="baseline_uptime_ms",
            ratio="ratio_uptime",
            target=le(100, " ms"),
        ),
        fig(d, "peak RSS", "rss_mb", "MB", 0),
    ]


def dashboard_rows(d: Figures) -> list[Row]:
    used = {"baseline_first_paint_s", "baseline_key_p95_ms", "ratio_first_paint", "ratio_key_p95"}
    rows = [
        fig(
            d,
            "first full paint (base: bare DataTable)",
            "first_paint_s",
            "s",
            2,
            base="baseline_first_paint_s",
            ratio="ratio_first_paint",
            target=le(2, " s"),
        ),
        fig(
            d,
            "keypress p95 (base: bare DataTable)",
            "key_p95_ms",
            "ms",
            0,
            base="baseline_key_p95_ms",
            ratio="ratio_key_p95",
            target=le(100, " ms"),
        ),
        fig(d, "keypress p50", "key_p50_ms", "ms", 0),
        fig(d, "UI CPU share (with UI − engine alone)", "ui_cpu_share", "%", 0),
        fig(d, "engine lateness p99 with the UI", "engine_p99_ms", "ms", 0),
        fig(d, "peak RSS", "rss_mb", "MB", 0),
    ]
    # Same-run baselines and ratios not shown above, whatever they are called.
    for key in sorted(d):
        if key.startswith(("baseline_", "ratio_")) and key not in used:
            rows.append(fig(d, key, key, "x" if key.startswith("ratio_") else "", 3))
    return rows


def detection_rows(d: Figures) -> list[Row]:
    return [
        fig(
            d,
            "worst flip→page (base: bound)",
            "worst_measured_s",
            "s",
            3,
            base="bound_s",
            ratio="ratio_worst",
        ),
        fig(d, "median flip→page", "median_measured_s", "s", 3),
        fig(d, "worst above bound", "worst_above_bound_s", "s", 3, target=le(1, " s")),
        fig(d, "worst engine overhead", "worst_overhead_s", "s", 3, target=le(1, " s")),
        fig(d, "bare delivery (POST round trip)", "baseline_delivery_ms", "ms", 1),
    ]


def status_page_rows(d: Figures) -> list[Row]:
    base = "baseline_ms"
    return [
        fig(d, "model (build_page)", "model_ms", "ms", 0, base=base, ratio="ratio_model"),
        fig(d, "render", "render_ms", "ms", 0, base=base, ratio="ratio_render"),
        fig(
            d,
            "render + atomic write (base: json.dumps)",
            "render_write_ms",
            "ms",
            0,
            base=base,
            ratio="ratio_render_write",
        ),
        Row(f"site ({number(d, 'files') or 0:.0f} files)", fmt(number(d, "size_mb"), "MB")),
    ]


def notify_outage_rows(d: Figures) -> list[Row]:
    return [
        fig(d, "tries while down (each channel)", "tries_during_outage", "", 0),
        fig(d, "gaps off the backoff schedule", "backoff_mismatches", "", 0, target=le(0)),
        fig(
            d, "deliveries after recovery (min)", "min_arrivals_after_recovery", "", 0, target=ge(1)
        ),
        fig(
            d, "deliveries after recovery (max)", "max_arrivals_after_recovery", "", 0, target=le(1)
        ),
        fig(d, "worst recovery → arrival", "worst_recovery_to_arrival_s", "s", 1),
    ]


def crash_rows(d: Figures) -> list[Row]:
    problems = d.get("problems")
    d = {**d, "problem_count": len(problems) if isinstance(problems, list) else None}
    return [
        fig(
            d,
            "SIGKILLs / integrity_check ok",
            "integrity_ok",
            "",
            0,
            target=ge(number(d, "kills") or 1),
        ),
        fig(d, "CLI acks and updates done (all kept)", "actions_ok", "", 0),
        fig(d, "escalation steps paged", "steps_paged", "", 0),
        fig(d, "pages arrived (each once)", "pages_posted", "", 0),
        fig(d, "pages caught mid-send (not resent)", "pages_interrupted", "", 0),
        fig(
            d, "problems (lost, doubled, skipped, gap filled)", "problem_count", "", 0, target=le(0)
        ),
        fig(d, "median restart", "restart_median_s", "s", 2),
    ]


def chaos_rows(d: Figures) -> list[Row]:
    d = {
        **d,
        "all_down": 1 if d.get("hostile_all_down_with_reason") is True else 0,
        "ever_up": len(d.get("hostile_ever_up") or []),
    }
    return [
        fig(d, "hostile monitors DOWN with their reason", "all_down", "", 0, target=ge(1)),
        fig(d, "hostile monitors ever UP", "ever_up", "", 0, target=le(0)),
        fig(d, "hostile checks", "hostile_checks", "", 0),
        fig(
            d,
            "healthy lateness p99 (base: healthy alone)",
            "healthy_p99_ms",
            "ms",
            1,
            base="baseline_p99_ms",
            ratio="p99_ratio",
            target=le(500, " ms"),
        ),
        fig(d, "engine RSS peak", "rss_peak_mb", "MB", 1, base="baseline_rss_peak_mb"),
        fig(d, "RSS slope, last half", "rss_slope_last_half_mb_per_min", "MB/min", 3, target=le(1)),
        fig(d, "50 MB body: sent per request", "big_body_mib_sent_per_request", "MiB", 1),
        fig(d, "tracebacks", "tracebacks", "", 0, target=le(0)),
    ]


# -- the plans --------------------------------------------------------------------


@dataclass
class Bench:
    name: str
    title: str
    args: list[str]
    rows: Callable[[Figures], list[Row]]
    estimate: float  # seconds, for the plan's total
    timeout: float  # seconds, then the process group is killed

    @property
    def script(self) -> Path:
        return HERE / f"{self.name}.py"

    def command(self) -> list[str]:
        return [os.path.abspath(sys.executable), str(self.script), *self.args, "--json"]

    def shown(self) -> str:
        """The command as run, relative to the repository root where possible."""

        def rel(p: str) -> str:
            try:
                return str(Path(os.path.abspath(p)).relative_to(ROOT))
            except ValueError:
                return p

        cmd = self.command()
        return shlex.join([rel(cmd[0]), rel(cmd[1]), *cmd[2:]])


def probe(monitors: int, seconds: int, interval: int, *extra: str) -> list[str]:
    return [
        "--monitors",
        str(monitors),
        "--interval",
        str(interval),
        "--seconds",
        str(seconds),
        *extra,
    ]


def full_plan() -> list[Bench]:
    plan = [
        Bench(
            "probe_engine",
            f"probe engine, {n:,} monitors, 30 s interval, 180 s",
            probe(n, 180, 30),
            probe_rows,
            estimate=250 + n / 200,
            timeout=1200,
        )
        for n in (1000, 5000, 10_000)
    ]
    plan += [
        Bench(
            "probe_engine",
            "probe engine, 10,000 monitors, 10 % hanging, 180 s",
            probe(10_000, 180, 30, "--hang-share", "0.1"),
            probe_rows,
            estimate=310,
            timeout=1200,
        ),
        Bench(
            "storage",
            "storage, 1,000 monitors every 60 s for 30 simulated days",
            ["--monitors", "1000", "--days", "30", "--interval", "60"],
            storage_rows,
            estimate=480,
            timeout=3600,
        ),
        Bench(
            "dashboard",
            "dashboard, 10,000 monitors",
            ["--monitors", "10000"],
            dashboard_rows,
            estimate=180,
            timeout=1200,
        ),
        Bench("detection", "detection, 5 runs", ["--runs", "5"], detection_rows, 120, 900),
        Bench(
            "status_page",
            "status page, 10,000 monitors, 50 components, 200 incidents",
            [],
            status_page_rows,
            estimate=20,
            timeout=600,
        ),
    ]
    return plan


def many_rows(d: Figures) -> list[Row]:
    problems = d.get("problems")
    d = {**d, "problem_count": len(problems) if isinstance(problems, list) else None}
    return [
        fig(d, "actions (2 dashboards + CLI)", "actions", "", 0),
        fig(d, "actions landed", "actions_landed", "", 0, target=ge(number(d, "actions") or 1)),
        fig(
            d,
            "probes per monitor per minute (base: expected)",
            "probes_per_monitor_per_min_max",
            "",
            2,
            base="probes_per_monitor_per_min_expected",
        ),
        fig(d, "engines during the run", "engine_runs_during_run", "", 0, target=le(1)),
        fig(d, "escalation steps paged", "escalation_steps_paged", "", 0),
        fig(d, "pages sent twice", "pages_sent_twice", "", 0, target=le(0)),
        fig(d, "keypress → commit, max", "tui_keypress_to_commit_max_s", "s", 2),
        fig(d, "other dashboard showed it, max", "other_dashboard_showed_it_max_s", "s", 2),
        fig(d, "problems (lost, locked, tracebacks)", "problem_count", "", 0, target=le(0)),
    ]


def soak_plan() -> list[Bench]:
    """The reliability suites' long forms (issue "Reliability and security")."""
    return [
        Bench(
            "notify_outage",
            "notification outage: json:// 500 and hanging, SMTP down, 2 min",
            ["--outage", "120"],
            notify_outage_rows,
            estimate=330,
            timeout=900,
        ),
        Bench(
            "chaos_soak",
            "hostile targets: 20 cases + 200 healthy monitors, 10 min",
            ["--minutes", "10"],
            chaos_rows,
            estimate=750,
            timeout=1500,
        ),
        Bench(
            "many_processes",
            "two dashboards + a headless engine on one database, 10 min",
            ["--minutes", "10"],
            many_rows,
            estimate=660,
            timeout=1500,
        ),
        Bench(
            "crash_soak",
            "crash soak: 1,000 monitors, 20 SIGKILLs",
            ["--monitors", "1000", "--kills", "20"],
            crash_rows,
            estimate=120,
            timeout=1200,
        ),
    ]


def quick_plan() -> list[Bench]:
    short = ["--baseline-seconds", "5"]
    return [
        Bench(
            "probe_engine",
            "probe engine, 300 monitors, 10 s interval, 15 s (quick)",
            probe(300, 15, 10, *short),
            probe_rows,
            estimate=30,
            timeout=300,
        ),
        Bench(
            "probe_engine",
            "probe engine, 300 monitors, 10 % hanging, 15 s (quick)",
            probe(300, 15, 10, "--hang-share", "0.1", *short),
            probe_rows,
            estimate=35,
            timeout=300,
        ),
        Bench(
            "storage",
            "storage, 1,000 monitors for 0.5 simulated day (quick)",
            ["--monitors", "1000", "--days", "0.5", "--baseline-days", "0.5", "--repeat", "3"],
            storage_rows,
            estimate=10,
            timeout=300,
        ),
        Bench(
            "dashboard",
            "dashboard, 2,000 monitors, keys for 5 s (quick)",
            ["--monitors", "2000", "--seconds", "5"],
            dashboard_rows,
            estimate=30,
            timeout=300,
        ),
        Bench(
            "detection",
            "detection, 1 run (quick)",
            ["--runs", "1", "--posts", "5"],
            detection_rows,
            estimate=25,
            timeout=300,
        ),
        Bench(
            "status_page",
            "status page, 1,000 monitors, 20 incidents (quick)",
            ["--monitors", "1000", "--incidents", "20"],
            status_page_rows,
            estimate=3,
            timeout=120,
        ),
    ]


# -- running ------------------------------------------------------------------------


@dataclass
class Outcome:
    bench: Bench
    elapsed: float = 0.0
    exit: int | None = None
    figures: Figures | None = None
    error: str = ""
    tail: list[str] = field(default_factory=list)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return self.figures is not None

    def rows(self) -> list[Row]:
        assert self.figures is not None
        try:
            return self.bench.rows(self.figures)
        except Exception as e:  # a figure of an unexpected type: show it, do not stop
            return [Row(f"(could not read the figures: {e!r})", result="FAILED")]


def run(bench: Bench) -> Outcome:
    out = Outcome(bench, load_before=os.getloadavg())
    if not bench.script.exists():
        out.error = f"{bench.script.relative_to(ROOT)} not found"
        out.load_after = os.getloadavg()
        return out
    tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
    stdout: list[str] = []
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    t0 = time.monotonic()
    # Its own session, so a timeout or ^C can end the benchmark and the servers it started.
    proc = subprocess.Popen(
        bench.command(),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None and proc.stderr is not None

    def echo(stream: Any) -> None:
        for line in stream:
            tail.append(line.rstrip("\n"))
            print(f"    | {line}", end="", file=sys.stderr, flush=True)

    def collect(stream: Any) -> None:
        stdout.extend(stream)

    readers = [
        threading.Thread(target=echo, args=(proc.stderr,), daemon=True),
        threading.Thread(target=collect, args=(proc.stdout,), daemon=True),
    ]
    for r in readers:
        r.start()
    try:
        out.exit = proc.wait(bench.timeout)
    except subprocess.TimeoutExpired:
        end_group(proc)
        out.error = f"timed out after {bench.timeout:.0f} s"
    except KeyboardInterrupt:
        end_group(proc)
        out.error, out.interrupted = "interrupted", True
    finally:
        for r in readers:
            r.join(5)
        out.elapsed = time.monotonic() - t0
        out.load_after = os.getloadavg()
        out.tail = list(tail)
    if out.error:
        return out
    lines = [line.strip() for line in stdout if line.strip()]
    if out.exit != 0:
        out.error = f"exit status {out.exit}"
    elif not lines:
        out.error = "no output on stdout (expected a JSON dict on the last line)"
    else:
        try:
            figures = json.loads(lines[-1])
        except ValueError as e:
            out.error = f"last stdout line is not JSON ({e})"
            out.tail += ["stdout: " + line for line in lines[-5:]]
        else:
            if isinstance(figures, dict):
                out.figures = figures
            else:
                out.error = "last stdout line is JSON but not a dict"
    return out


def end_group(proc: subprocess.Popen[str]) -> None:
    """Stop the benchmark's process group (it and the servers it started)."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


# -- reporting ----------------------------------------------------------------------


def duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f}s"
    m, s = divmod(round(seconds), 60)
    return f"{m}m{s:02d}s" if m else f"{s}s"


def load(avg: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.2f}" for x in avg)


def status(o: Outcome) -> str:
    return "ran" if o.ok else f"FAILED: {o.error}"


def results_table(outcomes: list[Outcome]) -> str:
    """The table; a failed benchmark's stderr tail goes under it, not counted in the widths."""
    rows: list[tuple[str, ...]] = [("figure", "value", "baseline", "ratio", "target", "result")]
    after: dict[int, list[str]] = {}
    for o in outcomes:
        head = f"{o.bench.title} [{duration(o.elapsed)}]"
        rows.append((head, "", "", "", "", "" if o.ok else "FAILED"))
        if o.ok:
            for row in o.rows():
                cells = row.cells()
                rows.append(("  " + cells[0], *cells[1:]))
        else:
            rows.append(("  " + o.error + (":" if o.tail else ""), "", "", "", "", ""))
            after[len(rows) - 1] = [f"      | {line}" for line in o.tail]
    lines = []
    for n, line in enumerate(table(rows).split("\n")):
        lines += [line, *after.get(n, [])]
    return "\n".join(lines)


def counts(outcomes: list[Outcome]) -> tuple[int, int, int]:
    """Targets met, targets missed (or without data), benchmarks failed."""
    met = missed = 0
    for o in outcomes:
        if o.ok:
            for row in o.rows():
                met += row.result == "ok"
                missed += row.result in ("MISSED", "no data", "FAILED")
    return met, missed, sum(not o.ok for o in outcomes)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (with uncommitted changes)" if dirty else "")


def md_cell(text: str) -> str:
    return text.replace("|", "\\|").strip()


def markdown(
    outcomes: list[Outcome],
    plan_name: str,
    started: datetime,
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
    total: float,
    interrupted: bool,
) -> str:
    uname = " ".join(platform.uname())
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        uname = subprocess.run(
            ["uname", "-a"], capture_output=True, text=True, check=True
        ).stdout.strip()
    met, missed, failed = counts(outcomes)
    lines = [
        "# Benchmark results",
        "",
        f"Made by `benchmarks/run_all.py` ({plan_name} plan"
        f"{', interrupted' if interrupted else ''})."
        " Ratios are our cost over the same-run baseline's (above 1: slower or bigger).",
        "",
        f"- Date: {started:%Y-%m-%d %H:%M} UTC; took {duration(total)}",
        f"- Commit: {git_commit()}",
        f"- Machine: `{uname}`",
        f"- CPU: {cpu_model()}; nproc {len(os.sched_getaffinity(0))}"
        f" (os.cpu_count() {os.cpu_count()})",
        f"- Python: {platform.python_version()} ({platform.python_implementation()})",
        f"- Load average (1, 5, 15 min): before {load(load_before)}, after {load(load_after)}",
        f"- Targets: {met} met, {missed} missed or without data; {failed} benchmark(s) failed",
        "",
        "## Results",
        "",
        "| Benchmark | Figure | Value | Baseline | Ratio | Target | Result |",
        "|---|---|--:|--:|--:|---|---|",
    ]
    for o in outcomes:
        if o.ok:
            for n, row in enumerate(o.rows()):
                name = md_cell(o.bench.title) if n == 0 else ""
                lines.append(f"| {name} | {' | '.join(md_cell(x) for x in row.cells())} |")
        else:
            lines.append(f"| {md_cell(o.bench.title)} | {md_cell(o.error)} | | | | | **FAILED** |")
    lines += [
        "",
        "## Runs",
        "",
        "| Benchmark | Command | Elapsed | Status | Load before | Load after |",
        "|---|---|--:|---|---|---|",
    ]
    for o in outcomes:
        lines.append(
            f"| {md_cell(o.bench.title)} | `{o.bench.shown()}` | {duration(o.elapsed)}"
            f" | {md_cell(status(o))} | {load(o.load_before)} | {load(o.load_after)} |"
        )
    notes = [(o, str(o.figures["notes"])) for o in outcomes if o.figures and o.figures.get("notes")]
    if notes:
        lines += ["", "## Notes", ""]
        seen: set[str] = set()
        for o, text in notes:
            if text not in seen:
                seen.add(text)
                lines.append(f"- {o.bench.name}: {text}")
    failures = [o for o in outcomes if not o.ok]
    if failures:
        lines += ["", "## Failures", ""]
        for o in failures:
            lines += [f"### {o.bench.title}", ""]
            if o.tail:
                lines += [f"{o.error}; last lines of stderr:", "", "```", *o.tail, "```", ""]
            else:
                lines += [f"{o.error}; nothing on stderr.", ""]
    lines += ["", "## Raw figures", ""]
    for o in outcomes:
        if o.figures is not None:
            lines += [f"`{o.bench.shown()}`", "", "```json", json.dumps(o.figures), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


SOAK_BEGIN, SOAK_END = "<!-- soak plan: begin -->", "<!-- soak plan: end -->"


def merge_section(path: Path, text: str) -> str:
    """The soak plan's report as a section of ``path``, replacing an older one."""
    body = text.replace("# Benchmark results", "# Reliability soaks (make soak)", 1)
    body = "\n".join(("#" + ln if ln.startswith("#") else ln) for ln in body.splitlines())
    section = f"{SOAK_BEGIN}\n{body}\n{SOAK_END}\n"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if SOAK_BEGIN in old and SOAK_END in old:
        head, _, rest = old.partition(SOAK_BEGIN)
        _, _, tail = rest.partition(SOAK_END)
        return head + section.rstrip("\n") + tail
    return (old.rstrip("\n") + "\n\n" if old else "") + section


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--quick", action="store_true", help="a much smaller plan, to check the harness"
    )
    ap.add_argument(
        "--soak", action="store_true", help="the reliability long forms instead (make soak)"
    )
    ap.add_argument("--only", default="", metavar="NAME[,NAME]", help="run only these benchmarks")
    ap.add_argument("--markdown", type=Path, metavar="FILE", help="also write the table here")
    ap.add_argument("--dry-run", action="store_true", help="print the plan, run nothing")
    ap.add_argument("--strict", action="store_true", help="exit 1 if a target was missed too")
    args = ap.parse_args()

    plan = soak_plan() if args.soak else quick_plan() if args.quick else full_plan()
    names = SOAK_NAMES if args.soak else NAMES
    if args.only:
        wanted = {n.strip().replace("-", "_") for n in args.only.split(",") if n.strip()}
        unknown = wanted - set(names)
        if unknown:
            ap.error(
                f"unknown benchmark(s) {', '.join(sorted(unknown))}; names: {', '.join(names)}"
            )
        plan = [b for b in plan if b.name in wanted]
    plan_name = "soak" if args.soak else "quick" if args.quick else "full"

    estimate = sum(b.estimate for b in plan)
    print(
        f"{len(plan)} benchmark run(s), {plan_name} plan, about {duration(estimate)} in all;"
        f" {os.cpu_count()} cores, load average {load(os.getloadavg())}",
        file=sys.stderr,
    )
    for b in plan:
        print(f"  ~{duration(b.estimate):>6}  {b.shown()}", file=sys.stderr)
    if args.dry_run:
        return 0

    started = datetime.now(UTC)
    load_before = os.getloadavg()
    t0 = time.monotonic()
    outcomes: list[Outcome] = []
    interrupted = False
    for i, b in enumerate(plan, 1):
        print(f"\n[{i}/{len(plan)}] {b.title}\n  $ {b.shown()}", file=sys.stderr, flush=True)
        o = run(b)
        interrupted = o.interrupted
        outcomes.append(o)
        print(f"  {status(o)} in {duration(o.elapsed)}", file=sys.stderr, flush=True)
        if interrupted:
            break
    total = time.monotonic() - t0
    load_after = os.getloadavg()

    met, missed, failed = counts(outcomes)
    print()
    print(f"Benchmarks ({plan_name} plan), {duration(total)}; load average {load(load_after)}")
    print(results_table(outcomes))
    print(
        f"  {met} targets met, {missed} missed or without data; {failed} benchmark(s) failed."
        "\n  ratio = our cost / the same-run baseline's (above 1: slower or bigger)"
    )
    if args.quick:
        print("  (quick plan: checks the harness; the figures say nothing about the targets)")
    if args.markdown is not None:
        text = markdown(outcomes, plan_name, started, load_before, load_after, total, interrupted)
        if args.soak:
            text = merge_section(args.markdown, text)
        args.markdown.write_text(text, encoding="utf-8")
        print(f"  written to {args.markdown}")
    if interrupted:
        return 130
    return 1 if failed or (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
