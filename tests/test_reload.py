"""Reloading the config: SIGHUP for the headless engine, ctrl+l in the dashboard.

A broken file changes nothing (the issues are shown as FILE:LINE: key.path and
the running config stays); a valid one is applied: new monitors get checked.
Real processes, a loopback HTTP target and the real SQLite file throughout.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.widgets import DataTable

from statuscat_tui.config import load_config
from statuscat_tui.engine.lock import EngineLock, EngineLocked
from statuscat_tui.ui.app import StatusCatApp
from tests.support.httpserver import HTTPTestServer
from tests.support.sqlitedb import db_row
from tests.support.wait import until, wait_for

ROOT = Path(__file__).resolve().parent.parent
STATUSCAT = Path(sys.executable).with_name("statuscat")


def config_text(http: HTTPTestServer, listen: int, *ids: str, heartbeat: bool = False) -> str:
    monitors = "".join(f"  - {{id: {i}, url: '{http.url('/' + i)}'}}\n" for i in ids)
    if heartbeat:
        monitors += "  - {id: nightly, type: heartbeat, every: 1d}\n"
    return (
        f"settings: {{listen: '127.0.0.1:{listen}', timezone: UTC}}\n"
        "defaults:\n"
        "  interval: 300ms\n"
        "  timeout: 300ms\n"
        "  confirm: {failures: 1, retry_interval: 100ms, successes: 1}\n"
        f"monitors:\n{monitors}"
    )


BROKEN = (
    "monitors:\n"
    "  - id: a\n"
    "    url: https://example.com/\n"
    "    interval: 5 minutes\n"  # line 4
)


def checks(db: Path, monitor: str) -> int:
    """Results stored for ``monitor`` (0 before it is registered)."""
    count: int = db_row(
        db,
        "SELECT count(*) FROM results r JOIN monitors m ON m.id = r.monitor WHERE m.key = ?",
        monitor,
    )[0]
    return count


class Output:
    """A child's merged stdout/stderr, collected line by line by a thread."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert proc.stdout is not None
        stream = proc.stdout
        self._reader = threading.Thread(target=lambda: self.lines.extend(stream), daemon=True)
        self._reader.start()

    def has(self, needle: str) -> bool:
        return any(needle in line for line in list(self.lines))

    @property
    def text(self) -> str:
        return "".join(self.lines)


@pytest.fixture
def targets(http_server: HTTPTestServer) -> HTTPTestServer:
    for path in ("/a", "/b"):
        http_server.set(path, body="ok")
    return http_server


@pytest.fixture
def headless(tmp_path: Path) -> Iterator[Callable[[Path, Path], subprocess.Popen[str]]]:
    """Start ``statuscat run --headless -c CFG --db DB``; killed at the end if still running."""
    procs: list[subprocess.Popen[str]] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env |= {"HOME": str(tmp_path), "PYTHONUNBUFFERED": "1"}

    def start(cfg: Path, db: Path) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [str(STATUSCAT), "run", "--headless", "-c", str(cfg), "--db", str(db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=ROOT,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def test_sighup_keeps_a_broken_config_and_applies_a_valid_one(
    targets: HTTPTestServer,
    tmp_path: Path,
    closed_port: int,
    headless: Callable[[Path, Path], subprocess.Popen[str]],
) -> None:
    cfg = tmp_path / "statuscat.yml"
    db = tmp_path / "sc.db"
    cfg.write_text(config_text(targets, closed_port, "a"))
    proc = headless(cfg, db)
    out = Output(proc)
    await wait_for(lambda: out.has("started:") and checks(db, "a") >= 2, 20)

    # A broken file: every issue located, the running config kept, probing goes on.
    cfg.write_text(BROKEN)
    proc.send_signal(signal.SIGHUP)
    await wait_for(lambda: out.has("config reload refused"), 20)
    assert out.has(f"ERROR {cfg}:4: monitors[0].interval: '5 minutes' is not a duration"), out.text
    assert out.has("config reload refused; still running the config loaded at 20"), out.text
    assert proc.poll() is None
    before = checks(db, "a")
    await wait_for(lambda: checks(db, "a") >= before + 3, 20)
    assert targets.hits("/b") == 0

    # A valid file with one more monitor: applied in the same process.
    cfg.write_text(config_text(targets, closed_port, "a", "b"))
    proc.send_signal(signal.SIGHUP)
    await wait_for(lambda: out.has("config reloaded: 2 monitors"), 20)
    await wait_for(lambda: checks(db, "b") >= 2 and targets.hits("/b") >= 2, 20)
    before = checks(db, "a")
    await wait_for(lambda: checks(db, "a") > before, 20)
    # The lock was never let go: no second engine can start on this database.
    with pytest.raises(EngineLocked, match=f"pid {proc.pid}"):
        EngineLock(db).acquire()

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    assert "Traceback" not in out.text, out.text


SIZE = (100, 30)


def monitor_keys(app: StatusCatApp) -> set[str]:
    table = app.screen_stack[0].query_one("#monitors", DataTable)
    return {str(row.key.value) for row in table.ordered_rows}


def notes(app: StatusCatApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


async def test_ctrl_l_refuses_a_broken_config_and_applies_a_valid_one(
    targets: HTTPTestServer, tmp_path: Path, closed_port: int
) -> None:
    cfg = tmp_path / "statuscat.yml"
    db = tmp_path / "sc.db"
    cfg.write_text(config_text(targets, closed_port, "a"))
    app = StatusCatApp(load_config(cfg, env={}), db, refresh_every=0.1)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: app.session.mode == "engine" and monitor_keys(app) == {"a"})
        await until(pilot, lambda: checks(db, "a") >= 1)

        cfg.write_text(BROKEN)
        await pilot.press("ctrl+l")
        await until(pilot, lambda: any("refused" in n for n in notes(app)))
        (note,) = [n for n in notes(app) if "refused" in n]
        assert f"{cfg}:4: monitors[0].interval: '5 minutes' is not a duration" in note, note
        assert "Still running the previous config, loaded at " in note, note
        assert app.config.monitors[0].url == targets.url("/a")
        before = checks(db, "a")
        await until(pilot, lambda: checks(db, "a") > before)  # still probing
        assert monitor_keys(app) == {"a"}

        cfg.write_text(config_text(targets, closed_port, "a", "b"))
        await pilot.press("ctrl+l")
        await until(pilot, lambda: any("config reloaded: 2 monitors" in n for n in notes(app)))
        await until(pilot, lambda: monitor_keys(app) == {"a", "b"})
        await until(pilot, lambda: checks(db, "b") >= 1 and targets.hits("/b") >= 1)
        assert app.session.mode == "engine"
        with pytest.raises(EngineLocked):
            EngineLock(db).acquire()
        assert [m.id for m in app.config.monitors] == ["a", "b"]


async def test_ctrl_l_is_in_the_help_and_the_command_palette(
    targets: HTTPTestServer, tmp_path: Path, closed_port: int
) -> None:
    cfg = tmp_path / "statuscat.yml"
    cfg.write_text(config_text(targets, closed_port, "a"))
    app = StatusCatApp(load_config(cfg, env={}), tmp_path / "sc.db", refresh_every=0.1)
    async with app.run_test(size=SIZE):
        rows = dict(row for _, section in app.help_sections() for row in section)
        assert rows["ctrl+l"] == "Reload the config file"
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Reload the config file (ctrl+l)" in commands


async def test_a_valid_config_that_cannot_start_leaves_the_old_one_running(
    targets: HTTPTestServer, tmp_path: Path, closed_port: int
) -> None:
    cfg = tmp_path / "statuscat.yml"
    db = tmp_path / "sc.db"
    cfg.write_text(config_text(targets, closed_port, "a"))
    app = StatusCatApp(load_config(cfg, env={}), db, refresh_every=0.1)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await until(pilot, lambda: monitor_keys(app) == {"a"} and checks(db, "a") >= 1)
            # Heartbeats need the listener, and its port is taken: the engine cannot start.
            cfg.write_text(config_text(targets, busy, "a", heartbeat=True))
            await pilot.press("ctrl+l")
            await until(pilot, lambda: any("Cannot run the new config" in n for n in notes(app)))
            (note,) = [n for n in notes(app) if "Cannot run" in n]
            assert f"cannot listen for heartbeats on 127.0.0.1:{busy}" in note, note
            assert "Still running the previous config" in note, note
            before = checks(db, "a")
            await until(pilot, lambda: checks(db, "a") > before)
            assert app.session.mode == "engine" and [m.id for m in app.config.monitors] == ["a"]
            assert monitor_keys(app) == {"a"}
