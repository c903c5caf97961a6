"""TCP probe: can we open a connection to host:port in time?"""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from collections.abc import Sequence
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
    quote,
    remaining,
    timed_out,
    unexpected,
)
from statuscat_tui.probes.context import ProbeContext


class ConnectFailed(OSError):
    """Every address of a host refused or failed; ``errors`` has one error per address."""

    def __init__(self, errors: list[OSError]) -> None:
        super().__init__("; ".join(str(e) for e in errors) or "no address to connect to")
        self.errors = errors


STAGGER = 0.25  # RFC 8305's "connection attempt delay"


async def open_tcp(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, str]:
    """Connect to ``host`` the happy-eyeballs way; return the streams and ``"ip:port"``.

    Addresses are tried in resolver order, alternating families, a new attempt
    starting whenever the previous one fails or has been pending for STAGGER
    seconds, so a black-holed IPv6 route does not eat the whole timeout. Raises
    ``socket.gaierror`` when the name does not resolve and :class:`ConnectFailed`
    (keeping every address's error, so "refused" can be told from "unreachable").
    """
    loop = asyncio.get_running_loop()
    infos = _interleave(await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM))
    sock, address = await _race(loop, infos)
    try:
        reader, writer = await asyncio.open_connection(sock=sock)
    except BaseException:
        sock.close()
        raise
    ip = str(address[0])
    peer = f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
    return reader, writer, peer


AddrInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, Any]


def _interleave(infos: Sequence[AddrInfo]) -> list[AddrInfo]:
    """Alternate address families, first family first (RFC 8305 section 4)."""
    if len({info[0] for info in infos}) < 2:
        return list(infos)
    first = [i for i in infos if i[0] == infos[0][0]]
    other = [i for i in infos if i[0] != infos[0][0]]
    mixed = [i for pair in itertools.zip_longest(first, other) for i in pair if i is not None]
    return mixed


async def _connect(loop: asyncio.AbstractEventLoop, info: AddrInfo) -> socket.socket:
    family, type_, proto, _, address = info
    sock = socket.socket(family, type_, proto)
    try:
        sock.setblocking(False)
        await loop.sock_connect(sock, address)
    except BaseException:
        sock.close()
        raise
    return sock


async def _race(
    loop: asyncio.AbstractEventLoop, infos: list[AddrInfo]
) -> tuple[socket.socket, Any]:
    """The first socket to connect and its address; ConnectFailed when none does."""
    if len(infos) == 1:  # the common case needs no tasks
        try:
            return await _connect(loop, infos[0]), infos[0][4]
        except OSError as exc:
            raise ConnectFailed([exc]) from exc
    errors: list[OSError] = []
    attempts: dict[asyncio.Task[socket.socket], Any] = {}
    pending: set[asyncio.Task[socket.socket]] = set()
    winner: asyncio.Task[socket.socket] | None = None
    todo = iter(infos)
    try:
        while True:
            info = next(todo, None)
            if info is not None:
                task = asyncio.create_task(_connect(loop, info))
                attempts[task] = info[4]
                pending.add(task)
            if not pending:
                raise ConnectFailed(errors)
            done, pending = await asyncio.wait(
                pending,
                timeout=STAGGER if info is not None else None,
                return_when=asyncio.FIRST_COMPLETED,
            )
            for task in done:
                error = task.exception()
                if error is None and winner is None:
                    winner = task
                elif isinstance(error, OSError):
                    errors.append(error)
                elif error is not None:
                    raise error
            if winner is not None:
                return winner.result(), attempts[winner]
    finally:
        for task in pending:
            task.cancel()
        losers = [task for task in attempts if task is not winner]
        for result in await asyncio.gather(*losers, return_exceptions=True):
            if isinstance(result, socket.socket):
                result.close()  # connected too, but too late


def connect_error(exc: OSError, host: str) -> CheckResult:
    """FAIL for an error from :func:`open_tcp`."""
    errors = exc.errors if isinstance(exc, ConnectFailed) else list(exception_chain(exc))
    return fail(describe_os_errors(errors, host) or f"connection failed: {exc}")


async def probe_tcp(monitor: Monitor, ctx: ProbeContext) -> CheckResult:
    """Open (and cleanly close) a TCP connection; never raises (except on cancellation)."""
    try:
        return await _probe(monitor)
    except Exception as exc:
        return unexpected(exc)


async def _probe(monitor: Monitor) -> CheckResult:
    if not monitor.host or not monitor.port:
        return fail("no host and port configured")
    host, port = monitor.host, monitor.port
    if not 0 < port < 65536:
        return fail(f"invalid port {port}")
    deadline = asyncio.timeout(monitor.timeout)
    start = time.perf_counter()
    try:
        async with deadline:
            _, writer, peer = await open_tcp(host, port)
    except TimeoutError as exc:
        if deadline.expired():
            return timed_out(monitor.timeout, f"connecting to {host}:{port}")
        return connect_error(exc, host)
    except OSError as exc:
        return connect_error(exc, host)
    except UnicodeError:  # IDNA encoding refused the name before any lookup
        return fail(f"invalid host name {quote(host)}")
    latency = time.perf_counter() - start
    await close_writer(writer, grace=remaining(deadline))
    return ok_or_slow(
        f"connected to {peer} in {fmt_seconds(latency)}",
        latency,
        monitor.expect.max_response_time,
        address=peer,
    )
