"""The heartbeat listener over real loopback sockets."""

from __future__ import annotations

import asyncio

import httpx

from statuscat_tui.engine.listener import Listener


async def test_ping_and_fail_and_unknown() -> None:
    beats: list[tuple[str, bool]] = []

    def on_beat(mid: str, failed: bool) -> bool:
        beats.append((mid, failed))
        return mid == "backup"

    listener = Listener("127.0.0.1", 0, on_beat)
    await listener.start()
    base = f"http://127.0.0.1:{listener.port}"
    async with httpx.AsyncClient() as c:
        assert (await c.get(f"{base}/ping/backup")).status_code == 200
        assert (await c.post(f"{base}/ping/backup/fail", content=b"exit 1")).status_code == 200
        r = await c.get(f"{base}/ping/nope")
        assert r.status_code == 404 and "no heartbeat monitor 'nope'" in r.text
        assert (await c.get(f"{base}/ping/backup/other")).status_code == 404
        assert (await c.delete(f"{base}/ping/backup")).status_code == 405
    assert beats == [("backup", False), ("backup", True), ("nope", False)]
    await listener.stop()


async def test_garbage_and_silent_clients_do_not_hold_it() -> None:
    listener = Listener("127.0.0.1", 0, lambda m, f: True)
    await listener.start()
    # A client that sends junk gets 400; one that sends nothing does not block others.
    _, silent_w = await asyncio.open_connection("127.0.0.1", listener.port)
    r, w = await asyncio.open_connection("127.0.0.1", listener.port)
    w.write(b"\x00\x01garbage\r\n\r\n")
    reply = await asyncio.wait_for(r.read(), 2)
    assert reply.startswith(b"HTTP/1.1 400")
    w.close()
    async with httpx.AsyncClient() as c:
        assert (
            await c.get(f"http://127.0.0.1:{listener.port}/ping/x", timeout=2)
        ).status_code == 200
    silent_w.close()
    await listener.stop()
