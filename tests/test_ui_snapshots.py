"""Snapshot tests of the dashboard and incident screen at 80x24 and 200x60.

The session is a fixed one (the rendering is what is under test here); the
live behaviour is covered against a real engine in test_ui_app.py.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from statuscat_tui.config import parse_config
from statuscat_tui.core.incidents import Incident, IncidentState, PublicStatus
from statuscat_tui.core.states import MonitorState as S
from statuscat_tui.engine.session import (
    FeedItem,
    IncidentDetail,
    IncidentView,
    MonitorView,
    OnCallView,
    Snapshot,
)
from statuscat_tui.ui.app import StatusCatApp
from tests.support.fixedsession import FixedSession

T0 = 1_796_000_000.0  # fixed: the rendering must not depend on today

CONFIG = parse_config(
    """
settings: {timezone: UTC, me: ada}
monitors:
  - {id: checkout, name: Checkout API, url: "http://127.0.0.1:9/", component: Storefront,
     runbook: "Restart the checkout workers"}
  - {id: search, name: Search, url: "http://127.0.0.1:9/s"}
  - {id: login, name: Login, url: "http://127.0.0.1:9/l"}
  - {id: db, name: Payments DB, type: tcp, host: 127.0.0.1, port: 9}
people: [{id: ada, name: Ada Lovelace}]
schedules:
  - id: primary
    name: Primary
    rotation: {every: 1w, handoff: "09:00", start: 2020-01-06, members: [ada]}
""",
    "snap.yml",
    env={},
)

MONITORS = (
    MonitorView(
        "checkout",
        "Checkout API",
        "http",
        "http://x/",
        "Storefront",
        S.DOWN,
        T0 - 300,
        0.412,
        "expected status 200, got 503 Service Unavailable",
        98.5,
        99.91,
        (0.02, 0.03, 0.02, 0.4, 0.41),
    ),
    MonitorView(
        "search",
        "Search",
        "http",
        "http://x/s",
        None,
        S.DEGRADED,
        T0 - 120,
        1.31,
        "slow: 1.31s > 800ms",
        99.2,
        99.8,
        (0.2, 0.5, 1.2, 1.31),
    ),
    MonitorView(
        "login",
        "Login [bold red]x[/]",
        "http",
        "http://x/l",
        None,
        S.UP,
        T0 - 9000,
        0.011,
        "HTTP 200 OK in 11ms",
        100.0,
        100.0,
        (0.01, 0.011, 0.012),
    ),
    MonitorView(
        "db",
        "Payments DB",
        "tcp",
        "127.0.0.1:9",
        None,
        S.PENDING,
        T0 - 5,
        None,
        "connection refused",
        100.0,
        99.99,
        (),
    ),
)
INCIDENTS = (
    IncidentView(
        1,
        "Checkout API is down",
        "SEV1",
        "triggered",
        "investigating",
        None,
        T0 - 290,
        False,
        ("Storefront",),
        ("checkout",),
        ("ada",),
        (),
    ),
    IncidentView(
        2,
        "Search is slow",
        "SEV3",
        "acknowledged",
        "monitoring",
        "ada",
        T0 - 4000,
        True,
        (),
        ("search",),
        ("ada",),
        ("ada",),
    ),
)
SNAP = Snapshot(
    T0,
    MONITORS,
    INCIDENTS,
    (
        OnCallView(
            "primary",
            "Primary",
            "ada",
            "Ada Lovelace",
            T0 + 86400 * 2 + 3600,
            "ada",
            T0 + 86400 * 2 + 3600,
            None,
        ),
    ),
    (
        FeedItem(T0 - 290, "#1 checkout confirmed DOWN: expected status 200, got 503", 1),
        FeedItem(T0 - 295, "checkout PENDING → DOWN: expected status 200, got 503"),
        FeedItem(T0 - 3900, "#2 ada acknowledged", 2),
    ),
)
DETAIL = IncidentDetail(
    Incident(
        1,
        "Checkout API is down",
        "SEV1",
        T0 - 300,
        ["Storefront"],
        ["checkout"],
        None,
        IncidentState.TRIGGERED,
        PublicStatus.INVESTIGATING,
        T0 - 290,
    ),
    (
        (T0 - 290, "StatusCat opened the incident (SEV1): Checkout API is down"),
        (T0 - 290, "checkout confirmed DOWN: expected status 200, got 503"),
        (T0 - 289, "paged ada (on call for primary), step 1, via json://127.0.0.1:9/…"),
    ),
    (MONITORS[0],),
    (),
    (),
    ("ada",),
    "next: step 2 (round 1) in 10s",
    "Full outage or data risk: all hands.",
)


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def make_app(tmp_path: Path) -> StatusCatApp:
    return StatusCatApp(
        CONFIG,
        tmp_path / "x.db",
        session=FixedSession(SNAP, DETAIL),  # type: ignore[arg-type]
        refresh_every=3600,
    )


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_dashboard(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=size, press=["2"])


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_incident_screen(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=size, press=["2", "enter"])


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_update_modal(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=size, press=["2", "u"])


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_help(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=size, press=["question_mark"])


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_wallboard(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=size, press=["w"])
