"""Text typed in the postmortem editor survives `kill -9` of the real program.

The real `statuscat` dashboard runs in a pseudo-terminal, as a person would
run it: `R` opens the postmortems list, Enter opens the draft the SEV1's
resolution created, and we type. Once the autosave has committed the text,
the process is killed with SIGKILL — no clean shutdown, no final save — and
the database still holds the text, passes `PRAGMA integrity_check`, and
`statuscat postmortem export` prints it.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.terminal import Terminal

ROOT = Path(__file__).resolve().parent.parent
CLI = (sys.executable, "-m", "statuscat_tui.cli")
MARKER = "Typed-before-the-crash-7431"


def config_text(port: int, listen: int) -> str:
    return f"""
settings: {{timezone: Europe/Berlin, me: ada, listen: "127.0.0.1:{listen}"}}
monitors:
  - {{id: api, url: "http://127.0.0.1:{port}/", interval: 1m, component: API, severity: SEV1}}
people:
  - {{id: ada, name: Ada}}
"""


def wait_until(cond: Callable[[], object], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def body(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT body FROM postmortems WHERE incident = 1").fetchone()
        return str(row[0]) if row else ""
    finally:
        con.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_typed_text_survives_kill_9(tmp_path: Path, closed_port: int) -> None:
    cfg = tmp_path / "statuscat.yml"
    cfg.write_text(config_text(closed_port, free_port()))
    db = tmp_path / "sc.db"
    common = ["-c", str(cfg), "--db", str(db)]
    for args in (
        ["incident", "open", "--title", "Checkout is down", "--severity", "SEV1"],
        ["incident", "resolve", "1"],
    ):
        done = subprocess.run([*CLI, *args, *common], capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 0, done.stderr
    assert "## Timeline" in body(db)  # the SEV1's resolution drafted it

    term = Terminal([*CLI, *common])
    try:
        wait_until(lambda: b"Incidents" in term.output, 30, "the dashboard")
        term.send("R")
        wait_until(lambda: b"Checkout is down" in term.output[-20000:], 15, "the list")
        time.sleep(0.3)
        term.send("\r")
        wait_until(lambda: b"Timeline" in term.output[-40000:], 15, "the editor")
        time.sleep(0.5)
        term.send(MARKER)
        wait_until(lambda: MARKER in body(db), 15, "the autosave")
    finally:
        status = term.kill9()
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL

    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    exported = subprocess.run(
        [*CLI, "postmortem", "export", "1", *common], capture_output=True, text=True, cwd=ROOT
    )
    assert exported.returncode == 0, exported.stderr
    assert MARKER in exported.stdout
    assert "Time to resolve" in exported.stdout
