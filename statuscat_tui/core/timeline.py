"""Timeline events as one line of plain text (CLI, dashboard, postmortem)."""

from __future__ import annotations

from datetime import datetime
from typing import assert_never
from zoneinfo import ZoneInfo

from statuscat_tui.core.incidents import Event, EventKind


def describe(e: Event) -> str:
    d = e.data
    who = e.actor or "StatusCat"
    k = e.kind
    if k is EventKind.OPENED:
        return f"{who} opened the incident ({d.get('severity')}): {d.get('title')}"
    if k is EventKind.DETECTED:
        text = f"{d.get('monitor')} confirmed DOWN: {d.get('reason')}"
        if d.get("suppressed_by"):
            text += f" (suppressed: {d['suppressed_by']} is down)"
        return text
    if k is EventKind.PAGED:
        via = f" (on call for {d['schedule']})" if d.get("schedule") else ""
        channels = ", ".join(d.get("channels") or []) or "no channels"
        return f"paged {d.get('person')}{via}, step {d.get('step')}, via {channels}"
    if k is EventKind.PAGE_DEFERRED:
        return f"page deferred until {d.get('until')} (business hours)"
    if k is EventKind.NOT_PAGED:
        return f"nobody paged: {d.get('why')}"
    if k is EventKind.DELIVERY_SUCCEEDED:
        return f"{_what(d)} delivered to {d.get('person')} via {d.get('target')}"
    if k is EventKind.DELIVERY_FAILED:
        if d.get("schedule"):
            return f"could not page schedule {d['schedule']}: {d.get('detail')}"
        if d.get("interrupted"):
            return (
                f"{_what(d)} to {d.get('person')} via {d.get('target')} was being sent when"
                " the engine stopped; not sent again (it may not have arrived)"
            )
        tail = "giving up" if d.get("final") else "will retry"
        return (
            f"{_what(d)} to {d.get('person')} via {d.get('target')} failed "
            f"(attempt {d.get('attempt')}): {d.get('detail')}; {tail}"
        )
    if k is EventKind.ESCALATED:
        return f"no acknowledgement: escalated to step {d.get('step')} (round {d.get('cycle')})"
    if k is EventKind.ACKNOWLEDGED:
        return f"{who} acknowledged"
    if k is EventKind.OWNER_CHANGED:
        return f"owner: {d.get('from') or 'nobody'} → {d.get('to')} (by {who})"
    if k is EventKind.SEVERITY_CHANGED:
        return f"{who} changed severity {d.get('from')} → {d.get('to')}"
    if k is EventKind.STATUS_UPDATE:
        return f"{who} posted {str(d.get('status', '')).capitalize()}: {d.get('message')}"
    if k is EventKind.RESPONDER_ADDED:
        via = f" (on call for {d['schedule']})" if d.get("schedule") else ""
        return f"{who} paged {d.get('person')}{via} into the incident"
    if k is EventKind.MONITOR_RECOVERED:
        return f"{d.get('monitor')} recovered: {d.get('reason')}"
    if k is EventKind.READY_TO_RESOLVE:
        return "monitors healthy long enough: ready to resolve"
    if k is EventKind.RESOLVED:
        msg = f": {d['message']}" if d.get("message") else ""
        return f"{who} resolved the incident{msg}"
    if k is EventKind.RESOLVE_FORCED:
        return f"{who} forced resolution while {', '.join(d.get('failing') or [])} still failing"
    if k is EventKind.REOPENED:
        return f"reopened: {d.get('monitor')} failed again ({d.get('reason')})"
    assert_never(k)  # mypy fails here if a kind above is missing


def _what(data: dict[str, object]) -> str:
    kind = data.get("kind", "page")
    return "resolution notice" if kind == "resolved" else "page"


def local_time(ts: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M:%S")
