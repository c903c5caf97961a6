"""HTTP(S) probe: one GET through the shared client, checked against ``monitor.expect``."""

from __future__ import annotations

import ast
import asyncio
import json
import re
import ssl
import time
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

import h11
import httpx

from statuscat_tui.core.model import Monitor
from statuscat_tui.core.redact import ELLIPSIS, redact
from statuscat_tui.core.results import CheckResult
from statuscat_tui.probes._common import (
    MAX_REASON,
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

BODY_CAP = 1024 * 1024  # checks see the first 1 MiB; reading stops there
SNIPPET = 120

# What the request was doing when the deadline hit, keyed by httpcore trace event.
_PHASES = {
    "connection.connect_tcp.started": "connecting",
    "connection.start_tls.started": "during TLS handshake",
    "http11.send_request_headers.started": "sending request",
    "http11.send_request_body.started": "sending request",
    "http11.receive_response_headers.started": "(no response headers)",
    "http2.send_request_headers.started": "sending request",
    "http2.receive_response_headers.started": "(no response headers)",
}
_READING_BODY = "reading body"


class _Phase:
    """httpcore ``trace`` callback remembering the current phase, for timeout reasons."""

    __slots__ = ("name",)

    def __init__(self) -> None:
        self.name = "(waiting for a free connection)"

    async def __call__(self, event: str, info: dict[str, Any]) -> None:
        phase = _PHASES.get(event)
        if phase is not None:
            self.name = phase


async def probe_http(monitor: Monitor, ctx: ProbeContext) -> CheckResult:
    """GET ``monitor.url`` and judge the answer; never raises (except on cancellation)."""
    try:
        result = await _probe(monitor, ctx)
    except Exception as exc:
        result = unexpected(exc)
    secrets = _secrets(monitor)
    return _scrub(result, secrets) if secrets else result


async def _probe(monitor: Monitor, ctx: ProbeContext) -> CheckResult:
    if not monitor.url:
        return fail("no url configured")
    try:
        client = ctx.http_client(
            ca_file=monitor.ca_file, max_redirects=monitor.max_redirects, shard=monitor.id
        )
    except OSError as exc:
        return fail(f"cannot load ca_file {quote(monitor.ca_file or '')}: {exc.strerror or exc}")
    except ssl.SSLError as exc:
        return fail(f"cannot load ca_file {quote(monitor.ca_file or '')}: {exc}")

    phase = _Phase()
    try:
        request = client.build_request(
            "GET", monitor.url, headers=monitor.headers, extensions={"trace": phase}
        )
    except httpx.InvalidURL as exc:
        return fail(f"invalid URL: {exc}")
    except (UnicodeError, ValueError, TypeError) as exc:
        # The message would quote the offending header value, which may be a secret.
        return fail(f"invalid URL or header value ({type(exc).__name__}; only ASCII is allowed)")
    deadline = asyncio.timeout(monitor.timeout)
    start = time.perf_counter()
    try:
        async with deadline:
            response = await client.send(request, stream=True)
            try:
                phase.name = _READING_BODY
                body, truncated = await _read_capped(response, need=_needs_body(monitor))
            finally:
                await response.aclose()
    except TimeoutError as exc:
        if deadline.expired():
            where = phase.name
            if where == "connecting":
                where = f"connecting to {_host_of(monitor.url) or 'host'}"
            return timed_out(monitor.timeout, where)
        return _from_error(exc, monitor, None)  # an OS-level timeout, not ours
    except httpx.TooManyRedirects:
        return fail(f"too many redirects (>{monitor.max_redirects})")
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        return _from_error(exc, monitor, time.perf_counter() - start, phase.name)
    latency = time.perf_counter() - start
    return _judge(monitor, response, body, truncated, latency)


def _needs_body(monitor: Monitor) -> bool:
    return monitor.expect.body_contains is not None or bool(monitor.expect.json)


async def _read_capped(response: httpx.Response, *, need: bool) -> tuple[bytes, bool]:
    """Read the (decoded) body up to BODY_CAP; return it and whether it was cut.

    Without body checks only the first bytes are kept, for a failure's snippet.
    """
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        if need or size <= SNIPPET:  # a byte past the snippet tells that there was more
            chunks.append(chunk if need else chunk[: SNIPPET + 1 - size])
        size += len(chunk)
        if size >= BODY_CAP:
            # Stop here: closing the response drops the connection, so a huge or
            # endless body costs at most a few socket buffers.
            return b"".join(chunks)[:BODY_CAP], size > BODY_CAP or _more_to_come(response)
    return b"".join(chunks), False


def _more_to_come(response: httpx.Response) -> bool:
    length = response.headers.get("content-length")
    return length is None or not length.isdigit() or int(length) > BODY_CAP


def _judge(
    monitor: Monitor, response: httpx.Response, body: bytes, truncated: bool, latency: float
) -> CheckResult:
    expect = monitor.expect
    status = response.status_code
    details: dict[str, Any] = {
        "status_code": status,
        "final_url": _safe_url(response.url),
        "bytes_read": response.num_bytes_downloaded,
        "redirects": len(response.history),
    }
    if truncated:
        details["truncated"] = True
    code_text = f"{status} {_phrase(response)}".rstrip()
    status_text = f"HTTP {code_text}"

    if expect.status:
        if status not in expect.status:
            wanted = " or ".join(str(s) for s in expect.status)
            return _fail_with_body(
                f"expected status {wanted}, got {code_text}", latency, details, body
            )
    elif not 200 <= status < 400:
        return _fail_with_body(status_text, latency, details, body)

    if expect.body_contains is not None:
        text = _decode(body, response)
        if expect.body_contains not in text:
            where = " (in the first 1 MiB)" if truncated else ""
            return _fail_with_body(
                f"body does not contain {quote(expect.body_contains)}{where}",
                latency,
                details,
                body,
            )

    if expect.json:
        try:
            document = json.loads(body)
        except ValueError:
            cut = " (cut at 1 MiB)" if truncated else ""
            return _fail_with_body(f"body is not JSON{cut}", latency, details, body)
        for path, expected in expect.json:
            found, actual = _lookup(document, path)
            if not found:
                return fail(f"json {path}: not found", latency, **details)
            if not _json_equal(actual, expected):
                return fail(
                    f"json {path}: expected {_short(expected)}, got {_short(actual)}",
                    latency,
                    **details,
                )

    return ok_or_slow(
        f"{status_text} in {fmt_seconds(latency)}", latency, expect.max_response_time, **details
    )


def _fail_with_body(
    reason: str, latency: float, details: dict[str, Any], body: bytes
) -> CheckResult:
    if body:
        # A cut says so ("…"): the start of a secret cut there is then masked too.
        more = ELLIPSIS if len(body) > SNIPPET else ""
        text = body[:SNIPPET].decode("utf-8", "replace") + more
        details["body_snippet"] = one_line(text, SNIPPET + len(more))
    return fail(reason, latency, **details)


def _phrase(response: httpx.Response) -> str:
    phrase = response.reason_phrase
    if not phrase:
        try:
            phrase = HTTPStatus(response.status_code).phrase
        except ValueError:
            phrase = ""
    return one_line(phrase, 60)


def _decode(body: bytes, response: httpx.Response) -> str:
    try:
        return body.decode(response.encoding or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return body.decode("utf-8", errors="replace")


def _lookup(document: Any, path: str) -> tuple[bool, Any]:
    """Follow ``a.b.0.c`` through dicts and lists; (False, None) when a step is missing."""
    current = document
    for part in path.split("."):
        if isinstance(current, dict):
            if part not in current:
                return False, None
            current = current[part]
        elif isinstance(current, list):
            try:
                current = current[int(part)]
            except (ValueError, IndexError):
                return False, None
        else:
            return False, None
    return True, current


def _json_equal(actual: Any, expected: Any) -> bool:
    # In Python True == 1; in a health check `ok: true` must not match `ok: 1`.
    if isinstance(actual, bool) or isinstance(expected, bool):
        return type(actual) is type(expected) and actual == expected
    return bool(actual == expected)


def _short(value: Any) -> str:
    return one_line(repr(value), 60)


def _safe_url(url: httpx.URL) -> str:
    """The URL without userinfo, query or fragment: those may carry secrets."""
    port = f":{url.port}" if url.port is not None else ""
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{url.scheme}://{host}{port}{url.path}"


# Where a connection error happened, once the request was on its way: a reset
# while reading the body says the server started answering, then died.
_ERROR_PHASES = {
    _READING_BODY: " while reading body",
    "(no response headers)": " (no response headers)",
}


def _from_error(
    exc: BaseException, monitor: Monitor, latency: float | None, phase: str = ""
) -> CheckResult:
    host = _host_of(monitor.url or "")
    chain = list(exception_chain(exc))
    reason = describe_os_errors(chain, host)
    if reason is not None:
        if not reason.startswith(("TLS ", "certificate ", "could not resolve")):
            reason += _ERROR_PHASES.get(phase, "")
        return fail(reason)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return fail(f"invalid URL: {exc}")
    if isinstance(exc, httpx.RemoteProtocolError):
        return fail(_protocol_error(str(exc), chain), latency)
    if isinstance(exc, httpx.LocalProtocolError):
        # h11 quotes the offending header in its message; it may be a secret.
        return fail("invalid request: a header name or value has characters HTTP forbids")
    if isinstance(exc, httpx.DecodingError):
        return fail(f"cannot decode body: {exc}", latency)
    if isinstance(exc, httpx.ReadError):
        return fail(f"connection lost while reading: {str(exc) or type(exc).__name__}", latency)
    if isinstance(exc, httpx.HTTPError):
        message = str(exc) or type(exc).__name__
        return fail(f"{type(exc).__name__}: {message}", latency)
    return unexpected(exc, latency)


def _protocol_error(message: str, chain: list[BaseException]) -> str:
    """A reason for a response h11/httpcore could not parse, quoting what came instead."""
    if message.startswith("Server disconnected without sending a response"):
        sent = _unparsed(chain)
        if not sent:
            return "server closed the connection without a response"
        if sent.startswith(b"HTTP/"):
            return "server closed the connection in the middle of the response headers"
        return _not_http(sent)  # e.g. an SSH banner, then it hung up on our request
    if "complete message body" in message:  # h11: fewer bytes than Content-Length
        detail = message.partition("body")[2].strip(" ()")
        return f"server closed the connection mid-body ({detail})"
    if message.startswith("illegal status line: "):
        line = _bytes_literal(message.partition(": ")[2]) or b""
        if line.startswith(b"HTTP/"):
            return f"invalid HTTP status line: {quote(line.decode('utf-8', 'replace'))}"
        return _not_http(line)
    if message == "illegal request line":
        # h11's words when a response starts with a control byte or a space.
        return _not_http(_unparsed(chain))
    if message == "Receive buffer too long":
        return "invalid HTTP response: response headers too long"
    # Other h11 messages may quote the offending bytes as a Python literal.
    return "invalid HTTP response: " + _BYTES_REPR.sub(_quote_bytes, message)


_LITERAL = r"""b(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
_BYTES_REPR = re.compile(rf"bytearray\(({_LITERAL})\)|(?<!\w)({_LITERAL})")


def _quote_bytes(match: re.Match[str]) -> str:
    value = _bytes_literal(match.group(1) or match.group(2))
    return match.group(0) if value is None else quote(value.decode("utf-8", "replace"))


def _bytes_literal(text: str) -> bytes | None:
    """``b'..'`` or ``bytearray(b'..')`` as h11 formats it → the bytes; None if it is not one."""
    text = text.strip()
    if text.startswith("bytearray(") and text.endswith(")"):
        text = text[len("bytearray(") : -1]
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, bytes) else None


def _not_http(sent: bytes) -> str:
    """``not an HTTP response: 'SSH-2.0-OpenSSH_9.6'``: the first line the server sent."""
    line = sent.lstrip(b"\r\n").split(b"\n", 1)[0].rstrip(b"\r")
    text = line.decode("utf-8", "replace")
    if not text or sum(c.isprintable() for c in text) < 0.9 * len(text):
        return "not an HTTP response (binary data)"
    return f"not an HTTP response: {quote(text)}"


def _unparsed(chain: list[BaseException]) -> bytes:
    """The bytes the server sent that h11 could not make a response of (b"" if unknown).

    httpcore raises "Server disconnected without sending a response" before it
    hands the end of the stream to h11, so the exception does not say whether
    the server sent nothing or something that is not HTTP. The h11 connection
    still holds those bytes (``trailing_data``, public h11 API); it is reached
    through the frames of the httpcore exception's traceback.
    """
    for exc in chain:
        tb = exc.__traceback__
        while tb is not None:
            owner = tb.tb_frame.f_locals.get("self")
            if isinstance(owner, h11.Connection):
                return bytes(owner.trailing_data[0])
            for value in getattr(owner, "__dict__", {}).values():
                if isinstance(value, h11.Connection):
                    return bytes(value.trailing_data[0])
            tb = tb.tb_next
    return b""


def _host_of(url: str) -> str | None:
    try:
        return httpx.URL(url).host or None
    except Exception:
        return None


def _secrets(monitor: Monitor) -> list[str]:
    """Configured values that must never show in a reason: header values, URL credentials."""
    found = [value for _, value in monitor.headers if len(value) >= 4]
    url = monitor.url or ""
    if "@" in url or "?" in url:
        try:
            parsed = httpx.URL(url)
        except Exception:
            return found
        if parsed.password:
            found.append(parsed.password)
        found.extend(v for _, v in parse_qsl(parsed.query.decode(), keep_blank_values=False))
    return sorted((s for s in found if len(s) >= 4), key=len, reverse=True)


def _scrub(result: CheckResult, secrets: list[str]) -> CheckResult:
    # redact also masks the start of a secret cut short ("s3cr…").
    details = {
        k: redact(v, secrets) if isinstance(v, str) else v for k, v in result.details.items()
    }
    reason = one_line(redact(result.reason, secrets), MAX_REASON)
    if reason == result.reason and details == result.details:
        return result
    return CheckResult(result.outcome, result.latency, reason, details)
