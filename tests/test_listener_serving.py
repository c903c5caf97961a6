"""The listener's status page and /metrics routes over real loopback sockets.

Traversal attempts go over a raw socket, so no client normalises the path first.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import CONTENT_TYPE_LATEST

from statuscat_tui.engine import listener as listener_mod
from statuscat_tui.engine.listener import Listener

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00binary"
SECRET = b"TOP-SECRET-CONTENT"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A built status page in tmp_path/site, and things outside it worth stealing."""
    (tmp_path / "secret").write_bytes(SECRET)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(SECRET)
    root = tmp_path / "site"
    (root / "incidents").mkdir(parents=True)
    (root / "api" / "v2").mkdir(parents=True)
    (root / "badges").mkdir()
    (root / "empty").mkdir()
    (root / "index.html").write_text("<!doctype html><title>Service status</title>")
    (root / "incidents" / "index.html").write_text("<p>all incidents</p>")
    (root / "incidents" / "7.html").write_text("<p>incident 7</p>")
    (root / "api" / "v2" / "summary.json").write_text('{"status": "ok"}')
    (root / "history.atom").write_text("<feed/>")
    (root / "badges" / "api.svg").write_text("<svg/>")
    (root / "style.css").write_text("body{}")
    (root / "logo.png").write_bytes(PNG)
    (root / "a b.json").write_text("[]")
    (root / "leak").symlink_to(tmp_path / "secret")
    (root / "leakdir").symlink_to(outside, target_is_directory=True)
    (root / "home.html").symlink_to(root / "index.html")  # inside: allowed
    os.mkfifo(root / "pipe")
    return root


@pytest.fixture
async def served(site: Path) -> AsyncIterator[Listener]:
    async def metrics() -> bytes:
        return b"# TYPE statuscat_demo gauge\nstatuscat_demo 1.0\n"

    listener = Listener(
        "127.0.0.1",
        0,
        lambda mid, failed: mid == "backup",
        status_dir=site,
        metrics=metrics,
    )
    await listener.start()
    try:
        yield listener
    finally:
        await listener.stop()


def base(listener: Listener) -> str:
    return f"http://127.0.0.1:{listener.port}"


async def raw(listener: Listener, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are; return (status, headers lower-cased, body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
    try:
        writer.write(data)
        await writer.drain()
        reply = await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split(" ")[1]), headers, body


async def get_raw(listener: Listener, target: str) -> tuple[int, dict[str, str], bytes]:
    return await raw(listener, f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode("latin-1"))


async def test_index_nested_files_and_content_types(served: Listener) -> None:
    expected = {
        "/status/": ("text/html; charset=utf-8", b"<!doctype html><title>Service status</title>"),
        "/status/index.html": ("text/html; charset=utf-8", b"<!doctype html>"),
        "/status/incidents/7.html": ("text/html; charset=utf-8", b"<p>incident 7</p>"),
        "/status/incidents/": ("text/html; charset=utf-8", b"<p>all incidents</p>"),
        "/status/api/v2/summary.json": ("application/json", b'{"status": "ok"}'),
        "/status/history.atom": ("application/atom+xml", b"<feed/>"),
        "/status/badges/api.svg": ("image/svg+xml", b"<svg/>"),
        "/status/style.css": ("text/css; charset=utf-8", b"body{}"),
        "/status/logo.png": ("image/png", PNG),
        "/status/a%20b.json": ("application/json", b"[]"),
        "/status/home.html": ("text/html; charset=utf-8", b"<!doctype html>"),
        "/status/history.atom?cache=bust": ("application/atom+xml", b"<feed/>"),
    }
    async with httpx.AsyncClient(base_url=base(served)) as c:
        for path, (ctype, start) in expected.items():
            r = await c.get(path)
            assert r.status_code == 200, path
            assert r.headers["content-type"] == ctype, path
            assert r.content.startswith(start), path
            assert r.headers["cache-control"] == "no-cache"
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["connection"] == "close"
    # Binary content arrives intact.
    _, headers, body = await get_raw(served, "/status/logo.png")
    assert body == PNG and headers["content-length"] == str(len(PNG))


async def test_redirects_and_missing(served: Listener) -> None:
    async with httpx.AsyncClient(base_url=base(served)) as c:
        r = await c.get("/status")
        assert r.status_code == 301 and r.headers["location"] == "/status/"
        r = await c.get("/status/incidents")
        assert r.status_code == 301 and r.headers["location"] == "/status/incidents/"
        r = await c.get("/status", follow_redirects=True)
        assert r.status_code == 200 and b"Service status" in r.content
        for path in (
            "/status/nope.html",
            "/status/empty/",  # a directory without index.html
            "/status/index.html/",
            "/status/incidents/8.html",
            "/status/pipe",  # not a regular file: 404, and no hang on the open
            "/status/%ff%fe",  # not UTF-8
        ):
            r = await c.get(path, timeout=3)
            assert r.status_code == 404, path
            assert r.headers["content-type"] == "text/plain; charset=utf-8"
        assert (await c.post("/status/")).status_code == 405
        assert (await c.delete("/status/")).status_code == 405


@pytest.mark.parametrize(
    "target",
    [
        "/status/../secret",
        "/status/../../etc/passwd",
        "/status/%2e%2e/secret",
        "/status/%2E%2E/secret",
        "/status/..%2fsecret",
        "/status/%2e%2e%2fsecret",
        "/status/incidents/../../secret",
        "/status/..%5csecret",
        "/status/.%2e/secret",
        "/status/leak",
        "/status/leakdir/secret",
        "/status/leakdir/",
        "/status/index.html%00.png",
        "/status/%00",
    ],
)
async def test_traversal_is_refused(served: Listener, target: str) -> None:
    status, _, body = await get_raw(served, target)
    assert status == 404
    assert SECRET not in body and b"root:" not in body


async def test_absolute_paths_stay_inside(served: Listener, site: Path) -> None:
    secret = site.parent / "secret"
    for target in (f"/status/{secret}", f"/status//{secret}", "/status/%2f" + str(secret)[1:]):
        status, _, body = await get_raw(served, target)
        assert status == 404, target
        assert SECRET not in body
    # The same helper does fetch a file that is inside.
    status, _, body = await get_raw(served, "/status//incidents//7.html")
    assert status == 200 and body == b"<p>incident 7</p>"


async def test_head_sends_headers_only(served: Listener, site: Path) -> None:
    async with httpx.AsyncClient(base_url=base(served)) as c:
        r = await c.head("/status/logo.png")
        assert r.status_code == 200 and r.content == b""
        assert r.headers["content-length"] == str(len(PNG))
        assert r.headers["content-type"] == "image/png"
        assert (await c.head("/status/nope")).status_code == 404
    status, headers, body = await raw(served, b"HEAD /status/ HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 200 and body == b""
    assert headers["content-length"] == str((site / "index.html").stat().st_size)


async def test_not_built_yet(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for status_dir in (None, tmp_path / "missing", empty):
        listener = Listener("127.0.0.1", 0, lambda m, f: True, status_dir=status_dir)
        await listener.start()
        try:
            async with httpx.AsyncClient(base_url=base(listener)) as c:
                r = await c.get("/status/")
                assert r.status_code == 404, status_dir
                assert r.text == "status page not built yet\n"
                assert r.headers["content-type"] == "text/plain; charset=utf-8"
                assert (await c.get("/metrics")).status_code == 404
        finally:
            await listener.stop()


async def test_files_over_the_limit_are_refused(
    served: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listener_mod, "MAX_FILE", 10)
    async with httpx.AsyncClient(base_url=base(served)) as c:
        assert (await c.get("/status/style.css")).status_code == 200  # 6 bytes
        r = await c.get("/status/logo.png")
        assert r.status_code == 500 and PNG not in r.content


async def test_huge_request_head_is_400(served: Listener) -> None:
    huge = b"GET /status/ HTTP/1.1\r\nX-Junk: " + b"a" * 100_000 + b"\r\n\r\n"
    status, _, _ = await raw(served, huge)
    assert status == 400
    # Many headers that together pass the bound are refused too.
    many = b"GET /status/ HTTP/1.1\r\n" + b"X-A: b\r\n" * 2000 + b"\r\n"
    status, _, _ = await raw(served, many)
    assert status == 400
    # And the listener still answers.
    async with httpx.AsyncClient(base_url=base(served)) as c:
        assert (await c.get("/status/")).status_code == 200


async def test_bad_request_lines(served: Listener) -> None:
    for data in (
        b"GET\r\n\r\n",
        b"GET http://example.com/status/ HTTP/1.1\r\n\r\n",
        b"GET /status/ HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
    ):
        status, _, _ = await raw(served, data)
        assert status == 400, data


async def test_metrics_route(served: Listener) -> None:
    async with httpx.AsyncClient(base_url=base(served)) as c:
        r = await c.get("/metrics")
        assert r.status_code == 200
        assert r.headers["content-type"] == CONTENT_TYPE_LATEST
        assert r.text == "# TYPE statuscat_demo gauge\nstatuscat_demo 1.0\n"
        assert (await c.post("/metrics")).status_code == 405
        h = await c.head("/metrics")
        assert h.status_code == 200 and h.content == b""


async def test_metrics_failure_is_500_and_listener_survives() -> None:
    async def broken() -> bytes:
        raise RuntimeError("database is gone")

    listener = Listener("127.0.0.1", 0, lambda m, f: m == "backup", metrics=broken)
    await listener.start()
    try:
        async with httpx.AsyncClient(base_url=base(listener)) as c:
            r = await c.get("/metrics")
            assert r.status_code == 500 and "database is gone" not in r.text
            assert (await c.get("/ping/backup")).status_code == 200
    finally:
        await listener.stop()


async def test_pings_still_work_beside_the_status_page(served: Listener) -> None:
    async with httpx.AsyncClient(base_url=base(served)) as c:
        assert (await c.get("/ping/backup")).status_code == 200
        assert (await c.post("/ping/backup/fail", content=b"exit 1")).status_code == 200
        assert (await c.get("/ping/backup/")).status_code == 200
        assert (await c.get("/ping/nope")).status_code == 404
        assert (await c.put("/status/")).status_code == 405
        r = await c.get("/healthz")
        assert r.status_code == 200 and r.text == "statuscat engine\n"
        # A body over the limit is not read, but the beat still counts.
        r = await c.post("/ping/backup", content=b"x" * (listener_mod.MAX_BODY + 1))
        assert r.status_code == 200


async def test_a_client_that_does_not_read_is_dropped(
    served: Listener, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listener_mod, "WRITE_DEADLINE", 0.3)
    size = 16 * 1024 * 1024
    (site / "big.json").write_bytes(b"x" * size)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", served.port))
    reader, writer = await asyncio.open_connection(sock=sock)
    writer.write(b"GET /status/big.json HTTP/1.1\r\nHost: x\r\n\r\n")
    await asyncio.sleep(1.0)  # not reading, well past the write deadline
    got = 0
    with contextlib.suppress(ConnectionResetError):
        async with asyncio.timeout(10):
            while chunk := await reader.read(1 << 20):
                got += len(chunk)
    writer.close()
    assert 0 < got < size
    # Others are still served.
    async with httpx.AsyncClient(base_url=base(served)) as c:
        assert (await c.get("/status/style.css")).status_code == 200
