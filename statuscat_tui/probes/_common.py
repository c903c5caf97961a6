"""Helpers shared by the probes: result building, wording, error classification."""

from __future__ import annotations

import asyncio
import errno
import socket
import ssl
from collections.abc import Iterable, Iterator
from typing import Any

from statuscat_tui.core.results import CheckResult, Outcome

MAX_REASON = 200

# Control characters (C0, DEL, C1, Unicode line breaks) would break the one-line
# layout of the TUI or smuggle terminal escapes; they all become spaces.
_CONTROL = {c: " " for c in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)}


def one_line(text: str, limit: int = MAX_REASON) -> str:
    """``text`` without control characters, cut to ``limit`` characters with an ellipsis."""
    text = text.translate(_CONTROL)
    if "  " in text:
        text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def quote(text: str, limit: int = 60) -> str:
    """Outside or configured text for a reason: repr-quoted and truncated."""
    return repr(one_line(text, limit))


def fmt_seconds(seconds: float) -> str:
    """``0.012`` → ``12ms``, ``1.3245`` → ``1.32s``, ``2.0`` → ``2s``."""
    if seconds < 1:
        ms = seconds * 1000
        return f"{ms:.1f}ms" if ms < 1 else f"{ms:.0f}ms"
    return f"{seconds:.2f}".rstrip("0").rstrip(".") + "s"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def fail(reason: str, latency: float | None = None, **details: Any) -> CheckResult:
    return CheckResult(Outcome.FAIL, latency, one_line(reason), details)


def ok_or_slow(
    reason: str, latency: float, max_response_time: float | None, **details: Any
) -> CheckResult:
    """OK, or DEGRADED when everything worked but took longer than ``max_response_time``."""
    if max_response_time is not None and latency > max_response_time:
        slow = f"slow: {fmt_seconds(latency)} > {fmt_seconds(max_response_time)}"
        return CheckResult(Outcome.DEGRADED, latency, one_line(slow), details)
    return CheckResult(Outcome.OK, latency, one_line(reason), details)


def timed_out(timeout: float, what: str) -> CheckResult:
    """FAIL for the probe's own deadline, e.g. ``timed out after 2s reading body``.

    No latency: nothing was measured, and charting the deadline as a response
    time would mislead.
    """
    return fail(f"timed out after {fmt_seconds(timeout)} {what}")


def unexpected(exc: BaseException, latency: float | None = None) -> CheckResult:
    """FAIL for an exception no probe expected: name it so a bug report is possible."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]  # a task group's wrapper says nothing about the cause
    message = str(exc)
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return fail(f"probe error: {text}", latency, error=type(exc).__name__)


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, its causes/contexts and the members of any exception group, depth first."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            stack.extend(reversed(current.exceptions))
        nxt = current.__cause__ or current.__context__
        if nxt is not None:
            stack.append(nxt)


# Most telling first: when happy eyeballs tried IPv6 and IPv4 and both failed,
# "connection refused" says more than "network unreachable" on the IPv6 side.
_ERRNO_REASONS = (
    (errno.ECONNREFUSED, "connection refused"),
    (errno.ECONNRESET, "connection reset by peer"),
    (errno.ETIMEDOUT, "connection timed out"),
    (errno.EHOSTUNREACH, "host unreachable"),
    (errno.ENETUNREACH, "network unreachable"),
    (errno.EADDRNOTAVAIL, "address not available"),
)


_SSL_REASONS = {
    "WRONG_VERSION_NUMBER": "the server does not speak TLS (WRONG_VERSION_NUMBER)",
    "UNEXPECTED_EOF_WHILE_READING": "the server closed the connection",
    "TLSV1_ALERT_PROTOCOL_VERSION": "no TLS version in common",
    "SSLV3_ALERT_HANDSHAKE_FAILURE": "the server refused the handshake (no common cipher?)",
}


def describe_os_errors(errors: Iterable[BaseException], host: str | None) -> str | None:
    """A short reason for the most telling socket/TLS error among ``errors``, if any."""
    oserrors = [e for e in errors if isinstance(e, OSError)]
    for e in oserrors:
        if isinstance(e, ssl.SSLCertVerificationError):
            return f"certificate verification failed: {e.verify_message or e.reason or e}"
    for e in oserrors:
        if isinstance(e, ssl.SSLError):
            detail = _SSL_REASONS.get(e.reason or "", e.reason) or str(e)
            return f"TLS handshake failed: {detail}"
    for e in oserrors:
        if isinstance(e, socket.gaierror):
            return f"could not resolve {quote(host or '?')}: {e.strerror or e}"
    codes = {e.errno for e in oserrors}
    for code, reason in _ERRNO_REASONS:
        if code in codes:
            return reason
    for e in oserrors:
        if e.strerror:
            return f"connection failed: {e.strerror}"
    return None


def remaining(deadline: asyncio.Timeout, cap: float = 0.25) -> float:
    """Seconds left before ``deadline``, at most ``cap``: the budget for a polite close."""
    when = deadline.when()
    if when is None:
        return cap
    return max(0.0, min(cap, when - asyncio.get_running_loop().time()))


async def close_writer(writer: asyncio.StreamWriter, grace: float = 0.25) -> None:
    """Close politely (TLS close_notify, FIN) but never wait longer than ``grace``."""
    writer.close()
    try:
        async with asyncio.timeout(grace):
            await writer.wait_closed()
    except (TimeoutError, OSError):
        # A peer that ignores close_notify must not hold the probe up.
        writer.transport.abort()
