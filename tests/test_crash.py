"""SIGKILL the real engine: nothing committed is lost, no page goes out twice.

The long form (1,000 monitors, 20 kills) is ``benchmarks/crash_soak.py``.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.crashrig import STATUSCAT, CrashRig
from tests.support.httpserver import HTTPTestServer


class LoopbackReceiver:
    """The in-process test server as the crash rig's target and webhook."""

    def __init__(self, server: HTTPTestServer, monitors: int, failing: int) -> None:
        self.server = server
        self.port = server.port
        for i in range(monitors):
            server.set(f"/ok/{i}", body="ok")
        for i in range(failing):
            server.set(f"/fail/{i}", body="ok")
        for p in ("p1", "p2", "p3"):
            server.set(f"/hook/{p}", body="ok")

    def fail(self, path: str) -> None:
        self.server.set(path, status=500, body="broken on purpose")

    def posts(self) -> list[tuple[str, str]]:
        return [
            (f"/hook/{p}", r.body.decode())
            for p in ("p1", "p2", "p3")
            for r in self.server.requests(f"/hook/{p}")
            if r.method == "POST"
        ]


@pytest.fixture
def rigs() -> Iterator[Callable[[CrashRig], CrashRig]]:
    """Keeps every rig made, to kill its engine if the test fails half-way."""
    made: list[CrashRig] = []

    def keep(rig: CrashRig) -> CrashRig:
        made.append(rig)
        return rig

    yield keep
    for rig in made:
        rig.close()


def test_random_kills_under_load_lose_nothing_and_page_once(
    http_server: HTTPTestServer, tmp_path: Path, rigs: Callable[[CrashRig], CrashRig]
) -> None:
    seed = int(os.environ.get("CRASH_SEED", random.randrange(1_000_000)))
    print(f"CRASH_SEED={seed}")  # shown on failure: the run can be repeated exactly
    receiver = LoopbackReceiver(http_server, monitors=150, failing=3)
    rig = rigs(CrashRig(tmp_path, receiver, monitors=150, failing=3, interval="1s", seed=seed))
    report = rig.run(kills=5, gap=(0.4, 2.5))
    rig.check()
    print(report.figures())
    assert report.kills == 5
    assert report.integrity == ["ok"] * 5
    assert sum(a.ok for a in report.actions) >= 5, report.actions
    assert report.incidents == 3
    assert report.steps_paged >= 3
    assert report.pages_delivered + report.pages_interrupted >= report.steps_paged - 6
    assert report.problems == [], "\n".join(report.problems)


def test_a_page_being_sent_at_the_kill_is_not_sent_again(
    http_server: HTTPTestServer, tmp_path: Path, rigs: Callable[[CrashRig], CrashRig]
) -> None:
    """The one unknowable case: the process died while the channel had the page."""
    receiver = LoopbackReceiver(http_server, monitors=1, failing=1)
    http_server.set("/hook/p1", behaviour="hang")  # p1's page is in flight until the kill
    rig = rigs(CrashRig(tmp_path, receiver, monitors=1, failing=1, interval="1s"))
    rig.start()
    receiver.fail("/fail/0")
    deadline = time.monotonic() + 20
    while not rig.query("SELECT 1 FROM outbox WHERE status = 'sending'"):
        assert time.monotonic() < deadline, rig.engine_log.read_text()
        time.sleep(0.05)
    # 'sending' is committed just before the page goes out: it arrives a moment later.
    while len(http_server.requests("/hook/p1")) < 1:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert len(http_server.requests("/hook/p1")) == 1
    rig.kill()
    assert rig.report.integrity == ["ok"]
    http_server.set("/hook/p1", body="ok")
    rig.start()
    # Step 2 (p2) still falls due 2 s after step 1 and is paged as usual.
    deadline = time.monotonic() + 20
    while not http_server.requests("/hook/p2"):
        assert time.monotonic() < deadline, rig.engine_log.read_text()
        time.sleep(0.05)
    time.sleep(0.5)
    assert len(http_server.requests("/hook/p1")) == 1  # not sent again
    [(status, error)] = rig.query(
        "SELECT status, last_error FROM outbox WHERE person = 'p1' AND kind = 'page'"
    )
    assert status == "interrupted"
    assert "may not have arrived" in str(error)
    [(data,)] = rig.query(
        "SELECT data FROM timeline WHERE kind = 'delivery_failed' AND data LIKE '%interrupted%'"
    )
    assert json.loads(str(data))["person"] == "p1"
    assert "not sending it again" in rig.engine_log.read_text()
    show = rig.cli("incident", "show", "1")
    assert "was being sent when the engine stopped" in show.stdout, show.stdout
    assert rig.stop() == 0


def test_a_kill_during_a_cli_write_keeps_every_committed_row(
    tmp_path: Path, rigs: Callable[[CrashRig], CrashRig]
) -> None:
    """Kill the engine while the CLI writes: the CLI's committed rows stay, integrity holds."""
    with HTTPTestServer() as server:
        receiver = LoopbackReceiver(server, monitors=50, failing=1)
        rig = rigs(CrashRig(tmp_path, receiver, monitors=50, failing=1, interval="1s"))
        rig.start()
        receiver.fail("/fail/0")
        deadline = time.monotonic() + 20
        while not rig.query("SELECT 1 FROM incidents"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        updates = [
            subprocess.Popen(
                [
                    STATUSCAT, "incident", "update", "1", "--status", "identified",
                    "--message", f"parallel update {i}",
                    "-c", str(rig.config), "--db", str(rig.db),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for i in range(6)
        ]  # fmt: skip
        time.sleep(0.3)
        assert rig.proc is not None
        rig.proc.send_signal(signal.SIGKILL)
        rig.proc.wait()
        outputs = [(p.wait(timeout=60), p.communicate()[0]) for p in updates]
        con = sqlite3.connect(rig.db)
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        kept = {
            json.loads(d)["message"]
            for (d,) in con.execute("SELECT data FROM timeline WHERE kind = 'status_update'")
        }
        con.close()
        for i, (code, out) in enumerate(outputs):
            assert "Traceback" not in out and "locked" not in out, out
            if code == 0:
                assert f"parallel update {i}" in kept
        assert sum(code == 0 for code, _ in outputs) == 6  # the CLI needs no engine
        rig.start()
        assert rig.stop() == 0
