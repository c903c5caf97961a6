"""What every command needs: finding and loading the config, the database path, exit codes."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from statuscat_tui.config import ConfigError, default_database_path, find_config_path, load_config
from statuscat_tui.core.incidents import IncidentError
from statuscat_tui.core.model import Config
from statuscat_tui.core.postmortem import PostmortemError

if TYPE_CHECKING:
    from statuscat_tui.engine.incidents import IncidentService

T = TypeVar("T")

EXIT_OK = 0
EXIT_FAILURE = 1  # the action was refused or failed (message on stderr)
EXIT_USAGE = 2  # bad arguments or an invalid config


class CommandError(Exception):
    """A command cannot go on; the message is shown as ``statuscat: MESSAGE``."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


def load(args: argparse.Namespace) -> Config:
    """The config named by ``-c`` or found in the usual places; CommandError if absent or bad."""
    path = find_config_path(getattr(args, "config", None))
    if path is None:
        raise CommandError(
            "no config found: give -c FILE, or create ./statuscat.yml or "
            "~/.config/statuscat/config.yml (see sample_config.yml)",
            EXIT_USAGE,
        )
    try:
        return load_config(path)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        n = len(exc.issues)
        raise CommandError(f"{n} problem{'s' * (n != 1)} in {path}", EXIT_USAGE) from None


def database_path(args: argparse.Namespace, config: Config) -> Path:
    """``--db``, else ``settings.database``, else the XDG data dir."""
    db = getattr(args, "db", None) or config.settings.database
    return Path(db).expanduser() if db else default_database_path()


def print_json(data: Any) -> None:
    """Stable JSON output: sorted keys, ISO times are the caller's job."""
    json.dump(data, sys.stdout, indent=2, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")


def parse_id(text: str) -> int:
    raw = text.strip().lstrip("#")
    if not raw.isdigit():
        raise CommandError(f"{text!r} is not an incident id (a number such as 7)", EXIT_USAGE)
    return int(raw)


def run_service(
    args: argparse.Namespace, action: Callable[[IncidentService, Config], Awaitable[T]]
) -> T:
    """Open the database, run ``action`` with an incident service, close; errors as messages."""
    from statuscat_tui.engine.clock import SystemClock
    from statuscat_tui.engine.incidents import IncidentService
    from statuscat_tui.store.store import Store, StoreError

    config = load(args)

    async def go() -> T:
        try:
            store = await Store.open(database_path(args, config))
        except StoreError as exc:
            raise CommandError(f"cannot use the database: {exc}") from None
        try:
            return await action(IncidentService(store, config, SystemClock()), config)
        except (IncidentError, PostmortemError) as exc:
            raise CommandError(str(exc)) from None
        except StoreError as exc:  # e.g. StoreBusy: other processes kept it busy too long
            raise CommandError(str(exc)) from None
        finally:
            await store.close()

    return asyncio.run(go())
