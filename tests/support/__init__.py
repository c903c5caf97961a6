"""Reusable loopback servers for tests: HTTP(S), DNS and TLS certificates.

- :mod:`tests.support.httpserver`: :class:`HTTPTestServer`, scriptable per path.
- :mod:`tests.support.dnsserver`: :class:`DNSTestServer`, records, NXDOMAIN, silence.
- :mod:`tests.support.tlsserver`: :class:`TLSServers`, good and bad certificates.
- :func:`eventually`: wait for a condition another thread makes true.

All servers run in daemon threads, so they serve while the test's event loop is
busy, and bind 127.0.0.1 on random ports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def eventually(condition: Callable[[], bool], within: float = 2.0) -> None:
    """Wait until ``condition()`` holds; raise TimeoutError after ``within`` seconds."""
    async with asyncio.timeout(within):
        # Polling, not an Event: the servers change state from their own threads.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
