"""What the dashboard talks to: an engine in this process, or a viewer of another's.

The UI never probes and never writes SQL. It asks a ``Session`` for
snapshots (plain frozen dataclasses) and sends actions through it; every
action is committed to SQLite before the call returns. If another process
holds the engine lock for the database, the session is a *viewer*: it reads
state from the database and its actions go through the database too, where
the engine picks them up.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar

from statuscat_tui.core.incidents import Event, EventKind, Incident, IncidentError
from statuscat_tui.core.model import Config
from statuscat_tui.core.postmortem import ActionItem
from statuscat_tui.core.states import MonitorState
from statuscat_tui.core.statuspage import fill_template
from statuscat_tui.core.timeline import describe
from statuscat_tui.engine.clock import Clock, SystemClock
from statuscat_tui.engine.engine import Engine
from statuscat_tui.engine.incidents import IncidentService
from statuscat_tui.engine.lock import EngineLock, EngineLocked, engine_running
from statuscat_tui.engine.postmortems import PostmortemRecord, PostmortemService
from statuscat_tui.store.store import Store, StoreBusy

__all__ = [
    "ChannelTrouble",
    "FeedItem",
    "IncidentDetail",
    "IncidentError",
    "IncidentView",
    "MonitorView",
    "OnCallView",
    "PageAlert",
    "Session",
    "Snapshot",
]

T = TypeVar("T")

UPTIME_REFRESH = 15.0
CHANNEL_WINDOW = 24 * 3600.0  # failed pages older than this no longer flag their channel


@dataclass(frozen=True, slots=True)
class MonitorView:
    id: str
    name: str
    type: str
    target: str
    component: str | None
    state: MonitorState
    since: float | None
    latency: float | None  # seconds
    reason: str
    uptime_24h: float | None
    uptime_30d: float | None
    history: tuple[float, ...] = ()  # recent latencies, oldest first


@dataclass(frozen=True, slots=True)
class IncidentView:
    id: int
    title: str
    severity: str
    state: str
    public_status: str
    owner: str | None
    started: float
    ready: bool
    components: tuple[str, ...]
    monitors: tuple[str, ...]
    paged: tuple[str, ...]  # people paged so far
    acked_by: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OnCallView:
    schedule: str
    name: str
    person: str | None
    person_name: str | None
    until: float | None
    next_person: str | None
    next_from: float | None
    gap: str | None  # a warning when nobody is on call in the next 14 days


@dataclass(frozen=True, slots=True)
class FeedItem:
    at: float
    text: str
    incident: int | None = None


@dataclass(frozen=True, slots=True)
class PageAlert:
    incident: int
    person: str
    title: str


@dataclass(frozen=True, slots=True)
class ChannelTrouble:
    """A notification channel whose latest delivery attempt failed."""

    person: str
    target: str  # the redacted label, never the URL
    error: str
    attempts: int  # tries of its latest page so far
    waiting: int  # its pages queued for another try
    next_attempt: float | None  # when the next try is due; None once given up
    gave_up: bool


@dataclass(frozen=True)
class Snapshot:
    taken_at: float
    monitors: tuple[MonitorView, ...]
    incidents: tuple[IncidentView, ...]
    oncall: tuple[OnCallView, ...]
    feed: tuple[FeedItem, ...]
    new_pages: tuple[PageAlert, ...] = ()
    failing_channels: tuple[ChannelTrouble, ...] = ()
    engine_running: bool = True  # False: a viewer whose engine process has gone away


@dataclass(frozen=True)
class IncidentDetail:
    incident: Incident
    timeline: tuple[tuple[float, str], ...]
    monitors: tuple[MonitorView, ...]
    pages: tuple[dict[str, Any], ...]
    updates: tuple[tuple[float, str, str], ...]  # (at, status, message)
    responders: tuple[str, ...]
    escalation: str  # where the escalation stands, in words
    severity_description: str


async def _refused_if_busy(action: Awaitable[T]) -> T:
    """Run an action; a database that stayed busy is a refusal the dashboard shows.

    Other processes (the engine, another dashboard, the CLI) write to the same
    database; the store waits for them within a bound (store.BUSY_PATIENCE).
    Past it, nothing was changed, and the person is told so in words as
    "Not done", like any other refusal, rather than the action failing silently.
    """
    try:
        return await action
    except StoreBusy as exc:
        raise IncidentError(str(exc)) from None


@dataclass
class _Caches:
    uptime: dict[str, dict[str, float | None]] = field(default_factory=dict)
    uptime_at: float = 0.0
    last_timeline_id: int = -1


class Session:
    """One dashboard's connection to StatusCat (engine or viewer)."""

    def __init__(
        self,
        config: Config,
        db_path: Path,
        *,
        clock: Clock | None = None,
        publish_to: Path | None = None,
    ) -> None:
        self.publish_to = publish_to
        self.config = config
        self.db_path = db_path
        self.clock = clock or SystemClock()
        self.mode: Literal["engine", "viewer"] = "viewer"
        self.engine_holder: str | None = None  # who runs the engine, when we are a viewer
        self.engine: Engine | None = None
        self._lock = EngineLock(db_path)
        self._store: Store | None = None
        self._service: IncidentService | None = None
        self._caches = _Caches()
        self._people = {p.id: p for p in config.people}

    @property
    def me(self) -> str | None:
        return self.config.settings.me

    # -- lifecycle -------------------------------------------------------------

    async def start(self) -> None:
        """Run the engine here, or become a viewer if another process runs it."""
        try:
            self._lock.acquire()
        except EngineLocked as exc:
            self.mode = "viewer"
            self.engine_holder = exc.holder
            self._store = await Store.open(self.db_path)
            self._service = IncidentService(self._store, self.config, self.clock)
            await self._service.warm_labels()
            return
        try:
            self.engine = Engine(
                self.config, self.db_path, clock=self.clock, publish_to=self.publish_to
            )
            await self.engine.start()
        except BaseException:
            self._lock.release()
            raise
        self.mode = "engine"
        self._store = self.engine.store
        self._service = self.engine.incidents

    async def stop(self) -> None:
        """Stop the engine (if ours) and close the database. Safe to call twice."""
        if self.engine is not None:
            await self.engine.stop()
            self.engine = None
            self._lock.release()
        elif self._store is not None:
            await self._store.close()
        self._store = None

    async def reload(self, config: Config, *, publish_to: Path | None = None) -> None:
        """Go on with ``config`` (a reloaded file). An engine of ours restarts on it
        while this session keeps the engine lock; a viewer reads with it. Raises
        RestartFailed if the engine cannot start on it: the old config runs again."""
        from statuscat_tui.engine.engine import RestartFailed, restart

        if self.engine is not None:
            try:
                self.engine = await restart(self.engine, config, publish_to=publish_to)
            except RestartFailed as exc:
                self.engine = exc.running
                raise
            finally:
                self._store, self._service = self.engine.store, self.engine.incidents
        elif self._store is not None:
            self._service = IncidentService(self._store, config, self.clock)
        self.config = config
        self.publish_to = publish_to
        self._people = {p.id: p for p in config.people}
        self._caches.uptime_at = 0.0  # new monitors need their uptime figures

    @property
    def service(self) -> IncidentService:
        if self._service is None:
            raise RuntimeError("session not started")
        return self._service

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("session not started")
        return self._store

    # -- reading -----------------------------------------------------------------

    async def snapshot(self) -> Snapshot:
        now = self.clock.time()
        monitors = await self._monitors(now)
        incidents = await self._incidents()
        feed, new_pages = await self._feed()
        trouble = await self.failing_channels(now)
        running = self.engine is not None or engine_running(self.db_path)
        return Snapshot(
            now, monitors, incidents, self._oncall(now), feed, new_pages, trouble, running
        )

    async def failing_channels(self, now: float) -> tuple[ChannelTrouble, ...]:
        """Channels whose latest page attempt in the last day failed."""
        rows = await self.service.failing_channels(now - CHANNEL_WINDOW)
        return tuple(
            ChannelTrouble(
                r["person"],
                r["target"],
                r["error"],
                r["attempts"],
                r["waiting"],
                r["next_attempt"],
                r["status"] == "failed",
            )
            for r in rows
        )

    async def _uptime(self, now: float) -> dict[str, dict[str, float | None]]:
        c = self._caches
        if not c.uptime or time.monotonic() - c.uptime_at > UPTIME_REFRESH:
            c.uptime = await self.store.uptime(now)
            c.uptime_at = time.monotonic()
        return c.uptime

    async def _monitors(self, now: float) -> tuple[MonitorView, ...]:
        uptime = await self._uptime(now)
        none: dict[str, float | None] = {}
        out = []
        if self.engine is not None:
            for r in self.engine.runtimes:
                m = r.monitor
                up = uptime.get(m.id, none)
                last = r.last
                out.append(
                    MonitorView(
                        m.id,
                        m.name,
                        m.type,
                        m.target,
                        m.component,
                        r.machine.state,
                        r.machine.since,
                        last.latency if last else None,
                        last.reason if last else "not checked yet",
                        up.get("24h"),
                        up.get("30d"),
                        tuple(r.history),
                    )
                )
            return tuple(out)
        by_id = {m.id: m for m in self.config.monitors}
        for s in await self.store.monitor_snapshots():
            conf = by_id.get(s["key"])
            up = uptime.get(s["key"], none)
            out.append(
                MonitorView(
                    s["key"],
                    s["name"],
                    s["type"],
                    s["target"],
                    conf.component if conf else None,
                    MonitorState(s["state"]),
                    s["state_since"],
                    s["last_latency"],
                    s["last_reason"] or "not checked yet",
                    up.get("24h"),
                    up.get("30d"),
                )
            )
        return tuple(out)

    async def _incidents(self) -> tuple[IncidentView, ...]:
        out = []
        db = self.store.reader
        for inc in await self.service.incidents(active_only=True):
            async with db.execute(
                "SELECT DISTINCT person FROM outbox WHERE incident = ? AND kind IN"
                " ('page', 'responder') ORDER BY id",
                (inc.id,),
            ) as cur:
                paged = tuple([str(r[0]) async for r in cur])
            async with db.execute(
                "SELECT DISTINCT actor FROM timeline WHERE incident = ? AND kind = ?",
                (inc.id, EventKind.ACKNOWLEDGED.value),
            ) as cur:
                acked = tuple([str(r[0]) async for r in cur])
            out.append(
                IncidentView(
                    inc.id,
                    inc.title,
                    inc.severity,
                    inc.state.value,
                    inc.public_status.value,
                    inc.owner,
                    inc.started,
                    inc.ready_since is not None,
                    tuple(inc.components),
                    tuple(inc.monitors),
                    paged,
                    acked,
                )
            )
        return tuple(out)

    def _oncall(self, now: float) -> tuple[OnCallView, ...]:
        from statuscat_tui.core.oncall import gaps, next_shift, on_call_at

        at = datetime.fromtimestamp(now, UTC)
        out = []
        for s in self.config.schedules:
            cur = on_call_at(s, at)
            nxt = next_shift(s, at)
            holes = gaps(s, at, at + timedelta(days=14))
            gap = None
            if holes:
                start, end = holes[0]
                gap = f"nobody on call {start:%a %d %b %H:%M} → {end:%a %d %b %H:%M} UTC"
            person = cur.person if cur else None
            out.append(
                OnCallView(
                    s.id,
                    s.name,
                    person,
                    self._people[person].name if person in self._people else person,
                    cur.end.timestamp() if cur else None,
                    nxt.person if nxt else None,
                    nxt.start.timestamp() if nxt else None,
                    gap,
                )
            )
        return tuple(out)

    async def _feed(self, limit: int = 40) -> tuple[tuple[FeedItem, ...], tuple[PageAlert, ...]]:
        db = self.store.reader
        items: list[FeedItem] = []
        async with db.execute(
            "SELECT t.id, t.incident, t.ts, t.kind, t.actor, t.data, i.title FROM timeline t"
            " JOIN incidents i ON i.id = t.incident ORDER BY t.id DESC LIMIT ?",
            (limit,),
        ) as cur:
            rows = [r async for r in cur]
        first_look = self._caches.last_timeline_id < 0
        pages: list[PageAlert] = []
        for tid, inc, ts, kind, actor, data, title in rows:
            event = Event(EventKind(kind), ts, actor, json.loads(data))
            items.append(FeedItem(ts, f"#{inc} {describe(event)}", int(inc)))
            new = tid > self._caches.last_timeline_id and not first_look
            if event.kind is EventKind.PAGED and new:
                pages.append(PageAlert(int(inc), str(event.data.get("person")), title))
        if rows:
            self._caches.last_timeline_id = max(self._caches.last_timeline_id, int(rows[0][0]))
        elif first_look:
            self._caches.last_timeline_id = 0
        for t in await self.store.recent_transitions(limit, confirmed_only=True):
            old, new = MonitorState(t["old"]), MonitorState(t["new"])
            note = f" (suppressed: {t['suppressed_by']})" if t["suppressed_by"] else ""
            items.append(
                FeedItem(t["ts"], f"{t['monitor']} {old.name} → {new.name}: {t['reason']}{note}")
            )
        items.sort(key=lambda i: i.at, reverse=True)
        return tuple(items[:limit]), tuple(reversed(pages))

    async def incident_detail(self, incident_id: int) -> IncidentDetail:
        service = self.service
        inc = await service.get(incident_id)
        events = await service.timeline(incident_id)
        pages = tuple(await service.pages(incident_id))
        views = {m.id: m for m in await self._monitors(self.clock.time())}
        updates = tuple(
            (e.at, str(e.data.get("status")), str(e.data.get("message")))
            for e in events
            if e.kind is EventKind.STATUS_UPDATE
        )
        responders = tuple(
            dict.fromkeys(
                str(e.data.get("person"))
                for e in events
                if e.kind in (EventKind.PAGED, EventKind.RESPONDER_ADDED)
            )
        )
        sev = self.config.severities.get(inc.severity)
        return IncidentDetail(
            inc,
            tuple((e.at, describe(e)) for e in events),
            tuple(views[m] for m in inc.monitors if m in views),
            pages,
            updates,
            responders,
            await self._escalation_text(incident_id, inc, events),
            sev.description if sev else "",
        )

    async def _escalation_text(self, incident_id: int, inc: Incident, events: list[Event]) -> str:
        if not inc.active:
            return "over: resolved"
        if inc.state.value == "acknowledged":
            acked = [e.actor for e in events if e.kind is EventKind.ACKNOWLEDGED and e.actor]
            return f"stopped: acknowledged by {acked[0] if acked else 'someone'}"
        async with self.store.reader.execute(
            "SELECT step, cycle, due FROM escalations WHERE incident = ?", (incident_id,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return "no escalation"
        step, cycle, due = row
        if due is None:
            return "policy exhausted: nobody acknowledged"
        wait = max(0, round(due - self.clock.time()))
        return f"next: step {step + 1} (round {cycle + 1}) in {wait}s"

    def status_template(self, status: str, incident: IncidentView | Incident) -> str:
        return fill_template(self.config.status_updates, status, incident)

    # -- actions (each committed before it returns) -----------------------------

    def _who(self) -> str:
        if self.me is None:
            raise IncidentError("set settings.me (or start with --as PERSON) to act on incidents")
        return self.me

    async def acknowledge(self, incident_id: int) -> Incident:
        return await _refused_if_busy(self.service.acknowledge(incident_id, self._who()))

    async def take_ownership(self, incident_id: int) -> Incident:
        return await _refused_if_busy(
            self.service.set_owner(incident_id, self._who(), by=self._who())
        )

    async def update(self, incident_id: int, status: str, message: str) -> Incident:
        return await _refused_if_busy(self.service.update(incident_id, status, message, by=self.me))

    async def change_severity(self, incident_id: int, severity: str) -> Incident:
        return await _refused_if_busy(
            self.service.change_severity(incident_id, severity, by=self.me)
        )

    async def open_incident(self, title: str, severity: str, component: str | None) -> Incident:
        return await _refused_if_busy(self.service.open(title, severity, component, by=self.me))

    async def page(
        self, incident_id: int, *, person: str | None, schedule: str | None, message: str | None
    ) -> str:
        return await _refused_if_busy(
            self.service.page(
                incident_id, person=person, schedule=schedule, message=message, by=self.me
            )
        )

    async def resolve(self, incident_id: int, *, force: bool = False) -> Incident:
        return await _refused_if_busy(self.service.resolve(incident_id, by=self.me, force=force))

    # -- postmortems (each committed before it returns) ---------------------------

    @property
    def postmortems(self) -> PostmortemService:
        return self.service.postmortems

    def people(self) -> dict[str, str]:
        """Person id -> display name."""
        return {p.id: p.name for p in self.config.people}

    def postmortem_required(self, severity: str) -> bool:
        return self.postmortems.required(severity)

    async def postmortem(self, incident_id: int) -> PostmortemRecord:
        """The incident's postmortem, drafted now (pre-filled) if it has none."""
        return await self.postmortems.open(incident_id, by=self.me)

    async def get_postmortem(self, incident_id: int) -> PostmortemRecord | None:
        return await self.postmortems.get(incident_id)

    async def save_postmortem(
        self, incident_id: int, body: str, *, base_version: int
    ) -> PostmortemRecord:
        """Save as the next version; ``PostmortemConflict`` if someone saved since."""
        return await self.postmortems.save(incident_id, body, base_version=base_version, by=self.me)

    async def set_postmortem_status(self, incident_id: int, status: str) -> PostmortemRecord:
        return await self.postmortems.set_status(incident_id, status, by=self.me)

    async def postmortem_list(self) -> list[dict[str, Any]]:
        return await self.postmortems.overview()

    async def actions(
        self, incident_id: int | None = None, *, overdue_only: bool = False
    ) -> list[ActionItem]:
        return await self.postmortems.actions(incident_id, overdue_only=overdue_only)

    async def add_action(
        self, incident_id: int, text: str, *, owner: str | None, due: str | None, priority: str
    ) -> ActionItem:
        return await self.postmortems.add_action(
            incident_id, text, owner=owner, due=due, priority=priority
        )

    async def update_action(
        self, action_id: int, text: str, *, owner: str | None, due: str | None, priority: str
    ) -> ActionItem:
        return await self.postmortems.update_action(
            action_id, text, owner=owner, due=due, priority=priority
        )

    async def set_action_done(self, action_id: int, done: bool = True) -> ActionItem:
        return await self.postmortems.set_action_done(action_id, done)

    async def delete_action(self, action_id: int) -> None:
        await self.postmortems.delete_action(action_id)

    def today(self) -> date:
        return self.postmortems.today()

    async def notify_desktop(self, title: str, body: str) -> bool:
        """A desktop notification on this machine, where a desktop exists."""
        from statuscat_tui.notify import Message, deliver

        result = await deliver("desktop", Message(title, body, "notice"), timeout=5)
        return result.ok
