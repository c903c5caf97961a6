"""A session that stands in for the real one at the edge of snapshot tests.

It always returns the same snapshot and incident detail and runs no engine,
so a screenshot depends only on the data given, not on timing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from statuscat_tui.engine.session import IncidentDetail, Snapshot


@dataclass
class FixedSession:
    snap: Snapshot
    detail: IncidentDetail
    mode: str = "engine"
    engine_holder: str | None = None
    me: str = "ada"

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def snapshot(self) -> Snapshot:
        return self.snap

    async def incident_detail(self, incident_id: int) -> IncidentDetail:
        return self.detail

    def status_template(self, status: str, incident: Any) -> str:
        return f"{status} {incident.title}"
