"""DNS probe: resolve ``host`` for ``record`` and optionally look for an expected answer."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import dns.exception
import dns.name
import dns.rdata
import dns.rdatatype
import dns.resolver

from statuscat_tui.core.model import Monitor
from statuscat_tui.core.results import CheckResult
from statuscat_tui.probes._common import (
    describe_os_errors,
    exception_chain,
    fail,
    fmt_seconds,
    ok_or_slow,
    one_line,
    quote,
    timed_out,
    unexpected,
)
from statuscat_tui.probes.context import ProbeContext

MAX_ANSWERS = 20  # kept in details; a wildcard TXT farm must not bloat the store


async def probe_dns(monitor: Monitor, ctx: ProbeContext) -> CheckResult:
    """Ask ``monitor.nameserver`` (or the system resolvers); never raises (except cancel)."""
    try:
        return await _probe(monitor, ctx)
    except Exception as exc:
        return unexpected(exc)


async def _probe(monitor: Monitor, ctx: ProbeContext) -> CheckResult:
    if not monitor.host:
        return fail("no host configured")
    host = monitor.host
    record = monitor.record.upper()
    try:
        rdtype = dns.rdatatype.from_text(record)
    except dns.rdatatype.UnknownRdatatype:
        return fail(f"unknown record type {quote(monitor.record)}")
    try:
        resolver = ctx.dns_resolver(monitor.nameserver)
    except ValueError:
        return fail(f"invalid nameserver {quote(monitor.nameserver or '')} (use IP or IP:PORT)")
    except dns.resolver.NoResolverConfiguration:
        return fail("no DNS resolver configured on this machine")

    deadline = asyncio.timeout(monitor.timeout)
    start = time.perf_counter()
    try:
        async with deadline:
            answer = await resolver.resolve(host, rdtype, lifetime=monitor.timeout)
    except (TimeoutError, dns.exception.Timeout):
        # dnspython's own lifetime and our deadline end at the same moment.
        return timed_out(monitor.timeout, "(no DNS answer)")
    except dns.resolver.NXDOMAIN:
        return fail("NXDOMAIN: no such name", time.perf_counter() - start, answers=[])
    except dns.resolver.NoAnswer:
        return fail(f"no {record} record for {host}", time.perf_counter() - start, answers=[])
    except dns.resolver.NoNameservers as exc:
        return fail(f"nameserver failed: {_server_errors(exc)}", time.perf_counter() - start)
    except dns.exception.SyntaxError as exc:  # bad labels: empty, too long …
        return fail(f"invalid name {quote(host)}: {exc}")
    except dns.exception.DNSException as exc:
        return fail(f"DNS error: {type(exc).__name__}: {exc}")
    except OSError as exc:
        reason = describe_os_errors(exception_chain(exc), monitor.nameserver)
        return fail(reason or f"DNS query failed: {exc}")
    latency = time.perf_counter() - start

    texts = [_text(rdata) for rdata in answer]
    details: dict[str, Any] = {"answers": texts[:MAX_ANSWERS]}
    shown = one_line(", ".join(texts), 120)
    wanted = monitor.expect.contains
    if wanted is not None and not _contains(texts, wanted, rdtype):
        return fail(f"no {record} record contains {wanted} (got {shown})", latency, **details)
    return ok_or_slow(
        f"{record} {shown} in {fmt_seconds(latency)}",
        latency,
        monitor.expect.max_response_time,
        **details,
    )


def _text(rdata: dns.rdata.Rdata) -> str:
    if rdata.rdtype == dns.rdatatype.TXT:
        # The TXT value itself, not its zone-file quoting.
        strings: tuple[bytes, ...] = getattr(rdata, "strings", ())
        return b"".join(strings).decode("utf-8", "replace")
    return str(rdata.to_text())


def _contains(texts: list[str], wanted: str, rdtype: dns.rdatatype.RdataType) -> bool:
    if rdtype == dns.rdatatype.TXT:  # tokens in TXT records are case-sensitive
        return any(wanted in t for t in texts)
    # Names are case-insensitive; an address has no case.
    folded = wanted.casefold()
    return any(folded in t.casefold() for t in texts)


def _server_errors(exc: dns.resolver.NoNameservers) -> str:
    errors = exc.kwargs.get("errors") or []
    parts = [f"{err[0]} answered {err[3]}" for err in errors]
    return "; ".join(parts) or "no nameserver could answer"
