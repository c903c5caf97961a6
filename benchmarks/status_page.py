"""Status page build cost: model, render and atomic write for a large page.

Usage: python benchmarks/status_page.py [--monitors 10000] [--components 50] [--incidents 200]
                                       [--json]

Every monitor has 90 days of daily rollups; every incident has two public
updates and is resolved. The baseline, measured in the same run, is
``json.dumps`` of the same 90-day data (the least any page writer must do).

``--json`` prints the figures as one JSON dict on the last line of stdout
(the human report then goes to stderr), for ``benchmarks/run_all.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from statuscat_tui.core.incidents import Event, EventKind, Incident, IncidentState, PublicStatus
from statuscat_tui.core.model import Component, Config, Confirm, Monitor
from statuscat_tui.core.states import MonitorState
from statuscat_tui.core.statuspage import DAY, IncidentRecord, MonitorStatus, build_page
from statuscat_tui.publish import render_site, write_site

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC).timestamp()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--monitors", type=int, default=10000)
    ap.add_argument("--components", type=int, default=50)
    ap.add_argument("--incidents", type=int, default=200)
    ap.add_argument(
        "--json",
        action="store_true",
        help="print the figures as one JSON dict on the last line of stdout (report to stderr)",
    )
    args = ap.parse_args()
    out = sys.stderr if args.json else sys.stdout

    comps = tuple(Component(f"Component {i}") for i in range(args.components))
    mons = tuple(
        Monitor(
            id=f"m{i}",
            name=f"m{i}",
            type="http",
            interval=30.0,
            timeout=10.0,
            confirm=Confirm(),
            url="http://127.0.0.1/",
            component=f"Component {i % args.components}",
        )
        for i in range(args.monitors)
    )
    config = Config(monitors=mons, components=comps)
    states = {m.id: MonitorStatus(MonitorState.UP, NOW - 3600) for m in mons}
    today = (int(NOW) // DAY) * DAY
    daily = {m.id: {today - d * DAY: (86000.0, 400.0) for d in range(90)} for m in mons}
    records = []
    for n in range(1, args.incidents + 1):
        inc = Incident(
            id=n,
            title=f"Incident {n}",
            severity="SEV2",
            started=NOW - 1000 * n,
            components=[f"Component {n % args.components}"],
            state=IncidentState.RESOLVED,
            public_status=PublicStatus.RESOLVED,
            resolved=NOW - 800 * n,
        )
        events = [
            (n * 10 + 1, Event(EventKind.STATUS_UPDATE, NOW - 1000 * n, None,
                               {"status": "investigating", "message": "Looking " * 20})),
            (n * 10 + 2, Event(EventKind.RESOLVED, NOW - 800 * n, None, {"message": "Fixed."})),
        ]  # fmt: skip
        records.append(IncidentRecord(inc, events))

    t0 = time.perf_counter()
    json.dumps({k: list(v.items()) for k, v in daily.items()})
    t1 = time.perf_counter()
    page = build_page(config, states, records, daily, NOW)
    t2 = time.perf_counter()
    files = render_site(page)
    t3 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        t4 = time.perf_counter()
        write_site(page, Path(tmp) / "site")
        t5 = time.perf_counter()
    base = t1 - t0
    size = sum(len(b) for b in files.values()) / 1e6
    print(
        f"{args.monitors} monitors, {args.components} components, {args.incidents} incidents",
        file=out,
    )
    rows = [
        ("baseline: json.dumps of the 90-day data", base),
        ("model (build_page)", t2 - t1),
        (f"render ({len(files)} files, {size:.1f} MB)", t3 - t2),
        ("render + atomic write", t5 - t4),
    ]
    for label, seconds in rows:
        print(f"  {label:<42} {1000 * seconds:7.0f} ms  {seconds / base:5.2f}x", file=out)
    if args.json:
        figures = {
            "monitors": args.monitors,
            "components": args.components,
            "incidents": args.incidents,
            "files": len(files),
            "size_mb": size,
            "baseline_ms": 1000 * base,
            "model_ms": 1000 * (t2 - t1),
            "render_ms": 1000 * (t3 - t2),
            "render_write_ms": 1000 * (t5 - t4),
            "ratio_model": (t2 - t1) / base,
            "ratio_render": (t3 - t2) / base,
            "ratio_render_write": (t5 - t4) / base,
            "notes": "baseline: json.dumps of the same 90-day data; ratio_* = time / baseline",
        }
        print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
