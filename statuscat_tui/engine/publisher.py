"""Keep the static status page current.

The engine's publisher rebuilds the page after every incident update, after a
component changes status and once a minute (the uptime bars and "updated"
time move on their own). Actions taken in another process (the CLI, a viewer
TUI) reach it through the database: a cheap version query, polled every
second, notices new timeline rows and incident changes.

Rendering runs in a worker thread; the files are swapped in atomically.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from statuscat_tui.core.model import Config
from statuscat_tui.core.states import MonitorState
from statuscat_tui.core.statuspage import (
    DAY,
    UPTIME_DAYS,
    IncidentRecord,
    MonitorStatus,
    StatusPageModel,
    build_page,
)
from statuscat_tui.engine.clock import Clock
from statuscat_tui.engine.incidents import IncidentService
from statuscat_tui.publish import write_site
from statuscat_tui.store.store import Store

log = logging.getLogger(__name__)

REFRESH = 60.0  # rebuild at least this often
POLL = 1.0  # look for changes made by other processes this often
DEBOUNCE = 0.3  # gather a burst of changes into one build


def output_dir(config: Config, out: str | Path | None = None) -> Path:
    """Where the page goes: ``--out``, else ``status_page.output`` next to the config file."""
    if out is not None:
        return Path(out)
    path = Path(config.status_page.output).expanduser()
    if not path.is_absolute() and not config.source.startswith("<"):
        path = Path(config.source).resolve().parent / path
    return path


async def collect(
    store: Store,
    service: IncidentService,
    config: Config,
    now: float,
    states: dict[str, MonitorStatus] | None = None,
) -> StatusPageModel:
    """Read what the page needs from the database (and the engine's live states)."""
    if states is None:
        states = {
            s["key"]: MonitorStatus(MonitorState(s["state"]), s["state_since"])
            for s in await store.monitor_snapshots()
        }
    first_day = (int(now) // DAY) * DAY - (UPTIME_DAYS - 1) * DAY
    async with store.reader.execute(
        "SELECT m.key, d.bucket, d.up_s + d.degraded_s, d.down_s FROM rollup_daily d"
        " JOIN monitors m ON m.id = d.monitor WHERE d.bucket >= ? AND m.retired = 0",
        (first_day,),
    ) as cur:
        rows = await cur.fetchall()  # one hop: 10,000 monitors x 90 days is 900,000 rows
    summaries = await service.postmortems.public_summaries()
    records = [
        dataclasses.replace(r, postmortem=summaries.get(r.incident.id))
        for r in await service.public_records()
    ]
    # Building the model is CPU work: off the event loop, like the rendering.
    return await asyncio.to_thread(_model, config, states, records, rows, now)


def _model(
    config: Config,
    states: dict[str, MonitorStatus],
    records: list[IncidentRecord],
    rows: Iterable[Sequence[Any]],
    now: float,
) -> StatusPageModel:
    daily: dict[str, dict[int, tuple[float, float]]] = {}
    for key, bucket, good, bad in rows:
        daily.setdefault(str(key), {})[int(bucket)] = (float(good), float(bad))
    return build_page(config, states, records, daily, now)


async def build(
    store: Store,
    service: IncidentService,
    config: Config,
    now: float,
    out: Path,
    states: dict[str, MonitorStatus] | None = None,
) -> StatusPageModel:
    model = await collect(store, service, config, now, states)
    await asyncio.to_thread(write_site, model, out)
    return model


class Publisher:
    """The engine's side: rebuild on demand, on outside changes and every minute."""

    def __init__(
        self,
        store: Store,
        service: IncidentService,
        config: Config,
        clock: Clock,
        out: Path,
        states: Callable[[], dict[str, MonitorStatus]] | None = None,
    ) -> None:
        self.store = store
        self.service = service
        self.config = config
        self.clock = clock
        self.out = out
        self.live_states = states  # the engine's own view, fresher than the database
        self._wanted = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._version: tuple[object, ...] | None = None
        self.builds = 0
        self.last_error: str | None = None
        self.last_model: StatusPageModel | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="publisher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def request(self) -> None:
        """Something public changed: rebuild soon."""
        self._wanted.set()

    async def _version_now(self) -> tuple[object, ...]:
        async with self.store.reader.execute(
            "SELECT (SELECT max(id) FROM timeline WHERE kind IN"
            " ('status_update', 'resolved', 'reopened', 'severity_changed')),"
            " (SELECT max(updated) FROM postmortems WHERE status = 'published'),"
            " (SELECT count(*) FROM postmortems WHERE status = 'published'),"
            " (SELECT max(done_at) FROM action_items), (SELECT max(id) FROM action_items)"
        ) as cur:
            row = await cur.fetchone()
        return tuple(row) if row else ()

    async def build_now(self) -> StatusPageModel:
        self._version = await self._version_now()
        states = self.live_states() if self.live_states is not None else None
        now = self.clock.time()
        model = await build(self.store, self.service, self.config, now, self.out, states)
        self.builds += 1
        self.last_model = model
        return model

    async def _run(self) -> None:
        last_build = -REFRESH
        while True:
            try:
                await self._wait(last_build)
                started = time.monotonic()
                await self.build_now()
                last_build = time.monotonic()
                if self.last_error is not None:
                    log.info("status page written to %s again", self.out)
                self.last_error = None
                log.debug("status page built in %.0f ms", 1000 * (last_build - started))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a full disk must not stop the engine
                last_build = time.monotonic()
                message = f"{type(exc).__name__}: {exc}"
                if message != self.last_error:
                    log.error("could not write the status page to %s: %s", self.out, message)
                self.last_error = message

    async def _wait(self, last_build: float) -> None:
        """Until a rebuild is due: requested, changed elsewhere, or a minute passed."""
        while True:
            if self._wanted.is_set():
                await asyncio.sleep(DEBOUNCE)
                self._wanted.clear()
                return
            if time.monotonic() - last_build >= REFRESH:
                return
            if await self._version_now() != self._version:
                await asyncio.sleep(DEBOUNCE)
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wanted.wait(), POLL)
