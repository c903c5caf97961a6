"""Kill the real engine with SIGKILL under load and check what survived.

Used by ``tests/test_crash.py`` (short form) and ``benchmarks/crash_soak.py``
(1,000 monitors, 20 kills). The engine is the real ``statuscat run
--headless`` process; actions go through the real CLI; the database is
checked with Python's own ``sqlite3``. The target serving the monitors and
the webhook receiving pages is passed in (``Receiver``), so the short form
can use the in-process test server and the long form a separate process.

Pages are told apart by what they say: ``Incident #N``, the person in the
webhook path, and ``Escalation: step S of 3, round R of 2``. A key seen
twice is a page delivered twice.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from tests.support.net import free_port

STATUSCAT = str(Path(sys.executable).with_name("statuscat"))
PEOPLE = ("p1", "p2", "p3")
STEPS, ROUNDS = 3, 2
PAGE_KEY = re.compile(r"Incident #(\d+):.*?Escalation: step (\d+) of \d+, round (\d+) of \d+", re.S)


class Receiver(Protocol):
    """The loopback target: monitors' paths, and a webhook that logs POSTs."""

    port: int

    def fail(self, path: str) -> None:
        """Make GET ``path`` answer 500 from now on."""

    def posts(self) -> list[tuple[str, str]]:
        """Every POST so far: (path, body)."""


@dataclass
class Action:
    kind: str  # "ack" or "update"
    incident: int
    arg: str  # the person acking, or the update's message
    ok: bool
    output: str
    at: float


@dataclass
class Report:
    kills: int = 0
    integrity: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pages_delivered: int = 0
    pages_interrupted: int = 0
    interrupted_arrived: int = 0  # of those, how many the webhook had in fact received
    pages_posted: int = 0
    steps_paged: int = 0
    incidents: int = 0
    restart_s: list[float] = field(default_factory=list)
    downtime_s: float = 0.0
    run_s: float = 0.0

    def figures(self) -> dict[str, object]:
        return {
            "kills": self.kills,
            "integrity_ok": sum(r == "ok" for r in self.integrity),
            "actions_ok": sum(a.ok for a in self.actions),
            "actions_failed": sum(not a.ok for a in self.actions),
            "incidents": self.incidents,
            "steps_paged": self.steps_paged,
            "pages_delivered": self.pages_delivered,
            "pages_interrupted": self.pages_interrupted,
            "interrupted_arrived": self.interrupted_arrived,
            "pages_posted": self.pages_posted,
            "restart_median_s": sorted(self.restart_s)[len(self.restart_s) // 2]
            if self.restart_s
            else None,
            "downtime_s": round(self.downtime_s, 2),
            "run_s": round(self.run_s, 2),
            "problems": self.problems,
        }


def config_text(port: int, monitors: int, failing: int, interval: str, listen: int) -> str:
    lines = [
        f'settings: {{timezone: UTC, listen: "127.0.0.1:{listen}"}}',
        "defaults:",
        f"  interval: {interval}",
        "  timeout: 1s",
        "  confirm: {failures: 2, retry_interval: 200ms, successes: 1}",
        "monitors:",
    ]
    for i in range(monitors):
        lines.append(f'  - {{id: m{i:04d}, url: "http://127.0.0.1:{port}/ok/{i}", severity: SEV3}}')
    for i in range(failing):
        lines.append(
            f'  - {{id: f{i}, url: "http://127.0.0.1:{port}/fail/{i}", severity: SEV1,'
            " interval: 1s}"
        )
    lines.append("people:")
    for p in PEOPLE:
        lines.append(f'  - {{id: {p}, notify: ["json://127.0.0.1:{port}/hook/{p}"]}}')
    lines += [
        "escalation_policies:",
        "  - id: loud",
        f"    repeat: {ROUNDS - 1}",
        "    steps:",
        *(f'      - {{notify: "person:{p}", wait: 2s}}' for p in PEOPLE),
        "severities:",
        "  SEV1: {escalation: loud, page: always, publish: manual}",
        "  SEV3: {escalation: loud, page: never, publish: manual}",
    ]
    return "\n".join(lines) + "\n"


class CrashRig:
    def __init__(
        self,
        root: Path,
        receiver: Receiver,
        *,
        monitors: int,
        failing: int,
        interval: str = "2s",
        seed: int = 1,
        log: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.root = root
        self.receiver = receiver
        self.failing = failing
        self.config = root / "crash.yml"
        self.db = root / "crash.db"
        self.engine_log = root / "engine.log"
        self.config.write_text(config_text(receiver.port, monitors, failing, interval, free_port()))
        self.rng = random.Random(seed)
        self.report = Report()
        self.proc: subprocess.Popen[bytes] | None = None
        self.say = log
        self.dead_since: float | None = None
        self.env = {**os.environ, "NO_COLOR": "1"}

    def close(self) -> None:
        """Kill an engine still running (a failed test must not leave one behind)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    # -- the engine --------------------------------------------------------------

    def start(self) -> None:
        offset = self.engine_log.stat().st_size if self.engine_log.exists() else 0
        t0 = time.monotonic()
        out = self.engine_log.open("ab")
        self.proc = subprocess.Popen(
            [STATUSCAT, "run", "--headless", "-c", str(self.config), "--db", str(self.db)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=self.env,
        )
        out.close()
        deadline = time.monotonic() + 60
        while b"engine" not in self._log_from(offset) or b"started" not in self._log_from(offset):
            if self.proc.poll() is not None:
                raise AssertionError(f"engine exited {self.proc.returncode}: {self._tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"engine did not start: {self._tail()}")
            time.sleep(0.05)
        self.report.restart_s.append(time.monotonic() - t0)
        if self.dead_since is not None:
            self.report.downtime_s += time.monotonic() - self.dead_since
            self.dead_since = None

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.dead_since = time.monotonic()
        self.report.kills += 1
        result = self.integrity()
        self.report.integrity.append(result)
        if result != "ok":
            self.report.problems.append(f"integrity_check after kill {self.report.kills}: {result}")

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)

    def _log_from(self, offset: int) -> bytes:
        with self.engine_log.open("rb") as f:
            f.seek(offset)
            return f.read()

    def _tail(self) -> str:
        return self.engine_log.read_text(errors="replace")[-3000:]

    def integrity(self) -> str:
        con = sqlite3.connect(self.db, timeout=30)
        try:
            rows = con.execute("PRAGMA integrity_check").fetchall()
        finally:
            con.close()
        return "; ".join(str(r[0]) for r in rows)

    def query(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    # -- people, through the CLI ---------------------------------------------------

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [STATUSCAT, *args, "-c", str(self.config), "--db", str(self.db)],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=60,
        )

    def act(self) -> None:
        """One ack or status update on a random open incident, as a person would."""
        open_ = [
            (int(str(i)), str(s))
            for i, s in self.query("SELECT id, state FROM incidents WHERE state != 'resolved'")
        ]
        if not open_:
            return
        incident, state = self.rng.choice(open_)
        if state == "triggered" and self.rng.random() < 0.1:
            who = self.rng.choice(PEOPLE)
            r = self.cli("incident", "ack", str(incident), "--as", who)
            self.report.actions.append(
                Action("ack", incident, who, r.returncode == 0, r.stdout + r.stderr, time.time())
            )
        else:
            message = f"crash-test update {len(self.report.actions)} {self.rng.getrandbits(32):08x}"
            status = self.rng.choice(["investigating", "identified", "monitoring"])
            r = self.cli(
                "incident", "update", str(incident), "--status", status, "--message", message
            )
            self.report.actions.append(
                Action(
                    "update", incident, message, r.returncode == 0, r.stdout + r.stderr, time.time()
                )
            )
        if not self.report.actions[-1].ok:
            self.say(f"  action failed: {self.report.actions[-1]}")

    # -- the run -----------------------------------------------------------------------

    def run(self, kills: int, *, gap: tuple[float, float] = (0.5, 3.0)) -> Report:
        """Start, then ``kills`` times: act and kill at a random moment, restart."""
        t0 = time.monotonic()
        self.start()
        opened = 0
        for k in range(kills):
            if opened < self.failing and (k % 2 == 0 or k == kills - 1):
                self.receiver.fail(f"/fail/{opened}")
                opened += 1
            wait = self.rng.uniform(*gap)
            timer = threading.Timer(wait, self._kill_quietly)
            started = time.monotonic()
            timer.start()
            # People keep acting right up to (and across) the kill.
            while time.monotonic() - started < wait + 0.3:
                self.act()
            timer.join()
            self.say(
                f"  kill {k + 1}/{kills} after {wait:.2f} s: integrity {self.report.integrity[-1]}"
            )
            self.start()
        self.settle(failing=opened)
        code = self.stop()
        if code != 0:
            self.report.problems.append(f"engine exited {code} on SIGTERM: {self._tail()}")
        self.report.run_s = time.monotonic() - t0
        return self.report

    def _kill_quietly(self) -> None:
        try:
            self.kill()
        except Exception as exc:  # shown by the checks
            self.report.problems.append(f"kill failed: {exc!r}")

    def settle(self, *, failing: int, limit: float = 120.0) -> None:
        """Wait until each of the ``failing`` monitors has its incident (the last may
        have been made to fail just before the last kill, and not probed yet), every
        escalation has run out and the outbox is empty."""
        deadline = time.monotonic() + limit
        missing = busy = 0
        while time.monotonic() < deadline:
            row = self.query(
                "SELECT ? - (SELECT count(*) FROM incidents),"
                " (SELECT count(*) FROM escalations WHERE due IS NOT NULL)"
                " + (SELECT count(*) FROM outbox"
                " WHERE status IN ('pending', 'claimed', 'sending'))",
                failing,
            )[0]
            missing, busy = int(str(row[0])), int(str(row[1]))
            if missing <= 0 and busy == 0:
                return
            time.sleep(0.2)
        self.report.problems.append(
            f"after {limit:g} s: {missing} failing monitor(s) without an incident,"
            f" {busy} escalations or pages still pending"
        )

    # -- the checks --------------------------------------------------------------------

    def check(self) -> Report:
        rep = self.report
        self._check_actions()
        self._check_pages()
        self._check_gaps()
        return rep

    def _check_actions(self) -> None:
        rep = self.report
        for a in rep.actions:
            if not a.ok:
                if "database is locked" in a.output or "Traceback" in a.output:
                    rep.problems.append(f"{a.kind} #{a.incident} failed badly: {a.output[-500:]}")
                continue
            if a.kind == "ack":
                rows = self.query(
                    "SELECT count(*) FROM timeline WHERE incident = ? AND kind = 'acknowledged'"
                    " AND actor = ?",
                    a.incident,
                    a.arg,
                )
                if rows[0][0] < 1:
                    rep.problems.append(f"ack of #{a.incident} by {a.arg} reported done, not kept")
            else:
                rows = self.query(
                    "SELECT count(*) FROM timeline WHERE incident = ? AND kind = 'status_update'"
                    " AND data LIKE ?",
                    a.incident,
                    f"%{a.arg}%",
                )
                if rows[0][0] != 1:
                    rep.problems.append(
                        f"update of #{a.incident} {a.arg!r} reported done, found {rows[0][0]}×"
                    )

    def _check_pages(self) -> None:
        rep = self.report
        posted: Counter[tuple[int, str, int, int]] = Counter()
        for path, body in self.receiver.posts():
            if not path.startswith("/hook/"):
                continue
            m = PAGE_KEY.search(json.loads(body).get("message", ""))
            if m is None:
                rep.problems.append(f"a page without its escalation step: {body[:300]}")
                continue
            posted[(int(m[1]), path.rsplit("/", 1)[1], int(m[2]), int(m[3]))] += 1
        rep.pages_posted = sum(posted.values())
        for key, n in posted.items():
            if n > 1:
                rep.problems.append(f"page {key} delivered {n} times")
        incidents = [int(str(r[0])) for r in self.query("SELECT id FROM incidents")]
        rep.incidents = len(incidents)
        if len(incidents) != len({r for r in self.query("SELECT monitor FROM incident_monitors")}):
            rep.problems.append(
                "a monitor opened more than one incident (reopened after a restart?)"
            )
        order = [(s, r) for r in range(1, ROUNDS + 1) for s in range(1, STEPS + 1)]
        for inc in incidents:
            acked = self.query(
                "SELECT min(ts) FROM timeline WHERE incident = ? AND kind = 'acknowledged'", inc
            )[0][0]
            steps = []
            for (data,) in self.query(
                "SELECT data FROM timeline WHERE incident = ? AND kind = 'paged' ORDER BY id", inc
            ):
                d = json.loads(str(data))
                steps.append(int(d["step"]))
            rep.steps_paged += len(steps)
            expected = [s for s, _ in order]
            if steps != expected[: len(steps)]:
                rep.problems.append(f"#{inc}: steps paged {steps}, expected a prefix of {expected}")
            if acked is None and len(steps) != len(expected):
                rep.problems.append(f"#{inc}: never acknowledged but only steps {steps} paged")
            rows = self.query(
                "SELECT o.person, o.status, o.body FROM outbox o WHERE o.incident = ?"
                " AND o.kind = 'page' ORDER BY o.id",
                inc,
            )
            for person, status, body in rows:
                m = PAGE_KEY.search(str(body))
                assert m is not None
                key = (inc, str(person), int(m[2]), int(m[3]))
                n = posted.get(key, 0)
                if status == "delivered":
                    rep.pages_delivered += 1
                    if n != 1:
                        rep.problems.append(f"page {key} recorded delivered, arrived {n}×")
                elif status == "interrupted":
                    rep.pages_interrupted += 1
                    rep.interrupted_arrived += n
                elif status == "cancelled":
                    if acked is None:
                        rep.problems.append(f"page {key} cancelled without an ack")
                elif n:
                    rep.problems.append(f"page {key} is {status} but arrived {n}×")
                else:
                    rep.problems.append(f"page {key} left {status}")

    def _check_gaps(self) -> None:
        """Time the engine was dead is no data: never counted as up or down."""
        rep = self.report
        covered = self.query(
            "SELECT max(s) FROM (SELECT sum(up_s + degraded_s + down_s + maint_s) AS s"
            " FROM rollup_hourly GROUP BY monitor)"
        )[0][0]
        alive = rep.run_s - rep.downtime_s
        # Each restart checks every monitor at once: one interval of slack per start.
        slack = (rep.kills + 1) * 2.5 + 5
        if covered is not None and float(str(covered)) > alive + slack:
            rep.problems.append(
                f"history covers {float(str(covered)):.0f} s of a run with only"
                f" {alive:.0f} s alive: the gap was filled in"
            )
        down = self.query(
            "SELECT count(*) FROM rollup_hourly h JOIN monitors m ON m.id = h.monitor"
            " WHERE m.key LIKE 'm%' AND h.down_s > 0"
        )[0][0]
        if down:
            rep.problems.append(f"{down} healthy monitors' history shows downtime")
