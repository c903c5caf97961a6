"""Keys that arrive together are applied in the order they were typed.

A terminal delivers a burst of keys (a fast typist, a laggy SSH link, a loaded
machine) as one read; Textual's driver posts them to the app one after the
other before any is handled. These tests post such bursts the same way
(``App.post_message`` for every key, no waiting in between), which
``Pilot.press`` cannot do: it waits for each key to be handled.

Found by the many-process soak (``benchmarks/typing_burst.py`` reproduces it in
the real program): with Textual's own ``TextArea``/``Input`` a backspace or a
select-all typed mid-burst took effect later, so "the database" was saved as
"the dataase". Each case below fails with those widgets.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import Input, TextArea

from statuscat_tui.ui.fields import TextBox, TextInput
from statuscat_tui.ui.modals import PageModal, UpdateModal
from tests.test_ui_modals import PEOPLE, SCHEDULES, SIZE, TEMPLATES, Harness, incident, open_modal

NAMED = {
    "backspace": "\x7f",
    "delete": None,
    "left": None,
    "right": None,
    "home": None,
    "end": None,
    "f7": None,
    "ctrl+a": "\x01",
    "ctrl+e": "\x05",
    "ctrl+s": "\x13",
    "enter": "\r",
    "up": None,
    "down": None,
}


def burst(app: App[Any], *keys: str) -> None:
    """Post ``keys`` to the app at once, as the driver does with one read of a terminal."""
    for key in keys:
        if key in NAMED:
            app.post_message(events.Key(key, NAMED[key]))
        else:
            for char in key:
                app.post_message(events.Key("space" if char == " " else char, char))


class Fields(App[None]):
    def __init__(self, field: Widget) -> None:
        super().__init__()
        self.field = field

    def compose(self) -> ComposeResult:
        yield self.field


def text_of(field: Widget) -> str:
    return field.text if isinstance(field, TextArea) else field.value  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (("ba", "backspace", "c"), "bc"),
        (("the datab", "backspace", "base"), "the database"),
        (("world", "home", "hello "), "hello world"),
        (("helo", "left", "l", "end", "!"), "hello!"),
        (("abc", "left", "left", "delete", "X"), "aXc"),
        (("x" * 30, "backspace", "y"), "x" * 29 + "y"),
    ],
)
@pytest.mark.parametrize("make", [TextInput, TextBox], ids=["TextInput", "TextBox"])
async def test_editing_keys_in_a_burst_apply_where_typed(
    make: type[Widget], keys: tuple[str, ...], expected: str
) -> None:
    app = Fields(make())
    async with app.run_test(size=(80, 24)) as pilot:
        app.field.focus()
        await pilot.pause()
        burst(app, *keys)
        await pilot.pause()
        assert text_of(app.field) == expected


async def test_a_burst_of_backspaces_in_the_text_box() -> None:
    app = Fields(TextBox("keep"))
    async with app.run_test(size=(80, 24)) as pilot:
        app.field.focus()
        await pilot.pause()
        burst(app, "end", *["backspace"] * 4, "new", *["backspace"] * 2, "w text")
        await pilot.pause()
        assert text_of(app.field) == "nw text"


async def test_the_update_box_opened_and_typed_into_in_one_burst() -> None:
    """The benchmark's sequence: select all (f7), delete, the message, then post."""
    message = "a00000021 the database failover finished"
    app = Harness(UpdateModal(incident("investigating"), TEMPLATES))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        burst(app, "f7", "backspace", message, "ctrl+s")
        await pilot.pause()
    assert app.results == [("identified", message)]


async def test_the_open_incident_title_typed_with_corrections_in_one_burst() -> None:
    app = Harness(open_modal([]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.focused, Input)
        keys = ("Checkuot", "backspace", "backspace", "backspace", "out down", "ctrl+a", "[SEV] ")
        burst(app, *keys, "enter")  # Enter: to the severity choice
        await pilot.pause()
        await pilot.press("up", "enter")
        await pilot.pause()
    assert app.results == [("[SEV] Checkout down", "SEV1", None)]


async def test_keys_typed_right_after_enter_are_not_posted_with_the_update() -> None:
    app = Harness(UpdateModal(incident("investigating"), TEMPLATES))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        burst(app, "f7", "backspace", "failover done", "enter", "a")  # "a" meant for the dashboard
        await pilot.pause()
    assert app.results == [("identified", "failover done")]


async def test_keys_typed_right_after_enter_are_not_sent_with_a_page() -> None:
    app = Harness(PageModal(PEOPLE, SCHEDULES))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # Primary chosen: on to the message
        await pilot.pause()
        burst(app, "call me", "enter", "a")
        await pilot.pause()
    assert app.results == [("schedule", "primary", "call me")]
