"""One incident: timeline, monitors and runbooks, escalation, responders, updates."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from statuscat_tui.core.states import MonitorState
from statuscat_tui.engine.session import IncidentDetail, Snapshot
from statuscat_tui.ui.format import latency, literal, shown, state_cell
from statuscat_tui.ui.tables import Cell, sync_table


class IncidentScreen(Screen[None]):
    """Everything about one incident; the dashboard's action keys act on it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="incident.back"),
    ]

    def __init__(self, incident_id: int) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.detail: IncidentDetail | None = None
        self._monitor_cache: dict[str, Sequence[Cell]] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="incident-head")
        with Horizontal(id="incident-body"):
            with VerticalScroll(id="incident-side"):
                yield Static(id="incident-escalation")
                yield DataTable[Cell](id="incident-monitors", cursor_type="none")
                yield Static(id="incident-runbooks")
                yield Static(id="incident-updates")
            with VerticalScroll(id="incident-timeline"):
                yield Static(id="incident-timeline-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#incident-monitors", DataTable).add_columns(
            "State", "Monitor", "Latency", "Reason"
        )
        self.query_one("#incident-timeline").border_title = "Timeline"
        self.query_one("#incident-side").border_title = "Monitors and response"
        self.reload()

    def show_snapshot(self, snap: Snapshot) -> None:
        """The app's refresh tick: fetch this incident again."""
        self.reload()

    @work(exclusive=True, group="incident", exit_on_error=False)
    async def reload(self) -> None:
        from statuscat_tui.ui.app import StatusCatApp

        app = self.app
        assert isinstance(app, StatusCatApp)
        try:
            detail = await app.session.incident_detail(self.incident_id)
        except Exception as exc:
            self.notify(
                f"cannot load incident #{self.incident_id}: {exc}", severity="error", markup=False
            )
            return
        self.detail = detail
        self._show(detail)

    def _show(self, d: IncidentDetail) -> None:
        from statuscat_tui.ui.app import StatusCatApp

        app = self.app
        assert isinstance(app, StatusCatApp)
        palette = app.palette
        inc = d.incident
        head = Text()
        head.append(
            f" {inc.severity} ",
            style=palette.severity.get(inc.severity, Style()) + Style(reverse=True),
        )
        head.append(f" #{inc.id} ")
        head.append(shown(inc.title, 300), style="bold")
        head.append("\n ")
        head.append(shown(d.severity_description, 300), style=palette.muted)
        head.append("\n")
        if d.updates:
            public = f"public status {inc.public_status.value}"
        else:
            public = "internal, not published"
        owner = shown(inc.owner or "nobody", 60)
        head.append(f" state {inc.state.value} · {public} · owner {owner}")
        if inc.ready_since is not None:
            head.append(" · ✔ ready to resolve", style=palette.success)
        if inc.components:
            head.append(" · " + shown(", ".join(inc.components), 200))
        self.query_one("#incident-head", Static).update(head)
        esc = Text("Escalation: ", style="bold")
        esc.append(shown(d.escalation, 300))
        if d.responders:
            esc.append("\nResponders: ", style="bold")
            esc.append(shown(", ".join(d.responders), 300))
        self.query_one("#incident-escalation", Static).update(esc)
        rows: list[tuple[str, list[Cell]]] = [
            (
                m.id,
                [
                    state_cell(m.state, palette),
                    literal(m.name, limit=30),
                    latency(m.latency),
                    literal(m.reason),
                ],
            )
            for m in d.monitors
        ]
        sync_table(self.query_one("#incident-monitors", DataTable), rows, self._monitor_cache)
        runbooks = Text()
        monitors = {m.id: m for m in app.config.monitors}
        for m in d.monitors:
            conf = monitors.get(m.id)
            if m.state is not MonitorState.UP and conf is not None and conf.runbook:
                runbooks.append(f"Runbook for {shown(m.name, 60)}: ", style="bold")
                runbooks.append(shown(conf.runbook, 500) + "\n")
        self.query_one("#incident-runbooks", Static).update(runbooks)
        updates = Text("Status updates\n", style="bold")
        if not d.updates:
            updates.append("none posted yet (u posts one)\n", style=palette.muted)
        for at, status, message in reversed(d.updates):
            updates.append(time.strftime("%H:%M ", time.localtime(at)), style=palette.muted)
            updates.append(f"{shown(status.capitalize(), 20)}: ", style="bold")
            updates.append(shown(message, 2000, multiline=True) + "\n")
        self.query_one("#incident-updates", Static).update(updates)
        lines = Text()
        for at, text in d.timeline:
            lines.append(time.strftime("%H:%M:%S ", time.localtime(at)), style=palette.muted)
            lines.append_text(literal(text, limit=500))
            lines.append("\n")
        self.query_one("#incident-timeline-text", Static).update(lines)
