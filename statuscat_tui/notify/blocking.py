"""Run a blocking call off the event loop without sharing a thread pool."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


async def run_blocking(fn: Callable[[], T], *, name: str) -> T:
    """Await ``fn()`` run in a thread of its own.

    Not ``asyncio.to_thread``: the default pool has only a few workers (six on
    a two-core box), so a handful of hung channels would queue every other
    delivery behind them. A thread per delivery cannot be held up by another.
    Cancelling the await (a timeout) abandons the thread; it ends by itself
    once ``fn`` returns, which the callers bound with socket timeouts.
    """
    future: concurrent.futures.Future[T] = concurrent.futures.Future()

    def work() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(fn())
        except Exception as exc:
            future.set_exception(exc)

    threading.Thread(target=work, name=name, daemon=True).start()
    return await asyncio.wrap_future(future)
