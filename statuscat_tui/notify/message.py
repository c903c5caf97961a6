"""What is sent, and what came of it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    """One notification: a short title and a plain-text body of a few lines."""

    title: str
    body: str
    kind: str = "page"  # "page" | "resolved" | "notice"


@dataclass(frozen=True)
class Delivery:
    """The outcome of delivering one message to one target.

    ``detail`` is a short human reason ("delivered", "HTTP 500 from host:port",
    "connection refused", ...) and never holds a secret from the target URL.
    ``retryable`` is False when trying again cannot help (unknown scheme,
    malformed URL, no desktop in this process).
    """

    ok: bool
    detail: str
    retryable: bool = True
