"""``statuscat incident …``: list, show, open, ack, update, resolve, page, owner, severity.

Every action is committed to the database before the command reports it done;
a running engine (in another process) picks it up within a second.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from statuscat_tui.commands.common import (
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    parse_id,
    print_json,
    run_service,
)
from statuscat_tui.core.durations import format_duration
from statuscat_tui.core.incidents import Event, Incident, response_figures
from statuscat_tui.core.model import Config
from statuscat_tui.core.states import MonitorState
from statuscat_tui.core.timeline import describe, local_time
from statuscat_tui.engine.incidents import IncidentService

T = TypeVar("T")


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add the ``incident`` command group."""
    p = sub.add_parser("incident", parents=[common], help="list and act on incidents")
    isub = p.add_subparsers(dest="incident_command", metavar="ACTION", required=True)

    def add(
        name: str, help: str, func: Callable[[argparse.Namespace], int]
    ) -> argparse.ArgumentParser:
        sp = isub.add_parser(name, parents=[common], help=help)
        sp.set_defaults(func=func)
        return sp

    sp = add("list", "active incidents (--all: resolved too)", cmd_list)
    sp.add_argument("--json", action="store_true", help="stable JSON output")
    sp.add_argument("--all", action="store_true", help="include resolved incidents")
    sp = add("show", "one incident with its timeline", cmd_show)
    sp.add_argument("id")
    sp.add_argument("--json", action="store_true", help="stable JSON output")
    sp = add("open", "open an incident by hand", cmd_open)
    sp.add_argument("--title", required=True)
    sp.add_argument("--severity", required=True, help="SEV1, SEV2 or SEV3")
    sp.add_argument("--component")
    sp.add_argument("--as", dest="person", help="who opens it (default: settings.me)")
    sp = add("ack", "acknowledge: stops all further pages", cmd_ack)
    sp.add_argument("id")
    sp.add_argument("--as", dest="person", help="who acknowledges (default: settings.me)")
    sp = add("update", "post a status update", cmd_update)
    sp.add_argument("id")
    sp.add_argument(
        "--status", required=True, help="investigating, identified, monitoring, resolved"
    )
    sp.add_argument("--message", help="the update (default: the status_updates template)")
    sp.add_argument("--as", dest="person", help="who posts it (default: settings.me)")
    sp = add("resolve", "resolve (refused while its monitors fail)", cmd_resolve)
    sp.add_argument("id")
    sp.add_argument("--force", action="store_true", help="resolve anyway (recorded)")
    sp.add_argument("--message", help="closing note")
    sp.add_argument("--as", dest="person", help="who resolves (default: settings.me)")
    sp = add("page", "pull a person or whoever is on call into the incident", cmd_page)
    sp.add_argument("id")
    target = sp.add_mutually_exclusive_group(required=True)
    target.add_argument("--person")
    target.add_argument("--schedule")
    sp.add_argument("--message")
    sp.add_argument("--as", dest="person_as", help="who pages (default: settings.me)")
    sp = add("owner", "hand the incident to someone", cmd_owner)
    sp.add_argument("id")
    sp.add_argument("person")
    sp.add_argument("--as", dest="person_as", help="who hands it over (default: settings.me)")
    sp = add("severity", "change severity (the new routing applies from now)", cmd_severity)
    sp.add_argument("id")
    sp.add_argument("severity")
    sp.add_argument("--as", dest="person", help="who changes it (default: settings.me)")


def _actor(args: argparse.Namespace, config: Config, attr: str = "person") -> str | None:
    return getattr(args, attr, None) or config.settings.me


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


async def _monitor_states(service: IncidentService) -> dict[str, str]:
    return {
        s["key"]: MonitorState(s["state"]).name for s in await service.store.monitor_snapshots()
    }


def incident_json(inc: Incident, config: Config, states: dict[str, str]) -> dict[str, Any]:
    """The documented JSON shape of one incident (see README)."""
    sev = config.severities.get(inc.severity)
    return {
        "id": inc.id,
        "title": inc.title,
        "severity": inc.severity,
        "severity_description": sev.description if sev else None,
        "state": inc.state.value,
        "public_status": inc.public_status.value,
        "owner": inc.owner,
        "opened_by": inc.opened_by,
        "components": inc.components,
        "monitors": [{"id": m, "state": states.get(m, "UNKNOWN")} for m in inc.monitors],
        "started": _iso(inc.started),
        "detected": _iso(inc.detected),
        "acknowledged": _iso(inc.acknowledged),
        "mitigated": _iso(inc.mitigated),
        "resolved": _iso(inc.resolved),
        "ready_to_resolve": inc.ready_since is not None,
        "figures": response_figures(inc),
    }


def _age(inc: Incident) -> str:
    end = inc.resolved if inc.resolved is not None else time.time()
    return format_duration(max(1, round(end - inc.started)))


def cmd_list(args: argparse.Namespace) -> int:
    async def action(service: IncidentService, config: Config) -> int:
        incidents = await service.incidents(active_only=not args.all)
        states = await _monitor_states(service)
        if args.json:
            print_json({"incidents": [incident_json(i, config, states) for i in incidents]})
            return EXIT_OK
        if not incidents:
            print("no active incidents" if not args.all else "no incidents")
            return EXIT_OK
        rows = [("ID", "SEV", "STATE", "STATUS", "AGE", "OWNER", "TITLE")]
        for i in incidents:
            title = i.title + ("  [ready to resolve]" if i.ready_since is not None else "")
            rows.append(
                (
                    f"#{i.id}",
                    i.severity,
                    i.state.value,
                    i.public_status.value,
                    _age(i),
                    i.owner or "-",
                    title,
                )
            )
        widths = [max(len(r[c]) for r in rows) for c in range(6)]
        for r in rows:
            print("  ".join(r[c].ljust(widths[c]) for c in range(6)) + "  " + r[6])
        return EXIT_OK

    return run_service(args, action)


def cmd_show(args: argparse.Namespace) -> int:
    incident_id = parse_id(args.id)

    async def action(service: IncidentService, config: Config) -> int:
        inc = await service.get(incident_id)
        events = await service.timeline(incident_id)
        pages = await service.pages(incident_id)
        states = await _monitor_states(service)
        tz = ZoneInfo(config.settings.timezone)
        if args.json:
            data = incident_json(inc, config, states)
            data["timeline"] = [_event_json(e) for e in events]
            data["pages"] = [
                {k: p[k] for k in ("person", "target", "kind", "status", "attempts", "last_error")}
                | {"delivered": _iso(p["delivered"])}
                for p in pages
            ]
            print_json(data)
            return EXIT_OK
        _print_incident(inc, config, states, events, pages, tz)
        return EXIT_OK

    return run_service(args, action)


def _event_json(e: Event) -> dict[str, Any]:
    return {
        "at": _iso(e.at),
        "kind": e.kind.value,
        "actor": e.actor,
        "text": describe(e),
        "data": e.data,
    }


def _print_incident(
    inc: Incident,
    config: Config,
    states: dict[str, str],
    events: list[Event],
    pages: list[dict[str, Any]],
    tz: ZoneInfo,
) -> None:
    sev = config.severities.get(inc.severity)
    print(f"#{inc.id} {inc.title}")
    print(f"  severity  {inc.severity}" + (f" — {sev.description}" if sev else ""))
    ready = "  (ready to resolve)" if inc.ready_since is not None else ""
    print(f"  state     {inc.state.value}, public status {inc.public_status.value}{ready}")
    print(f"  owner     {inc.owner or '-'}")
    if inc.components:
        print(f"  component {', '.join(inc.components)}")
    for m in inc.monitors:
        state = states.get(m, "UNKNOWN")
        symbol = MonitorState[state].symbol if state in MonitorState.__members__ else "?"
        mon = next((x for x in config.monitors if x.id == m), None)
        print(
            f"  monitor   {symbol} {state} {m}"
            + (f" — runbook: {mon.runbook}" if mon and mon.runbook else "")
        )
    figures = {k: v for k, v in response_figures(inc).items() if v is not None}
    if figures:
        print(
            "  figures   "
            + ", ".join(
                f"{k.replace('time_to_', 'to ')} {format_duration(max(1, round(v)))}"
                for k, v in figures.items()
            )
        )
    if pages:
        print("pages:")
        for p in pages:
            err = f" ({p['last_error']})" if p["last_error"] else ""
            print(f"  {p['kind']:<9} {p['person']:<12} {p['target']:<32} {p['status']}{err}")
    print("timeline:")
    for e in events:
        print(f"  {local_time(e.at, tz)}  {describe(e)}")


def _done(text: str) -> int:
    print(text)
    return EXIT_OK


def cmd_open(args: argparse.Namespace) -> int:
    async def action(service: IncidentService, config: Config) -> int:
        inc = await service.open(
            args.title, args.severity.upper(), args.component, by=_actor(args, config)
        )
        return _done(f"opened incident #{inc.id}: {inc.title} ({inc.severity})")

    return run_service(args, action)


def cmd_ack(args: argparse.Namespace) -> int:
    incident_id = parse_id(args.id)

    async def action(service: IncidentService, config: Config) -> int:
        person = _actor(args, config)
        if person is None:
            raise CommandError("say who acknowledges: --as PERSON (or set settings.me)", EXIT_USAGE)
        inc = await service.acknowledge(incident_id, person)
        return _done(f"#{inc.id} acknowledged by {person}; owner {inc.owner}; no more pages")

    return run_service(args, action)


def cmd_update(args: argparse.Namespace) -> int:
    incident_id = parse_id(args.id)

    async def action(service: IncidentService, config: Config) -> int:
        message = args.message
        if message is None:
            inc = await service.get(incident_id)
            if not hasattr(config.status_updates, args.status.lower()):
                raise CommandError(f"unknown status {args.status!r}", EXIT_USAGE)
            message = service.template(args.status.lower(), inc)
        inc = await service.update(incident_id, args.status, message, by=_actor(args, config))
        return _done(f"#{inc.id} is now {inc.public_status.value}: {message}")

    return run_service(args, action)


def cmd_resolve(args: argparse.Namespace) -> int:
    incident_id = parse_id(args.id)

    async def action(service: IncidentService, config: Config) -> int:
        inc = await service.resolve(
            incident_id, by=_actor(args, config), force=args.force, message=args.message
        )
        return _done(f"#{inc.id} resolved" + (" (forced)" if args.force else ""))

    return run_service(args, action)


def cmd_page(args: argparse.Namespace) -> int:
    incident_id = parse_id(args.id)

    async def action(service: IncidentService, config: Config) -> int:
        who = await service.page(
            incident_id,
            person=args.person,
            schedule=args.schedule,
            message=args.message,
            by=_actor(args, config, "person_as"),
        )
        return _done(f"paging {who} into #{incident_id}")

    return run_service(args, action)


def cmd_owner(args: argparse.Namespace) -> int:
    incident_id = parse_id(args.id)

    async def action(service: IncidentService, config: Config) -> int:
        inc = await service.set_owner(
            incident_id, args.person, by=_actor(args, config, "person_as")
        )
        return _done(f"#{inc.id} is now owned by {inc.owner}")

    return run_service(args, action)


def cmd_severity(args: argparse.Namespace) -> int:
    incident_id = parse_id(args.id)

    async def action(service: IncidentService, config: Config) -> int:
        inc = await service.change_severity(
            incident_id, args.severity.upper(), by=_actor(args, config)
        )
        sev = config.severities[inc.severity]
        return _done(f"#{inc.id} is now {inc.severity} — {sev.description} (pages: {sev.page})")

    return run_service(args, action)
