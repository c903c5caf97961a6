"""The help screen and the Binding → help row helper."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from textual.app import App
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from statuscat_tui.ui.help import HelpScreen, bindings_help, key_display

SIZE = (80, 24)
SECTIONS: list[tuple[str, Sequence[tuple[str, str]]]] = [
    (
        "Dashboard",
        [
            ("a", "Acknowledge the selected incident"),
            ("u", "Post a status update"),
            ("s", "Change severity"),
            ("r", "Resolve"),
            ("p", "Page someone"),
            ("n", "Open an incident"),
        ],
    ),
    ("Lists", [("j / k", "Down / up"), ("g / G", "First / last"), ("/", "Filter")]),
    ("Everywhere", [("^p", "Command palette"), ("?", "This help"), ("q", "Quit")]),
    ("Odd", [("[b]x[/b]", "Shown [literally]")]),
]


class Harness(App[None]):
    def __init__(self, sections: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = sections
        self.times_closed = 0

    def on_mount(self) -> None:
        self.push_screen(HelpScreen(self.sections), self._on_help_closed)

    def _on_help_closed(self, _: None) -> None:
        self.times_closed += 1


def test_bindings_help_rows() -> None:
    bindings: list[Any] = [
        Binding("a", "ack", "Acknowledge"),
        Binding("ctrl+p", "command_palette", "Commands"),
        Binding("j,down", "cursor_down", "Down"),  # one row for both keys
        ("k", "cursor_up", "Up"),  # tuples, as in BINDINGS, work too
        Binding("up", "cursor_up", "Up"),
        Binding("question_mark", "help", "Help", show=False),  # hidden from the Footer, not here
        Binding("escape", "back", "Back"),
        Binding("x", "noop"),  # no description: skipped
        Binding("a", "ack", "Acknowledge"),  # duplicate: skipped
        Binding("f", "filter", "Filter", key_display="/"),
        Binding("ctrl+shift+r", "refresh", "Refresh"),
    ]
    assert bindings_help(bindings) == [
        ("a", "Acknowledge"),
        ("^p", "Commands"),
        ("j / ↓", "Down"),
        ("k / ↑", "Up"),
        ("?", "Help"),
        ("esc", "Back"),
        ("/", "Filter"),
        ("shift+^r", "Refresh"),
    ]


@pytest.mark.parametrize(
    "binding", [Binding("ctrl+p", "x"), Binding("j", "x"), Binding("ctrl+shift+r", "x")]
)
def test_key_display_matches_textual(binding: Binding) -> None:
    assert key_display(binding) == App().get_key_display(binding)


def test_bindings_help_uses_the_apps_key_display() -> None:
    class Custom(App[None]):
        def get_key_display(self, binding: Binding) -> str:
            return binding.key.upper()

    assert bindings_help([Binding("a", "ack", "Ack")], app=Custom()) == [("A", "Ack")]


async def test_help_lists_every_key() -> None:
    sections = [*SECTIONS, ("More", [(f"f{n}", f"Function {n}") for n in range(1, 13)])]
    app = Harness(sections)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        shown = [str(widget.render()) for widget in screen.query(Static)]
        for title, rows in sections:
            assert title in shown
            for key, description in rows:
                assert key in shown
                assert description in shown
        # It scrolls at 80x24 rather than cutting keys off.
        keys = screen.query_one("#keys", VerticalScroll)
        assert keys.has_focus
        assert keys.max_scroll_y > 0
        await pilot.press("j", "j")
        await pilot.pause()
        assert keys.scroll_y > 0


@pytest.mark.parametrize("key", ["escape", "question_mark", "q"])
async def test_help_closes(key: str) -> None:
    app = Harness(SECTIONS)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press(key)
        await pilot.pause()
        assert len(app.screen_stack) == 1  # back to the app's own screen
    assert app.times_closed == 1


def test_snapshot_help(snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(Harness(SECTIONS), terminal_size=SIZE)
