"""Durations as people write them in config: ``500ms``, ``30s``, ``5m``, ``1h``, ``2d``, ``1w``."""

from __future__ import annotations

import re

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_WHOLE = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+")


def parse_duration(text: str) -> float:
    """Return the duration in seconds; raise ValueError for anything else.

    Compound forms such as ``1h30m`` are accepted. A bare number is refused on
    purpose: ``interval: 30`` is ambiguous (seconds? minutes?).
    """
    compact = text.strip().replace(" ", "")
    if not compact or not _WHOLE.fullmatch(compact):
        raise ValueError(f"{text!r} is not a duration (use e.g. 30s, 5m, 1h)")
    return sum(float(n) * _UNITS[u] for n, u in _PART.findall(compact))


def format_duration(seconds: float) -> str:
    """Spell ``seconds`` the way config does, e.g. ``1m40s``; parse_duration reads it back."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    rest = round(seconds)
    parts = []
    for unit in ("w", "d", "h", "m", "s"):
        size = int(_UNITS[unit])
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(parts)
