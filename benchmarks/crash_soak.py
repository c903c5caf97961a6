"""SIGKILL the real engine 20 times under load and check what survived.

Usage: python benchmarks/crash_soak.py [--monitors 1000] [--kills 20] [--seed N] [--json]

The real ``statuscat run --headless`` probes ``--monitors`` loopback monitors
(every 2 s) served by ``chaos_target.py`` in another process, which also
logs every webhook POST. Six SEV1 monitors are flipped to failing one after
another; each opens an incident whose policy pages p1, p2, p3 two seconds
apart, twice round, so pages go out throughout. Meanwhile people act through
the real CLI (acks, status updates) right up to and across each kill. At a
random moment (0.5-4 s after each restart) the engine gets SIGKILL and is
started again.

Checked (``tests/support/crashrig.py``, the same checks as the short form in
``tests/test_crash.py``): ``PRAGMA integrity_check`` after every kill; every
ack and update the CLI reported done is in the timeline; no page reached the
webhook twice; every escalation step of an unacknowledged incident was paged
in order; no monitor opened a second incident; the time the engine was dead
is no data in the history (rollups cover at most the time alive, and healthy
monitors show no downtime).

``--json`` prints the figures as one JSON dict on the last line of stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _common import machine, start_server, stop_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.crashrig import CrashRig


class ChaosReceiver:
    def __init__(self, port: int) -> None:
        self.port = port
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)

    def fail(self, path: str) -> None:
        self.client.get("/ctl/set", params={"path": path, "mode": "500"}).raise_for_status()

    def posts(self) -> list[tuple[str, str]]:
        log: dict[str, Any] = self.client.get("/ctl/log").json()
        return [(str(p[1]), str(p[2])) for p in log["posts"]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--monitors", type=int, default=1000)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--json", action="store_true", help="JSON figures on the last stdout line")
    args = ap.parse_args()
    out = sys.stderr if args.json else sys.stdout

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    say(f"crash soak: {args.monitors} monitors, {args.kills} kills, seed {args.seed}")
    proc, port = start_server("chaos_target.py")
    receiver = ChaosReceiver(port)
    try:
        with tempfile.TemporaryDirectory(prefix="statuscat-crash-") as tmp:
            rig = CrashRig(
                Path(tmp),
                receiver,
                monitors=args.monitors,
                failing=6,
                interval="2s",
                seed=args.seed,
                log=say,
            )
            report = rig.run(args.kills, gap=(0.5, 4.0))
            rig.check()
            results = rig.query("SELECT count(*) FROM results")[0][0]
    finally:
        stop_server(proc)
    figures = report.figures()
    figures.update(
        {"monitors": args.monitors, "seed": args.seed, "results": results, "machine": machine()}
    )
    ok = not report.problems and report.kills == args.kills
    figures["ok"] = ok
    for key, value in figures.items():
        if key != "problems":
            say(f"  {key}: {value}")
    for problem in report.problems:
        say(f"  PROBLEM: {problem}")
    say(f"  {'ok' if ok else 'MISSED'}")
    if args.json:
        print(json.dumps(figures))
    if not ok and not args.json:
        sys.exit(1)  # with --json, run_all.py reads "ok" from the figures


if __name__ == "__main__":
    main()
