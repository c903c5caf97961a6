"""Monitor states shown everywhere, with a symbol and a word (never colour alone)."""

from __future__ import annotations

import enum


class MonitorState(enum.IntEnum):
    UNKNOWN = 0
    UP = 1
    DEGRADED = 2
    PENDING = 3
    DOWN = 4
    MAINTENANCE = 5

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]

    @property
    def label(self) -> str:
        return f"{_SYMBOLS[self]} {self.name}"


_SYMBOLS = {
    MonitorState.UNKNOWN: "?",
    MonitorState.UP: "✔",
    MonitorState.DEGRADED: "▲",
    MonitorState.PENDING: "…",
    MonitorState.DOWN: "✖",
    MonitorState.MAINTENANCE: "⏸",
}
