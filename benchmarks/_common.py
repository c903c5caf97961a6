"""Helpers shared by the benchmarks in this directory (not a benchmark itself)."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Run as ``python benchmarks/x.py`` from anywhere: the package is the parent directory.
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))


def cpu() -> float:
    """CPU seconds (user + system) used by this process so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def start_server(script: str, *args: str) -> tuple[subprocess.Popen[str], int]:
    """Start ``benchmarks/<script>`` in its own process; it prints its port first."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE / script), *args], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.strip():
        proc.kill()
        raise RuntimeError(f"{script} did not start (exit {proc.wait()})")
    return proc, int(line)


def stop_server(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def machine() -> str:
    """Cores and load average, printed with every result (the machine is shared)."""
    one, five, fifteen = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {one:.2f} {five:.2f} {fifteen:.2f}"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def table(rows: Sequence[Sequence[str]], indent: str = "  ") -> str:
    """Columns left-aligned, except ones that look numeric (right-aligned)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def numeric(cell: str) -> bool:
        return bool(cell) and (cell[0].isdigit() or cell[0] in "-+.") and cell != "-"

    lines = []
    for n, row in enumerate(rows):
        cells = []
        for i, cell in enumerate(row):
            right = n > 0 and i > 0 and numeric(cell)
            cells.append(cell.rjust(widths[i]) if right else cell.ljust(widths[i]))
        lines.append(indent + "  ".join(cells).rstrip())
    return "\n".join(lines)
