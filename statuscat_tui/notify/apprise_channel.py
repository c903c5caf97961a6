"""Apprise URLs (``mailto://``, ``json://``, ``ntfy://``, ``slack://``, …): one target per call."""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from typing import Any

import apprise

from statuscat_tui.core.outbound import OutboundPolicy
from statuscat_tui.notify import logcapture, outbound
from statuscat_tui.notify.blocking import run_blocking
from statuscat_tui.notify.logcapture import Record
from statuscat_tui.notify.message import Delivery, Message
from statuscat_tui.notify.outbound import Resolver
from statuscat_tui.notify.redact import (
    clip,
    host_of,
    label_from_url,
    redact,
    scheme_of,
    secrets_of,
)

_NOTIFY_TYPES = {
    "page": apprise.NotifyType.FAILURE,
    "resolved": apprise.NotifyType.SUCCESS,
    "notice": apprise.NotifyType.INFO,
}
_GENERIC_PARSE_ERRORS = ("Unparseable", "Could not load", "Unsupported URL")
_HTTP_STATUS = re.compile(r"\berror=(\d{3})\b")
_SMTP_REPLY = re.compile(r"\((\d{3}), b?['\"](.+?)['\"]\)")
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")
# Causes worth naming, looked for in everything Apprise logged (DEBUG included).
_CAUSES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"connection refused", re.I), "connection refused"),
    (re.compile(r"timed? ?out", re.I), "timed out"),
    (
        re.compile(
            r"name or service not known|nodename nor servname|name resolution|getaddrinfo", re.I
        ),
        "host name not found",
    ),
    (re.compile(r"network is unreachable", re.I), "network unreachable"),
    (re.compile(r"no route to host", re.I), "no route to host"),
    (re.compile(r"certificate verify failed", re.I), "TLS certificate not trusted"),
    (
        re.compile(r"connection (reset|aborted)|remote end closed|server disconnected", re.I),
        "connection closed by the server",
    ),
)


@dataclass(frozen=True)
class _Loaded:
    """A parsed target: the plugin, or why there is none."""

    plugin: Any  # apprise.NotifyBase; Any because its methods are untyped
    label: str
    secrets: list[str]
    problem: str | None  # set when plugin is None


def describe(target: str) -> str:
    """A redacted label from Apprise's privacy-mode URL, e.g. ``json://127.0.0.1:8080/…``."""
    return _load(target).label


def validate(target: str) -> str | None:
    """None when Apprise can use ``target``, else a short (redacted) reason."""
    return _load(target).problem


async def deliver(
    target: str,
    message: Message,
    socket_timeout: float,
    *,
    policy: OutboundPolicy,
    resolver: Resolver | None = None,
) -> Delivery:
    """Send ``message`` to one Apprise URL. Never raises (but may be cancelled).

    Every host the plugin looks up or connects to — redirects included — is
    checked against ``policy`` (see :mod:`statuscat_tui.notify.outbound`);
    ``resolver`` answers its DNS lookups (default: the system's).
    """

    def work() -> Delivery:
        # Parsing loads Apprise's plugins on first use (~0.2 s): also off the loop.
        loaded = _load(target)
        if loaded.plugin is None:
            assert loaded.problem is not None
            return Delivery(False, loaded.problem, retryable=False)
        _bound_socket_timeouts(loaded.plugin, socket_timeout)
        crashed: Exception | None = None
        with outbound.guarded(policy, resolver) as guard, logcapture.capture() as records:
            try:
                ok = loaded.plugin.notify(
                    body=message.body or message.title,
                    title=message.title,
                    notify_type=_NOTIFY_TYPES.get(message.kind, apprise.NotifyType.INFO),
                    body_format=apprise.NotifyFormat.TEXT,
                )
            except Exception as exc:  # a plugin bug must not kill the outbox
                ok, crashed = False, exc
        if guard.refusal is not None:  # trying again cannot help: the config must change
            detail = outbound.refusal_detail(guard.refusal, loaded.secrets)
            return Delivery(False, clip(detail), retryable=False)
        if crashed is not None:
            # Unusable targets were turned away by _load, so this may be transient.
            return Delivery(
                False, clip(redact(f"{type(crashed).__name__}: {crashed}", loaded.secrets))
            )
        if ok:
            return Delivery(True, "delivered")
        return Delivery(False, _failure_detail(records, loaded))

    return await run_blocking(work, name=f"notify {scheme_of(target) or '?'}")


def _load(target: str) -> _Loaded:
    scheme = scheme_of(target)
    if scheme is None:
        return _Loaded(
            None,
            "invalid target",
            [],
            "not a notification URL (expected e.g. mailto://…, json://…, or desktop)",
        )
    # Until Apprise says which parts are public, only the scheme is.
    vague = f"{scheme}://…"
    secrets = secrets_of(target, vague)
    manager = apprise.NotificationManager()  # type: ignore[no-untyped-call]  # a singleton
    if scheme not in manager:
        return _Loaded(None, vague, secrets, f"unknown scheme {scheme}://")
    if not manager[scheme].enabled:
        problem = f"{scheme}:// is not available here (a package it needs is missing)"
        return _Loaded(None, vague, secrets, problem)
    with logcapture.capture() as records:
        plugin = apprise.Apprise.instantiate(target)
    if plugin is None:
        # Apprise's own "Unparseable … URL" / "Could not load … URL" add nothing.
        specific = [r for r in records if not r.message.startswith(_GENERIC_PARSE_ERRORS)]
        reason = _first_message(specific, secrets) or "Apprise could not parse it"
        return _Loaded(None, vague, secrets, clip(f"invalid {scheme}:// URL: {reason}"))
    label = label_from_url(_privacy_url(plugin))
    # Whatever the privacy URL still masked is secret too; the label itself is public.
    secrets = secrets_of(target, label)
    return _Loaded(plugin, redact(label, secrets), secrets, None)


def _privacy_url(plugin: Any) -> str:
    """Apprise's own rendering of the URL with its secrets masked."""
    return str(plugin.url(privacy=True))


def _bound_socket_timeouts(plugin: Any, timeout: float) -> None:
    # The caller stops waiting after ``timeout``; lowering the plugin's own
    # socket timeouts to match makes its abandoned thread end soon after.
    if not math.isfinite(timeout) or timeout <= 0:
        return
    for attr in ("socket_connect_timeout", "socket_read_timeout"):
        current = getattr(plugin, attr, None)
        if isinstance(current, int | float) and current > timeout:
            setattr(plugin, attr, timeout)


def _failure_detail(records: list[Record], loaded: _Loaded) -> str:
    """A short reason from what Apprise logged, e.g. ``HTTP 500 from host:port``."""
    text = "\n".join(r.message for r in records)
    if status := _HTTP_STATUS.search(text):
        return f"HTTP {status.group(1)} from {host_of(loaded.label)}"
    if reply := _SMTP_REPLY.search(text):
        return clip(redact(f"SMTP {reply.group(1)}: {reply.group(2)}", loaded.secrets))
    for pattern, cause in _CAUSES:
        if pattern.search(text):
            return cause
    if errno := _ERRNO.search(text):
        return clip(redact(errno.group(1).strip().lower(), loaded.secrets))
    if first := _first_message(records, loaded.secrets):
        return clip(first)
    return "not delivered (no reason given)"


def _first_message(records: list[Record], secrets: list[str]) -> str | None:
    for record in records:
        if record.level >= logging.WARNING:
            return redact(record.message, secrets)
    return None
