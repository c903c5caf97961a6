"""Small helpers shared by tests that start servers and processes."""

from __future__ import annotations

import socket
import time


def free_port() -> int:
    """A loopback TCP port that is free right now (for a listener or a server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class ShiftedClock:
    """Wall-clock time plus an offset the test moves forward (the engine's ``clock``)."""

    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset

    def time(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds
