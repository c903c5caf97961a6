"""The command line as a person runs it: real processes, real files, real signals."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.httpserver import HTTPTestServer

ROOT = Path(__file__).resolve().parent.parent


def statuscat(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "statuscat_tui.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )


def clean_env(tmp_path: Path) -> dict[str, str]:
    """No user config or data: HOME and XDG dirs point into the test's temp dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=str(tmp_path / "home"), PYTHONUNBUFFERED="1")
    return env


def test_check_sample_config_passes_with_no_environment(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    out = statuscat("check", "-c", "sample_config.yml", env=env)
    assert out.returncode == 0, out.stderr
    assert "sample_config.yml: ok" in out.stdout


def test_check_reports_three_mistakes_with_lines(tmp_path: Path) -> None:
    cfg = tmp_path / "statuscat.yml"
    cfg.write_text(
        "monitors:\n"
        "  - id: api\n"
        "    url: https://example.com/health\n"
        "    interval: 5 minutes\n"
        "  - id: db\n"
        "    type: tcp\n"
        "    host: db.internal\n"
        "    port: 5432\n"
        "    intervall: 30s\n"
        "  - id: web\n"
        "    url: https://example.com/\n"
        "    depends_on: [nosuch]\n"
    )
    out = statuscat("check", "-c", str(cfg), env=clean_env(tmp_path))
    assert out.returncode == 2
    lines = [ln for ln in out.stderr.splitlines() if ln.startswith(str(cfg))]
    assert len(lines) == 3, out.stderr
    assert lines[0].startswith(f"{cfg}:4: monitors[0].interval: '5 minutes' is not a duration")
    assert lines[1].startswith(f"{cfg}:9: monitors[1].intervall: unknown key")
    assert lines[2].startswith(f"{cfg}:12: monitors[2].depends_on")
    assert "nosuch" in lines[2]
    assert "Traceback" not in out.stderr


def test_options_accepted_after_the_subcommand(tmp_path: Path) -> None:
    out = statuscat("-c", "nope.yml", "check", env=clean_env(tmp_path))
    assert out.returncode == 2 and "nope.yml" in out.stderr
    out = statuscat("check", "-c", "sample_config.yml", env=clean_env(tmp_path))
    assert out.returncode == 0


def test_no_config_anywhere_is_a_clear_error(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    out = subprocess.run(
        [sys.executable, "-m", "statuscat_tui.cli", "check"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert out.returncode == 2
    assert "no config found" in out.stderr


def spawn(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start ``statuscat ARGS`` with stdout and stderr merged into one text pipe."""
    return subprocess.Popen(
        [sys.executable, "-m", "statuscat_tui.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
    )


class Lines:
    """Read a child's stdout line by line with a deadline."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.seen: list[str] = []

    def until(self, needle: str, timeout: float = 20.0) -> str:
        assert self.proc.stdout is not None
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                line = self.proc.stdout.readline()
                if not line:
                    break
                self.seen.append(line)
                if needle in line:
                    return line
        raise AssertionError(f"{needle!r} not seen; output so far:\n{''.join(self.seen)}")


def test_headless_engine_confirms_down_and_up_and_stops_on_sigterm(
    http_server: HTTPTestServer, tmp_path: Path
) -> None:
    http_server.set("/health", body="ok")
    cfg = tmp_path / "statuscat.yml"
    cfg.write_text(
        "defaults:\n"
        "  interval: 1s\n"
        "  timeout: 500ms\n"
        "  confirm: {failures: 3, retry_interval: 200ms, successes: 2}\n"
        "monitors:\n"
        f"  - id: api\n    url: {http_server.url('/health')}\n"
    )
    db = tmp_path / "sc.db"
    proc = spawn("run", "--headless", "-c", str(cfg), "--db", str(db), env=clean_env(tmp_path))
    out = Lines(proc)
    try:
        summary = out.until("started:")
        assert "1 monitors (1 http)" in summary and str(db) in summary
        out.until("api UNKNOWN → UP")
        before = http_server.hits("/health")
        http_server.set("/health", status=500)
        line = out.until("→ DOWN")
        # Logged only after exactly `confirm.failures` failing checks.
        assert http_server.hits("/health") - before == 3
        assert "api PENDING → DOWN: " in line and "500" in line
        http_server.set("/health", body="ok")
        out.until("api DOWN → UP")
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
        assert time.monotonic() - t0 < 5
        out.until("engine stopped")
        assert not any("Traceback" in ln for ln in out.seen)
    finally:
        proc.kill()
        proc.wait()


def test_second_engine_on_same_database_is_refused(
    http_server: HTTPTestServer, tmp_path: Path
) -> None:
    http_server.set("/", body="ok")
    cfg = tmp_path / "statuscat.yml"
    cfg.write_text(f"monitors:\n  - id: api\n    url: {http_server.url('/')}\n")
    db = tmp_path / "sc.db"
    args = ("run", "--headless", "-c", str(cfg), "--db", str(db))
    first = spawn(*args, env=clean_env(tmp_path))
    try:
        Lines(first).until("started:")
        second = statuscat(*args, env=clean_env(tmp_path))
        assert second.returncode == 1
        assert "another StatusCat engine is running on this database (pid" in second.stdout
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=5) == 0


def test_secrets_never_reach_the_log(http_server: HTTPTestServer, tmp_path: Path) -> None:
    http_server.set("/", status=500, body="boom")
    cfg = tmp_path / "statuscat.yml"
    secret = "s3cr3t-token-value"
    cfg.write_text(
        "defaults: {interval: 1s, timeout: 500ms, confirm: {failures: 1}}\n"
        "monitors:\n"
        f"  - id: api\n    url: {http_server.url('/')}?key=${{API_KEY}}\n"
        "    headers: {Authorization: 'Bearer ${API_KEY}'}\n"
    )
    env = clean_env(tmp_path) | {"API_KEY": secret}
    db = str(tmp_path / "sc.db")
    proc = spawn("run", "--headless", "-v", "-c", str(cfg), "--db", db, env=env)
    out = Lines(proc)
    try:
        out.until("→ DOWN")
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=5)
        out.until("engine stopped")
    finally:
        proc.kill()
        proc.wait()
    text = "".join(out.seen)
    assert secret not in text
    # The server did receive it: the probe used the real value.
    req = http_server.requests("/")[0]
    assert req.headers["authorization"] == f"Bearer {secret}"
