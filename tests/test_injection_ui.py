"""Hostile text in the TUI is shown literally and never reaches the terminal as control codes.

The payloads (tests/support/hostile.py: Rich markup, ANSI CSI and OSC sequences,
C0/C1 controls, bidi overrides, zero-width characters, a 10,000-character
line, wide characters, newlines) go everywhere outside text enters the
dashboard: monitor and component names, the page title and people's names
(config), probe reasons (a loopback target's status line and JSON body),
incident titles, status updates, a postmortem and its action items. A real
engine, SQLite file and loopback target produce them; Pilot drives the screens.

What is checked on every screen, from the compositor's output (exactly what
would be written to the terminal, less Textual's own cursor moves):

- no forbidden code point (C0, DEL, C1, bidi and zero-width) in any text;
- no hyperlink and no ``@click`` action on any cell: markup was not applied;
- every line is exactly the terminal's width: nothing broke the layout;
- the payloads' visible forms are there, brackets and all (``[bold red]x[/]``,
  ``␛[2J``): the rule of ``statuscat_tui/ui/format.py``;
- clicking where ``[@click=app.quit]`` is shown does not quit the app.

The snapshot tests at the end pin what that looks like at 80x24 and 200x60.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual import events
from textual._compositor import LayoutUpdate
from textual.app import App
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Markdown, Static, TextArea

from statuscat_tui.config import parse_config
from statuscat_tui.core.incidents import Incident, IncidentState, PublicStatus
from statuscat_tui.core.model import Config
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
from statuscat_tui.ui.format import literal, visible
from statuscat_tui.ui.incident import IncidentScreen
from statuscat_tui.ui.postmortem import PostmortemScreen
from statuscat_tui.ui.wallboard import WallboardScreen
from tests.support.fixedsession import FixedSession
from tests.support.hostile import (
    BY_NAME,
    HOSTILE,
    LONG,
    Hostile,
    all_in_one,
    forbidden_in,
    short,
    yaml_quoted,
)
from tests.support.httpserver import HTTPTestServer
from tests.support.wait import until

SMALL = (80, 24)
WALLBOARD = (200, 60)

# What the loopback target says: a status line and a JSON body a probe quotes.
REASON_PHRASE = "[bold red]x[/] [@click=app.quit]Q[/]"
JSON_STATUS = "[@click=app.quit]" + "\x1b]0;pwned\x07" + "宽🐱" + "L" * 300

PEOPLE_NAME = BY_NAME["osc-title"].text + " " + BY_NAME["markup-link"].text
COMPONENT = BY_NAME["markup-click"].text + " " + BY_NAME["csi-clear"].text
PAGE_TITLE = BY_NAME["markup-style"].text + " " + BY_NAME["bidi"].text
SEVERITY_TEXT = BY_NAME["csi-colour"].text + " all hands " + BY_NAME["c1"].text


# -- the rule itself ------------------------------------------------------------------


@pytest.mark.parametrize("h", HOSTILE, ids=lambda h: h.name)
def test_the_rule_for_each_payload(h: Hostile) -> None:
    assert visible(h.text) == h.shown
    assert visible(h.text, multiline=True) == h.multiline_shown
    cell = literal(h.text, limit=40)
    assert forbidden_in(cell.plain) == []
    assert cell_len(cell.plain) <= 40
    if cell_len(h.shown) <= 40:
        assert cell.plain == h.shown
    else:  # cut at a cell boundary, and says so
        assert cell.plain.endswith("…")
        assert h.shown.startswith(cell.plain[:-1].rstrip())
    assert cell.spans == [], "no style came from the text"


def test_the_long_line_is_cut_without_reading_all_of_it() -> None:
    cell = literal(LONG * 100, limit=60)  # a megabyte
    assert cell.plain == "L" * 59 + "…"


# -- looking at the terminal output ---------------------------------------------------


@dataclass(frozen=True)
class Frame:
    lines: list[str]
    segments: list[Segment]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def find(self, needle: str) -> Iterator[tuple[int, int]]:
        """(x, y) in cells of every line that holds ``needle``."""
        for y, line in enumerate(self.lines):
            at = line.find(needle)
            if at >= 0:
                yield cell_len(line[:at]), y


def frame(app: App[Any]) -> Frame:
    """The whole screen as the terminal would get it (background screens included)."""
    # The same render export_screenshot() makes, read as segments rather than as SVG.
    update = app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens, simplify=False
    )
    assert isinstance(update, LayoutUpdate)
    lines: list[str] = []
    segments: list[Segment] = []
    for line in update.strips:
        text = []
        for strip in line:
            for seg in strip:
                if seg.control:
                    continue
                segments.append(seg)
                text.append(seg.text)
        lines.append("".join(text))
    return Frame(lines, segments)


def assert_clean(app: App[Any], where: str) -> Frame:
    """Nothing from the data acts on the terminal, nothing is a link, the layout holds."""
    f = frame(app)
    bad = forbidden_in("".join(s.text for s in f.segments))
    assert bad == [], f"{where}: control characters reach the terminal: {bad}"
    links = {s.style.link for s in f.segments if s.style is not None and s.style.link}
    assert links == set(), f"{where}: links from the data: {links}"
    actions = {
        str(s.style.meta.get("@click"))
        for s in f.segments
        if s.style is not None and s.style.meta and "@click" in s.style.meta
    }
    assert not any("quit" in a for a in actions), f"{where}: click actions: {actions}"
    width, height = app.size
    assert len(f.lines) == height, where
    wrong = [(y, cell_len(line)) for y, line in enumerate(f.lines) if cell_len(line) != width]
    assert wrong == [], f"{where}: lines not {width} cells wide: {wrong}"
    assert app.return_code is None, f"{where}: the app is quitting"
    return f


CLICK_TARGETS = ("@click=app.quit", "[link=file:")


async def click_payloads(pilot: Pilot[Any], app: App[Any], where: str) -> None:
    """Click every payload shown that markup would make an action or a link: nothing happens."""
    screen = app.screen
    f = frame(app)
    spots = [spot for needle in CLICK_TARGETS for spot in list(f.find(needle))[:1]]
    assert spots, f"{where}: no payload to click on screen"
    for x, y in spots:
        await pilot.click(offset=(x + 1, y))
        await pilot.pause()
        assert app.return_code is None, f"{where}: clicking the payload quit the app"
        if app.screen is not screen:  # a click on a list row may open it: go back
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen)


def plain(cell: object) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def column(table: DataTable[Any], index: int) -> list[str]:
    return [plain(table.get_row_at(r)[index]) for r in range(table.row_count)]


def assert_cell(shown_text: str, h: Hostile, limit: int) -> None:
    """A table cell holds ``h`` as the rule shows it, cut to ``limit`` cells."""
    assert cell_len(shown_text) <= limit, (h.name, shown_text)
    assert forbidden_in(shown_text) == [], h.name
    if cell_len(h.shown) <= limit:
        assert h.shown in shown_text, (h.name, shown_text)
    else:
        assert shown_text.endswith("…"), (h.name, shown_text)


# -- a real engine on hostile data ----------------------------------------------------


def hostile_config(http: HTTPTestServer) -> Config:
    names = "\n".join(
        f"  - {{id: m{i}, name: {yaml_quoted(h.text)}, url: {yaml_quoted(http.url('/ok'))}}}"
        for i, h in enumerate(HOSTILE)
    )
    return parse_config(
        f"""
settings: {{timezone: UTC, me: ada}}
defaults:
  interval: 500ms
  timeout: 500ms
  confirm: {{failures: 1, retry_interval: 100ms, successes: 1}}
status_page: {{title: {yaml_quoted(PAGE_TITLE)}}}
components: [{{name: {yaml_quoted(COMPONENT)}, description: {yaml_quoted(all_in_one(50))}}}]
monitors:
  - id: phrase
    name: {yaml_quoted(BY_NAME["newlines"].text + " " + BY_NAME["osc-hyperlink"].text)}
    url: {http.url("/phrase")}
    severity: SEV2
    component: {yaml_quoted(COMPONENT)}
    runbook: {yaml_quoted(all_in_one(80))}
  - id: json
    name: {yaml_quoted(BY_NAME["c0"].text + " " + BY_NAME["zero-width"].text)}
    url: {http.url("/json")}
    severity: SEV3
    component: {yaml_quoted(COMPONENT)}
    expect: {{json: {{status: ok}}}}
{names}
people:
  - {{id: ada, name: {yaml_quoted(PEOPLE_NAME)}, notify: ["json://127.0.0.1:{http.port}/hook"]}}
schedules:
  - id: primary
    name: {yaml_quoted(BY_NAME["osc-clipboard"].text + " rota")}
    rotation: {{every: 1w, handoff: "09:00", start: 2020-01-06, members: [ada]}}
escalation_policies:
  - id: default
    steps: [{{notify: "schedule:primary", wait: 5m}}]
severities:
  SEV2: {{escalation: default, description: {yaml_quoted(SEVERITY_TEXT)}}}
  SEV3: {{page: never, description: {yaml_quoted(BY_NAME["markup-unbalanced"].text)}}}
status_updates:
  monitoring: "Watching: {{title}}"
""",
        "hostile.yml",
        env={},
    )


@pytest.fixture
def target(http_server: HTTPTestServer) -> HTTPTestServer:
    http_server.set("/ok", body="ok")
    http_server.set("/hook", body="ok")
    http_server.set("/phrase", status=503, reason=REASON_PHRASE, body="\x1b[2J\x1b]0;x\x07")
    http_server.set("/json", json={"status": JSON_STATUS})
    return http_server


def dashboard_table(app: StatusCatApp, table_id: str) -> DataTable[Any]:
    return app.screen_stack[0].query_one(f"#{table_id}", DataTable)


async def seed_incidents(app: StatusCatApp) -> dict[str, int]:
    """One incident per payload (its title), each with a two-line update carrying it too."""
    ids: dict[str, int] = {}
    for h in HOSTILE:
        inc = await app.session.open_incident(h.text, "SEV3", None)
        await app.session.update(inc.id, "identified", f"{h.text}\nsecond line {h.name}")
        ids[h.name] = inc.id
    everything = await app.session.open_incident(all_in_one(), "SEV3", None)
    await app.session.update(everything.id, "identified", all_in_one(300).replace(" | ", "\n"))
    ids["all"] = everything.id
    return ids


async def test_hostile_text_on_every_screen(target: HTTPTestServer, tmp_path: Path) -> None:
    app = StatusCatApp(
        hostile_config(target), tmp_path / "sc.db", refresh_every=0.5, publish_to=tmp_path / "site"
    )
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        monitors = dashboard_table(app, "monitors")
        incidents = dashboard_table(app, "incidents")
        # The two failing monitors are DOWN with their reasons, and #1 (SEV2) paged ada.
        await until(pilot, lambda: column(monitors, 0)[:2] == ["✖ DOWN", "✖ DOWN"], 10)
        ids = await seed_incidents(app)
        wanted = {str(i) for i in ids.values()}
        await until(pilot, lambda: wanted <= {str(r.key.value) for r in incidents.ordered_rows}, 10)

        # -- the dashboard: every payload in the monitor names, reasons and incident titles.
        names = column(monitors, 1)
        for i, h in enumerate(HOSTILE):
            row = monitors.get_row_index(f"m{i}")
            assert_cell(names[row], h, 40)
        reasons = sorted(column(monitors, 2)[:2])  # cut to the column's 40 cells
        assert reasons[0].startswith("HTTP 503 [bold red]x[/] [@click=app.qui"), reasons
        assert reasons[1].startswith("json status: expected 'ok', got '[@clic"), reasons
        titles = dict(zip(column(incidents, 1), column(incidents, 2), strict=True))
        for h in HOSTILE:
            assert_cell(titles[f"#{ids[h.name]}"], h, 60)
        for table in (monitors, incidents, dashboard_table(app, "events")):
            assert {row.height for row in table.ordered_rows} == {1}, table.id  # one line each
        await until(pilot, lambda: bool(app.screen.query("Toast")))  # "#1 paged <ada>: …"
        f = assert_clean(app, "dashboard")
        assert "[bold red]x[/]" in f.text  # markup shown as written, in a reason
        await click_payloads(pilot, app, "dashboard")

        # -- the incident screen of the incident that holds every payload.
        incidents.focus()
        incidents.move_cursor(row=incidents.get_row_index(str(ids["all"])))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        screen = app.screen
        assert isinstance(screen, IncidentScreen)
        await until(pilot, lambda: screen.detail is not None)
        head = frame(app).text
        assert "[bold red]x[/]" in head and "␛[31mRED␛[0m" in head, head
        assert_clean(app, "incident screen")
        updates = screen.query_one("#incident-updates", Static).render()
        assert isinstance(updates, Content)
        for h in HOSTILE:  # each payload on its own line of the update, newlines kept
            assert h.multiline_shown[:30] in updates.plain, h.name
        assert "line1\nline2\nline3" in updates.plain
        await click_payloads(pilot, app, "incident screen")

        # -- post an update: the title in the heading, the template filled with it.
        await pilot.press("u")
        await until(pilot, lambda: type(app.screen).__name__ == "UpdateModal")
        area = app.screen.query_one("#message", TextArea)
        assert area.text == "Watching: " + visible(all_in_one(), multiline=True)
        assert forbidden_in(area.text.replace("\n", "")) == []
        f = assert_clean(app, "update modal")
        assert "[@click=app.quit]QUIT[/]" in f.text
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, IncidentScreen))

        # -- page someone: people and schedules by their (hostile) names.
        await pilot.press("P")
        await until(pilot, lambda: type(app.screen).__name__ == "PageModal")
        f = assert_clean(app, "page modal")
        assert "␛]0;pwned title␇" in f.text, f.text
        message = app.screen.query_one("#message", Input)
        message.focus()
        await pilot.press(*"why")
        message.post_message(events.Paste("\x1b[2J\x1b]52;c;eA==\x07"))
        await pilot.pause()
        assert message.value == "why", "a pasted control sequence is refused"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, IncidentScreen))

        # -- severity: the team's (hostile) descriptions.
        await pilot.press("s")
        await until(pilot, lambda: type(app.screen).__name__ == "SeverityModal")
        f = assert_clean(app, "severity modal")
        assert "␛[31mRED␛[0m all hands" in f.text, f.text
        await pilot.press("escape")
        await pilot.press("escape")  # back to the dashboard
        await until(pilot, lambda: app.screen is app.screen_stack[0])

        # -- open an incident: component names in the list, the title refuses controls.
        await pilot.press("n")
        await until(pilot, lambda: type(app.screen).__name__ == "OpenIncidentModal")
        title = app.screen.query_one("#title", Input)
        title.post_message(events.Paste("ok\x1b[2J"))
        await pilot.press(*"db down")
        assert title.value == "db down"
        await pilot.press("tab", "tab", "space")  # open the component list
        await pilot.pause()
        f = assert_clean(app, "open-incident modal")
        assert "[@click=app.quit]QUIT[/] CLS␛[2J" in f.text, f.text
        await pilot.press("escape", "escape")
        await until(pilot, lambda: app.screen is app.screen_stack[0])

        # -- a forced resolve asks first; the question names what still fails.
        incidents.focus()
        incidents.move_cursor(row=incidents.get_row_index("1"))
        await pilot.press("r")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmModal")
        assert_clean(app, "confirm modal")
        await pilot.press("escape")

        # -- the wallboard, small and large.
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, WallboardScreen))
        await pilot.pause()
        f = assert_clean(app, "wallboard 80x24")
        assert "[bold red]x[/] BIDI�evil.exe�" in f.text, f.text  # the page title
        await pilot.resize_terminal(*WALLBOARD)
        await until(pilot, lambda: app.size == WALLBOARD)
        await pilot.pause(0.3)
        f = assert_clean(app, "wallboard 200x60")
        assert "[@click=app.quit]QUIT[/] CLS␛[2J" in f.text  # the component's tile
        assert "line1␤line2␍␤line3" in f.text  # a failing monitor's name, on one line
        await click_payloads(pilot, app, "wallboard")
        await pilot.press("w")
        await until(pilot, lambda: app.screen is app.screen_stack[0])
        await pilot.pause(0.3)
        assert_clean(app, "dashboard 200x60")
        await click_payloads(pilot, app, "dashboard 200x60")
        assert app.return_code is None


async def test_hostile_postmortem(target: HTTPTestServer, tmp_path: Path) -> None:
    for path in ("/phrase", "/json"):  # no outage: the one incident is the one opened here
        target.set(path, json={"status": "ok"})
    app = StatusCatApp(
        hostile_config(target), tmp_path / "sc.db", refresh_every=0.5, publish_to=tmp_path / "site"
    )
    body = "# Postmortem\n\n## Summary\n\n" + "\n\n".join(short(h, 300) for h in HOSTILE) + "\n"
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await until(pilot, lambda: app.ready)
        inc = await app.session.open_incident(all_in_one(), "SEV3", None)
        record = await app.session.postmortem(inc.id)
        await app.session.save_postmortem(inc.id, body, base_version=record.version)
        item = await app.session.add_action(
            inc.id, all_in_one(100), owner="ada", due=None, priority="P1"
        )
        await until(pilot, lambda: dashboard_table(app, "incidents").row_count == 1)

        await pilot.press("2", "p")
        await until(pilot, lambda: isinstance(app.screen, PostmortemScreen))
        screen = app.screen
        assert isinstance(screen, PostmortemScreen)
        await until(pilot, lambda: screen.loaded and screen.actions != [])
        # The editor shows (and would save) the visible form; that is not an unsaved change.
        assert screen.editor.text == visible(body, multiline=True)
        assert not screen.dirty
        f = assert_clean(app, "postmortem editor")
        assert "[@click=app.quit]" in f.text  # the title in the header
        # Pasting an escape sequence pastes its picture.
        screen.editor.focus()
        screen.editor.post_message(events.Paste("\x1b]52;c;ZXZpbA==\x07\x1b[2J"))
        await until(pilot, lambda: "␛]52;c;ZXZpbA==␇␛[2J" in screen.editor.text)
        assert forbidden_in(screen.editor.text.replace("\n", "")) == []
        assert_clean(app, "postmortem editor after paste")

        # The action item, in its table and in the delete confirmation.
        actions = screen.query_one("#pm-actions", DataTable)
        assert "[link=file:///etc/passwd]" in plain(actions.get_row_at(0)[1])
        await pilot.press("f3")
        await until(pilot, lambda: app.focused is actions)
        await pilot.press("d")
        await until(pilot, lambda: type(app.screen).__name__ == "ConfirmModal")
        f = assert_clean(app, "delete action confirmation")
        assert "[bold red]x[/]" in f.text
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        await pilot.press("e")  # edit: the text field holds the visible form
        await until(pilot, lambda: type(app.screen).__name__ == "ActionItemModal")
        field = app.screen.query_one("#action-text", Input)
        assert field.value == visible(item.text)
        assert_clean(app, "action item form")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)

        # The Markdown preview.
        await pilot.press("f2")
        await until(pilot, lambda: screen.previewing)
        await pilot.pause(0.3)
        preview = screen.query_one("#pm-markdown", Markdown)
        assert preview.source == screen.editor.text
        f = assert_clean(app, "postmortem preview")
        assert "[bold red]x[/]" in f.text

        # Every postmortem: the title in the list.
        await pilot.press("f2", "escape")
        await until(pilot, lambda: app.screen is app.screen_stack[0])
        await pilot.press("R")
        await until(pilot, lambda: type(app.screen).__name__ == "PostmortemListScreen")
        await pilot.pause(0.3)
        f = assert_clean(app, "postmortem list")
        assert "[bold red]x[/]" in f.text
        assert app.return_code is None


# -- snapshots ------------------------------------------------------------------------------

T0 = 1_796_000_000.0  # fixed: the rendering must not depend on today

SNAP_CONFIG = parse_config(
    f"""
settings: {{timezone: UTC, me: ada}}
status_page: {{title: {yaml_quoted(PAGE_TITLE)}}}
monitors:
  - {{id: checkout, name: Checkout, url: "http://127.0.0.1:9/", component: Storefront,
     runbook: {yaml_quoted(BY_NAME["osc-hyperlink"].text)}}}
people: [{{id: ada, name: {yaml_quoted(PEOPLE_NAME)}}}]
""",
    "snap.yml",
    env={},
)


def _monitor(i: int, h: Hostile, state: S, reason: str) -> MonitorView:
    return MonitorView(
        f"m{i}",
        h.text,
        "http",
        "http://x/",
        COMPONENT if i % 3 == 0 else None,
        state,
        T0 - 60 * i,
        0.012 + i / 1000,
        reason,
        99.5,
        99.9,
        (0.01, 0.02, 0.015),
    )


SNAP_MONITORS = (
    MonitorView(
        "checkout",
        "Checkout",
        "http",
        "http://x/",
        "Storefront",
        S.DOWN,
        T0 - 300,
        0.4,
        "HTTP 503 " + REASON_PHRASE,
        98.5,
        99.9,
        (0.02, 0.4),
    ),
    *(
        _monitor(i, h, S.DOWN if i % 4 == 0 else S.UP, h.text if i % 4 == 0 else "HTTP 200 OK")
        for i, h in enumerate(HOSTILE)
    ),
)
SNAP_INCIDENTS = tuple(
    IncidentView(
        i + 1,
        h.text,
        "SEV1" if i == 0 else "SEV3",
        "triggered",
        "investigating",
        "ada" if i % 2 else None,
        T0 - 100 * (i + 1),
        False,
        (COMPONENT,),
        ("checkout",),
        ("ada",),
        (),
    )
    for i, h in enumerate(HOSTILE)
)
SNAP = Snapshot(
    T0,
    SNAP_MONITORS,
    SNAP_INCIDENTS,
    (OnCallView("primary", PEOPLE_NAME, "ada", PEOPLE_NAME, T0 + 86400, "ada", T0 + 86400, None),),
    tuple(
        FeedItem(T0 - 10 * i, f"#{i + 1} opened: {h.text}", i + 1) for i, h in enumerate(HOSTILE)
    ),
)


def hostile_detail() -> IncidentDetail:
    """The incident screen's data: every payload in the title, timeline and updates."""
    inc = Incident(
        1,
        all_in_one(40),
        "SEV1",
        T0 - 300,
        [COMPONENT],
        ["checkout"],
        PEOPLE_NAME,
        IncidentState.ACKNOWLEDGED,
        PublicStatus.IDENTIFIED,
        T0 - 290,
    )
    timeline = tuple(
        (T0 - 290 + i, f"checkout confirmed DOWN: {short(h, 120)}") for i, h in enumerate(HOSTILE)
    )
    updates = tuple(
        (T0 - 200 + i, "identified", short(h, 120) + "\nwe are on it")
        for i, h in enumerate(HOSTILE[:6])
    )
    return IncidentDetail(
        inc,
        timeline,
        (SNAP_MONITORS[0], SNAP_MONITORS[1]),
        (),
        updates,
        (PEOPLE_NAME,),
        "next: step 2 in 10s " + BY_NAME["osc-clipboard"].text,
        SEVERITY_TEXT,
    )


@pytest.fixture
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def snap_app(tmp_path: Path) -> StatusCatApp:
    return StatusCatApp(
        SNAP_CONFIG,
        tmp_path / "x.db",
        session=FixedSession(SNAP, hostile_detail()),  # type: ignore[arg-type]
        refresh_every=3600,
    )


SIZES = [SMALL, WALLBOARD]


@pytest.mark.usefixtures("_utc")
@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x60"])
def test_snapshot_dashboard(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(snap_app(tmp_path), terminal_size=size, press=["2"])


@pytest.mark.usefixtures("_utc")
@pytest.mark.parametrize("size", SIZES, ids=["80x24", "200x60"])
def test_snapshot_incident_screen(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(snap_app(tmp_path), terminal_size=size, press=["2", "enter"])


@pytest.mark.usefixtures("_utc")
def test_snapshot_wallboard(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(snap_app(tmp_path), terminal_size=WALLBOARD, press=["w"])
