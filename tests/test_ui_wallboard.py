"""The wallboard: what each tile and banner says, in-place refreshes, layout at 80x24 and 200x60."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC

import pytest
from rich.text import Text
from textual.app import App
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from statuscat_tui.core.states import MonitorState as S
from statuscat_tui.engine.session import IncidentView, MonitorView, Snapshot
from statuscat_tui.ui.themes import load_themes
from statuscat_tui.ui.wallboard import (
    BigState,
    ComponentTile,
    FailingList,
    IncidentBanner,
    MoreTile,
    WallboardScreen,
    clip_words,
    failing_lines,
    format_age,
    group_tiles,
    pick_tiles,
    plan_grid,
    verdict,
)

T = 1_764_856_800.0  # Thu 2025-12-04 14:00:00 UTC
SnapCompare = Callable[..., bool]


def mon(
    id: str, component: str | None, state: S = S.UP, reason: str = "HTTP 200", name: str = ""
) -> MonitorView:
    target = f"https://{id}.example"
    return MonitorView(
        id, name or id, "http", target, component, state, T - 600, 0.05, reason, 1, 1
    )


def incident(
    id: int,
    title: str,
    severity: str,
    *,
    owner: str | None = None,
    age: float = 754,
    state: str = "triggered",
    public: str = "investigating",
) -> IncidentView:
    return IncidentView(id, title, severity, state, public, owner, T - age, False, (), (), (), ())


ALL_OK = Snapshot(
    T,
    (
        mon("web-eu", "Website"),
        mon("web-us", "Website"),
        mon("api-eu", "API"),
        mon("api-us", "API"),
        mon("api-ap", "API"),
        mon("checkout", "Payments"),
        mon("db-primary", "Database"),
        mon("db-replica", "Database", S.MAINTENANCE, "maintenance window"),
        mon("smtp", "Email"),
        mon("batch-heartbeat", None, name="Nightly batch"),
    ),
    (),
    (),
    (),
)

TROUBLE = Snapshot(
    T,
    (
        mon("web-eu", "Website"),
        mon("web-us", "Website", S.DEGRADED, "slow: 2.4s > 1s max_response_time"),
        mon("api-eu", "API", S.DOWN, "connection refused"),
        mon("api-us", "API", S.DOWN, "HTTP 503 Service Unavailable"),
        mon("api-ap", "API"),
        mon("checkout", "Payments", S.PENDING, "timeout after 10s"),
        mon("db-primary", "Database"),
        mon("db-replica", "Database", S.MAINTENANCE, "maintenance window"),
        mon("smtp", "Email"),
        mon("batch-heartbeat", None, name="Nightly batch"),
    ),
    (
        incident(
            13,
            "Website slow for US visitors",
            "SEV2",
            owner="bob",
            age=3960,
            state="acknowledged",
            public="identified",
        ),
        incident(12, "API down in all regions [bold red]x[/]", "SEV1"),
    ),
    (),
    (),
)


class WallboardApp(App[None]):
    """The wallboard on top of an empty default screen, as the dashboard app pushes it."""

    def __init__(self, snapshot: Snapshot | None, theme: str = "statuscat-dark") -> None:
        super().__init__()
        self.snapshot = snapshot
        self.theme_name = theme

    def on_mount(self) -> None:
        for theme in load_themes().values():
            self.register_theme(theme)
        self.theme = self.theme_name
        self.push_screen(WallboardScreen(self.snapshot, tz=UTC))

    @property
    def board(self) -> WallboardScreen:
        assert isinstance(self.screen, WallboardScreen)
        return self.screen


def text(widget: Widget) -> str:
    """The plain text a widget shows."""
    shown = widget.visual if isinstance(widget, Static) else widget.render()
    assert isinstance(shown, Text | Content), shown
    return shown.plain


def tile(app: WallboardApp, name: str) -> ComponentTile:
    (found,) = [t for t in app.board.query(ComponentTile) if t.data.name == name]
    return found


# -- what to show --------------------------------------------------------------------


def test_tiles_group_monitors_by_component_in_configured_order() -> None:
    tiles = group_tiles(TROUBLE.monitors)
    names = ["Website", "API", "Payments", "Database", "Email", "Nightly batch"]
    assert [t.name for t in tiles] == names
    api = tiles[1]
    assert (api.worst, api.up, api.total) == (S.DOWN, 1, 3)
    assert [name for _, name, _ in api.failing] == ["api-eu", "api-us"]
    database = tiles[3]
    assert (database.worst, database.ok) == (S.MAINTENANCE, True)
    assert [t.worst for t in tiles] == [S.DEGRADED, S.DOWN, S.PENDING, S.MAINTENANCE, S.UP, S.UP]


def test_without_components_each_monitor_is_a_tile() -> None:
    tiles = group_tiles([mon("a", None, name="Alpha"), mon("b", None, S.DOWN, name="Beta")])
    assert [(t.name, t.worst) for t in tiles] == [("Alpha", S.UP), ("Beta", S.DOWN)]


def test_several_monitors_without_a_component_share_other_at_the_end() -> None:
    monitors = [mon("a", None), mon("b", "Web"), mon("c", None, S.DOWN)]
    assert [(t.name, t.total, t.worst) for t in group_tiles(monitors)] == [
        ("Web", 1, S.UP),
        ("Other", 2, S.DOWN),
    ]


def test_failing_tiles_come_first_only_when_not_all_fit() -> None:
    tiles = group_tiles(TROUBLE.monitors)
    assert pick_tiles(tiles, 6) == (tiles, [])
    shown, hidden = pick_tiles(tiles, 4)
    # One cell is kept for the "+N more" tile.
    assert [t.name for t in shown] == ["API", "Website", "Payments"]
    assert [t.name for t in hidden] == ["Database", "Email", "Nightly batch"]


UNCHECKED = replace(ALL_OK, monitors=(mon("a", None, S.UNKNOWN),))


@pytest.mark.parametrize(
    ("snapshot", "expected"),
    [
        (ALL_OK, "✔ ALL SYSTEMS OPERATIONAL · 1 IN MAINTENANCE"),
        (TROUBLE, "✖ 2 INCIDENTS — 1 SEV1, 1 SEV2"),
        (replace(TROUBLE, incidents=TROUBLE.incidents[:1]), "✖ 1 INCIDENT — 1 SEV2"),
        (replace(TROUBLE, incidents=()), "✖ 2 DOWN, 1 DEGRADED, 1 PENDING — NO INCIDENT OPEN"),
        (UNCHECKED, "? WAITING FOR FIRST CHECKS"),
        (None, "… WAITING FOR DATA"),
    ],
)
def test_verdict_in_words(snapshot: Snapshot | None, expected: str) -> None:
    level = {"✔": "ok", "✖": "bad"}.get(expected[0], "warn")
    assert verdict(snapshot) == (expected, level)


@pytest.mark.parametrize(
    ("seconds", "age"),
    [(-5, "0s"), (45, "45s"), (754, "12m"), (3960, "1h 06m"), (2 * 86400 + 4 * 3600, "2d 4h")],
)
def test_format_age(seconds: float, age: str) -> None:
    assert format_age(seconds) == age


def test_grid_plan_prefers_big_tiles_and_caps_at_the_minimum_size() -> None:
    wide = plan_grid(7, 200, 57)
    assert (wide.columns, wide.rows, wide.large) == (4, 2, True)
    small = plan_grid(7, 80, 21)
    assert (small.columns, small.rows, small.large) == (3, 3, False)
    crowded = plan_grid(40, 80, 20)
    assert (crowded.columns, crowded.rows, crowded.capacity) == (3, 5, 15)
    assert crowded.tile_width >= 24 and crowded.tile_height >= 4


def test_clip_words_never_cuts_inside_a_word_when_it_can_avoid_it() -> None:
    assert clip_words("connection refused by peer", 40) == "connection refused by peer"
    assert clip_words("connection refused by peer", 20) == "connection refused…"
    assert clip_words("supercalifragilistic", 8) == "superca…"


def test_failing_lines_fit_whole_names_then_say_how_many_more() -> None:
    failing = [(S.DOWN, f"api-{n}", "connection refused") for n in ("eu", "us", "ap")]
    assert [line.plain for line in failing_lines(failing, 22, 1)] == ["✖ api-eu +2 more"]
    assert [line.plain for line in failing_lines(failing, 26, 1)] == ["✖ api-eu  ✖ api-us +1 more"]
    assert [line.plain for line in failing_lines(failing, 40, 5)] == [
        f"✖ api-{n} — connection refused" for n in ("eu", "us", "ap")
    ]
    assert [line.plain for line in failing_lines(failing, 24, 2)] == [
        "✖ api-eu — connection…",
        "+2 more",
    ]


# -- on screen -------------------------------------------------------------------------


async def test_tiles_show_state_in_symbol_and_word_with_counts_and_failing_names() -> None:
    app = WallboardApp(TROUBLE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        api = tile(app, "API")
        assert api.has_class("-down")
        assert text(api.query_one(".tile-state", Static)) == "✖ DOWN  1/3 up"
        failing = text(api.query_one(FailingList))
        assert "✖ api-eu" in failing and "✖ api-us" in failing and "api-ap" not in failing
        assert text(tile(app, "Website").query_one(".tile-state", Static)) == "▲ DEGRADED  1/2 up"
        assert text(tile(app, "Payments").query_one(".tile-state", Static)).startswith("… PENDING")
        assert text(tile(app, "Email").query_one(".tile-state", Static)) == "✔ UP  1/1 up"
        assert tile(app, "Nightly batch").data.failing == ()
        header = text(app.board.query_one("#wb-verdict", Static))
        assert header == "✖ 2 INCIDENTS — 1 SEV1, 1 SEV2"
        assert text(app.board.query_one("#wb-when", Static)) == "StatusCat · Thu 14:00:00 UTC"


async def test_banners_show_incidents_worst_first_with_owner_status_and_age() -> None:
    app = WallboardApp(TROUBLE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first, second = app.board.banners
        assert text(first.query_one(".banner-severity", Static)) == "SEV1"
        # Markup in outside text is shown as typed, never interpreted.
        assert text(first.query_one(".banner-title", Static)) == (
            "#12 API down in all regions [bold red]x[/]"
        )
        assert text(first.query_one(".banner-meta", Static)) == (
            "INVESTIGATING · unowned · not acked · 12m"
        )
        assert text(second.query_one(".banner-meta", Static)) == "IDENTIFIED · bob · 1h 06m"


async def test_show_updates_the_same_widgets_in_place() -> None:
    app = WallboardApp(TROUBLE)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        board = app.board
        tiles, banners = board.tiles, board.banners
        api = tile(app, "API")
        recovered = replace(
            TROUBLE,
            taken_at=T + 60,
            monitors=tuple(replace(m, state=S.UP) for m in TROUBLE.monitors),
            incidents=TROUBLE.incidents[:1],
        )
        board.show(recovered)
        await pilot.pause()
        assert board.tiles == tiles  # the very same widget objects: nothing remounted
        assert tile(app, "API") is api
        assert not api.has_class("-down") and api.has_class("-up")
        assert text(api.query_one(".tile-state", Static)) == "✔ UP  3/3 up"
        assert text(api.query_one(FailingList)) == ""
        assert board.banners == banners[:1]
        assert len(board.query(IncidentBanner)) == 1
        assert text(banners[0].query_one(".banner-meta", Static)).endswith("· 1h 07m")
        assert text(board.query_one("#wb-verdict", Static)) == "✖ 1 INCIDENT — 1 SEV2"


async def test_show_adds_and_removes_tiles_when_components_change() -> None:
    app = WallboardApp(ALL_OK)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        board = app.board
        before = board.tiles
        grown = replace(ALL_OK, monitors=(*ALL_OK.monitors, mon("cdn", "CDN", S.DOWN)))
        board.show(grown)
        await pilot.pause()
        # Tiles are slots: the existing ones take the new order, one more is mounted.
        assert board.tiles[: len(before)] == before
        names = [t.data.name for t in board.query(ComponentTile)]
        assert names[-2:] == ["Nightly batch", "CDN"]  # configured order
        board.show(replace(ALL_OK, monitors=(*ALL_OK.monitors[:2], ALL_OK.monitors[-1])))
        await pilot.pause()
        assert [t.data.name for t in board.query(ComponentTile)] == ["Website", "Nightly batch"]


async def test_too_many_components_show_failing_first_and_a_more_tile() -> None:
    monitors = tuple(
        mon(f"svc{n}", f"Service {n:02d}", S.DOWN if n in (7, 29) else S.UP) for n in range(1, 31)
    )
    app = WallboardApp(Snapshot(T, monitors, (), (), ()))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        names = [t.data.name for t in app.board.query(ComponentTile)]
        capacity = app.board.plan.capacity
        assert len(names) == capacity - 1
        assert names[:2] == ["Service 07", "Service 29"]
        more = app.board.query_one(MoreTile)
        assert more.display
        assert text(more) == f"+{30 - len(names)} more OK"
        # Nothing drawn outside the screen: the grid fits under the header.
        for widget in app.board.query(ComponentTile):
            region = widget.region
            assert region.right <= 80 and region.bottom <= 24 and region.height >= 4


async def test_the_more_tile_counts_failing_components_it_hides() -> None:
    monitors = tuple(mon(f"svc{n}", f"Service {n:02d}", S.DOWN) for n in range(1, 31))
    app = WallboardApp(Snapshot(T, monitors, (), (), ()))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        hidden = 30 - len(app.board.tiles)
        more = app.board.query_one(MoreTile)
        assert more.has_class("-failing")
        assert text(more) == f"+{hidden} more, {hidden} failing"


async def test_large_screen_gets_big_header_and_large_tiles() -> None:
    monitors = (*TROUBLE.monitors, *(mon(f"m{n}", f"More {n}") for n in range(4)))
    app = WallboardApp(replace(TROUBLE, monitors=monitors))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not app.board.has_class("-big")
        assert not any(t.has_class("-large") for t in app.board.tiles)
        await pilot.resize_terminal(200, 60)
        await pilot.pause()
        assert app.board.has_class("-big")
        assert all(t.has_class("-large") for t in app.board.tiles)
        big = tile(app, "API").query_one(BigState)
        assert "┏━┓ ┏━┓ ╻╻╻ ┏┓╻" in text(big)  # DOWN in large letters
        assert "✖" in text(big)
        assert text(tile(app, "API").query_one(".tile-count", Static)) == "1 of 3 monitors up"


async def test_w_and_escape_go_back_to_the_dashboard() -> None:
    for key in ("w", "escape"):
        app = WallboardApp(ALL_OK)
        async with app.run_test(size=(80, 24)) as pilot:
            assert isinstance(app.screen, WallboardScreen)
            await pilot.press(key)
            assert not isinstance(app.screen, WallboardScreen)


async def test_waiting_for_the_first_snapshot() -> None:
    app = WallboardApp(None)
    async with app.run_test(size=(80, 24)) as pilot:
        assert text(app.board.query_one("#wb-verdict", Static)) == "… WAITING FOR DATA"
        assert app.board.tiles == []
        app.board.show(ALL_OK)
        await pilot.pause()
        assert len(app.board.tiles) == 6


async def test_banners_never_take_more_than_a_third_of_the_screen() -> None:
    many = tuple(incident(n, f"Incident {n}", "SEV3", age=n) for n in range(1, 10))
    app = WallboardApp(replace(TROUBLE, incidents=many))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert len(app.board.banners) == 7  # 24 // 3 rows, one kept for the line below
        more = app.board.query_one("#wb-more-incidents", Static)
        assert more.display and text(more) == "+2 MORE INCIDENTS"
        # Oldest first within a severity: the longest-running incident stays in view.
        assert text(app.board.banners[0].query_one(".banner-title", Static)) == "#9 Incident 9"


async def test_no_monitors_says_so() -> None:
    app = WallboardApp(Snapshot(T, (), (), (), ()))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert text(app.board.query_one("#wb-verdict", Static)) == "? NO MONITORS"
        assert app.board.query_one("#wb-empty").display


# -- snapshots -------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
def test_snapshot_all_ok(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(WallboardApp(ALL_OK), terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
def test_snapshot_incidents_on_the_wallboard_theme(
    snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    assert snap_compare(WallboardApp(TROUBLE, theme="statuscat-wallboard"), terminal_size=size)
