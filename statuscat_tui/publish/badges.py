"""``badges/<component>.svg``: the component's status and 30-day uptime."""

from __future__ import annotations

from xml.sax.saxutils import escape

from statuscat_tui.core.statuspage import ComponentStatus, PublicComponent
from statuscat_tui.publish.atom import clean

COLOURS = {
    ComponentStatus.OPERATIONAL: "#2e7d32",
    ComponentStatus.UNDER_MAINTENANCE: "#1565c0",
    ComponentStatus.DEGRADED_PERFORMANCE: "#a15c00",
    ComponentStatus.PARTIAL_OUTAGE: "#c43e00",
    ComponentStatus.MAJOR_OUTAGE: "#b71c1c",
}
LABEL_COLOUR = "#555"
CHAR_WIDTH = 6.6  # Verdana 11px averages about this; a few pixels of slack are fine
PAD = 10
MAX_LABEL = 40


def _width(text: str) -> int:
    return int(len(text) * CHAR_WIDTH + 2 * PAD)


def badge(c: PublicComponent) -> str:
    label = clean(c.name if len(c.name) <= MAX_LABEL else c.name[: MAX_LABEL - 1] + "…")
    uptime = f"{c.uptime_30d:.2f}%".replace("100.00%", "100%") if c.uptime_30d is not None else ""
    value = c.status.label.lower() + (f" · {uptime} 30d" if uptime else "")
    lw, vw = _width(label), _width(value)
    total = lw + vw
    colour = COLOURS[c.status]
    title = f"{label}: {value}"
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" \
aria-label="{escape(title, {'"': "&quot;"})}">
<title>{escape(title)}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>\
<stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="{lw}" height="20" fill="{LABEL_COLOUR}"/>\
<rect x="{lw}" width="{vw}" height="20" fill="{colour}"/>\
<rect width="{total}" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" \
font-size="11">
<text x="{lw / 2:.1f}" y="14">{escape(label)}</text>
<text x="{lw + vw / 2:.1f}" y="14">{escape(value)}</text>
</g>
</svg>
"""
