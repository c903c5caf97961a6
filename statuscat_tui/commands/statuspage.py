"""``statuscat status-page build``: write the public status page from the database."""

from __future__ import annotations

import argparse
import asyncio

from statuscat_tui.commands.common import EXIT_OK, CommandError, database_path, load
from statuscat_tui.engine.clock import SystemClock
from statuscat_tui.engine.incidents import IncidentService
from statuscat_tui.engine.publisher import build, output_dir
from statuscat_tui.store.store import Store, StoreError


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser("status-page", parents=[common], help="the public status page")
    ssub = p.add_subparsers(dest="status_page_command", metavar="ACTION", required=True)
    b = ssub.add_parser(
        "build", parents=[common], help="write the page (HTML, api/v2 JSON, Atom, badges)"
    )
    b.add_argument(
        "--out",
        metavar="DIR",
        help="output directory (default: status_page.output, relative to the config file)",
    )
    b.set_defaults(func=cmd_build)


def cmd_build(args: argparse.Namespace) -> int:
    config = load(args)
    out = output_dir(config, args.out)

    async def go() -> str:
        try:
            store = await Store.open(database_path(args, config))
        except StoreError as exc:
            raise CommandError(f"cannot use the database: {exc}") from None
        try:
            clock = SystemClock()
            service = IncidentService(store, config, clock)
            model = await build(store, service, config, clock.time(), out)
        except OSError as exc:
            raise CommandError(f"cannot write the status page to {out}: {exc}") from None
        finally:
            await store.close()
        active = len(model.active_incidents)
        return (
            f"wrote {out}{'' if str(out).endswith('/') else '/'}index.html: "
            f"{model.description.lower()}; {len(model.components)} components, "
            f"{active} active incident{'s' * (active != 1)}"
        )

    print(asyncio.run(go()))
    return EXIT_OK


__all__ = ["register"]
