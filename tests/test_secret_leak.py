"""A secret from ``${VAR}`` never shows in anything StatusCat writes or shows.

One planted secret (``S3cr3t-<random>``, from the environment) is in a config
where secrets live: the password of a ``json://`` and of a ``mailto://``
target, an ``Authorization: Bearer`` header and an API-key header, a monitor
URL's query (``?token=``) and userinfo, and the text a page must contain
(``expect.body_contains``). The loopback target echoes it back (in a status
line long enough to be cut inside the secret, its error body, its JSON), and so
does the webhook receiver while it fails, so every error path has it in hand.

Then the real thing runs: ``statuscat run --headless -v`` (a subprocess) opens
an incident, pages (the receiver fails first, so a delivery error is logged and
retried; the mail goes out over SMTP with the password), the target recovers
and the CLI resolves; the CLI commands a person would run read everything back
(``incident list/show --json``, ``status-page build``, ``postmortem export``,
``check``, ``oncall now --json``); a dashboard attached to the running engine
shows the dashboard and the incident screen.

Every output is then searched for the secret, raw and encoded (URL-encoded,
base64 at each alignment, as part of a Basic-auth token, hex): the engine's
stdout and stderr, every CLI's output, every byte of the SQLite files (results,
timeline, outbox), every file of both status pages, the postmortem export and
the TUI's screenshots. The receivers are not searched: the secret reaching them
is its purpose.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from textual.widgets import DataTable

from statuscat_tui.config import parse_config
from statuscat_tui.core.model import Confirm, Monitor, public_url
from statuscat_tui.core.results import CheckResult, Outcome
from statuscat_tui.engine.logs import RedactingFilter, redact_result
from statuscat_tui.notify.redact import redact
from statuscat_tui.ui.app import StatusCatApp
from statuscat_tui.ui.incident import IncidentScreen
from tests.support.httpserver import HTTPTestServer
from tests.support.smtpserver import SMTPTestServer
from tests.support.wait import until, wait_for

STATUSCAT = str(Path(sys.executable).with_name("statuscat"))
SECRET = "S3cr3t-" + secrets.token_hex(12)
VAR = "SC_TEST_TOKEN"


def encoded_forms(secret: str) -> dict[str, str]:
    """The secret as it could appear in text: raw, URL-encoded, base64 (every alignment), hex."""
    raw = secret.encode()
    forms = {
        "raw": secret,
        "url-encoded": quote(secret, safe=""),
        "form-encoded": quote_plus(secret),
        "hex": raw.hex(),
        "random part": secret.removeprefix("S3cr3t-")[:16],
    }
    for offset in range(3):
        for name, encode in (("base64", base64.b64encode), ("base64url", base64.urlsafe_b64encode)):
            text = encode(bytes(offset) + raw).decode()
            # Only the characters that come from the secret alone, whatever surrounds it.
            forms[f"{name}+{offset}"] = text[4 if offset else 0 : -4]
    for user in ("ops", "probe"):  # HTTP Basic auth of user:secret
        forms[f"basic {user}"] = base64.b64encode(f"{user}:{secret}".encode()).decode()[:-4]
    return forms


FORMS = encoded_forms(SECRET)


def leaks(data: bytes) -> list[str]:
    """The names of the secret's forms found in ``data`` (empty: clean)."""
    return [name for name, form in FORMS.items() if form.encode() in data]


def config_text(http: HTTPTestServer, smtp: SMTPTestServer) -> str:
    mail = (
        f"mailto://ops:${{{VAR}}}@127.0.0.1:{smtp.port}?smtp=127.0.0.1"
        "&from=statuscat@example.com&to=ada@example.com&mode=insecure"
    )
    return f"""
settings: {{timezone: UTC, me: ada}}
defaults:
  interval: 500ms
  timeout: 500ms
  confirm: {{failures: 1, retry_interval: 100ms, successes: 1}}
status_page: {{title: Example status, output: site}}
components: [{{name: Storefront}}]
monitors:
  - id: checkout
    name: Checkout API
    url: "{http.url("/health")}?token=${{{VAR}}}&v=1"
    headers:
      Authorization: "Bearer ${{{VAR}}}"
      X-Api-Key: "${{{VAR}}}"
    severity: SEV1
    component: Storefront
    runbook: Restart the checkout workers
  - id: api
    url: "http://probe:${{{VAR}}}@127.0.0.1:{http.port}/api"
    expect: {{json: {{status: ok}}}}
    severity: SEV3
  - id: page
    url: "{http.url("/page")}"
    expect: {{body_contains: "${{{VAR}}}"}}
    severity: SEV3
people:
  - id: ada
    name: Ada
    notify:
      - "json://ops:${{{VAR}}}@127.0.0.1:{http.port}/hook"
      - "{mail}"
schedules:
  - id: primary
    rotation: {{every: 1w, handoff: "09:00", start: 2020-01-06, members: [ada]}}
escalation_policies:
  - id: default
    steps: [{{notify: "schedule:primary", wait: 30m}}]
severities:
  SEV1: {{escalation: default, page: always}}
  SEV3: {{page: never}}
"""


@pytest.fixture
def smtp() -> Iterator[SMTPTestServer]:
    with SMTPTestServer(user="ops", password=SECRET) as server:  # only the secret logs in
        yield server


def env() -> dict[str, str]:
    return {**os.environ, VAR: SECRET}


async def cli(cwd: Path, *args: str) -> tuple[str, subprocess.CompletedProcess[bytes]]:
    """Run ``statuscat ARGS -c statuscat.yml --db sc.db``; (the command line, its result)."""
    argv = [STATUSCAT, *args, "-c", "statuscat.yml", "--db", "sc.db"]
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=cwd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return " ".join(args), subprocess.CompletedProcess(argv, proc.returncode, out, err)


def files_under(root: Path) -> dict[str, bytes]:
    """Every file the run left behind: logs, the database (and its WAL), both status pages,
    the export (the config holds only "${VAR}")."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def db_value(db: Path, sql: str) -> object:
    con = sqlite3.connect(db)
    try:
        row = con.execute(sql).fetchone()
    finally:
        con.close()
    return None if row is None else row[0]


async def test_the_secret_never_leaves(
    http_server: HTTPTestServer, smtp: SMTPTestServer, tmp_path: Path
) -> None:
    # The target and the receiver both say the secret back while they fail.
    http_server.set("/health", body="ok")
    http_server.set("/api", json={"status": SECRET, "echo": f"Bearer {SECRET}"})
    http_server.set("/page", body="welcome, but no token here")
    http_server.set("/hook", status=500, body=f'{{"error": "bad credentials ops:{SECRET}"}}')
    (tmp_path / "statuscat.yml").write_text(config_text(http_server, smtp))
    db = tmp_path / "sc.db"
    outputs: dict[str, bytes] = {}

    engine_out = (tmp_path / "engine.stdout").open("wb")
    engine_err = (tmp_path / "engine.stderr").open("wb")
    engine = await asyncio.create_subprocess_exec(
        *[STATUSCAT, "run", "--headless", "-v", "-c", "statuscat.yml", "--db", "sc.db"],
        cwd=tmp_path,
        env=env(),
        stdout=engine_out,
        stderr=engine_err,
    )
    try:
        started = tmp_path / "engine.stdout"
        await wait_for(lambda: b"started" in started.read_bytes(), 20)
        await wait_for(lambda: http_server.hits("/health") >= 2, 10)
        # The outage: the status line and the body carry the secret.
        # The status line is long: a reason cut to length ends inside the secret.
        http_server.set(
            "/health", status=500, reason="y" * 32 + SECRET, body=f"invalid token {SECRET}"
        )
        await wait_for(lambda: http_server.hits("/hook") >= 1, 15)  # the page, refused
        await asyncio.to_thread(smtp.wait_for, 1)
        http_server.set("/hook", body="ok")
        await wait_for(lambda: http_server.hits("/hook") >= 2, 15)  # retried after 5 s
        assert http_server.requests("/hook")[0].headers["authorization"].startswith("Basic ")
        assert smtp.logins == ["ops"], "the mail went out, logged in with the secret"

        http_server.set("/health", body="ok")
        recovered = "SELECT last_reason LIKE 'HTTP 200%' FROM monitors WHERE key = 'checkout'"
        await wait_for(lambda: db_value(db, recovered) == 1, 15)
        incident = db_value(db, "SELECT id FROM incidents WHERE severity = 'SEV1'")
        assert incident is not None
        iid = str(incident)
        name, done = await cli(tmp_path, "incident", "resolve", iid, "--as", "ada")
        assert done.returncode == 0, done.stderr
        outputs[name] = done.stdout + done.stderr

        # What a person reads back, all at once.
        results = await asyncio.gather(
            cli(tmp_path, "incident", "list", "--json", "--all"),
            cli(tmp_path, "incident", "list", "--all"),
            cli(tmp_path, "incident", "show", iid, "--json"),
            cli(tmp_path, "incident", "show", iid),
            cli(tmp_path, "status-page", "build", "--out", "site-cli"),
            cli(tmp_path, "postmortem", "export", iid, "--out", "postmortem.md"),
            cli(tmp_path, "check"),
            cli(tmp_path, "oncall", "now", "--json"),
        )
        for name, result in results:
            assert result.returncode == 0, (name, result.stderr)
            outputs[f"statuscat {name}"] = result.stdout + result.stderr
        assert b"Checkout API" in outputs[f"statuscat incident show {iid}"]

        # A dashboard attached to the running engine (a viewer), with the secret in its config.
        config = parse_config(
            (tmp_path / "statuscat.yml").read_text(), "statuscat.yml", env={VAR: SECRET}
        )
        app = StatusCatApp(config, db, refresh_every=0.3)
        async with app.run_test(size=(200, 60), notifications=True) as pilot:
            await until(pilot, lambda: app.ready and app.session.mode == "viewer")
            table = app.screen_stack[0].query_one("#incidents", DataTable)
            await until(pilot, lambda: table.row_count >= 1)
            await pilot.pause(0.5)
            outputs["tui dashboard"] = app.export_screenshot().encode()
            # The open incident (api's: its reason quoted the secret) from its row ...
            api = db_value(db, "SELECT id FROM incidents WHERE title LIKE 'api %'")
            table.focus()
            table.move_cursor(row=table.get_row_index(str(api)))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen))
            screen = app.screen
            assert isinstance(screen, IncidentScreen)
            await until(pilot, lambda: screen.detail is not None)
            await pilot.pause(0.3)
            outputs["tui open incident screen"] = app.export_screenshot().encode()
            assert b"expected&#160;&#x27;ok&#x27;" in outputs["tui open incident screen"]
            # ... and the resolved one, paged and retried.
            await pilot.press("escape")
            resolved = IncidentScreen(int(iid))
            app.push_screen(resolved)
            await until(pilot, lambda: resolved.detail is not None)
            await pilot.pause(0.3)
            outputs["tui resolved incident screen"] = app.export_screenshot().encode()
            assert b"Checkout" in outputs["tui resolved incident screen"]
    finally:
        engine.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(engine.wait(), 20)
        finally:
            if engine.returncode is None:
                engine.kill()
            engine_out.close()
            engine_err.close()
    assert code == 0, (tmp_path / "engine.stderr").read_text()
    outputs |= files_under(tmp_path)

    for must in (
        "engine.stdout",
        "sc.db",
        "postmortem.md",
        "site/index.html",
        "site-cli/index.html",
    ):
        assert must in outputs, f"{must} was not written: {sorted(outputs)}"
    log = outputs["engine.stdout"].decode()
    assert "started" in log and "DOWN" in log, log  # the log did say what happened
    assert "[redacted]" in log or "***" in log, "the secret was never near the log: a weak test"
    # The refused page was recorded and retried: the error path ran.
    assert db_value(db, "SELECT max(attempts) FROM outbox WHERE target LIKE 'json:%'") == 2

    found = {name: hits for name, data in outputs.items() if (hits := leaks(data))}
    assert found == {}, f"the secret leaked into: {found}"


def test_the_forms_are_found() -> None:
    """The search itself works: each form of the secret, embedded in other text, is found."""
    for name, form in FORMS.items():
        assert name in leaks(f"xx {form} yy".encode()), name
    basic = base64.b64encode(f"ops:{SECRET}".encode())
    assert "basic ops" in leaks(b"Authorization: Basic " + basic)
    for offset in range(3):
        wrapped = base64.b64encode(b"{" * offset + SECRET.encode() + b"}")
        assert leaks(wrapped), offset
    assert leaks(b"nothing here") == []


# -- the redaction rules the run above relies on -----------------------------------------------


def test_a_secret_cut_short_is_masked_too() -> None:
    cut = SECRET[:20]
    assert redact(f"HTTP 500 denied {cut}…", [SECRET]) == "HTTP 500 denied ***…"
    assert redact(f"expected '{cut}…', got 'x'", [SECRET]) == "expected '***…', got 'x'"
    assert redact(f"a {SECRET} b", [SECRET, SECRET[:9]]) == "a *** b"  # the whole first
    assert redact("nothing secret here…", [SECRET]) == "nothing secret here…"
    assert redact("S3c…", [SECRET]) == "S3c…"  # three characters give nothing away


def test_results_are_masked_with_every_config_secret() -> None:
    result = CheckResult(
        Outcome.FAIL,
        0.1,
        f"body does not contain '{SECRET}'",
        {"body_snippet": f"token {SECRET[:12]}…", "status_code": 200},
    )
    clean = redact_result(result, frozenset({SECRET, "Bearer " + SECRET}))
    assert clean.reason == "body does not contain '***'"
    assert clean.details == {"body_snippet": "token ***…", "status_code": 200}
    untouched = CheckResult(Outcome.OK, 0.1, "HTTP 200 OK")
    assert redact_result(untouched, frozenset({SECRET})) is untouched


def test_the_log_filter_masks_a_cut_secret() -> None:
    record = logging.LogRecord("x", logging.INFO, "f", 1, "down: %s", (SECRET[:15] + "…",), None)
    assert RedactingFilter([SECRET]).filter(record)
    assert record.getMessage() == "down: [redacted]…"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://127.0.0.1:80/health?token=abc&v=1", "http://127.0.0.1:80/health?…"),
        ("https://probe:pw@example.com/api", "https://probe@example.com/api"),
        ("http://[::1]:8080/x#frag", "http://[::1]:8080/x"),
        ("https://example.com", "https://example.com"),
    ],
)
def test_a_monitor_target_holds_no_credentials(url: str, shown: str) -> None:
    monitor = Monitor("m", "m", "http", 30.0, 10.0, Confirm(), url=url)
    assert monitor.target == shown == public_url(url)
