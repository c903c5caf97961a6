"""Short, single-line cell text for the dashboard, and the one rule for outside text.

Outside text is anything the app did not write itself: monitor and component
names, probe reasons, incident titles, status updates, postmortems, people's
names, exception messages. It reaches the screen only through :func:`visible`
(a ``str``), :func:`literal` (a Rich ``Text``) or :func:`literal_content` (a
Textual ``Content``), never through markup, so ``[bold red]x[/]`` shows with its
brackets and ``[@click=app.quit]`` is only text.

The rule for characters a terminal would act on rather than show:

- C0 controls become their Unicode control pictures: ``\x1b`` → ``␛``,
  ``\r`` → ``␍``, ``\b`` → ``␈``, ``\x00`` → ``␀``; DEL becomes ``␡``;
- a newline is ``␤`` on a single line, and stays a line break in multi-line text
  (a status update, a postmortem); a tab is a space on a single line;
- C1 controls (``\x80``–``\x9f``, e.g. the 8-bit CSI ``\x9b``), bidirectional
  overrides, zero-width and other invisible format characters, unassigned and
  private-use code points become ``�``; other Unicode spaces become a space.

So an escape sequence in a response body shows as ``␛[2J`` and never reaches the
terminal as one, and text cannot reorder or hide itself.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text
from textual.color import Color, ColorParseError
from textual.content import Content

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


# For text fields (``Input(restrict=...)``): a value with a control character is refused.
NO_CONTROLS = r"[^\x00-\x1f\x7f-\x9f]*"

REPLACEMENT = "\ufffd"  # �
NEWLINE = "\u2424"  # ␤
ELLIPSIS = "…"

_ONE_LINE = {c: chr(0x2400 + c) for c in range(0x20)}  # ␀ … ␟ (␛ for ESC)
_ONE_LINE |= {0x09: " ", 0x0A: NEWLINE, 0x7F: "\u2421"}  # tab, newline, ␡
_ONE_LINE |= {c: REPLACEMENT for c in range(0x80, 0xA0)}
_ONE_LINE |= {0x2028: NEWLINE, 0x2029: NEWLINE}
_MULTI_LINE = _ONE_LINE | {0x09: "\t", 0x0A: "\n", 0x2028: "\n", 0x2029: "\n"}


def visible(text: str, *, multiline: bool = False) -> str:
    """``text`` with nothing a terminal would act on (see the module docstring)."""
    if text.isprintable():
        return text  # the common case: nothing to replace
    if multiline:
        text = text.replace("\r\n", "\n").translate(_MULTI_LINE)
        rest = text.replace("\n", "").replace("\t", "")
    else:
        rest = text = text.translate(_ONE_LINE)
    if rest.isprintable():
        return text
    return "".join(_char(ch, multiline) for ch in text)


def _char(ch: str, multiline: bool) -> str:
    if ch.isprintable() or (multiline and ch in "\n\t"):
        return ch
    return " " if unicodedata.category(ch) == "Zs" else REPLACEMENT


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` terminal cells, ending in "…" when cut."""
    if text.isascii() and text.isprintable():  # one cell per character
        return text if len(text) <= limit else text[: max(0, limit - 1)] + ELLIPSIS[:limit]
    if cell_len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    return set_cell_size(text, limit - 1).rstrip(" ") + ELLIPSIS


def shown(text: str, limit: int | None = None, *, multiline: bool = False) -> str:
    """Outside text as a plain string for the screen: :func:`visible`, then cut to ``limit``.

    Only the start of a huge text (a 1 MB body) is looked at.
    """
    if limit is None:
        return visible(text, multiline=multiline)
    head = text[: limit * 4 + 16]  # no character is narrower than a quarter of a cell
    out = clip(visible(head, multiline=multiline), limit)
    if len(head) < len(text) and not out.endswith(ELLIPSIS):  # cut: say so
        if cell_len(out) >= limit:
            out = set_cell_size(out, limit - 1).rstrip(" ")
        out += ELLIPSIS
    return out


def literal(
    text: str, style: str | Style = "", limit: int = 200, *, multiline: bool = False
) -> Text:
    """Outside text as a Text, never parsed as markup; control characters made visible."""
    return Text(shown(text, limit, multiline=multiline), style=style, overflow="ellipsis")


def literal_content(text: str, limit: int | None = None, *, multiline: bool = False) -> Content:
    """Outside text as a Textual Content (for widgets that take Content), never markup."""
    return Content(shown(text, limit, multiline=multiline))


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
