"""Blameless postmortems: the editor, its action items, and the list of every postmortem.

The editor autosaves to SQLite through the session: at most ``AUTOSAVE_IDLE``
after the last keystroke, and at least every ``AUTOSAVE_EVERY`` while there
are unsaved changes, and once more when the screen goes (``escape``, quitting
the app). Every save names the version the editor started from; if someone
else saved since, the session refuses (``PostmortemConflict``), autosave stops
and the user's text stays in the editor until they choose: ``ctrl+o`` saves
theirs over, ``ctrl+r`` loads the other version (after copying theirs to the
clipboard). Nothing typed is dropped without the user saying so.

The blameless check (``core.postmortem.blameless_check``) runs shortly after
typing stops and lists wording that blames people; it never blocks a save.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from rich.style import Style
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color, ColorParseError
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Input, Markdown, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option
from textual.widgets.text_area import Selection, TextAreaTheme

from statuscat_tui.core.incidents import IncidentError
from statuscat_tui.core.postmortem import (
    TRANSITIONS,
    ActionItem,
    ActionStatus,
    BlameWarning,
    PostmortemError,
    PostmortemStatus,
    Priority,
    blameless_check,
    validate_action,
)
from statuscat_tui.engine.postmortems import PostmortemConflict, PostmortemRecord
from statuscat_tui.ui.fields import TextBox, TextInput
from statuscat_tui.ui.format import NO_CONTROLS, literal, literal_content, shown
from statuscat_tui.ui.help import HelpScreen, bindings_help
from statuscat_tui.ui.modals import (
    ConfirmModal,
    _Body,
    _ErrorLine,
    _hint,
    _List,
    _SubmitSelect,
    dialog_css,
)
from statuscat_tui.ui.tables import Cell, selected_key, sync_table

if TYPE_CHECKING:
    from statuscat_tui.engine.session import Session, Snapshot
    from statuscat_tui.ui.app import StatusCatApp

__all__ = [
    "AUTOSAVE_EVERY",
    "AUTOSAVE_IDLE",
    "ActionFields",
    "ActionItemModal",
    "PostmortemListScreen",
    "PostmortemScreen",
    "PostmortemStatusModal",
    "editor_theme",
]

AUTOSAVE_IDLE = 1.5  # seconds after the last keystroke
AUTOSAVE_EVERY = 4.5  # seconds, at the latest, while typing goes on
AUTOSAVE_TICK = 0.25  # how often the autosave timer looks; both limits stay under 2 s / 5 s
CHECK_DELAY = 0.3  # the blameless check waits this long after a keystroke

# App-wide keys that act on "the selected incident", which from here would be whatever
# row the dashboard has selected, not this postmortem's incident: kept out of reach.
_DASHBOARD_KEYS = "a,o,u,s,r,n,P,p,R,slash"

_STATUS_WORDS = {
    PostmortemStatus.DRAFT: "Draft: still being written; editing goes on",
    PostmortemStatus.IN_REVIEW: "In review: ready for others to read and comment",
    PostmortemStatus.PUBLISHED: "Published: the Summary and the actions show on the status page",
}


def _app(widget: Widget) -> StatusCatApp:
    from statuscat_tui.ui.app import StatusCatApp

    app = widget.app
    assert isinstance(app, StatusCatApp)
    return app


def _clock(ts: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%H:%M:%S")


def _person(people: Mapping[str, str], who: str | None) -> str:
    return people.get(who, who) if who else "someone"


def editor_theme(variables: Mapping[str, str]) -> TextAreaTheme:
    """Markdown highlighting in the app theme's colours; the rest comes from CSS."""

    def style(name: str, *, bold: bool = False, underline: bool = False) -> Style:
        try:
            color = Color.parse(variables[name]).rich_color if name in variables else None
        except ColorParseError:
            color = None  # e.g. "auto 60%": only CSS can resolve it
        dim = color is None and name == "text-muted"
        return Style(color=color, dim=dim, bold=bold, underline=underline)

    muted = style("text-muted")
    return TextAreaTheme(
        name="statuscat",
        syntax_styles={
            "heading": style("primary", bold=True),
            "heading.marker": style("primary"),
            "text.literal": style("success"),
            "punctuation.delimiter": muted,
            "punctuation.special": muted,
            "link.uri": style("accent", underline=True),
            "link.label": style("accent"),
            "list.marker": style("accent", bold=True),
            "string.escape": style("accent"),
        },
    )


async def _attempt(widget: Widget, call: Awaitable[Any], failed: str) -> bool:
    """Await ``call``; on a refusal or error, say so (literally) and return False."""
    try:
        await call
    except PostmortemError as exc:
        widget.notify(str(exc), title=failed, severity="error", markup=False)
        return False
    except Exception as exc:  # a broken database must not end the editor
        widget.notify(f"{exc!r}", title=failed, severity="error", markup=False)
        return False
    return True


# -- action items ------------------------------------------------------------------


@dataclass(frozen=True)
class ActionFields:
    """What the action item form returns: raw form values, checked by the session."""

    text: str
    owner: str | None
    due: str | None
    priority: str


def action_cells(
    item: ActionItem, people: Mapping[str, str], today: date, error: Style
) -> list[Cell]:
    """#, action, owner, due, overdue flag, priority, status: one line each.

    The flag sits next to the due date so that both show at 80 columns; a done
    item's text is struck through, so its state shows there too.
    """
    done = item.status is ActionStatus.DONE
    return [
        str(item.id),
        literal(item.text, style=Style(strike=True, dim=True) if done else "", limit=60),
        literal(people.get(item.owner, item.owner) if item.owner else "—"),
        item.due.isoformat() if item.due else "—",
        Text("⚠ OVERDUE", style=error + Style(bold=True)) if item.overdue(today) else "",
        item.priority.value,
        "✔ done" if done else "○ open",
    ]


ACTION_COLUMNS = ("#", "Action", "Owner", "Due", "", "Pri", "Status")


class ActionTable(DataTable[Cell]):
    """The postmortem's action items; its letter keys work only while it has focus."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "screen.add_action", "Add", id="postmortem.action.add"),
        Binding("e", "screen.edit_action", "Edit", id="postmortem.action.edit"),
        Binding("x,space", "screen.toggle_action", "Done/undo", id="postmortem.action.done"),
        Binding("d,delete", "screen.delete_action", "Delete", id="postmortem.action.delete"),
    ]


class ActionItemModal(ModalScreen[ActionFields | None]):
    """Add or edit an action item; returns the fields once ``submit`` accepted them.

    ``submit`` is the session call (add or update). A refusal (``PostmortemError``)
    is shown under the field it names and the form stays open.
    """

    DEFAULT_CSS = (
        dialog_css("ActionItemModal")
        + """
    ActionItemModal {
        & #when {
            height: auto;
            & > Vertical {
                height: auto;
                width: 1fr;
            }
            & > Vertical:first-child {
                margin-right: 2;
            }
        }
    }
    """
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="modal.cancel"),
        Binding("ctrl+s", "submit", "Save", id="modal.submit"),
    ]

    FIELDS = ("text", "owner", "due", "priority")

    def __init__(
        self,
        people: Mapping[str, str],
        submit: Callable[[ActionFields], Awaitable[object]],
        *,
        item: ActionItem | None = None,
    ) -> None:
        super().__init__()
        self.people = dict(people)
        self.submit = submit
        self.item = item
        if item is not None and item.owner and item.owner not in self.people:
            self.people[item.owner] = item.owner  # someone no longer in the config

    def compose(self) -> ComposeResult:
        item = self.item
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "New action item" if item is None else f"Action item {item.id}"
            with _Body(id="body"):
                yield Static("What will change", classes="label -first")
                yield TextInput(
                    shown(item.text) if item else "",
                    placeholder="A change to a system or process, not 'be careful'",
                    id="action-text",
                    restrict=NO_CONTROLS,
                )
                yield _ErrorLine(id="text-error", classes="error")
                yield Static("Owner", classes="label")
                yield _SubmitSelect(
                    [(literal_content(name, 60), pid) for pid, name in self.people.items()],
                    prompt="— unowned",
                    value=item.owner if item and item.owner else Select.NULL,
                    id="action-owner",
                )
                yield _ErrorLine(id="owner-error", classes="error")
                with Horizontal(id="when"):
                    with Vertical():
                        yield Static("Due (optional)", classes="label")
                        yield TextInput(
                            item.due.isoformat() if item and item.due else "",
                            placeholder="YYYY-MM-DD",
                            id="action-due",
                            max_length=10,
                        )
                        yield _ErrorLine(id="due-error", classes="error")
                    with Vertical():
                        yield Static("Priority", classes="label")
                        yield _SubmitSelect(
                            [(p.value, p.value) for p in Priority],
                            allow_blank=False,
                            value=item.priority.value if item else Priority.P2.value,
                            id="action-priority",
                        )
                        yield _ErrorLine(id="priority-error", classes="error")
                yield _ErrorLine(id="form-error", classes="error")
            yield Static(
                _hint(("⏎", "next / save"), ("^s", "save"), ("space", "list"), ("esc", "cancel")),
                classes="hint",
            )

    def on_mount(self) -> None:
        self.query_one("#action-text", Input).focus()

    def _select(self, field: str) -> str:
        value = self.query_one(f"#action-{field}", Select).value
        return value if isinstance(value, str) else ""

    @property
    def fields(self) -> ActionFields:
        """The form as it stands."""
        return ActionFields(
            self.query_one("#action-text", Input).value,
            self._select("owner") or None,
            self.query_one("#action-due", Input).value.strip() or None,
            self._select("priority") or Priority.P2.value,
        )

    def _clear_errors(self) -> None:
        for line in self.query(_ErrorLine):
            line.clear()

    def show_error(self, message: str, field: str | None) -> None:
        """Show ``message`` under ``field`` (or under the form) and focus that field."""
        self._clear_errors()
        if field in self.FIELDS:
            self.query_one(f"#{field}-error", _ErrorLine).show(message)
            self.query_one(f"#action-{field}").focus()
        else:
            self.query_one("#form-error", _ErrorLine).show(message)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        field = (event.input.id or "").removeprefix("action-")
        for line in self.query(f"#{field}-error").results(_ErrorLine):
            line.clear()

    @on(Input.Submitted)
    def _advance(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "action-due":
            self.action_submit()
        else:
            self.focus_next()

    @on(_SubmitSelect.Submitted)
    def _enter(self, event: _SubmitSelect.Submitted) -> None:
        event.stop()
        if self.focused is not None and self.focused.id == "action-owner":
            self.focus_next()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        self._save()

    @work(exclusive=True, group="action-form", exit_on_error=False)
    async def _save(self) -> None:
        fields = self.fields
        try:
            # The same check the session makes: instant, and with the same words.
            validate_action(fields.text, fields.owner, fields.due, fields.priority, self.people)
            await self.submit(fields)
        except PostmortemError as exc:
            self.show_error(str(exc), exc.field)
            return
        except Exception as exc:  # the database: say so, keep the form
            self.show_error(f"not saved: {exc!r}", None)
            return
        self.dismiss(fields)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PostmortemStatusModal(ModalScreen[PostmortemStatus | None]):
    """Move a postmortem along draft → in review → published (or back); choosing confirms."""

    DEFAULT_CSS = (
        dialog_css("PostmortemStatusModal")
        + """
    PostmortemStatusModal #statuses {
        height: auto;
        max-height: 10;
    }
    """
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="modal.cancel"),
    ]

    def __init__(self, current: PostmortemStatus) -> None:
        super().__init__()
        self.current = current
        order = list(PostmortemStatus)
        self.choices = sorted(TRANSITIONS[current], key=order.index)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Postmortem status"
            yield Static(
                Content.assemble("Now ", (self.current.label, "bold"), ". Move it to:"),
                id="current",
            )
            yield _List(
                *[
                    Option(
                        Content.assemble(
                            ("→ " + s.label, "bold"), "\n  ", (_STATUS_WORDS[s], "$text-muted")
                        ),
                        id=s.value,
                    )
                    for s in self.choices
                ],
                id="statuses",
            )
            yield Static(_hint(("⏎", "change"), ("↑↓", "move"), ("esc", "cancel")), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#statuses", OptionList).focus()

    @on(OptionList.OptionSelected, "#statuses")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss(PostmortemStatus(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- the editor ----------------------------------------------------------------------


class _Editor(TextBox):
    """The postmortem text: shown and edited with control characters made visible.

    Loaded text goes through ``format.shown`` (the screen does that); pasted text
    does here, so an escape sequence never reaches the terminal from the editor.
    """

    async def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # TextArea's own handler would insert the text as it is
        await super()._on_paste(events.Paste(shown(event.text, multiline=True)))


@dataclass(frozen=True)
class _Conflict:
    version: int
    by: str | None
    at: float


class PostmortemScreen(Screen[None]):
    """Edit one incident's postmortem: Markdown text, blameless hints, action items."""

    # Textual types this "ClassVar[...] | None", which mypy reads as an instance variable.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012

    BINDINGS: ClassVar[list[BindingType]] = [
        # First, so that the Footer shows them first; only during a conflict (check_action).
        Binding("ctrl+o", "overwrite", "Save mine", id="postmortem.overwrite"),
        Binding("ctrl+r", "load_theirs", "Load theirs", id="postmortem.theirs"),
        Binding("escape", "leave", "Back", id="postmortem.back"),
        Binding("ctrl+s", "save", "Save", id="postmortem.save"),
        Binding("f2", "preview", "Preview", id="postmortem.preview"),
        Binding("ctrl+t", "status", "Status", id="postmortem.status"),
        Binding("ctrl+n", "add_action", "Add action", id="postmortem.new_action"),
        Binding("f3", "other_pane", "Panes", id="postmortem.panes"),
        Binding("f1", "keys", "Keys", id="postmortem.keys"),
        Binding(_DASHBOARD_KEYS, "elsewhere", show=False),
    ]

    def __init__(self, incident_id: int) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.record: PostmortemRecord | None = None
        self.version = 0  # the version the editor's text is based on
        self.saved_text = ""  # the text as last loaded or saved (as in the database)
        self.saved_at: float | None = None
        self.saved_by: str | None = None
        self.title_text = ""
        self.severity = ""
        self.warnings: list[BlameWarning] = []
        self.actions: list[ActionItem] = []
        self.conflict: _Conflict | None = None
        self.save_error: str | None = None
        self.kept_text: str | None = None  # the user's text when they loaded theirs instead
        self.loaded = False
        self._lock = asyncio.Lock()
        self._dirty_since: float | None = None
        self._last_edit = 0.0
        self._check_timer: Timer | None = None
        self._left = False  # left (or leaving): nothing more to save or show
        self._leaving = False  # escape is saving before the screen goes
        self._session: Session | None = None
        self.editor = _Editor(
            language="markdown",
            soft_wrap=True,
            show_line_numbers=True,
            tab_behavior="focus",
            read_only=True,
            placeholder="loading…",
            id="pm-editor",
        )
        self._action_cache: dict[str, Sequence[Cell]] = {}
        self._today: date | None = None

    # -- building --------------------------------------------------------------

    @property
    def session(self) -> Session:
        # Kept from mount: the final save runs while the app is shutting down.
        return self._session if self._session is not None else _app(self).session

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(_app(self).config.settings.timezone)

    def compose(self) -> ComposeResult:
        with Horizontal(id="pm-head"):
            yield Static(id="pm-title")
            yield Static(id="pm-state")
        yield Static(id="pm-conflict")
        with Horizontal(id="pm-main"):
            with Vertical(id="pm-editor-pane"):
                yield self.editor
                with VerticalScroll(id="pm-preview"):
                    yield Markdown(id="pm-markdown", open_links=False)
            with Horizontal(id="pm-side"):
                yield OptionList(id="pm-warnings")
                yield ActionTable(id="pm-actions", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self._session = _app(self).session
        self.query_one("#pm-conflict").display = False
        self.query_one("#pm-preview").display = False
        self.editor.border_title = "Postmortem (Markdown)"
        self.query_one("#pm-preview").border_title = "Preview (F2 edits)"
        self.query_one("#pm-warnings").border_title = "Blameless check"
        actions = self.query_one("#pm-actions", ActionTable)
        actions.border_title = "Action items"
        actions.add_columns(*ACTION_COLUMNS)
        self._apply_theme()
        _app(self).theme_changed_signal.subscribe(self, self._apply_theme)
        self._show_state()
        self._load()

    def _apply_theme(self, _theme: object = None) -> None:
        editor = self.editor
        editor.register_theme(editor_theme(_app(self).theme_variables))
        editor.theme = "statuscat"

    @work(exclusive=True, group="pm-load", exit_on_error=False)
    async def _load(self) -> None:
        try:
            record = await self.session.postmortem(self.incident_id)
            listed = await self.session.postmortem_list()
        except Exception as exc:
            self._failed_load(exc)
            return
        info = next((row for row in listed if row.get("incident") == self.incident_id), {})
        self.title_text = str(info.get("title", ""))
        self.severity = str(info.get("severity", ""))
        self._take(record)
        editor = self.editor
        editor.read_only = False
        editor.placeholder = "Write the postmortem here"
        editor.focus()
        self.loaded = True
        self._check_now()
        # Narrow terminals show one side pane: the blameless hints if there are any.
        self.set_class(not self.warnings, "-actions")
        self._show_state()
        self.set_interval(AUTOSAVE_TICK, self._autosave_tick, name="autosave")
        await self._load_actions()

    def _failed_load(self, exc: Exception) -> None:
        known = isinstance(exc, PostmortemError | IncidentError)
        message = str(exc) if known else repr(exc)
        self.save_error = f"cannot open: {message}"
        self._show_state()
        self.notify(
            message, title=f"Postmortem #{self.incident_id}", severity="error", markup=False
        )

    def _take(self, record: PostmortemRecord) -> None:
        """Show ``record``'s text, replacing the editor's; the caller made sure that is wanted."""
        self.record = record
        self.version = record.version
        self.saved_text = record.body
        self.saved_at = record.updated
        self.saved_by = record.updated_by
        self.conflict = None
        self.save_error = None
        self._dirty_since = None
        editor = self.editor
        body = shown(record.body, multiline=True)
        if editor.text != body:
            cursor = editor.cursor_location
            editor.load_text(body)
            last = editor.document.line_count - 1
            editor.move_cursor((min(cursor[0], last), cursor[1]))
        self._show_conflict()
        self._show_state()

    # -- the header ----------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        """Whether the editor holds text that is not in the database."""
        return self.loaded and self.editor.text != self.saved_shown

    @property
    def saved_shown(self) -> str:
        """The saved text as the editor shows it (control characters made visible)."""
        return shown(self.saved_text, multiline=True)

    def _show_state(self) -> None:
        if self._left:
            return
        app = _app(self)
        palette = app.palette
        title = Text(no_wrap=True, overflow="ellipsis")
        if self.severity:
            title.append(
                f" {self.severity} ",
                style=palette.severity.get(self.severity, Style()) + Style(reverse=True),
            )
        title.append(f" #{self.incident_id} ", style="bold")
        title.append_text(literal(self.title_text, limit=120))
        self.query_one("#pm-title", Static).update(title)
        state = Text(no_wrap=True)
        if self.record is not None:
            state.append(f" {self.record.status.label} ", style="bold")
            state.append(f"· v{self.version} · ")
        if not self.loaded:
            if self.save_error:
                state.append(f"✗ {shown(self.save_error, 200)}", style=palette.error)
            else:
                state.append("loading…", style=palette.muted)
        elif self.conflict is not None:
            state.append("⚠ CONFLICT: not saved", style=palette.error + Style(bold=True))
        elif self.save_error is not None:
            state.append("✗ not saved, retrying", style=palette.error + Style(bold=True))
        elif self.dirty:
            state.append("● unsaved changes", style=Style(bold=True))
        elif self.saved_at is not None:
            state.append(f"✔ saved {_clock(self.saved_at, self.tz)}", style=palette.success)
            if self.saved_by and self.saved_by != self.session.me:
                state.append(f" ({shown(_person(self.session.people(), self.saved_by), 60)})")
        state.append(" ")
        self.query_one("#pm-state", Static).update(state)

    def _show_conflict(self) -> None:
        if self._left:
            return
        self.refresh_bindings()  # ctrl+o / ctrl+r show only during a conflict
        banner = self.query_one("#pm-conflict", Static)
        c = self.conflict
        if c is None:
            banner.display = False
            return
        who = _person(self.session.people(), c.by)
        banner.update(
            Content.assemble(
                ("⚠ ", "bold"),
                Content(
                    f"Saved by {shown(who, 60)} at {_clock(c.at, self.tz)} (version {c.version})"
                ),
                " while you were editing. ",
                ("Your text is NOT saved", "bold"),
                "; it stays in the editor and autosave is off.\n",
                ("ctrl+o", "bold"),
                " save yours over theirs (theirs stays in the history) · ",
                ("ctrl+r", "bold"),
                " load theirs (yours is copied to the clipboard first)",
            )
        )
        banner.display = True
        # The banner takes rows from the editor: keep the cursor in sight.
        self.call_after_refresh(self.editor.scroll_cursor_visible)

    # -- typing and autosave ------------------------------------------------------------

    @on(TextArea.Changed, "#pm-editor")
    def _typed(self) -> None:
        if not self.loaded:
            return
        now = time.monotonic()
        if self.dirty:
            if self._dirty_since is None:
                self._dirty_since = now
            self._last_edit = now
        else:
            self._dirty_since = None
        if self._check_timer is not None:
            self._check_timer.stop()
        self._check_timer = self.set_timer(CHECK_DELAY, self._check_now, name="blameless")
        self._show_state()

    def _autosave_tick(self) -> None:
        if self._left or self.conflict is not None or self._lock.locked() or not self.dirty:
            return
        now = time.monotonic()
        if self._dirty_since is None:
            # Typed, but the editor's Changed message has not been handled yet: the
            # edit is new, and the idle time counts from now, not from the edit before.
            self._dirty_since = self._last_edit = now
            return
        if now - self._last_edit >= AUTOSAVE_IDLE or now - self._dirty_since >= AUTOSAVE_EVERY:
            self._autosave()

    @work(group="pm-save", exit_on_error=False)
    async def _autosave(self) -> None:
        await self.save()

    async def save(self, *, over: int | None = None) -> bool:
        """Save the editor's text unless it is already saved; True once it is in the database.

        ``over`` is the version to save on top of, when the user chose to overwrite
        someone else's save; otherwise a conflict stops here and is shown.
        """
        if not self.loaded or (self.conflict is not None and over is None):
            return False
        # Shielded: a caller cancelled mid-save (a worker ending with its screen) must not
        # leave the row written but its new version unknown here, or the next save would
        # run into our own.
        return await asyncio.shield(self._save_now(over))

    async def _save_now(self, over: int | None) -> bool:
        async with self._lock:
            text = self.editor.text
            base = self.version if over is None else over
            if text == self.saved_shown and over is None:
                return True
            try:
                try:
                    record = await self.session.save_postmortem(
                        self.incident_id, text, base_version=base
                    )
                except PostmortemConflict:
                    if over is not None or not await self._adopt_status_change():
                        raise
                    # Only the review status moved on (same text): save on top of it.
                    record = await self.session.save_postmortem(
                        self.incident_id, text, base_version=self.version
                    )
            except PostmortemConflict as exc:
                self.conflict = _Conflict(exc.version, exc.by, exc.at)
                self._show_conflict()
                self._show_state()
                self.notify(
                    f"Not saved: {_person(self.session.people(), exc.by)} saved this "
                    "postmortem while you were editing.",
                    title="Conflict",
                    severity="error",
                    timeout=10,
                    markup=False,
                )
                return False
            except Exception as exc:  # kept dirty: autosave tries again after a pause
                error = str(exc) if isinstance(exc, PostmortemError) else repr(exc)
                if error != self.save_error:  # said once, not on every retry
                    self.notify(error, title="Not saved", severity="error", markup=False)
                self.save_error = error
                self._last_edit = self._dirty_since = time.monotonic()
                self._show_state()
                return False
            self.record = record
            self.version = record.version
            self.saved_text = text
            self.saved_at = record.updated
            self.saved_by = record.updated_by
            self.conflict = None
            self.save_error = None
            self._dirty_since = time.monotonic() if self.dirty else None
        self._show_conflict()
        self._show_state()
        return True

    async def _adopt_status_change(self) -> bool:
        """After a refused save: if only the status changed since (same text), take its version."""
        try:
            current = await self.session.get_postmortem(self.incident_id)
        except Exception:
            return False
        if current is None or current.body != self.saved_text:
            return False
        self.record = current
        self.version = current.version
        return True

    def show_snapshot(self, snap: Snapshot) -> None:
        """The app's refresh tick: notice someone else's save before ours runs into it."""
        if self.loaded and not self._left and self.conflict is None and not self._lock.locked():
            self._watch_remote()

    @work(exclusive=True, group="pm-watch", exit_on_error=False)
    async def _watch_remote(self) -> None:
        if self._lock.locked():
            return
        async with self._lock:
            try:
                record = await self.session.get_postmortem(self.incident_id)
            except Exception:
                return  # a failed look is retried on the next tick; saving reports errors
            if record is None or record.version == self.version or self.conflict is not None:
                return
            if record.body == self.saved_text:  # only the review status moved on
                self.record = record
                self.version = record.version
                self._show_state()
                return
            if self.dirty:
                self.conflict = _Conflict(record.version, record.updated_by, record.updated)
                self._show_conflict()
                self._show_state()
                return
            self._take(record)
        self._check_now()
        if record.updated_by != self.session.me:
            who = _person(self.session.people(), record.updated_by)
            self.notify(f"{who} saved a new version (v{record.version}); showing it", markup=False)

    # -- blameless check -------------------------------------------------------------------

    def _check_now(self) -> None:
        if self._left:
            return  # a timer that fired as the screen went
        people = self.session.people()
        text = self.editor.text
        self.warnings = blameless_check(text, [*people, *people.values()])
        options = self.query_one("#pm-warnings", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        if not self.warnings:
            options.add_option(Option(Content("✔ no blaming wording found"), disabled=True))
        for n, w in enumerate(self.warnings):
            options.add_option(
                Option(
                    Content.assemble(
                        (f"L{w.line} ", "bold"),
                        (f"“{w.phrase}”", "$text-warning"),
                        "\n  ",
                        (w.suggestion, "$text-muted"),
                    ),
                    id=f"w{n}",
                )
            )
        if self.warnings and highlighted is not None:
            options.highlighted = min(highlighted, len(self.warnings) - 1)
        self._pane_titles()

    def _pane_titles(self) -> None:
        count = len(self.warnings)
        hints = f"⚠ {count}" if count else "✔"
        warnings = self.query_one("#pm-warnings", OptionList)
        warnings.border_title = f"Blameless check {hints}"
        actions = self.query_one("#pm-actions", ActionTable)
        open_count = sum(a.status is ActionStatus.OPEN for a in self.actions)
        overdue = sum(a.overdue(self._today) for a in self.actions) if self._today else 0
        summary = f"{open_count} open" + (f" · ⚠ {overdue} overdue" if overdue else "")
        actions.border_title = f"Action items · {summary}"
        # In a narrow terminal only one of the two shows: say what the other holds.
        warnings.border_subtitle = f"F3 action items: {summary}"
        actions.border_subtitle = f"F3 blameless check {hints}"

    @on(OptionList.OptionSelected, "#pm-warnings")
    def _go_to_warning(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is None:
            return
        w = self.warnings[int(event.option.id[1:])]
        self._show_editor()
        editor = self.editor
        start = (w.line - 1, w.column)
        editor.selection = Selection(start, (start[0], start[1] + len(w.phrase)))
        editor.scroll_cursor_visible(center=True)
        editor.focus()

    # -- keys --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("overwrite", "load_theirs"):
            return self.conflict is not None  # shown only when there is a conflict
        return True

    async def action_save(self) -> None:
        if self.conflict is not None:
            self.notify(
                "Not saved: someone else saved first. ctrl+o saves yours over theirs; "
                "ctrl+r loads theirs.",
                severity="warning",
                markup=False,
            )
            return
        if await self.save():
            self.notify(f"✔ saved (v{self.version})", markup=False)

    @property
    def previewing(self) -> bool:
        """Whether the rendered preview shows instead of the editor."""
        return bool(self.query_one("#pm-preview").display)

    def _show_editor(self) -> None:
        self.query_one("#pm-preview").display = False
        self.editor.display = True
        self.editor.focus()

    async def action_preview(self) -> None:
        if self.previewing:
            self._show_editor()
            return
        preview = self.query_one("#pm-preview", VerticalScroll)
        await self.query_one("#pm-markdown", Markdown).update(self.editor.text)
        self.editor.display = False
        preview.display = True
        preview.scroll_home(animate=False)
        preview.focus()

    def action_elsewhere(self) -> None:
        self.notify("Incident keys work on the dashboard: esc goes back.", severity="warning")

    def action_other_pane(self) -> None:
        """Go to the side pane on show; from one side pane, to the other (swapping if narrow)."""
        warnings = self.query_one("#pm-warnings", OptionList)
        actions = self.query_one("#pm-actions", ActionTable)
        if self.focused in (warnings, actions):
            self.toggle_class("-actions")
        (actions if self.has_class("-actions") else warnings).focus()

    def action_keys(self) -> None:
        self.app.push_screen(HelpScreen(editor_help()))

    def action_leave(self) -> None:
        if self._left:
            return
        if self.conflict is not None and self.dirty:

            def leave_anyway(yes: bool | None) -> None:
                if yes:
                    self.app.copy_to_clipboard(self.editor.text)
                    self._close()

            self.app.push_screen(
                ConfirmModal(
                    "Leave without saving your text?",
                    "Someone else saved this postmortem while you were editing, so your text "
                    "is not saved. If you leave, it is copied to the clipboard and the "
                    "editor closes. To keep it in StatusCat, cancel and press ctrl+o.",
                    confirm="Leave",
                    danger=True,
                ),
                leave_anyway,
            )
            return
        if not self._leaving:
            self._leaving = True
            self._leave()

    @work(group="pm-leave", exit_on_error=False)
    async def _leave(self) -> None:
        try:
            await self._save_and_go()
        finally:
            self._leaving = False

    async def _save_and_go(self) -> None:
        if not self.loaded or await self.save():
            self._close()
            return
        if self.conflict is not None:
            self.action_leave()  # the save just ran into someone else's: ask
            return

        def leave_anyway(yes: bool | None) -> None:
            if yes:
                self.app.copy_to_clipboard(self.editor.text)
                self._close()

        self.app.push_screen(
            ConfirmModal(
                "Leave without saving?",
                f"Your text could not be saved: {self.save_error}. If you leave, it is "
                "copied to the clipboard.",
                confirm="Leave",
                danger=True,
            ),
            leave_anyway,
        )

    def _close(self) -> None:
        if not self.is_current:
            return  # a dialog opened meanwhile: stay; escape again leaves
        self._left = True
        self.dismiss(None)

    async def on_unmount(self) -> None:
        """The app is quitting (or the screen went some other way): save what is unsaved."""
        if self._left:
            return
        self._left = True  # the widgets are going: save without showing anything
        if self.loaded and self.conflict is None and self.dirty:
            await self.save()

    async def action_overwrite(self) -> None:
        c = self.conflict
        if c is None:
            return
        if await self.save(over=c.version):
            who = _person(self.session.people(), c.by)
            self.notify(
                f"✔ your text saved as v{self.version}; {who}'s v{c.version} stays in the history",
                markup=False,
            )

    def action_load_theirs(self) -> None:
        c = self.conflict
        if c is None:
            return
        who = _person(self.session.people(), c.by)

        def chosen(yes: bool | None) -> None:
            if yes:
                self._load_theirs()

        self.app.push_screen(
            ConfirmModal(
                f"Load {who}'s version?",
                f"The editor shows {who}'s text (version {c.version}) instead of yours. "
                "Your text is copied to the clipboard first.",
                confirm="Load theirs",
                danger=True,
            ),
            chosen,
        )

    @work(exclusive=True, group="pm-theirs", exit_on_error=False)
    async def _load_theirs(self) -> None:
        text = self.editor.text
        try:
            record = await self.session.get_postmortem(self.incident_id)
        except Exception as exc:
            self.notify(f"{exc!r}", title="Not loaded", severity="error", markup=False)
            return
        if record is None:
            return
        self.kept_text = text
        self.app.copy_to_clipboard(text)
        async with self._lock:
            self._take(record)
        self._check_now()
        self.notify(
            f"Showing v{record.version}; your text was copied to the clipboard.", markup=False
        )

    def action_status(self) -> None:
        record = self.record
        if record is None:
            return

        def chosen(status: PostmortemStatus | None) -> None:
            if status is not None:
                self._set_status(status)

        self.app.push_screen(PostmortemStatusModal(record.status), chosen)

    @work(group="pm-status", exit_on_error=False)
    async def _set_status(self, status: PostmortemStatus) -> None:
        # A status change is a new version too: save the text first so it is not a conflict.
        if self.dirty and not await self.save():
            self.notify("Status not changed: the text is not saved.", severity="error")
            return
        async with self._lock:
            try:
                record = await self.session.set_postmortem_status(self.incident_id, status.value)
            except Exception as exc:
                message = str(exc) if isinstance(exc, PostmortemError) else repr(exc)
                self.notify(message, title="Not done", severity="error", markup=False)
                return
            if record.body == self.saved_text:
                self.record = record
                self.version = record.version
                self.saved_at = record.updated
                self.saved_by = record.updated_by
            elif self.dirty:
                # Someone saved other text just before: ours must not go over it unasked.
                self.conflict = _Conflict(record.version, None, record.updated)
                self._show_conflict()
            else:
                self._take(record)
        self._check_now()
        self._show_state()
        self.notify(f"✔ postmortem #{self.incident_id} is now {status.label}", markup=False)

    # -- action items ---------------------------------------------------------------------

    async def _load_actions(self) -> None:
        try:
            items = await self.session.actions(self.incident_id)
            today = self.session.today()
        except Exception as exc:
            self.notify(f"{exc!r}", title="Action items", severity="error", markup=False)
            return
        if self._left:
            return
        self.actions = items
        self._today = today
        people = self.session.people()
        error = _app(self).palette.error
        rows = [(str(a.id), action_cells(a, people, today, error)) for a in items]
        sync_table(self.query_one("#pm-actions", ActionTable), rows, self._action_cache)
        self._pane_titles()

    @work(exclusive=True, group="pm-actions", exit_on_error=False)
    async def reload_actions(self) -> None:
        await self._load_actions()

    def _selected_action(self) -> ActionItem | None:
        key = selected_key(self.query_one("#pm-actions", ActionTable))
        return next((a for a in self.actions if str(a.id) == key), None)

    def action_add_action(self) -> None:
        if not self.loaded:
            return

        async def add(f: ActionFields) -> object:
            return await self.session.add_action(
                self.incident_id, f.text, owner=f.owner, due=f.due, priority=f.priority
            )

        self.app.push_screen(ActionItemModal(self.session.people(), add), self._action_saved)

    def action_edit_action(self) -> None:
        item = self._selected_action()
        if item is None:
            return

        async def update(f: ActionFields) -> object:
            return await self.session.update_action(
                item.id, f.text, owner=f.owner, due=f.due, priority=f.priority
            )

        self.app.push_screen(
            ActionItemModal(self.session.people(), update, item=item), self._action_saved
        )

    def _action_saved(self, fields: ActionFields | None) -> None:
        if fields is not None:
            self.notify("✔ action item saved", markup=False)
            self.add_class("-actions")
            self.reload_actions()

    @on(DataTable.RowSelected, "#pm-actions")
    def _edit_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit_action()

    @work(group="pm-actions-change", exit_on_error=False)
    async def action_toggle_action(self) -> None:
        item = self._selected_action()
        if item is None:
            return
        done = item.status is not ActionStatus.DONE
        if await _attempt(self, self.session.set_action_done(item.id, done), "Not done"):
            await self._load_actions()

    def action_delete_action(self) -> None:
        item = self._selected_action()
        if item is None:
            return

        def chosen(yes: bool | None) -> None:
            if yes:
                self._delete(item.id)

        self.app.push_screen(
            ConfirmModal(
                f"Delete action item {item.id}?",
                item.text,
                confirm="Delete",
                danger=True,
            ),
            chosen,
        )

    @work(group="pm-actions-change", exit_on_error=False)
    async def _delete(self, action_id: int) -> None:
        if await _attempt(self, self.session.delete_action(action_id), "Not deleted"):
            self.notify(f"✔ action item {action_id} deleted", markup=False)
            await self._load_actions()


def editor_help() -> list[tuple[str, Sequence[tuple[str, str]]]]:
    """The editor's keys for the help screen (F1 in the editor)."""
    return [
        ("Postmortem editor", bindings_help(PostmortemScreen.BINDINGS)),
        (
            "Action items (tab to the table)",
            [*bindings_help(ActionTable.BINDINGS), ("⏎", "Edit the selected item")],
        ),
        (
            "Blameless check",
            [("⏎", "Go to the highlighted wording in the text")],
        ),
        (
            "Text",
            [
                ("tab / shift+tab", "Next / previous pane"),
                ("^z / ^y", "Undo / redo"),
                ("^a / ^e", "Start / end of line"),
                ("^c / ^x / ^v", "Copy / cut / paste"),
            ],
        ),
    ]


# -- every postmortem ------------------------------------------------------------------------


class PostmortemListScreen(Screen[None]):
    """Every postmortem, and every action item across them (``v`` switches)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="postmortems.back"),
        Binding("v", "switch", "Switch view", id="postmortems.switch"),
        Binding("p", "open", "Open", show=False, id="postmortems.open"),
        Binding("a,o,u,s,r,n,P,R,slash", "elsewhere", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.items: list[ActionItem] = []
        self._caches: dict[str, dict[str, Sequence[Cell]]] = {"list": {}, "actions": {}}

    def compose(self) -> ComposeResult:
        yield Static(id="pm-list-head")
        with Vertical(id="pm-list-body"):
            yield DataTable[Cell](id="pm-list", cursor_type="row", zebra_stripes=True)
            yield DataTable[Cell](id="pm-all-actions", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        listing = self.query_one("#pm-list", DataTable)
        listing.add_columns("#", "Sev", "Title", "Status", "Actions", "Ver", "Saved")
        listing.border_title = "Postmortems (⏎ opens · v action items)"
        actions = self.query_one("#pm-all-actions", DataTable)
        actions.add_columns("Incident", *ACTION_COLUMNS)
        actions.border_title = "Action items, all postmortems (⏎ opens · v postmortems)"
        actions.display = False
        listing.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def show_snapshot(self, snap: Snapshot) -> None:
        self.reload()

    @work(exclusive=True, group="pm-list", exit_on_error=False)
    async def reload(self) -> None:
        session = _app(self).session
        try:
            rows = await session.postmortem_list()
            items = await session.actions()
            today = session.today()
        except Exception as exc:
            self.notify(f"{exc!r}", title="Postmortems", severity="error", markup=False)
            return
        self.rows, self.items = rows, items
        self._fill(rows, items, today, session.people())

    def _fill(
        self,
        rows: list[dict[str, Any]],
        items: list[ActionItem],
        today: date,
        people: Mapping[str, str],
    ) -> None:
        palette = _app(self).palette
        tz = ZoneInfo(_app(self).config.settings.timezone)
        listed: list[tuple[str, list[Cell]]] = []
        for r in rows:
            actions = f"{r['actions_open']} open"
            overdue: Cell = actions
            if r["actions_overdue"]:
                overdue = Text(actions + f" ⚠ {r['actions_overdue']} OVERDUE")
                overdue.stylize(palette.error + Style(bold=True), len(actions))
            saved = datetime.fromtimestamp(r["updated"], tz).strftime("%Y-%m-%d %H:%M")
            listed.append(
                (
                    str(r["incident"]),
                    [
                        f"#{r['incident']}",
                        literal(r["severity"], palette.severity.get(r["severity"], ""), 12),
                        literal(r["title"], limit=32),
                        PostmortemStatus(r["status"]).label,
                        overdue,
                        f"v{r['version']}",
                        saved,
                    ],
                )
            )
        action_rows = [
            (
                str(a.id),
                [f"#{a.incident}", *action_cells(a, people, today, palette.error)],
            )
            for a in items
        ]
        with self.app.batch_update():
            sync_table(self.query_one("#pm-list", DataTable), listed, self._caches["list"])
            sync_table(
                self.query_one("#pm-all-actions", DataTable), action_rows, self._caches["actions"]
            )
        open_count = sum(a.status is ActionStatus.OPEN for a in items)
        overdue_count = sum(a.overdue(today) for a in items)
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append(" Postmortems ", style="bold")
        head.append(f" {len(rows)} · {open_count} open action items")
        if overdue_count:
            head.append(f" · ⚠ {overdue_count} overdue", style=palette.error + Style(bold=True))
        self.query_one("#pm-list-head", Static).update(head)

    def action_switch(self) -> None:
        listing = self.query_one("#pm-list", DataTable)
        actions = self.query_one("#pm-all-actions", DataTable)
        showing_actions = not actions.display
        actions.display = showing_actions
        listing.display = not showing_actions
        (actions if showing_actions else listing).focus()

    def action_elsewhere(self) -> None:
        self.notify("Incident keys work on the dashboard: esc goes back.", severity="warning")

    def action_open(self) -> None:
        table = self.query_one(
            "#pm-all-actions" if self.query_one("#pm-all-actions").display else "#pm-list",
            DataTable,
        )
        self._open_row(table)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._open_row(event.data_table)

    def _open_row(self, table: DataTable[Any]) -> None:
        key = selected_key(table)
        if key is None:
            return
        if table.id == "pm-list":
            incident = int(key)
        else:
            item = next((a for a in self.items if str(a.id) == key), None)
            if item is None:
                return
            incident = item.incident
        self.app.push_screen(PostmortemScreen(incident))
