"""TLS probe against real loopback TLS servers with good and bad certificates."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from statuscat_tui.core.model import Confirm, Expect, Monitor
from statuscat_tui.core.results import Outcome
from statuscat_tui.probes import ProbeContext, run_probe
from tests.support.httpserver import HTTPTestServer
from tests.support.tlsserver import TLSServers

DAYS = 86400.0


def tls(host: str, port: int, *, timeout: float = 2.0, **kw: Any) -> Monitor:
    return Monitor(
        id="cert", name="cert", type="tls", interval=30, timeout=timeout, confirm=Confirm(),
        host=host, port=port, **kw,
    )  # fmt: skip


@pytest.fixture
async def garbage_port() -> AsyncIterator[int]:
    """A TCP server (in the test's loop) that answers anything with ``garbage`` and closes."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):  # the probe may hang up first
            writer.write(b"garbage\r\n")
            await writer.drain()
            writer.close()
            await writer.wait_closed()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def test_valid_certificate(tls_servers: TLSServers, probe_ctx: ProbeContext) -> None:
    monitor = tls(
        "127.0.0.1", tls_servers.valid.port, ca_file=tls_servers.ca_file,
        expect=Expect(cert_valid_for=14 * DAYS),
    )  # fmt: skip
    result = await run_probe(monitor, probe_ctx)
    assert result.outcome is Outcome.OK, result.reason
    assert result.reason.startswith("TLS OK in ")
    days = result.details["days_left"]
    assert days > 14
    assert result.reason.endswith(f", certificate expires in {days} days")
    not_after = datetime.fromisoformat(result.details["not_after"])
    assert (not_after - datetime.now(UTC)).days == days
    assert "Testing cert" in result.details["subject"]
    assert "Testing CA" in result.details["issuer"]
    assert result.details["address"] == f"127.0.0.1:{tls_servers.valid.port}"
    assert result.latency is not None and result.latency < 1


async def test_hostname_is_checked_by_name_too(
    tls_servers: TLSServers, probe_ctx: ProbeContext
) -> None:
    monitor = tls("localhost", tls_servers.valid.port, ca_file=tls_servers.ca_file)
    assert (await run_probe(monitor, probe_ctx)).outcome is Outcome.OK


async def test_expiring_soon_fails_only_below_the_threshold(
    tls_servers: TLSServers, probe_ctx: ProbeContext
) -> None:
    port, ca = tls_servers.expiring.port, tls_servers.ca_file
    soon = await run_probe(
        tls("127.0.0.1", port, ca_file=ca, expect=Expect(cert_valid_for=14 * DAYS)), probe_ctx
    )
    fine = await run_probe(
        tls("127.0.0.1", port, ca_file=ca, expect=Expect(cert_valid_for=2 * DAYS)), probe_ctx
    )
    unchecked = await run_probe(tls("127.0.0.1", port, ca_file=ca), probe_ctx)
    assert soon.outcome is Outcome.FAIL
    assert soon.reason == "certificate expires in 3 days (< 14 days)"
    assert soon.details["days_left"] == 3
    assert fine.outcome is Outcome.OK
    assert unchecked.outcome is Outcome.OK


@pytest.mark.parametrize(
    ("server", "reason"),
    [
        ("expired", "certificate verification failed: certificate has expired"),
        (
            "wrong_host",
            "certificate verification failed: IP address mismatch, "
            "certificate is not valid for '127.0.0.1'.",
        ),
        ("self_signed", "certificate verification failed: self-signed certificate"),
    ],
)
async def test_invalid_certificates_fail_with_the_verification_reason(
    tls_servers: TLSServers, probe_ctx: ProbeContext, server: str, reason: str
) -> None:
    target: HTTPTestServer = getattr(tls_servers, server)
    result = await run_probe(tls("127.0.0.1", target.port, ca_file=tls_servers.ca_file), probe_ctx)
    assert (result.outcome, result.reason) == (Outcome.FAIL, reason)


async def test_wrong_host_by_name(tls_servers: TLSServers, probe_ctx: ProbeContext) -> None:
    monitor = tls("localhost", tls_servers.wrong_host.port, ca_file=tls_servers.ca_file)
    result = await run_probe(monitor, probe_ctx)
    assert result.outcome is Outcome.FAIL
    assert result.reason == (
        "certificate verification failed: Hostname mismatch, "
        "certificate is not valid for 'localhost'."
    )


async def test_untrusted_ca_without_ca_file(
    tls_servers: TLSServers, probe_ctx: ProbeContext
) -> None:
    result = await run_probe(tls("127.0.0.1", tls_servers.valid.port), probe_ctx)
    assert result.outcome is Outcome.FAIL
    assert result.reason == (
        "certificate verification failed: unable to get local issuer certificate"
    )


async def test_connection_refused(probe_ctx: ProbeContext, closed_port: int) -> None:
    result = await run_probe(tls("127.0.0.1", closed_port), probe_ctx)
    assert (result.outcome, result.reason) == (Outcome.FAIL, "connection refused")


async def test_server_that_never_handshakes_times_out(
    http_server: HTTPTestServer, probe_ctx: ProbeContext
) -> None:
    # A plain HTTP server waits for a request line that a ClientHello never completes.
    start = time.perf_counter()
    result = await run_probe(tls("127.0.0.1", http_server.port, timeout=1), probe_ctx)
    elapsed = time.perf_counter() - start
    assert (result.outcome, result.reason) == (
        Outcome.FAIL, "timed out after 1s during TLS handshake",
    )  # fmt: skip
    assert 0.9 < elapsed < 1.5


async def test_garbage_instead_of_tls(garbage_port: int, probe_ctx: ProbeContext) -> None:
    result = await run_probe(tls("127.0.0.1", garbage_port), probe_ctx)
    assert result.outcome is Outcome.FAIL
    assert result.reason == (
        "TLS handshake failed: the server does not speak TLS (WRONG_VERSION_NUMBER)"
    )


async def test_cancellation_propagates(
    http_server: HTTPTestServer, probe_ctx: ProbeContext
) -> None:
    task = asyncio.create_task(run_probe(tls("127.0.0.1", http_server.port, timeout=5), probe_ctx))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_closed_context_gives_a_fail_naming_the_error(tls_servers: TLSServers) -> None:
    ctx = ProbeContext()
    await ctx.aclose()
    result = await run_probe(tls("127.0.0.1", tls_servers.valid.port), ctx)
    assert result.outcome is Outcome.FAIL
    assert result.reason == "probe error: RuntimeError: ProbeContext is closed"


@pytest.mark.parametrize(
    ("host", "port", "ca_file", "reason"),
    [
        (None, 443, None, "no host configured"),
        ("127.0.0.1", 70000, None, "invalid port 70000"),
        ("127.0.0.1", 1, "/nonexistent/ca.pem", "cannot load ca_file '/nonexistent/ca.pem'"),
        ("a..b", 443, None, "invalid host name 'a..b'"),
    ],
)
async def test_bad_configuration_fails_without_raising(
    probe_ctx: ProbeContext, host: str | None, port: int, ca_file: str | None, reason: str
) -> None:
    monitor = Monitor(
        id="c", name="c", type="tls", interval=30, timeout=1, confirm=Confirm(), host=host,
        port=port, ca_file=ca_file,
    )  # fmt: skip
    result = await run_probe(monitor, probe_ctx)
    assert result.outcome is Outcome.FAIL
    assert result.reason.startswith(reason)
