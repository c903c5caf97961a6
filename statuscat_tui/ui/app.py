"""The StatusCat dashboard: four live panes, keyboard-driven incident response.

The app talks to a :class:`~statuscat_tui.engine.session.Session` only: it
reads snapshots and sends actions, each committed to SQLite before the screen
says it is done. A refresh never overlaps the previous one: it runs in a
worker and schedules the next when it finishes.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import WorkerState

from statuscat_tui.config import ConfigError, load_config
from statuscat_tui.core.incidents import Incident, IncidentError, ResolveRefused
from statuscat_tui.core.model import Config
from statuscat_tui.core.states import MonitorState
from statuscat_tui.engine.engine import settle_heap
from statuscat_tui.engine.session import IncidentView, MonitorView, Session, Snapshot
from statuscat_tui.ui.alerts import channel_alert_text
from statuscat_tui.ui.fields import TextInput
from statuscat_tui.ui.format import (
    PLAIN,
    STATE_RANK,
    Palette,
    age,
    latency,
    literal,
    shown,
    sparkline,
    state_cell,
    uptime,
)
from statuscat_tui.ui.tables import Cell, selected_key, sync_table
from statuscat_tui.ui.typeahead import TypeAhead

T = TypeVar("T")
log = logging.getLogger(__name__)

REFRESH_EVERY = 1.0
FILL_CHUNK = 1000  # monitor rows added per frame while the table fills
FILL_PAUSE = 0.02


def _key_display(key: str) -> str:
    return {"question_mark": "?", "slash": "/", "colon": ":", "space": "space"}.get(key, key)


def _some_of(names: list[str], most: int = 3) -> str:
    """``Ada, Grace, Linus +2 more``: each name once, in order."""
    unique = list(dict.fromkeys(names))
    shown_names = ", ".join(unique[:most])
    return shown_names + (f" +{len(unique) - most} more" if len(unique) > most else "")


class Dashboard(Screen[None]):
    """The main screen: monitors, incidents, on call, events."""

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        yield Static(id="viewer-banner")
        yield Static(id="channel-alert")
        with Container(id="panes"):
            with Vertical(id="monitors-pane", classes="pane"):
                yield TextInput(placeholder="filter monitors (esc clears)", id="filter")
                yield DataTable[Cell](id="monitors", cursor_type="row", zebra_stripes=True)
            with Vertical(id="incidents-pane", classes="pane"):
                yield DataTable[Cell](id="incidents", cursor_type="row")
            with Vertical(id="oncall-pane", classes="pane"):
                yield DataTable[Cell](id="oncall", cursor_type="row")
            with Vertical(id="events-pane", classes="pane"):
                yield DataTable[Cell](id="events", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        titles = {
            "monitors-pane": "1 Monitors",
            "incidents-pane": "2 Incidents",
            "oncall-pane": "3 On call",
            "events-pane": "4 Events",
        }
        for pane_id, title in titles.items():
            self.query_one(f"#{pane_id}").border_title = title
        self.query_one("#monitors", DataTable).add_columns(
            "State", "Monitor", "Reason", "Latency", "24h", "30d", "Trend", "Type"
        )
        self.query_one("#incidents", DataTable).add_columns(
            "Sev", "#", "Title", "Status", "Owner", "Age", "Paged / acked"
        )
        self.query_one("#oncall", DataTable).add_columns("Schedule", "On call", "Until", "Next")
        self.query_one("#events", DataTable).add_columns("Time", "Event")
        self.query_one("#filter").display = False
        self.query_one("#monitors").focus()
        # Only now do the tables have their columns: start feeding them.
        self.app.call_later(self.app.start_session)  # type: ignore[attr-defined]


class StatusCatApp(App[int]):
    """The dashboard. Build it with a config and a database path (tests use temp ones)."""

    CSS_PATH = "statuscat.tcss"
    TITLE = "StatusCat"
    COMMAND_PALETTE_BINDING = "ctrl+p"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "ack", "Ack", id="incident.ack"),
        Binding("o", "own", "Own", id="incident.own"),
        Binding("u", "update", "Update", id="incident.update"),
        Binding("s", "severity", "Severity", id="incident.severity"),
        Binding("r", "resolve", "Resolve", id="incident.resolve"),
        Binding("n", "new_incident", "New", id="incident.new"),
        Binding("P", "page", "Page someone", id="incident.page"),
        Binding("p", "postmortem", "Postmortem", id="incident.postmortem"),
        Binding("R", "postmortems", "Reviews", id="app.postmortems"),
        Binding("w", "wallboard", "Wallboard", id="app.wallboard"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("slash", "filter", "Filter", id="monitors.filter"),
        Binding("space", "pause", "Pause", id="app.pause"),
        Binding("ctrl+l", "reload_config", "Reload the config file", show=False, id="app.reload"),
        Binding("colon", "command_palette", "Commands", show=False, id="app.palette"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("1", "focus_pane('monitors')", "Monitors", show=False, id="pane.monitors"),
        Binding("2", "focus_pane('incidents')", "Incidents", show=False, id="pane.incidents"),
        Binding("3", "focus_pane('oncall')", "On call", show=False, id="pane.oncall"),
        Binding("4", "focus_pane('events')", "Events", show=False, id="pane.events"),
        Binding("j", "cursor('down')", "Down", show=False, id="list.down"),
        Binding("k", "cursor('up')", "Up", show=False, id="list.up"),
        Binding("g", "cursor('top')", "Top", show=False, id="list.top"),
        Binding("G", "cursor('bottom')", "Bottom", show=False, id="list.bottom"),
    ]

    def __init__(
        self,
        config: Config,
        db_path: Path,
        *,
        session: Session | None = None,
        theme: str | None = None,
        wallboard: bool = False,
        on_start: Callable[[], Awaitable[None]] | None = None,
        on_stop: Callable[[], Awaitable[None]] | None = None,
        refresh_every: float = REFRESH_EVERY,
        publish_to: Path | None = None,
        settle_heap: bool = False,
        reload_config: Callable[[], Config] | None = None,
    ) -> None:
        super().__init__()
        # ctrl+l reads the config again: from its file unless told how (the demo's has none).
        if reload_config is None and not config.source.startswith("<"):
            reload_config = functools.partial(load_config, config.source)
        self._reload_config = reload_config
        self._config_loaded_at = time.time()
        self._reloading = False
        # The real program (not tests) freezes start-up objects out of the garbage
        # collector's scans once the first snapshot is on screen.
        self._settle_heap = settle_heap
        self._filling = False
        self.config = config
        self.session = session or Session(config, db_path, publish_to=publish_to)
        self.start_wallboard = wallboard
        self.refresh_every = refresh_every
        self._on_start = on_start
        self._on_stop = on_stop
        self.snapshot: Snapshot | None = None
        self._refresh_timer: Timer | None = None
        self.paused = False
        self.filter_text = ""
        self.ready = False
        # Built cells per monitor, reused while its view is unchanged (10,000 rows).
        self._monitor_cells: dict[str, tuple[MonitorView, list[Cell]]] = {}
        self._caches: dict[str, dict[str, Sequence[Cell]]] = {
            "monitors": {},
            "incidents": {},
            "oncall": {},
            "events": {},
        }
        self._theme_name = theme or config.settings.theme
        self.palette = PLAIN
        self._register_themes()
        # Keys typed while a screen opens go to it (ui/typeahead.py).
        self._typeahead = TypeAhead(self, super().on_event)

    async def on_event(self, event: events.Event) -> None:
        key = event if isinstance(event, events.Key) and not event.is_forwarded else None
        if key is not None and self._typeahead.arrived(key):
            return  # kept for the screen that is opening
        await super().on_event(event)

    def on_mount(self) -> None:
        self._new_palette()
        self.theme_changed_signal.subscribe(self, self._new_palette)
        self._typeahead.start()

    def _new_palette(self, _theme: object = None) -> None:
        self.palette = Palette(self.theme_variables)
        for cache in self._caches.values():
            cache.clear()  # re-style every cell on the next refresh
        self._monitor_cells.clear()
        if self.snapshot is not None:
            self.apply_snapshot(self.snapshot)

    # -- start and stop --------------------------------------------------------

    def _register_themes(self) -> None:
        from statuscat_tui.ui.themes import load_themes, resolve_theme

        themes = load_themes()
        for t in themes.values():
            self.register_theme(t)
        self.theme = resolve_theme(self._theme_name, themes).name

    def get_default_screen(self) -> Screen[Any]:
        return Dashboard()

    @work(exclusive=True, group="session", exit_on_error=False)
    async def start_session(self) -> None:
        if self._on_start is not None:
            await self._on_start()
        try:
            await self.session.start()
        except Exception as exc:
            self.exit(1, message=f"statuscat: cannot start: {exc}")
            return
        self.ready = True
        self._update_banner()
        if self.start_wallboard:
            self.action_wallboard()
        self.refresh_now()

    async def action_quit(self) -> None:
        self.exit(0)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast (screens' and widgets' too) shows control characters made visible."""
        super().notify(
            shown(message, 2000, multiline=True),
            title=shown(title, 200),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    async def on_unmount(self) -> None:
        """However the app ends (q, ctrl+c, a test leaving run_test): stop cleanly."""
        self.workers.cancel_group(self, "refresh")
        await self.session.stop()
        if self._on_stop is not None:
            await self._on_stop()
            self._on_stop = None

    def _update_banner(self, engine_running: bool = True) -> None:
        banner = self.screen_stack[0].query_one("#viewer-banner", Static)
        if self.session.mode != "viewer":
            banner.display = False
            return
        holder = shown(str(self.session.engine_holder), 120)
        if engine_running:
            text = (
                f"VIEWER — the engine runs in another process ({holder});"
                " actions go through the database"
            )
        else:
            # Nothing probes or pages now: say so where nobody can miss it.
            text = (
                f"NO ENGINE — its process ({holder}) has gone: nothing is probing or paging."
                " Start `statuscat run --headless`, or restart this dashboard to run it here"
            )
        banner.set_class(not engine_running, "-no-engine")
        banner.update(Text(text, no_wrap=True, overflow="ellipsis"))
        banner.display = True

    # -- live data -------------------------------------------------------------

    def refresh_now(self) -> None:
        self._refresh_worker()

    @work(exclusive=True, group="refresh", exit_on_error=False)
    async def _refresh_worker(self) -> None:
        try:
            if self._reloading:  # the engine is being replaced: read it on the next tick
                return
            snap = await self.session.snapshot()
        except Exception as exc:  # a broken read must not end the dashboard
            self.notify(f"refresh failed: {exc}", severity="error", markup=False)
        else:
            self._alert_pages(snap)
            if not self.paused:
                self.snapshot = snap
                try:
                    self.apply_snapshot(snap)
                except Exception as exc:  # shown, not swallowed; the next tick tries again
                    self.notify(f"display failed: {exc!r}", severity="error", markup=False)
                if self._settle_heap:
                    self._settle_heap = False
                    self.call_after_refresh(settle_heap)
        finally:
            # One timer chain however often refresh_now() is called: an action's
            # immediate refresh replaces the pending tick instead of adding one.
            if self._refresh_timer is not None:
                self._refresh_timer.stop()
            self._refresh_timer = self.set_timer(self.refresh_every, self._refresh_worker)

    def _alert_pages(self, snap: Snapshot) -> None:
        """One bell, and one toast (and desktop note) per incident for the pages of a tick.

        A SEV1 step paging the whole team must not stack a toast per person over
        the incidents pane.
        """
        if not snap.new_pages:
            return
        self.bell()
        names = self.session.people()
        by_incident: dict[int, list[str]] = {}
        titles: dict[int, str] = {}
        for alert in snap.new_pages:
            by_incident.setdefault(alert.incident, []).append(names.get(alert.person, alert.person))
            titles[alert.incident] = alert.title
        for incident, people in by_incident.items():
            who = _some_of(people)
            self.notify(
                f"🔔 #{incident} paged {who}: {titles[incident]}",
                title="Page",
                severity="warning",
                timeout=15,
                markup=False,
            )
            self._desktop(f"StatusCat: #{incident} paged {who}", titles[incident])

    @work(group="desktop", exit_on_error=False)
    async def _desktop(self, title: str, body: str) -> None:
        await self.session.notify_desktop(title, body)

    def apply_snapshot(self, snap: Snapshot) -> None:
        dash = self.screen_stack[0]
        if not isinstance(dash, Dashboard):
            return
        with self.batch_update():
            self._status_line(dash, snap)
            self._update_banner(snap.engine_running)
            self._channel_alert(dash, snap)
            self._fill_monitors(dash, snap)
            self._fill_incidents(dash, snap)
            self._fill_oncall(dash, snap)
            self._fill_events(dash, snap)
        from statuscat_tui.ui.wallboard import WallboardScreen

        if isinstance(self.screen, WallboardScreen):
            self.screen.show(snap)
        show = getattr(self.screen, "show_snapshot", None)
        if callable(show):
            show(snap)

    def _status_line(self, dash: Dashboard, snap: Snapshot) -> None:
        counts: dict[MonitorState, int] = {}
        for m in snap.monitors:
            counts[m.state] = counts.get(m.state, 0) + 1
        parts = [
            f"{s.symbol} {counts[s]} {s.name}" for s in sorted(counts, key=lambda s: STATE_RANK[s])
        ]
        sev1 = sum(1 for i in snap.incidents if i.severity == "SEV1")
        inc = f"{len(snap.incidents)} incident{'s' * (len(snap.incidents) != 1)}"
        if sev1:
            inc += f" ({sev1} SEV1)"
        clock = time.strftime("%H:%M:%S", time.localtime(snap.taken_at))
        paused = "  ⏸ PAUSED (space resumes)" if self.paused else ""
        mode = "engine" if self.session.mode == "engine" else "viewer"
        line = f" StatusCat  {clock}  {mode}  │ {inc} │ " + "  ".join(parts) + paused
        dash.query_one("#status", Static).update(Text(line, no_wrap=True, overflow="ellipsis"))

    def _channel_alert(self, dash: Dashboard, snap: Snapshot) -> None:
        """One line while a notification channel is failing: pages may not be arriving."""
        alert = dash.query_one("#channel-alert", Static)
        trouble = snap.failing_channels
        alert.display = bool(trouble)
        if not trouble:
            return
        alert.update(channel_alert_text(trouble, snap.taken_at))

    def _monitor_rows(self, snap: Snapshot) -> list[tuple[str, list[Cell]]]:
        needle = self.filter_text.lower()
        monitors: Iterable[MonitorView] = snap.monitors
        if needle:
            monitors = [
                m
                for m in monitors
                if needle in m.id.lower()
                or needle in m.name.lower()
                or needle in m.reason.lower()
                or needle in (m.component or "").lower()
            ]
        ordered = sorted(monitors, key=lambda m: (STATE_RANK[m.state], m.name.lower()))
        rows: list[tuple[str, list[Cell]]] = []
        built = self._monitor_cells
        for m in ordered:
            hit = built.get(m.id)
            if hit is not None and hit[0] == m:
                rows.append((m.id, hit[1]))
                continue
            failing = m.state not in (MonitorState.UP, MonitorState.MAINTENANCE)
            rows.append(
                (
                    m.id,
                    [
                        state_cell(m.state, self.palette),
                        literal(m.name, limit=40),
                        literal(m.reason if failing else "", style=self.palette.error, limit=40),
                        latency(m.latency),
                        uptime(m.uptime_24h),
                        uptime(m.uptime_30d),
                        sparkline(m.history),
                        m.type,
                    ],
                )
            )
            built[m.id] = (m, rows[-1][1])
        return rows

    def _fill_monitors(self, dash: Dashboard, snap: Snapshot) -> None:
        table = dash.query_one("#monitors", DataTable)
        done = sync_table(
            table, self._monitor_rows(snap), self._caches["monitors"], max_new=FILL_CHUNK
        )
        if not done and not self._filling:
            # Thousands of rows go in a chunk per frame: the first screenful shows
            # at once and keys keep working while the rest is added.
            self._filling = True
            self.set_timer(FILL_PAUSE, self._fill_more)

    def _fill_more(self) -> None:
        self._filling = False
        dash = self.screen_stack[0]
        if isinstance(dash, Dashboard) and self.snapshot is not None:
            self._fill_monitors(dash, self.snapshot)

    def _fill_incidents(self, dash: Dashboard, snap: Snapshot) -> None:
        rows: list[tuple[str, list[Cell]]] = []
        for i in sorted(snap.incidents, key=lambda i: (i.severity, -i.id)):
            status = i.public_status + ("  ✔ ready to resolve" if i.ready else "")
            acked = ", ".join(i.acked_by) if i.acked_by else "not acked"
            paged = ", ".join(i.paged) if i.paged else "nobody paged"
            rows.append(
                (
                    str(i.id),
                    [
                        Text(i.severity, style=self.palette.severity.get(i.severity, "")),
                        f"#{i.id}",
                        literal(i.title, limit=60),
                        status,
                        literal(i.owner or "—"),
                        age(snap.taken_at - i.started),
                        literal(f"{paged} / {acked}"),
                    ],
                )
            )
        sync_table(dash.query_one("#incidents", DataTable), rows, self._caches["incidents"])

    def _fill_oncall(self, dash: Dashboard, snap: Snapshot) -> None:
        rows: list[tuple[str, list[Cell]]] = []
        for o in snap.oncall:
            who = literal(o.person_name or "nobody", style="" if o.person else self.palette.error)
            until = "—"
            if o.until is not None:
                when = time.strftime("%a %H:%M", time.localtime(o.until))
                until = f"{when} (in {age(o.until - snap.taken_at)})"
            nxt = o.next_person or "—"
            if o.gap:
                nxt += f"  ⚠ {o.gap}"
            rows.append((o.schedule, [literal(o.name), who, until, literal(nxt)]))
        sync_table(dash.query_one("#oncall", DataTable), rows, self._caches["oncall"])

    def _fill_events(self, dash: Dashboard, snap: Snapshot) -> None:
        rows: list[tuple[str, list[Cell]]] = [
            (f"{e.at:.6f}-{n}", [time.strftime("%H:%M:%S", time.localtime(e.at)), literal(e.text)])
            for n, e in enumerate(snap.feed)
        ]
        sync_table(dash.query_one("#events", DataTable), rows, self._caches["events"])

    # -- selection ---------------------------------------------------------------

    def selected_incident(self) -> int | None:
        """The incident an action applies to: the open incident screen's, else the selected row."""
        from statuscat_tui.ui.incident import IncidentScreen

        if isinstance(self.screen, IncidentScreen):
            return self.screen.incident_id
        dash = self.screen_stack[0]
        table = dash.query_one("#incidents", DataTable)
        key = selected_key(table)
        return int(key) if key is not None else None

    def _incident_view(self, incident_id: int) -> IncidentView | None:
        if self.snapshot is None:
            return None
        return next((i for i in self.snapshot.incidents if i.id == incident_id), None)

    def _need_incident(self) -> int | None:
        incident_id = self.selected_incident()
        if incident_id is None:
            self.notify("no incident selected", severity="warning")
        return incident_id

    # -- actions -------------------------------------------------------------------

    def _act(self, call: Callable[[], Awaitable[T]], done: Callable[[T], str]) -> None:
        """Run an action; say it is done only once it is committed, or show why not."""

        async def run() -> None:
            try:
                result = await call()
            except IncidentError as exc:
                self.notify(str(exc), title="Not done", severity="error", markup=False)
                return
            except Exception as exc:  # never a silent failure: say it was not done
                log.exception("action failed")
                self.notify(
                    f"{type(exc).__name__}: {exc}", title="Not done", severity="error", markup=False
                )
                return
            self.notify(done(result), markup=False)
            self.refresh_now()
            refresh = getattr(self.screen, "reload", None)
            if callable(refresh):
                refresh()

        self.run_worker(run(), group="action", exit_on_error=False)

    def action_ack(self) -> None:
        if (iid := self._need_incident()) is not None:
            self._act(
                lambda: self.session.acknowledge(iid),
                lambda inc: f"✔ #{inc.id} acknowledged by {self.session.me}; pages stopped",
            )

    def action_own(self) -> None:
        if (iid := self._need_incident()) is not None:
            self._act(
                lambda: self.session.take_ownership(iid),
                lambda inc: f"✔ #{inc.id} is now owned by {inc.owner}",
            )

    def action_update(self) -> None:
        from statuscat_tui.ui.modals import UpdateModal

        iid = self._need_incident()
        view = self._incident_view(iid) if iid is not None else None
        if iid is None or view is None:
            return
        templates = {
            s: self.session.status_template(s, view)
            for s in ("investigating", "identified", "monitoring", "resolved")
        }

        def posted(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            status, message = result
            self._act(
                lambda: self.session.update(iid, status, message),
                lambda inc: f"✔ #{inc.id} {inc.public_status.value}: update posted",
            )

        self.push_screen(UpdateModal(view, templates), posted)

    def action_severity(self) -> None:
        from statuscat_tui.ui.modals import SeverityModal

        iid = self._need_incident()
        view = self._incident_view(iid) if iid is not None else None
        if iid is None or view is None:
            return

        def chosen(severity: str | None) -> None:
            if severity is None or severity == view.severity:
                return
            self._act(
                lambda: self.session.change_severity(iid, severity),
                lambda inc: f"✔ #{inc.id} is now {inc.severity}",
            )

        self.push_screen(SeverityModal(view.severity, self.config.severities), chosen)

    def action_new_incident(self) -> None:
        from statuscat_tui.ui.modals import OpenIncidentModal

        components = [c.name for c in self.config.components] or sorted(
            {m.component for m in self.config.monitors if m.component}
        )

        def opened(result: tuple[str, str, str | None] | None) -> None:
            if result is None:
                return
            title, severity, component = result
            self._act(
                lambda: self.session.open_incident(title, severity, component),
                lambda inc: f"✔ opened #{inc.id}: {inc.title} ({inc.severity})",
            )

        self.push_screen(OpenIncidentModal(self.config.severities, components), opened)

    def action_page(self) -> None:
        from statuscat_tui.ui.modals import PageModal

        iid = self._need_incident()
        if iid is None:
            return
        people = [(p.id, p.name) for p in self.config.people]
        oncall = {
            o.schedule: o.person_name for o in (self.snapshot.oncall if self.snapshot else ())
        }
        schedules = [(s.id, s.name, oncall.get(s.id)) for s in self.config.schedules]

        def chosen(result: tuple[str, str, str | None] | None) -> None:
            if result is None:
                return
            kind, ident, message = result
            self._act(
                lambda: self.session.page(
                    iid,
                    person=ident if kind == "person" else None,
                    schedule=ident if kind == "schedule" else None,
                    message=message,
                ),
                lambda who: f"✔ paging {who} into #{iid}",
            )

        self.push_screen(PageModal(people, schedules), chosen)

    def action_resolve(self) -> None:
        from statuscat_tui.ui.modals import ConfirmModal

        iid = self._need_incident()
        if iid is None:
            return

        async def run() -> None:
            try:
                inc = await self.session.resolve(iid)
            except ResolveRefused as exc:
                failing = ", ".join(exc.failing)
                body = (
                    f"#{iid} cannot be resolved: {failing} still not UP.\n\n"
                    "Resolve anyway? This is recorded on the timeline with your name and "
                    "what was still failing."
                )

                def forced(yes: bool | None) -> None:
                    if yes:
                        self._act(
                            lambda: self.session.resolve(iid, force=True),
                            lambda inc: self._resolved(inc, " (forced)"),
                        )

                self.push_screen(
                    ConfirmModal(
                        f"Resolve #{iid} anyway?", body, confirm="Force resolve", danger=True
                    ),
                    forced,
                )
                return
            except IncidentError as exc:
                self.notify(str(exc), title="Not done", severity="error", markup=False)
                return
            except Exception as exc:
                log.exception("resolve failed")
                self.notify(
                    f"{type(exc).__name__}: {exc}", title="Not done", severity="error", markup=False
                )
                return
            self.notify(self._resolved(inc), markup=False)
            self.refresh_now()

        self.run_worker(run(), group="action", exit_on_error=False)

    def _resolved(self, inc: Incident, how: str = "") -> str:
        """After a resolve: open the postmortem draft the resolve created, if one is required."""
        if self.session.postmortem_required(inc.severity):
            from statuscat_tui.ui.postmortem import PostmortemScreen

            self.push_screen(PostmortemScreen(inc.id))
        return f"✔ #{inc.id} resolved{how}"

    def action_postmortem(self) -> None:
        from statuscat_tui.ui.postmortem import PostmortemScreen

        if (iid := self._need_incident()) is not None:
            self.push_screen(PostmortemScreen(iid))

    def action_postmortems(self) -> None:
        from statuscat_tui.ui.postmortem import PostmortemListScreen

        if not isinstance(self.screen, PostmortemListScreen):
            self.push_screen(PostmortemListScreen())

    def action_wallboard(self) -> None:
        from statuscat_tui.ui.wallboard import WallboardScreen

        if isinstance(self.screen, WallboardScreen):
            self.pop_screen()
            return
        self.push_screen(
            WallboardScreen(
                self.snapshot,
                title=self._board_title(),
                tz=ZoneInfo(self.config.settings.timezone),
            )
        )

    def _board_title(self) -> str:
        return self.config.status_page.title or "StatusCat"

    def action_help(self) -> None:
        from statuscat_tui.ui.help import HelpScreen

        self.push_screen(HelpScreen(self.help_sections()))

    def help_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        groups: dict[str, list[tuple[str, str]]] = {
            "Incidents": [],
            "Dashboard": [],
            "Panes and lists": [],
        }
        for b in self.BINDINGS:
            assert isinstance(b, Binding)
            group = (
                "Incidents"
                if (b.id or "").startswith("incident.")
                else "Panes and lists"
                if (b.id or "").split(".")[0] in ("pane", "list")
                else "Dashboard"
            )
            groups[group].append((_key_display(b.key), b.description))
        groups["Panes and lists"] += [
            ("enter", "Open the selected incident"),
            ("esc", "Back / clear the filter"),
            ("tab", "Next pane"),
        ]
        groups["Dashboard"].append(("ctrl+p", "Command palette (every action)"))
        return list(groups.items())

    def action_filter(self) -> None:
        if not isinstance(self.screen, Dashboard):
            return
        box = self.screen.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        if self.snapshot is not None:
            self._fill_monitors(self.screen_stack[0], self.snapshot)  # type: ignore[arg-type]

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.screen_stack[0].query_one("#monitors").focus()

    def on_key(self, event: events.Key) -> None:
        if self._typeahead.bubbled(event):
            event.stop()
            event.prevent_default()  # typed for the screen opened since: it goes there
            return
        if event.key != "escape" or not isinstance(self.screen, Dashboard):
            return
        box = self.screen.query_one("#filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.screen.query_one("#monitors").focus()
            event.stop()

    def action_reload_config(self) -> None:
        """Read the config file again; apply it only if it is valid."""
        if self._reload_config is None:
            self.notify("this config is built in: there is no file to reload", severity="warning")
        elif self._reloading:
            self.notify("already reloading the config", severity="warning")
        else:
            self._reloading = True
            self.run_worker(self._reload(self._reload_config), group="reload", exit_on_error=False)

    async def _reload(self, read: Callable[[], Config]) -> None:
        from statuscat_tui.engine.engine import RestartFailed
        from statuscat_tui.engine.publisher import output_dir

        still = "Still running the previous config, loaded at " + time.strftime(
            "%H:%M:%S", time.localtime(self._config_loaded_at)
        )
        try:
            try:
                config = await asyncio.to_thread(read)
            except ConfigError as exc:
                lines = [str(issue) for issue in exc.issues[:5]]
                if len(exc.issues) > 5:
                    lines.append(f"… and {len(exc.issues) - 5} more (statuscat check lists all)")
                lines.append(still + ".")
                self.notify(
                    "\n".join(lines),
                    title="Config reload refused",
                    severity="error",
                    timeout=30,
                    markup=False,
                )
                return
            except Exception as exc:  # a bug in reading must not end the dashboard
                self.notify(
                    f"{type(exc).__name__}: {exc}\n{still}.",
                    title="Config reload failed",
                    severity="error",
                    timeout=30,
                    markup=False,
                )
                return
            await self._refresh_idle()  # no snapshot may read a half-swapped engine
            publish_to = output_dir(config) if self.session.publish_to is not None else None
            try:
                await self.session.reload(config, publish_to=publish_to)
            except RestartFailed as exc:
                self.notify(
                    f"Cannot run the new config: {exc}\n{still}.",
                    title="Config reload refused",
                    severity="error",
                    timeout=30,
                    markup=False,
                )
                return
            except Exception as exc:  # not even the previous config would start again
                self.notify(
                    f"{type(exc).__name__}: {exc}\nThe engine is not running: quit and start "
                    "StatusCat again.",
                    title="Config reload failed",
                    severity="error",
                    timeout=120,
                    markup=False,
                )
                return
        finally:
            self._reloading = False
        self.config = config
        self._config_loaded_at = time.time()
        n = len(config.monitors)
        self.notify(f"config reloaded: {n} monitor{'s' * (n != 1)}", markup=False)

    async def _refresh_idle(self, within: float = 10.0) -> None:
        """Wait for a snapshot being read to finish (new ones wait while reloading)."""
        busy = (WorkerState.PENDING, WorkerState.RUNNING)
        for worker in [w for w in self.workers if w.group == "refresh" and w.state in busy]:
            with contextlib.suppress(Exception):  # cancelled or failed is finished too
                async with asyncio.timeout(within):
                    await worker.wait()

    def action_pause(self) -> None:
        self.paused = not self.paused
        if self.snapshot is not None and isinstance(self.screen_stack[0], Dashboard):
            self._status_line(self.screen_stack[0], self.snapshot)
        self.notify("live updates paused" if self.paused else "live updates resumed")

    def action_focus_pane(self, name: str) -> None:
        if isinstance(self.screen, Dashboard):
            self.screen.query_one(f"#{name}").focus()

    def action_cursor(self, where: str) -> None:
        table = self.focused
        if not isinstance(table, DataTable):
            return
        if where == "down":
            table.action_cursor_down()
        elif where == "up":
            table.action_cursor_up()
        elif where == "top":
            table.move_cursor(row=0)
        else:
            table.move_cursor(row=max(0, table.row_count - 1))

    @on(DataTable.RowSelected, "#incidents")
    def _open_incident(self, event: DataTable.RowSelected) -> None:
        from statuscat_tui.ui.incident import IncidentScreen

        self.push_screen(IncidentScreen(int(str(event.row_key.value))))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for b in self.BINDINGS:
            assert isinstance(b, Binding)
            if b.id and b.id.split(".")[0] in ("incident", "app", "monitors"):
                action = b.action
                yield SystemCommand(
                    f"{b.description} ({_key_display(b.key)})",
                    f"Same as pressing {_key_display(b.key)}",
                    lambda action=action: self.call_later(self.run_action, action),
                )
