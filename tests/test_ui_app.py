"""The dashboard driven by Pilot against a real engine, loopback targets and SQLite."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

import pytest
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Button, DataTable, Static

from statuscat_tui.config import load_config, parse_config
from statuscat_tui.core.model import Config
from statuscat_tui.engine.lock import engine_running
from statuscat_tui.engine.session import Snapshot
from statuscat_tui.ui.app import StatusCatApp
from tests.support.httpserver import HTTPTestServer
from tests.support.net import free_port
from tests.support.sqlitedb import db_row
from tests.support.wait import until, wait_for
from tests.test_ui_fields import burst

SIZE = (80, 24)


CALM = "interval: 1s, timeout: 1s, confirm: {failures: 3, retry_interval: 100ms, successes: 1}"


def ui_config(
    http: HTTPTestServer, name: str = "Checkout API", first_step: str = '"schedule:primary"'
) -> Config:
    return parse_config(
        f"""
settings: {{timezone: UTC, me: ada}}
defaults:
  interval: 300ms
  timeout: 300ms
  confirm: {{failures: 1, retry_interval: 100ms, successes: 1}}
components: [{{name: Storefront}}]
monitors:
  - id: checkout
    name: '{name}'
    url: {http.url("/health")}
    severity: SEV2
    component: Storefront
    runbook: Restart the workers
  # The tests fail "checkout" on purpose; these two must not open an incident of their own
  # when one probe is slow on a loaded machine (it took #1, and checkout's became #2).
  - {{id: search, url: "{http.url("/search")}", severity: SEV3, {CALM}}}
  - {{id: api, url: "{http.url("/api")}", severity: SEV3, expect: {{json: {{status: ok}}}}, {CALM}}}
people:
  - {{id: ada, name: Ada, notify: ["json://127.0.0.1:{http.port}/hook/ada"]}}
  - {{id: grace, name: Grace, notify: ["json://127.0.0.1:{http.port}/hook/grace"]}}
schedules:
  - id: primary
    rotation: {{every: 1w, handoff: "09:00", start: 2020-01-06, members: [ada]}}
escalation_policies:
  - id: default
    steps: [{{notify: {first_step}, wait: 5m}}]
severities:
  SEV2: {{escalation: default}}
""",
        "ui.yml",
        env={},
    )


def table_text(app: StatusCatApp, table_id: str) -> str:
    table = app.screen_stack[0].query_one(f"#{table_id}", DataTable)
    lines = []
    for r in range(table.row_count):
        lines.append(" | ".join(str(getattr(c, "plain", c)) for c in table.get_row_at(r)))
    return "\n".join(lines)


@pytest.fixture
def target(http_server: HTTPTestServer) -> HTTPTestServer:
    for path in ("/health", "/search", "/hook/ada", "/hook/grace"):
        http_server.set(path, body="ok")
    http_server.set("/api", body='{"status": "ok"}')
    return http_server


async def open_incident(app: StatusCatApp, target: HTTPTestServer, pilot: object) -> None:
    await until(pilot, lambda: "UP" in table_text(app, "monitors"))
    target.set("/health", status=503, body="upstream timeout")
    await until(pilot, lambda: "#1" in table_text(app, "incidents"))


async def test_ack_update_resolve_from_the_keyboard(target: HTTPTestServer, tmp_path: Path) -> None:
    db = tmp_path / "sc.db"
    app = StatusCatApp(ui_config(target), db, refresh_every=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await open_incident(app, target, pilot)
        assert "✖ DOWN" in table_text(app, "monitors").splitlines()[0]
        await pilot.press("2", "a")
        await until(pilot, lambda: db_row(db, "SELECT state FROM incidents")[0] == "acknowledged")
        assert db_row(db, "SELECT owner FROM incidents") == ("ada",)
        # u: the next public state (identified) is preselected with its template.
        await pilot.press("u")
        await pilot.pause()
        await pilot.press("enter")
        await until(
            pilot,
            lambda: db_row(db, "SELECT public_status FROM incidents")[0] == "identified",
        )
        # r while the target still fails: refused, force offered; escape keeps it open.
        await pilot.press("r")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmModal")
        await pilot.press("escape")
        await pilot.pause(0.3)
        assert db_row(db, "SELECT state FROM incidents") == ("acknowledged",)
        target.set("/health", body="ok")
        await until(
            pilot,
            lambda: (
                "✔ UP" in table_text(app, "monitors").splitlines()[-1]
                and "✖" not in table_text(app, "monitors")
            ),
        )
        await pilot.pause(0.5)  # the state snapshot reaches SQLite
        await pilot.press("r")
        await until(pilot, lambda: db_row(db, "SELECT state FROM incidents")[0] == "resolved")
        await pilot.press("q")


async def test_severity_owner_page_force_resolve_and_new_incident(
    target: HTTPTestServer, tmp_path: Path
) -> None:
    db = tmp_path / "sc.db"
    app = StatusCatApp(ui_config(target), db, refresh_every=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await open_incident(app, target, pilot)
        await pilot.press("2", "s")
        await until(pilot, lambda: type(app.screen).__name__ == "SeverityModal")
        await pilot.press("home", "enter")  # SEV1 is first
        await until(pilot, lambda: db_row(db, "SELECT severity FROM incidents")[0] == "SEV1")
        await pilot.press("o")
        await until(pilot, lambda: db_row(db, "SELECT owner FROM incidents")[0] == "ada")
        await pilot.press("P")
        await until(pilot, lambda: type(app.screen).__name__ == "PageModal")
        # The first entry is the schedule (ada is on call); enter, then a message, enter.
        await pilot.press("enter", *"db help", "enter")
        await until(
            pilot,
            lambda: db_row(db, "SELECT count(*) FROM outbox WHERE kind = 'responder'")[0] == 1,
        )
        assert db_row(db, "SELECT person FROM outbox WHERE kind = 'responder'") == ("ada",)
        # Resolve while still failing: refused, then forced with y.
        await pilot.press("r")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmModal")
        await pilot.press("y")
        await until(pilot, lambda: db_row(db, "SELECT state FROM incidents")[0] == "resolved")
        assert db_row(db, "SELECT actor, data FROM timeline WHERE kind = 'resolve_forced'") == (
            "ada",
            '{"failing": ["checkout"]}',
        )
        # A SEV1 needs a postmortem: its draft opens at once; escape goes back.
        await until(pilot, lambda: type(app.screen).__name__ == "PostmortemScreen")
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ == "Dashboard")
        await pilot.press("n")
        await until(pilot, lambda: type(app.screen).__name__ == "OpenIncidentModal")
        await pilot.press(*"Search is slow")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: db_row(db, "SELECT count(*) FROM incidents")[0] == 2)
        assert db_row(db, "SELECT title, opened_by FROM incidents WHERE id = 2") == (
            "Search is slow",
            "ada",
        )


async def test_pages_of_one_incident_make_one_toast(target: HTTPTestServer, tmp_path: Path) -> None:
    """A step paging several people: one bell and one toast naming them all, not a stack."""
    config = ui_config(target, first_step="[person:ada, person:grace]")
    app = StatusCatApp(config, tmp_path / "sc.db", refresh_every=0.1)
    bells: list[float] = []
    app.bell = lambda: bells.append(time.monotonic())  # type: ignore[method-assign]
    async with app.run_test(size=(120, 30)) as pilot:
        await open_incident(app, target, pilot)
        await until(pilot, lambda: target.hits("/hook/ada") and target.hits("/hook/grace"))
        await until(pilot, lambda: any(n.title == "Page" for n in app._notifications))
        await pilot.pause(0.5)  # a second toast would come with the next refresh
        pages = [str(n.message) for n in app._notifications if n.title == "Page"]
        assert pages == ["🔔 #1 paged Ada, Grace: Checkout API is down"], pages
        assert len(bells) == 1


async def test_refused_action_shows_error_and_changes_nothing(
    target: HTTPTestServer, tmp_path: Path
) -> None:
    db = tmp_path / "sc.db"
    app = StatusCatApp(ui_config(target), db, refresh_every=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")  # no incident at all
        await pilot.pause()
        assert any("no incident selected" in str(n.message) for n in app._notifications)


async def test_outside_text_is_shown_literally(target: HTTPTestServer, tmp_path: Path) -> None:
    """Markup and escape sequences from a config name and from a response body stay inert."""
    config = ui_config(target, name="[bold red]x[/] name")
    app = StatusCatApp(config, tmp_path / "sc.db", refresh_every=0.1)
    async with app.run_test(size=(200, 30)) as pilot:
        await until(pilot, lambda: "UP" in table_text(app, "monitors"))
        assert "[bold red]x[/] name" in table_text(app, "monitors")
        # The api monitor's JSON check quotes a hostile value from the body in its reason.
        hostile = '{"status": "[blink]pwn[/] \\u001b[31mred \\u001b]0;t\\u0007"}'
        target.set("/api", body=hostile)
        await until(pilot, lambda: "got '[blin" in table_text(app, "monitors"))
        text = table_text(app, "monitors")
        assert "\x1b" not in text and "\x07" not in text


async def test_two_dashboards_elect_one_engine(target: HTTPTestServer, tmp_path: Path) -> None:
    db = tmp_path / "sc.db"
    first = StatusCatApp(ui_config(target), db, refresh_every=0.1)
    second = StatusCatApp(ui_config(target), db, refresh_every=0.1)
    async with first.run_test(size=SIZE) as p1:
        await until(p1, lambda: first.ready)
        async with second.run_test(size=SIZE) as p2:
            await until(p2, lambda: second.ready)
            assert (first.session.mode, second.session.mode) == ("engine", "viewer")
            banner = second.screen_stack[0].query_one("#viewer-banner")
            assert "VIEWER" in str(banner.render()) and "pid" in str(banner.render())
            await open_incident(first, target, p1)
            # The viewer sees the same incident and acts through the database.
            await until(p2, lambda: "#1" in table_text(second, "incidents"))
            await p2.press("2", "a")
            await until(p2, lambda: db_row(db, "SELECT state FROM incidents")[0] == "acknowledged")
    # Only one process ran the engine: one run recorded.
    assert db_row(db, "SELECT count(*) FROM engine_runs") == (1,)


async def test_help_lists_every_key(target: HTTPTestServer, tmp_path: Path) -> None:
    app = StatusCatApp(ui_config(target), tmp_path / "sc.db", refresh_every=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        keys = {k for _, rows in app.help_sections() for k, _ in rows}
        for key in (
            "a",
            "o",
            "u",
            "s",
            "n",
            "P",
            "r",
            "w",
            "?",
            "/",
            "space",
            "q",
            "1",
            "4",
            "j",
            "k",
            "g",
            "G",
            "enter",
            "esc",
            "ctrl+p",
        ):
            assert key in keys, key


async def test_pause_filter_and_panes(target: HTTPTestServer, tmp_path: Path) -> None:
    app = StatusCatApp(ui_config(target), tmp_path / "sc.db", refresh_every=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "Checkout" in table_text(app, "monitors"))
        await pilot.press("slash", *"search")
        await pilot.pause()
        assert "Checkout" not in table_text(app, "monitors")
        assert "search" in table_text(app, "monitors")
        await pilot.press("escape")
        await pilot.pause()
        assert "Checkout" in table_text(app, "monitors")
        await pilot.press("space")
        before = app.snapshot
        await pilot.pause(0.5)
        assert app.snapshot is before and app.paused
        await pilot.press("space")
        await until(pilot, lambda: app.snapshot is not before)
        await pilot.press("3")
        assert app.focused is not None and app.focused.id == "oncall"
        await pilot.press("w")
        await until(pilot, lambda: type(app.screen).__name__ == "WallboardScreen")
        await pilot.press("w")
        await until(pilot, lambda: type(app.screen).__name__ == "Dashboard")


async def test_refreshing_at_once_does_not_add_refresh_loops(
    target: HTTPTestServer, tmp_path: Path
) -> None:
    """Every action refreshes at once; the periodic refresh must stay one loop."""
    app = StatusCatApp(ui_config(target), tmp_path / "sc.db", refresh_every=0.2)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "UP" in table_text(app, "monitors"))
        calls: list[float] = []
        real = app.session.snapshot

        async def counted() -> Snapshot:
            calls.append(time.monotonic())
            return await real()

        app.session.snapshot = counted  # type: ignore[method-assign]
        for _ in range(20):  # as 20 actions in a row would
            app.refresh_now()
            await pilot.pause()
        calls.clear()
        await pilot.pause(2.0)
        # One loop at 0.2 s gives about 10 reads in 2 s; 20 stray loops ~200.
        assert 5 <= len(calls) <= 14, len(calls)


async def test_a_viewer_says_when_the_engine_process_is_gone(
    target: HTTPTestServer, tmp_path: Path
) -> None:
    """The headless engine dies (kill -9): the viewer must not look like all is well."""
    db = tmp_path / "sc.db"
    cfg = tmp_path / "sc.yml"
    cfg.write_text(
        f"settings: {{me: ada, listen: '127.0.0.1:{free_port()}'}}\n"
        f"monitors: [{{id: checkout, url: '{target.url('/health')}',"
        " interval: 1s, timeout: 500ms}]\n"
    )
    statuscat = str(Path(sys.executable).with_name("statuscat"))

    def engine() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [statuscat, "run", "--headless", "-c", str(cfg), "--db", str(db)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    proc = engine()
    try:
        await wait_for(lambda: engine_running(db), within=20)
        app = StatusCatApp(load_config(cfg), db, refresh_every=0.1)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.ready)
            assert app.session.mode == "viewer"
            banner = app.screen_stack[0].query_one("#viewer-banner", Static)
            await until(pilot, lambda: "VIEWER" in str(banner.render()))
            proc.kill()
            proc.wait()
            await until(pilot, lambda: "NO ENGINE" in str(banner.render()), within=5)
            assert "nothing is probing or paging" in str(banner.render())
            assert banner.has_class("-no-engine")
            proc = engine()  # someone starts it again
            await until(pilot, lambda: "VIEWER" in str(banner.render()), within=20)
            assert not banner.has_class("-no-engine")
    finally:
        proc.kill()
        proc.wait()


def test_page_toast_names_at_most_three_people() -> None:
    from statuscat_tui.ui.app import _some_of

    assert _some_of(["Ada", "Grace", "Ada", "Linus", "Ken", "Barbara"]) == (
        "Ada, Grace, Linus +2 more"
    )
    assert _some_of(["Ada"]) == "Ada"


# --- type-ahead: keys typed while a dialog opens go to it -------------------------------


UPDATE_SQL = "SELECT data FROM timeline WHERE kind = 'status_update' ORDER BY id DESC LIMIT 1"


async def test_a_dialog_key_and_what_follows_typed_as_one_burst(
    target: HTTPTestServer, tmp_path: Path
) -> None:
    """``u`` and the message arrive together (fast typing, a slow SSH link, a loaded machine).

    Before ui/typeahead.py the keys after ``u`` went to the dashboard's table and
    the box opened empty; ``s`` then ``up`` left the severity as it was.
    """
    db = tmp_path / "sc.db"
    app = StatusCatApp(ui_config(target), db, refresh_every=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await open_incident(app, target, pilot)
        await pilot.press("2")
        await pilot.pause()
        burst(app, "u", "f7", "backspace", "failover finished", "enter")
        await until(pilot, lambda: "failover finished" in str(db_row(db, UPDATE_SQL)))
        assert db_row(db, UPDATE_SQL)[0].count("failover finished") == 1
        assert db_row(db, "SELECT public_status FROM incidents") == ("identified",)
        assert type(app.screen).__name__ == "Dashboard"
        burst(app, "s", "up", "enter")  # SEV2 -> SEV1
        await until(pilot, lambda: db_row(db, "SELECT severity FROM incidents") == ("SEV1",))
        await pilot.press("q")


async def test_keys_typed_before_a_new_screen_has_its_focus_wait_for_it(
    target: HTTPTestServer, tmp_path: Path
) -> None:
    db = tmp_path / "sc.db"
    app = StatusCatApp(ui_config(target), db, refresh_every=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await open_incident(app, target, pilot)
        await pilot.press("2")
        await pilot.pause()
        app.action_update()  # the box is on the stack; it focuses its text a moment later
        assert app.focused is None
        burst(app, "f7", "backspace", "rolled back", "enter")
        await until(pilot, lambda: "rolled back" in str(db_row(db, UPDATE_SQL)))
        await pilot.press("q")


class _Unfocused(Screen[None]):
    """A screen with something focusable that focuses nothing by itself."""

    AUTO_FOCUS = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "note('x')"),
        Binding("y", "note('y')"),
        Binding("escape", "app.pop_screen"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.notes: list[str] = []

    def compose(self) -> ComposeResult:
        yield Button("nothing")

    def action_note(self, key: str) -> None:
        self.notes.append(key)


async def test_a_screen_that_focuses_nothing_still_gets_its_keys_in_order(
    target: HTTPTestServer, tmp_path: Path
) -> None:
    app = StatusCatApp(ui_config(target), tmp_path / "sc.db", refresh_every=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = _Unfocused()
        await app.push_screen(screen)
        await pilot.pause()
        assert app.focused is None
        burst(app, "x", "y", "x")  # kept a moment for a focus that never comes, then delivered
        await until(pilot, lambda: len(screen.notes) == 3)
        burst(app, "y", "x")
        await until(pilot, lambda: len(screen.notes) == 5)
        assert screen.notes == ["x", "y", "x", "y", "x"]
        await pilot.press("escape", "q")
