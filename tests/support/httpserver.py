"""A scriptable loopback HTTP/1.1 server for probe and engine tests.

It runs its own asyncio loop in a daemon thread, so it keeps answering while a
test's event loop is busy (or blocked) and works from sync and async tests alike.
Each path's behaviour is a :class:`Route` set with :meth:`HTTPTestServer.set`,
changeable at any time::

    with HTTPTestServer() as server:
        server.set("/health", body="healthy")
        server.set("/health", status=500)          # replaces the route
        server.set("/slow", delay=1.5)
        server.set("/hang", behaviour="hang")
        server.redirect("/old", "/health")
        server.hits("/health")                     # requests seen for that path
        server.requests("/hook")[0].body           # what the client sent (bytes)

Behaviours: ``normal`` (status line, headers, body), ``hang`` (read the request,
never answer), ``headers_then_hang`` (send headers promising a body, then
nothing), ``trickle`` (headers, then the body one byte per ``trickle_interval``),
``trickle_headers`` (the whole response, headers included, one byte at a time),
``garbage`` (``garbage\\r\\n`` then close), ``raw`` (``body`` verbatim, no status line or
headers, then close), ``close`` (close without answering), ``reset`` (headers and the
first half of the body, then a TCP reset: SO_LINGER 0).
``hang`` and ``headers_then_hang`` close once the client hangs up, so a long run
against them does not pile up sockets.
``body_size`` sends that many bytes generated on the fly (``b"x"…``).
Unknown paths answer 404. Pass ``ssl_context`` for HTTPS.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json as jsonlib
import socket
import ssl
import struct
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit

Behaviour = Literal[
    "normal",
    "hang",
    "headers_then_hang",
    "trickle",
    "trickle_headers",
    "garbage",
    "raw",
    "close",
    "reset",
]
CHUNK = 64 * 1024
MAX_HEAD = 64 * 1024


@dataclass
class Route:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # before anything is sent
    behaviour: Behaviour = "normal"
    trickle_interval: float = 1.0
    body_size: int | None = None  # generated lazily instead of ``body``
    reason: str | None = None  # status line phrase; default from the status code


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # names lower-cased
    body: bytes = b""  # from Content-Length or a chunked transfer encoding


class HTTPTestServer:
    """See the module docstring. ``start()``/``stop()`` or use as a context manager."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl = ssl_context
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._requests: dict[str, list[Request]] = defaultdict(list)
        self._bytes_sent: dict[str, int] = defaultdict(int)
        self._connections = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> HTTPTestServer:
        self._thread = threading.Thread(target=self._run, name="HTTPTestServer", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise RuntimeError("test HTTP server failed to start") from self._error
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # loop already gone
                self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> HTTPTestServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- configuration and inspection -------------------------------------

    @property
    def base_url(self) -> str:
        scheme = "https" if self._ssl else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def set(
        self,
        path: str,
        *,
        status: int = 200,
        body: bytes | str = b"ok",
        json: Any = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        behaviour: Behaviour = "normal",
        trickle_interval: float = 1.0,
        body_size: int | None = None,
        reason: str | None = None,
    ) -> None:
        """Replace the route for ``path`` (query strings are ignored when matching).

        ``json`` serialises a value as the body with a JSON content type.
        """
        hdrs = dict(headers or {})
        if json is not None:
            body = jsonlib.dumps(json)
            hdrs.setdefault("Content-Type", "application/json")
        raw = body.encode() if isinstance(body, str) else body
        route = Route(status, raw, hdrs, delay, behaviour, trickle_interval, body_size, reason)
        with self._lock:
            self._routes[path] = route

    def redirect(self, path: str, to: str, *, status: int = 302) -> None:
        """``path`` answers ``status`` with ``Location: to`` (relative or absolute)."""
        self.set(path, status=status, body=b"", headers={"Location": to})

    def redirect_chain(self, paths: list[str], final_body: str = "ok") -> None:
        """``paths[0]`` → ``paths[1]`` → … → ``paths[-1]``, which answers 200."""
        for here, there in itertools.pairwise(paths):
            self.redirect(here, there)
        self.set(paths[-1], body=final_body)

    def hits(self, path: str) -> int:
        """How many requests reached ``path`` so far."""
        with self._lock:
            return len(self._requests.get(path, ()))

    def requests(self, path: str) -> list[Request]:
        with self._lock:
            return list(self._requests.get(path, ()))

    def bytes_sent(self, path: str) -> int:
        """Body bytes the server managed to write for ``path`` (all requests)."""
        with self._lock:
            return self._bytes_sent.get(path, 0)

    @property
    def connections(self) -> int:
        """TCP connections accepted so far (keep-alive reuse keeps this low)."""
        with self._lock:
            return self._connections

    def reset(self) -> None:
        """Forget routes and counters."""
        with self._lock:
            self._routes.clear()
            self._requests.clear()
            self._bytes_sent.clear()
            self._connections = 0

    # -- the server thread -------------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        loop.set_exception_handler(_quiet_handler)
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # surfaced by start()
            self._error = exc
            self._ready.set()
        finally:
            loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        tasks: set[asyncio.Task[None]] = set()

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            tasks.add(task)
            try:
                await self._connection(reader, writer)
            except asyncio.CancelledError:
                pass  # shutting down; asyncio would report the cancelled task as an error
            finally:
                tasks.discard(task)

        server = await asyncio.start_server(on_connect, "127.0.0.1", 0, ssl=self._ssl)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stop.wait()
        server.close()
        await server.wait_closed()
        # Connections accepted just before close start their handler a little
        # later; keep cancelling until none is left, or their sockets would leak.
        while True:
            await asyncio.sleep(0.01)
            if not tasks:
                break
            for task in list(tasks):
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            self._connections += 1
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                with self._lock:
                    self._requests[request.path].append(request)
                    route = self._routes.get(request.path)
                if route is None:
                    route = Route(status=404, body=b"not found")
                keep_alive = await self._respond(route, request, reader, writer)
                if not keep_alive or request.headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, ValueError):
            pass  # the client went away or sent nonsense: nothing to answer
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _respond(
        self,
        route: Route,
        request: Request,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        """Send the answer; return whether the connection may serve another request."""
        if route.delay:
            await asyncio.sleep(route.delay)
        size = route.body_size if route.body_size is not None else len(route.body)
        match route.behaviour:
            case "hang":
                await _until_client_leaves(reader)
                return False
            case "close":
                return False
            case "garbage" | "raw":
                writer.write(b"garbage\r\n" if route.behaviour == "garbage" else route.body)
                await writer.drain()
                return False
        head = _head(route, size)
        if route.behaviour == "trickle_headers":
            for byte in head + route.body:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(route.trickle_interval)
            return True
        writer.write(head)
        await writer.drain()
        if route.behaviour == "headers_then_hang":
            await _until_client_leaves(reader)
            return False
        if route.behaviour == "reset":
            half = route.body[: size // 2] if route.body_size is None else b"x" * (size // 2)
            writer.write(half)
            await writer.drain()
            self._count(request.path, len(half))
            await asyncio.sleep(0.05)  # let the client read it: the reset comes mid-body
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        if route.behaviour == "trickle":
            for i in range(size):
                writer.write(route.body[i : i + 1] or b"x")
                await writer.drain()
                self._count(request.path, 1)
                await asyncio.sleep(route.trickle_interval)
            return True
        if route.body_size is None:
            writer.write(route.body)
            await writer.drain()
            self._count(request.path, len(route.body))
            return True
        chunk = b"x" * CHUNK
        left = size
        while left > 0:
            piece = chunk[: min(CHUNK, left)]
            writer.write(piece)
            await writer.drain()  # raises once the client hangs up: generation stops
            self._count(request.path, len(piece))
            left -= len(piece)
        return True

    def _count(self, path: str, n: int) -> None:
        with self._lock:
            self._bytes_sent[path] += n


async def _until_client_leaves(reader: asyncio.StreamReader) -> None:
    """Answer nothing; return when the client closes (anything it sends is dropped)."""
    while await reader.read(CHUNK):
        pass


def _head(route: Route, size: int) -> bytes:
    try:
        phrase = route.reason if route.reason is not None else HTTPStatus(route.status).phrase
    except ValueError:
        phrase = "Unknown"
    headers = {"Content-Type": "text/plain; charset=utf-8", **route.headers}
    headers["Content-Length"] = str(size)
    lines = [f"HTTP/1.1 {route.status} {phrase}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    """Parse one request (line, headers, Content-Length body); None on a clean EOF."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise
    except asyncio.LimitOverrunError as exc:
        raise ValueError("request head too large") from exc
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    else:
        length = int(headers.get("content-length", "0") or 0)
        body = await reader.readexactly(length) if length else b""
    parts = urlsplit(target)
    return Request(method, parts.path or "/", parts.query, headers, body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    """A chunked request body, trailers skipped."""
    chunks: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailer fields
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)  # the CRLF after each chunk


def _quiet_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    # Clients that abort TLS handshakes or hang up are the point of these tests.
    exc = context.get("exception")
    if isinstance(exc, ssl.SSLError | ConnectionError):
        return
    loop.default_exception_handler(context)
