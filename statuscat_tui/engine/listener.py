"""The engine's small HTTP listener.

Routes:

* ``/ping/<id>``, ``/ping/<id>/fail`` (GET, POST, HEAD, PUT): heartbeats.
* ``/status/…`` (GET, HEAD): the built static status page from ``status_dir``;
  ``/status`` and directories without a trailing slash redirect (301) to it,
  a directory serves its ``index.html``.
* ``/metrics`` (GET, HEAD): Prometheus text exposition from ``metrics()``.
* ``/`` and ``/healthz``: a one-line liveness answer.

Deliberately tiny: one request per connection, a bounded request head, a read
deadline and a write deadline, so a slow or hostile client cannot hold the
engine. Status page files are looked up off the event loop, must resolve to a
regular file inside ``status_dir`` (no ``..``, NUL or symlink escapes) and are
at most ``MAX_FILE`` bytes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

from prometheus_client import CONTENT_TYPE_LATEST

log = logging.getLogger(__name__)

MAX_HEAD = 8192
MAX_BODY = 64 * 1024
READ_DEADLINE = 5.0
WRITE_DEADLINE = 30.0  # a client reading the answer slower than this is dropped
METRICS_DEADLINE = 10.0
MAX_FILE = 20 * 1024 * 1024

# (monitor id, failed) -> True if the id is a heartbeat monitor
BeatHandler = Callable[[str, bool], bool]
MetricsSource = Callable[[], Awaitable[bytes]]

REASONS = {
    200: "OK",
    301: "Moved Permanently",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
}
TEXT = "text/plain; charset=utf-8"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".atom": "application/atom+xml",
    ".svg": "image/svg+xml",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".js": "text/javascript; charset=utf-8",
    ".txt": TEXT,
    ".xml": "application/xml",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
}
STATIC_HEADERS = (("Cache-Control", "no-cache"), ("X-Content-Type-Options", "nosniff"))
NOT_BUILT = "status page not built yet\n"


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    content_type: str = TEXT
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    target: str


def _text(status: int, text: str, *headers: tuple[str, str]) -> Response:
    return Response(status, text.encode(), TEXT, headers)


def _redirect(location: str) -> Response:
    return _text(301, f"moved to {location}\n", ("Location", location))


class Listener:
    def __init__(
        self,
        host: str,
        port: int,
        on_beat: BeatHandler,
        *,
        status_dir: Path | None = None,
        metrics: MetricsSource | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.on_beat = on_beat
        self.status_dir = status_dir
        self.metrics = metrics
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._handle, self.host, self.port, limit=MAX_HEAD
        )
        sock = self._server.sockets[0]
        self.port = int(sock.getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head_only = False
        try:
            try:
                async with asyncio.timeout(READ_DEADLINE):
                    request = await _read_request(reader)
            except (
                TimeoutError,
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
                ValueError,
            ):
                request = _text(400, "bad request\n")
            if isinstance(request, Response):
                response = request
            else:
                head_only = request.method == "HEAD"
                response = await self._answer(request)
            await self._send(writer, response, head_only=head_only)
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _send(
        self,
        writer: asyncio.StreamWriter,
        response: Response,
        *,
        head_only: bool,
    ) -> None:
        lines = [
            f"HTTP/1.1 {response.status} {REASONS[response.status]}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}",
            *(f"{name}: {value}" for name, value in response.headers),
            "Connection: close",
        ]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        writer.write(head if head_only else head + response.body)
        try:
            async with asyncio.timeout(WRITE_DEADLINE):
                await writer.drain()
        except TimeoutError:
            # close() would wait for the buffer to drain: drop it instead.
            writer.transport.abort()
            log.debug("dropped a client that did not read its answer in time")

    async def _answer(self, request: Request) -> Response:
        try:
            return await self._route(request.method, request.target)
        except Exception:
            log.exception("could not answer %s %s", request.method, request.target[:200])
            return _text(500, "internal error\n")

    async def _route(self, method: str, target: str) -> Response:
        if method not in ("GET", "POST", "HEAD", "PUT"):
            return _text(405, "use GET or POST\n")
        raw_path = target.split("?", 1)[0].split("#", 1)[0]
        if raw_path == "/status" or raw_path.startswith("/status/"):
            if method not in ("GET", "HEAD"):
                return _text(405, "use GET\n", ("Allow", "GET, HEAD"))
            return await self._static(raw_path)
        path = raw_path.rstrip("/")
        if path == "/metrics":
            if method not in ("GET", "HEAD"):
                return _text(405, "use GET\n", ("Allow", "GET, HEAD"))
            return await self._metrics()
        segs = path.split("/")
        if len(segs) in (3, 4) and segs[1] == "ping" and segs[2]:
            failed = len(segs) == 4
            if failed and segs[3] != "fail":
                return _text(404, "not found\n")
            if self.on_beat(segs[2], failed):
                return _text(200, "OK\n")
            return _text(404, f"no heartbeat monitor {segs[2]!r}\n")
        if path in ("", "/healthz"):
            return _text(200, "statuscat engine\n")
        return _text(404, "not found\n")

    async def _metrics(self) -> Response:
        if self.metrics is None:
            return _text(404, "metrics are not enabled\n")
        try:
            async with asyncio.timeout(METRICS_DEADLINE):
                body = await self.metrics()
        except Exception:
            log.exception("could not collect metrics")
            return _text(500, "could not collect metrics\n")
        return Response(200, body, CONTENT_TYPE_LATEST, (("Cache-Control", "no-store"),))

    async def _static(self, raw_path: str) -> Response:
        if raw_path == "/status":
            return _redirect("/status/")
        if self.status_dir is None:
            return _text(404, NOT_BUILT)
        try:
            decoded = unquote(raw_path.removeprefix("/status/"), errors="strict")
        except UnicodeDecodeError:
            return _text(404, "not found\n")
        segments = [s for s in decoded.split("/") if s]
        if any(s in (".", "..") or "\0" in s or "\\" in s for s in segments):
            return _text(404, "not found\n")
        want_dir = not segments or decoded.endswith("/")
        try:
            return await asyncio.to_thread(_load, self.status_dir, segments, want_dir)
        except OSError as exc:  # e.g. a name too long for the file system
            log.debug("status page request for %r failed: %s", segments[:8], exc)
            return _text(404, "not found\n")


def _load(root: Path, segments: list[str], want_dir: bool) -> Response:
    """Answer a status page request (runs in a worker thread: it touches the disk).

    ``want_dir``: the request ended in a slash. The file must resolve (symlinks
    followed) to a regular file inside ``root``.
    """
    if not root.is_dir():
        return _text(404, NOT_BUILT)
    base = root.resolve()
    target = base.joinpath(*segments).resolve()
    if not target.is_relative_to(base):
        return _text(404, "not found\n")
    if target.is_dir():
        if not want_dir:
            return _redirect("/status/" + "/".join(quote(s, safe="") for s in segments) + "/")
        target = (target / "index.html").resolve()
        if not target.is_relative_to(base):
            return _text(404, "not found\n")
        if not segments and not target.is_file():
            return _text(404, NOT_BUILT)
    elif want_dir:
        return _text(404, "not found\n")
    try:
        # O_NONBLOCK: a FIFO planted in the directory must not block the open;
        # O_NOFOLLOW: nor may a symlink swapped in since the path was resolved.
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return _text(404, "not found\n")
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            return _text(404, "not found\n")
        data = f.read(MAX_FILE + 1) if info.st_size <= MAX_FILE else b""
    if info.st_size > MAX_FILE or len(data) > MAX_FILE:
        log.warning("%s is too large to serve (over %d bytes)", target, MAX_FILE)
        return _text(500, "file too large to serve\n")
    ctype = CONTENT_TYPES.get(target.suffix.lower(), "application/octet-stream")
    return Response(200, data, ctype, STATIC_HEADERS)


async def _read_request(reader: asyncio.StreamReader) -> Request | Response:
    """Read one request's head and (small) body, or answer a ready 400."""
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > MAX_HEAD:
        return _text(400, "request head too large\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[1].startswith("/"):
        return _text(400, "bad request line\n")
    method, target, _ = parts
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if 0 < length <= MAX_BODY:
        await reader.readexactly(length)
    return Request(method, target)
