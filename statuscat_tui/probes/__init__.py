"""Probes: one module per monitor type, each returning a CheckResult and never raising.

The engine creates one :class:`ProbeContext` per event loop and calls
:func:`run_probe` for every due monitor.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from statuscat_tui.core.model import Monitor
from statuscat_tui.core.results import CheckResult
from statuscat_tui.probes._common import fail
from statuscat_tui.probes.context import ProbeContext
from statuscat_tui.probes.dns import probe_dns
from statuscat_tui.probes.http import probe_http
from statuscat_tui.probes.tcp import probe_tcp
from statuscat_tui.probes.tls import probe_tls

Probe = Callable[[Monitor, ProbeContext], Awaitable[CheckResult]]

PROBES: dict[str, Probe] = {
    "http": probe_http,
    "tcp": probe_tcp,
    "dns": probe_dns,
    "tls": probe_tls,
}


async def run_probe(monitor: Monitor, ctx: ProbeContext) -> CheckResult:
    """Run the probe for ``monitor.type`` within ``monitor.timeout``.

    Never raises for http/tcp/dns/tls monitors: every failure, including a bug
    in a probe, is a FAIL result; only ``asyncio.CancelledError`` propagates.
    Raises ValueError for ``heartbeat`` monitors, which nothing probes (the
    engine judges them by the beats it receives).
    """
    probe = PROBES.get(monitor.type)
    if probe is None:
        if monitor.type == "heartbeat":
            raise ValueError(f"monitor {monitor.id!r} is a heartbeat: the engine checks it")
        return fail(f"unknown monitor type {monitor.type!r}")
    return await probe(monitor, ctx)


__all__ = ["PROBES", "CheckResult", "ProbeContext", "run_probe"]
