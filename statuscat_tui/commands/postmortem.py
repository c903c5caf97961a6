"""``statuscat postmortem …`` and ``statuscat actions …``: review after the incident."""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from statuscat_tui.commands.common import (
    EXIT_OK,
    CommandError,
    parse_id,
    print_json,
    run_service,
)
from statuscat_tui.core.model import Config
from statuscat_tui.core.postmortem import ActionItem
from statuscat_tui.engine.incidents import IncidentService


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser("postmortem", parents=[common], help="blameless postmortems")
    psub = p.add_subparsers(dest="postmortem_command", metavar="ACTION", required=True)

    def add(
        parent: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        help: str,
        func: Callable[[argparse.Namespace], int],
    ) -> argparse.ArgumentParser:
        sp = parent.add_parser(name, parents=[common], help=help)
        sp.set_defaults(func=func)
        return sp

    sp = add(psub, "export", "write the postmortem as Markdown (ID: the incident's id)", cmd_export)
    sp.add_argument("id")
    sp.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    sp = add(psub, "list", "every postmortem with its status and open actions", cmd_list)
    sp.add_argument("--json", action="store_true", help="stable JSON output")
    sp = add(psub, "create", "start a postmortem for any incident (drafted from it)", cmd_create)
    sp.add_argument("id")
    sp.add_argument("--as", dest="person", help="who creates it (default: settings.me)")
    sp = add(psub, "status", "move it: draft, in_review, published", cmd_status)
    sp.add_argument("id")
    sp.add_argument("status", choices=["draft", "in_review", "published"])
    sp.add_argument("--as", dest="person", help="who (default: settings.me)")

    a = sub.add_parser("actions", parents=[common], help="postmortem action items")
    asub = a.add_subparsers(dest="actions_command", metavar="ACTION", required=True)
    sp = add(asub, "list", "action items across all postmortems, overdue flagged", cmd_actions)
    sp.add_argument("--overdue", action="store_true", help="only open items past their due date")
    sp.add_argument("--all", action="store_true", help="include done items")
    sp.add_argument("--json", action="store_true", help="stable JSON output")
    sp = add(asub, "add", "add an action item to an incident's postmortem", cmd_action_add)
    sp.add_argument("id", help="the incident's id")
    sp.add_argument("--text", required=True)
    sp.add_argument("--owner", help="a person id")
    sp.add_argument("--due", help="YYYY-MM-DD")
    sp.add_argument("--priority", default="P2", help="P1, P2 or P3 (default P2)")
    sp = add(asub, "done", "mark an action item done", cmd_action_done)
    sp.add_argument("action_id", type=int)
    sp.add_argument("--undo", action="store_true", help="open it again")


def _actor(args: argparse.Namespace, config: Config) -> str | None:
    return getattr(args, "person", None) or config.settings.me


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def cmd_export(args: argparse.Namespace) -> int:
    incident_id = parse_id(args.id)

    async def action(service: IncidentService, config: Config) -> str:
        return await service.postmortems.export(incident_id)

    text = run_service(args, action)
    if args.out is None:
        print(text, end="")
        return EXIT_OK
    out = Path(args.out)
    try:
        _write_atomically(out, text)
    except OSError as exc:
        raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote postmortem #{incident_id} to {out}")
    return EXIT_OK


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cmd_list(args: argparse.Namespace) -> int:
    async def action(service: IncidentService, config: Config) -> list[dict[str, Any]]:
        return await service.postmortems.overview()

    rows = run_service(args, action)
    if args.json:
        print_json(
            [
                {
                    **r,
                    "updated": _iso(r["updated"]),
                    "resolved": _iso(r["resolved"]),
                }
                for r in rows
            ]
        )
        return EXIT_OK
    if not rows:
        print("no postmortems yet")
        return EXIT_OK
    for r in rows:
        flags = f"{r['actions_open']} open actions"
        if r["actions_overdue"]:
            flags += f", {r['actions_overdue']} OVERDUE"
        print(
            f"#{r['incident']:<4} {r['severity']}  {r['status']:<9}  v{r['version']:<3} "
            f"{r['title']}  ({flags})"
        )
    return EXIT_OK


def cmd_create(args: argparse.Namespace) -> int:
    incident_id = parse_id(args.id)

    async def action(service: IncidentService, config: Config) -> int:
        record = await service.postmortems.open(incident_id, by=_actor(args, config))
        print(f"postmortem #{record.incident}: {record.status.label}, version {record.version}")
        return EXIT_OK

    return run_service(args, action)


def cmd_status(args: argparse.Namespace) -> int:
    incident_id = parse_id(args.id)

    async def action(service: IncidentService, config: Config) -> int:
        record = await service.postmortems.set_status(
            incident_id, args.status, by=_actor(args, config)
        )
        print(f"postmortem #{record.incident} is now {record.status.label.lower()}")
        return EXIT_OK

    return run_service(args, action)


def _action_json(a: ActionItem, today: Any) -> dict[str, Any]:
    return {
        "id": a.id,
        "incident": a.incident,
        "text": a.text,
        "owner": a.owner,
        "due": a.due.isoformat() if a.due else None,
        "priority": a.priority.value,
        "status": a.status.value,
        "overdue": a.overdue(today),
        "created": _iso(a.created),
        "done_at": _iso(a.done_at),
    }


def cmd_actions(args: argparse.Namespace) -> int:
    async def action(service: IncidentService, config: Config) -> tuple[list[ActionItem], Any]:
        pm = service.postmortems
        return await pm.actions(overdue_only=args.overdue), pm.today()

    items, today = run_service(args, action)
    if not args.all and not args.overdue:
        items = [a for a in items if a.status.value == "open"]
    if args.json:
        print_json([_action_json(a, today) for a in items])
        return EXIT_OK
    if not items:
        print("no overdue action items" if args.overdue else "no open action items")
        return EXIT_OK
    for a in items:
        due = a.due.isoformat() if a.due else "no due date"
        mark = "  OVERDUE" if a.overdue(today) else ""
        done = " [done]" if a.status.value == "done" else ""
        print(
            f"{a.id:>4}  #{a.incident:<4} {a.priority.value}  {due:<11}  "
            f"{a.owner or 'unowned':<10} {a.text}{done}{mark}"
        )
    return EXIT_OK


def cmd_action_add(args: argparse.Namespace) -> int:
    incident_id = parse_id(args.id)

    async def action(service: IncidentService, config: Config) -> int:
        item = await service.postmortems.add_action(
            incident_id, args.text, owner=args.owner, due=args.due, priority=args.priority
        )
        print(f"action {item.id} added to postmortem #{incident_id}")
        return EXIT_OK

    return run_service(args, action)


def cmd_action_done(args: argparse.Namespace) -> int:
    async def action(service: IncidentService, config: Config) -> int:
        item = await service.postmortems.set_action_done(args.action_id, not args.undo)
        print(f"action {item.id} is {item.status.value}")
        return EXIT_OK

    return run_service(args, action)
