"""What every command needs: finding and loading the config, the database path, exit codes."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from statuscat_tui.config import ConfigError, default_database_path, find_config_path, load_config
from statuscat_tui.core.model import Config

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
