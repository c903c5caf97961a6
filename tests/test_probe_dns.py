"""DNS probe against a real loopback DNS server (dnslib, UDP)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from statuscat_tui.core.model import Confirm, Expect, Monitor
from statuscat_tui.core.results import Outcome
from statuscat_tui.probes import ProbeContext, run_probe
from statuscat_tui.probes.context import parse_nameserver
from tests.support.dnsserver import DNSTestServer


def dns(server: DNSTestServer, host: str, record: str = "A", **kw: Any) -> Monitor:
    kw.setdefault("timeout", 2.0)
    return Monitor(
        id="dns", name="dns", type="dns", interval=30, confirm=Confirm(), host=host,
        record=record, nameserver=server.nameserver, **kw,
    )  # fmt: skip


@pytest.fixture
def zone(dns_server: DNSTestServer) -> DNSTestServer:
    dns_server.add("api.test", "A", "10.0.0.1", "10.0.0.2")
    dns_server.add("api.test", "AAAA", "2001:db8::1")
    dns_server.add("api.test", "TXT", "v=spf1 include:Mail.test -all")
    dns_server.add("api.test", "MX", "10 Mail.test.")
    dns_server.add("api.test", "NS", "ns1.test.")
    dns_server.add("www.test", "CNAME", "api.test.")
    return dns_server


async def test_a_record_ok_with_answers(zone: DNSTestServer, probe_ctx: ProbeContext) -> None:
    result = await run_probe(dns(zone, "api.test"), probe_ctx)
    assert result.outcome is Outcome.OK
    assert result.reason.startswith("A 10.0.0.1, 10.0.0.2 in ")
    assert result.details == {"answers": ["10.0.0.1", "10.0.0.2"]}
    assert result.latency is not None and result.latency < 1
    assert zone.queries("api.test") == 1


@pytest.mark.parametrize(
    ("host", "record", "answers", "contains"),
    [
        ("api.test", "AAAA", ["2001:db8::1"], "2001:db8::1"),
        ("api.test", "txt", ["v=spf1 include:Mail.test -all"], "include:Mail.test"),
        ("api.test", "MX", ["10 Mail.test."], "mail.test"),  # names: any case
        ("api.test", "NS", ["ns1.test."], "ns1"),
        ("www.test", "CNAME", ["api.test."], "api.test"),
    ],
)
async def test_record_types_and_contains(
    zone: DNSTestServer,
    probe_ctx: ProbeContext,
    host: str,
    record: str,
    answers: list[str],
    contains: str,
) -> None:
    result = await run_probe(dns(zone, host, record, expect=Expect(contains=contains)), probe_ctx)
    assert result.outcome is Outcome.OK, result.reason
    assert result.details["answers"] == answers


async def test_contains_mismatch(zone: DNSTestServer, probe_ctx: ProbeContext) -> None:
    result = await run_probe(dns(zone, "api.test", expect=Expect(contains="10.0.0.9")), probe_ctx)
    assert result.outcome is Outcome.FAIL
    assert result.reason == "no A record contains 10.0.0.9 (got 10.0.0.1, 10.0.0.2)"
    # TXT values are compared exactly: a token's case matters.
    txt = await run_probe(
        dns(zone, "api.test", "TXT", expect=Expect(contains="include:mail.test")), probe_ctx
    )
    assert txt.outcome is Outcome.FAIL


async def test_nxdomain(zone: DNSTestServer, probe_ctx: ProbeContext) -> None:
    result = await run_probe(dns(zone, "missing.test"), probe_ctx)
    assert (result.outcome, result.reason) == (Outcome.FAIL, "NXDOMAIN: no such name")


async def test_no_answer(zone: DNSTestServer, probe_ctx: ProbeContext) -> None:
    result = await run_probe(dns(zone, "www.test", "MX"), probe_ctx)
    assert (result.outcome, result.reason) == (Outcome.FAIL, "no MX record for www.test")


async def test_servfail(zone: DNSTestServer, probe_ctx: ProbeContext) -> None:
    zone.servfail("broken.test")
    result = await run_probe(dns(zone, "broken.test"), probe_ctx)
    assert result.outcome is Outcome.FAIL
    assert result.reason.startswith("nameserver failed: ")
    assert result.reason.endswith("answered SERVFAIL")


@pytest.mark.parametrize("everything", [False, True])
async def test_silent_server_times_out(
    zone: DNSTestServer, probe_ctx: ProbeContext, everything: bool
) -> None:
    if everything:
        zone.silent = True
    else:
        zone.drop("slow.test")
    start = time.perf_counter()
    result = await run_probe(dns(zone, "slow.test", timeout=1.0), probe_ctx)
    elapsed = time.perf_counter() - start
    assert (result.outcome, result.reason) == (Outcome.FAIL, "timed out after 1s (no DNS answer)")
    assert result.latency is None
    assert 0.9 < elapsed < 1.5
    assert zone.queries("slow.test") >= 1


async def test_slow_answer_is_degraded(zone: DNSTestServer, probe_ctx: ProbeContext) -> None:
    monitor = dns(zone, "api.test", expect=Expect(max_response_time=0.0))
    result = await run_probe(monitor, probe_ctx)
    assert result.outcome is Outcome.DEGRADED
    assert result.reason.startswith("slow: ")


async def test_runtime_changes_are_seen(zone: DNSTestServer, probe_ctx: ProbeContext) -> None:
    monitor = dns(zone, "new.test")
    assert (await run_probe(monitor, probe_ctx)).reason == "NXDOMAIN: no such name"
    zone.add("new.test", "A", "192.0.2.7")
    assert (await run_probe(monitor, probe_ctx)).details == {"answers": ["192.0.2.7"]}


@pytest.mark.parametrize(
    ("host", "record", "nameserver", "reason"),
    [
        (None, "A", None, "no host configured"),
        ("api.test", "BOGUS", None, "unknown record type 'BOGUS'"),
        ("api.test", "A", "ns1.example.com", "invalid nameserver 'ns1.example.com'"),
        ("api.test", "A", "127.0.0.1:99999", "invalid nameserver '127.0.0.1:99999'"),
        ("a..b", "A", None, "invalid name 'a..b'"),
    ],
)
async def test_bad_configuration_fails_without_raising(
    zone: DNSTestServer,
    probe_ctx: ProbeContext,
    host: str | None,
    record: str,
    nameserver: str | None,
    reason: str,
) -> None:
    monitor = Monitor(
        id="dns", name="dns", type="dns", interval=30, timeout=1, confirm=Confirm(),
        host=host, record=record, nameserver=nameserver or zone.nameserver,
    )  # fmt: skip
    result = await run_probe(monitor, probe_ctx)
    assert result.outcome is Outcome.FAIL
    assert result.reason.startswith(reason)


async def test_cancellation_propagates(zone: DNSTestServer, probe_ctx: ProbeContext) -> None:
    zone.drop("slow.test")
    task = asyncio.create_task(run_probe(dns(zone, "slow.test", timeout=5), probe_ctx))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("192.0.2.1", ("192.0.2.1", 53)),
        ("192.0.2.1:5353", ("192.0.2.1", 5353)),
        ("2001:db8::1", ("2001:db8::1", 53)),
        ("[2001:db8::1]:5353", ("2001:db8::1", 5353)),
    ],
)
def test_parse_nameserver(text: str, parsed: tuple[str, int]) -> None:
    assert parse_nameserver(text) == parsed


@pytest.mark.parametrize("text", ["dns.example", "192.0.2.1:0", "[2001:db8::1", "1.2.3.4:x"])
def test_parse_nameserver_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_nameserver(text)
