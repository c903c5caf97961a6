"""The ``statuscat`` command line (see DESIGN.md: the commands and flags are a contract)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from statuscat_tui import __version__
from statuscat_tui.commands.common import (
    EXIT_FAILURE,
    EXIT_OK,
    CommandError,
    database_path,
    load,
)
from statuscat_tui.core.model import Config

if TYPE_CHECKING:
    from statuscat_tui.engine.engine import Engine

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

    from statuscat_tui.config import ConfigError, ConfigIssue, load_config
    from statuscat_tui.ui.app import StatusCatApp
    from statuscat_tui.ui.themes import ThemeError

    person = getattr(args, "as_person", None)

    def acting(config: Config) -> Config:
        if person is None:
            return config
        if config.people and person not in {p.id for p in config.people}:
            known = ", ".join(sorted(p.id for p in config.people))
            raise CommandError(f"unknown person {person!r} for --as (known: {known})", 2)
        return dataclasses.replace(config, settings=dataclasses.replace(config.settings, me=person))

    def reread() -> Config:
        """ctrl+l: the same file again, still acting as --as."""
        fresh = load_config(config.source)
        try:
            return acting(fresh)
        except CommandError as exc:
            raise ConfigError([ConfigIssue(fresh.source, 1, "people", str(exc))]) from None

    config = acting(config)
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
            reload_config=reread,
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
    reload = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, reload.set)
    engine = Engine(config, db_path, publish_to=output_dir(config))
    loaded_at = time.time()
    try:
        await engine.start()
        settle_heap()
        while await _next_signal(stop, reload) is reload:
            reload.clear()
            engine, loaded_at = await _reload(engine, loaded_at)
        log.info("stopping: writing pending results")
    finally:
        try:
            async with asyncio.timeout(STOP_DEADLINE):
                await engine.stop()
        except TimeoutError:
            log.error("engine did not stop within %gs; exiting anyway", STOP_DEADLINE)
    return EXIT_OK


async def _next_signal(*events: asyncio.Event) -> asyncio.Event:
    """Wait until one of ``events`` is set (stop wins over reload); return it."""
    waits = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
    return next(e for e in events if e.is_set())


async def _reload(engine: Engine, loaded_at: float) -> tuple[Engine, float]:
    """SIGHUP: read the config again from the same file; apply it only if it is valid.

    A broken file changes nothing: each problem is logged as FILE:LINE: key.path:
    message and the engine keeps running the config it has.
    """
    from statuscat_tui.config import ConfigError, load_config
    from statuscat_tui.engine.engine import RestartFailed, restart
    from statuscat_tui.engine.publisher import output_dir

    path = engine.config.source
    log.info("SIGHUP: reloading the config from %s", path)
    try:
        config = await asyncio.to_thread(load_config, path)
    except ConfigError as exc:
        for issue in exc.issues:
            log.error("%s", issue)
        log.warning("config reload refused; still running the config loaded at %s", _utc(loaded_at))
        return engine, loaded_at
    except Exception as exc:  # a bug in reading must not stop a running engine
        log.error(
            "config reload failed (%s: %s); still running the config loaded at %s",
            type(exc).__name__,
            exc,
            _utc(loaded_at),
        )
        return engine, loaded_at
    if config.settings.database != engine.config.settings.database:
        log.warning(
            "settings.database changed; the engine keeps using %s until it is restarted",
            engine.db_path,
        )
    try:
        engine = await restart(engine, config, publish_to=output_dir(config))
    except RestartFailed as exc:
        log.warning(
            "config reload refused (%s); still running the config loaded at %s",
            exc,
            _utc(loaded_at),
        )
        return exc.running, loaded_at
    n = len(config.monitors)
    log.info("config reloaded: %d monitor%s", n, "s" * (n != 1))
    return engine, time.time()


def _utc(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))


if __name__ == "__main__":
    raise SystemExit(main())
