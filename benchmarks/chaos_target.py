"""A loopback HTTP target whose paths break on command, and a webhook sink; its own process.

Usage: python benchmarks/chaos_target.py
Prints the port it listens on as its first line, then serves until killed.

Every time below is ``time.monotonic()`` in this process, so a benchmark can
subtract them from each other without trusting another process's clock.

    GET /ctl/set?path=/svc&mode=500   make /svc answer 500 (or ``hang``: never
                                      answer; ``ok``: 200 again); answers
                                      {"at": T}, when the new mode took effect
    GET /ctl/log                      {"now": T, "requests": [[T, path, mode], ...],
                                      "posts": [[T, path, body, mode], ...]}: every GET
                                      served outside /ctl/ and every POST, with
                                      when it arrived (request complete)
    GET /ctl/clear                    forget the log
    POST any other path               logged, answered 200 {} unless its mode says otherwise
    GET any other path                200 "ok\\n" unless its mode says otherwise
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from typing import Any
from urllib.parse import parse_qs, urlsplit

LOG_LIMIT = 100_000
MODES = ("ok", "500", "hang")

modes: dict[str, str] = {}
requests: deque[tuple[float, str, str]] = deque(maxlen=LOG_LIMIT)
posts: deque[tuple[float, str, str]] = deque(maxlen=LOG_LIMIT)


def response(status: str, body: bytes, ctype: str = "text/plain") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
        "Connection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


OK = response("200 OK", b"ok\n")
FAIL = response("500 Internal Server Error", b"broken on purpose\n")


def control(path: str, query: dict[str, list[str]]) -> bytes:
    now = time.monotonic()
    out: dict[str, Any]
    if path == "/ctl/set":
        target, mode = query.get("path", [""])[0], query.get("mode", [""])[0]
        if not target.startswith("/") or mode not in MODES:
            return response("400 Bad Request", b"path=/x&mode=ok|500|hang\n")
        modes[target] = mode
        out = {"at": now}
    elif path == "/ctl/log":
        out = {"now": now, "requests": list(requests), "posts": list(posts)}
    elif path == "/ctl/clear":
        requests.clear()
        posts.clear()
        out = {"at": now}
    else:
        return response("404 Not Found", b"unknown control path\n")
    return response("200 OK", json.dumps(out).encode(), "application/json")


class Chaos(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buf = b""
        self.hung = False

    def data_received(self, data: bytes) -> None:
        if self.hung:
            return  # a hanging request keeps its connection: nothing more is answered
        self.buf += data
        while b"\r\n\r\n" in self.buf:
            head, rest = self.buf.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            method, target = lines[0].split(" ", 2)[:2]
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if len(rest) < length:
                return  # wait for the rest of the body
            body, self.buf = rest[:length], rest[length:]
            if not self.handle(method, target, body):
                self.hung = True
                return

    def handle(self, method: str, target: str, body: bytes) -> bool:
        """Answer one request; False when it must never be answered."""
        now = time.monotonic()
        url = urlsplit(target)
        path = url.path
        if path.startswith("/ctl/"):
            self.transport.write(control(path, parse_qs(url.query)))
        elif method == "POST":
            mode = modes.get(path, "ok")
            posts.append((now, path, body.decode("utf-8", "replace"), mode))
            if mode == "hang":
                return False
            self.transport.write(
                FAIL if mode == "500" else response("200 OK", b"{}", "application/json")
            )
        else:
            mode = modes.get(path, "ok")
            requests.append((now, path, mode))
            if mode == "hang":
                return False
            self.transport.write(FAIL if mode == "500" else OK)
        return True


async def main() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Chaos, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
