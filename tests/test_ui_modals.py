"""The dashboard's modal dialogs, driven by the keyboard through a tiny harness app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widgets import Button, Input, OptionList, Static, TextArea

from statuscat_tui.core.model import DEFAULT_SEVERITIES, Severity
from statuscat_tui.engine.session import IncidentView
from statuscat_tui.ui.modals import (
    STATUSES,
    ConfirmModal,
    OpenIncidentModal,
    PageModal,
    SeverityModal,
    UpdateModal,
    next_status,
)

SIZE = (80, 24)
TEMPLATES = {
    "investigating": "We are investigating problems with API.",
    "identified": "We found the cause of the API problems and are fixing it.",
    "monitoring": "A fix is out for API; we are watching the results.",
    "resolved": "API problems are resolved.",
}
MARKUP = "[bold red]x[/] broken"


class Harness(App[None]):
    """Pushes one modal on start and records what it dismisses with."""

    def __init__(self, modal: Screen[Any]) -> None:
        super().__init__()
        self.modal = modal
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.modal, self.results.append)


def incident(public_status: str = "investigating", title: str = "API errors") -> IncidentView:
    return IncidentView(
        id=7,
        title=title,
        severity="SEV2",
        state="triggered",
        public_status=public_status,
        owner=None,
        started=0.0,
        ready=False,
        components=("API",),
        monitors=("api-health",),
        paged=(),
        acked_by=(),
    )


def plain(widget: Static) -> str:
    """The text a Static shows, as rendered (markup already applied, if any)."""
    return str(widget.render())


async def drive(modal: Screen[Any], *keys: str) -> Harness:
    """Run the harness, press ``keys`` and return it (closed) for inspection."""
    app = Harness(modal)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
    return app


# --- UpdateModal ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        ("investigating", "identified"),
        ("identified", "monitoring"),
        ("monitoring", "resolved"),
        ("resolved", "resolved"),
        ("bogus", "investigating"),
    ],
)
def test_next_status(current: str, expected: str) -> None:
    assert next_status(current) == expected


async def test_update_preselects_next_status_with_its_template() -> None:
    app = Harness(UpdateModal(incident("investigating"), TEMPLATES))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, UpdateModal)
        assert modal.status == "identified"
        assert modal.query_one("#message", TextArea).text == TEMPLATES["identified"]
        assert isinstance(app.focused, TextArea)
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [("identified", TEMPLATES["identified"])]


async def test_update_switching_status_swaps_template() -> None:
    app = Harness(UpdateModal(incident("identified"), TEMPLATES))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, UpdateModal)
        assert modal.status == "monitoring"
        await pilot.press("shift+tab", "right")  # to the status choice; one step = one choice
        await pilot.pause()
        assert modal.status == "resolved"
        assert modal.query_one("#message", TextArea).text == TEMPLATES["resolved"]
        await pilot.press("left", "left")
        await pilot.pause()
        assert modal.query_one("#message", TextArea).text == TEMPLATES["identified"]
        await pilot.press("enter")  # Enter on the status choice posts too
        await pilot.pause()
    assert app.results == [("identified", TEMPLATES["identified"])]


async def test_update_keeps_an_edited_message_when_switching_status() -> None:
    app = await drive(
        UpdateModal(incident("investigating"), TEMPLATES),
        *" More.",
        "shift+tab",
        "right",
        "enter",
    )
    assert app.results == [("monitoring", TEMPLATES["identified"] + " More.")]


async def test_update_refuses_an_empty_message_inline() -> None:
    app = Harness(UpdateModal(incident(), TEMPLATES))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("shift+home", "backspace", "enter")
        await pilot.pause()
        assert app.results == []
        modal = app.screen
        assert isinstance(modal, UpdateModal)
        error = modal.query_one("#error", Static)
        assert error.display
        assert "message" in plain(error).lower()
        await pilot.press("space", "space")
        await pilot.pause()
        assert not error.display  # typing clears the complaint
        await pilot.press("ctrl+s")  # whitespace only is empty too
        await pilot.pause()
        assert app.results == []
        assert error.display
        await pilot.press(*"Ok", "ctrl+s")
        await pilot.pause()
    assert app.results == [("identified", "Ok")]


async def test_update_escape_cancels() -> None:
    app = await drive(UpdateModal(incident(), TEMPLATES), "escape")
    assert app.results == [None]


async def test_update_shows_title_and_template_literally() -> None:
    templates = {status: f"[b]{status}[/b] {{component}}" for status in STATUSES}
    app = Harness(UpdateModal(incident(title=MARKUP), templates))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        modal = app.screen
        assert MARKUP in plain(modal.query_one("#incident", Static))
        text = _screen_text(app)
        assert "[bold red]x[/] broken" in text  # the brackets reach the terminal
        assert "[b]identified[/b] {component}" in text
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [("identified", "[b]identified[/b] {component}")]


def _screen_text(app: App[Any]) -> str:
    import html

    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


# --- SeverityModal -------------------------------------------------------------------------

SEVERITIES = {
    **DEFAULT_SEVERITIES,
    "SEV4": Severity("SEV4", "Tracking only [not urgent]", None, "never", "manual"),
}


async def test_severity_lists_descriptions_and_marks_current() -> None:
    app = Harness(SeverityModal("SEV2", SEVERITIES))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        options = app.screen.query_one("#severities", OptionList)
        assert options.has_focus
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(4)]
        for prompt, severity in zip(prompts, SEVERITIES.values(), strict=True):
            assert severity.name in prompt
            assert severity.description in prompt  # brackets in SEV4's come through literally
        assert "(current)" in prompts[1]
        assert "(current)" not in prompts[0]
        assert "pages at any hour" in prompts[0]
        assert "business hours" in prompts[2]
        assert "never pages" in prompts[3]
        assert options.highlighted == 1


async def test_severity_returns_the_chosen_one() -> None:
    app = await drive(SeverityModal("SEV2", SEVERITIES), "down", "enter")
    assert app.results == ["SEV3"]
    app = await drive(SeverityModal("SEV2", SEVERITIES), "j", "j", "k", "enter")
    assert app.results == ["SEV3"]


async def test_severity_enter_keeps_current_and_escape_cancels() -> None:
    assert (await drive(SeverityModal("SEV1", SEVERITIES), "enter")).results == ["SEV1"]
    assert (await drive(SeverityModal("SEV1", SEVERITIES), "escape")).results == [None]


# --- OpenIncidentModal ---------------------------------------------------------------------


def open_modal(components: list[str] | None = None) -> OpenIncidentModal:
    return OpenIncidentModal(
        DEFAULT_SEVERITIES, ["API", "Website"] if components is None else components
    )


async def test_open_returns_title_severity_and_component() -> None:
    app = await drive(
        open_modal(),
        *"DB",
        "enter",  # title -> severity
        "down",  # SEV2 -> SEV3
        "enter",  # severity -> component
        "space",  # open the component list (on the blank choice)
        "down",
        "enter",  # pick API
        "enter",  # Enter on the last field opens the incident
    )
    assert app.results == [("DB", "SEV3", "API")]


async def test_open_defaults_to_sev2_and_no_component() -> None:
    app = await drive(open_modal(), *" DB ", "ctrl+s")
    assert app.results == [("DB", "SEV2", None)]


async def test_open_without_components_submits_from_severity() -> None:
    app = await drive(open_modal([]), *"x", "enter", "up", "enter")
    assert app.results == [("x", "SEV1", None)]


async def test_open_refuses_an_empty_title() -> None:
    app = Harness(open_modal())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter", "enter", "enter")
        await pilot.pause()
        assert app.results == []
        modal = app.screen
        assert isinstance(modal, OpenIncidentModal)
        assert modal.query_one("#error", Static).display
        assert "title" in plain(modal.query_one("#error", Static)).lower()
        assert app.focused is modal.query_one("#title", Input)
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_open_shows_severity_descriptions() -> None:
    app = Harness(open_modal())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = _screen_text(app)
        for severity in DEFAULT_SEVERITIES.values():
            assert severity.description in text


# --- PageModal -----------------------------------------------------------------------------

PEOPLE = [("alice", "Alice Able"), ("bob", "Bob [b]Bold[/b]")]
SCHEDULES = [("primary", "Primary", "Alice Able"), ("db", "Database", None)]


async def test_page_schedule_with_message() -> None:
    app = await drive(PageModal(PEOPLE, SCHEDULES), "enter", *"hi", "enter")
    assert app.results == [("schedule", "primary", "hi")]


async def test_page_person_without_message() -> None:
    # The "People" heading is skipped: two downs go from Primary past Database to Alice.
    app = await drive(PageModal(PEOPLE, SCHEDULES), "down", "down", "enter", "enter")
    assert app.results == [("person", "alice", None)]


async def test_page_ctrl_s_pages_the_highlighted_target() -> None:
    app = await drive(PageModal(PEOPLE, SCHEDULES), "end", "ctrl+s")
    assert app.results == [("person", "bob", None)]


async def test_page_labels_show_who_is_on_call_literally() -> None:
    app = Harness(PageModal(PEOPLE, SCHEDULES))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        options = app.screen.query_one("#targets", OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("Primary" in p and "on call now: Alice Able" in p for p in prompts)
        assert any("Database" in p and "nobody on call" in p for p in prompts)
        assert any("Bob [b]Bold[/b]" in p for p in prompts)
        assert "Bob [b]Bold[/b]" in _screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_page_with_nobody_to_page_refuses() -> None:
    app = Harness(PageModal([], []))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == []
        assert app.screen.query_one("#error", Static).display


# --- ConfirmModal --------------------------------------------------------------------------


def confirm(*, danger: bool = False, body: str = "api-health is still failing.") -> ConfirmModal:
    return ConfirmModal("Resolve anyway?", body, confirm="Resolve", danger=danger)


@pytest.mark.parametrize(
    ("keys", "danger", "expected"),
    [
        (("y",), True, True),
        (("n",), False, False),
        (("escape",), False, False),
        (("enter",), False, True),  # focus starts on Confirm when it is safe
        (("enter",), True, False),  # ... and on Cancel when it is not
        (("right", "enter"), True, True),
        (("left", "enter"), False, False),
    ],
)
async def test_confirm_keys(keys: tuple[str, ...], danger: bool, expected: bool) -> None:
    app = await drive(confirm(danger=danger), *keys)
    assert app.results == [expected]


@pytest.mark.parametrize(("danger", "focused"), [(True, "cancel"), (False, "confirm")])
async def test_confirm_default_focus(danger: bool, focused: str) -> None:
    app = Harness(confirm(danger=danger))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.focused, Button)
        assert app.focused.id == focused


async def test_confirm_shows_title_and_body_literally() -> None:
    body = "Still failing:\n• [red]db[/red]\n• api-health"
    app = Harness(ConfirmModal(MARKUP, body))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert MARKUP in plain(app.screen.query_one("#title", Static))
        assert plain(app.screen.query_one("#message", Static)) == body
        assert "• [red]db[/red]" in _screen_text(app)


# --- Snapshots -----------------------------------------------------------------------------


def test_snapshot_update_modal(snap_compare: Callable[..., bool]) -> None:
    app = Harness(UpdateModal(incident("investigating", title=MARKUP), TEMPLATES))
    assert snap_compare(app, terminal_size=SIZE)


def test_snapshot_update_modal_error(snap_compare: Callable[..., bool]) -> None:
    app = Harness(UpdateModal(incident("monitoring"), TEMPLATES))
    assert snap_compare(app, press=["shift+home", "backspace", "enter"], terminal_size=SIZE)


def test_snapshot_confirm_modal_danger(snap_compare: Callable[..., bool]) -> None:
    body = "These monitors are still failing:\n• api-health (HTTP 503)\n• [red]db-primary[/red]"
    app = Harness(ConfirmModal("Resolve #7 anyway?", body, confirm="Resolve", danger=True))
    assert snap_compare(app, terminal_size=SIZE)


def test_snapshot_open_incident_modal(snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(Harness(open_modal()), press=[*"DB slow"], terminal_size=SIZE)
