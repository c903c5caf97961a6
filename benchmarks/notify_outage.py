"""Notification outage, in real time: channels down for two minutes, then back.

Usage: python benchmarks/notify_outage.py [--outage 120] [--json]

One engine in this process probes one loopback monitor (SEV1, pages
``always``) served by ``chaos_target.py`` in another process. The person
paged has three channels: a ``json://`` webhook answering 500, a ``json://``
webhook that never answers (the engine's real 30 s delivery timeout applies)
and a ``mailto://`` whose SMTP server is not running. The monitor fails, the
page is written to the outbox and every channel keeps failing for
``--outage`` seconds; then both webhooks answer 200 and a real SMTP server
(aiosmtpd) starts on the mail port. Measured per channel: the tries and the
gaps between them (against the engine's backoff: 5 s doubling, capped at
5 min), how long after the recovery the page arrived (against the next
scheduled try, the bound), and how many times it arrived (must be once).

``--json`` prints the figures as one JSON dict on the last line of stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import machine, start_server, stop_server, table
from aiosmtpd.controller import Controller
from detection import Target, wait_for

from statuscat_tui.config import parse_config
from statuscat_tui.core.incidents import EventKind
from statuscat_tui.core.states import MonitorState
from statuscat_tui.engine.engine import DELIVERY_TIMEOUT, Engine
from statuscat_tui.engine.incidents import backoff


class Mailbox:
    def __init__(self) -> None:
        self.arrived: list[float] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrived.append(time.monotonic())
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def config_text(port: int, smtp_port: int) -> str:
    mail = (
        f"mailto://127.0.0.1:{smtp_port}?smtp=127.0.0.1"
        "&from=statuscat@example.com&to=ada@example.com&mode=insecure"
    )
    return f"""
settings: {{timezone: UTC}}
defaults: {{interval: 2s, timeout: 1s, confirm: {{failures: 2, retry_interval: 500ms}}}}
monitors:
  - {{id: svc, url: "http://127.0.0.1:{port}/svc", severity: SEV1}}
people:
  - id: ada
    notify:
      - json://127.0.0.1:{port}/hook500
      - json://127.0.0.1:{port}/hookhang
      - "{mail}"
escalation_policies:
  - {{id: default, steps: [{{notify: "person:ada", wait: 1h}}]}}
severities:
  SEV1: {{escalation: default, page: always}}
"""


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    out = sys.stderr if args.json else sys.stdout
    proc, port = start_server("chaos_target.py")
    target = Target(port)
    smtp_port = free_port()
    mailbox = Mailbox()
    controller: Controller | None = None
    try:
        await target.set("/hook500", "500")
        await target.set("/hookhang", "hang")
        config = parse_config(config_text(port, smtp_port), "<notify-outage>", env={})
        with tempfile.TemporaryDirectory(prefix="statuscat-outage-") as tmp:
            engine = Engine(config, Path(tmp) / "o.db", listen=False)
            await engine.start()
            try:

                async def up() -> bool:
                    return engine.states["svc"] is MonitorState.UP

                await wait_for(up, 30, "UP")
                await target.set("/svc", "500")
                service = engine.incidents
                assert service is not None

                async def paged() -> bool:
                    return len(await service.pages(1)) == 3

                await wait_for(paged, 30, "pages written")
                wall0, mono0 = time.time(), time.monotonic()
                print(f"  channels down for {args.outage:g} s …", file=out, flush=True)
                await asyncio.sleep(args.outage)
                recovered_mono = await target.set("/hook500", "ok")
                await target.set("/hookhang", "ok")
                controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
                controller.start()
                recovered_wall = wall0 + (recovered_mono - mono0)

                async def delivered() -> bool:
                    pages = await service.pages(1)
                    return all(p["status"] == "delivered" for p in pages)

                await wait_for(delivered, 400, "delivery after recovery", poll=0.2)
                await asyncio.sleep(args.linger)  # anything sent twice would show by now
                pages = await service.pages(1)
                events = await service.timeline(1)
            finally:
                await engine.stop()
        log = await target.call("/ctl/log")
    finally:
        await target.aclose()
        stop_server(proc)
        if controller is not None:
            controller.stop()

    # Channels in notify order (the events name the notify entry, as the
    # redacted labels of two webhooks on one host are the same).
    names = ["json 500", "json hang", "smtp down"]
    rows = [
        ("channel", "tries", "gaps between tries (s)", "backoff (s)", "after recovery", "arrived")
    ]
    figures: dict[str, Any] = {}
    ok = True
    for channel, (name, page) in enumerate(zip(names, pages, strict=True)):
        tries = [
            e
            for e in events
            if e.kind in (EventKind.DELIVERY_FAILED, EventKind.DELIVERY_SUCCEEDED)
            and e.data["channel"] == channel
        ]
        failed = [e for e in tries if e.kind is EventKind.DELIVERY_FAILED]
        gaps = [float(e.data["retry_at"]) - e.at for e in failed]
        expected = [backoff(int(e.data["attempt"])) for e in failed]
        success = next(e for e in tries if e.kind is EventKind.DELIVERY_SUCCEEDED)
        if name.startswith("json"):
            path = "/hook500" if name == "json 500" else "/hookhang"
            after = [p for p in log["posts"] if p[1] == path and p[0] >= recovered_mono]
            arrivals = len(after)
            first = float(after[0][0]) - recovered_mono if after else float("nan")
        else:
            arrivals = len(mailbox.arrived)
            first = mailbox.arrived[0] - recovered_mono if mailbox.arrived else float("nan")
        # The bound: the next try scheduled when the channels came back (a try
        # already in flight at that moment may end in failure first).
        pending_at = [float(e.data["retry_at"]) for e in failed if e.at <= recovered_wall]
        bound = max(0.0, max(pending_at, default=recovered_wall) - recovered_wall)
        if name == "json hang":
            bound += DELIVERY_TIMEOUT + backoff(len(failed))
        good = (
            arrivals == 1
            and page["status"] == "delivered"
            and all(abs(g - e) < 0.01 for g, e in zip(gaps, expected, strict=True))
            and first <= bound + 2.0
        )
        ok = ok and good
        rows.append(
            (
                name,
                str(len(failed) + 1),
                " ".join(f"{g:.0f}" for g in gaps),
                " ".join(f"{e:.0f}" for e in expected),
                f"{first:.1f} s (bound {bound:.1f} s)",
                f"{arrivals}×",
            )
        )
        figures[name.replace(" ", "_")] = {
            "tries": len(failed) + 1,
            "gaps_s": gaps,
            "backoff_s": expected,
            "recovery_to_arrival_s": first,
            "bound_s": bound,
            "arrivals_after_recovery": arrivals,
            "details": sorted({str(e.data.get("detail", "")) for e in failed}),
            "delivered_at_attempt": int(success.data["attempt"]),
        }
    print(table(rows), file=out)
    for name, f in figures.items():
        print(f"  {name}: {'; '.join(f['details'])}", file=out)
    print(
        f"  {'ok' if ok else 'MISSED'}: every page retried on the backoff and delivered once",
        file=out,
    )
    chans = list(figures.values())
    return {
        "max_arrivals_after_recovery": max(c["arrivals_after_recovery"] for c in chans),
        "min_arrivals_after_recovery": min(c["arrivals_after_recovery"] for c in chans),
        "backoff_mismatches": sum(
            abs(g - e) >= 0.01
            for c in chans
            for g, e in zip(c["gaps_s"], c["backoff_s"], strict=True)
        ),
        "tries_during_outage": min(c["tries"] for c in chans) - 1,
        "worst_recovery_to_arrival_s": max(c["recovery_to_arrival_s"] for c in chans),
        "outage_s": args.outage,
        "linger_s": args.linger,
        "machine": machine(),
        "channels": figures,
        "ok": ok,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--outage", type=float, default=120.0, help="seconds every channel is down")
    ap.add_argument("--linger", type=float, default=30.0, help="seconds watched after delivery")
    ap.add_argument("--json", action="store_true", help="JSON figures on the last stdout line")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    result = asyncio.run(main_async(args))
    if args.json:
        print(json.dumps(result))
    if not result["ok"] and not args.json:
        sys.exit(1)  # with --json, run_all.py reads "ok" from the figures


if __name__ == "__main__":
    main()
