"""``api/v2/*.json`` in the shape of Atlassian Statuspage's public API (v2).

Field names and types follow Statuspage's documentation and the types of its
clients, so a reader written for Statuspage reads these files unchanged.
Values StatusCat does not have (groups, showcase, tweets) get the defaults a
Statuspage page without them would show.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from statuscat_tui.core.statuspage import (
    ComponentStatus,
    PublicComponent,
    PublicIncident,
    PublicMaintenance,
    StatusPageModel,
    update_component_status,
)
from statuscat_tui.publish.times import iso

INCIDENTS_LISTED = 50  # incidents.json: the most recent, as Statuspage lists them


class Api:
    def __init__(self, model: StatusPageModel) -> None:
        self.m = model
        self.tz = ZoneInfo(model.time_zone)
        self.components = {c.id: c for c in model.components}

    def _t(self, ts: float | None) -> str | None:
        return iso(ts, self.tz)

    def page(self) -> dict[str, Any]:
        return {
            "id": self.m.page_id,
            "name": self.m.title,
            "url": self.m.url or "",
            "time_zone": self.m.time_zone,
            "updated_at": self._t(self.m.updated_at),
        }

    def status(self) -> dict[str, Any]:
        return {"indicator": self.m.indicator.value, "description": self.m.description}

    def component(self, c: PublicComponent) -> dict[str, Any]:
        return {
            "id": c.id,
            "name": c.name,
            "status": c.status.value,
            "created_at": self._t(c.days[0].day if c.days else self.m.updated_at),
            "updated_at": self._t(c.updated_at),
            "position": c.position,
            "description": c.description or None,
            "showcase": True,
            "start_date": None,
            "group_id": None,
            "page_id": self.m.page_id,
            "group": False,
            "only_show_if_degraded": False,
        }

    def _affected(self, ids: tuple[str, ...], old: str, new: str) -> list[dict[str, Any]]:
        return [
            {"code": cid, "name": self.components[cid].name, "old_status": old, "new_status": new}
            for cid in ids
            if cid in self.components
        ]

    def incident(self, i: PublicIncident) -> dict[str, Any]:
        updates: list[dict[str, Any]] = []
        previous = ComponentStatus.OPERATIONAL.value
        for u in reversed(i.updates):  # oldest first, to chain old -> new
            new = update_component_status(i.impact, u.status).value
            updates.append(
                {
                    "id": u.id,
                    "status": u.status,
                    "body": u.body,
                    "incident_id": i.id,
                    "created_at": self._t(u.at),
                    "updated_at": self._t(u.at),
                    "display_at": self._t(u.at),
                    "affected_components": self._affected(u.components, previous, new),
                    "deliver_notifications": True,
                    "custom_tweet": None,
                    "tweet_id": None,
                }
            )
            previous = new
        updates.reverse()
        return {
            "id": i.id,
            "name": i.name,
            "status": i.status,
            "created_at": self._t(i.created_at),
            "updated_at": self._t(i.updated_at),
            "monitoring_at": self._t(i.monitoring_at),
            "resolved_at": self._t(i.resolved_at),
            "impact": i.impact.value,
            "shortlink": self._link(f"incidents/{i.id}.html"),
            "started_at": self._t(i.created_at),
            "page_id": self.m.page_id,
            "incident_updates": updates,
            "components": [
                self.component(self.components[c]) for c in i.components if c in self.components
            ],
        }

    def maintenance(self, mt: PublicMaintenance) -> dict[str, Any]:
        return {
            "id": mt.id,
            "name": mt.name,
            "status": mt.status,
            "created_at": self._t(mt.starts),
            "updated_at": self._t(mt.starts),
            "monitoring_at": None,
            "resolved_at": None,
            "impact": "maintenance",
            "shortlink": self._link(""),
            "started_at": self._t(mt.starts),
            "page_id": self.m.page_id,
            "incident_updates": [],
            "components": [
                self.component(self.components[c]) for c in mt.components if c in self.components
            ],
            "scheduled_for": self._t(mt.starts),
            "scheduled_until": self._t(mt.ends),
        }

    def _link(self, rel: str) -> str:
        base = self.m.url or ""
        if base and not base.endswith("/"):
            base += "/"
        return base + rel

    def files(self) -> dict[str, dict[str, Any]]:
        """Every JSON file, by its path under ``api/v2/``."""
        page = self.page()
        components = [self.component(c) for c in self.m.components]
        unresolved = [self.incident(i) for i in self.m.active_incidents]
        maint = [self.maintenance(mt) for mt in self.m.maintenances]
        upcoming = [x for x in maint if x["status"] == "scheduled"]
        active = [x for x in maint if x["status"] != "scheduled"]
        return {
            "summary.json": {
                "page": page,
                "status": self.status(),
                "components": components,
                "incidents": unresolved,
                "scheduled_maintenances": maint,
            },
            "status.json": {"page": page, "status": self.status()},
            "components.json": {"page": page, "components": components},
            "incidents.json": {
                "page": page,
                "incidents": [self.incident(i) for i in self.m.incidents[:INCIDENTS_LISTED]],
            },
            "incidents/unresolved.json": {"page": page, "incidents": unresolved},
            "scheduled-maintenances.json": {"page": page, "scheduled_maintenances": maint},
            "scheduled-maintenances/upcoming.json": {
                "page": page,
                "scheduled_maintenances": upcoming,
            },
            "scheduled-maintenances/active.json": {"page": page, "scheduled_maintenances": active},
        }
