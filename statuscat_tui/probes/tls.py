"""TLS probe: is the certificate at host:port valid, and for how much longer?"""

from __future__ import annotations

import asyncio
import ssl
import time
from datetime import UTC, datetime
from typing import Any

from statuscat_tui.core.model import Monitor
from statuscat_tui.core.results import CheckResult
from statuscat_tui.probes._common import (
    close_writer,
    describe_os_errors,
    exception_chain,
    fail,
    fmt_seconds,
    ok_or_slow,
    plural,
    quote,
    remaining,
    timed_out,
    unexpected,
)
from statuscat_tui.probes.context import ProbeContext
from statuscat_tui.probes.tcp import connect_error, open_tcp

DAY = 86400.0
_NAME_KEYS = {
    "commonName": "CN",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "countryName": "C",
    "stateOrProvinceName": "ST",
    "localityName": "L",
}


async def probe_tls(monitor: Monitor, ctx: ProbeContext) -> CheckResult:
    """Handshake with verification (SNI = host) and check the expiry; never raises."""
    try:
        return await _probe(monitor, ctx)
    except Exception as exc:
        return unexpected(exc)


async def _probe(monitor: Monitor, ctx: ProbeContext) -> CheckResult:
    if not monitor.host:
        return fail("no host configured")
    host, port = monitor.host, monitor.port or 443
    if not 0 < port < 65536:
        return fail(f"invalid port {port}")
    try:
        ssl_ctx = ctx.tls_context(monitor.ca_file)
    except (OSError, ssl.SSLError) as exc:
        return fail(f"cannot load ca_file {quote(monitor.ca_file or '')}: {exc}")

    phase = f"connecting to {host}:{port}"
    peer = ""
    deadline = asyncio.timeout(monitor.timeout)
    start = time.perf_counter()
    try:
        async with deadline:
            _, writer, peer = await open_tcp(host, port)
            try:
                phase = "during TLS handshake"
                await writer.start_tls(ssl_ctx, server_hostname=host)
            except BaseException:
                writer.transport.abort()  # a polite close would outlive the deadline
                raise
            latency = time.perf_counter() - start
            cert = writer.get_extra_info("peercert")
            version = writer.get_extra_info("ssl_object").version()
        await close_writer(writer, grace=remaining(deadline))
    except TimeoutError as exc:
        if deadline.expired():
            return timed_out(monitor.timeout, phase)
        return connect_error(exc, host)
    except ssl.SSLError as exc:  # before OSError: SSLError is one
        reason = describe_os_errors(exception_chain(exc), host)
        return fail(reason or f"TLS handshake failed: {exc}", address=peer)
    except OSError as exc:
        if phase == "during TLS handshake":  # e.g. reset by a peer that does not speak TLS
            reason = describe_os_errors(exception_chain(exc), host)
            return fail(f"TLS handshake failed: {reason or 'the server closed the connection'}")
        return connect_error(exc, host)
    except UnicodeError:  # IDNA encoding refused the name before any lookup
        return fail(f"invalid host name {quote(host)}")
    return _judge(monitor, cert, latency, peer, version)


def _judge(
    monitor: Monitor, cert: dict[str, Any] | None, latency: float, peer: str, version: str | None
) -> CheckResult:
    if not cert or "notAfter" not in cert:
        return fail("no certificate details from the server", latency)
    not_after = ssl.cert_time_to_seconds(cert["notAfter"])
    left = not_after - time.time()
    days_left = int(left // DAY)
    details: dict[str, Any] = {
        "days_left": days_left,
        "not_after": datetime.fromtimestamp(not_after, UTC).isoformat(),
        "subject": _name(cert.get("subject", ())),
        "issuer": _name(cert.get("issuer", ())),
        "address": peer,
        "tls_version": version,
    }
    expires = f"expires in {plural(days_left, 'day')}" if days_left >= 1 else "expires today"
    wanted = monitor.expect.cert_valid_for
    if wanted is not None and left < wanted:
        wanted_days = f"{wanted / DAY:.1f}".removesuffix(".0")
        return fail(f"certificate {expires} (< {wanted_days} days)", latency, **details)
    return ok_or_slow(
        f"TLS OK in {fmt_seconds(latency)}, certificate {expires}",
        latency,
        monitor.expect.max_response_time,
        **details,
    )


def _name(rdns: Any) -> str:
    """``((('commonName', 'x'),), …)`` from ``getpeercert()`` → ``"CN=x, O=…"``."""
    parts = []
    for rdn in rdns:
        for key, value in rdn:
            parts.append(f"{_NAME_KEYS.get(key, key)}={value}")
    return ", ".join(parts)
