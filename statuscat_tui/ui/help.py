"""The ``?`` help screen: every key, by section, in a scrollable two-column list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Static

from statuscat_tui.ui.modals import dialog_css

__all__ = ["HelpScreen", "bindings_help", "key_display"]

Section = tuple[str, Sequence[tuple[str, str]]]

# The key column never takes more than this, so descriptions keep room at 80 columns.
MAX_KEY_WIDTH = 18


def key_display(binding: Binding) -> str:
    """How Textual's Footer shows a binding's key (``App.get_key_display``): ``ctrl+p`` → ``^p``."""
    if binding.key_display:
        return binding.key_display
    modifiers, key = binding.parse_key()
    key = format_key(key)
    if "ctrl" in modifiers:
        modifiers.remove("ctrl")
        key = f"^{key}"
    return "+".join([*modifiers, key])


def bindings_help(
    bindings: Iterable[BindingType], *, app: App[Any] | None = None
) -> list[tuple[str, str]]:
    """Turn bindings into ``(keys, description)`` rows for ``HelpScreen``.

    Bindings without a description are skipped. Keys bound to the same action and
    description share one row (``"j / ↓"``), in first-seen order. Pass ``app`` to
    use its (possibly overridden) ``get_key_display``.
    """
    display = app.get_key_display if app is not None else key_display
    rows: dict[tuple[str, str], list[str]] = {}
    # make_bindings splits "j,down" into one Binding per key and accepts tuples too.
    for binding in Binding.make_bindings(bindings):
        if not binding.description:
            continue
        keys = rows.setdefault((binding.action, binding.description), [])
        shown = display(binding)
        if shown not in keys:
            keys.append(shown)
    return [(" / ".join(keys), description) for (_, description), keys in rows.items()]


class HelpScreen(ModalScreen[None]):
    """A modal list of keys; ``escape``, ``?`` or ``q`` closes it."""

    DEFAULT_CSS = (
        dialog_css("HelpScreen")
        + """
    HelpScreen {
        & #keys {
            height: auto;
            max-height: 100%;
            &:focus {
                background-tint: $foreground 3%;
            }
        }
        & .section {
            color: $primary;
            text-style: bold;
            margin-top: 1;
        }
        & .section.-first {
            margin-top: 0;
        }
        & .row {
            height: auto;
        }
        & .key {
            color: $accent;
            text-style: bold;
            margin-right: 2;
        }
        & .description {
            width: 1fr;
        }
        & .hint {
            margin-top: 0;
        }
    }
    """
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close help", id="help.close"),
        Binding("j", "scroll('down')", "Scroll down", show=False),
        Binding("k", "scroll('up')", "Scroll up", show=False),
    ]

    def __init__(self, sections: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = [(title, list(rows)) for title, rows in sections]

    def compose(self) -> ComposeResult:
        widest = max((len(key) for _, rows in self.sections for key, _ in rows), default=1)
        width = min(widest, MAX_KEY_WIDTH)
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Keys"
            with VerticalScroll(id="keys"):
                for index, (title, rows) in enumerate(self.sections):
                    yield Static(
                        Content(title), classes="section -first" if index == 0 else "section"
                    )
                    for key, description in rows:
                        with Horizontal(classes="row"):
                            cell = Static(Content(key), classes="key")
                            cell.styles.width = width
                            yield cell
                            yield Static(Content(description), classes="description")
            yield Static(
                Content.assemble(
                    ("esc", "bold"), " / ", ("?", "bold"), " / ", ("q", "bold"), " close · ",
                    ("↑↓ j k", "bold"), " scroll",
                ),
                classes="hint",
            )  # fmt: skip

    def on_mount(self) -> None:
        self.query_one("#keys", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, direction: str) -> None:
        keys = self.query_one("#keys", VerticalScroll)
        if direction == "down":
            keys.scroll_down()
        else:
            keys.scroll_up()
