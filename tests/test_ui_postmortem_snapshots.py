"""Snapshots of the postmortem editor and list at 80x24 and 200x60.

A fixed session stands in for the engine (the live behaviour is covered against a
real SQLite file in test_ui_postmortem.py): fixed text, times and action items,
so the rendering never depends on today.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from statuscat_tui.config import parse_config
from statuscat_tui.core.postmortem import ActionItem, ActionStatus, PostmortemStatus, Priority
from statuscat_tui.engine.postmortems import PostmortemConflict, PostmortemRecord
from statuscat_tui.engine.session import Snapshot
from statuscat_tui.ui.app import StatusCatApp
from statuscat_tui.ui.postmortem import PostmortemListScreen, PostmortemScreen

T0 = 1_796_000_000.0  # 2026-11-30 00:53:20 UTC
TODAY = date(2026, 11, 30)

CONFIG = parse_config(
    """
settings: {timezone: UTC, me: ada}
monitors:
  - {id: checkout, name: Checkout API, url: "http://127.0.0.1:9/", component: Storefront}
people: [{id: ada, name: Ada Lovelace}, {id: bob, name: Bob}, {id: grace, name: Grace Hopper}]
""",
    "snap.yml",
    env={},
)

BODY = """\
# Postmortem: #1 Checkout API is down

<!-- Drafted by StatusCat on 2026-11-30 01:20 UTC. Lines like this one are prompts. -->

## Summary

_Facts: SEV1 affecting Storefront, from 2026-11-30 01:10 UTC to 01:31 UTC (21 min)._

Checkout failed for 21 minutes after a config change removed the payment host.

## Timeline

| Time (UTC) | Event | Who |
|---|---|---|
| 01:10:00 | checkout confirmed DOWN: expected status 200, got 503 | StatusCat |
| 01:12:30 | acknowledged | Ada Lovelace |
| 01:31:00 | resolved | Ada Lovelace |

## Root causes and contributing factors

Bob should have checked the dashboard before the deploy.

## Response and recovery

| Figure | Time | From the first failure to |
|---|---|---|
| Time to detect | 1 min | confirmed DOWN |
| Time to acknowledge | 2 min 30 s | the first acknowledgement |
| Time to mitigate | — | the first *monitoring* update |
| Time to resolve | 21 min | resolution |
"""

ACTIONS = [
    ActionItem(1, 1, "Validate config before deploy", "bob", date(2026, 11, 1), Priority.P1),
    ActionItem(2, 1, "Alert on payment host errors", "grace", date(2026, 12, 15), Priority.P2),
    ActionItem(
        3, 1, "Write the rollback runbook", None, None, Priority.P3, ActionStatus.DONE, T0, T0
    ),
]


class PostmortemSession:
    """The session's postmortem methods with fixed answers; saving keeps the version."""

    mode = "engine"
    engine_holder = None
    me = "ada"

    def __init__(self, *, conflict: bool = False) -> None:
        self.conflict = conflict
        self.record = PostmortemRecord(
            1, PostmortemStatus.DRAFT, BODY, 3, T0 - 900, T0 - 61, "grace"
        )

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def snapshot(self) -> Snapshot:
        return Snapshot(T0, (), (), (), ())

    def people(self) -> dict[str, str]:
        return {p.id: p.name for p in CONFIG.people}

    def today(self) -> date:
        return TODAY

    def postmortem_required(self, severity: str) -> bool:
        return severity in ("SEV1", "SEV2")

    async def postmortem(self, incident_id: int) -> PostmortemRecord:
        return self.record

    async def get_postmortem(self, incident_id: int) -> PostmortemRecord:
        return self.record

    async def save_postmortem(
        self, incident_id: int, body: str, *, base_version: int
    ) -> PostmortemRecord:
        if self.conflict:
            raise PostmortemConflict(incident_id, 4, "grace", T0 - 5, ZoneInfo("UTC"))
        return self.record

    async def postmortem_list(self) -> list[dict[str, Any]]:
        return [
            {
                "incident": 1,
                "title": "Checkout API is down",
                "severity": "SEV1",
                "status": "draft",
                "version": 3,
                "updated": T0 - 61,
                "updated_by": "grace",
                "resolved": T0 - 120,
                "actions_open": 2,
                "actions_overdue": 1,
            },
            {
                "incident": 2,
                "title": "Search is slow [bold]x[/]",
                "severity": "SEV2",
                "status": "published",
                "version": 7,
                "updated": T0 - 86400 * 3,
                "updated_by": "ada",
                "resolved": T0 - 86400 * 4,
                "actions_open": 0,
                "actions_overdue": 0,
            },
        ]

    async def actions(
        self, incident_id: int | None = None, *, overdue_only: bool = False
    ) -> list[ActionItem]:
        return [a for a in ACTIONS if incident_id in (None, a.incident)]


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def make_app(tmp_path: Path, *, conflict: bool = False) -> StatusCatApp:
    return StatusCatApp(
        CONFIG,
        tmp_path / "x.db",
        session=PostmortemSession(conflict=conflict),  # type: ignore[arg-type]
        refresh_every=3600,
    )


async def _until(cond: Any) -> None:
    async with asyncio.timeout(5):
        while not cond():  # noqa: ASYNC110 - waiting for the screen's load worker
            await asyncio.sleep(0.02)


async def open_editor(pilot: Any) -> None:
    await pilot.app.push_screen(PostmortemScreen(1))
    await _until(lambda: isinstance(pilot.app.screen, PostmortemScreen) and pilot.app.screen.loaded)
    screen = pilot.app.screen
    await _until(lambda: screen.query_one("#pm-actions").row_count == len(ACTIONS))
    await pilot.pause()


async def open_list(pilot: Any) -> None:
    await pilot.app.push_screen(PostmortemListScreen())
    await _until(lambda: pilot.app.screen.query_one("#pm-list").row_count == 2)
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_editor(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=open_editor)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_list(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=open_list)


def test_editor_action_items_narrow(snap_compare: Any, tmp_path: Path) -> None:
    """F3 twice: to the side pane, then to the action items, which take the strip."""
    app = make_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_editor, press=["f3", "f3"])


async def type_into_conflict(pilot: Any) -> None:
    await open_editor(pilot)
    screen = pilot.app.screen
    screen.editor.move_cursor((8, 0))
    await pilot.press(*"Mine. ")
    await screen.save()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_editor_conflict(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path, conflict=True)
    assert snap_compare(app, terminal_size=size, run_before=type_into_conflict)


def test_action_item_form_error(snap_compare: Any, tmp_path: Path) -> None:
    async def form_with_a_bad_date(pilot: Any) -> None:
        await open_editor(pilot)
        await pilot.press("ctrl+n", *"Validate config before deploy", "tab", "tab")
        await pilot.press(*"30/11/2026", "enter")
        await pilot.pause()

    app = make_app(tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=form_with_a_bad_date)
