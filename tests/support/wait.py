"""Polling helper for tests that watch a live engine."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def wait_for(cond: Callable[[], bool], within: float = 5.0) -> None:
    """Return once ``cond()`` is true; fail the test after ``within`` seconds."""
    async with asyncio.timeout(within):
        while not cond():  # noqa: ASYNC110 - polling engine state from outside is the point
            await asyncio.sleep(0.01)


async def until(pilot: object, cond: Callable[[], bool], within: float = 8.0) -> None:
    """``wait_for`` for Pilot tests, with room for a loaded machine's slower screens."""
    await wait_for(cond, within)
