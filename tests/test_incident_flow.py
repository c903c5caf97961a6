"""Triage and respond, end to end: the real engine, real deliveries, the real CLI.

A loopback target goes down → exactly one incident → the on-call person's
json:// endpoint and mailbox receive the page → with no ack the next step's
person is paged after ``wait`` → ``statuscat incident ack`` stops every further
page → ``resolve`` is refused while the target is down and accepted after it
recovers → the timeline holds every step in order.

Escalation waits are minutes long; the engine's clock is shifted forward
instead of sleeping.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from statuscat_tui.config import parse_config
from statuscat_tui.core.incidents import EventKind
from statuscat_tui.core.model import Config
from statuscat_tui.core.states import MonitorState as S
from statuscat_tui.engine.engine import Engine
from tests.support.httpserver import HTTPTestServer
from tests.support.net import ShiftedClock
from tests.support.smtpserver import SMTPTestServer
from tests.support.wait import wait_for

ROOT = Path(__file__).resolve().parent.parent


def flow_config(http: HTTPTestServer, smtp: SMTPTestServer) -> str:
    mail = (
        f"mailto://127.0.0.1:{smtp.port}?smtp=127.0.0.1&mode=insecure"
        "&from=statuscat@example.com&to=ada@example.com"
    )
    return f"""
settings: {{timezone: Europe/Berlin}}
monitors:
  - id: checkout
    name: Checkout API
    url: {http.url("/health")}
    interval: 300ms
    timeout: 300ms
    confirm: {{failures: 2, retry_interval: 100ms, successes: 1}}
    severity: SEV1
    component: Storefront
    runbook: Restart the checkout workers
people:
  - {{id: ada, name: Ada, notify: ["json://127.0.0.1:{http.port}/hook/ada", "{mail}"]}}
  - {{id: grace, name: Grace, notify: ["json://127.0.0.1:{http.port}/hook/grace"]}}
schedules:
  - id: primary
    rotation: {{every: 1w, handoff: "09:00", start: 2020-01-06, members: [ada]}}
escalation_policies:
  - id: default
    repeat: 3
    steps:
      - {{notify: "schedule:primary", wait: 5m}}
      - {{notify: "person:grace", wait: 10m}}
severities:
  SEV1: {{escalation: default, page: always}}
"""


def cli(cfg: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "statuscat_tui.cli",
            "incident",
            *args,
            "-c",
            str(cfg),
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


@pytest.fixture
def smtp_server() -> SMTPTestServer:  # type: ignore[misc]
    with SMTPTestServer() as server:
        yield server


async def test_page_escalate_ack_resolve(
    http_server: HTTPTestServer, smtp_server: SMTPTestServer, tmp_path: Path
) -> None:
    http_server.set("/health", body="ok")
    http_server.set("/hook/ada", body="ok")
    http_server.set("/hook/grace", body="ok")
    cfg_path = tmp_path / "statuscat.yml"
    cfg_path.write_text(flow_config(http_server, smtp_server))
    config: Config = parse_config(cfg_path.read_text(), str(cfg_path), env={})
    db = tmp_path / "sc.db"
    clock = ShiftedClock()
    engine = Engine(config, db, clock=clock, listen=False)
    await engine.start()
    try:
        await wait_for(lambda: engine.states["checkout"] is S.UP)
        http_server.set("/health", status=503, body="upstream timeout")
        await wait_for(lambda: http_server.hits("/hook/ada") >= 1)
        assert engine.incidents is not None
        incidents = await engine.incidents.incidents()
        assert len(incidents) == 1
        inc = incidents[0]
        assert (inc.severity, inc.title, inc.components) == (
            "SEV1",
            "Checkout API is down",
            ["Storefront"],
        )
        page = json.loads(http_server.requests("/hook/ada")[0].body)
        assert page["title"] == f"[SEV1] #{inc.id} Checkout API is down"
        for part in (
            "HTTP 503",
            "Restart the checkout workers",
            f"statuscat incident ack {inc.id} --as ada",
        ):
            assert part in page["message"]
        await asyncio.to_thread(smtp_server.wait_for, 1)
        assert smtp_server.messages[0]["Subject"] == page["title"]
        assert http_server.hits("/hook/grace") == 0

        # Nobody acknowledges: after the step's wait the next step pages grace.
        clock.advance(5 * 60 + 1)
        await wait_for(lambda: http_server.hits("/hook/grace") == 1)
        assert http_server.hits("/hook/ada") == 1

        ack = await asyncio.to_thread(cli, cfg_path, db, "ack", str(inc.id), "--as", "ada")
        assert ack.returncode == 0, ack.stderr
        # Long past every remaining step of the policy (it repeats 3 times).
        clock.advance(3 * 3600)
        await asyncio.sleep(1.0)
        assert http_server.hits("/hook/ada") == 1
        assert http_server.hits("/hook/grace") == 1

        refused = await asyncio.to_thread(cli, cfg_path, db, "resolve", str(inc.id))
        assert refused.returncode == 1
        assert "checkout" in refused.stderr and "--force" in refused.stderr

        http_server.set("/health", body="ok")
        await wait_for(lambda: engine.states["checkout"] is S.UP)
        assert engine.store is not None
        await engine.store.flush()
        done = await asyncio.to_thread(cli, cfg_path, db, "resolve", str(inc.id), "--as", "ada")
        assert done.returncode == 0, done.stderr
        # Everyone who was paged hears that it is over.
        await wait_for(lambda: http_server.hits("/hook/grace") == 2)
        await wait_for(lambda: http_server.hits("/hook/ada") == 2)
        timeline = await engine.incidents.timeline(inc.id)
    finally:
        await engine.stop()

    kinds = [e.kind for e in timeline]
    expected = [
        EventKind.OPENED,
        EventKind.DETECTED,
        EventKind.PAGED,  # ada, via the schedule
        EventKind.DELIVERY_SUCCEEDED,
        EventKind.ESCALATED,
        EventKind.PAGED,  # grace
        EventKind.ACKNOWLEDGED,
        EventKind.OWNER_CHANGED,
        EventKind.MONITOR_RECOVERED,
        EventKind.RESOLVED,
    ]
    it = iter(kinds)
    assert all(k in it for k in expected), kinds
    paged = [e.data["person"] for e in timeline if e.kind is EventKind.PAGED]
    assert paged == ["ada", "grace"]
    assert kinds.count(EventKind.ACKNOWLEDGED) == 1
    assert EventKind.RESOLVE_FORCED not in kinds
    show = cli(cfg_path, db, "show", str(inc.id), "--json")
    data = json.loads(show.stdout)
    assert data["state"] == "resolved" and data["owner"] == "ada"
    assert data["figures"]["time_to_acknowledge"] > 0
