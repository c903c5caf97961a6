"""Hostile targets against the real engine (issue #8, suite 1).

One `statuscat run --headless` process probes every hostile case of
tests/support/chaos.py at once (refused, accept-then-hang, headers then hang,
a byte a second, a reset mid-body, garbage, a 50 MB body, a redirect loop, bad
certificates, NXDOMAIN, a silent DNS server …) beside 20 healthy monitors on
their own loopback server. The engine is run once for the module; each test
reads one aspect of what it stored in its SQLite file and of its memory
(VmRSS from /proc, sampled while it ran). A last, probe-level test names each
kind of non-HTTP answer.

The long form is benchmarks/chaos_soak.py (minutes, 200 healthy monitors).
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from statuscat_tui.core.model import Confirm, Monitor
from statuscat_tui.core.results import Outcome
from statuscat_tui.core.states import MonitorState
from statuscat_tui.probes import ProbeContext, run_probe
from tests.support.chaos import (
    BIG_BODY,
    SSH_BANNER,
    ChaosTargets,
    Hostile,
    MiB,
    config_text,
    start_engine,
)
from tests.support.httpserver import HTTPTestServer
from tests.support.net import free_port

TIMEOUT = 1.0  # every hostile monitor's
INTERVAL = 2.0
RETRY = 0.5
HEALTHY = 20
HEALTHY_INTERVAL = 1.0
CHECKS_AFTER_DOWN = 3  # each hostile monitor is checked this often more once all are DOWN
# A probe's measured duration may pass its timeout by this much (scheduling, closing).
SLACK = 0.35
RSS_GROWTH_MB = 40  # a 50 MB body read whole would pass this on its own


@dataclass
class Row:
    ts: float
    outcome: Outcome
    state: MonitorState
    latency: float | None  # seconds
    lateness: float  # seconds
    reason: str | None


@dataclass
class Run:
    hostile: list[Hostile]
    results: dict[str, list[Row]]
    states: dict[str, tuple[MonitorState, str | None]]  # key → (state, last reason)
    downs: dict[str, list[str]]  # key → reasons of confirmed changes to DOWN
    rss_kb: list[int]  # VmRSS samples, from "engine started" to the stop
    fds: list[int]  # open file descriptors, sampled alongside
    rss_at_down: int  # when every hostile monitor was first DOWN
    big_hits: int
    big_bytes_sent: int
    log: str
    exit_code: int
    held: list[int]  # connections the accept-then-hang server held, sampled alongside


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for pid {pid}")


def poll(what: str, cond: Callable[[], bool], within: float, every: Callable[[], None]) -> None:
    """Wait for ``cond()`` (calling ``every()`` between looks); fail after ``within`` s."""
    end = time.monotonic() + within
    while not cond():
        if time.monotonic() > end:
            raise AssertionError(f"not within {within:g}s: {what}")
        every()
        time.sleep(0.1)


def read_db(db: Path) -> tuple[dict[str, list[Row]], dict[str, tuple[MonitorState, str | None]]]:
    con = sqlite3.connect(db)
    try:
        results: dict[str, list[Row]] = {}
        for key, ts, outcome, state, latency, lateness, reason in con.execute(
            "SELECT m.key, r.ts, r.outcome, r.state, r.latency, r.lateness, r.reason"
            " FROM results r JOIN monitors m ON m.id = r.monitor ORDER BY r.ts"
        ):
            results.setdefault(key, []).append(
                Row(
                    ts,
                    Outcome(outcome),
                    MonitorState(state),
                    None if latency is None else latency / 1e6,  # stored in µs
                    (lateness or 0) / 1e6,
                    reason,
                )
            )
        states = {
            key: (MonitorState(state), reason)
            for key, state, reason in con.execute("SELECT key, state, last_reason FROM monitors")
        }
    finally:
        con.close()
    return results, states


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("chaos")
    with ChaosTargets(tmp / "certs") as chaos, HTTPTestServer() as healthy:
        healthy.set("/ok", body="ok")
        hostile = chaos.hostile(TIMEOUT)
        cfg = tmp / "statuscat.yml"
        cfg.write_text(
            config_text(
                hostile,
                [healthy.url("/ok")] * HEALTHY,
                interval=INTERVAL,
                healthy_interval=HEALTHY_INTERVAL,
                retry_interval=RETRY,
                listen_port=free_port(),
            )
        )
        db = tmp / "sc.db"
        log_path = tmp / "engine.log"
        proc = start_engine(cfg, db, log_path)
        samples: list[int] = []
        fds: list[int] = []
        held: list[int] = []

        def sample() -> None:
            assert proc.poll() is None, f"the engine exited:\n{log_path.read_text()}"
            samples.append(rss_kb(proc.pid))
            fds.append(open_fds(proc.pid))
            held.append(chaos.hold.held)

        def started() -> bool:
            text = log_path.read_text()
            assert proc.poll() is None, f"the engine exited:\n{text}"
            return "started:" in text

        def snapshot() -> tuple[dict[str, list[Row]], dict[str, tuple[MonitorState, str | None]]]:
            return read_db(db) if db.exists() else ({}, {})

        def all_down() -> bool:
            states = snapshot()[1]
            return all(states.get(h.id, (None,))[0] is MonitorState.DOWN for h in hostile)

        try:
            poll("engine started", started, 30, lambda: None)
            sample()
            poll("every hostile monitor DOWN", all_down, 30, sample)
            rss_at_down = rss_kb(proc.pid)
            down_at = time.time()

            def checked_again() -> bool:
                results = snapshot()[0]
                return all(
                    sum(r.ts > down_at for r in results.get(h.id, [])) >= CHECKS_AFTER_DOWN
                    for h in hostile
                )

            poll("hostile monitors checked again", checked_again, 30, sample)
            sample()
            proc.send_signal(signal.SIGTERM)
            exit_code = proc.wait(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        results, states = read_db(db)
        con = sqlite3.connect(db)
        try:
            downs: dict[str, list[str]] = {}
            for key, reason in con.execute(
                "SELECT m.key, t.reason FROM transitions t JOIN monitors m ON m.id = t.monitor"
                " WHERE t.confirmed AND t.new = ? ORDER BY t.id",
                (int(MonitorState.DOWN),),
            ):
                downs.setdefault(key, []).append(reason)
        finally:
            con.close()
        yield Run(
            hostile=hostile,
            results=results,
            states=states,
            downs=downs,
            rss_kb=samples,
            fds=fds,
            rss_at_down=rss_at_down,
            big_hits=chaos.http.hits("/big"),
            big_bytes_sent=chaos.http.bytes_sent("/big"),
            log=log_path.read_text(),
            exit_code=exit_code,
            held=held,
        )


def test_every_hostile_monitor_is_down_with_the_reason_for_its_case(run: Run) -> None:
    wrong: dict[str, object] = {}
    for h in run.hostile:
        state, last_reason = run.states[h.id]
        confirmed = run.downs.get(h.id, [])
        if (state, last_reason, confirmed) != (MonitorState.DOWN, h.reason, [h.reason]):
            wrong[f"{h.id} ({h.case})"] = (state.name, last_reason, confirmed, h.reason)
    assert not wrong, wrong
    assert run.exit_code == 0
    assert "Traceback" not in run.log


def test_every_check_of_a_hostile_target_gave_the_same_readable_reason(run: Run) -> None:
    for h in run.hostile:
        rows = run.results[h.id]
        assert len(rows) >= CHECKS_AFTER_DOWN + 2, h.id  # two to confirm, then more
        assert {(r.outcome, r.reason) for r in rows} == {(Outcome.FAIL, h.reason)}, h.id
    # Readable: one line, no Python repr, exception class or traceback anywhere.
    repr_like = re.compile(r"Traceback|Error\b|Exception|bytearray\(|\bb'|\bb\"|<\w+")
    reasons = {r.reason for rows in run.results.values() for r in rows if r.reason}
    for reason in reasons:
        assert not repr_like.search(reason), reason
        assert reason.isprintable() and len(reason) <= 200, reason


def test_no_probe_outlasts_its_timeout(run: Run) -> None:
    durations: dict[str, list[float]] = {}
    for h in run.hostile:
        rows = run.results[h.id]
        for r in rows:
            if r.latency is not None:  # measured (e.g. the 50 MB body's first MiB)
                assert r.latency <= h.timeout + SLACK, (h.id, r.latency)
        # A check that leaves the monitor PENDING is re-run `retry_interval` after
        # it ended: the gap to the next start, less that wait and the next check's
        # lateness, is how long the probe took (timeouts store no latency).
        for a, b in itertools.pairwise(rows):
            if a.state is MonitorState.PENDING:
                durations.setdefault(h.id, []).append(b.ts - a.ts - RETRY - b.lateness)
    assert set(durations) == {h.id for h in run.hostile}
    too_long = {k: max(v) for k, v in durations.items() if max(v) > TIMEOUT + SLACK}
    assert not too_long, too_long
    # The slow cases really ran into their deadline; the fast ones did not wait for it.
    slow = {h.id for h in run.hostile if h.reason.startswith("timed out")}
    for key, values in durations.items():
        if key in slow:
            assert min(values) >= TIMEOUT - 0.05, (key, values)
        else:
            assert max(values) < TIMEOUT * 0.8, (key, values)


def test_healthy_monitors_stay_up_and_on_time(run: Run) -> None:
    healthy = {k: rows for k, rows in run.results.items() if k.startswith("ok")}
    assert len(healthy) == HEALTHY
    assert all(run.states[k][0] is MonitorState.UP for k in healthy)
    rows = [r for rs in healthy.values() for r in rs]
    assert {r.outcome for r in rows} == {Outcome.OK}
    # Checked as often as planned (each monitor's first check may come up to
    # one interval after the first of them, hence the -1).
    window = max(r.ts for r in rows) - min(r.ts for r in rows)
    assert min(len(rs) for rs in healthy.values()) >= 0.8 * (window / HEALTHY_INTERVAL - 1)
    lateness = sorted(r.lateness for r in rows)
    p99 = lateness[int(0.99 * (len(lateness) - 1))]
    assert p99 < 0.5, f"healthy lateness p99 {p99:.3f}s"


def test_engine_memory_stays_bounded(run: Run) -> None:
    start, peak, end = run.rss_kb[0], max(run.rss_kb), run.rss_kb[-1]
    assert len(run.rss_kb) >= 20
    growth_mb = (peak - start) / 1024
    # The engine read parts of several 50 MB bodies; had it kept one, this fails.
    assert growth_mb < RSS_GROWTH_MB, f"RSS {start // 1024} → peak {peak // 1024} MB"
    # More cycles against every hostile target after they were all DOWN: no steady climb.
    assert (end - run.rss_at_down) / 1024 < 15, f"{run.rss_at_down // 1024} → {end // 1024} MB"


def test_no_connection_is_left_behind(run: Run) -> None:
    # Hanging targets are dropped at each probe's deadline: the engine's open
    # files stay flat over the cycles, and the accept-then-hang server never
    # holds more than one connection per monitor pointed at it.
    assert max(run.fds) - run.fds[0] < 40, (run.fds[0], max(run.fds))
    holders = sum(1 for h in run.hostile if h.id.startswith("accept-hang"))
    assert max(run.held) <= holders, run.held
    assert sum(run.held) > 0  # it did hold them while they hung


def test_the_50_mb_body_is_never_downloaded(run: Run) -> None:
    assert run.big_hits >= CHECKS_AFTER_DOWN + 2
    # The probe stops after its 1 MiB cap and drops the connection; what went out
    # beyond that is only what the loopback socket buffers took.
    per_request = run.big_bytes_sent / run.big_hits
    assert per_request < 16 * MiB < BIG_BODY, f"{per_request / MiB:.1f} MiB per request"


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        (b"garbage\r\n", "not an HTTP response: 'garbage'"),
        (b"garbage\r\n\r\n", "not an HTTP response: 'garbage'"),
        (SSH_BANNER, "not an HTTP response: 'SSH-2.0-OpenSSH_9.6'"),
        (b"\x16\x03\x01\x00\x05hello\r\n\r\n", "not an HTTP response (binary data)"),
        (b"\x00\x01\x02 binary", "not an HTTP response (binary data)"),
        (b"HTTP/1.1 2000 OK\r\n\r\n", "invalid HTTP status line: 'HTTP/1.1 2000 OK'"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/pl",
            "server closed the connection in the middle of the response headers",
        ),
        (
            b"HTTP/1.1 200 OK\r\nBad Header Line\r\n\r\n",
            "invalid HTTP response: illegal header line: 'Bad Header Line'",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "invalid HTTP response: illegal chunk header: 'zz'",
        ),
        (
            b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 200_000 + b"\r\n\r\n",
            "invalid HTTP response: response headers too long",
        ),
    ],
)
async def test_what_came_instead_of_http_is_named_plainly(
    http_server: HTTPTestServer, probe_ctx: ProbeContext, sent: bytes, reason: str
) -> None:
    # The server sends these bytes, then closes. The probe quotes the first
    # line of what came (never a Python bytes repr), or says why it is not HTTP.
    http_server.set("/x", behaviour="raw", body=sent)
    monitor = Monitor(
        id="x", name="x", type="http", url=http_server.url("/x"), interval=5,
        timeout=TIMEOUT, confirm=Confirm(),
    )  # fmt: skip
    result = await run_probe(monitor, probe_ctx)
    assert (result.outcome, result.reason) == (Outcome.FAIL, reason)
