"""The engine: one central scheduler, the probe runner, state and storage.

Scheduling is a single heap keyed by due time (not a sleeping task per
monitor): adding or popping a check is O(log n), so 10,000 monitors cost no
more per check than ten. First runs are spread across each interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import heapq
import logging
import os
import random
import socket
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from statuscat_tui import __version__
from statuscat_tui.core.heartbeat import evaluate_heartbeat
from statuscat_tui.core.maintenance import MaintenanceCalendar
from statuscat_tui.core.model import Config, Monitor
from statuscat_tui.core.monitor import MonitorMachine, Transition
from statuscat_tui.core.results import CheckResult, Outcome
from statuscat_tui.core.states import MonitorState
from statuscat_tui.core.statuspage import MonitorStatus
from statuscat_tui.engine.clock import Clock, SystemClock
from statuscat_tui.engine.incidents import IncidentService
from statuscat_tui.engine.listener import Listener
from statuscat_tui.engine.logs import redact_result
from statuscat_tui.engine.metrics import exposition
from statuscat_tui.engine.publisher import Publisher
from statuscat_tui.probes import run_probe
from statuscat_tui.probes.context import ProbeContext
from statuscat_tui.store.store import ResultRow, Store, TransitionRow

log = logging.getLogger("statuscat.engine")

HOUSEKEEPING_EVERY = 30.0
# How often incidents, escalations and the outbox are looked at. Actions from
# other processes (a CLI ack) are committed to the database and seen here.
RESPONDER_TICK = 1.0  # wakes at once on a confirmed outage; the tick finds pages and due steps
READY_CHECK_EVERY = 5.0
DELIVERY_TIMEOUT = 30.0
HISTORY = 30  # latencies kept per monitor for the dashboard's sparklines
DELIVERY_GRACE = 3.0  # on stop, how long pages in flight may take to finish
RESPONDER_GRACE = 1.0  # on stop, how long the responder may take to finish its tick
PRUNE_EVERY = 600.0
# A probe that overruns its own timeout by this much is abandoned by the runner.
DEADLINE_SLACK = 1.0


@dataclass(slots=True)
class Runtime:
    """What the engine keeps per monitor."""

    index: int
    monitor: Monitor
    machine: MonitorMachine
    db_id: int = 0
    generation: int = 0  # bumped to invalidate queued heap entries (e.g. on a heartbeat)
    running: bool = False
    last: CheckResult | None = None
    checked_at: float | None = None  # when the last check's result was recorded
    history: deque[float] = field(default_factory=lambda: deque(maxlen=HISTORY))
    beat_at: float | None = None
    fail_at: float | None = None
    dependencies: tuple[Runtime, ...] = ()


@dataclass
class LatenessStats:
    """Histogram of check start lateness in milliseconds (bounded memory)."""

    counts: list[int] = field(default_factory=lambda: [0] * 60_001)
    total: int = 0

    def add(self, seconds: float) -> None:
        ms = min(max(int(seconds * 1000), 0), 60_000)
        self.counts[ms] += 1
        self.total += 1

    def quantile(self, q: float) -> float:
        """Lateness in seconds below which ``q`` of checks started."""
        if not self.total:
            return 0.0
        target = q * self.total
        seen = 0
        for ms, n in enumerate(self.counts):
            seen += n
            if seen >= target:
                return ms / 1000
        return 60.0

    def share_within(self, seconds: float) -> float:
        if not self.total:
            return 1.0
        return sum(self.counts[: int(seconds * 1000) + 1]) / self.total


TransitionListener = Callable[[Monitor, Transition], None]


class Engine:
    """Probes every monitor on time, confirms state changes and records them."""

    def __init__(
        self,
        config: Config,
        db_path: Path,
        *,
        clock: Clock | None = None,
        listen: bool = True,
        publish_to: Path | None = None,
        delivery_timeout: float = DELIVERY_TIMEOUT,
    ) -> None:
        self.config = config
        self.delivery_timeout = delivery_timeout
        self.publish_to = publish_to
        self.publisher: Publisher | None = None
        self.db_path = db_path
        self.clock = clock or SystemClock()
        self._listen = listen
        self.store: Store | None = None
        self.listener: Listener | None = None
        self.probes = ProbeContext(max_connections=config.settings.concurrency)
        self.calendar = MaintenanceCalendar(config.maintenance, config.settings.timezone)
        self.runtimes = [
            Runtime(i, m, MonitorMachine(m.id, m.confirm)) for i, m in enumerate(config.monitors)
        ]
        self.by_id = {r.monitor.id: r for r in self.runtimes}
        for r in self.runtimes:
            r.dependencies = tuple(self.by_id[d] for d in r.monitor.depends_on if d in self.by_id)
        self.lateness = LatenessStats()
        self.checks_done = 0
        self.listeners: list[TransitionListener] = []
        self._heap: list[tuple[float, int, int, int]] = []
        self._seq = 0
        self._wake = asyncio.Event()
        self._sem = asyncio.Semaphore(config.settings.concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._deliveries: set[asyncio.Task[None]] = set()
        self._main: list[asyncio.Task[None]] = []
        self._run_id = 0
        self.incidents: IncidentService | None = None
        self._monitor_events: list[tuple[Monitor, Transition]] = []
        # Outages held until their dependencies are re-checked: (monitor,
        # transition, held since, give up at).
        self._held: list[tuple[Monitor, Transition, float, float]] = []
        self._responder_wake = asyncio.Event()
        self.started_at = 0.0
        self._stopping = False

    # -- lifecycle -------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.started_at = self.clock.time()
        self.store = await Store.open(self.db_path)
        ids = await self.store.register_monitors(
            (m.id, m.name, m.type, m.target) for m in self.config.monitors
        )
        snapshots = {s["key"]: s for s in await self.store.monitor_snapshots()}
        for r in self.runtimes:
            r.db_id = ids[r.monitor.id]
            snap = snapshots.get(r.monitor.id)
            if snap is not None:
                _restore(r.machine, MonitorState(snap["state"]), snap["state_since"])
        self.incidents = IncidentService(self.store, self.config, self.clock)
        # An outage stored just before the last engine died, its incident not yet
        # opened: the responder takes it up as if it had just been confirmed.
        failing = {
            r.db_id: r.monitor.id for r in self.runtimes if _is_outage(r.monitor, r.machine.state)
        }
        for tr in await self.incidents.unhandled_outages(failing):
            r = self.by_id[tr.monitor_id]
            if tr.new is r.machine.state:
                log.warning(
                    "%s went %s before the restart without an incident: opening it now",
                    tr.monitor_id,
                    tr.new.name,
                )
                self._monitor_events.append((r.monitor, tr))
        # Loading Apprise's plugins takes a moment: do it off the event loop now,
        # not on the first page.
        await asyncio.to_thread(_load_channels)
        for row in await self.incidents.settle_interrupted():
            log.warning(
                "%s for #%s to %s via %s was being sent when the engine stopped;"
                " not sending it again (it may not have arrived)",
                row["kind"],
                row["incident"],
                row["person"],
                row["target"],
            )
        self._run_id = await self.store.begin_run(
            os.getpid(), socket.gethostname(), self.started_at
        )
        if self.publish_to is not None:
            self.publisher = Publisher(
                self.store,
                self.incidents,
                self.config,
                self.clock,
                self.publish_to,
                states=self.public_states,
            )
        if self._listen:
            await self._start_listener()
        now = loop.time()
        for r in self.runtimes:
            # Spread first runs across the interval so checks never come in waves.
            self._push(now + random.uniform(0, min(r.monitor.interval, 60.0)), r)
        self._main = [
            asyncio.create_task(self._schedule_loop(), name="scheduler"),
            asyncio.create_task(self._housekeeping(), name="housekeeping"),
            asyncio.create_task(self._responder(), name="responder"),
        ]
        if self.publisher is not None:
            self.publisher.start()
        log.info("%s", self.summary())
        self._warn_about_gaps()

    async def _start_listener(self) -> None:
        """Heartbeats, the status page preview (/status/) and /metrics."""
        s = self.config.settings
        self.listener = Listener(
            s.listen_host,
            s.listen_port,
            self.heartbeat,
            status_dir=self.publish_to,
            metrics=lambda: exposition(self),
        )
        try:
            await self.listener.start()
        except OSError as exc:
            self.listener = None
            if any(m.type == "heartbeat" for m in self.config.monitors):
                raise OSError(
                    exc.errno, f"cannot listen for heartbeats on {s.listen}: {exc.strerror}"
                ) from exc
            log.warning("not serving /metrics and /status/: cannot listen on %s: %s", s.listen, exc)

    def public_states(self) -> dict[str, MonitorStatus]:
        return {
            r.monitor.id: MonitorStatus(r.machine.state, r.machine.since) for r in self.runtimes
        }

    def _warn_about_gaps(self) -> None:
        """Say now if a schedule leaves nobody on call in the next 14 days."""
        from statuscat_tui.core.oncall import gaps

        now = datetime.fromtimestamp(self.clock.time(), UTC)
        for sched in self.config.schedules:
            for start, end in gaps(sched, now, now + timedelta(days=14)):
                log.warning(
                    "schedule %s: nobody on call from %s to %s",
                    sched.id,
                    start.isoformat(timespec="minutes"),
                    end.isoformat(timespec="minutes"),
                )

    def summary(self) -> str:
        types: dict[str, int] = {}
        for m in self.config.monitors:
            types[m.type] = types.get(m.type, 0) + 1
        kinds = ", ".join(f"{n} {t}" for t, n in sorted(types.items()))
        parts = [
            f"statuscat engine {__version__} started: {len(self.runtimes)} monitors ({kinds})",
            f"config {self.config.source}",
            f"database {self.db_path}",
        ]
        if self.listener is not None:
            base = f"http://{self.listener.host}:{self.listener.port}"
            parts.append(f"heartbeats on {base}/ping/ID, metrics on {base}/metrics")
        if self.publish_to is not None:
            parts.append(f"status page in {self.publish_to}")
        parts.append(f"pid {os.getpid()}")
        return "; ".join(parts)

    async def stop(self) -> None:
        """Stop probing, write everything pending and close. Safe to call twice."""
        if self._stopping:
            return
        self._stopping = True
        # The responder finishes its tick rather than being cancelled inside a
        # database transaction; the scheduler and housekeeping just stop.
        self._responder_wake.set()
        responder = [t for t in self._main if t.get_name() == "responder"]
        if responder:
            await asyncio.wait(responder, timeout=RESPONDER_GRACE)
        for t in self._main:
            t.cancel()
        await asyncio.gather(*self._main, return_exceptions=True)
        # Let pages already on the wire finish and be recorded, so a clean stop
        # never leaves one to be sent again on the next start.
        if self._deliveries:
            await asyncio.wait(self._deliveries, timeout=DELIVERY_GRACE)
        for t in [*self._tasks, *self._deliveries]:
            t.cancel()
        await asyncio.gather(*self._tasks, *self._deliveries, return_exceptions=True)
        if self.publisher is not None:
            await self.publisher.stop()
            with contextlib.suppress(Exception):  # the last state, as the engine leaves it
                await self.publisher.build_now()
        if self.listener is not None:
            await self.listener.stop()
        await self.probes.aclose()
        if self.store is not None:
            await self.store.end_run(self._run_id, self.clock.time())
            await self.store.close()
        log.info("statuscat engine stopped after %d checks", self.checks_done)

    # -- scheduling ------------------------------------------------------------

    def _push(self, due: float, r: Runtime) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (due, self._seq, r.index, r.generation))
        if self._heap[0][1] == self._seq:
            self._wake.set()  # the new entry is now the earliest

    async def _schedule_loop(self) -> None:
        loop = asyncio.get_running_loop()
        heap = self._heap
        while True:
            if not heap:
                self._wake.clear()
                await self._wake.wait()
                continue
            due = heap[0][0]
            delay = due - loop.time()
            if delay > 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
                continue
            _, _, index, generation = heapq.heappop(heap)
            r = self.runtimes[index]
            if generation != r.generation:
                continue  # superseded by a newer entry for the same monitor
            task = asyncio.create_task(self._check(r, due))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def poke(self, monitor_id: str) -> None:
        """Check a monitor now (e.g. a heartbeat just arrived)."""
        r = self.by_id[monitor_id]
        if r.running:
            return  # the running check will see the new facts
        r.generation += 1
        self._push(asyncio.get_running_loop().time(), r)

    # -- checking --------------------------------------------------------------

    async def _check(self, r: Runtime, due: float) -> None:
        loop = asyncio.get_running_loop()
        m = r.monitor
        async with self._sem:
            started = loop.time()
            wall = self.clock.time()
            r.running = True
            try:
                result = await self._probe(m, r, wall)
            finally:
                r.running = False
        self.lateness.add(started - due)
        self.checks_done += 1
        self._record(r, wall, result, started - due)
        now = loop.time()
        if r.machine.confirming:
            self._push(now + m.confirm.retry_interval, r)
            return
        due_next = max(due + m.interval, now)
        if m.type == "heartbeat":
            # Look again the moment silence would pass the deadline, not up to a
            # whole interval later.
            base = r.beat_at if r.beat_at is not None else self.started_at
            left = base + (m.every or m.interval) + m.grace - self.clock.time()
            if left > 0:
                due_next = min(due_next, now + left + 0.01)
        self._push(due_next, r)

    async def _probe(self, m: Monitor, r: Runtime, wall: float) -> CheckResult:
        if m.type == "heartbeat":
            return evaluate_heartbeat(
                now=wall,
                started=self.started_at,
                last_beat=r.beat_at,
                last_fail=r.fail_at,
                every=m.every or m.interval,
                grace=m.grace,
            )
        try:
            async with asyncio.timeout(min(m.timeout, m.interval) + DEADLINE_SLACK):
                # Masked before anything keeps it: a reason may quote a ${VAR} value.
                return redact_result(await run_probe(m, self.probes), self.config.secrets)
        except TimeoutError:
            return CheckResult(Outcome.FAIL, None, f"timed out after {m.timeout:g}s")
        except Exception as exc:  # a probe bug must not stop the engine
            log.exception("probe for %s failed unexpectedly", m.id)
            return CheckResult(Outcome.FAIL, None, f"probe error: {type(exc).__name__}")

    def _record(self, r: Runtime, wall: float, result: CheckResult, lateness: float) -> None:
        m = r.monitor
        machine = r.machine
        window = self.calendar.active(m.id, wall) if self.calendar.by_monitor else None
        suppressed_by = None
        for dep in r.dependencies:
            # A dependency still confirming its own failure counts too: the
            # responder waits for it to settle before deciding whose outage it is.
            if dep.machine.settled is MonitorState.DOWN or dep.machine.fail_streak > 0:
                suppressed_by = dep.monitor.id
                break
        tr = machine.observe(
            result.outcome,
            wall,
            result.reason,
            in_maintenance=window is not None,
            suppressed_by=suppressed_by,
        )
        r.last = result
        if result.latency is not None:
            r.history.append(result.latency)
        r.checked_at = self.clock.time()
        span = m.confirm.retry_interval if machine.confirming else m.interval
        state = machine.state
        reason = None if result.outcome is Outcome.OK else result.reason
        assert self.store is not None
        self.store.submit_result(
            ResultRow(r.db_id, wall, result.outcome, state, result.latency, lateness, span, reason),
            (int(state), machine.since, wall, result.latency, result.reason),
        )
        if tr is not None:
            self._transition(r, tr)

    def _transition(self, r: Runtime, tr: Transition) -> None:
        assert self.store is not None
        self.store.submit_transition(
            TransitionRow(r.db_id, tr.at, tr.old, tr.new, tr.reason, tr.confirmed, tr.suppressed_by)
        )
        if tr.confirmed:
            note = f" [suppressed: {tr.suppressed_by}]" if tr.suppressed_by else ""
            log.info("%s %s → %s: %s%s", r.monitor.id, tr.old.name, tr.new.name, tr.reason, note)
        else:
            log.debug("%s %s → %s: %s", r.monitor.id, tr.old.name, tr.new.name, tr.reason)
        if (
            tr.confirmed
            and tr.suppressed_by != "maintenance"
            and (_is_outage(r.monitor, tr.new) or _is_outage(r.monitor, tr.old))
        ):
            self._monitor_events.append((r.monitor, tr))
            self._responder_wake.set()
        if tr.confirmed and self.publisher is not None:
            self.publisher.request()
        for listener in self.listeners:
            listener(r.monitor, tr)

    # -- incidents, escalation, paging ------------------------------------------

    async def _responder(self) -> None:
        """Turn confirmed outages into incidents, run escalations, deliver the outbox."""
        assert self.incidents is not None
        service = self.incidents
        loop = asyncio.get_running_loop()
        next_ready_check = 0.0
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._responder_wake.wait(), RESPONDER_TICK)
            self._responder_wake.clear()
            try:
                events, self._monitor_events = self._monitor_events, []
                ready = [(m, tr) for m, tr in events if not self._wait_for_dependency(m, tr)]
                for monitor, tr in [*ready, *self._take_settled_dependents()]:
                    try:
                        await self._on_outage_change(service, monitor, tr)
                    except Exception:
                        # One monitor's trouble must not drop the others' outages.
                        log.exception("incident handling for %s failed", monitor.id)
                await service.escalate_due()
                for row in await service.claim_due():
                    task = asyncio.create_task(self._deliver(service, row))
                    self._deliveries.add(task)
                    task.add_done_callback(self._deliveries.discard)
                if loop.time() >= next_ready_check:
                    next_ready_check = loop.time() + READY_CHECK_EVERY
                    await service.check_ready()
            except Exception:
                log.exception("incident handling failed; will retry")

    def _wait_for_dependency(self, monitor: Monitor, tr: Transition) -> bool:
        """Hold a dependent's new outage until its dependencies have been re-checked.

        A dependent often notices first (an API fails a moment before its
        database's own check comes round). Its dependencies are checked at
        once; the outage is decided when none of them is still confirming a
        failure: it joins a dependency that went DOWN, or is its own.
        """
        deps = self.by_id[monitor.id].dependencies
        if (
            not deps
            or not _is_outage(monitor, tr.new)
            or (
                tr.suppressed_by is not None
                and self.by_id[tr.suppressed_by].machine.settled is MonitorState.DOWN
            )
        ):
            return False
        now = self.clock.time()
        patience = max(
            d.monitor.timeout + d.monitor.confirm.retry_interval * d.monitor.confirm.failures
            for d in deps
        )
        for d in deps:
            self.poke(d.monitor.id)
        self._held.append((monitor, tr, now, now + patience + 1.0))
        return True

    def _take_settled_dependents(self) -> list[tuple[Monitor, Transition]]:
        """Held outages whose dependencies have settled (or that waited long enough)."""
        now = self.clock.time()
        ready, keep = [], []
        for monitor, tr, held_at, deadline in self._held:
            deps = self.by_id[monitor.id].dependencies
            down = next((d for d in deps if d.machine.settled is MonitorState.DOWN), None)
            unsure = any(d.machine.fail_streak > 0 or (d.checked_at or 0.0) < held_at for d in deps)
            if down is not None:
                ready.append((monitor, dataclasses.replace(tr, suppressed_by=down.monitor.id)))
            elif unsure and now < deadline:
                keep.append((monitor, tr, held_at, deadline))
            else:
                # Every dependency is fine: this is the dependent's own outage.
                ready.append((monitor, dataclasses.replace(tr, suppressed_by=None)))
        self._held = keep
        # Only outages still under way: a dependent that recovered meanwhile opens nothing.
        return [(m, tr) for m, tr in ready if _is_outage(m, self.by_id[m.id].machine.state)]

    async def _on_outage_change(
        self, service: IncidentService, monitor: Monitor, tr: Transition
    ) -> None:
        if _is_outage(monitor, tr.new):
            inc, what = await service.monitor_down(monitor.id, tr)
            if what == "opened":
                log.info("incident #%d opened: %s (%s)", inc.id, inc.title, inc.severity)
            elif what == "reopened":
                log.info("incident #%d reopened: %s failed again soon after", inc.id, monitor.id)
            elif what == "joined":
                log.info(
                    "incident #%d: %s joined (%s is down)", inc.id, monitor.id, tr.suppressed_by
                )
        else:
            await service.monitor_up(monitor.id, tr)

    async def _deliver(self, service: IncidentService, row: dict[str, object]) -> None:
        """Send one outbox row on its channel; one slow channel never holds another."""
        from statuscat_tui.notify import Message, deliver

        person = service.people.get(str(row["person"]))
        channel = int(str(row["channel"]))
        if person is None or channel >= len(person.notify):
            ok, detail, retryable = False, "channel no longer configured", False
        elif not await service.start_sending(row):
            return  # acknowledged or resolved since it was claimed: not sent
        else:
            result = await deliver(
                person.notify[channel],
                Message(str(row["title"]), str(row["body"]), str(row["kind"])),
                timeout=self.delivery_timeout,
                allow=self.config.settings.notify_allow,
            )
            ok, detail, retryable = result.ok, result.detail, result.retryable
        what = f"{row['kind']} for #{row['incident']} to {row['person']} via {row['target']}"
        if ok:
            log.info("delivered %s", what)
        else:
            log.warning("could not deliver %s: %s", what, detail)
        await service.record_delivery(row, ok, detail, retryable)

    # -- heartbeats ------------------------------------------------------------

    def heartbeat(self, monitor_id: str, failed: bool) -> bool:
        """Record a beat (or a reported failure); False if no such heartbeat monitor."""
        r = self.by_id.get(monitor_id)
        if r is None or r.monitor.type != "heartbeat":
            return False
        now = self.clock.time()
        if failed:
            r.fail_at = now
        else:
            r.beat_at = now
        self.poke(monitor_id)
        return True

    # -- housekeeping ----------------------------------------------------------

    async def _housekeeping(self) -> None:
        assert self.store is not None
        since_prune = PRUNE_EVERY
        while True:
            await asyncio.sleep(HOUSEKEEPING_EVERY)
            now = self.clock.time()
            try:
                await self.store.touch_run(self._run_id, now)
                since_prune += HOUSEKEEPING_EVERY
                if since_prune >= PRUNE_EVERY:
                    since_prune = 0.0
                    while await self.store.prune(now) > 0:  # noqa: ASYNC110 - chunked on purpose
                        await asyncio.sleep(0.05)  # let result batches through between chunks
            except Exception:
                log.exception("housekeeping failed; will retry")

    @property
    def states(self) -> dict[str, MonitorState]:
        return {r.monitor.id: r.machine.state for r in self.runtimes}


def settle_heap() -> None:
    """Move everything built at start-up out of the cyclic garbage collector's way.

    With thousands of monitors, the objects made at start (config, runtimes,
    the dashboard's rows) made every full collection take hundreds of
    milliseconds, stalling probes and keypresses alike. Frozen objects are never
    scanned again; reference counting still frees them. Call once the engine
    (and the dashboard, if any) has started.
    """
    gc.collect()
    gc.freeze()


def _load_channels() -> None:
    from statuscat_tui.notify import describe_target

    describe_target("json://localhost/")


def _is_outage(monitor: Monitor, state: MonitorState) -> bool:
    """States that open (or keep open) an incident for this monitor."""
    return state is MonitorState.DOWN or (
        state is MonitorState.DEGRADED and monitor.open_incident_on == "degraded"
    )


def _restore(machine: MonitorMachine, state: MonitorState, since: float | None) -> None:
    """Carry a settled state over a restart, so a known outage is not news again."""
    if state in (MonitorState.UP, MonitorState.DEGRADED, MonitorState.DOWN):
        machine.restore(state, since)


class RestartFailed(Exception):
    """The engine could not start on the new config; ``running`` runs the old one again."""

    def __init__(self, running: Engine, cause: BaseException) -> None:
        super().__init__(str(cause) or type(cause).__name__)
        self.running = running
        self.cause = cause


async def restart(engine: Engine, config: Config, *, publish_to: Path | None) -> Engine:
    """Stop ``engine`` and start a new one on ``config``, with the same database and clock.

    This is how a config reload is applied: every part (schedule heap, listener,
    publisher, incident service) is built from the new config, and monitor
    states carry over through the database. The caller keeps holding the engine
    lock throughout, so no other process can take over in between. If the new
    engine cannot start (its listen address is taken, say), the old config is
    started again and RestartFailed carries that engine.
    """
    from statuscat_tui.engine.logs import add_secrets

    add_secrets(config.secrets)  # before anything on the new config can log
    await engine.stop()
    fresh = _successor(engine, config, publish_to)
    try:
        await fresh.start()
    except Exception as exc:
        log.error("cannot start on the new config: %s; going back to the previous one", exc)
        fresh.publisher = None  # a config that never ran publishes nothing
        with contextlib.suppress(Exception):
            await fresh.stop()
        again = _successor(engine, engine.config, engine.publish_to)
        await again.start()
        raise RestartFailed(again, exc) from exc
    return fresh


def _successor(engine: Engine, config: Config, publish_to: Path | None) -> Engine:
    fresh = Engine(
        config,
        engine.db_path,
        clock=engine.clock,
        listen=engine._listen,
        publish_to=publish_to,
        delivery_timeout=engine.delivery_timeout,
    )
    fresh.listeners = list(engine.listeners)
    return fresh
