"""Logging for the headless engine: one readable line per event, secrets redacted."""

from __future__ import annotations

import dataclasses
import logging
import sys
import time
from collections.abc import Collection, Iterable
from pathlib import Path

from statuscat_tui.core.redact import MASK, redact
from statuscat_tui.core.results import CheckResult

REDACTED = "[redacted]"
RESULT_MASK = MASK  # as the probes mask what they know is secret


class RedactingFilter(logging.Filter):
    """Replace every secret value (from ${VAR}) in a record with a placeholder.

    The start of a secret cut short by an ellipsis goes too (see ``redact``).
    """

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
        record.msg = redact(text, self.secrets, REDACTED)
        record.args = None
        return True


def redact_result(result: CheckResult, secrets: Collection[str]) -> CheckResult:
    """``result`` with every config secret (``${VAR}`` value) masked in its reason and details.

    A probe masks what it knows is secret (headers, URL credentials); a reason
    can quote any configured value (``body does not contain '…'``) or a server's
    echo of one, so the engine masks every secret before a result is kept,
    logged, shown or sent.
    """
    if not secrets:
        return result
    details = {
        k: redact(v, secrets, RESULT_MASK) if isinstance(v, str) else v
        for k, v in result.details.items()
    }
    reason = redact(result.reason, secrets, RESULT_MASK)
    if reason == result.reason and details == result.details:
        return result
    return dataclasses.replace(result, reason=reason, details=details)


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
    # Libraries that log every step at DEBUG (markdown-it: every block rule it tries).
    for noisy in ("httpx", "httpcore", "aiosqlite", "asyncio", "markdown_it"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def add_secrets(secrets: Iterable[str]) -> None:
    """Also redact ``secrets`` (a reloaded config's) in every handler set up here."""
    for handler in logging.getLogger().handlers:
        for f in handler.filters:
            if isinstance(f, RedactingFilter):
                merged = set(f.secrets) | {s for s in secrets if s}
                f.secrets = sorted(merged, key=len, reverse=True)
