"""HTTP probe against a real loopback server: outcomes, reasons, deadlines, limits."""

from __future__ import annotations

import asyncio
import gzip
import time
from typing import Any

import pytest

from statuscat_tui import __version__
from statuscat_tui.core.model import Confirm, Expect, Monitor
from statuscat_tui.core.results import CheckResult, Outcome
from statuscat_tui.probes import ProbeContext, run_probe
from statuscat_tui.probes.http import BODY_CAP, SNIPPET
from tests.support.httpserver import HTTPTestServer
from tests.support.tlsserver import TLSServers

MiB = 1024 * 1024


def http(url: str, *, timeout: float = 2.0, **kw: Any) -> Monitor:
    return Monitor(
        id="api", name="api", type="http", interval=30, timeout=timeout, confirm=Confirm(),
        url=url, **kw,
    )  # fmt: skip


async def timed(monitor: Monitor, ctx: ProbeContext) -> tuple[CheckResult, float]:
    start = time.perf_counter()
    result = await run_probe(monitor, ctx)
    return result, time.perf_counter() - start


def assert_one_line(result: CheckResult) -> None:
    assert "\n" not in result.reason and "\r" not in result.reason
    assert len(result.reason) <= 200


async def test_ok_reports_status_latency_and_details(
    http_server: HTTPTestServer, probe_ctx: ProbeContext
) -> None:
    http_server.set("/health", body="healthy")
    result = await run_probe(http(http_server.url("/health")), probe_ctx)
    assert result.outcome is Outcome.OK
    assert result.reason.startswith("HTTP 200 OK in ")
    assert result.latency is not None and 0 < result.latency < 2
    assert result.details == {
        "status_code": 200,
        "final_url": http_server.url("/health"),
        "bytes_read": len("healthy"),
        "redirects": 0,
    }


async def test_server_error_fails_with_status_and_body_snippet(
    http_server: HTTPTestServer, probe_ctx: ProbeContext
) -> None:
    http_server.set("/health", status=500, body="database down\n\x1b[31mtrace…")
    result = await run_probe(http(http_server.url("/health")), probe_ctx)
    assert result.outcome is Outcome.FAIL
    assert result.reason == "HTTP 500 Internal Server Error"
    assert result.details["status_code"] == 500
    # Outside text is kept literally, but on one line and without terminal escapes.
    assert result.details["body_snippet"] == "database down [31mtrace…"


async def test_4xx_fails_and_3xx_passes_without_status_expectation(
    http_server: HTTPTestServer, probe_ctx: ProbeContext
) -> None:
    http_server.set("/missing", status=404)
    http_server.redirect("/moved", "/elsewhere")
    missing = await run_probe(http(http_server.url("/missing")), probe_ctx)
    moved = await run_probe(http(http_server.url("/moved"), max_redirects=0), probe_ctx)
    assert (missing.outcome, missing.reason) == (Outcome.FAIL, "HTTP 404 Not Found")
    assert moved.outcome is Outcome.OK and moved.reason.startswith("HTTP 302 Found")
    assert http_server.hits("/elsewhere") == 0  # max_redirects 0: not followed


async def test_expected_status(http_server: HTTPTestServer, probe_ctx: ProbeContext) -> None:
    http_server.set("/a", status=503)
    http_server.set("/b", status=404)
    wrong = await run_probe(http(http_server.url("/a"), expect=Expect(status=(200,))), probe_ctx)
    two = await run_probe(http(http_server.url("/a"), expect=Expect(status=(200, 204))), probe_ctx)
    right = await run_probe(http(http_server.url("/b"), expect=Expect(status=(404,))), probe_ctx)
    assert wrong.outcome is Outcome.FAIL
    assert wrong.reason == "expected status 200, got 503 Service Unavailable"
    assert two.reason == "expected status 200 or 204, got 503 Service Unavailable"
    assert right.outcome is Outcome.OK


async def test_body_contains(http_server: HTTPTestServer, probe_ctx: ProbeContext) -> None:
    http_server.set("/health", body="status: healthy")
    good = await run_probe(
        http(http_server.url("/health"), expect=Expect(body_contains="healthy")), probe_ctx
    )
    bad = await run_probe(
        http(http_server.url("/health"), expect=Expect(body_contains="ready")), probe_ctx
    )
    assert good.outcome is Outcome.OK
    assert bad.outcome is Outcome.FAIL
    assert bad.reason == "body does not contain 'ready'"
    assert bad.details["body_snippet"] == "status: healthy"


async def test_body_contains_sees_decompressed_text(
    http_server: HTTPTestServer, probe_ctx: ProbeContext
) -> None:
    http_server.set("/gz", body=gzip.compress(b"all healthy"), headers={"Content-Encoding": "gzip"})
    http_server.set("/bad", body=b"not gzip at all", headers={"Content-Encoding": "gzip"})
    good = await run_probe(
        http(http_server.url("/gz"), expect=Expect(body_contains="healthy")), probe_ctx
    )
    bad = await run_probe(http(http_server.url("/bad")), probe_ctx)
    assert good.outcome is Outcome.OK
    assert bad.outcome is Outcome.FAIL and bad.reason.startswith("cannot decode body")


@pytest.mark.parametrize(
    ("checks", "outcome", "reason"),
    [
        ((("status", "ok"), ("checks.1.status", "ok")), Outcome.OK, None),
        ((("checks.0.name", "db"), ("checks.0.ok", True)), Outcome.OK, None),
        ((("checks.1.status", "down"),), Outcome.FAIL,
         "json checks.1.status: expected 'down', got 'ok'"),
        ((("checks.2.status", "ok"),), Outcome.FAIL, "json checks.2.status: not found"),
        ((("status.deep", "ok"),), Outcome.FAIL, "json status.deep: not found"),
        ((("checks.0.ok", 1),), Outcome.FAIL, "json checks.0.ok: expected 1, got True"),
        ((("count", 3),), Outcome.OK, None),
    ],
)  # fmt: skip
async def test_json_paths(
    http_server: HTTPTestServer,
    probe_ctx: ProbeContext,
    checks: tuple[tuple[str, Any], ...],
    outcome: Outcome,
    reason: str | None,
) -> None:
    http_server.set(
        "/status",
        json={
            "status": "ok",
            "count": 3.0,
            "checks": [{"name": "db", "ok": True}, {"name": "cache", "status": "ok"}],
        },
    )
    result = await run_probe(
        http(http_server.url("/status"), expect=Expect(json=checks)), probe_ctx
    )
    assert result.outcome is outcome
    if reason is not None:
        assert result.reason == reason


async def test_json_mismatch_reason(http_server: HTTPTestServer, probe_ctx: ProbeContext) -> None:
    http_server.set("/status", json={"status": "degraded"})
    result = await run_probe(
        http(http_server.url("/status"), expect=Expect(json=(("status", "ok"),))), probe_ctx
    )
    assert (result.outcome, result.reason) == (
        Outcome.FAIL,
        "json status: expected 'ok', got 'degraded'",
    )


async def test_body_not_json(http_server: HTTPTestServer, probe_ctx: ProbeContext) -> None:
    http_server.set("/status", body="<html>oops</html>")
    result = await run_probe(
        http(http_server.url("/status"), expect=Expect(json=(("status", "ok"),))), probe_ctx
    )
    assert (result.outcome, result.reason) == (Outcome.FAIL, "body is not JSON")
    assert result.details["body_snippet"] == "<html>oops</html>"


async def test_long_outside_text_is_truncated(
    http_server: HTTPTestServer, probe_ctx: ProbeContext
) -> None:
    http_server.set("/status", json={"message": "x" * 5000 + "\n" + "y" * 5000})
    result = await run_probe(
        http(http_server.url("/status"), expect=Expect(json=(("message", "fine"),))), probe_ctx
    )
    assert result.outcome is Outcome.FAIL
    assert result.reason.startswith("json message: expected 'fine', got 'xxx")
    assert result.reason.endswith("…")
    assert_one_line(result)


async def test_slow_but_ok_is_degraded(
    http_server: HTTPTestServer, probe_ctx: ProbeContext
) -> None:
    http_server.set("/slow", delay=0.3)
    http_server.set("/slow-error", delay=0.3, status=500)
    expect = Expect(max_response_time=0.1)
    slow = await run_probe(http(http_server.url("/slow"), expect=expect), probe_ctx)
    broken = await run_probe(http(http_server.url("/slow-error"), expect=expect), probe_ctx)
    fast = await run_probe(
        http(http_server.url("/slow"), expect=Expect(max_response_time=1.5)), probe_ctx
    )
    assert slow.outcome is Outcome.DEGRADED
    assert slow.reason.startswith("slow: ") and slow.reason.endswith(" > 100ms")
    assert slow.latency is not None and slow.latency >= 0.3
    assert broken.outcome is Outcome.FAIL  # slowness never hides a failure
    assert fast.outcome is Outcome.OK


async def test_sends_headers_and_user_agent(
    http_server: HTTPTestServer, probe_ctx: ProbeContext
) -> None:
    monitor = http(
        http_server.url("/h"), headers=(("X-Api-Key", "k-123"), ("Accept", "text/plain"))
    )
    await run_probe(monitor, probe_ctx)
    (request,) = http_server.requests("/h")
    assert request.headers["x-api-key"] == "k-123"
    assert request.headers["accept"] == "text/plain"
    assert request.headers["user-agent"] == f"StatusCat/{__version__}"
    assert request.method == "GET"


async def test_configured_secrets_never_reach_reason_or_details(
    http_server: HTTPTestServer, probe_ctx: ProbeContext
) -> None:
    token = "Bearer s3cr3t-t0ken"
    # A server that echoes the credential back, in the status line and the body.
    http_server.set("/echo", status=401, reason=f"bad {token}", body=f"you sent {token}")
    url = http_server.url("/echo").replace("http://", "http://alice:hunter22@") + "?key=qwerty99"
    result = await run_probe(http(url, headers=(("Authorization", token),)), probe_ctx)
    assert result.outcome is Outcome.FAIL
    text = result.reason + repr(result.details)
    for secret in ("s3cr3t-t0ken", "hunter22", "qwerty99", "alice"):
        assert secret not in text
    assert result.details["final_url"] == http_server.url("/echo")
    assert result.details["body_snippet"] == "you sent ***"


@pytest.mark.parametrize(
    ("phrase", "body"),
    [
        # The status phrase is cut at 60 characters: here 12 characters into the token.
        ("r" * (59 - 12) + "{token}", "short"),
        # The body snippet is cut at SNIPPET characters: here 12 characters into the token.
        ("Unauthorized", "x" * (SNIPPET - 12) + "{token} and more"),
    ],
)
async def test_a_header_value_cut_short_by_a_long_answer_is_masked_too(
    http_server: HTTPTestServer, probe_ctx: ProbeContext, phrase: str, body: str
) -> None:
    """A literal header value (no ``${VAR}``) echoed back where the answer is cut."""
    token = "s3cr3t-literal-t0ken-abcdef"
    http_server.set(
        "/echo", status=401, reason=phrase.format(token=token), body=body.format(token=token)
    )
    result = await run_probe(
        http(http_server.url("/echo"), headers=(("X-Api-Key", token),)), probe_ctx
    )
    text = result.reason + repr(result.details)
    assert token[:4] not in text, text
    assert "***…" in text  # the cut is marked, and the piece before it masked


async def test_redirect_chain_is_followed(
    http_server: HTTPTestServer, probe_ctx: ProbeContext
) -> None:
    http_server.redirect_chain(["/r1", "/r2", "/r3", "/final"], final_body="arrived")
    result = await run_probe(
        http(http_server.url("/r1"), expect=Expect(body_contains="arrived")), probe_ctx
    )
    assert result.outcome is Outcome.OK
    assert result.details["redirects"] == 3
    assert result.details["final_url"] == http_server.url("/final")
    too_far = await run_probe(http(http_server.url("/r1"), max_redirects=2), probe_ctx)
    assert (too_far.outcome, too_far.reason) == (Outcome.FAIL, "too many redirects (>2)")


async def test_redirect_loop_fails(http_server: HTTPTestServer, probe_ctx: ProbeContext) -> None:
    http_server.redirect("/loop", "/loop")
    result, elapsed = await timed(http(http_server.url("/loop")), probe_ctx)
    assert (result.outcome, result.reason) == (Outcome.FAIL, "too many redirects (>5)")
    assert http_server.hits("/loop") == 6  # the first request and 5 redirects
    assert elapsed < 1


async def test_hang_times_out_without_headers(
    http_server: HTTPTestServer, probe_ctx: ProbeContext
) -> None:
    http_server.set("/hang", behaviour="hang")
    result, elapsed = await timed(http(http_server.url("/hang"), timeout=1), probe_ctx)
    assert (result.outcome, result.reason) == (
        Outcome.FAIL,
        "timed out after 1s (no response headers)",
    )
    assert result.latency is None
    assert 0.9 < elapsed < 1.5
    # The shared client still works after a request was cut off.
    http_server.set("/ok")
    assert (await run_probe(http(http_server.url("/ok")), probe_ctx)).outcome is Outcome.OK


async def test_headers_then_hang_times_out_reading_body(
    http_server: HTTPTestServer, probe_ctx: ProbeContext
) -> None:
    http_server.set("/stall", behaviour="headers_then_hang", body="x" * 100)
    result, elapsed = await timed(http(http_server.url("/stall"), timeout=1), probe_ctx)
    assert (result.outcome, result.reason) == (Outcome.FAIL, "timed out after 1s reading body")
    assert 0.9 < elapsed < 1.5


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [
        ("trickle", "timed out after 1s reading body"),
        ("trickle_headers", "timed out after 1s (no response headers)"),
    ],
)
async def test_trickling_server_is_cut_off_at_the_deadline(
    http_server: HTTPTestServer, probe_ctx: ProbeContext, behaviour: Any, reason: str
) -> None:
    # One byte every 0.2 s: each read makes progress, only a total deadline stops it.
    http_server.set("/drip", behaviour=behaviour, body="x" * 50, trickle_interval=0.2)
    result, elapsed = await timed(http(http_server.url("/drip"), timeout=1), probe_ctx)
    assert (result.outcome, result.reason) == (Outcome.FAIL, reason)
    assert 0.9 < elapsed < 1.5


async def test_huge_body_is_read_only_up_to_the_cap(
    http_server: HTTPTestServer, probe_ctx: ProbeContext
) -> None:
    http_server.set("/big", body_size=50 * MiB)
    result, elapsed = await timed(
        http(http_server.url("/big"), expect=Expect(body_contains="xxxx")), probe_ctx
    )
    assert result.outcome is Outcome.OK
    assert BODY_CAP <= result.details["bytes_read"] < BODY_CAP + 256 * 1024
    assert result.details["truncated"] is True
    assert elapsed < 2
    missing = await run_probe(
        http(http_server.url("/big"), expect=Expect(body_contains="needle")), probe_ctx
    )
    assert missing.reason == "body does not contain 'needle' (in the first 1 MiB)"
    await asyncio.sleep(0.1)
    # Two requests, yet less than one full body went out: reading really stopped.
    assert http_server.bytes_sent("/big") < 50 * MiB


async def test_connection_refused(probe_ctx: ProbeContext, closed_port: int) -> None:
    result = await run_probe(http(f"http://127.0.0.1:{closed_port}/"), probe_ctx)
    assert (result.outcome, result.reason, result.latency) == (
        Outcome.FAIL, "connection refused", None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("behaviour", "body", "reason"),
    [
        ("garbage", b"", "not an HTTP response: 'garbage'"),
        ("close", b"", "server closed the connection without a response"),
        ("raw", b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "not an HTTP response: 'SSH-2.0-OpenSSH_9.6'"),
        (
            "raw",
            b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nshort",
            "server closed the connection mid-body (received 5 bytes, expected 99)",
        ),
    ],
)
async def test_garbage_answers_fail_without_raising(
    http_server: HTTPTestServer, probe_ctx: ProbeContext, behaviour: Any, body: bytes, reason: str
) -> None:
    http_server.set("/x", behaviour=behaviour, body=body)
    result = await run_probe(http(http_server.url("/x")), probe_ctx)
    assert result.outcome is Outcome.FAIL
    assert result.reason.startswith(reason)
    assert_one_line(result)


async def test_behaviour_changes_at_runtime_and_connections_are_reused(
    http_server: HTTPTestServer, probe_ctx: ProbeContext
) -> None:
    http_server.set("/health")
    monitor = http(http_server.url("/health"))
    assert (await run_probe(monitor, probe_ctx)).outcome is Outcome.OK
    http_server.set("/health", status=500)
    assert (await run_probe(monitor, probe_ctx)).outcome is Outcome.FAIL
    http_server.set("/health")
    assert (await run_probe(monitor, probe_ctx)).outcome is Outcome.OK
    assert http_server.hits("/health") == 3
    assert http_server.connections == 1  # keep-alive through the shared client


@pytest.mark.parametrize(
    ("url", "headers", "reason"),
    [
        (None, (), "no url configured"),
        ("not a url", (), "invalid URL: "),
        ("ftp://example.test/", (), "invalid URL: "),
        ("http://[::1", (), "invalid URL: "),
        ("http://127.0.0.1:99999/", (), "probe error: OverflowError"),
        ("http://127.0.0.1:9/", (("X-Token", "naïve-secret"),), "invalid URL or header value"),
        ("HTTP_SERVER", (("X-Token", "naive-secret\nX-Evil: 1"),), "invalid request: a header"),
    ],
)
async def test_bad_configuration_fails_without_raising(
    http_server: HTTPTestServer,
    probe_ctx: ProbeContext,
    url: str | None,
    headers: tuple[tuple[str, str], ...],
    reason: str,
) -> None:
    if url == "HTTP_SERVER":
        url = http_server.url("/")
    monitor = Monitor(
        id="x", name="x", type="http", interval=30, timeout=1, confirm=Confirm(), url=url,
        headers=headers,
    )  # fmt: skip
    result = await run_probe(monitor, probe_ctx)
    assert result.outcome is Outcome.FAIL
    assert result.reason.startswith(reason)
    assert "secret" not in result.reason
    assert http_server.hits("/") == 0


async def test_missing_ca_file(probe_ctx: ProbeContext, tmp_path: Any) -> None:
    result = await run_probe(
        http("https://127.0.0.1:9/", ca_file=str(tmp_path / "nope.pem")), probe_ctx
    )
    assert result.outcome is Outcome.FAIL
    assert result.reason.startswith("cannot load ca_file '")
    # The path itself may be shortened in the reason (long temp dirs); the cause may not.
    assert result.reason.endswith("': No such file or directory")


async def test_https_verifies_with_ca_file(
    tls_servers: TLSServers, probe_ctx: ProbeContext
) -> None:
    url = tls_servers.valid.url("/")
    trusted = await run_probe(http(url, ca_file=tls_servers.ca_file), probe_ctx)
    untrusted = await run_probe(http(url), probe_ctx)
    expired = await run_probe(
        http(tls_servers.expired.url("/"), ca_file=tls_servers.ca_file), probe_ctx
    )
    assert trusted.outcome is Outcome.OK
    assert trusted.details["final_url"] == url
    assert untrusted.outcome is Outcome.FAIL
    assert untrusted.reason == (
        "certificate verification failed: unable to get local issuer certificate"
    )
    assert expired.reason == "certificate verification failed: certificate has expired"


async def test_waiting_for_a_pooled_connection_counts_against_the_deadline(
    http_server: HTTPTestServer,
) -> None:
    http_server.set("/hang", behaviour="hang")
    http_server.set("/ok")
    async with ProbeContext(max_connections=1) as ctx:
        hung, queued = await asyncio.gather(
            run_probe(http(http_server.url("/hang"), timeout=1), ctx),
            run_probe(http(http_server.url("/ok"), timeout=0.5), ctx),
        )
    assert hung.reason == "timed out after 1s (no response headers)"
    assert queued.reason == "timed out after 500ms (waiting for a free connection)"
    assert http_server.hits("/ok") == 0


async def test_closed_context_gives_a_fail_naming_the_error(http_server: HTTPTestServer) -> None:
    ctx = ProbeContext()
    await ctx.aclose()
    result = await run_probe(http(http_server.url("/")), ctx)
    assert result.outcome is Outcome.FAIL
    assert result.reason == "probe error: RuntimeError: ProbeContext is closed"


async def test_cancellation_propagates(
    http_server: HTTPTestServer, probe_ctx: ProbeContext
) -> None:
    http_server.set("/hang", behaviour="hang")
    task = asyncio.create_task(run_probe(http(http_server.url("/hang"), timeout=5), probe_ctx))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_heartbeat_is_not_probed(probe_ctx: ProbeContext) -> None:
    beat = Monitor(id="hb", name="hb", type="heartbeat", interval=30, timeout=1, confirm=Confirm())
    with pytest.raises(ValueError, match="heartbeat"):
        await run_probe(beat, probe_ctx)
