"""Many processes on one database: one headless engine, two real dashboards and the CLI.

Used by ``tests/test_many_processes.py`` (short form) and
``benchmarks/many_processes.py`` (ten minutes). Everything is the real
program: ``statuscat run --headless`` in its own process, two ``statuscat``
dashboards each on its own pseudo-terminal (read back as rendered screens,
``tests/support/terminal.py``), and ``statuscat incident …`` commands. The
loopback target is ``HTTPTestServer`` in this process: it serves the
monitors, counts every probe per path (so it sees how many processes probe)
and takes the json:// pages on ``/hook/<person>``.

People act from every side, and only what a person was told succeeded is
recorded as an action: on a dashboard, the "✔ …" toast; for the CLI, exit 0.
Then:

- every recorded action is in the database timeline (acks, owners, severity
  changes, updates with their text, resolves, new incidents), and each one
  made on a dashboard shows on the *other* dashboard;
- exactly one process probes (each healthy monitor is hit about once per
  interval, not two or three times) and ``engine_runs`` shows one engine;
- every escalation step is paged once, in order, and each page reaches its
  webhook exactly once (pages say ``Escalation: step S of N, round R of M``);
- no screen, toast, CLI output or log ever says "database is locked",
  "locked", "Traceback" or "OperationalError";
- every process exits cleanly (q, SIGTERM: exit 0) and ``PRAGMA
  integrity_check`` is ok.

``race`` starts both dashboards and the headless engine at (nearly) the same
moment: exactly one becomes the engine. If a dashboard wins, the headless
engine exits 1 naming the process that holds the lock, and the other
dashboard is a viewer naming the same process.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.httpserver import HTTPTestServer
from tests.support.terminal import ROOT, Terminal

STATUSCAT = str(Path(sys.executable).with_name("statuscat"))
PEOPLE = ("ada", "bob", "carol")
SEVERITIES = ("SEV1", "SEV2", "SEV3")
STATUSES = ("investigating", "identified", "monitoring", "resolved")
STEPS, ROUNDS = 3, 2
PAGE_KEY = re.compile(r"Incident #(\d+):.*?Escalation: step (\d+) of \d+, round (\d+) of \d+", re.S)
FORBIDDEN = re.compile(r"(?i)database is locked|\blocked\b|traceback|operationalerror")
TOAST = re.compile(r"✔|Not done")
STATUS_LINE = re.compile(r"^ StatusCat\s+\d\d:\d\d:\d\d\s+(engine|viewer)\b")
HOLDER = re.compile(r"VIEWER — the engine runs in another process \(pid (\d+) ")
INCIDENT_HEAD = re.compile(r"^\s*(SEV\d)\s+#(\d+)\s")
ROW = re.compile(r"^│ (SEV\d)\s+#(\d+)\s")
ROW_OWNER = re.compile(
    r"^│ SEV\d\s+#\d+\s+.+?\s{2,}(?:investigating|identified|monitoring)"
    r"(?:\s+✔ ready to resolve)?\s{2,}(\S+)\s{2,}"
)
RADIO = re.compile(r"▐●▌ (\w+)")
VISIBLE_WITHIN = 20.0  # a toast may hide a cell for a while: the check waits past it
ACT_WITHIN = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def config_text(port: int, listen: int, monitors: int, flips: int, interval: str, wait: str) -> str:
    base = f"http://127.0.0.1:{port}"
    lines = [
        f'settings: {{timezone: UTC, me: ada, listen: "127.0.0.1:{listen}"}}',
        "defaults:",
        f"  interval: {interval}",
        "  timeout: 1s",
        "  confirm: {failures: 2, retry_interval: 250ms, successes: 1}",
        "monitors:",
    ]
    lines += [
        f'  - {{id: h{i:02d}, url: "{base}/ok/{i}", severity: SEV3}}' for i in range(monitors)
    ]
    lines += [
        f'  - {{id: f{i}, url: "{base}/flip/{i}", severity: {SEVERITIES[i % 2]}}}'
        for i in range(flips)
    ]
    lines.append("people:")
    lines += [f'  - {{id: {p}, notify: ["json://127.0.0.1:{port}/hook/{p}"]}}' for p in PEOPLE]
    lines += [
        "escalation_policies:",
        "  - id: loud",
        f"    repeat: {ROUNDS - 1}",
        "    steps:",
        *(f'      - {{notify: "person:{p}", wait: {wait}}}' for p in PEOPLE),
        "severities:",
        "  SEV1: {escalation: loud, page: always, publish: auto}",
        "  SEV2: {escalation: loud, page: always, publish: auto}",
        "  SEV3: {escalation: loud, page: never, publish: manual}",
        "status_page: {output: site}",
    ]
    return "\n".join(lines) + "\n"


def _seconds(duration: str) -> float:
    units = {"ms": 0.001, "s": 1.0, "m": 60.0}
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)", duration)
    assert m is not None, duration
    return float(m[1]) * units[m[2]]


@dataclass
class Action:
    """Something a person was told was done."""

    source: str  # tui1, tui2, cli
    kind: str  # ack, own, update, severity, resolve, open
    incident: int
    actor: str
    detail: str = ""  # the update's message, the new severity, the new incident's title
    status: str = ""  # an update's public status
    pressed: float = 0.0  # wall time of the key press (or the CLI's start)
    committed: float | None = None  # when the database first showed it
    told: float | None = None  # when the screen (or the CLI's exit) said it was done
    visible: float | None = None  # when the other dashboard showed it
    forced: bool = False


@dataclass
class Refusal:
    source: str
    kind: str
    incident: int
    message: str


@dataclass
class Pending:
    """An action prepared on a dashboard up to its last key."""

    tui: Tui
    action: Action
    keys: list[str]
    expect: re.Pattern[str]
    confirm: bool = False  # a resolve: answer "Resolve anyway?" with y
    mark: int = 0
    after_id: int = 0
    confirmed: bool = False
    refused: str | None = None

    @property
    def finished(self) -> bool:
        return self.refused is not None or (
            self.action.told is not None and self.action.committed is not None
        )


@dataclass
class RaceOutcome:
    delay: float | None
    engine: str  # "headless", "tui-a" or "tui-b"
    engine_pid: int
    ready_after: float  # how long the dashboards took to show which they are
    problems: list[str] = field(default_factory=list)


class Tui:
    """One real dashboard on a pseudo-terminal, driven from the keyboard."""

    def __init__(self, rig: Rig, name: str, person: str, cols: int = 120, rows: int = 36) -> None:
        self.rig = rig
        self.name = name
        self.person = person
        argv = [STATUSCAT, "-c", str(rig.config), "--db", str(rig.db), "--as", person]
        self.term = Terminal(
            argv, cols, rows, env=rig.env, cwd=ROOT, watch=[FORBIDDEN.pattern, TOAST.pattern]
        )
        self.exit_code: int | None = None

    @property
    def pid(self) -> int:
        return self.term.pid

    # -- reading the screen -----------------------------------------------------

    def wait_mode(self, within: float = 60.0) -> tuple[str, int | None]:
        """``engine`` or ``viewer`` (with the pid its banner names), once the dashboard is up."""
        shown = self.term.wait_for(lambda s: STATUS_LINE.match(s), within)
        mode = str(STATUS_LINE.match(shown)[1])  # type: ignore[index]
        if mode == "engine":
            return mode, None
        shown = self.term.wait_for(HOLDER, 10)
        m = HOLDER.search(shown)
        assert m is not None
        return mode, int(m[1])

    def at_dashboard(self) -> bool:
        return STATUS_LINE.match(self.term.screen()) is not None

    def home(self, within: float = 15.0) -> None:
        """Back to the dashboard from any screen or dialog."""
        deadline = time.monotonic() + within
        while not self.at_dashboard():
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: cannot get back to the dashboard")
            self.term.press("escape")
            time.sleep(0.25)

    def rows(self) -> list[tuple[int, str, str]]:
        """The incident rows the dashboard shows: (id, severity, the row's text)."""
        out = []
        for line in self.term.lines():
            m = ROW.match(line)
            if m is not None:
                out.append((int(m[2]), m[1], line))
        return out

    def wait_row(
        self, incident: int, test: Callable[[str, str], bool] | None, within: float
    ) -> bool:
        """Wait until the row of ``incident`` passes ``test(severity, text)`` (None: gone)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            row = next(((s, t) for i, s, t in self.rows() if i == incident), None)
            if test is None:
                if row is None:
                    return True
            elif row is not None and test(*row):
                return True
            time.sleep(0.1)
        return False

    def open_incident(self, incident: int, within: float = 20.0) -> bool:
        """Open the incident's screen from the dashboard (False if it is not listed)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            self.home()
            ids = [i for i, _, _ in self.rows()]
            if incident not in ids:
                time.sleep(0.3)  # not drawn yet, or gone
                continue
            self.term.press("2", "g", *["j"] * ids.index(incident), "enter")
            try:
                shown = self.term.wait_for(lambda s: INCIDENT_HEAD.match(s), 8)
            except AssertionError:
                continue
            m = INCIDENT_HEAD.match(shown)
            if m is not None and int(m[2]) == incident:
                return True
            self.term.press("escape")  # the rows moved under the cursor: try again
        return False

    def head_severity(self) -> str | None:
        m = INCIDENT_HEAD.match(self.term.screen())
        return m[1] if m else None

    def quit(self, within: float = 30.0) -> int | None:
        """q from the dashboard, as a person leaves; the exit code (None: killed)."""
        try:
            self.home()
            self.term.press("q")
            self.exit_code = self.term.exit_code(within)
        finally:
            self.term.terminate()
        return self.exit_code

    def forbidden(self) -> list[str]:
        return [line for _, line in self.term.seen_since(0) if FORBIDDEN.search(line)]


class Rig:
    """The target, the config and database, and the processes around them."""

    def __init__(
        self,
        root: Path,
        *,
        monitors: int = 30,
        flips: int = 4,
        interval: str = "1s",
        wait: str = "2s",
        seed: int = 1,
        log: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.root = root
        self.say = log
        self.monitors = monitors
        self.flips = flips
        self.interval = _seconds(interval)
        self.server = HTTPTestServer().start()
        for i in range(monitors):
            self.server.set(f"/ok/{i}", body="ok")
        for i in range(flips):
            self.server.set(f"/flip/{i}", body="ok")
        for p in PEOPLE:
            self.server.set(f"/hook/{p}", body="ok")
        self.config = root / "statuscat.yml"
        self.db = root / "sc.db"
        self.engine_log = root / "engine.log"
        self.config.write_text(
            config_text(self.server.port, free_port(), monitors, flips, interval, wait)
        )
        self.env = {**os.environ, "NO_COLOR": "1"}
        self.rng = random.Random(seed)
        self.seed = seed
        self.engine: subprocess.Popen[bytes] | None = None
        self.engine_started: float | None = None  # wall time it said "started"
        self.engine_stopped: float | None = None
        self.engine_exit: int | None = None
        self.tuis: list[Tui] = []
        self.actions: list[Action] = []
        self.refusals: list[Refusal] = []
        self.problems: list[str] = []
        self.cli_runs = 0
        self.races: list[RaceOutcome] = []
        self.failing: dict[int, float] = {}  # flip monitor -> failing since (wall time)
        self._record = threading.Lock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._hits_before = [0] * monitors
        self._runs_before = 0
        self._cli_stop = threading.Event()
        self._cli_thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------

    def __enter__(self) -> Rig:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Leave nothing running, whatever happened."""
        self.stop_cli()
        for tui in self.tuis:
            tui.term.terminate()
        if self.engine is not None and self.engine.poll() is None:
            self.engine.kill()
            self.engine.wait()
        self._close_connections()
        self.server.stop()

    def _close_connections(self) -> None:
        with self._record:
            for con in self._connections:
                with contextlib.suppress(sqlite3.Error):
                    con.close()
            self._connections.clear()
        self._local = threading.local()

    def problem(self, text: str) -> None:
        with self._record:
            self.problems.append(text)
        self.say(f"  PROBLEM: {text}")

    # -- the database, read as anyone could --------------------------------------------

    def query(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(
                f"file:{self.db}?mode=ro", uri=True, timeout=30, check_same_thread=False
            )
            self._local.con = con
            with self._record:
                self._connections.append(con)
        return con.execute(sql, args).fetchall()

    def last_event_id(self) -> int:
        return int(self.query("SELECT coalesce(max(id), 0) FROM timeline")[0][0])

    def active(self) -> list[dict[str, Any]]:
        rows = self.query(
            "SELECT id, severity, state, owner, public_status, title FROM incidents"
            " WHERE state != 'resolved' ORDER BY id"
        )
        keys = ("id", "severity", "state", "owner", "public_status", "title")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def incident_of(self, flip: int, within: float = 20.0) -> int:
        """The active incident the flip monitor ``f<flip>`` opened."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            rows = self.query(
                "SELECT i.id FROM incidents i JOIN incident_monitors m ON m.incident = i.id"
                " WHERE m.monitor = ? AND i.state != 'resolved'",
                f"f{flip}",
            )
            if rows:
                return int(rows[0][0])
            time.sleep(0.05)
        raise AssertionError(f"f{flip} opened no incident within {within}s")

    def landed(self, a: Action, after_id: int = 0) -> int:
        """How many timeline entries (after ``after_id``) record action ``a``."""
        kind, where, args = {
            "ack": ("acknowledged", "", ()),
            "own": ("owner_changed", " AND json_extract(data, '$.to') = ?", (a.actor,)),
            "update": (
                "status_update",
                " AND json_extract(data, '$.message') = ? AND json_extract(data, '$.status') = ?",
                (a.detail, a.status),
            ),
            "severity": ("severity_changed", " AND json_extract(data, '$.to') = ?", (a.detail,)),
            "resolve": ("resolved", "", ()),
            "open": ("opened", " AND json_extract(data, '$.title') = ?", (a.detail,)),
        }[a.kind]
        # A new incident's id is known once the screen says it; until then, its title.
        incident = " AND incident = ?" if a.incident else ""
        sql = "SELECT count(*) FROM timeline WHERE id > ? AND kind = ? AND actor = ?"
        sql += incident + where
        ids = (a.incident,) if a.incident else ()
        return int(self.query(sql, after_id, kind, a.actor, *ids, *args)[0][0])

    # -- the target ----------------------------------------------------------------------

    def fail(self, flip: int) -> None:
        self.server.set(f"/flip/{flip}", status=500, body="broken")
        self.failing[flip] = time.time()

    def recover(self, flip: int) -> None:
        self.server.set(f"/flip/{flip}", body="ok")
        self.failing.pop(flip, None)

    # -- processes ------------------------------------------------------------------------

    def start_engine(self, *, wait: bool = True) -> subprocess.Popen[bytes]:
        """The headless engine for the run (the one whose probes ``check`` counts)."""
        offset = self.engine_log.stat().st_size if self.engine_log.exists() else 0
        self._hits_before = [self.server.hits(f"/ok/{i}") for i in range(self.monitors)]
        self._runs_before = self._engine_runs_count()
        with self.engine_log.open("ab") as out:
            proc = subprocess.Popen(
                [STATUSCAT, "run", "--headless", "-c", str(self.config), "--db", str(self.db)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=ROOT,
            )
        self.engine = proc
        self._engine_offset = offset
        if wait and self.engine_outcome(proc, offset, 60) != "started":
            raise AssertionError(f"the headless engine did not start: {self.engine_tail(offset)}")
        return proc

    def engine_outcome(self, proc: subprocess.Popen[bytes], offset: int, within: float) -> str:
        """``started`` once it logged so, ``exited`` if it ended first."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if "started:" in self.engine_tail(offset):
                self.engine_started = time.time()
                return "started"
            if proc.poll() is not None:
                return "exited"
            time.sleep(0.05)
        raise AssertionError(f"the headless engine neither started nor exited (pid {proc.pid})")

    def engine_tail(self, offset: int = 0) -> str:
        with self.engine_log.open("rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")

    def stop_engine(self) -> int | None:
        """SIGTERM, as a service manager would; the exit code."""
        if self.engine is None:
            return None
        self.engine_stopped = time.time()
        self.engine.send_signal(signal.SIGTERM)
        try:
            self.engine_exit = self.engine.wait(60)
        except subprocess.TimeoutExpired:
            self.problem("the headless engine did not exit within 60 s of SIGTERM")
            self.engine.kill()
            self.engine_exit = self.engine.wait()
        if self.engine_exit != 0:
            self.problem(f"the headless engine exited {self.engine_exit} on SIGTERM")
        return self.engine_exit

    def tui(self, name: str, person: str, cols: int = 120, rows: int = 36) -> Tui:
        tui = Tui(self, name, person, cols, rows)
        self.tuis.append(tui)
        return tui

    def quit_tuis(self) -> None:
        for tui in self.tuis:
            if tui.exit_code is None and not tui.term.exited():
                code = tui.quit()
                if code != 0:
                    self.problem(f"{tui.name} exited {code} on q")

    # -- the race for the engine lock ---------------------------------------------------

    def race(self, delay: float | None, *, fresh: bool = False) -> RaceOutcome:
        """Both dashboards, then (``delay`` s later) the headless engine: exactly one wins.

        ``delay=None``: the headless engine starts once both dashboards are up.
        ``fresh``: on no database at all, so the three also race to create it.
        Everything is stopped again at the end (viewers first, with q; SIGTERM).
        """
        if fresh:
            self._close_connections()  # they would go on reading the deleted file
            for suffix in ("", "-wal", "-shm", ".lock"):
                self.db.with_name(self.db.name + suffix).unlink(missing_ok=True)
        runs_before = self._engine_runs_count()
        started = time.monotonic()
        a = Tui(self, "tui-a", "ada", 120, 36)
        b = Tui(self, "tui-b", "bob", 80, 24)
        self.tuis += [a, b]
        if delay is None:
            for t in (a, b):  # the dashboards are up (so one of them holds the lock)
                t.wait_mode()
        else:
            time.sleep(delay)
        offset = self.engine_log.stat().st_size if self.engine_log.exists() else 0
        with self.engine_log.open("ab") as out:
            headless = subprocess.Popen(
                [STATUSCAT, "run", "--headless", "-c", str(self.config), "--db", str(self.db)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=ROOT,
            )
        problems: list[str] = []
        winner, winner_pid, ready = "none", 0, 0.0
        try:
            modes = {t.name: t.wait_mode() for t in (a, b)}
            ready = time.monotonic() - started
            how = self.engine_outcome(headless, offset, 60)
            engines = [name for name, (mode, _) in modes.items() if mode == "engine"]
            if how == "started":
                engines.append("headless")
            pids = {"tui-a": a.pid, "tui-b": b.pid, "headless": headless.pid}
            if len(engines) != 1:
                problems.append(f"{len(engines)} engines after the race: {engines}")
            winner = engines[0] if engines else "none"
            winner_pid = pids.get(winner, 0)
            for name, (mode, holder) in modes.items():
                if mode == "viewer" and holder != winner_pid:
                    problems.append(
                        f"{name}'s banner names pid {holder}, the engine is {winner_pid}"
                    )
            if how == "exited":
                code = headless.wait()
                said = self.engine_tail(offset)
                if code != 1:
                    problems.append(f"the losing headless engine exited {code}, not 1")
                if (
                    f"another StatusCat engine is running on this database (pid {winner_pid} on"
                    not in said
                ):
                    problems.append(
                        f"the losing headless engine did not name pid {winner_pid}: {said!r}"
                    )
            runs = self.query(
                "SELECT pid FROM engine_runs ORDER BY id LIMIT -1 OFFSET ?", runs_before
            )
            if [int(r[0]) for r in runs] != [winner_pid]:
                problems.append(f"engine_runs after the race: {runs}, expected [{winner_pid}]")
            # Viewers first: the engine's dashboard leaves last.
            for t in sorted((a, b), key=lambda t: modes[t.name][0] == "engine"):
                quit_code = t.quit()
                if quit_code != 0:
                    problems.append(f"{t.name} exited {quit_code} on q")
            if headless.poll() is None:
                headless.send_signal(signal.SIGTERM)
                code = headless.wait(60)
                if code != 0:
                    problems.append(f"the headless engine exited {code} on SIGTERM")
            for t in (a, b):
                problems += [f"{t.name} showed: {line}" for line in t.forbidden()]
        finally:
            for t in (a, b):
                t.term.terminate()
            if headless.poll() is None:
                headless.kill()
                headless.wait()
        outcome = RaceOutcome(delay, winner, winner_pid, ready, problems)
        self.races.append(outcome)
        for p in problems:
            self.problem(f"race (headless {delay}s after the dashboards): {p}")
        return outcome

    def _engine_runs_count(self) -> int:
        if not self.db.exists():
            return 0
        return int(self.query("SELECT count(*) FROM engine_runs")[0][0])

    # -- acting from a dashboard ------------------------------------------------------

    def prepare_ack(self, tui: Tui, incident: int) -> Pending | None:
        if not tui.open_incident(incident):
            return None
        pattern = rf"✔ #{incident} acknowledged by {tui.person}; pages stopped"
        return Pending(
            tui, Action(tui.name, "ack", incident, tui.person), ["a"], re.compile(pattern)
        )

    def prepare_own(self, tui: Tui, incident: int) -> Pending | None:
        if not tui.open_incident(incident):
            return None
        pattern = rf"✔ #{incident} is now owned by {tui.person}"
        return Pending(
            tui, Action(tui.name, "own", incident, tui.person), ["o"], re.compile(pattern)
        )

    def prepare_resolve(self, tui: Tui, incident: int) -> Pending | None:
        if not tui.open_incident(incident):
            return None
        action = Action(tui.name, "resolve", incident, tui.person)
        pattern = re.compile(rf"✔ #{incident} resolved")
        return Pending(tui, action, ["r"], pattern, confirm=True)

    def prepare_severity(self, tui: Tui, incident: int, severity: str) -> Pending | None:
        if not tui.open_incident(incident):
            return None
        current = tui.head_severity()
        if current is None or current == severity:
            tui.home()
            return None
        tui.term.press("s")
        tui.term.wait_for("Change severity", 10)
        delta = SEVERITIES.index(severity) - SEVERITIES.index(current)
        tui.term.press(*(["j"] * delta if delta > 0 else ["k"] * -delta))
        action = Action(tui.name, "severity", incident, tui.person, detail=severity)
        return Pending(tui, action, ["enter"], re.compile(rf"✔ #{incident} is now {severity}"))

    def prepare_update(self, tui: Tui, incident: int, status: str, message: str) -> Pending | None:
        if not tui.open_incident(incident):
            return None
        term = tui.term
        term.press("u")
        shown = term.wait_for(RADIO, 10)
        m = RADIO.search(shown)
        assert m is not None
        delta = STATUSES.index(status) - STATUSES.index(m[1].lower())
        if delta:
            # The status choices come before the message box: shift+tab reaches them,
            # and the arrows choose.
            term.press("shift+tab", *(["right"] * delta if delta > 0 else ["left"] * -delta))
            try:
                term.wait_for(f"▐●▌ {status.capitalize()}", 5)
            except AssertionError:
                tui.home()
                return None
            term.press("tab")
        # Select the template text, delete it, type ours. A status change swaps the
        # template in a moment later, so what the box holds is read back: our text
        # alone, from the start of the box.
        for _ in range(3):
            term.press("f7", "backspace")
            term.send(message)
            try:
                term.wait_for(re.compile("▊ " + re.escape(message.split()[0])), 5)
                break
            except AssertionError:
                continue
        else:
            tui.home()
            return None
        action = Action(tui.name, "update", incident, tui.person, detail=message, status=status)
        pattern = re.compile(rf"✔ #{incident} ({status}): update posted")
        return Pending(tui, action, ["enter"], pattern)

    def prepare_open(self, tui: Tui, title: str, severity: str) -> Pending | None:
        tui.home()
        term = tui.term
        term.press("n")
        shown = term.wait_for(RADIO, 10)
        m = RADIO.search(shown)
        assert m is not None
        term.send(title)
        term.wait_for(title, 5)
        term.press("enter")  # on to the severity
        delta = SEVERITIES.index(severity) - SEVERITIES.index(m[1])
        term.press(*(["right"] * delta if delta > 0 else ["left"] * -delta))
        try:
            term.wait_for(f"▐●▌ {severity}", 5)
        except AssertionError:
            tui.home()
            return None
        action = Action(tui.name, "open", 0, tui.person, detail=title)
        pattern = re.compile(rf"✔ opened #(\d+): {re.escape(title)} \({severity}\)")
        return Pending(tui, action, ["enter"], pattern)

    def fire(self, *pendings: Pending | None) -> list[Action]:
        """Press every prepared action's last key at the same moment; wait for each outcome."""
        todo = [p for p in pendings if p is not None]
        for p in todo:
            p.mark = p.tui.term.mark()
            p.after_id = self.last_event_id()
        for p in todo:
            p.action.pressed = time.time()
            p.tui.term.press(*p.keys)
        deadline = time.monotonic() + ACT_WITHIN
        while not all(p.finished for p in todo) and time.monotonic() < deadline:
            for p in todo:
                if not p.finished:
                    self._poll(p)
            time.sleep(0.02)
        done = []
        for p in todo:
            a = p.action
            if p.refused is not None:
                with self._record:
                    self.refusals.append(Refusal(a.source, a.kind, a.incident, p.refused))
                self.say(f"  {a.source} {a.kind} #{a.incident} refused: {p.refused}")
            elif a.told is None and a.committed is None:
                self.problem(f"{a.source} {a.kind} #{a.incident}: neither told nor committed")
            elif a.told is None:
                self.problem(
                    f"{a.source} {a.kind} #{a.incident} committed but the screen never said so"
                )
            elif a.committed is None:
                self.problem(
                    f"{a.source} {a.kind} #{a.incident} shown as done but not in the database;"
                    f" its timeline since: {self._events_since(a.incident, p.after_id)}"
                )
            else:
                with self._record:
                    self.actions.append(a)
                done.append(a)
        for p in todo:
            p.tui.home()
        return done

    def _poll(self, p: Pending) -> None:
        a = p.action
        if a.told is None:
            for at, line in p.tui.term.seen_since(p.mark):
                m = p.expect.search(line)
                if m is not None:
                    a.told = at
                    if a.kind == "open":
                        a.incident = int(m[1])
                    a.forced = "(forced)" in line
                    break
                if "Not done" in line:
                    p.refused = self._refusal_text(p.tui)
                    return
            if (
                a.told is None
                and p.confirm
                and not p.confirmed
                and f"Resolve #{a.incident} anyway?" in p.tui.term.screen()
            ):
                p.confirmed = True
                a.pressed = time.time()  # the commit waits for this key
                p.tui.term.press("y")
        if a.committed is None and self.landed(a, p.after_id):
            a.committed = time.time()

    def _events_since(self, incident: int, after_id: int) -> list[tuple[Any, ...]]:
        return self.query(
            "SELECT kind, actor, data FROM timeline WHERE incident = ? AND id > ? ORDER BY id",
            incident,
            after_id,
        )[:10]

    @staticmethod
    def _refusal_text(tui: Tui) -> str:
        lines = tui.term.lines()
        for i, line in enumerate(lines):
            if "Not done" in line and i + 1 < len(lines):
                return lines[i + 1].strip(" ▌│")
        return "(refused)"

    # -- what the other dashboard shows ---------------------------------------------

    def check_visible(self, a: Action, other: Tui) -> None:
        """The other dashboard shows the action's effect (it reads the same database)."""
        ok = False
        if a.kind == "severity":
            ok = other.wait_row(a.incident, lambda sev, _: sev == a.detail, VISIBLE_WITHIN)
        elif a.kind == "own":
            ok = other.wait_row(a.incident, lambda _, row: _owner(row) == a.actor, VISIBLE_WITHIN)
        elif a.kind == "resolve":
            ok = other.wait_row(a.incident, None, VISIBLE_WITHIN)
        elif a.kind == "open":
            ok = other.wait_row(a.incident, lambda _, row: a.detail[:12] in row, VISIBLE_WITHIN)
        elif a.kind in ("ack", "update"):
            needle = "state acknowledged" if a.kind == "ack" else a.detail.split()[0]
            if other.open_incident(a.incident):
                with contextlib.suppress(AssertionError):
                    other.term.wait_for(needle, VISIBLE_WITHIN)
                    ok = True
            other.home()
        if ok:
            a.visible = time.time()
        else:
            rows = [row.strip() for _, _, row in other.rows()]
            self.problem(
                f"{a.source} {a.kind} #{a.incident} never showed on {other.name}; its rows: {rows}"
            )

    # -- the CLI, concurrently ------------------------------------------------------------

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [STATUSCAT, *args, "-c", str(self.config), "--db", str(self.db)],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=ROOT,
            timeout=120,
        )
        for line in (done.stdout + done.stderr).splitlines():
            if FORBIDDEN.search(line):
                self.problem(f"statuscat {' '.join(args)} said: {line}")
        return done

    def start_cli(self, pause: float = 0.5) -> None:
        """People at other terminals: acks and updates through the CLI until stop_cli()."""
        self._cli_stop.clear()
        self._cli_thread = threading.Thread(
            target=self._cli_loop, args=(pause,), daemon=True, name="cli"
        )
        self._cli_thread.start()

    def stop_cli(self) -> None:
        self._cli_stop.set()
        if self._cli_thread is not None:
            self._cli_thread.join(150)
            self._cli_thread = None

    def _cli_loop(self, pause: float) -> None:
        rng = random.Random(self.seed + 1)
        n = 0
        while not self._cli_stop.is_set():
            try:
                active = self.active()
            except sqlite3.Error as exc:
                self.problem(f"reading the database: {exc}")
                return
            if not active:
                self._cli_stop.wait(pause)
                continue
            inc = rng.choice(active)
            n += 1
            if inc["state"] == "triggered" and rng.random() < 0.5:
                action = Action("cli", "ack", int(inc["id"]), "carol")
                args = ["incident", "ack", str(inc["id"]), "--as", "carol"]
            else:
                status = rng.choice(STATUSES[:3])
                message = f"c{n:04d}{rng.getrandbits(24):06x} update from the CLI"
                action = Action("cli", "update", int(inc["id"]), "carol", message, status)
                args = ["incident", "update", str(inc["id"]), "--status", status]
                args += ["--message", message, "--as", "carol"]
            action.pressed = time.time()
            done = self.cli(*args)
            action.told = action.committed = time.time()
            with self._record:
                self.cli_runs += 1
                if done.returncode == 0:
                    self.actions.append(action)
                elif done.returncode == 1:
                    self.refusals.append(
                        Refusal("cli", action.kind, action.incident, done.stderr.strip()[-300:])
                    )
                else:
                    self.problems.append(
                        f"statuscat {' '.join(args)} exited {done.returncode}: {done.stderr[-500:]}"
                    )
            self._cli_stop.wait(pause)

    # -- the long form ------------------------------------------------------------------

    def soak(self, seconds: float, *, races: int = 3) -> dict[str, Any]:
        """Races for the lock, then ``seconds`` of people acting from every side; the figures."""
        if races:
            opening = self.race(0.0, fresh=True)
            for i in range(max(0, races - 2)):
                self.race(max(0.0, opening.ready_after - 0.6 + 0.2 * i), fresh=i % 2 == 0)
            if races > 1:
                self.race(None)
        engine = self.start_engine()
        tui1 = self.tui("tui1", "ada", 120, 36)
        tui2 = self.tui("tui2", "bob", 120, 36)
        for tui in (tui1, tui2):
            mode = tui.wait_mode()
            if mode != ("viewer", engine.pid):
                self.problem(f"{tui.name} started as {mode}, not a viewer of {engine.pid}")
        self.start_cli(pause=1.0)
        started = time.monotonic()
        next_report = started + 60
        cycle = 0
        while time.monotonic() - started < seconds:
            cycle += 1
            self._turn_the_target()
            for a in self.fire(*self._plan(tui1, tui2, cycle)):
                self.check_visible(a, tui2 if a.source == "tui1" else tui1)
            if time.monotonic() >= next_report:
                next_report += 60
                self.say(
                    f"  {(time.monotonic() - started) / 60:.0f} min: {len(self.actions)} actions,"
                    f" {len(self.refusals)} refused, {len(self.problems)} problems"
                )
        self.stop_cli()
        self.quit_tuis()
        self.stop_engine()
        return self.check()

    def _turn_the_target(self) -> None:
        """Keep one or two flip monitors failing, each for a while, so incidents keep coming."""
        now = time.time()
        for flip, since in list(self.failing.items()):
            if now - since > 45:
                self.recover(flip)
        healthy = [i for i in range(self.flips) if i not in self.failing]
        if healthy and len(self.failing) < 2 and self.rng.random() < 0.4:
            self.fail(self.rng.choice(healthy))

    def _plan(self, tui1: Tui, tui2: Tui, cycle: int) -> tuple[Pending | None, Pending | None]:
        """Ada (tui1) acks what pages, else posts updates; Bob (tui2) does the rest."""
        active = self.active()
        first: Pending | None = None
        taken: set[int] = set()
        triggered = [i for i in active if i["state"] == "triggered"]
        if triggered:
            target = int(triggered[0]["id"])
            first = self.prepare_ack(tui1, target)
        elif active:
            target = int(self.rng.choice(active)["id"])
            first = self.prepare_update(tui1, target, *self._update_text("a", cycle))
        else:
            target = 0
        taken.add(target)
        others = [i for i in active if int(i["id"]) not in taken]
        kinds = ("own", "severity", "update", "resolve", "open")
        kind = kinds[cycle % len(kinds)]
        if len(active) >= 4:  # the pane shows six rows; flip monitors may open two more
            kind = "resolve"
        elif not others or (kind == "resolve" and len(active) < 2):
            kind = "open"
        if kind == "open" and len(active) >= 4:
            return first, None
        second: Pending | None = None
        if kind == "open":
            severity = self.rng.choice(SEVERITIES[:2])
            second = self.prepare_open(tui2, f"Manual {cycle} slow", severity)
        elif kind == "resolve":
            oldest = int(others[0]["id"])
            second = self.prepare_resolve(tui2, oldest)
        else:
            inc = self.rng.choice(others)
            iid = int(inc["id"])
            if kind == "own" and inc["owner"] != tui2.person:
                second = self.prepare_own(tui2, iid)
            elif kind == "severity" or kind == "own":
                choices = [s for s in SEVERITIES if s != inc["severity"]]
                second = self.prepare_severity(tui2, iid, self.rng.choice(choices))
            else:
                second = self.prepare_update(tui2, iid, *self._update_text("b", cycle))
        return first, second

    def _update_text(self, who: str, cycle: int) -> tuple[str, str]:
        status = self.rng.choice(STATUSES[:3])
        token = f"{who}{cycle:04d}{self.rng.getrandbits(16):04x}"
        return status, f"{token} {self.rng.choice(_WORDS)}"

    # -- the checks -------------------------------------------------------------------

    def check(self) -> dict[str, Any]:
        """Every check in the module docstring; problems go to ``self.problems``. Figures back."""
        figures: dict[str, Any] = {}
        figures.update(self._check_actions())
        figures.update(self._check_probes())
        figures.update(self._check_pages())
        figures.update(self._check_texts())
        figures["integrity"] = self.integrity()
        if figures["integrity"] != "ok":
            self.problem(f"PRAGMA integrity_check: {figures['integrity']}")
        figures["races"] = Counter(r.engine for r in self.races)
        figures["problems"] = list(self.problems)
        return figures

    def integrity(self) -> str:
        con = sqlite3.connect(self.db, timeout=30)
        try:
            return "; ".join(str(r[0]) for r in con.execute("PRAGMA integrity_check"))
        finally:
            con.close()

    def _check_actions(self) -> dict[str, Any]:
        per_source: Counter[str] = Counter()
        per_kind: Counter[str] = Counter()
        landed = 0
        for a in self.actions:
            per_source[a.source] += 1
            per_kind[f"{a.source}:{a.kind}"] += 1
            n = self.landed(a)
            if a.kind == "update" and n != 1:
                self.problem(
                    f"{a.source} update of #{a.incident} {a.detail!r} is in the timeline {n}×"
                )
            elif n < 1:
                self.problem(
                    f"{a.source} {a.kind} #{a.incident} ({a.detail}) is not in the timeline"
                )
            else:
                landed += 1
            if a.forced and not self.query(
                "SELECT 1 FROM timeline WHERE incident = ? AND kind = 'resolve_forced'"
                " AND actor = ?",
                a.incident,
                a.actor,
            ):
                self.problem(f"the forced resolve of #{a.incident} is not recorded as forced")
            if a.source != "cli" and a.visible is None:
                self.problem(
                    f"{a.source} {a.kind} #{a.incident} was not seen on the other dashboard"
                )
        tui = [a for a in self.actions if a.source != "cli"]
        cli = [a for a in self.actions if a.source == "cli"]
        commit = [a.committed - a.pressed for a in tui if a.committed is not None]
        told = [a.told - a.pressed for a in tui if a.told is not None]
        cli_s = [a.told - a.pressed for a in cli if a.told is not None]
        seen = [a.visible - a.told for a in tui if a.visible is not None and a.told is not None]
        return {
            "actions": len(self.actions),
            "actions_landed": landed,
            "actions_per_source": dict(per_source),
            "actions_per_kind": dict(per_kind),
            "refused": len(self.refusals),
            "refusals": [f"{r.source} {r.kind} #{r.incident}: {r.message}" for r in self.refusals][
                :20
            ],
            "forced_resolves": sum(a.forced for a in self.actions),
            "cli_runs": self.cli_runs,
            "tui_keypress_to_commit_max_s": _round(max(commit, default=None)),
            "tui_keypress_to_commit_median_s": _round(_median(commit)),
            "tui_keypress_to_told_max_s": _round(max(told, default=None)),
            "cli_start_to_exit_max_s": _round(max(cli_s, default=None)),
            "cli_start_to_exit_median_s": _round(_median(cli_s)),
            "action_latency_max_s": _round(max(commit + cli_s, default=None)),
            "other_dashboard_showed_it_max_s": _round(max(seen, default=None)),
            "other_dashboard_showed_it_median_s": _round(_median(seen)),
        }

    def _check_probes(self) -> dict[str, Any]:
        """Each healthy monitor was probed once per interval: by one process, not two."""
        if self.engine_started is None or self.engine_stopped is None:
            return {}
        span = self.engine_stopped - self.engine_started
        rates = [
            (self.server.hits(f"/ok/{i}") - self._hits_before[i]) / span * 60
            for i in range(self.monitors)
        ]
        expected = 60 / self.interval
        for i, rate in enumerate(rates):
            if not 0.75 * expected <= rate <= 1.25 * expected:
                self.problem(
                    f"h{i:02d} was probed {rate:.1f}×/min, expected {expected:.0f}"
                    " (more than one process probing?)"
                )
        runs = self.query(
            "SELECT pid FROM engine_runs ORDER BY id LIMIT -1 OFFSET ?", self._runs_before
        )
        main = [int(r[0]) for r in runs]
        if self.engine is not None and main != [self.engine.pid]:
            self.problem(f"engine_runs during the run: {main}, expected [{self.engine.pid}]")
        return {
            "run_s": round(span, 1),
            "probes_per_monitor_per_min_expected": expected,
            "probes_per_monitor_per_min_mean": round(statistics.mean(rates), 2),
            "probes_per_monitor_per_min_min": round(min(rates), 2),
            "probes_per_monitor_per_min_max": round(max(rates), 2),
            "engine_runs_during_run": len(main),
        }

    def _check_pages(self) -> dict[str, Any]:
        """Steps paged in order, once per plan; each page reached its webhook exactly once."""
        posted: Counter[tuple[int, str, int, int]] = Counter()
        resolved_notices = 0
        for p in PEOPLE:
            for req in self.server.requests(f"/hook/{p}"):
                message = str(json.loads(req.body).get("message", ""))
                m = PAGE_KEY.search(message)
                if m is not None:
                    posted[(int(m[1]), p, int(m[2]), int(m[3]))] += 1
                elif "was resolved" in message:
                    resolved_notices += 1
        delivered: Counter[tuple[int, str, int, int]] = Counter()
        unsure: set[tuple[int, str, int, int]] = set()
        for incident, person, status, body in self.query(
            "SELECT incident, person, status, body FROM outbox WHERE kind = 'page'"
        ):
            m = PAGE_KEY.search(str(body))
            if m is None:
                self.problem(f"a page of #{incident} without its escalation step")
                continue
            key = (int(incident), str(person), int(m[2]), int(m[3]))
            if status == "delivered":
                delivered[key] += 1
            elif status in ("sending", "interrupted"):
                unsure.add(key)
        for key in set(posted) | set(delivered):
            if posted[key] != delivered[key] and not (
                key in unsure and posted[key] <= 1 + delivered[key]
            ):
                self.problem(
                    f"page {key}: {posted[key]} POSTs for {delivered[key]} delivered outbox rows"
                )
        # Per incident, the steps paged follow the policy; a severity change or a
        # reopen while triggered starts the plan again.
        order = [s for _ in range(ROUNDS) for s in range(1, STEPS + 1)]
        steps_paged = 0
        plans: dict[int, list[list[int]]] = defaultdict(lambda: [[]])
        for incident, kind, data in self.query(
            "SELECT incident, kind, data FROM timeline WHERE kind IN"
            " ('paged', 'severity_changed', 'reopened') ORDER BY id"
        ):
            if kind == "paged":
                plans[int(incident)][-1].append(int(json.loads(data)["step"]))
                steps_paged += 1
            else:
                plans[int(incident)].append([])
        for incident, runs in plans.items():
            for steps in runs:
                if steps != order[: len(steps)]:
                    self.problem(f"#{incident}: steps paged {steps}, not a prefix of {order}")
        return {
            "escalation_steps_paged": steps_paged,
            "pages_posted": sum(posted.values()),
            "pages_delivered": sum(delivered.values()),
            # POSTs beyond the outbox rows delivered for the same incident, person, step
            # and round: a page sent twice. (A severity change or a reopen while
            # triggered starts the policy again: its steps are new rows, not repeats.)
            "pages_sent_twice": sum(max(0, posted[k] - delivered[k]) for k in posted),
            "policy_restarts": sum(len(runs) - 1 for runs in plans.values()),
            "resolved_notices": resolved_notices,
        }

    def _check_texts(self) -> dict[str, Any]:
        """No locked error, traceback or OperationalError anywhere a person could see it."""
        bad = 0
        for tui in self.tuis:
            for line in tui.forbidden():
                bad += 1
                self.problem(f"{tui.name} showed: {line}")
        logs = [self.engine_log, self.db.with_name(self.db.name + ".log")]
        warnings = 0
        for path in logs:
            if not path.exists():
                continue
            for line in path.read_text(errors="replace").splitlines():
                if FORBIDDEN.search(line) or " ERROR " in line:
                    if "another StatusCat engine is running" in line:
                        continue  # the loser of a race, as it should
                    bad += 1
                    self.problem(f"{path.name}: {line}")
                elif " WARNING " in line:
                    warnings += 1
        return {"errors_shown": bad, "log_warnings": warnings}


_WORDS = (
    "restarted the API pods",
    "the database failover finished",
    "error rates are back to normal",
    "a bad config push is being rolled back",
    "the CDN is serving stale pages again",
)


def _owner(row: str) -> str | None:
    m = ROW_OWNER.match(row)
    return m[1] if m else None


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@contextlib.contextmanager
def running(root: Path, **kwargs: Any) -> Iterator[Rig]:
    rig = Rig(root, **kwargs)
    try:
        yield rig
    finally:
        rig.close()
