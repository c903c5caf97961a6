"""``index.html`` and ``incidents/<id>.html`` from Jinja2 templates, autoescaped."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from statuscat_tui.core.statuspage import (
    STATUS_LABELS,
    ComponentStatus,
    Impact,
    PublicIncident,
    StatusPageModel,
)
from statuscat_tui.publish import times
from statuscat_tui.publish.markdown import render_markdown

SYMBOLS = {
    ComponentStatus.OPERATIONAL.value: "✔",
    ComponentStatus.UNDER_MAINTENANCE.value: "🔧",
    ComponentStatus.DEGRADED_PERFORMANCE.value: "▲",
    ComponentStatus.PARTIAL_OUTAGE.value: "✖",
    ComponentStatus.MAJOR_OUTAGE.value: "✖",
}
IMPACT_LABELS = {
    Impact.NONE.value: "No impact",
    Impact.MINOR.value: "Minor impact",
    Impact.MAJOR.value: "Major impact",
    Impact.CRITICAL.value: "Critical impact",
}


def _pct(value: float | None) -> str:
    if value is None:
        return "no data"
    if value >= 100.0:
        return "100%"
    return f"{min(value, 99.99):.2f}%"


def _level(value: float | None) -> str:
    if value is None:
        return "nodata"
    if value >= 99.95:
        return "ok"
    if value >= 99.0:
        return "minor"
    if value >= 90.0:
        return "partial"
    return "major"


class HtmlRenderer:
    def __init__(self, model: StatusPageModel) -> None:
        self.m = model
        tz = ZoneInfo(model.time_zone)
        env = Environment(
            loader=PackageLoader("statuscat_tui.publish", "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters.update(
            md=render_markdown,
            iso=lambda ts: times.iso(ts, tz),
            when=lambda ts: times.human(ts, tz),
            day=times.day,
            duration=times.duration,
            pct=_pct,
            level=_level,
        )
        banner = model.indicator.value
        if banner == "none" and model.description != "All Systems Operational":
            banner = "maintenance"
        env.globals.update(
            m=model,
            names={c.id: c.name for c in model.components},
            symbol=SYMBOLS,
            status_label=STATUS_LABELS,
            impact_label=IMPACT_LABELS,
            banner_class=banner,
        )
        self.env = env

    def index(self) -> str:
        return self.env.get_template("index.html.j2").render(root="")

    def incident(self, inc: PublicIncident) -> str:
        return self.env.get_template("incident.html.j2").render(root="../", inc=inc)
