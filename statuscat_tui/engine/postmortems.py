"""Postmortems in the database: drafts, saves with versions and conflicts, action items.

A postmortem belongs to one incident. Resolving an incident whose severity is
in ``settings.postmortem_required`` creates its draft in the same transaction
(``create_draft``), pre-filled from the timeline by ``core.postmortem``.

Every save names the version it started from; if someone else saved since,
the save is refused with ``PostmortemConflict`` (nothing is overwritten
silently). Every saved text is kept in ``postmortem_versions``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import aiosqlite

from statuscat_tui.core.incidents import Event, EventKind, Incident
from statuscat_tui.core.model import Config
from statuscat_tui.core.postmortem import (
    ActionItem,
    ActionStatus,
    MonitorOutage,
    PostmortemError,
    PostmortemStatus,
    Priority,
    check_transition,
    export_markdown,
    prefill,
    public_summary,
    validate_action,
)
from statuscat_tui.core.states import MonitorState
from statuscat_tui.engine.clock import Clock
from statuscat_tui.store.store import Store

if TYPE_CHECKING:
    from statuscat_tui.engine.incidents import IncidentService


class PostmortemConflict(PostmortemError):
    """Someone else saved since this editor loaded the text."""

    def __init__(self, incident: int, version: int, by: str | None, at: float, tz: ZoneInfo):
        when = datetime.fromtimestamp(at, tz).strftime("%H:%M:%S")
        who = by or "someone"
        super().__init__(
            f"postmortem #{incident} was saved by {who} at {when} (version {version}) "
            "after you opened it; your text was NOT saved"
        )
        self.version = version
        self.by = by
        self.at = at


@dataclass(frozen=True)
class PostmortemRecord:
    incident: int
    status: PostmortemStatus
    body: str
    version: int
    created: float
    updated: float
    updated_by: str | None


_PM_COLS = "incident, status, body, version, created, updated, updated_by"
_ACTION_COLS = "id, incident, text, owner, due, priority, status, created, done_at"


def _record(row: Sequence[Any]) -> PostmortemRecord:
    return PostmortemRecord(
        int(row[0]), PostmortemStatus(row[1]), row[2], int(row[3]), row[4], row[5], row[6]
    )


def _action(row: Sequence[Any]) -> ActionItem:
    return ActionItem(
        id=int(row[0]),
        incident=int(row[1]),
        text=row[2],
        owner=row[3],
        due=date.fromisoformat(row[4]) if row[4] else None,
        priority=Priority(row[5]),
        status=ActionStatus(row[6]),
        created=row[7],
        done_at=row[8],
    )


async def _outages(db: aiosqlite.Connection, inc: Incident, config: Config) -> list[MonitorOutage]:
    """Each of the incident's monitors: from when it failed to when it was UP again."""
    names = {m.id: m.name for m in config.monitors}
    out: list[MonitorOutage] = []
    async with db.execute(
        "SELECT monitor, joined FROM incident_monitors WHERE incident = ? ORDER BY joined, monitor",
        (inc.id,),
    ) as cur:
        members = [(str(m), float(j)) async for m, j in cur]
    for n, (monitor, joined) in enumerate(members):
        start = min(inc.started, joined) if n == 0 else joined
        async with db.execute(
            "SELECT min(t.ts) FROM transitions t JOIN monitors m ON m.id = t.monitor"
            " WHERE m.key = ? AND t.confirmed = 1 AND t.new = ? AND t.ts >= ?",
            (monitor, int(MonitorState.UP), start),
        ) as cur:
            row = await cur.fetchone()
        end = row[0] if row and row[0] is not None else None  # None: still failing
        out.append(MonitorOutage(monitor, names.get(monitor, monitor), start, end))
    return out


async def _events(db: aiosqlite.Connection, incident_id: int) -> list[Event]:
    async with db.execute(
        "SELECT ts, kind, actor, data FROM timeline WHERE incident = ? ORDER BY id",
        (incident_id,),
    ) as cur:
        return [Event(EventKind(k), ts, a, json.loads(d)) async for ts, k, a, d in cur]


async def create_draft(
    db: aiosqlite.Connection, inc: Incident, config: Config, now: float, by: str | None
) -> bool:
    """Create the incident's pre-filled draft inside the caller's transaction.

    Returns False (and changes nothing) if the incident already has one.
    """
    async with db.execute("SELECT 1 FROM postmortems WHERE incident = ?", (inc.id,)) as cur:
        if await cur.fetchone() is not None:
            return False
    body = prefill(
        inc,
        await _events(db, inc.id),
        tz=ZoneInfo(config.settings.timezone),
        outages=await _outages(db, inc, config),
        people={p.id: p.name for p in config.people},
        now=now,
    )
    await db.execute(
        "INSERT INTO postmortems (incident, status, body, version, created, updated, updated_by)"
        " VALUES (?, 'draft', ?, 1, ?, ?, ?)",
        (inc.id, body, now, now, by),
    )
    await db.execute(
        "INSERT INTO postmortem_versions (incident, version, status, body, saved, saved_by)"
        " VALUES (?, 1, 'draft', ?, ?, ?)",
        (inc.id, body, now, by),
    )
    return True


class PostmortemService:
    """Postmortem actions against one database; shared by the engine, the UI and the CLI."""

    def __init__(self, store: Store, config: Config, clock: Clock, incidents: IncidentService):
        self.store = store
        self.config = config
        self.clock = clock
        self.incidents = incidents
        self.tz = ZoneInfo(config.settings.timezone)
        self.people = {p.id: p.name for p in config.people}

    def required(self, severity: str) -> bool:
        return severity in self.config.settings.postmortem_required

    async def get(self, incident_id: int) -> PostmortemRecord | None:
        async with self.store.reader.execute(
            f"SELECT {_PM_COLS} FROM postmortems WHERE incident = ?", (incident_id,)
        ) as cur:
            row = await cur.fetchone()
        return _record(row) if row else None

    async def open(self, incident_id: int, *, by: str | None) -> PostmortemRecord:
        """The incident's postmortem, creating the draft now if it has none."""
        existing = await self.get(incident_id)
        if existing is not None:
            return existing
        inc = await self.incidents.get(incident_id)
        async with self.store.transaction() as db:
            await create_draft(db, inc, self.config, self.clock.time(), by)
        record = await self.get(incident_id)
        assert record is not None
        return record

    async def save(
        self, incident_id: int, body: str, *, base_version: int, by: str | None
    ) -> PostmortemRecord:
        """Save ``body`` as the next version; refused if someone saved since ``base_version``."""
        now = self.clock.time()
        async with self.store.transaction() as db:
            current = await self._current(db, incident_id)
            if current.version != base_version:
                raise PostmortemConflict(
                    incident_id, current.version, current.updated_by, current.updated, self.tz
                )
            if body == current.body:
                return current
            version = current.version + 1
            await db.execute(
                "UPDATE postmortems SET body = ?, version = ?, updated = ?, updated_by = ?"
                " WHERE incident = ?",
                (body, version, now, by, incident_id),
            )
            await db.execute(
                "INSERT INTO postmortem_versions (incident, version, status, body, saved,"
                " saved_by) VALUES (?, ?, ?, ?, ?, ?)",
                (incident_id, version, current.status.value, body, now, by),
            )
        return PostmortemRecord(
            incident_id, current.status, body, version, current.created, now, by
        )

    async def set_status(
        self, incident_id: int, status: str, *, by: str | None
    ) -> PostmortemRecord:
        try:
            new = PostmortemStatus(status.lower().replace(" ", "_").replace("-", "_"))
        except ValueError:
            raise PostmortemError(
                f"unknown postmortem status {status!r} (draft, in_review, published)"
            ) from None
        now = self.clock.time()
        async with self.store.transaction() as db:
            current = await self._current(db, incident_id)
            if current.status is new:
                return current
            check_transition(current.status, new)
            version = current.version + 1
            await db.execute(
                "UPDATE postmortems SET status = ?, version = ?, updated = ?, updated_by = ?"
                " WHERE incident = ?",
                (new.value, version, now, by, incident_id),
            )
            await db.execute(
                "INSERT INTO postmortem_versions (incident, version, status, body, saved,"
                " saved_by) VALUES (?, ?, ?, ?, ?, ?)",
                (incident_id, version, new.value, current.body, now, by),
            )
        return PostmortemRecord(incident_id, new, current.body, version, current.created, now, by)

    async def _current(self, db: aiosqlite.Connection, incident_id: int) -> PostmortemRecord:
        async with db.execute(
            f"SELECT {_PM_COLS} FROM postmortems WHERE incident = ?", (incident_id,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            raise PostmortemError(f"incident {incident_id} has no postmortem")
        return _record(row)

    async def versions(self, incident_id: int) -> list[dict[str, Any]]:
        async with self.store.reader.execute(
            "SELECT version, status, saved, saved_by, length(body) FROM postmortem_versions"
            " WHERE incident = ? ORDER BY version",
            (incident_id,),
        ) as cur:
            return [
                {"version": v, "status": s, "saved": t, "saved_by": b, "chars": n}
                async for v, s, t, b, n in cur
            ]

    async def overview(self) -> list[dict[str, Any]]:
        """Every postmortem with its incident and action counts, newest incident first."""
        today = self.today()
        async with self.store.reader.execute(
            "SELECT p.incident, i.title, i.severity, p.status, p.version, p.updated,"
            " p.updated_by, i.resolved FROM postmortems p JOIN incidents i ON i.id = p.incident"
            " ORDER BY p.incident DESC"
        ) as cur:
            rows = [r async for r in cur]
        actions = await self.actions()
        out: list[dict[str, Any]] = []
        for inc, title, severity, status, version, updated, by, resolved in rows:
            mine = [a for a in actions if a.incident == inc]
            out.append(
                {
                    "incident": inc,
                    "title": title,
                    "severity": severity,
                    "status": status,
                    "version": version,
                    "updated": updated,
                    "updated_by": by,
                    "resolved": resolved,
                    "actions_open": sum(a.status is ActionStatus.OPEN for a in mine),
                    "actions_overdue": sum(a.overdue(today) for a in mine),
                }
            )
        return out

    def today(self) -> date:
        return datetime.fromtimestamp(self.clock.time(), self.tz).date()

    # -- action items ----------------------------------------------------------

    async def actions(
        self, incident_id: int | None = None, *, overdue_only: bool = False
    ) -> list[ActionItem]:
        where, args = ("", ()) if incident_id is None else ("WHERE incident = ?", (incident_id,))
        async with self.store.reader.execute(
            f"SELECT {_ACTION_COLS} FROM action_items {where}"
            " ORDER BY status = 'done', due IS NULL, due, priority, id",
            args,
        ) as cur:
            items = [_action(r) async for r in cur]
        if overdue_only:
            today = self.today()
            items = [a for a in items if a.overdue(today)]
        return items

    async def add_action(
        self,
        incident_id: int,
        text: str,
        *,
        owner: str | None = None,
        due: str | None = None,
        priority: str = "P2",
    ) -> ActionItem:
        clean, who, when, prio = validate_action(text, owner, due, priority, self.people)
        now = self.clock.time()
        async with self.store.transaction() as db:
            await self._current(db, incident_id)  # an action belongs to a postmortem
            cur = await db.execute(
                "INSERT INTO action_items (incident, text, owner, due, priority, status, created)"
                " VALUES (?, ?, ?, ?, ?, 'open', ?)",
                (incident_id, clean, who, when.isoformat() if when else None, prio.value, now),
            )
            action_id = int(cur.lastrowid or 0)
        return await self._get_action(action_id)

    async def update_action(
        self,
        action_id: int,
        text: str,
        *,
        owner: str | None = None,
        due: str | None = None,
        priority: str = "P2",
    ) -> ActionItem:
        clean, who, when, prio = validate_action(text, owner, due, priority, self.people)
        async with self.store.transaction() as db:
            cur = await db.execute(
                "UPDATE action_items SET text = ?, owner = ?, due = ?, priority = ? WHERE id = ?",
                (clean, who, when.isoformat() if when else None, prio.value, action_id),
            )
            if cur.rowcount == 0:
                raise PostmortemError(f"no action item {action_id}")
        return await self._get_action(action_id)

    async def set_action_done(self, action_id: int, done: bool = True) -> ActionItem:
        now = self.clock.time()
        async with self.store.transaction() as db:
            cur = await db.execute(
                "UPDATE action_items SET status = ?, done_at = ? WHERE id = ?",
                ("done" if done else "open", now if done else None, action_id),
            )
            if cur.rowcount == 0:
                raise PostmortemError(f"no action item {action_id}")
        return await self._get_action(action_id)

    async def delete_action(self, action_id: int) -> None:
        async with self.store.transaction() as db:
            cur = await db.execute("DELETE FROM action_items WHERE id = ?", (action_id,))
            if cur.rowcount == 0:
                raise PostmortemError(f"no action item {action_id}")

    async def _get_action(self, action_id: int) -> ActionItem:
        async with self.store.reader.execute(
            f"SELECT {_ACTION_COLS} FROM action_items WHERE id = ?", (action_id,)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            raise PostmortemError(f"no action item {action_id}")
        return _action(row)

    # -- output ------------------------------------------------------------------

    async def export(self, incident_id: int) -> str:
        record = await self.get(incident_id)
        if record is None:
            raise PostmortemError(
                f"incident {incident_id} has no postmortem (open it with p in the dashboard)"
            )
        inc = await self.incidents.get(incident_id)
        return export_markdown(
            inc,
            record.body,
            status=record.status,
            version=record.version,
            updated=record.updated,
            actions=await self.actions(incident_id),
            people=self.people,
            tz=self.tz,
            today=self.today(),
        )

    async def public_summaries(self) -> dict[int, str]:
        """Published postmortems' Summary and actions (no owners), for the status page."""
        async with self.store.reader.execute(
            "SELECT incident, body FROM postmortems WHERE status = 'published'"
        ) as cur:
            rows = [(int(i), str(b)) async for i, b in cur]
        out: dict[int, str] = {}
        for incident_id, body in rows:
            text = public_summary(body, await self.actions(incident_id))
            if text:
                out[incident_id] = text
        return out
