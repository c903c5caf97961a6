"""One-line alerts shared by the dashboard and the wallboard."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from statuscat_tui.engine.session import ChannelTrouble
from statuscat_tui.ui.format import age, literal


def channel_alert_text(trouble: Sequence[ChannelTrouble], now: float) -> Text:
    """``⚠ PAGING FAILING  ada via json://host/…: HTTP 500 · 3 tries, next in 20s``."""
    first = trouble[0]
    tries = f"{first.attempts} tr{'y' if first.attempts == 1 else 'ies'}"
    if first.gave_up:
        when = f"gave up after {tries}"
    elif first.next_attempt is not None:
        when = f"{tries}, next in {age(first.next_attempt - now)}"
    else:
        when = f"{tries}, retrying"
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(" ⚠ PAGING FAILING  ")
    line.append_text(literal(f"{first.person} via {first.target}", limit=80))
    line.append(": ")
    line.append_text(literal(first.error, limit=120))
    line.append(f" · {when}")
    if len(trouble) > 1:
        line.append(f"  (+{len(trouble) - 1} more channel{'s' * (len(trouble) > 2)})")
    return line
