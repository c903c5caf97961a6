"""``statuscat demo``: local targets that fail and recover, with no network needed.

Every target runs on 127.0.0.1 in this process. Within the first minute the
checkout API fails (and recovers), search gets slow, the payments database
goes away (taking its dependent API with it) and a heartbeat job falls silent.
Incidents open, the on-call person's demo pager (a json:// endpoint on the
same loopback server) receives the pages, and escalation moves on when nobody
acknowledges.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import tempfile
import time
from pathlib import Path

from statuscat_tui.config import parse_config
from statuscat_tui.core.model import Config

log = logging.getLogger("statuscat.demo")

CYCLE = 180.0  # every scene repeats every three minutes

# (start, end) seconds within the cycle during which each fault is on.
FAULTS = {
    "checkout": (20.0, 75.0),
    "search-slow": (35.0, 100.0),
    "payments-db": (45.0, 95.0),
    "backup-silent": (30.0, 120.0),
}

DEMO_CONFIG = """\
settings:
  timezone: UTC
  listen: 127.0.0.1:{listen_port}
  me: ada
defaults:
  interval: 5s
  timeout: 2s
  confirm: {{failures: 2, retry_interval: 2s, successes: 2}}
components:
  - {{name: Storefront, description: Web shop and checkout}}
  - {{name: Search, description: Product search}}
  - {{name: Payments, description: Card payments}}
  - {{name: Backups, description: Nightly backups}}
monitors:
  - id: storefront
    name: Storefront home
    url: http://127.0.0.1:{http_port}/
    component: Storefront
    severity: SEV2
  - id: checkout
    name: Checkout API
    url: http://127.0.0.1:{http_port}/checkout/health
    expect: {{status: 200, json: {{status: ok}}}}
    component: Storefront
    severity: SEV1
    runbook: Restart the checkout workers; see the checkout dashboard.
  - id: search
    name: Search API
    url: http://127.0.0.1:{http_port}/search?q=cat
    expect: {{body_contains: results, max_response_time: 800ms}}
    component: Search
    severity: SEV3
  - id: payments-db
    name: Payments database
    type: tcp
    host: 127.0.0.1
    port: {db_port}
    component: Payments
    severity: SEV1
  - id: payments-api
    name: Payments API
    url: http://127.0.0.1:{http_port}/payments/health
    depends_on: [payments-db]
    component: Payments
    severity: SEV1
  - id: nightly-backup
    name: Backup job
    type: heartbeat
    every: 10s
    grace: 5s
    component: Backups
    severity: SEV3
people:
  - {{id: ada, name: Ada Lovelace, notify: ["json://127.0.0.1:{http_port}/pager/ada"]}}
  - {{id: grace, name: Grace Hopper, notify: ["json://127.0.0.1:{http_port}/pager/grace"]}}
schedules:
  - id: primary
    name: Primary on-call
    rotation: {{every: 1w, handoff: "09:00", start: "2026-01-05T09:00", members: [ada, grace]}}
escalation_policies:
  - id: default
    steps:
      - {{notify: "schedule:primary", wait: 1m}}
      - {{notify: "person:grace", wait: 2m}}
severities:
  SEV1: {{escalation: default}}
  SEV2: {{escalation: default}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DemoTargets:
    """The demo's loopback services; each fault follows the clock of the cycle."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.http: asyncio.Server | None = None
        self.db: asyncio.Server | None = None
        self.http_port = free_port()
        self.listen_port = free_port()
        self.db_port = free_port()
        self._tasks: list[asyncio.Task[None]] = []

    def fault(self, name: str) -> bool:
        start, end = FAULTS[name]
        return start <= (time.monotonic() - self.t0) % CYCLE < end

    async def start(self) -> None:
        self.http = await asyncio.start_server(self._http, "127.0.0.1", self.http_port)
        self._tasks.append(asyncio.create_task(self._db_loop()))
        self._tasks.append(asyncio.create_task(self.heartbeats(self.listen_port)))

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        for server in (self.http, self.db):
            if server is not None:
                server.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _db_loop(self) -> None:
        """A TCP 'database' that stops listening while its fault is on."""
        while True:
            down = self.fault("payments-db")
            if down and self.db is not None:
                self.db.close()
                self.db = None
            elif not down and self.db is None:
                self.db = await asyncio.start_server(_hang_up, "127.0.0.1", self.db_port)
            await asyncio.sleep(0.5)

    async def _http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode("latin-1")
                length = _content_length(head)
                payload = await reader.readexactly(length) if length else b""
                if path.startswith("/pager/"):
                    _show_page(path.removeprefix("/pager/"), payload)
                    status, body = "200 OK", b"{}"
                else:
                    status, body = await self._route(path)
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    async def _route(self, path: str) -> tuple[str, bytes]:
        if path.startswith("/checkout"):
            if self.fault("checkout"):
                return "503 Service Unavailable", b'{"status": "overloaded"}'
            return "200 OK", b'{"status": "ok"}'
        if path.startswith("/search"):
            if self.fault("search-slow"):
                await asyncio.sleep(1.2)
            return "200 OK", b'{"results": ["cat", "kitten"]}'
        if path.startswith("/payments"):
            if self.fault("payments-db"):
                return "500 Internal Server Error", b'{"error": "database unreachable"}'
            return "200 OK", b'{"status": "ok"}'
        return "200 OK", b'{"page": "home"}'

    async def heartbeats(self, port: int) -> None:
        """The 'backup job': pings its heartbeat every 4 s unless its fault is on."""
        import httpx

        async with httpx.AsyncClient() as client:
            while True:
                if not self.fault("backup-silent"):
                    with contextlib.suppress(httpx.HTTPError):
                        await client.post(f"http://127.0.0.1:{port}/ping/nightly-backup")
                await asyncio.sleep(4)


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return min(int(value.strip()), 1 << 20)
    return 0


def _show_page(person: str, payload: bytes) -> None:
    """The demo's pagers: log what a person's phone would show."""
    import json

    try:
        title = json.loads(payload).get("title", "")
    except (ValueError, AttributeError):
        title = payload[:80].decode("utf-8", "replace")
    log.info("demo pager of %s buzzes: %s", person, title)


async def _hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


def demo_config(http_port: int, db_port: int, listen_port: int) -> Config:
    text = DEMO_CONFIG.format(http_port=http_port, db_port=db_port, listen_port=listen_port)
    return parse_config(text, "<demo>", env={})


def run_demo(
    *,
    headless: bool = False,
    verbose: bool = False,
    wallboard: bool = False,
    theme: str | None = None,
) -> int:
    """Run the demo until quit (the dashboard) or Ctrl-C / SIGTERM (headless)."""
    targets = DemoTargets()
    config = demo_config(targets.http_port, targets.db_port, targets.listen_port)
    with tempfile.TemporaryDirectory(prefix="statuscat-demo-") as tmp:
        db = Path(tmp) / "demo.db"
        if headless:
            from statuscat_tui.engine.logs import setup_logging

            setup_logging((), verbose=verbose)
            return asyncio.run(_headless(targets, config, db, Path(tmp) / "status-page"))
        from statuscat_tui.engine.logs import setup_logging
        from statuscat_tui.ui.app import StatusCatApp

        setup_logging((), verbose=verbose, file=Path(tmp) / "demo.log")
        app = StatusCatApp(
            config,
            db,
            theme=theme,
            wallboard=wallboard,
            on_start=targets.start,
            on_stop=targets.stop,
            publish_to=Path(tmp) / "status-page",
            settle_heap=True,
        )
        return app.run() or 0


async def _headless(targets: DemoTargets, config: Config, db: Path, site: Path) -> int:
    import signal

    from statuscat_tui.cli import STOP_DEADLINE
    from statuscat_tui.engine.engine import Engine, settle_heap

    await targets.start()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    engine = Engine(config, db, publish_to=site)
    try:
        await engine.start()
        settle_heap()
        log.info("demo: faults start within a minute and repeat every %ds. Ctrl-C stops.", CYCLE)
        await stop.wait()
    finally:
        async with asyncio.timeout(STOP_DEADLINE):
            await engine.stop()
        await targets.stop()
    return 0
