"""Logging for the headless engine: one readable line per event, secrets redacted."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable
from pathlib import Path

REDACTED = "[redacted]"


class RedactingFilter(logging.Filter):
    """Replace every secret value (from ${VAR}) in a record with a placeholder."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret containing another is replaced whole.
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
        for s in self.secrets:
            text = text.replace(s, REDACTED)
        record.msg = text
        record.args = None
        return True


def setup_logging(
    secrets: Iterable[str], *, verbose: bool = False, file: Path | None = None
) -> None:
    """Log in UTC ISO time: ``2026-12-04T15:30:00Z INFO message``.

    To stdout for the headless engine; to ``file`` while the dashboard owns the
    terminal (a log line written to the screen would corrupt it).
    """
    handler: logging.Handler
    if file is None:
        handler = logging.StreamHandler(sys.stdout)
    else:
        file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(file, encoding="utf-8")
    fmt = logging.Formatter("%(asctime)s %(levelname)-5s %(message)s", "%Y-%m-%dT%H:%M:%SZ")
    fmt.converter = time.gmtime
    handler.setFormatter(fmt)
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("httpx", "httpcore", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
