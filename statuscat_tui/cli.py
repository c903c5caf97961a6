"""The ``statuscat`` command line (see DESIGN.md: the commands and flags are a contract)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from statuscat_tui import __version__
from statuscat_tui.commands.common import (
    EXIT_FAILURE,
    EXIT_OK,
    CommandError,
    database_path,
    load,
)
from statuscat_tui.core.model import Config

log = logging.getLogger("statuscat")

STOP_DEADLINE = 5.0


def _common() -> argparse.ArgumentParser:
    # SUPPRESS keeps a value given before the subcommand from being reset by
    # the subcommand's own default, so -c/--db work on either side.
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("-c", "--config", default=argparse.SUPPRESS, help="config file (YAML)")
    p.add_argument("--db", default=argparse.SUPPRESS, help="SQLite database path")
    p.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="debug logging"
    )
    return p


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    ui = _ui_options()
    parser = argparse.ArgumentParser(
        prog="statuscat",
        description="Terminal-first incident response: probes, incidents, paging, status page.",
        parents=[common, ui],
    )
    parser.add_argument("--version", action="version", version=f"statuscat {__version__}")
    parser.set_defaults(func=cmd_run)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        parents=[common, ui],
        help="run on a built-in demo: local targets that fail and recover; no network needed",
    )
    demo.add_argument("--headless", action="store_true", help="log to stdout, no dashboard")
    demo.set_defaults(func=cmd_demo)
    run = sub.add_parser("run", parents=[common, ui], help="run the engine")
    run.add_argument("--headless", action="store_true", help="the engine alone, logging to stdout")
    run.set_defaults(func=cmd_run)
    check = sub.add_parser("check", parents=[common], help="validate the config (exit 0, or 2)")
    check.set_defaults(func=cmd_check)
    for module in _command_modules():
        module.register(sub, common)
    return parser


def _ui_options() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "--wallboard",
        action="store_true",
        default=argparse.SUPPRESS,
        help="start on the wallboard (large tiles, no interaction needed)",
    )
    p.add_argument("--theme", default=argparse.SUPPRESS, help="a theme from themes/")
    p.add_argument(
        "--as",
        dest="as_person",
        default=argparse.SUPPRESS,
        help="act as this person (default: settings.me)",
    )
    return p


def _command_modules() -> list[ModuleType]:
    from statuscat_tui.commands import incident, oncall, postmortem, statuspage

    return [incident, oncall, postmortem, statuspage]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except CommandError as exc:
        print(f"statuscat: {exc}", file=sys.stderr)
        return exc.code
    return code


def cmd_demo(args: argparse.Namespace) -> int:
    from statuscat_tui.demo import run_demo

    return run_demo(
        headless=getattr(args, "headless", False),
        verbose=getattr(args, "verbose", False),
        wallboard=getattr(args, "wallboard", False),
        theme=getattr(args, "theme", None),
    )


def cmd_check(args: argparse.Namespace) -> int:
    config = load(args)
    n = len(config.monitors)
    print(f"{config.source}: ok ({n} monitor{'s' * (n != 1)})")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    """`statuscat run --headless`: the engine alone; `statuscat` (or `run`): the dashboard."""
    config = load(args)
    if getattr(args, "headless", False):
        from statuscat_tui.engine.logs import setup_logging

        setup_logging(config.secrets, verbose=getattr(args, "verbose", False))
        return run_engine(config, database_path(args, config))
    return run_dashboard(args, config)


def log_path(db: Path) -> Path:
    """Where the engine logs while the dashboard has the terminal: beside the database."""
    return db.with_name(db.name + ".log")


def run_dashboard(args: argparse.Namespace, config: Config) -> int:
    """The Textual dashboard; runs the engine in-process unless another process does."""
    import dataclasses

    from statuscat_tui.ui.app import StatusCatApp
    from statuscat_tui.ui.themes import ThemeError

    person = getattr(args, "as_person", None)
    if person is not None:
        if config.people and person not in {p.id for p in config.people}:
            known = ", ".join(sorted(p.id for p in config.people))
            raise CommandError(f"unknown person {person!r} for --as (known: {known})", 2)
        config = dataclasses.replace(
            config, settings=dataclasses.replace(config.settings, me=person)
        )
    from statuscat_tui.engine.logs import setup_logging
    from statuscat_tui.engine.publisher import output_dir

    db = database_path(args, config)
    # The screen belongs to the dashboard: the engine logs next to its database.
    setup_logging(config.secrets, verbose=getattr(args, "verbose", False), file=log_path(db))
    try:
        app = StatusCatApp(
            config,
            db,
            theme=getattr(args, "theme", None),
            wallboard=getattr(args, "wallboard", False),
            publish_to=output_dir(config),
            settle_heap=True,
        )
    except ThemeError as exc:
        raise CommandError(str(exc), 2) from None
    return app.run() or 0


def run_engine(config: Config, db_path: Path) -> int:
    """Run the engine until SIGTERM/SIGINT; return the exit code."""
    from statuscat_tui.engine.lock import EngineLock, EngineLocked
    from statuscat_tui.store.store import StoreError

    lock = EngineLock(db_path)
    try:
        lock.acquire()
    except EngineLocked as exc:
        log.error("%s; lock file %s", exc, exc.path)
        return EXIT_FAILURE
    try:
        return asyncio.run(_serve(config, db_path))
    except StoreError as exc:
        log.error("cannot use the database: %s", exc)
        return EXIT_FAILURE
    except OSError as exc:
        log.error("cannot start the engine: %s", exc)
        return EXIT_FAILURE
    finally:
        lock.release()


async def _serve(config: Config, db_path: Path) -> int:
    from statuscat_tui.engine.engine import Engine, settle_heap
    from statuscat_tui.engine.publisher import output_dir

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    engine = Engine(config, db_path, publish_to=output_dir(config))
    try:
        await engine.start()
        settle_heap()
        await stop.wait()
        log.info("stopping: writing pending results")
    finally:
        try:
            async with asyncio.timeout(STOP_DEADLINE):
                await engine.stop()
        except TimeoutError:
            log.error("engine did not stop within %gs; exiting anyway", STOP_DEADLINE)
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
