"""A real program on a pseudo-terminal, read back as the screen a person would see.

``Terminal`` forks the child on a pty (so Textual sees a real terminal of the
given size), drains its output in a thread and feeds it to ``pyte``, a
terminal emulator: :meth:`Terminal.screen` is the rendered screen as text,
whatever escape sequences Textual used to draw it. Keys go in with
:meth:`Terminal.send` (or :meth:`Terminal.press` for named keys)::

    term = Terminal([STATUSCAT, "-c", cfg, "--db", db], cols=120, rows=36)
    term.wait_for("Incidents", 30)
    term.press("a")
    term.wait_for("acknowledged by", 10)
    term.close()          # waits for the exit, returns the status

Every line ever drawn is also checked against ``watch`` (regular expressions):
a toast that showed for half a second between two polls is still caught in
:attr:`Terminal.seen` (each matching line, with when it was drawn).
"""

from __future__ import annotations

import codecs
import contextlib
import fcntl
import os
import pty
import re
import signal
import struct
import termios
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pyte

ROOT = Path(__file__).resolve().parents[2]
# CSI (cursor moves, colours, modes), OSC (titles, hyperlinks) and two-byte escapes.
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
STREAM_TAIL = 200  # characters kept from one chunk to the next, for text split between them

# Named keys as a terminal sends them (Textual parses these).
KEYS = {
    "enter": "\r",
    "escape": "\x1b",
    "tab": "\t",
    "backspace": "\x7f",
    "up": "\x1b[A",
    "down": "\x1b[B",
    "right": "\x1b[C",
    "left": "\x1b[D",
    "home": "\x1b[H",
    "end": "\x1b[F",
    "shift+tab": "\x1b[Z",
    "f7": "\x1b[18~",
    "ctrl+s": "\x13",
    "ctrl+c": "\x03",
    "ctrl+u": "\x15",
}


class Terminal:
    """A child on a pseudo-terminal; its output is drained and rendered in the background."""

    def __init__(
        self,
        argv: Sequence[str],
        cols: int = 120,
        rows: int = 36,
        *,
        env: dict[str, str] | None = None,
        cwd: Path = ROOT,
        watch: Sequence[str] = (),
    ) -> None:
        full_env = {
            **os.environ,
            **(env or {}),
            "TERM": "xterm-256color",
            "COLUMNS": str(cols),
            "LINES": str(rows),
        }
        self.argv = list(argv)
        self.cols, self.rows = cols, rows
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the program
            try:
                os.chdir(cwd)
                os.execvpe(self.argv[0], self.argv, full_env)
            finally:
                os._exit(127)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.output = bytearray()
        self._screen = pyte.Screen(cols, rows)
        self._stream = pyte.ByteStream(self._screen)
        self._lock = threading.Lock()
        self._watch = [re.compile(w) for w in watch]
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._tail = ""
        # Lines drawn that matched a ``watch`` pattern, with when (time.time()) they were drawn.
        self.seen: list[tuple[float, str]] = []
        self.status: int | None = None
        self._reader = threading.Thread(target=self._drain, daemon=True, name=f"pty-{self.pid}")
        self._reader.start()

    # -- output ------------------------------------------------------------------------

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            with self._lock:
                self.output += data
                self._stream.feed(data)
                if self._watch:
                    self._scan()
                    self._scan_stream(data)

    def _scan(self) -> None:
        screen = self._screen
        now = time.time()
        for y in sorted(screen.dirty):
            if 0 <= y < screen.lines:
                line = _line(screen, y)
                if any(pattern.search(line) for pattern in self._watch):
                    self.seen.append((now, line.strip()))
        screen.dirty.clear()

    def _scan_stream(self, data: bytes) -> None:
        """Also look at the text as written (escape sequences dropped), drawn over or not."""
        text = self._tail + self._decoder.decode(_ESCAPES.sub(b"", data))
        fresh = len(self._tail)
        for pattern in self._watch:
            for m in pattern.finditer(text):
                if m.end() > fresh:  # not already seen in the previous chunk's tail
                    context = text[max(0, m.start() - 60) : m.end() + 60]
                    self.seen.append((time.time(), "(written) " + " ".join(context.split())))
        self._tail = text[-STREAM_TAIL:]

    def seen_since(self, mark: int) -> list[tuple[float, str]]:
        """Watched lines drawn since ``len(self.seen)`` was ``mark``."""
        with self._lock:
            return self.seen[mark:]

    def mark(self) -> int:
        with self._lock:
            return len(self.seen)

    def screen(self) -> str:
        """What the terminal shows now, one text line per row."""
        with self._lock:
            return "\n".join(_line(self._screen, y) for y in range(self._screen.lines))

    def lines(self) -> list[str]:
        return self.screen().split("\n")

    def wait_for(self, what: str | re.Pattern[str] | Callable[[str], object], within: float) -> str:
        """Wait until the screen shows ``what`` (text, a pattern, or a test of the screen)."""
        if isinstance(what, str):
            text = what

            def test(shown: str) -> object:
                return text in shown

        elif isinstance(what, re.Pattern):
            test = what.search  # type: ignore[assignment]
        else:
            test = what  # type: ignore[assignment]
        deadline = time.monotonic() + within
        while True:
            shown = self.screen()
            if test(shown):
                return shown
            if self.exited():
                raise AssertionError(
                    f"{self.argv[0]} exited ({self.status}) before showing {what!r}:\n{shown}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {within}s waiting for {what!r}:\n{shown}")
            time.sleep(0.05)

    # -- input -------------------------------------------------------------------------

    def send(self, keys: str) -> None:
        """Type ``keys`` as they are (text, or raw escape sequences)."""
        os.write(self.fd, keys.encode())

    def press(self, *keys: str, gap: float = 0.05) -> None:
        """Press named keys (``enter``, ``escape``, ``ctrl+s``, …) or single characters."""
        for key in keys:
            self.send(KEYS.get(key, key))
            # Textual tells a lone ESC from the start of a sequence by a short pause.
            time.sleep(0.15 if key == "escape" else gap)

    # -- the process ---------------------------------------------------------------------

    def exited(self) -> bool:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = status
        return self.status is not None

    def wait(self, within: float) -> int:
        """Wait for the child to exit; return its wait status."""
        deadline = time.monotonic() + within
        while not self.exited():
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.argv} did not exit within {within}s:\n{self.screen()}")
            time.sleep(0.05)
        assert self.status is not None
        return self.status

    def exit_code(self, within: float) -> int | None:
        """The exit code (``None`` if a signal ended it)."""
        status = self.wait(within)
        return os.WEXITSTATUS(status) if os.WIFEXITED(status) else None

    def close(self, within: float = 20.0) -> int:
        """Wait for an exit already asked for, then release the pty; return the wait status."""
        try:
            return self.wait(within)
        finally:
            self._release()

    def kill9(self) -> int:
        if not self.exited():
            os.kill(self.pid, signal.SIGKILL)
        return self.close(10)

    def terminate(self) -> None:
        """Make sure the child is gone (SIGKILL if it has not exited), for ``finally`` blocks."""
        if not self.exited():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(AssertionError):
                self.wait(10)
        self._release()

    def _release(self) -> None:
        # The child has gone: the reader sees EIO and ends; only then is the fd closed,
        # so it is never reused under a read still in progress.
        self._reader.join(2)
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1


def _line(screen: pyte.Screen, y: int) -> str:
    row = screen.buffer[y]
    return "".join(row[x].data for x in range(screen.columns))
