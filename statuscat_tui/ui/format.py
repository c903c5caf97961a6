"""Short, single-line cell text for the dashboard (outside text stays literal)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.style import Style
from rich.text import Text
from textual.color import Color, ColorParseError

from statuscat_tui.core.states import MonitorState

SPARK = "▁▂▃▄▅▆▇█"

# State → theme variable. Table cells are Rich renderables, so the app turns
# these into styles from the current theme (see ``Palette``); the words and
# symbols carry the meaning, colour only helps.
STATE_VARIABLE = {
    MonitorState.UP: "success",
    MonitorState.DEGRADED: "warning",
    MonitorState.PENDING: "warning",
    MonitorState.DOWN: "error",
    MonitorState.MAINTENANCE: "primary",
    MonitorState.UNKNOWN: "text-muted",
}
SEVERITY_VARIABLE = {"SEV1": "error", "SEV2": "warning", "SEV3": "primary"}


class Palette:
    """Rich styles taken from the theme's variables (``$error``, ``$success`` …)."""

    def __init__(self, variables: Mapping[str, str]) -> None:
        def style(name: str, bold: bool = False) -> Style:
            value = variables.get(name)
            try:
                color = Color.parse(value) if value is not None else None
            except ColorParseError:
                color = None  # e.g. "auto 60%", which only CSS can resolve
            if color is None:
                return Style(bold=bold, dim=name == "text-muted")
            return Style(color=color.rich_color, bold=bold)

        self.state = {s: style(v, bold=s is MonitorState.DOWN) for s, v in STATE_VARIABLE.items()}
        self.severity = {k: style(v, bold=k == "SEV1") for k, v in SEVERITY_VARIABLE.items()}
        self.error = style("error")
        self.success = style("success")
        self.muted = style("text-muted")


PLAIN = Palette({})

# Failing first, then the rest (DOWN, PENDING, DEGRADED, UNKNOWN, MAINTENANCE, UP).
STATE_RANK = {
    MonitorState.DOWN: 0,
    MonitorState.PENDING: 1,
    MonitorState.DEGRADED: 2,
    MonitorState.UNKNOWN: 3,
    MonitorState.MAINTENANCE: 4,
    MonitorState.UP: 5,
}


def literal(text: str, style: str | Style = "", limit: int = 200) -> Text:
    """Outside text as a Text, never parsed as markup; control characters made visible."""
    clean = "".join(ch if ch.isprintable() else "�" for ch in text[:limit])
    return Text(clean, style=style, overflow="ellipsis")


def state_cell(state: MonitorState, palette: Palette = PLAIN) -> Text:
    return Text(state.label, style=palette.state[state], no_wrap=True)


def age(seconds: float) -> str:
    """``45s``, ``12m``, ``3h05m``, ``2d4h``: the two largest units."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600}h"


def latency(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    return f"{seconds:.2f}s"


def uptime(percent: float | None) -> str:
    if percent is None:
        return "—"
    if percent >= 99.995:
        return "100%"
    return f"{percent:.2f}%"


def sparkline(values: Sequence[float], width: int = 10) -> str:
    """Latency trend as block characters, scaled to the window's own range."""
    vals = list(values)[-width:]
    if not vals:
        return ""
    low, high = min(vals), max(vals)
    span = high - low
    if span <= 0:
        return SPARK[0] * len(vals)
    return "".join(SPARK[min(7, int((v - low) / span * 7.999))] for v in vals)
