"""Communicate, end to end: the real engine process publishes what the CLI posts.

`statuscat run --headless` watches a loopback target; the target goes down →
within one check cycle `summary.json` says `major` and the component is in
`major_outage`, and *Investigating* is posted from the template at once
(SEV2 publishes `auto`) → `statuscat incident update --status identified` and
`--status resolved` from the CLI appear on `index.html` and in `history.atom`
within seconds. The engine's listener serves the same files at `/status/`
and metrics at `/metrics`.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.httpserver import HTTPTestServer

ROOT = Path(__file__).resolve().parent.parent
ATOM = "{http://www.w3.org/2005/Atom}"
CLI = (sys.executable, "-m", "statuscat_tui.cli")


def config_text(http: HTTPTestServer, listen: int, out: Path) -> str:
    return f"""
settings: {{timezone: Europe/Berlin, listen: "127.0.0.1:{listen}"}}
components:
  - {{name: Checkout, description: Paying for things}}
  - {{name: Search}}
monitors:
  - id: checkout
    name: Checkout API
    url: {http.url("/health")}
    interval: 300ms
    timeout: 300ms
    confirm: {{failures: 2, retry_interval: 100ms, successes: 1}}
    severity: SEV2
    component: Checkout
  - id: search
    url: {http.url("/search")}
    interval: 300ms
    timeout: 300ms
    component: Search
status_updates:
  investigating: "We are looking into problems with {{component}}."
status_page:
  title: Example status
  url: https://status.example.com/
  output: {out}
"""


def statuscat(cfg: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args, "-c", str(cfg), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def wait_until(cond: Callable[[], Any], within: float = 15.0) -> Any:
    deadline = time.monotonic() + within
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = cond()
        except (OSError, ValueError, KeyError, IndexError) as exc:  # half-built, not there yet
            last_error = exc
            value = None
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {within}s (last error: {last_error})")


@pytest.fixture
def engine_proc(
    http_server: HTTPTestServer, tmp_path: Path, closed_port: int
) -> Iterator[tuple[Path, Path, Path, int]]:
    http_server.set("/health", body="ok")
    http_server.set("/search", body="ok")
    out = tmp_path / "site"
    cfg = tmp_path / "statuscat.yml"
    cfg.write_text(config_text(http_server, closed_port, out))
    db = tmp_path / "sc.db"
    proc = subprocess.Popen(
        [*CLI, "run", "--headless", "-c", str(cfg), "--db", str(db)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield cfg, db, out, closed_port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            output, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
        assert proc.returncode == 0, output
        assert "Traceback" not in output, output


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def test_outage_is_published_and_cli_updates_appear(
    engine_proc: tuple[Path, Path, Path, int], http_server: HTTPTestServer
) -> None:
    cfg, db, out, port = engine_proc
    summary = out / "api/v2/summary.json"

    # All well first: the page exists and says so.
    wait_until(lambda: read_json(summary)["status"]["indicator"] == "none")
    assert {c["name"]: c["status"] for c in read_json(summary)["components"]} == {
        "Checkout": "operational",
        "Search": "operational",
    }

    http_server.set("/health", status=503, body="upstream timeout")
    began = time.monotonic()
    doc = wait_until(
        lambda: (d := read_json(summary))["status"]["indicator"] == "major" and d, within=10
    )
    # Confirmation takes 2 checks 100 ms apart; one 300 ms cycle plus the build.
    assert time.monotonic() - began < 5.0
    statuses = {c["name"]: c["status"] for c in doc["components"]}
    assert statuses == {"Checkout": "major_outage", "Search": "operational"}
    # SEV2 publishes `auto`: Investigating, from the template, at once.
    (incident,) = wait_until(lambda: read_json(summary)["incidents"])
    assert incident["impact"] == "major"
    assert [u["status"] for u in incident["incident_updates"]] == ["investigating"]
    assert incident["incident_updates"][0]["body"] == "We are looking into problems with Checkout."
    inc_id = incident["id"]

    done = statuscat(
        cfg, db, "incident", "update", inc_id, "--status", "identified",
        "--message", "A bad deploy of the **payment** service; rolling back.",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    index = out / "index.html"
    wait_until(lambda: "rolling back" in index.read_text())
    assert "<strong>payment</strong>" in index.read_text()

    http_server.set("/health", body="ok")
    # Resolving is refused until the monitor is UP again; wait for that.
    wait_until(
        lambda: (
            statuscat(
                cfg, db, "incident", "resolve", inc_id, "--message", "Payments work again."
            ).returncode
            == 0
        ),
        within=20,
    )
    wait_until(lambda: "Payments work again." in index.read_text())
    page = index.read_text()
    assert page.index("Payments work again.") < page.index("rolling back")  # newest first

    feed = ET.fromstring((out / "history.atom").read_bytes())
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert titles == [
        "Checkout API is down: Resolved",
        "Checkout API is down: Identified",
        "Checkout API is down: Investigating",
    ]
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == 3

    after = wait_until(
        lambda: (d := read_json(summary))["status"]["indicator"] == "none" and d, within=10
    )
    assert after["incidents"] == []
    assert {c["status"] for c in after["components"]} == {"operational"}
    resolved = read_json(out / "api/v2/incidents.json")["incidents"][0]
    assert resolved["status"] == "resolved" and resolved["resolved_at"]
    assert (out / f"incidents/{inc_id}.html").read_text().count('class="update"') == 3

    # The listener previews the same files and serves metrics.
    base = f"http://127.0.0.1:{port}"
    served = httpx.get(f"{base}/status/api/v2/summary.json", timeout=5)
    assert served.status_code == 200
    assert served.json()["page"]["name"] == "Example status"
    metrics = httpx.get(f"{base}/metrics", timeout=5).text
    assert "statuscat_monitor_up{" in metrics

    # Internal data never reaches the published files.
    for path in out.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            for internal in ("127.0.0.1", "/health", "upstream timeout", "HTTP 503"):
                assert internal not in text, (path, internal)
