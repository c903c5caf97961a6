"""Notification outages: a json:// endpoint failing or hanging, an SMTP server down.

The real engine pages through the outbox to a loopback json:// receiver and a
real SMTP server (aiosmtpd) that is down for the first two minutes. The
engine's clock is shifted forward to each retry instead of sleeping through
the backoff; everything else (HTTP, SMTP, SQLite, timeouts) is real. The long
form with real time is ``benchmarks/notify_outage.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from statuscat_tui.config import parse_config
from statuscat_tui.core.incidents import EventKind
from statuscat_tui.core.model import Config
from statuscat_tui.core.states import MonitorState as S
from statuscat_tui.engine.engine import Engine
from statuscat_tui.engine.incidents import backoff
from statuscat_tui.engine.session import Session
from statuscat_tui.ui.app import StatusCatApp
from statuscat_tui.ui.wallboard import WallboardScreen
from tests.support.httpserver import HTTPTestServer
from tests.support.net import ShiftedClock, free_port
from tests.support.smtpserver import SMTPTestServer
from tests.support.wait import until, wait_for

OUTAGE = 120.0  # seconds of (shifted) time both channels stay down


def outage_config(http: HTTPTestServer, smtp_port: int) -> Config:
    mail = (
        f"mailto://ops:pw@127.0.0.1:{smtp_port}?smtp=127.0.0.1"
        "&from=statuscat@example.com&to=ada@example.com&mode=insecure"
    )
    return parse_config(
        f"""
settings: {{timezone: UTC, me: ada}}
defaults:
  interval: 300ms
  timeout: 300ms
  confirm: {{failures: 1, retry_interval: 100ms, successes: 1}}
monitors:
  - {{id: api, url: "{http.url("/api")}", severity: SEV1}}
people:
  - {{id: ada, name: Ada, notify: ["json://127.0.0.1:{http.port}/hook/ada", "{mail}"]}}
escalation_policies:
  - id: default
    steps: [{{notify: "person:ada", wait: 1h}}]
severities:
  SEV1: {{escalation: default, page: always}}
""",
        "outage.yml",
        env={},
    )


class Rig:
    def __init__(self, http: HTTPTestServer, db: Path) -> None:
        self.http = http
        self.db = db
        self.clock = ShiftedClock()
        self.smtp_port = free_port()
        self.smtp = SMTPTestServer(user="ops", password="pw", port=self.smtp_port)
        self.config = outage_config(http, self.smtp_port)
        self.engine: Engine | None = None

    async def start(self, delivery_timeout: float) -> Engine:
        self.engine = Engine(
            self.config, self.db, clock=self.clock, listen=False, delivery_timeout=delivery_timeout
        )
        await self.engine.start()
        return self.engine

    async def pages(self) -> list[dict[str, Any]]:
        assert self.engine is not None and self.engine.incidents is not None
        return await self.engine.incidents.pages(1)

    async def engine_pending(self) -> list[dict[str, Any]]:
        assert self.engine is not None
        async with self.engine.store.reader.execute(
            "SELECT id, next_attempt FROM outbox WHERE status = 'pending'"
        ) as cur:
            return [{"id": r[0], "next_attempt": r[1]} async for r in cur]

    async def failures(self) -> list[dict[str, Any]]:
        assert self.engine is not None and self.engine.incidents is not None
        events = await self.engine.incidents.timeline(1)
        return [{"at": e.at, **e.data} for e in events if e.kind is EventKind.DELIVERY_FAILED]


@pytest.fixture
async def rig(http_server: HTTPTestServer, tmp_path: Path) -> AsyncIterator[Rig]:
    http_server.set("/api", body="ok")
    r = Rig(http_server, tmp_path / "sc.db")
    yield r
    if r.engine is not None:
        await r.engine.stop()
    r.smtp.stop()


async def settled(rig: Rig) -> list[dict[str, Any]]:
    """Wait until no page is being sent; return the pages."""
    for _ in range(400):
        pages = await rig.pages()
        if pages and all(p["status"] not in ("claimed", "sending") for p in pages):
            return pages
        await asyncio.sleep(0.025)
    raise AssertionError(f"pages still being sent: {await rig.pages()}")


@pytest.mark.parametrize("failure", ["http-500", "hang"])
async def test_pages_are_retried_with_backoff_and_delivered_once_after_recovery(
    rig: Rig, failure: str
) -> None:
    if failure == "http-500":
        rig.http.set("/hook/ada", status=500, body="upstream down")
    else:
        rig.http.set("/hook/ada", behaviour="hang")
    engine = await rig.start(delivery_timeout=0.5)
    await wait_for(lambda: engine.states["api"] is S.UP)
    rig.http.set("/api", status=500)
    await wait_for(lambda: rig.http.hits("/hook/ada") == 1, within=10)
    start = rig.clock.time()

    # Two minutes of outage: every retry falls due, is tried and fails.
    tries = 1
    while True:
        pages = await settled(rig)
        assert all(p["status"] == "pending" for p in pages), pages
        assert {p["attempts"] for p in pages} == {tries}
        due = min(p["next_attempt"] for p in await rig.engine_pending())
        if due - start > OUTAGE:
            break
        rig.clock.advance(due - rig.clock.time() + 0.05)
        tries += 1
        await wait_for(lambda n=tries: rig.http.hits("/hook/ada") == n, within=10)

    # Backoff doubles from 5 s: 5, 10, 20, 40, 80 s between tries.
    failed = await rig.failures()
    for channel in ("json", "mailto"):
        mine = [f for f in failed if f["target"].startswith(channel)]
        assert [f["attempt"] for f in mine] == list(range(1, tries + 1))
        for f in mine:
            assert f["retry_at"] - f["at"] == pytest.approx(backoff(f["attempt"]), abs=0.01)
            assert not f.get("final")
    json_detail = {f["detail"] for f in failed if f["target"].startswith("json")}
    mail_detail = {f["detail"] for f in failed if f["target"].startswith("mailto")}
    if failure == "http-500":
        assert all("500" in d for d in json_detail), json_detail
    else:
        assert json_detail == {"timed out after 0.5s"}
    assert mail_detail == {"connection refused"}
    assert tries >= 5  # 0, 5, 15, 35, 75 s: five tries inside two minutes

    # Both channels come back; the next retry delivers each page exactly once.
    rig.http.set("/hook/ada", body="ok")
    rig.smtp.start()
    hits_before = rig.http.hits("/hook/ada")
    due = min(p["next_attempt"] for p in await rig.engine_pending())
    rig.clock.advance(due - rig.clock.time() + 0.05)
    await wait_for(lambda: rig.http.hits("/hook/ada") == hits_before + 1, within=10)
    await wait_for(lambda: len(rig.smtp.messages) == 1, within=10)
    pages = await settled(rig)
    assert [p["status"] for p in pages] == ["delivered", "delivered"]
    assert all(p["attempts"] == tries + 1 for p in pages)
    # Nothing more goes out, however long the engine runs on.
    rig.clock.advance(3600)
    await asyncio.sleep(1.5)
    assert rig.http.hits("/hook/ada") == hits_before + 1
    assert len(rig.smtp.messages) == 1
    ok = [
        e
        for e in await rig.engine.incidents.timeline(1)  # type: ignore[union-attr]
        if e.kind is EventKind.DELIVERY_SUCCEEDED
    ]
    assert sorted(e.data["target"].split(":")[0] for e in ok) == ["json", "mailto"]


async def test_the_dashboard_shows_a_failing_channel_until_it_recovers(
    http_server: HTTPTestServer, tmp_path: Path
) -> None:
    http_server.set("/api", body="ok")
    http_server.set("/hook/ada", status=500, body="[bold]upstream[/] down")
    smtp_port = free_port()
    clock = ShiftedClock()
    config = outage_config(http_server, smtp_port)
    session = Session(config, tmp_path / "sc.db", clock=clock)
    app = StatusCatApp(config, tmp_path / "sc.db", session=session, refresh_every=0.1)
    async with app.run_test(size=(80, 24)) as pilot:
        alert = app.screen_stack[0].query_one("#channel-alert", Static)
        await until(pilot, lambda: session.engine is not None and "api" in session.engine.states)
        assert not alert.display
        http_server.set("/api", status=500)
        # Both channels have failed once (the mail server is down too).
        await until(pilot, lambda: "(+1 more channel)" in str(alert.render()), within=10)
        text = str(alert.render())
        assert "PAGING FAILING" in text
        # The channel's redacted label, never its URL's path or credentials.
        assert f"ada via json://127.0.0.1:{http_server.port}/…: HTTP 500" in text
        assert "1 try, next in" in text
        # The wallboard says it too, in its own line under the header.
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, WallboardScreen))
        strip = app.screen.query_one("#wb-channel", Static)
        await until(pilot, lambda: strip.display and "PAGING FAILING" in str(strip.render()))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, WallboardScreen))
        # The JSON endpoint recovers: the mail channel is the one left.
        http_server.set("/hook/ada", body="ok")
        clock.advance(6)
        # Its second try failed too (the alert could show the mail channel from its first):
        # a try still under way when the clock moves on below would set its retry from the
        # moved clock, 10 s out.
        await until(pilot, lambda: "mailto://" in str(alert.render()), within=10)
        await until(pilot, lambda: "2 tries" in str(alert.render()), within=10)
        assert "connection refused" in str(alert.render())
        with SMTPTestServer(user="ops", password="pw", port=smtp_port) as smtp:
            clock.advance(11)
            await until(pilot, lambda: not alert.display, within=10)
            await until(pilot, lambda: len(smtp.messages) == 1, within=10)
