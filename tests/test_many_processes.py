"""Two real dashboards, a headless engine and the CLI on one database (short form).

The long form is ``benchmarks/many_processes.py --minutes 10``; the rig and
every check are in ``tests/support/manyproc.py``.

1. The race: both dashboards start, and the headless engine a moment later
   (at once, and as the dashboards reach for the lock): exactly one process
   becomes the engine; a losing headless engine exits 1 naming the holder;
   viewers' banners name it too; ``engine_runs`` records one run. The first
   round starts on no database at all, so the three also race to create and
   migrate it.
2. The work: the headless engine runs first, both dashboards are viewers.
   Two monitors fail (a SEV1 and a SEV2 incident, pages every 2 s); people
   act from both dashboards at the same moment, and through the CLI all the
   while. Every action the screen (or exit 0) reported done is in the
   database and shows on the other dashboard; one process probed; each
   escalation page reached its webhook once; no screen, CLI output or log
   said "locked", "Traceback" or "OperationalError"; all exit 0; the
   database passes ``PRAGMA integrity_check``.
3. Six processes opening one new database at the same moment all succeed
   (one creates, switches to WAL and migrates it; the others wait).
4. A write another process keeps waiting (it holds the write lock) lands once
   the lock is free; past the bound it is refused in words ("Not done: the
   database stayed busy …"), never as "database is locked", and changes nothing.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from statuscat_tui.config import parse_config
from statuscat_tui.core.incidents import IncidentError
from statuscat_tui.engine.lock import EngineLock, EngineLocked
from statuscat_tui.engine.session import Session
from statuscat_tui.store import store as store_module
from statuscat_tui.store.schema import SCHEMA_VERSION
from tests.support.manyproc import Pending, Rig
from tests.support.terminal import ROOT


def test_exactly_one_process_becomes_the_engine(tmp_path: Path) -> None:
    with Rig(tmp_path, monitors=10, flips=0) as rig:
        # At once, on no database: the headless engine is usually up before the
        # dashboards have loaded Textual, and all three create and migrate it.
        first = rig.race(0.0, fresh=True)
        # Again, the headless engine starting as the dashboards reach for the lock.
        rig.race(max(0.0, first.ready_after - 0.4), fresh=True)
        # The dashboards first: one of them is the engine, and the headless one
        # refuses to be a second, naming it.
        last = rig.race(None)
        texts = rig._check_texts()
        assert rig.problems == [], "\n".join(rig.problems)
        assert "none" not in [r.engine for r in rig.races]
        assert last.engine in ("tui-a", "tui-b")
        said = rig.engine_tail()
        assert (
            f"another StatusCat engine is running on this database (pid {last.engine_pid} on"
            in said
        )
        assert texts["errors_shown"] == 0
        assert rig.integrity() == "ok"


OPENER = """
import asyncio, sys, time
from pathlib import Path
from statuscat_tui.store.store import Store
go = Path(sys.argv[2])
Path(sys.argv[3]).touch()
while not go.exists():
    time.sleep(0.001)
async def main():
    store = await Store.open(sys.argv[1])
    await store.close()
asyncio.run(main())
"""


def test_processes_opening_a_new_database_at_once(tmp_path: Path) -> None:
    """Six processes open (create, switch to WAL, migrate) one new database together."""
    for attempt in range(2):
        db = tmp_path / f"new{attempt}.db"
        go = tmp_path / f"go{attempt}"
        ready = [tmp_path / f"ready{attempt}-{i}" for i in range(6)]
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", OPENER, str(db), str(go), str(r)],
                stderr=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
            for r in ready
        ]
        try:
            deadline = time.monotonic() + 60
            while not all(r.exists() for r in ready):
                assert time.monotonic() < deadline, "the openers did not start"
                time.sleep(0.01)
            go.touch()  # all at the same moment
            results = [(p.wait(60), p.stderr.read() if p.stderr else "") for p in procs]
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        assert [code for code, _ in results] == [0] * 6, [err for _, err in results]
        con = sqlite3.connect(db)
        try:
            assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            con.close()


async def test_a_busy_database_is_waited_for_then_refused_in_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    """Another process holding the write lock: the action waits; past the bound, "Not done"."""
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(store_module, "BUSY_PATIENCE", 1.5)
    db = tmp_path / "sc.db"
    config = parse_config(
        f"settings: {{me: ada}}\nmonitors:\n  - {{id: api, url: 'http://127.0.0.1:{closed_port}/'}}\n"
        "people:\n  - {id: ada}\n",
        "test.yml",
        env={},
    )
    engine = EngineLock(db)
    engine.acquire()  # another process's engine: this session is a viewer
    session = Session(config, db)
    await session.start()
    try:
        assert session.mode == "viewer"
        first = await session.open_incident("Checkout down", "SEV1", None)
        # Held for 1 s (beyond one busy_timeout): the action waits and lands.
        with _write_lock_held(db, 1.0):
            acked = await session.acknowledge(first.id)
        assert acked.state.value == "acknowledged"
        # Held past BUSY_PATIENCE: refused, in words, and nothing changed.
        with _write_lock_held(db, 10.0), pytest.raises(IncidentError) as refused:
            await session.change_severity(first.id, "SEV2")
        assert "stayed busy" in str(refused.value)
        assert "locked" not in str(refused.value)
        assert (await session.service.get(first.id)).severity == "SEV1"
    finally:
        await session.stop()
        engine.release()


LATE_WRITER = """
import fcntl, os, socket, sys, time
f = open(sys.argv[1], "a+")
fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
print("locked", flush=True)
time.sleep(0.3)  # the moment between winning the lock and writing its name
f.seek(0)
f.truncate()
f.write(f"pid {os.getpid()} on {socket.gethostname()} since now\\n")
f.flush()
time.sleep(30)
"""


def test_the_loser_names_the_new_holder_not_the_last_one(tmp_path: Path) -> None:
    """A loser reading the lock file before the winner wrote its name waits for the name."""
    db = tmp_path / "sc.db"
    lock = db.with_name(db.name + ".lock")
    # What a previous engine, long gone, left in the file.
    lock.write_text(f"pid {_dead_pid()} on {socket.gethostname()} since yesterday\n")
    winner = subprocess.Popen(
        [sys.executable, "-c", LATE_WRITER, str(lock)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert winner.stdout is not None and winner.stdout.readline().strip() == "locked"
        with pytest.raises(EngineLocked) as lost:
            EngineLock(db).acquire()
        assert lost.value.holder.startswith(f"pid {winner.pid} on ")
    finally:
        winner.kill()
        winner.wait()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


HOLDER = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("COMMIT")
"""


@contextlib.contextmanager
def _write_lock_held(db: Path, seconds: float) -> Iterator[None]:
    """Another process holds the database's write lock for ``seconds``."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield
    finally:
        proc.kill()
        proc.wait()


def test_actions_from_every_side_land_once(tmp_path: Path) -> None:
    with Rig(tmp_path, monitors=30, flips=3, interval="1s", wait="2s") as rig:
        engine = rig.start_engine()
        tui1 = rig.tui("tui1", "ada", 120, 36)
        tui2 = rig.tui("tui2", "bob", 120, 36)
        for tui in (tui1, tui2):
            assert tui.wait_mode() == ("viewer", engine.pid)
        rig.fail(0)  # f0: SEV1
        rig.fail(1)  # f1: SEV2
        sev1, sev2 = rig.incident_of(0), rig.incident_of(1)
        rig.start_cli(pause=0.6)

        def both(first: Pending | None, second: Pending | None) -> None:
            """Fire the two dashboards' actions together, then check each on the other."""
            done = rig.fire(first, second)
            for action in done:
                rig.check_visible(action, tui2 if action.source == "tui1" else tui1)

        both(rig.prepare_ack(tui1, sev1), rig.prepare_own(tui2, sev2))
        both(
            rig.prepare_update(tui1, sev1, "identified", "ref1a7 the load balancer drops TLS"),
            rig.prepare_severity(tui2, sev2, "SEV1"),
        )
        opened = rig.fire(rig.prepare_open(tui2, "Payments slow", "SEV2"))
        assert len(opened) == 1, rig.problems
        manual = opened[0].incident
        rig.check_visible(opened[0], tui1)
        both(
            rig.prepare_ack(tui1, manual),
            rig.prepare_update(tui2, sev2, "monitoring", "ref2b9 rolled back the deploy"),
        )
        both(
            rig.prepare_update(tui1, manual, "identified", "ref3c4 a card processor is slow"),
            rig.prepare_resolve(tui2, sev1),  # f0 still fails: forced, and recorded so
        )
        both(rig.prepare_ack(tui1, sev2), rig.prepare_resolve(tui2, manual))
        rig.stop_cli()
        rig.quit_tuis()
        rig.stop_engine()
        figures = rig.check()

        assert rig.problems == [], "\n".join(rig.problems)
        per_source = figures["actions_per_source"]
        assert per_source.get("tui1", 0) >= 4 and per_source.get("tui2", 0) >= 5, figures
        assert per_source.get("cli", 0) >= 3, figures
        assert figures["actions_landed"] == figures["actions"]
        assert figures["forced_resolves"] == 1
        assert figures["escalation_steps_paged"] >= 2
        assert figures["pages_posted"] == figures["pages_delivered"] >= 2
        assert figures["pages_sent_twice"] == 0
        expected = figures["probes_per_monitor_per_min_expected"]
        assert 0.75 * expected <= figures["probes_per_monitor_per_min_max"] <= 1.25 * expected
        assert figures["engine_runs_during_run"] == 1
        assert figures["errors_shown"] == 0
        assert figures["integrity"] == "ok"
        assert [t.exit_code for t in rig.tuis] == [0, 0] and rig.engine_exit == 0
