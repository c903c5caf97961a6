"""Collect what Apprise logs during one delivery, and only that delivery.

Apprise reports *why* a notification failed only through its ``apprise``
logger, the useful part (``[Errno 111] Connection refused``) at DEBUG. A
filter on that logger hands each record to the collector of the delivery that
emitted it (a context variable, set in the delivery's own thread), so
concurrent deliveries never see each other's messages, or secrets.

Records caught this way are not passed on: the caller reports a redacted
summary instead, and Apprise's raw text (which may quote a webhook URL) stays
out of the application's logs. Records outside a delivery pass as before: the
filter applies the level the ``apprise`` logger had before it was lowered.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass

APPRISE_LOGGER = "apprise"
# Libraries Apprise sends through whose DEBUG lines quote full request URLs,
# tokens included: silenced during a delivery, untouched otherwise.
QUIET_LOGGERS = ("urllib3.connectionpool",)


@dataclass(frozen=True)
class Record:
    level: int
    message: str


_sink: contextvars.ContextVar[list[Record] | None] = contextvars.ContextVar(
    "statuscat_notify_sink", default=None
)
_install_lock = threading.Lock()
_installed = False


class _Capture(logging.Filter):
    """On the ``apprise`` logger: collect a delivery's records, pass the rest as before."""

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__()
        self._logger = logger
        self._level = logger.level  # what the application had set (often NOTSET)

    def filter(self, record: logging.LogRecord) -> bool:
        sink = _sink.get()
        if sink is not None:
            with contextlib.suppress(Exception):  # a bad format string is Apprise's bug
                sink.append(Record(record.levelno, record.getMessage()))
            return False
        return record.levelno >= self._threshold()

    def _threshold(self) -> int:
        if self._level != logging.NOTSET:
            return self._level
        parent = self._logger.parent
        return parent.getEffectiveLevel() if parent is not None else logging.WARNING


class _Quiet(logging.Filter):
    """Drop a logger's records while a delivery runs in this context."""

    def filter(self, record: logging.LogRecord) -> bool:
        return _sink.get() is None


def install() -> None:
    """Put the filters in place and lower ``apprise`` to DEBUG behind them (once)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        logger = logging.getLogger(APPRISE_LOGGER)
        logger.addFilter(_Capture(logger))
        logger.setLevel(logging.DEBUG)
        for name in QUIET_LOGGERS:
            logging.getLogger(name).addFilter(_Quiet())
        _installed = True


@contextlib.contextmanager
def capture() -> Iterator[list[Record]]:
    """Collect Apprise's records emitted in this context (thread or task)."""
    install()
    records: list[Record] = []
    token = _sink.set(records)
    try:
        yield records
    finally:
        _sink.reset(token)
