"""TCP probe against real loopback sockets."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from statuscat_tui.core.model import Confirm, Expect, Monitor
from statuscat_tui.core.results import Outcome
from statuscat_tui.probes import ProbeContext, run_probe
from statuscat_tui.probes._common import describe_os_errors
from statuscat_tui.probes.tcp import ConnectFailed, _race
from tests.support.httpserver import HTTPTestServer
from tests.support.wait import wait_for


def tcp(host: str | None, port: int | None, *, timeout: float = 2.0, **kw: Any) -> Monitor:
    return Monitor(
        id="db", name="db", type="tcp", interval=30, timeout=timeout, confirm=Confirm(),
        host=host, port=port, **kw,
    )  # fmt: skip


@pytest.fixture
def full_backlog_port() -> Iterator[int]:
    """A listening port whose accept queue is full, so a new connect() just waits."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for filler in fillers:
        filler.close()
    listener.close()


async def test_open_port_is_ok_and_closed_cleanly(
    http_server: HTTPTestServer, probe_ctx: ProbeContext
) -> None:
    result = await run_probe(tcp("127.0.0.1", http_server.port), probe_ctx)
    assert result.outcome is Outcome.OK
    assert result.reason.startswith(f"connected to 127.0.0.1:{http_server.port} in ")
    assert result.latency is not None and 0 < result.latency < 1
    assert result.details == {"address": f"127.0.0.1:{http_server.port}"}
    await wait_for(lambda: http_server.connections == 1)


async def test_closed_port_is_refused(probe_ctx: ProbeContext, closed_port: int) -> None:
    for host in ("127.0.0.1", "localhost"):  # localhost may also try ::1: still "refused"
        result = await run_probe(tcp(host, closed_port), probe_ctx)
        assert (result.outcome, result.reason, result.latency) == (
            Outcome.FAIL, "connection refused", None,
        )  # fmt: skip


async def test_connect_that_never_completes_times_out(
    probe_ctx: ProbeContext, full_backlog_port: int
) -> None:
    start = time.perf_counter()
    result = await run_probe(tcp("127.0.0.1", full_backlog_port, timeout=0.5), probe_ctx)
    elapsed = time.perf_counter() - start
    assert result.outcome is Outcome.FAIL
    assert result.reason == f"timed out after 500ms connecting to 127.0.0.1:{full_backlog_port}"
    assert 0.45 < elapsed < 1.0


async def test_slow_connect_is_degraded(
    http_server: HTTPTestServer, probe_ctx: ProbeContext
) -> None:
    monitor = tcp("127.0.0.1", http_server.port, expect=Expect(max_response_time=0.0))
    result = await run_probe(monitor, probe_ctx)
    assert result.outcome is Outcome.DEGRADED
    assert result.reason.startswith("slow: ") and result.reason.endswith(" > 0.0ms")


@pytest.mark.parametrize(
    ("host", "port", "reason"),
    [
        (None, 80, "no host and port configured"),
        ("127.0.0.1", None, "no host and port configured"),
        ("a..b", 80, "invalid host name 'a..b'"),
        ("127.0.0.1", 70000, "invalid port 70000"),
    ],
)
async def test_bad_configuration_fails_without_raising(
    probe_ctx: ProbeContext, host: str | None, port: int | None, reason: str
) -> None:
    result = await run_probe(tcp(host, port), probe_ctx)
    assert result.outcome is Outcome.FAIL
    assert result.reason.startswith(reason)


async def test_cancellation_propagates(probe_ctx: ProbeContext, full_backlog_port: int) -> None:
    task = asyncio.create_task(run_probe(tcp("127.0.0.1", full_backlog_port, timeout=5), probe_ctx))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_error_wording() -> None:
    refused = ConnectionRefusedError(111, "Connection refused")
    unreachable = OSError(101, "Network is unreachable")
    gai = socket.gaierror(-2, "Name or service not known")
    assert describe_os_errors([unreachable, refused], "h") == "connection refused"
    assert describe_os_errors([unreachable], "h") == "network unreachable"
    assert describe_os_errors([gai], "db.test") == (
        "could not resolve 'db.test': Name or service not known"
    )
    assert describe_os_errors([ValueError("x")], "h") is None


def _info(port: int) -> tuple[socket.AddressFamily, socket.SocketKind, int, str, Any]:
    return (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", port))


async def test_a_hanging_first_address_does_not_eat_the_timeout(
    http_server: HTTPTestServer, full_backlog_port: int
) -> None:
    # As with a black-holed IPv6 route: the next address is tried after a short delay.
    start = time.perf_counter()
    sock, address = await _race(
        asyncio.get_running_loop(), [_info(full_backlog_port), _info(http_server.port)]
    )
    elapsed = time.perf_counter() - start
    sock.close()
    assert address == ("127.0.0.1", http_server.port)
    assert 0.2 < elapsed < 0.6


async def test_every_address_failing_keeps_every_error(closed_port: int) -> None:
    with pytest.raises(ConnectFailed) as failed:
        await _race(asyncio.get_running_loop(), [_info(closed_port), _info(closed_port)])
    assert [type(e) for e in failed.value.errors] == [ConnectionRefusedError] * 2
