"""Two real dashboards, a headless engine and the CLI on one database, for minutes on end.

Usage: python benchmarks/many_processes.py [--minutes 10] [--monitors 40] [--races 5]
                                           [--seed N] [--json]

The long form of ``tests/test_many_processes.py``; the rig and every check
are in ``tests/support/manyproc.py``. First ``--races`` times, both
dashboards and ``statuscat run --headless`` start at (nearly) the same moment,
on a new database or the last one: exactly one becomes the engine, a losing
headless engine exits 1 naming the holder, viewers name it too. Then the
headless engine runs ``--monitors`` healthy monitors (every 1 s) and four
that are made to fail and recover in turn (SEV1/SEV2 incidents whose policy
pages ada, bob and carol 2 s apart, twice round), with two dashboards as
viewers at 120x36: Ada acks whatever pages and posts updates, Bob takes
ownership, changes severity, posts updates, resolves (forced while monitors
fail) and opens incidents, the two pressing their last key at the same
moment; the CLI acks and posts updates as Carol all the while.

Checked: every action a screen said was done (or the CLI exited 0 for) is in
the timeline, and each dashboard action shows on the other dashboard; each
healthy monitor is probed once per interval (one process probes) and
``engine_runs`` shows one engine; every escalation step is paged in order and
each page reaches its webhook exactly once; nothing anyone sees or any log
says "database is locked", "locked", "Traceback" or "OperationalError"; all
processes exit 0; ``PRAGMA integrity_check`` is ok.

``--json`` prints the figures as one JSON dict on the last line of stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from _common import machine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.manyproc import Rig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--monitors", type=int, default=40)
    ap.add_argument("--races", type=int, default=5)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--json", action="store_true", help="JSON figures on the last stdout line")
    args = ap.parse_args()
    out = sys.stderr if args.json else sys.stdout

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    say(
        f"many processes: {args.minutes:g} min, {args.monitors} monitors, {args.races} races,"
        f" seed {args.seed}; {machine()}"
    )
    t0 = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="statuscat-many-") as tmp,
        Rig(
            Path(tmp),
            monitors=args.monitors,
            flips=4,
            interval="1s",
            wait="2s",
            seed=args.seed,
            log=say,
        ) as rig,
    ):
        try:
            figures = rig.soak(args.minutes * 60, races=args.races)
        except Exception as exc:  # a broken rig is a result too: say what happened
            rig.problem(f"the run stopped: {exc!r}")
            figures = {"problems": list(rig.problems)}
    figures.update(
        {
            "minutes": args.minutes,
            "monitors": args.monitors,
            "seed": args.seed,
            "wall_s": round(time.monotonic() - t0, 1),
            "machine": machine(),
        }
    )
    ok = not figures["problems"]
    figures["ok"] = ok
    for key, value in figures.items():
        if key != "problems":
            say(f"  {key}: {value}")
    for problem in figures["problems"]:
        say(f"  PROBLEM: {problem}")
    say(f"  {'ok' if ok else 'MISSED'}")
    if args.json:
        print(json.dumps(figures, default=str))
    if not ok and not args.json:
        sys.exit(1)  # with --json, run_all.py reads "ok" from the figures


if __name__ == "__main__":
    main()
