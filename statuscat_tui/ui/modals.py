"""Modal dialogs the dashboard pushes: post an update, change severity, open, page, confirm.

Each is a ``ModalScreen`` that returns its result with ``dismiss(value)``
(``None``, or ``False`` for ``ConfirmModal``, when cancelled with ``escape``).
They are built for the 80x24 SSH case: compact, keyboard-only, a one-line key
hint at the bottom, and the body scrolls when the terminal is smaller still.

Text from outside (incident titles, template text, names, reasons) only ever
reaches the screen through ``format.literal_content``/``format.shown``, never
through markup, so a title like ``[bold red]x[/]`` shows with its brackets and
control characters show as ``␛`` and the like (the rule is in ``format``).
The text fields refuse control characters typed or pasted into them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.style import Style
from textual.widget import Widget
from textual.widgets import (
    Button,
    Input,
    OptionList,
    RadioButton,
    RadioSet,
    Select,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option

from statuscat_tui.core.incidents import STATUS_ORDER
from statuscat_tui.ui.fields import TextBox, TextInput
from statuscat_tui.ui.format import NO_CONTROLS, literal_content, shown

if TYPE_CHECKING:
    from statuscat_tui.core.model import Severity
    from statuscat_tui.engine.session import IncidentView

__all__ = [
    "STATUSES",
    "ConfirmModal",
    "OpenIncidentModal",
    "PageModal",
    "SeverityModal",
    "UpdateModal",
    "next_status",
]

STATUSES: tuple[str, ...] = tuple(status.value for status in STATUS_ORDER)
DEFAULT_SEVERITY = "SEV2"

_PAGE_WORDS = {
    "always": "pages at any hour",
    "business_hours": "pages in business hours only",
    "never": "never pages",
}
_PUBLISH_WORDS = {
    "auto": "posts Investigating publicly at once",
    "manual": "stays internal until someone posts",
}

# Shared by every dialog: a centred, bordered box that fits 80x24 and scrolls below that.
_DIALOG_CSS = """
$name {
    align: center middle;

    & > #dialog {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        border-title-color: $primary;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    & #body {
        height: auto;
        max-height: 100%;
    }
    & .heading {
        text-style: bold;
    }
    & .label {
        color: $text-muted;
        margin-top: 1;
    }
    & .label.-first {
        margin-top: 0;
    }
    & .error {
        color: $error;
        text-style: bold;
        display: none;
    }
    & .error.-shown {
        display: block;
    }
    & .hint {
        dock: bottom;
        color: $text-muted;
        margin-top: 1;
    }
}
"""


def dialog_css(name: str) -> str:
    """The shared dialog box CSS, scoped to the screen class ``name``."""
    return _DIALOG_CSS.replace("$name", name)


def next_status(current: str) -> str:
    """The public status an update most likely moves to (``resolved`` stays ``resolved``)."""
    if current not in STATUSES:
        return STATUSES[0]
    return STATUSES[min(STATUSES.index(current) + 1, len(STATUSES) - 1)]


def _hint(*pairs: tuple[str, str]) -> Content:
    """A key hint line: ``⏎ post · esc cancel``; keys bold so they stand out without colour."""
    parts: list[Content] = []
    for key, text in pairs:
        if parts:
            parts.append(Content(" · "))
        parts.append(Content.assemble((key, "bold"), " ", text))
    return Content("").join(parts)


def _policy(severity: Severity) -> str:
    page = _PAGE_WORDS.get(severity.page, f"page: {severity.page}")
    publish = _PUBLISH_WORDS.get(severity.publish, f"publish: {severity.publish}")
    return f"{page}; {publish}"


class _Body(VerticalScroll, can_focus=False):
    """The dialog body: scrolls only when the terminal is too short, never takes focus."""


class _ErrorLine(Static):
    """An inline error, hidden until there is something to say (with a symbol, not only colour)."""

    def show(self, message: str) -> None:
        self.update(Content.assemble(("✗ ", "bold"), literal_content(message, 300)))
        self.add_class("-shown")

    def clear(self) -> None:
        self.update("")
        self.remove_class("-shown")


class _Radio(RadioButton):
    """A radio button whose dot is drawn only when on, so the choice never relies on colour."""

    @property
    def _button(self) -> Content:
        # ToggleButton._button, with the dot blanked while off.
        button_style = self.get_visual_style("toggle--button")
        side_style = Style(foreground=button_style.background, background=self.background_colors[1])
        return Content.assemble(
            (self.BUTTON_LEFT, side_style),
            (self.BUTTON_INNER if self.value else " ", button_style),
            (self.BUTTON_RIGHT, side_style),
        )


class _Choices(RadioSet):
    """A RadioSet where the arrow keys choose (not only move the cursor) and Enter submits.

    One key press per change matters over a slow SSH link, and it frees Enter
    to mean "done with this field" as it does in the other fields.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Submit", show=False),
    ]

    class Submitted(Message):
        """Enter was pressed on the choice."""

        def __init__(self, choices: _Choices) -> None:
            super().__init__()
            self.choices = choices

        @property
        def control(self) -> _Choices:
            return self.choices

    def __init__(
        self,
        labels: Sequence[Content],
        values: Sequence[str],
        initial: str,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        self.values = tuple(values)
        pairs = zip(labels, values, strict=True)
        super().__init__(
            *[_Radio(label, value=value == initial) for label, value in pairs],
            id=id,
            classes=classes,
            compact=True,
        )

    @property
    def value(self) -> str:
        """The chosen value."""
        index = self.pressed_index
        return self.values[index if index >= 0 else 0]

    def _on_mount(self, _: events.Mount) -> None:
        # RadioSet's own mount handler (which runs after this one) puts the cursor on the first
        # button; move it to the pressed one so the arrows step from the actual choice.
        self.call_next(self._cursor_to_pressed)

    def _cursor_to_pressed(self) -> None:
        if self.pressed_index >= 0:
            self._selected = self.pressed_index

    def action_next_button(self) -> None:
        super().action_next_button()
        self._choose()

    def action_previous_button(self) -> None:
        super().action_previous_button()
        self._choose()

    def _choose(self) -> None:
        # RadioSet calls action_next_button while mounting, before it knows the pressed button.
        if self.pressed_button is not None:
            self.action_toggle_button()

    def action_submit(self) -> None:
        self.post_message(self.Submitted(self))


class _List(OptionList):
    """An OptionList that also moves with j / k, like the dashboard's lists."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]


class _MessageArea(TextBox):
    """A wrapping message box where Enter posts instead of inserting a newline."""

    class Submitted(Message):
        """Enter was pressed in the message box; ``text`` is what it held then.

        Keys typed after Enter may still reach the box before the dialog handles
        this message (keys arrive together on a slow link); they are not posted.
        """

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            # prevent_default keeps TextArea's own handler (which inserts "\n") from running.
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted(self.text))


class _SubmitSelect(Select[str]):
    """A Select where Enter submits the form; space or the arrows open the list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Submit", show=False),
    ]

    class Submitted(Message):
        """Enter was pressed on the (closed) select."""

    def action_submit(self) -> None:
        self.post_message(self.Submitted())


class UpdateModal(ModalScreen[tuple[str, str] | None]):
    """Post a public status update: returns ``(status, message)`` or ``None``."""

    DEFAULT_CSS = (
        dialog_css("UpdateModal")
        + """
    UpdateModal {
        & #status {
            layout: horizontal;
            & > RadioButton {
                width: auto;
                margin-right: 1;
            }
        }
        & #message {
            height: 6;
        }
    }
    """
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="modal.cancel"),
        Binding("ctrl+s", "submit", "Post", id="modal.submit"),
    ]

    def __init__(self, incident: IncidentView, templates: Mapping[str, str]) -> None:
        super().__init__()
        self.incident = incident
        # The message box is edited as shown: control characters already made visible.
        self.templates = {k: shown(v, multiline=True) for k, v in templates.items()}
        self.initial_status = next_status(incident.public_status)
        # The template text last put in the box: if the box still holds exactly this, the
        # user has not edited it and a status change may swap the template.
        self._template_text = self.templates.get(self.initial_status, "")

    def compose(self) -> ComposeResult:
        incident = self.incident
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Post update"
            with _Body(id="body"):
                yield Static(
                    Content.assemble(
                        (f"#{incident.id} ", "bold"),
                        literal_content(incident.title, 200),
                        (
                            f"  {shown(incident.severity, 12)} · now "
                            f"{shown(incident.public_status, 20)}",
                            "$text-muted",
                        ),
                    ),
                    classes="heading",
                    id="incident",
                )
                yield Static("Status", classes="label")
                yield _Choices(
                    [Content(status.capitalize()) for status in STATUSES],
                    STATUSES,
                    self.initial_status,
                    id="status",
                )
                yield Static("Message", classes="label")
                yield _MessageArea(self._template_text, id="message", soft_wrap=True)
                yield _ErrorLine(id="error", classes="error")
            yield Static(
                _hint(("⏎", "post"), ("tab", "next field"), ("←→", "status"), ("esc", "cancel")),
                classes="hint",
            )

    def on_mount(self) -> None:
        area = self.query_one("#message", _MessageArea)
        area.move_cursor(area.document.end)
        area.focus()

    @property
    def status(self) -> str:
        """The status currently chosen."""
        return self.query_one("#status", _Choices).value

    @on(RadioSet.Changed, "#status")
    def _swap_template(self) -> None:
        area = self.query_one("#message", _MessageArea)
        if area.text != self._template_text:
            return  # the user wrote something: keep it
        self._template_text = self.templates.get(self.status, "")
        area.load_text(self._template_text)
        area.move_cursor(area.document.end)

    @on(TextArea.Changed, "#message")
    def _typed(self) -> None:
        self.query_one("#error", _ErrorLine).clear()

    @on(_Choices.Submitted)
    def _enter_on_status(self, event: _Choices.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(_MessageArea.Submitted)
    def _enter_on_message(self, event: _MessageArea.Submitted) -> None:
        event.stop()
        self.action_submit(event.text)  # what the box held at Enter, not keys typed after it

    def action_submit(self, text: str | None = None) -> None:
        """Post ``text`` (by default what the message box holds now)."""
        message = (self.query_one("#message", _MessageArea).text if text is None else text).strip()
        if not message:
            self.query_one("#error", _ErrorLine).show("Write a message before posting.")
            self.query_one("#message", _MessageArea).focus()
            return
        self.dismiss((self.status, message))

    def action_cancel(self) -> None:
        self.dismiss(None)


class SeverityModal(ModalScreen[str | None]):
    """Change an incident's severity: returns the chosen name or ``None``."""

    DEFAULT_CSS = (
        dialog_css("SeverityModal")
        + """
    SeverityModal #severities {
        height: auto;
        max-height: 16;
    }
    """
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="modal.cancel"),
    ]

    def __init__(self, current: str, severities: Mapping[str, Severity]) -> None:
        super().__init__()
        self.current = current
        self.severities = dict(severities)

    def compose(self) -> ComposeResult:
        options = [self._option(name, severity) for name, severity in self.severities.items()]
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Change severity"
            yield Static(
                Content.assemble(
                    "Now ", (shown(self.current, 12), "bold"), ". Pick the new severity:"
                ),
                id="current",
            )
            yield _List(*options, id="severities")
            yield Static(
                _hint(("⏎", "choose"), ("↑↓ j k", "move"), ("esc", "cancel")), classes="hint"
            )

    def _option(self, name: str, severity: Severity) -> Option:
        is_current = name == self.current
        prompt = Content.assemble(
            ("● " if is_current else "  ", "bold"),
            (shown(name, 12), "bold"),
            ("  (current)" if is_current else ""),
            "\n  ",
            literal_content(severity.description, 200),
            "\n  ",
            (_policy(severity), "$text-muted"),
        )
        return Option(prompt, id=name)

    def on_mount(self) -> None:
        options = self.query_one("#severities", OptionList)
        names = list(self.severities)
        if self.current in names:
            options.highlighted = names.index(self.current)
        options.focus()

    @on(OptionList.OptionSelected, "#severities")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class OpenIncidentModal(ModalScreen[tuple[str, str, str | None] | None]):
    """Open an incident by hand: returns ``(title, severity, component or None)`` or ``None``."""

    DEFAULT_CSS = (
        dialog_css("OpenIncidentModal")
        + """
    OpenIncidentModal {
        & #severity > RadioButton {
            width: 1fr;
        }
        & #policy {
            color: $text-muted;
        }
    }
    """
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="modal.cancel"),
        Binding("ctrl+s", "submit", "Open", id="modal.submit"),
    ]

    def __init__(self, severities: Mapping[str, Severity], components: Sequence[str]) -> None:
        super().__init__()
        self.severities = dict(severities)
        self.components = tuple(components)
        names = list(self.severities)
        self.initial_severity = (
            DEFAULT_SEVERITY if DEFAULT_SEVERITY in names or not names else names[0]
        )

    def compose(self) -> ComposeResult:
        width = max((len(shown(name, 12)) for name in self.severities), default=4)
        labels = [
            Content.assemble(
                (shown(name, 12).ljust(width), "bold"),
                "  ",
                literal_content(severity.description, 200),
            )
            for name, severity in self.severities.items()
        ]
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Open incident"
            with _Body(id="body"):
                yield Static("Title", classes="label -first")
                yield TextInput(
                    placeholder="What is broken, in a few words", id="title", restrict=NO_CONTROLS
                )
                yield Static("Severity", classes="label")
                yield _Choices(labels, list(self.severities), self.initial_severity, id="severity")
                yield Static(self._policy_line(self.initial_severity), id="policy")
                if self.components:
                    yield Static("Component (optional)", classes="label")
                    yield _SubmitSelect(
                        [(literal_content(name, 60), name) for name in self.components],
                        prompt="No component",
                        id="component",
                    )
                yield _ErrorLine(id="error", classes="error")
            yield Static(
                _hint(
                    ("⏎", "next / open"),
                    ("^s", "open"),
                    ("space", "list components"),
                    ("esc", "cancel"),
                ),
                classes="hint",
            )

    def _policy_line(self, name: str) -> Content:
        severity = self.severities.get(name)
        return Content("" if severity is None else f"{shown(name, 12)} {_policy(severity)}.")

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()

    @on(RadioSet.Changed, "#severity")
    def _show_policy(self) -> None:
        severity = self.query_one("#severity", _Choices).value
        self.query_one("#policy", Static).update(self._policy_line(severity))

    @on(Input.Changed, "#title")
    def _typed(self) -> None:
        self.query_one("#error", _ErrorLine).clear()

    @on(Input.Submitted, "#title")
    @on(_Choices.Submitted, "#severity")
    def _advance(self, event: Message) -> None:
        """Enter moves on to the next field, and on the last field opens the incident."""
        event.stop()
        fields: list[Widget] = [self.query_one("#title"), self.query_one("#severity")]
        fields += list(self.query("#component"))
        if self.focused is fields[-1]:
            self.action_submit()
        else:
            self.focus_next()

    @on(_SubmitSelect.Submitted)
    def _enter(self, event: Message) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        title = self.query_one("#title", Input).value.strip()
        if not title:
            self.query_one("#error", _ErrorLine).show("Give the incident a title.")
            self.query_one("#title", Input).focus()
            return
        if not self.severities:
            self.query_one("#error", _ErrorLine).show("No severities are configured.")
            return
        severity = self.query_one("#severity", _Choices).value
        component: str | None = None
        for select in self.query("#component").results(_SubmitSelect):
            component = select.value if isinstance(select.value, str) else None
        self.dismiss((title, severity, component))

    def action_cancel(self) -> None:
        self.dismiss(None)


class PageModal(ModalScreen[tuple[str, str, str | None] | None]):
    """Pull someone into an incident: returns ``(kind, id, message or None)`` or ``None``.

    ``kind`` is ``"schedule"`` (page whoever is on call) or ``"person"``.
    """

    DEFAULT_CSS = (
        dialog_css("PageModal")
        + """
    PageModal #targets {
        height: auto;
        max-height: 11;
    }
    """
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="modal.cancel"),
        Binding("ctrl+s", "submit", "Page", id="modal.submit"),
    ]

    def __init__(
        self,
        people: Sequence[tuple[str, str]],
        schedules: Sequence[tuple[str, str, str | None]],
    ) -> None:
        super().__init__()
        self.people = tuple(people)
        self.schedules = tuple(schedules)
        # Option ids are positional so that any id text (even with ":") maps back exactly.
        self._targets: dict[str, tuple[str, str]] = {}

    def _options(self) -> list[Option]:
        options: list[Option] = []
        if self.schedules:
            options.append(
                Option(Content.styled("Schedules: whoever is on call", "bold"), disabled=True)
            )
        for schedule_id, name, on_call in self.schedules:
            key = f"t{len(self._targets)}"
            self._targets[key] = ("schedule", schedule_id)
            now = (
                Content.assemble(("  on call now: ", "$text-muted"), literal_content(on_call, 60))
                if on_call
                else Content.styled("  ⚠ nobody on call now", "$text-warning")
            )
            options.append(Option(Content.assemble("  ", literal_content(name, 60), now), id=key))
        if self.people:
            options.append(Option(Content.styled("People", "bold"), disabled=True))
        for person_id, name in self.people:
            key = f"t{len(self._targets)}"
            self._targets[key] = ("person", person_id)
            options.append(
                Option(
                    Content.assemble(
                        "  ",
                        literal_content(name, 60),
                        (f"  {shown(person_id, 40)}", "$text-muted"),
                    ),
                    id=key,
                )
            )
        return options

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Page someone"
            with _Body(id="body"):
                yield _List(*self._options(), id="targets")
                yield Static("Message (optional)", classes="label")
                yield TextInput(placeholder="Why you need them", id="message", restrict=NO_CONTROLS)
                yield _ErrorLine(id="error", classes="error")
            yield Static(
                _hint(("↑↓", "who"), ("⏎", "next / page"), ("^s", "page"), ("esc", "cancel")),
                classes="hint",
            )

    def on_mount(self) -> None:
        targets = self.query_one("#targets", OptionList)
        if not self._targets:
            self.query_one("#error", _ErrorLine).show("Nobody to page: no people or schedules.")
        targets.focus()

    @property
    def target(self) -> tuple[str, str] | None:
        """The highlighted ``(kind, id)``, if any."""
        targets = self.query_one("#targets", OptionList)
        option = targets.highlighted_option
        return None if option is None or option.id is None else self._targets.get(option.id)

    @on(OptionList.OptionSelected, "#targets")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#error", _ErrorLine).clear()
        self.query_one("#message", Input).focus()

    @on(Input.Submitted, "#message")
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit(event.value)  # what the box held at Enter, not keys typed after it

    def action_submit(self, text: str | None = None) -> None:
        """Page the chosen target with ``text`` (by default what the message box holds now)."""
        target = self.target
        if target is None:
            self.query_one("#error", _ErrorLine).show("Choose a schedule or a person to page.")
            self.query_one("#targets", OptionList).focus()
            return
        message = (self.query_one("#message", Input).value if text is None else text).strip()
        self.dismiss((target[0], target[1], message or None))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    """Ask before doing something: ``True`` to go ahead, ``False`` to back out.

    With ``danger=True`` the confirm button is red and focus starts on Cancel, so a
    reflexive Enter is the safe choice.
    """

    DEFAULT_CSS = (
        dialog_css("ConfirmModal")
        + """
    ConfirmModal {
        & #dialog {
            width: 64;
        }
        & #body {
            max-height: 12;
            margin-top: 1;
        }
        & #buttons {
            height: auto;
            align-horizontal: right;
            margin-top: 1;
            & > Button {
                margin-left: 2;
            }
        }
        &.-danger #dialog {
            border: round $error;
            border-title-color: $error;
        }
    }
    """
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes", id="modal.confirm"),
        Binding("n", "deny", "No", id="modal.deny"),
        Binding("escape", "deny", "Cancel", id="modal.cancel"),
        Binding("left", "app.focus_previous", show=False),
        Binding("right", "app.focus_next", show=False),
    ]

    def __init__(
        self, title: str, body: str, *, confirm: str = "Confirm", danger: bool = False
    ) -> None:
        super().__init__(classes="-danger" if danger else None)
        self.title_text = title
        self.body = body
        self.confirm = confirm
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Are you sure?"
            yield Static(
                Content.assemble(
                    ("⚠ " if self.danger else "", "bold"), literal_content(self.title_text, 200)
                ),
                classes="heading",
                id="title",
            )
            with _Body(id="body"):
                yield Static(literal_content(self.body, 4000, multiline=True), id="message")
            with Horizontal(id="buttons"):
                yield Button(Content("Cancel"), id="cancel")
                yield Button(
                    Content(self.confirm),
                    id="confirm",
                    variant="error" if self.danger else "primary",
                )
            yield Static(
                _hint(("y", self.confirm.lower()), ("n/esc", "cancel"), ("←→", "switch")),
                classes="hint",
            )

    def on_mount(self) -> None:
        self.query_one("#cancel" if self.danger else "#confirm", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_deny(self) -> None:
        self.dismiss(False)
