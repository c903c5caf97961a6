"""The wallboard: every component at a glance, for a big screen across a room.

Nothing to press: a verdict line with the snapshot's time, one banner per
active incident and one tile per component. The layout is planned from the
terminal size, so it fills 200x60 with large tiles and still fits 80x24.
``show()`` rewrites the existing widgets in place on every refresh; widgets are
only mounted or removed when the number of tiles or banners changes.

Outside text (monitor and component names, reasons, incident titles, the
page title) only ever enters as ``rich.text.Text``, never as markup, and after
``format.shown`` (imported as ``outside``: control characters made visible,
length capped), so it is shown literally.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import ClassVar, Literal

from rich.cells import cell_len
from rich.style import StyleType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Digits, Static

from statuscat_tui.core.states import MonitorState
from statuscat_tui.engine.session import IncidentView, MonitorView, Snapshot
from statuscat_tui.ui.alerts import channel_alert_text
from statuscat_tui.ui.format import shown as outside

__all__ = [
    "ComponentTile",
    "GridPlan",
    "IncidentBanner",
    "TileData",
    "WallboardScreen",
    "failing_lines",
    "format_age",
    "group_tiles",
    "pick_tiles",
    "plan_grid",
    "verdict",
]

OTHER = "Other"
# Worst first: a component shows its worst monitor. MAINTENANCE outranks UP so
# planned work is visible, but nothing that is actually failing.
RANK = {
    MonitorState.UP: 0,
    MonitorState.MAINTENANCE: 1,
    MonitorState.UNKNOWN: 2,
    MonitorState.PENDING: 3,
    MonitorState.DEGRADED: 4,
    MonitorState.DOWN: 5,
}
STATE_CLASSES = {state: f"-{state.name.lower()}" for state in MonitorState}
OK_STATES = frozenset({MonitorState.UP, MonitorState.MAINTENANCE})

# Grid geometry, in terminal cells (tiles include their border).
MIN_TILE_WIDTH = 24  # "▲ DEGRADED  10/12 up" plus border and padding
MIN_TILE_HEIGHT = 4  # border, state line, one line of failing names
LARGE_TILE_WIDTH = 20  # the big word falls back to one line where it does not fit
LARGE_TILE_HEIGHT = 10  # name, 3-line state word, count, failing list
LARGE_TILE_FIXED = 7  # rows above a large tile's failing list: name, gap, word, count, gap
TILE_ASPECT = 2.5  # cells are twice as tall as wide: 2.5 columns per row looks landscape
BIG_SCREEN = (120, 40)  # from here on: 3-line header and banners, a big clock
SMALL_HEADER, BIG_HEADER = 1, 3
SMALL_BANNER, BIG_BANNER = 1, 3
MAX_TEXT = 300  # cells of a name or reason kept: more than the widest screen shows

Level = Literal["ok", "warn", "bad"]


# -- what to show (pure) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TileData:
    """One component's tile: its worst state, monitors up, and those not up."""

    name: str
    worst: MonitorState
    up: int
    total: int
    failing: tuple[tuple[MonitorState, str, str], ...]  # (state, name, reason), worst first

    @property
    def ok(self) -> bool:
        return self.worst in OK_STATES


def group_tiles(monitors: Iterable[MonitorView]) -> list[TileData]:
    """Monitors grouped into tiles by component, in the order they are configured.

    A monitor without a component is a tile of its own, named after it, unless
    the config uses components and several monitors have none: those share an
    "Other" tile at the end, so a few stragglers do not crowd out the components.
    """
    monitors = list(monitors)
    loose = [m for m in monitors if not m.component]
    share = len(loose) > 1 and len(loose) < len(monitors)
    groups: dict[tuple[bool, str], list[MonitorView]] = {}
    for m in monitors:
        if m.component:
            key = (False, m.component)
        elif share:
            key = (True, OTHER)  # sorts after the components below
        else:
            key = (False, m.name)
        groups.setdefault(key, []).append(m)
    order = sorted(groups, key=lambda k: k[0])  # stable: configured order within each part
    return [_tile(name, groups[(other, name)]) for other, name in order]


def _tile(name: str, monitors: Sequence[MonitorView]) -> TileData:
    worst = max((m.state for m in monitors), key=RANK.__getitem__)
    not_up = sorted((m for m in monitors if m.state is not MonitorState.UP), key=_worst_first)
    return TileData(
        name=outside(name, MAX_TEXT),
        worst=worst,
        up=sum(m.state is MonitorState.UP for m in monitors),
        total=len(monitors),
        failing=tuple(
            (m.state, outside(m.name, MAX_TEXT), outside(m.reason, MAX_TEXT)) for m in not_up
        ),
    )


def _worst_first(m: MonitorView) -> int:
    return -RANK[m.state]


def pick_tiles(tiles: Sequence[TileData], capacity: int) -> tuple[list[TileData], list[TileData]]:
    """(shown, hidden): all in configured order if they fit, else the worst first.

    When they do not fit, one cell is kept for the "+N more" tile.
    """
    if len(tiles) <= capacity:
        return list(tiles), []
    ranked = sorted(tiles, key=lambda t: -RANK[t.worst])
    keep = max(0, capacity - 1)
    return ranked[:keep], ranked[keep:]


@dataclass(frozen=True, slots=True)
class GridPlan:
    columns: int
    rows: int
    tile_width: int
    tile_height: int

    @property
    def capacity(self) -> int:
        return self.columns * self.rows

    @property
    def large(self) -> bool:
        return self.tile_width >= LARGE_TILE_WIDTH and self.tile_height >= LARGE_TILE_HEIGHT


def plan_grid(count: int, width: int, height: int) -> GridPlan:
    """Columns and rows for ``count`` tiles in ``width`` x ``height`` cells.

    Picks the biggest tiles (by their shorter side, aspect-corrected), then the
    fewest empty cells. If even the smallest tiles cannot hold them all, fills
    the area with minimum-size tiles and the caller shows a "+N more" tile.
    """
    width, height = max(1, width), max(1, height)
    max_cols = max(1, width // MIN_TILE_WIDTH)
    max_rows = max(1, height // MIN_TILE_HEIGHT)
    best: tuple[tuple[float, int, int], GridPlan] | None = None
    for cols in range(1, min(max(count, 1), max_cols) + 1):
        rows = math.ceil(max(count, 1) / cols)
        if rows > max_rows:
            continue
        plan = GridPlan(cols, rows, width // cols, height // rows)
        score = (min(plan.tile_width / TILE_ASPECT, plan.tile_height), -(cols * rows), cols)
        if best is None or score > best[0]:
            best = (score, plan)
    if best is not None:
        return best[1]
    return GridPlan(max_cols, max_rows, width // max_cols, height // max_rows)


def verdict(snapshot: Snapshot | None) -> tuple[str, Level]:
    """The header's one-line answer to "is everything all right?", and how bad it is."""
    if snapshot is None:
        return "… WAITING FOR DATA", "warn"
    incidents = snapshot.incidents
    states = Counter(m.state for m in snapshot.monitors)
    if incidents:
        severities = Counter(i.severity for i in incidents)
        by_severity = ", ".join(f"{severities[s]} {s}" for s in sorted(severities))
        plural = "S" if len(incidents) != 1 else ""
        serious = any(s in ("SEV1", "SEV2") for s in severities) or states[MonitorState.DOWN]
        level: Level = "bad" if serious else "warn"
        symbol = "✖" if level == "bad" else "▲"
        return f"{symbol} {len(incidents)} INCIDENT{plural} — {by_severity}", level
    if not snapshot.monitors:
        return "? NO MONITORS", "warn"
    problems = [
        f"{states[s]} {s.name}"
        for s in (MonitorState.DOWN, MonitorState.DEGRADED, MonitorState.PENDING)
        if states[s]
    ]
    if problems:
        level = "bad" if states[MonitorState.DOWN] else "warn"
        symbol = "✖" if level == "bad" else "▲"
        return f"{symbol} {', '.join(problems)} — NO INCIDENT OPEN", level
    if states[MonitorState.UNKNOWN] == len(snapshot.monitors):
        return "? WAITING FOR FIRST CHECKS", "warn"
    if states[MonitorState.UNKNOWN]:
        return f"? {states[MonitorState.UNKNOWN]} NOT CHECKED YET", "warn"
    text = "✔ ALL SYSTEMS OPERATIONAL"
    if states[MonitorState.MAINTENANCE]:
        text += f" · {states[MonitorState.MAINTENANCE]} IN MAINTENANCE"
    return text, "ok"


def format_age(seconds: float) -> str:
    """A short age for a room: 45s, 12m, 3h 05m, 2d 4h."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


def clip_words(text: str, width: int) -> str:
    """``text`` cut at a word boundary to fit ``width`` cells, with "…" if cut."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    words = text.split(" ")
    out = ""
    for word in words:
        candidate = f"{out} {word}" if out else word
        if cell_len(candidate) + 1 > width:
            break
        out = candidate
    if not out:  # a single word longer than the space: nothing to do but cut it
        out = text[: width - 1]
        while cell_len(out) > width - 1:
            out = out[:-1]
    return out.rstrip(" ,;:—-") + "…"


def failing_lines(
    failing: Sequence[tuple[MonitorState, str, str]],
    width: int,
    height: int,
    *,
    reason_style: StyleType = "",
) -> list[Text]:
    """The monitors that are not up, laid out in ``width`` x ``height`` cells.

    One per line when there is room (with as much of the reason as fits),
    else as many whole names on one line as fit, then "+N more". Names are never
    cut mid-word unless a single name is wider than the tile.
    """
    if not failing or width <= 0 or height <= 0:
        return []
    if height >= 2 or len(failing) == 1:
        lines: list[Text] = []
        room = height if len(failing) <= height else height - 1
        for state, name, reason in failing[:room]:
            label = clip_words(f"{state.symbol} {name}", width)
            line = Text(label)
            space = width - cell_len(label) - 3
            if reason and space >= 8 and not label.endswith("…"):
                line.append(" — " + clip_words(reason, space), style=reason_style)
            lines.append(line)
        if room < len(failing):
            lines.append(Text(f"+{len(failing) - room} more", style=reason_style))
        return lines
    line = Text()
    for shown, (state, name, _) in enumerate(failing):
        part = f"{state.symbol} {name}"
        rest = len(failing) - shown - 1
        suffix = f" +{rest} more" if rest else ""
        sep = "  " if shown else ""
        if cell_len(line.plain + sep + part + suffix) > width:
            more = f"+{len(failing) - shown} more"
            line.append((" " if shown else "") + more, style=reason_style)
            break
        line.append(sep + part)
    return [line]


# The state words in a 3-line box-drawing font, in the style of Textual's Digits.
_FONT: dict[str, tuple[str, str, str]] = {
    "A": ("╭─╮", "├─┤", "╵ ╵"),
    "C": ("╭─╴", "│  ", "╰─╴"),
    "D": ("┌─╮", "│ │", "└─╯"),
    "E": ("╭─╴", "├─ ", "╰─╴"),
    "G": ("╭─╴", "│╶╮", "╰─╯"),
    "I": ("╶┬╴", " │ ", "╶┴╴"),
    "K": ("│╭╯", "├┤ ", "│╰╮"),
    "M": ("╭┬╮", "│││", "╵╵╵"),
    "N": ("╭╮╷", "│││", "╵╰╯"),
    "O": ("╭─╮", "│ │", "╰─╯"),
    "P": ("┌─╮", "├─╯", "╵  "),
    "R": ("┌─╮", "├┬╯", "╵╰╴"),
    "T": ("╶┬╴", " │ ", " ╵ "),
    "U": ("╷ ╷", "│ │", "╰─╯"),
    "W": ("╷╷╷", "│││", "╰┴╯"),
}


# Heavy lines carry further across a room than light ones (as in Digits' bold font).
_HEAVY = str.maketrans("─│┌╭┐╮└╰┘╯├┤┬┴╴╶╵╷", "━┃┏┏┓┓┗┗┛┛┣┫┳┻╸╺╹╻")


def big_word(state: MonitorState) -> list[str] | None:
    """The state's symbol and name as three lines of large letters."""
    rows = ["  ", f"{state.symbol} ", "  "]
    for letter in state.name:
        glyph = _FONT.get(letter)
        if glyph is None:
            return None
        rows = [row + " " + part for row, part in zip(rows, glyph, strict=True)]
    return [row.translate(_HEAVY) for row in rows]


# -- widgets ---------------------------------------------------------------------


class BigState(Widget):
    """The tile's state in large letters, or in one bold line when narrow."""

    DEFAULT_CSS = """
    BigState {
        height: 3;
        content-align: center middle;
        text-align: center;
        text-style: bold;
    }
    """

    def __init__(self, state: MonitorState) -> None:
        super().__init__()
        self.state = state

    def set_state(self, state: MonitorState) -> None:
        if state is not self.state:
            self.state = state
            self.refresh()

    def render(self) -> Text:
        rows = big_word(self.state)
        if rows is not None and max(cell_len(r) for r in rows) <= self.content_size.width:
            return Text("\n".join(rows))
        return Text(self.state.label)


class FailingList(Widget):
    """The monitors of a tile that are not up, fitted to the space it has."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"failing-list--reason"}
    DEFAULT_CSS = """
    FailingList {
        height: auto;
    }
    FailingList > .failing-list--reason {
        color: $text-muted;
        text-style: not bold;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.items: tuple[tuple[MonitorState, str, str], ...] = ()
        self.max_lines = 1

    def set_items(self, items: tuple[tuple[MonitorState, str, str], ...], max_lines: int) -> None:
        """Show ``items`` in at most ``max_lines`` lines (the tile knows its room)."""
        if (items, max_lines) != (self.items, self.max_lines):
            self.items, self.max_lines = items, max_lines
            # An explicit height lets a large tile centre its content vertically.
            self.styles.height = min(len(items), max(1, max_lines))
            self.refresh()

    def render(self) -> Text:
        size = self.content_size
        style = self.get_component_rich_style("failing-list--reason")
        lines = failing_lines(self.items, size.width, size.height, reason_style=style)
        return Text("\n").join(lines)


class ComponentTile(Vertical):
    """One component: name, worst state (symbol and word), monitors up, what is failing."""

    DEFAULT_CSS = """
    ComponentTile {
        height: 1fr;
        width: 1fr;
        padding: 0 1;
        border: round $success;
        border-title-style: bold;
        border-title-color: $foreground;
        background: $surface;
        color: $text-success;
    }
    ComponentTile.-down {
        border: heavy $foreground;
        background: $error;
        color: $text;
        border-title-color: $text;
    }
    ComponentTile.-degraded, ComponentTile.-pending {
        border: heavy $warning;
        background: $warning-muted;
        color: $text-warning;
    }
    ComponentTile.-maintenance {
        border: round $primary;
        color: $text-primary;
    }
    ComponentTile.-unknown {
        border: dashed $foreground-muted;
        color: $text-muted;
    }
    ComponentTile > .tile-name {
        height: 1;
        width: 1fr;
        text-align: center;
        text-style: bold;
        color: $foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        display: none;
    }
    ComponentTile.-down > .tile-name { color: $text; }
    ComponentTile > .tile-state {
        height: 1;
        text-style: bold;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    ComponentTile > BigState, ComponentTile > .tile-count { display: none; }
    ComponentTile > .tile-count {
        height: 1;
        margin-bottom: 1;
        text-align: center;
        color: $foreground;
    }
    ComponentTile.-down > .tile-count { color: $text; }
    ComponentTile.-large > .tile-name,
    ComponentTile.-large > BigState,
    ComponentTile.-large > .tile-count { display: block; }
    ComponentTile.-large > .tile-state { display: none; }
    ComponentTile.-large { align-vertical: middle; }
    ComponentTile.-large > BigState { margin-top: 1; }
    """

    def __init__(self, data: TileData, *, large: bool = False, height: int = 0) -> None:
        super().__init__()
        self.data = data
        self.large = large
        self.tile_height = height
        self._name_label = Static(classes="tile-name")
        self._state_line = Static(classes="tile-state")
        self._big_state = BigState(data.worst)
        self._count_line = Static(classes="tile-count")
        self._failing_list = FailingList()
        self._apply()

    def compose(self) -> ComposeResult:
        yield self._name_label
        yield self._state_line
        yield self._big_state
        yield self._count_line
        yield self._failing_list

    def set_data(self, data: TileData, *, large: bool, height: int) -> None:
        """Show ``data`` in a tile ``height`` rows tall; a no-op when nothing changed."""
        if (data, large, height) != (self.data, self.large, self.tile_height):
            self.data, self.large, self.tile_height = data, large, height
            self._apply()

    def _apply(self) -> None:
        data = self.data
        for state, css_class in STATE_CLASSES.items():
            self.set_class(state is data.worst, css_class)
        self.set_class(self.large, "-large")
        # The name goes inside a large tile, in the border of a small one.
        self.border_title = None if self.large else Text(data.name)
        self._name_label.update(Text(data.name))
        self._state_line.update(Text(f"{data.worst.label}  {data.up}/{data.total} up"))
        self._big_state.set_state(data.worst)
        noun = "monitor" if data.total == 1 else "monitors"
        self._count_line.update(Text(f"{data.up} of {data.total} {noun} up"))
        # Rows left for the list: the border, then what sits above the list.
        above = LARGE_TILE_FIXED if self.large else 1
        self._failing_list.set_items(data.failing, max_lines=self.tile_height - 2 - above)


class MoreTile(Static):
    """Stands in for the tiles that did not fit."""

    DEFAULT_CSS = """
    MoreTile {
        height: 1fr;
        width: 1fr;
        border: round $foreground-muted;
        content-align: center middle;
        text-align: center;
        text-style: bold;
        color: $text-muted;
    }
    MoreTile.-failing {
        border: heavy $error;
        color: $text-error;
    }
    """

    def set_hidden(self, hidden: Sequence[TileData]) -> None:
        failing = sum(not t.ok for t in hidden)
        self.set_class(bool(failing), "-failing")
        text = (
            f"+{len(hidden)} more OK" if not failing else f"+{len(hidden)} more, {failing} failing"
        )
        self.update(Text(text))


class IncidentBanner(Horizontal):
    """One active incident across the top: severity, #id, title, status, owner, age."""

    DEFAULT_CSS = """
    IncidentBanner {
        height: 1;
        background: $warning-muted;
        color: $text;
    }
    IncidentBanner > Static {
        height: 1fr;
        content-align: left middle;
        text-wrap: nowrap;
    }
    IncidentBanner > .banner-severity {
        width: auto;
        padding: 0 1;
        text-style: bold;
        background: $warning;
        color: $text;
    }
    IncidentBanner.-sev1 { background: $error-muted; }
    IncidentBanner.-sev1 > .banner-severity { background: $error; }
    IncidentBanner > .banner-title {
        width: 1fr;
        padding: 0 1;
        text-style: bold;
        text-overflow: ellipsis;
    }
    IncidentBanner > .banner-meta {
        width: auto;
        padding: 0 1;
    }
    """

    def __init__(self, incident: IncidentView, now: float) -> None:
        super().__init__()
        self._severity_label = Static(classes="banner-severity")
        self._headline = Static(classes="banner-title")
        self._meta_line = Static(classes="banner-meta")
        self.key: tuple[object, ...] = ()
        self.set_incident(incident, now)

    def compose(self) -> ComposeResult:
        yield self._severity_label
        yield self._headline
        yield self._meta_line

    def set_incident(self, incident: IncidentView, now: float) -> None:
        owner = outside(incident.owner or "unowned", 40)
        parts = [outside(incident.public_status.upper(), 20), owner]
        if incident.state == "triggered":
            parts.append("not acked")
        parts.append(format_age(now - incident.started))
        key = (incident.severity, incident.id, incident.title, tuple(parts))
        if key == self.key:
            return
        self.key = key
        self.set_class(incident.severity == "SEV1", "-sev1")
        self._severity_label.update(Text(outside(incident.severity, 12)))
        self._headline.update(Text(f"#{incident.id} ") + Text(outside(incident.title, MAX_TEXT)))
        self._meta_line.update(Text(" · ".join(parts)))


class WallboardScreen(Screen[None]):
    """The whole estate, readable from across a room; ``show()`` on every refresh."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "app.pop_screen", "Dashboard", id="wallboard.close"),
        Binding("escape", "app.pop_screen", "Back", show=False),
    ]

    DEFAULT_CSS = """
    WallboardScreen {
        layout: vertical;
        background: $background;
    }
    WallboardScreen #wb-header {
        height: 1;
        background: $success-muted;
        color: $text;
    }
    WallboardScreen #wb-header.-warn { background: $warning; }
    WallboardScreen #wb-header.-bad { background: $error; }
    WallboardScreen #wb-verdict {
        width: 1fr;
        height: 1fr;
        padding: 0 1;
        content-align: left middle;
        text-style: bold;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    WallboardScreen #wb-when {
        width: auto;
        height: 1fr;
        padding: 0 1;
        content-align: right middle;
        text-align: right;
        text-wrap: nowrap;
    }
    WallboardScreen #wb-clock {
        display: none;
        width: auto;
        padding: 0 2 0 1;
    }
    WallboardScreen.-big #wb-header { height: 3; }
    WallboardScreen.-big #wb-clock { display: block; }
    WallboardScreen.-big IncidentBanner { height: 3; }
    WallboardScreen.-big IncidentBanner > .banner-severity { padding: 0 2; }
    WallboardScreen #wb-incidents { height: auto; }
    WallboardScreen #wb-more-incidents {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text;
        text-style: bold;
        display: none;
    }
    WallboardScreen #wb-channel {
        height: 1;
        background: $error;
        color: $background;
        text-style: bold;
        display: none;
    }
    WallboardScreen #wb-tiles {
        layout: grid;
        height: 1fr;
    }
    WallboardScreen #wb-empty {
        width: 1fr;
        height: 1fr;
        content-align: center middle;
        color: $text-muted;
        display: none;
    }
    """

    def __init__(
        self,
        snapshot: Snapshot | None = None,
        *,
        title: str = "StatusCat",
        tz: tzinfo | None = None,
    ) -> None:
        """``tz`` is for the header's time; None is this machine's local time."""
        super().__init__()
        self.snapshot = snapshot
        self.board_title = outside(title, 80)
        self.tz = tz
        self.plan = GridPlan(1, 1, 0, 0)
        self._tiles: list[ComponentTile] = []
        self._banners: list[IncidentBanner] = []

    def compose(self) -> ComposeResult:
        with Horizontal(id="wb-header"):
            yield Static(id="wb-verdict")
            yield Static(id="wb-when")
            yield Digits(id="wb-clock")
        yield Vertical(id="wb-incidents")
        yield Static(id="wb-more-incidents")
        yield Static(id="wb-channel")
        with Container(id="wb-tiles"):
            yield Static(Text("No monitors yet"), id="wb-empty")
            yield MoreTile()

    def on_mount(self) -> None:
        self._layout()

    def on_resize(self) -> None:
        self._layout()

    def show(self, snapshot: Snapshot) -> None:
        """Display ``snapshot``, updating the widgets already on screen."""
        self.snapshot = snapshot
        if self.is_mounted:
            self._layout()

    @property
    def tiles(self) -> list[ComponentTile]:
        """The tiles on screen, in grid order."""
        return list(self._tiles)

    @property
    def banners(self) -> list[IncidentBanner]:
        return list(self._banners)

    def _layout(self) -> None:
        width, height = self.app.size
        snapshot = self.snapshot
        big = width >= BIG_SCREEN[0] and height >= BIG_SCREEN[1]
        header_h = BIG_HEADER if big else SMALL_HEADER
        banner_h = BIG_BANNER if big else SMALL_BANNER

        incidents = sorted(
            snapshot.incidents if snapshot else (), key=lambda i: (i.severity, i.started, i.id)
        )
        # Banners take at most a third of the screen and always leave one row of tiles.
        room = max(0, min(height // 3, height - header_h - MIN_TILE_HEIGHT))
        shown_incidents = incidents
        if len(incidents) * banner_h > room:
            shown_incidents = incidents[: max(0, (room - 1) // banner_h)]
        more_incidents = len(incidents) - len(shown_incidents)
        trouble = snapshot.failing_channels if snapshot else ()
        tiles_h = (
            height
            - header_h
            - len(shown_incidents) * banner_h
            - bool(more_incidents)
            - bool(trouble)
        )

        tiles = group_tiles(snapshot.monitors if snapshot else ())
        self.plan = plan = plan_grid(len(tiles), width, tiles_h)
        shown, hidden = pick_tiles(tiles, plan.capacity)

        with self.app.batch_update():
            self.set_class(big, "-big")
            self._update_header(snapshot)
            self._update_banners(shown_incidents, snapshot.taken_at if snapshot else 0.0)
            more = self.query_one("#wb-more-incidents", Static)
            more.display = bool(more_incidents)
            plural = "S" if more_incidents != 1 else ""
            more.update(Text(f"+{more_incidents} MORE INCIDENT{plural}"))
            channel = self.query_one("#wb-channel", Static)
            channel.display = bool(trouble)
            if snapshot is not None and trouble:
                channel.update(channel_alert_text(trouble, snapshot.taken_at))
            grid = self.query_one("#wb-tiles", Container)
            grid.styles.grid_size_columns = plan.columns
            grid.styles.grid_size_rows = plan.rows
            self._update_tiles(grid, shown, large=plan.large, height=plan.tile_height)
            more_tile = self.query_one(MoreTile)
            more_tile.display = bool(hidden)
            more_tile.set_hidden(hidden)
            self.query_one("#wb-empty").display = snapshot is not None and not tiles

    def _update_header(self, snapshot: Snapshot | None) -> None:
        text, level = verdict(snapshot)
        header = self.query_one("#wb-header")
        header.set_class(level == "warn", "-warn")
        header.set_class(level == "bad", "-bad")
        self.query_one("#wb-verdict", Static).update(Text(text))
        when = self.query_one("#wb-when", Static)
        clock = self.query_one("#wb-clock", Digits)
        if snapshot is None:
            when.update(Text(self.board_title))
            clock.update("")
            return
        at = datetime.fromtimestamp(snapshot.taken_at, self.tz)
        if self.tz is None:
            at = at.astimezone()
        if self.has_class("-big"):
            when.update(Text(f"{self.board_title}\n{at:%a %d %b %Y}\n{at:%Z}"))
        else:
            when.update(Text(f"{self.board_title} · {at:%a %H:%M:%S %Z}"))
        clock.update(f"{at:%H:%M:%S}")

    def _update_banners(self, incidents: Sequence[IncidentView], now: float) -> None:
        for banner, incident in zip(self._banners, incidents, strict=False):
            banner.set_incident(incident, now)
        extra = [IncidentBanner(i, now) for i in incidents[len(self._banners) :]]
        if extra:
            self.query_one("#wb-incidents").mount_all(extra)
        for banner in self._banners[len(incidents) :]:
            banner.remove()
        self._banners = [*self._banners[: len(incidents)], *extra]

    def _update_tiles(
        self, grid: Container, shown: Sequence[TileData], *, large: bool, height: int
    ) -> None:
        for tile, data in zip(self._tiles, shown, strict=False):
            tile.set_data(data, large=large, height=height)
        extra = [ComponentTile(d, large=large, height=height) for d in shown[len(self._tiles) :]]
        if extra:
            # Before the "+N more" tile, which must stay the grid's last cell.
            grid.mount_all(extra, before=self.query_one(MoreTile))
        for tile in self._tiles[len(shown) :]:
            tile.remove()
        self._tiles = [*self._tiles[: len(shown)], *extra]
