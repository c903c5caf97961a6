"""Incidents in the database: every action is one transaction with its timeline and side effects.

Used by the engine and by the CLI (another process on the same database). The
rules live in ``core.incidents``; this module loads, applies, persists and
does what follows from an action: acknowledging or resolving cancels queued
pages and stops the escalation in the same transaction, so nothing is paged
for the incident once the action is committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

from statuscat_tui.core import escalation as esc
from statuscat_tui.core.incidents import (
    Event,
    EventKind,
    Incident,
    IncidentError,
    IncidentState,
    PublicStatus,
)
from statuscat_tui.core.incidents import acknowledge as _ack
from statuscat_tui.core.incidents import change_severity as _change_severity
from statuscat_tui.core.incidents import post_update as _post_update
from statuscat_tui.core.incidents import ready_to_resolve as _ready
from statuscat_tui.core.incidents import reopen as _reopen
from statuscat_tui.core.incidents import resolve as _resolve
from statuscat_tui.core.incidents import set_owner as _set_owner
from statuscat_tui.core.model import Config, Person
from statuscat_tui.core.monitor import Transition
from statuscat_tui.core.paging import FailingMonitor, page_text, resolved_text
from statuscat_tui.core.states import MonitorState
from statuscat_tui.core.statuspage import IncidentRecord, fill_template
from statuscat_tui.engine.clock import Clock
from statuscat_tui.engine.postmortems import PostmortemService, create_draft
from statuscat_tui.store.store import Store

REOPEN_WINDOW = 30 * 60.0
RETRY_FIRST = 5.0
RETRY_MAX = 300.0
GIVE_UP_AFTER = 3600.0
INTERRUPTED = "the engine stopped while sending it; not sent again, so it may not have arrived"

_COLS = (
    "id, title, severity, components, state, public_status, owner, started, detected,"
    " acknowledged, mitigated, resolved, ready_since, opened_by"
)


def _incident(row: Sequence[Any], monitors: list[str]) -> Incident:
    return Incident(
        id=int(row[0]),
        title=row[1],
        severity=row[2],
        components=json.loads(row[3]),
        state=IncidentState(row[4]),
        public_status=PublicStatus(row[5]),
        owner=row[6],
        started=row[7],
        detected=row[8],
        acknowledged=row[9],
        mitigated=row[10],
        resolved=row[11],
        ready_since=row[12],
        opened_by=row[13],
        monitors=monitors,
    )


async def _monitors_of(db: aiosqlite.Connection, incident_id: int) -> list[str]:
    async with db.execute(
        "SELECT monitor FROM incident_monitors WHERE incident = ? ORDER BY joined, monitor",
        (incident_id,),
    ) as cur:
        return [str(r[0]) async for r in cur]


async def load_incident(db: aiosqlite.Connection, incident_id: int) -> Incident:
    async with db.execute(f"SELECT {_COLS} FROM incidents WHERE id = ?", (incident_id,)) as cur:
        row = await cur.fetchone()
    if row is None:
        raise IncidentError(f"no incident {incident_id}")
    return _incident(row, await _monitors_of(db, incident_id))


async def _save(db: aiosqlite.Connection, inc: Incident, now: float) -> None:
    await db.execute(
        "UPDATE incidents SET title = ?, severity = ?, components = ?, state = ?,"
        " public_status = ?, owner = ?, detected = ?, acknowledged = ?, mitigated = ?,"
        " resolved = ?, ready_since = ?, updated = ? WHERE id = ?",
        (
            inc.title,
            inc.severity,
            json.dumps(inc.components),
            inc.state.value,
            inc.public_status.value,
            inc.owner,
            inc.detected,
            inc.acknowledged,
            inc.mitigated,
            inc.resolved,
            inc.ready_since,
            now,
            inc.id,
        ),
    )


async def _write_events(db: aiosqlite.Connection, incident_id: int, events: list[Event]) -> None:
    await db.executemany(
        "INSERT INTO timeline (incident, ts, kind, actor, data) VALUES (?,?,?,?,?)",
        [
            (incident_id, e.at, e.kind.value, e.actor, json.dumps(e.data, sort_keys=True))
            for e in events
        ],
    )


def backoff(attempt: int) -> float:
    """Seconds before retry number ``attempt`` (1-based): 5 s, 10 s, 20 s … capped at 5 min."""
    return float(min(RETRY_MAX, RETRY_FIRST * 2 ** (attempt - 1)))


class IncidentService:
    """Incident actions against one database, for one config."""

    def __init__(self, store: Store, config: Config, clock: Clock) -> None:
        self.store = store
        self._labels: dict[str, str] = {}  # notify target → its redacted label
        self.config = config
        self.clock = clock
        self.people = {p.id: p for p in config.people}
        self.schedules = {s.id: s for s in config.schedules}
        self.policies = {p.id: p for p in config.escalation_policies}
        self.monitors = {m.id: m for m in config.monitors}
        self.tz = ZoneInfo(config.settings.timezone)
        self._postmortems: PostmortemService | None = None

    @property
    def postmortems(self) -> PostmortemService:
        """Postmortems and action items on the same database."""
        if self._postmortems is None:
            self._postmortems = PostmortemService(self.store, self.config, self.clock, self)
        return self._postmortems

    # -- helpers -----------------------------------------------------------------

    def severity_help(self) -> str:
        """Every severity with the team's own description, for choosing one."""
        return "; ".join(
            f"{name}: {sev.description}" for name, sev in sorted(self.config.severities.items())
        )

    def check_person(self, person: str) -> None:
        if self.people and person not in self.people:
            known = ", ".join(sorted(self.people))
            raise IncidentError(f"unknown person {person!r} (known: {known})")

    def _label(self, target: str) -> str:
        label = self._labels.get(target)
        if label is None:
            from statuscat_tui.notify import describe_target

            label = self._labels[target] = describe_target(target)
        return label

    async def warm_labels(self) -> None:
        """Label every notify channel now, off the event loop.

        The first label loads Apprise (about a second). Done inside a write
        transaction, that second would hold the database's write lock, and
        every other process's writes would wait for it.
        """
        from statuscat_tui.notify import describe_target

        targets = {t for p in self.people.values() for t in p.notify} - set(self._labels)
        if targets:
            self._labels.update(
                await asyncio.to_thread(lambda: {t: describe_target(t) for t in targets})
            )

    async def _mutate(
        self, incident_id: int, change: Callable[[Incident, float], list[Event]]
    ) -> tuple[Incident, list[Event]]:
        now = self.clock.time()
        async with self.store.transaction() as db:
            inc = await load_incident(db, incident_id)
            before = inc.state
            events = change(inc, now)
            await _save(db, inc, now)
            events += await self._follow_up(db, inc, before, events, now)
            await _write_events(db, inc.id, events)
        return inc, events

    async def _follow_up(
        self,
        db: aiosqlite.Connection,
        inc: Incident,
        before: IncidentState,
        events: list[Event],
        now: float,
    ) -> list[Event]:
        """Side effects of an action, inside its transaction."""
        more: list[Event] = []
        kinds = {e.kind for e in events}
        if before is IncidentState.TRIGGERED and inc.state is not IncidentState.TRIGGERED:
            # Ack or resolve: nothing more is paged for this incident from now on.
            await db.execute(
                "UPDATE outbox SET status = 'cancelled' WHERE incident = ? AND kind = 'page'"
                " AND status = 'pending'",
                (inc.id,),
            )
            await db.execute("DELETE FROM escalations WHERE incident = ?", (inc.id,))
        if EventKind.RESOLVED in kinds:
            await db.execute("DELETE FROM escalations WHERE incident = ?", (inc.id,))
            more += await self._notify_resolved(db, inc, events[-1].actor, now)
        if inc.state is IncidentState.TRIGGERED and (
            EventKind.SEVERITY_CHANGED in kinds or EventKind.REOPENED in kinds
        ):
            more += await self._plan_escalation(db, inc, now)
        return more

    async def _plan_escalation(
        self, db: aiosqlite.Connection, inc: Incident, now: float
    ) -> list[Event]:
        """Freeze the severity's policy onto the incident and schedule its first step."""
        await db.execute("DELETE FROM escalations WHERE incident = ?", (inc.id,))
        sev = self.config.severities[inc.severity]
        if sev.page == "never":
            return [Event(EventKind.NOT_PAGED, now, None, {"why": f"{sev.name} pages never"})]
        policy = self.policies.get(sev.escalation or "")
        if policy is None:
            why = f"no escalation policy for {sev.name}"
            return [Event(EventKind.NOT_PAGED, now, None, {"why": why})]
        due = esc.page_due(now, sev.page, self.config.settings.business_hours, self.tz)
        if due is None:
            return [Event(EventKind.NOT_PAGED, now, None, {"why": "no business hours configured"})]
        await db.execute(
            "UPDATE incidents SET policy = ? WHERE id = ?",
            (json.dumps(esc.policy_to_json(policy)), inc.id),
        )
        await db.execute(
            "INSERT INTO escalations (incident, step, cycle, due) VALUES (?, 0, 0, ?)",
            (inc.id, due),
        )
        if due > now:
            until = datetime.fromtimestamp(due, self.tz).isoformat(timespec="minutes")
            return [Event(EventKind.PAGE_DEFERRED, now, None, {"until": until, "due": due})]
        return []

    async def _enqueue(
        self,
        db: aiosqlite.Connection,
        inc: Incident,
        person: Person,
        kind: str,
        title: str,
        body: str,
        now: float,
    ) -> list[str]:
        """Queue a message on each of the person's channels; return the channel labels."""
        labels = []
        for index, target in enumerate(person.notify):
            label = self._label(target)
            labels.append(label)
            await db.execute(
                "INSERT INTO outbox (incident, person, channel, target, kind, title, body,"
                " created, next_attempt, give_up) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (inc.id, person.id, index, label, kind, title, body, now, now, now + GIVE_UP_AFTER),
            )
        return labels

    async def _failing(self, db: aiosqlite.Connection, inc: Incident) -> list[FailingMonitor]:
        out = []
        async with db.execute(
            "SELECT im.monitor, m.state, m.last_reason FROM incident_monitors im"
            " LEFT JOIN monitors m ON m.key = im.monitor WHERE im.incident = ?",
            (inc.id,),
        ) as cur:
            async for key, state, reason in cur:
                if state is not None and state == MonitorState.UP:
                    continue
                mon = self.monitors.get(key)
                out.append(
                    FailingMonitor(
                        key,
                        mon.name if mon else key,
                        reason or "not UP",
                        mon.runbook if mon else None,
                    )
                )
        return out

    async def _page(
        self,
        db: aiosqlite.Connection,
        inc: Incident,
        person: Person,
        kind: str,
        now: float,
        note: str | None = None,
        escalation: str | None = None,
    ) -> list[str]:
        sev = self.config.severities[inc.severity]
        title, body = page_text(
            incident_id=inc.id,
            title=inc.title,
            severity=inc.severity,
            severity_description=sev.description,
            components=inc.components,
            failing=await self._failing(db, inc),
            person=person.id,
            note=note,
            escalation=escalation,
        )
        return await self._enqueue(db, inc, person, kind, title, body, now)

    async def _notify_resolved(
        self, db: aiosqlite.Connection, inc: Incident, by: str | None, now: float
    ) -> list[Event]:
        async with db.execute(
            "SELECT DISTINCT person FROM outbox WHERE incident = ?"
            " AND kind IN ('page', 'responder')"
            " AND status IN ('delivered', 'interrupted')",  # interrupted ones may have arrived
            (inc.id,),
        ) as cur:
            paged = [str(r[0]) async for r in cur]
        title, body = resolved_text(
            incident_id=inc.id, title=inc.title, severity=inc.severity, by=by
        )
        for pid in paged:
            person = self.people.get(pid)
            if person is not None:
                await self._enqueue(db, inc, person, "resolved", title, body, now)
        return []

    # -- actions ----------------------------------------------------------------

    async def open(
        self, title: str, severity: str, component: str | None, *, by: str | None
    ) -> Incident:
        """Open an incident by hand."""
        if severity not in self.config.severities:
            raise IncidentError(f"unknown severity {severity!r}; {self.severity_help()}")
        if not title.strip():
            raise IncidentError("an incident needs a title")
        if by is not None:
            self.check_person(by)
        now = self.clock.time()
        components = [component] if component else []
        async with self.store.transaction() as db:
            inc = await self._insert(db, title, severity, components, now, now, by)
            events = [Event(EventKind.OPENED, now, by, {"title": title, "severity": severity})]
            events += await self._plan_escalation(db, inc, now)
            await _write_events(db, inc.id, events)
        return inc

    async def _insert(
        self,
        db: aiosqlite.Connection,
        title: str,
        severity: str,
        components: list[str],
        started: float,
        now: float,
        by: str | None,
    ) -> Incident:
        cur = await db.execute(
            "INSERT INTO incidents (title, severity, components, state, public_status, started,"
            " detected, opened_by, updated) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                title,
                severity,
                json.dumps(components),
                IncidentState.TRIGGERED.value,
                PublicStatus.INVESTIGATING.value,
                started,
                now,
                by,
                now,
            ),
        )
        return Incident(
            id=int(cur.lastrowid or 0),
            title=title,
            severity=severity,
            started=started,
            components=components,
            detected=now,
            opened_by=by,
        )

    async def acknowledge(self, incident_id: int, person: str) -> Incident:
        self.check_person(person)
        inc, _ = await self._mutate(incident_id, lambda i, now: _ack(i, person, now))
        return inc

    async def set_owner(self, incident_id: int, person: str, *, by: str | None) -> Incident:
        self.check_person(person)
        inc, _ = await self._mutate(incident_id, lambda i, now: _set_owner(i, person, now, by=by))
        return inc

    async def change_severity(self, incident_id: int, severity: str, *, by: str | None) -> Incident:
        if severity not in self.config.severities:
            raise IncidentError(f"unknown severity {severity!r}; {self.severity_help()}")
        inc, _ = await self._mutate(
            incident_id, lambda i, now: _change_severity(i, severity, now, by=by)
        )
        return inc

    async def update(
        self, incident_id: int, status: str, message: str, *, by: str | None
    ) -> Incident:
        try:
            state = PublicStatus(status.lower())
        except ValueError:
            raise IncidentError(
                f"unknown status {status!r} (investigating, identified, monitoring, resolved)"
            ) from None
        if state is PublicStatus.RESOLVED:
            return await self.resolve(incident_id, by=by, message=message)
        inc, _ = await self._mutate(
            incident_id, lambda i, now: _post_update(i, state, message, now, by=by)
        )
        return inc

    async def resolve(
        self, incident_id: int, *, by: str | None, force: bool = False, message: str | None = None
    ) -> Incident:
        await self.warm_labels()  # the resolved notice is queued in the transaction below
        now = self.clock.time()
        async with self.store.transaction() as db:
            inc = await load_incident(db, incident_id)
            if message is None or not message.strip():
                message = self.template(PublicStatus.RESOLVED.value, inc)
            failing = [m.id for m in await self._failing(db, inc)]
            before = inc.state
            events = _resolve(inc, failing, now, by=by, force=force, message=message)
            await _save(db, inc, now)
            events += await self._follow_up(db, inc, before, events, now)
            await _write_events(db, inc.id, events)
            if inc.severity in self.config.settings.postmortem_required:
                # The draft waits, pre-filled, as part of the same commit.
                await create_draft(db, inc, self.config, now, by)
        return inc

    async def page(
        self,
        incident_id: int,
        *,
        person: str | None = None,
        schedule: str | None = None,
        message: str | None = None,
        by: str | None = None,
    ) -> str:
        """Pull someone into the incident, outside the escalation policy; return who."""
        now = self.clock.time()
        target = self._resolve_target(person, schedule, now)
        await self.warm_labels()  # not inside the transaction below
        async with self.store.transaction() as db:
            inc = await load_incident(db, incident_id)
            if not inc.active:
                raise IncidentError(f"incident {incident_id} is resolved")
            labels = await self._page(db, inc, target, "responder", now, note=message)
            data: dict[str, Any] = {"person": target.id, "channels": labels}
            if schedule:
                data["schedule"] = schedule
            if message:
                data["message"] = message
            await _write_events(db, inc.id, [Event(EventKind.RESPONDER_ADDED, now, by, data)])
        return target.id

    def _resolve_target(self, person: str | None, schedule: str | None, now: float) -> Person:
        if person is not None:
            p = self.people.get(person)
            if p is None:
                known = ", ".join(sorted(self.people)) or "none configured"
                raise IncidentError(f"unknown person {person!r} (known: {known})")
            return p
        sched = self.schedules.get(schedule or "")
        if sched is None:
            known = ", ".join(sorted(self.schedules)) or "none configured"
            raise IncidentError(f"unknown schedule {schedule!r} (known: {known})")
        who = self.on_call(sched.id, now)
        if who is None:
            raise IncidentError(f"nobody is on call for {sched.id} right now")
        return who

    def on_call(self, schedule_id: str, now: float) -> Person | None:
        from statuscat_tui.core.oncall import on_call_at

        shift = on_call_at(self.schedules[schedule_id], datetime.fromtimestamp(now, UTC))
        return self.people.get(shift.person) if shift is not None else None

    # -- the engine's side: monitors, escalation, delivery ---------------------

    async def monitor_down(self, monitor_id: str, tr: Transition) -> tuple[Incident, str]:
        """A confirmed DOWN: join, reopen or open an incident.

        Returns the incident (as committed: read in the same transaction, not
        through the shared reader, whose snapshot may predate the commit) and
        what happened: ``opened``, ``reopened``, ``joined`` (a dependent joined
        its dependency's incident) or ``again``.
        """
        mon = self.monitors[monitor_id]
        now = self.clock.time()
        detected = Event(
            EventKind.DETECTED,
            tr.at,
            None,
            {"monitor": monitor_id, "reason": tr.reason, "suppressed_by": tr.suppressed_by},
        )
        async with self.store.transaction() as db:
            active = await self._active_incident_of(db, monitor_id)
            if active is not None:
                await _write_events(db, active, [detected])
                return await load_incident(db, active), "again"
            if tr.suppressed_by:
                parent = await self._active_incident_of(db, tr.suppressed_by)
                if parent is not None:
                    await self._join(db, parent, monitor_id, tr, now)
                    await _write_events(db, parent, [detected])
                    return await load_incident(db, parent), "joined"
            recent = await self._recently_resolved(db, monitor_id, now)
            if recent is not None:
                inc = await load_incident(db, recent)
                events = _reopen(inc, now, monitor=monitor_id, reason=tr.reason)
                await _save(db, inc, now)
                events.append(detected)
                events += await self._auto_publish(db, inc, now, reopened=True)
                events += await self._plan_escalation(db, inc, now)
                await _write_events(db, inc.id, events)
                return inc, "reopened"
            components = [mon.component] if mon.component else []
            started = tr.failing_since if tr.failing_since is not None else tr.at
            inc = await self._insert(
                db,
                f"{mon.name} is {'down' if tr.new is MonitorState.DOWN else 'degraded'}",
                mon.severity,
                components,
                started,
                tr.at,
                None,
            )
            await self._join(db, inc.id, monitor_id, tr, now)
            inc.monitors = [monitor_id]
            events = [
                Event(EventKind.OPENED, now, None, {"title": inc.title, "severity": inc.severity}),
                detected,
            ]
            events += await self._auto_publish(db, inc, now, reopened=False)
            events += await self._plan_escalation(db, inc, now)
            await _write_events(db, inc.id, events)
            return inc, "opened"

    async def monitor_up(self, monitor_id: str, tr: Transition) -> None:
        async with self.store.transaction() as db:
            active = await self._active_incident_of(db, monitor_id)
            if active is not None:
                event = Event(
                    EventKind.MONITOR_RECOVERED,
                    tr.at,
                    None,
                    {"monitor": monitor_id, "reason": tr.reason},
                )
                await _write_events(db, active, [event])

    async def _auto_publish(
        self, db: aiosqlite.Connection, inc: Incident, now: float, *, reopened: bool
    ) -> list[Event]:
        """Post *Investigating* from the template at once when the severity says ``auto``.

        A reopened incident that was already public is posted again whatever
        its severity says: its page must not keep saying *Resolved*.
        """
        severity = self.config.severities.get(inc.severity)
        auto = severity is not None and severity.publish == "auto"
        if not auto and reopened:
            async with db.execute(
                "SELECT 1 FROM timeline WHERE incident = ? AND kind = 'status_update' LIMIT 1",
                (inc.id,),
            ) as cur:
                auto = await cur.fetchone() is not None
        if not auto:
            return []
        message = self.template(PublicStatus.INVESTIGATING.value, inc)
        return _post_update(inc, PublicStatus.INVESTIGATING, message, now, by=None)

    def template(self, status: str, inc: Incident) -> str:
        """The ``status_updates`` template for ``status``, filled in for ``inc``."""
        return fill_template(self.config.status_updates, status, inc)

    async def unhandled_outages(self, failing: dict[int, str]) -> list[Transition]:
        """Outages stored as confirmed that no incident ever heard of, one per monitor.

        ``failing`` maps the database id to the key of each monitor whose stored
        state is an outage. A monitor's state and its transition are committed
        together, the incident later, by the responder: an engine killed (or
        stopped) in between restarts with the monitor DOWN, which is not news
        again, so without this nothing would ever open the incident. Handled means
        a ``detected`` event for the monitor at or after the transition (opened,
        joined, reopened, or noted on an open incident); an incident someone
        resolved by hand since then stays resolved. Outages that began in a
        maintenance window page nobody and are left alone, as when they happened.
        """
        if not failing:
            return []
        async with self.store.reader.execute(
            "SELECT monitor, ts, old, new, reason, suppressed_by FROM transitions"
            " WHERE id IN (SELECT MAX(id) FROM transitions WHERE confirmed = 1 GROUP BY monitor)"
        ) as cur:
            latest = {int(r[0]): r async for r in cur if int(r[0]) in failing}
        if not latest:
            return []
        async with self.store.reader.execute(
            "SELECT json_extract(data, '$.monitor'), MAX(ts) FROM timeline"
            " WHERE kind = ? GROUP BY 1",
            (EventKind.DETECTED.value,),
        ) as cur:
            detected = {str(m): float(ts) async for m, ts in cur if m is not None}
        lost: list[Transition] = []
        for db_id, (_, ts, old, new, reason, suppressed_by) in latest.items():
            key = failing[db_id]
            if suppressed_by == "maintenance" or detected.get(key, float("-inf")) >= ts:
                continue
            lost.append(
                Transition(
                    key,
                    float(ts),
                    MonitorState(old),
                    MonitorState(new),
                    str(reason),
                    True,
                    suppressed_by,
                )
            )
        return lost

    async def _active_incident_of(self, db: aiosqlite.Connection, monitor_id: str) -> int | None:
        async with db.execute(
            "SELECT i.id FROM incidents i JOIN incident_monitors im ON im.incident = i.id"
            " WHERE im.monitor = ? AND i.state != 'resolved' ORDER BY i.id DESC LIMIT 1",
            (monitor_id,),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else None

    async def _recently_resolved(
        self, db: aiosqlite.Connection, monitor_id: str, now: float
    ) -> int | None:
        async with db.execute(
            "SELECT i.id FROM incidents i JOIN incident_monitors im ON im.incident = i.id"
            " WHERE im.monitor = ? AND i.state = 'resolved' AND i.resolved >= ?"
            " ORDER BY i.resolved DESC LIMIT 1",
            (monitor_id, now - REOPEN_WINDOW),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else None

    async def _join(
        self,
        db: aiosqlite.Connection,
        incident_id: int,
        monitor_id: str,
        tr: Transition,
        now: float,
    ) -> None:
        await db.execute(
            "INSERT OR IGNORE INTO incident_monitors (incident, monitor, joined, suppressed_by)"
            " VALUES (?,?,?,?)",
            (incident_id, monitor_id, now, tr.suppressed_by),
        )
        comp = self.monitors[monitor_id].component
        if comp:
            async with db.execute(
                "SELECT components FROM incidents WHERE id = ?", (incident_id,)
            ) as cur:
                row = await cur.fetchone()
            comps = json.loads(row[0]) if row else []
            if comp not in comps:
                comps.append(comp)
                await db.execute(
                    "UPDATE incidents SET components = ? WHERE id = ?",
                    (json.dumps(comps), incident_id),
                )

    async def escalate_due(self) -> int:
        """Page every escalation step that is due; return how many steps ran."""
        now = self.clock.time()
        async with self.store.reader.execute(
            "SELECT incident FROM escalations WHERE due IS NOT NULL AND due <= ?", (now,)
        ) as cur:
            due = [int(r[0]) async for r in cur]
        for incident_id in due:
            await self._run_step(incident_id, now)
        return len(due)

    async def _run_step(self, incident_id: int, now: float) -> None:
        async with self.store.transaction() as db:
            async with db.execute(
                "SELECT e.step, e.cycle, e.due, i.policy FROM escalations e"
                " JOIN incidents i ON i.id = e.incident"
                " WHERE e.incident = ? AND i.state = 'triggered'",
                (incident_id,),
            ) as cur:
                row = await cur.fetchone()
            if row is None or row[2] is None or row[2] > now or row[3] is None:
                return  # acknowledged, resolved or re-planned meanwhile
            policy = esc.policy_from_json(json.loads(row[3]))
            state = esc.EscalationState(int(row[0]), int(row[1]), float(row[2]))
            inc = await load_incident(db, incident_id)
            events: list[Event] = []
            if state.step > 0 or state.cycle > 0:
                events.append(
                    Event(
                        EventKind.ESCALATED,
                        now,
                        None,
                        {"step": state.step + 1, "cycle": state.cycle + 1},
                    )
                )
            for target in policy.steps[state.step].notify:
                kind, _, ident = target.partition(":")
                person: Person | None
                if kind == "schedule":
                    person = self.on_call(ident, now) if ident in self.schedules else None
                    if person is None:
                        events.append(
                            Event(
                                EventKind.DELIVERY_FAILED,
                                now,
                                None,
                                {"schedule": ident, "detail": "nobody on call"},
                            )
                        )
                        continue
                else:
                    person = self.people.get(ident)
                    if person is None:
                        continue
                where = (
                    f"step {state.step + 1} of {len(policy.steps)},"
                    f" round {state.cycle + 1} of {policy.repeat + 1}"
                )
                labels = await self._page(db, inc, person, "page", now, escalation=where)
                data: dict[str, Any] = {
                    "person": person.id,
                    "channels": labels,
                    "step": state.step + 1,
                }
                if kind == "schedule":
                    data["schedule"] = ident
                events.append(Event(EventKind.PAGED, now, None, data))
            nxt = esc.advance(policy, state, now)
            await db.execute(
                "UPDATE escalations SET step = ?, cycle = ?, due = ? WHERE incident = ?",
                (nxt.step, nxt.cycle, nxt.due, incident_id),
            )
            await _write_events(db, incident_id, events)

    async def claim_due(self, limit: int = 200) -> list[dict[str, Any]]:
        """Mark due outbox rows as claimed and return them.

        A page is claimed only while its incident is still triggered, in the
        same statement: once an ack is committed, no page of it can be claimed.
        A claimed row is not yet on its way: :meth:`start_sending` marks it
        just before it is handed to its channel.
        """
        now = self.clock.time()
        async with self.store.transaction() as db:
            async with db.execute(
                "SELECT id, incident, person, channel, target, kind, title, body, attempts,"
                " give_up FROM outbox WHERE status = 'pending' AND next_attempt <= ?"
                " ORDER BY id LIMIT ?",
                (now, limit),
            ) as cur:
                names = [d[0] for d in cur.description]
                rows = [dict(zip(names, r, strict=True)) async for r in cur]
            claimed = []
            for r in rows:
                c = await db.execute(
                    "UPDATE outbox SET status = 'claimed' WHERE id = ? AND status = 'pending'"
                    " AND (kind != 'page' OR (SELECT state FROM incidents"
                    " WHERE incidents.id = outbox.incident) = 'triggered')",
                    (r["id"],),
                )
                if c.rowcount == 1:
                    claimed.append(r)
                else:
                    await db.execute(
                        "UPDATE outbox SET status = 'cancelled'"
                        " WHERE id = ? AND status = 'pending'",
                        (r["id"],),
                    )
        return claimed

    async def start_sending(self, row: dict[str, Any]) -> bool:
        """Mark a claimed row as being sent, committed before it goes out.

        False (and the row cancelled) if its incident was acknowledged or
        resolved since the claim. From here on, a crash leaves the row
        ``sending``: see :meth:`settle_interrupted`.
        """
        async with self.store.transaction() as db:
            c = await db.execute(
                "UPDATE outbox SET status = 'sending' WHERE id = ? AND status = 'claimed'"
                " AND (kind != 'page' OR (SELECT state FROM incidents"
                " WHERE incidents.id = outbox.incident) = 'triggered')",
                (row["id"],),
            )
            if c.rowcount == 1:
                return True
            await db.execute(
                "UPDATE outbox SET status = 'cancelled' WHERE id = ? AND status = 'claimed'",
                (row["id"],),
            )
            return False

    async def record_delivery(
        self, row: dict[str, Any], ok: bool, detail: str, retryable: bool
    ) -> None:
        now = self.clock.time()
        attempt = int(row["attempts"]) + 1
        data: dict[str, Any] = {
            "person": row["person"],
            "target": row["target"],
            "kind": row["kind"],
            "channel": int(row["channel"]),  # which of the person's notify entries
            "attempt": attempt,
        }
        async with self.store.transaction() as db:
            if ok:
                await db.execute(
                    "UPDATE outbox SET status = 'delivered', attempts = ?, delivered = ?,"
                    " last_error = NULL WHERE id = ?",
                    (attempt, now, row["id"]),
                )
                event = Event(EventKind.DELIVERY_SUCCEEDED, now, None, data)
            else:
                retry_at = now + backoff(attempt)
                data["detail"] = detail
                if retryable and retry_at < float(row["give_up"]):
                    await db.execute(
                        "UPDATE outbox SET status = 'pending', attempts = ?, next_attempt = ?,"
                        " last_error = ? WHERE id = ? AND status = 'sending'",
                        (attempt, retry_at, detail, row["id"]),
                    )
                    data["retry_at"] = retry_at
                else:
                    await db.execute(
                        "UPDATE outbox SET status = 'failed', attempts = ?, last_error = ?"
                        " WHERE id = ?",
                        (attempt, detail, row["id"]),
                    )
                    data["final"] = True
                event = Event(EventKind.DELIVERY_FAILED, now, None, data)
            await _write_events(db, int(row["incident"]), [event])

    async def settle_interrupted(self) -> list[dict[str, Any]]:
        """After the engine stopped mid-send: pages it was sending are not sent again.

        Rows only claimed (never handed to a channel) simply go back to the queue.

        Whether such a page reached its channel is unknown: the process may
        have died after the server took it and before the delivery was
        recorded. Sending it again could page someone twice, so each one is
        marked ``interrupted`` with a timeline entry saying it may not have
        arrived. The escalation itself is unaffected: if nobody acknowledges,
        its next step pages the next person when it falls due.
        """
        now = self.clock.time()
        async with self.store.transaction() as db:
            await db.execute("UPDATE outbox SET status = 'pending' WHERE status = 'claimed'")
            async with db.execute(
                "SELECT id, incident, person, channel, target, kind, attempts FROM outbox"
                " WHERE status = 'sending' ORDER BY id"
            ) as cur:
                names = [d[0] for d in cur.description]
                rows = [dict(zip(names, r, strict=True)) async for r in cur]
            for r in rows:
                attempt = int(r["attempts"]) + 1
                await db.execute(
                    "UPDATE outbox SET status = 'interrupted', attempts = ?, last_error = ?"
                    " WHERE id = ?",
                    (attempt, INTERRUPTED, r["id"]),
                )
                data = {
                    "person": r["person"],
                    "target": r["target"],
                    "kind": r["kind"],
                    "channel": int(r["channel"]),
                    "attempt": attempt,
                    "detail": INTERRUPTED,
                    "final": True,
                    "interrupted": True,
                }
                await _write_events(
                    db, int(r["incident"]), [Event(EventKind.DELIVERY_FAILED, now, None, data)]
                )
        return rows

    async def check_ready(self) -> None:
        """Mark incidents in *monitoring* whose monitors stayed UP long enough.

        With ``settings.auto_resolve`` they are resolved too.
        """
        now = self.clock.time()
        after = self.config.settings.confirm_resolved_after
        async with self.store.reader.execute(
            "SELECT id FROM incidents WHERE state != 'resolved' AND public_status = 'monitoring'"
        ) as cur:
            ids = [int(r[0]) async for r in cur]
        for incident_id in ids:
            async with self.store.transaction() as db:
                inc = await load_incident(db, incident_id)
                up_since: dict[str, float | None] = {}
                async with db.execute(
                    "SELECT im.monitor, m.state, m.state_since FROM incident_monitors im"
                    " LEFT JOIN monitors m ON m.key = im.monitor WHERE im.incident = ?",
                    (incident_id,),
                ) as cur:
                    async for key, state, since in cur:
                        up_since[key] = since if state == MonitorState.UP else None
                ready = _ready(inc, up_since, now, after)
                if ready and inc.ready_since is None:
                    inc.ready_since = now
                    await _save(db, inc, now)
                    await _write_events(db, incident_id, [Event(EventKind.READY_TO_RESOLVE, now)])
                elif not ready and inc.ready_since is not None:
                    inc.ready_since = None
                    await _save(db, inc, now)
            if ready and self.config.settings.auto_resolve:
                with contextlib.suppress(IncidentError):  # e.g. resolved by hand meanwhile
                    await self.resolve(incident_id, by=None)

    # -- reads ----------------------------------------------------------------

    async def get(self, incident_id: int) -> Incident:
        return await load_incident(self.store.reader, incident_id)

    async def incidents(self, *, active_only: bool = True) -> list[Incident]:
        where = "WHERE state != 'resolved'" if active_only else ""
        async with self.store.reader.execute(
            f"SELECT {_COLS} FROM incidents {where} ORDER BY id DESC"
        ) as cur:
            rows = [r async for r in cur]
        return [_incident(r, await _monitors_of(self.store.reader, int(r[0]))) for r in rows]

    async def timeline(self, incident_id: int) -> list[Event]:
        async with self.store.reader.execute(
            "SELECT ts, kind, actor, data FROM timeline WHERE incident = ? ORDER BY id",
            (incident_id,),
        ) as cur:
            return [Event(EventKind(k), ts, a, json.loads(d)) async for ts, k, a, d in cur]

    async def public_records(self) -> list[IncidentRecord]:
        """Incidents with at least one public update, with the events the page shows."""
        db = self.store.reader
        async with db.execute(
            f"SELECT {_COLS} FROM incidents WHERE id IN"
            " (SELECT incident FROM timeline WHERE kind = 'status_update') ORDER BY id"
        ) as cur:
            rows = [r async for r in cur]
        events: dict[int, list[tuple[int, Event]]] = {int(r[0]): [] for r in rows}
        async with db.execute(
            "SELECT id, incident, ts, kind, actor, data FROM timeline"
            " WHERE kind IN ('status_update', 'resolved') AND incident IN"
            " (SELECT incident FROM timeline WHERE kind = 'status_update') ORDER BY id"
        ) as cur:
            async for row_id, inc_id, ts, kind, actor, data in cur:
                event = Event(EventKind(kind), ts, actor, json.loads(data))
                events.setdefault(int(inc_id), []).append((int(row_id), event))
        return [
            IncidentRecord(_incident(r, await _monitors_of(db, int(r[0]))), events[int(r[0])])
            for r in rows
        ]

    async def failing_channels(self, since: float) -> list[dict[str, Any]]:
        """Channels whose latest attempt (of pages created after ``since``) failed.

        One row per (person, target), newest attempt first: a later success
        clears a channel. ``waiting`` counts its pages still queued for a retry.
        """
        async with self.store.reader.execute(
            "SELECT person, target, status, attempts, last_error, next_attempt FROM outbox"
            " WHERE created >= ? AND attempts > 0 ORDER BY id",
            (since,),
        ) as cur:
            rows = [r async for r in cur]
        latest: dict[tuple[str, str], dict[str, Any]] = {}
        waiting: dict[tuple[str, str], int] = {}
        for person, target, status, attempts, error, next_attempt in rows:
            key = (str(person), str(target))
            if status == "pending":
                waiting[key] = waiting.get(key, 0) + 1
            latest[key] = {
                "person": key[0],
                "target": key[1],
                "status": status,
                "attempts": int(attempts),
                "error": error or "",
                "next_attempt": float(next_attempt) if status == "pending" else None,
            }
        out = []
        for key, row in latest.items():
            if row["status"] in ("delivered", "interrupted") or not row["error"]:
                continue
            row["waiting"] = waiting.get(key, 0)
            out.append(row)
        return sorted(out, key=lambda r: (r["person"], r["target"]))

    async def pages(self, incident_id: int) -> list[dict[str, Any]]:
        async with self.store.reader.execute(
            "SELECT person, target, kind, status, attempts, last_error, delivered, created"
            " FROM outbox WHERE incident = ? ORDER BY id",
            (incident_id,),
        ) as cur:
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) async for r in cur]
