"""The engine's small HTTP listener: heartbeats (``/ping/<id>``, ``/ping/<id>/fail``).

Deliberately tiny: one request per connection, bounded reads and a deadline,
so a slow or hostile client cannot hold the engine.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

MAX_HEAD = 8192
MAX_BODY = 64 * 1024
READ_DEADLINE = 5.0

# (monitor id, failed) -> True if the id is a heartbeat monitor
BeatHandler = Callable[[str, bool], bool]


class Listener:
    def __init__(self, host: str, port: int, on_beat: BeatHandler) -> None:
        self.host = host
        self.port = port
        self.on_beat = on_beat
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
        try:
            async with asyncio.timeout(READ_DEADLINE):
                status, body = await self._respond(reader)
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            status, body = 400, "bad request\n"
        except ConnectionError:
            writer.close()
            return
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
        data = body.encode()
        writer.write(
            f"HTTP/1.1 {status} {reason[status]}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
            + data
        )
        try:
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _respond(self, reader: asyncio.StreamReader) -> tuple[int, str]:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > MAX_HEAD:
            return 400, "request head too large\n"
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return 400, "bad request line\n"
        method, target, _ = parts
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if 0 < length <= MAX_BODY:
            await reader.readexactly(length)
        path = target.split("?", 1)[0].rstrip("/")
        if method not in ("GET", "POST", "HEAD", "PUT"):
            return 405, "use GET or POST\n"
        segs = path.split("/")
        if len(segs) in (3, 4) and segs[1] == "ping" and segs[2]:
            failed = len(segs) == 4
            if failed and segs[3] != "fail":
                return 404, "not found\n"
            if self.on_beat(segs[2], failed):
                return 200, "OK\n"
            return 404, f"no heartbeat monitor {segs[2]!r}\n"
        if path in ("", "/healthz"):
            return 200, "statuscat engine\n"
        return 404, "not found\n"
