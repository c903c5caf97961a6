"""Notification channels against real servers on 127.0.0.1 and a private D-Bus session."""

from __future__ import annotations

import asyncio
import contextlib
import html
import importlib.util
import json
import logging
import time
import uuid
from pathlib import Path

import pytest

from statuscat_tui.notify import Delivery, Message, deliver, describe_target, validate_target
from tests.support.desktop import DesktopSession
from tests.support.httpserver import HTTPTestServer
from tests.support.smtpserver import SMTPTestServer

PAGE = Message(
    title="[SEV1] Checkout API down",
    body="Checkout API is failing its health check.\nRunbook: restart the pods.",
)
RESOLVED = Message("[SEV1] Checkout API recovered", "Resolved after 12 minutes.", "resolved")


def json_url(server: HTTPTestServer, path: str = "/hook", auth: str = "") -> str:
    return f"json://{auth}127.0.0.1:{server.port}{path}"


def mailto_url(port: int, auth: str = "ops:hunter22@") -> str:
    return (
        f"mailto://{auth}127.0.0.1:{port}?smtp=127.0.0.1"
        "&from=statuscat@example.com&to=alice@example.com&mode=insecure"
    )


# -- json:// ---------------------------------------------------------------


@pytest.mark.parametrize(("message", "apprise_type"), [(PAGE, "failure"), (RESOLVED, "success")])
async def test_json_posts_title_and_body(
    http_server: HTTPTestServer, message: Message, apprise_type: str
) -> None:
    http_server.set("/hook", body="ok")
    result = await deliver(json_url(http_server), message, timeout=5)
    assert result == Delivery(True, "delivered")
    [request] = http_server.requests("/hook")
    assert request.method == "POST"
    payload = json.loads(request.body)
    assert payload["title"] == message.title
    assert payload["message"] == message.body
    assert payload["type"] == apprise_type


async def test_json_http_500_is_a_readable_retryable_failure(http_server: HTTPTestServer) -> None:
    http_server.set("/hook", status=500, body="database on fire")
    result = await deliver(json_url(http_server), PAGE, timeout=5)
    assert result == Delivery(False, f"HTTP 500 from 127.0.0.1:{http_server.port}", True)


async def test_json_hanging_server_fails_within_the_timeout(http_server: HTTPTestServer) -> None:
    http_server.set("/hook", behaviour="hang")
    started = time.monotonic()
    result = await deliver(json_url(http_server), PAGE, timeout=1)
    assert time.monotonic() - started < 2
    assert not result.ok
    assert result.retryable
    assert "timed out" in result.detail


async def test_json_connection_refused(closed_port: int) -> None:
    result = await deliver(f"json://127.0.0.1:{closed_port}/hook", PAGE, timeout=5)
    assert result == Delivery(False, "connection refused", True)


async def test_a_hung_channel_does_not_delay_the_others(http_server: HTTPTestServer) -> None:
    """More hung targets than a default thread pool has workers, plus two that answer."""
    http_server.set("/hang", behaviour="hang")
    http_server.set("/ok", body="ok")
    http_server.set("/fail", status=503)
    finished: dict[str, float] = {}
    started = time.monotonic()

    async def timed(name: str, path: str) -> Delivery:
        result = await deliver(json_url(http_server, path), PAGE, timeout=3)
        finished[name] = time.monotonic() - started
        return result

    # The hung ones start first, so a shared pool would be full when the others come.
    hung = [timed(f"hung{i}", "/hang") for i in range(10)]
    *stuck, ok, fail = await asyncio.gather(*hung, timed("ok", "/ok"), timed("fail", "/fail"))
    assert ok == Delivery(True, "delivered")
    # Each delivery's reason is its own, though all ran at once.
    assert fail.detail == f"HTTP 503 from 127.0.0.1:{http_server.port}"
    assert all(not r.ok and "timed out" in r.detail for r in stuck)
    assert finished["ok"] < 1.5
    assert finished["fail"] < 1.5


# -- mailto:// -------------------------------------------------------------


async def test_mailto_delivers_subject_and_body(smtp_server: SMTPTestServer) -> None:
    result = await deliver(mailto_url(smtp_server.port), PAGE, timeout=10)
    assert result == Delivery(True, "delivered")
    [mail] = smtp_server.wait_for(1)
    assert mail["Subject"] == PAGE.title
    assert mail["To"] == "alice@example.com"
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None
    assert text.get_content().replace("\r\n", "\n").strip() == PAGE.body
    assert smtp_server.envelopes == [("statuscat@example.com", ["alice@example.com"])]
    assert smtp_server.logins == ["ops"]  # the URL's credentials were used


async def test_mailto_server_down(closed_port: int) -> None:
    result = await deliver(mailto_url(closed_port), PAGE, timeout=10)
    assert result == Delivery(False, "connection refused", True)


async def test_mailto_rejected_login_is_reported_without_the_password() -> None:
    with SMTPTestServer(user="ops", password="correct-horse") as server:
        result = await deliver(mailto_url(server.port, "ops:Wr0ngPassw0rd@"), PAGE, timeout=10)
        assert server.messages == []
    assert not result.ok
    assert result.detail.startswith("SMTP 535")
    assert "Wr0ngPassw0rd" not in result.detail


# -- desktop ---------------------------------------------------------------


async def test_desktop_notification_reaches_the_notification_server(
    desktop_session: DesktopSession,
) -> None:
    result = await deliver("desktop", PAGE, timeout=10)
    assert result == Delivery(True, "delivered")
    [shown] = desktop_session.server.wait_for(1)
    assert shown.app_name == "StatusCat"
    assert shown.summary == PAGE.title
    assert shown.body == PAGE.body
    assert shown.hints["urgency"] == ("y", 2)  # critical
    assert shown.expire_timeout == 0  # a page stays until dismissed


async def test_desktop_body_markup_stays_text(desktop_session: DesktopSession) -> None:
    """Notification servers may read the body as markup: an incident title must not be."""
    title = 'db <b>down</b> & <a href="http://evil.example">x</a> <img src="file:///etc/passwd">'
    page = Message(f"[SEV1] #1 {title}", f"Incident #1: {title}", "page")
    assert (await deliver("desktop", page, timeout=10)).ok
    [shown] = desktop_session.server.wait_for(1)
    assert shown.summary == page.title  # plain text by the specification
    assert "<" not in shown.body and ">" not in shown.body
    assert html.unescape(shown.body) == page.body


async def test_desktop_resolved_is_an_ordinary_notification(
    desktop_session: DesktopSession,
) -> None:
    assert (await deliver(" Desktop ", RESOLVED, timeout=10)).ok
    [shown] = desktop_session.server.wait_for(1)
    assert (shown.summary, shown.body) == (RESOLVED.title, RESOLVED.body)
    assert shown.hints["urgency"] == ("y", 1)  # normal
    assert shown.expire_timeout == -1  # the server's default


async def test_desktop_without_a_session_bus(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # no systemd user bus there either
    result = await deliver("desktop", PAGE, timeout=10)
    assert result == Delivery(False, "no desktop session (DBUS_SESSION_BUS_ADDRESS unset)", False)


async def test_desktop_finds_a_user_bus_in_xdg_runtime_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in an SSH login to a machine whose desktop runs a systemd user bus."""
    with DesktopSession() as session:
        monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(session.directory))
        result = await deliver("desktop", PAGE, timeout=10)
        assert result == Delivery(True, "delivered")
        assert session.server.wait_for(1)[0].summary == PAGE.title


async def test_desktop_bus_address_that_nobody_listens_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/gone")
    result = await deliver("desktop", PAGE, timeout=10)
    assert not result.ok
    assert result.detail.startswith("cannot connect to the desktop session bus")


async def test_desktop_session_without_a_notification_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with DesktopSession(server=False) as session:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session.address)
        result = await deliver("desktop", PAGE, timeout=10)
    assert result == Delivery(False, "no notification server on the desktop session bus", True)


async def test_desktop_server_error_is_reported(desktop_session: DesktopSession) -> None:
    desktop_session.server.fail_with = "too many notifications"
    result = await deliver("desktop", PAGE, timeout=10)
    assert result == Delivery(False, "notification server refused: too many notifications", True)


async def test_desktop_hung_notification_server_times_out_and_leaves_no_process(
    desktop_session: DesktopSession,
) -> None:
    desktop_session.server.silent = True
    marker = f"[SEV2] hung daemon {uuid.uuid4()}"
    started = time.monotonic()
    result = await deliver("desktop", Message(marker, "nobody answers"), timeout=1)
    assert time.monotonic() - started < 2
    assert result == Delivery(False, "timed out after 1s", True)
    assert not [cmd for cmd in _command_lines() if marker in cmd]


def _command_lines() -> list[str]:
    lines = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            lines.append(cmdline.read_bytes().decode(errors="replace"))
    return lines


@pytest.mark.filterwarnings("ignore::UserWarning")  # plyer warns about what it cannot find
async def test_desktop_without_notify_send_falls_back_to_plyer(
    desktop_session: DesktopSession, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no notify-send
    result = await deliver("desktop", PAGE, timeout=10)
    if importlib.util.find_spec("dbus") is None:
        # plyer has no backend then; the failure says so instead of passing silently.
        assert not result.ok
        assert not result.retryable
        assert result.detail.startswith("notify-send not found (install libnotify-bin); plyer:")
    else:  # plyer talks D-Bus itself
        assert result.ok
        assert desktop_session.server.wait_for(1)[0].summary == PAGE.title


# -- targets that cannot work ----------------------------------------------


async def test_unknown_scheme_is_permanent() -> None:
    result = await deliver("nosuch://x", PAGE, timeout=5)
    assert result == Delivery(False, "unknown scheme nosuch://", retryable=False)
    assert validate_target("nosuch://x") == "unknown scheme nosuch://"
    assert describe_target("nosuch://x") == "nosuch://…"


@pytest.mark.parametrize("target", ["json://", "slack://x", "not a url", ""])
async def test_malformed_targets_are_permanent(target: str) -> None:
    result = await deliver(target, PAGE, timeout=5)
    assert not result.ok
    assert not result.retryable
    assert result.detail
    assert validate_target(target) is not None


@pytest.mark.parametrize(
    "target",
    [
        "desktop",
        "json://127.0.0.1:8080/hook",
        "mailto://ops:pw@example.com",
        "ntfy://statuscat-alerts",
        "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
    ],
)
def test_valid_targets(target: str) -> None:
    assert validate_target(target) is None


@pytest.mark.parametrize(
    ("target", "label"),
    [
        ("desktop", "desktop"),
        ("json://127.0.0.1:8080/hooks/abc", "json://127.0.0.1:8080/…"),
        ("mailto://ops:hunter22@example.com", "mailto://ops@example.com/…"),
        ("ntfy://alice:pw@ntfy.example.com/pages", "ntfy://alice@ntfy.example.com/…"),
    ],
)
def test_describe_target(target: str, label: str) -> None:
    assert describe_target(target) == label


# -- secrets -----------------------------------------------------------------

SECRETS = ("S3cretPassw0rd", "T0kenInQuery", "PathT0ken")


def secret_json_url(port: int, path: str) -> str:
    return f"json://bot:S3cretPassw0rd@127.0.0.1:{port}{path}/PathT0ken?-token=T0kenInQuery"


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


async def test_secrets_stay_out_of_labels_details_and_logs(
    http_server: HTTPTestServer, closed_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    http_server.set("/ok/PathT0ken", body="ok")
    http_server.set("/fail/PathT0ken", status=500)
    http_server.set("/hang/PathT0ken", behaviour="hang")
    targets = [
        secret_json_url(http_server.port, "/ok"),
        secret_json_url(http_server.port, "/fail"),
        secret_json_url(http_server.port, "/hang"),
        secret_json_url(closed_port, "/down"),
        "nosuch://bot:S3cretPassw0rd@host/PathT0ken",
        "json://bot:S3cretPassw0rd@127.0.0.1:notaport/PathT0ken",
    ]
    results = await asyncio.gather(*(deliver(t, PAGE, timeout=1) for t in targets))
    # The token really went out: it is the webhook's to use, not ours to show.
    [request] = http_server.requests("/ok/PathT0ken")
    assert request.query == "token=T0kenInQuery"
    assert [r.ok for r in results] == [True, False, False, False, False, False]
    # Labels only (delivering would leave this machine): a token Apprise masks itself,
    # and one it rejects, quoting it in its complaint.
    targets.append("slack://T1JJ3T3L2/A1BRTD4JD/PathT0ken?footer=T0kenInQuery")
    targets.append("slack://T1JJ3T3L2/A1BRTD4JD/PathT0ken!")
    assert (
        validate_target(targets[-1])
        == "invalid slack:// URL: An invalid Slack (third) Token (***) was specified."
    )
    for result in results:
        assert_no_secret(result.detail)
    for target in targets:
        assert_no_secret(describe_target(target))
        assert_no_secret(validate_target(target) or "")
    logging.getLogger("apprise").debug("outside any delivery")  # proves caplog sees apprise
    assert caplog.records
    for record in caplog.records:
        assert_no_secret(record.getMessage())


def test_apprise_logging_outside_deliveries_keeps_its_level(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert validate_target("json://127.0.0.1/x") is None  # sets up the capture on "apprise"
    caplog.set_level(logging.WARNING)
    logging.getLogger("apprise").info("below the application's level")
    logging.getLogger("apprise").warning("at the application's level")
    assert [r.getMessage() for r in caplog.records] == ["at the application's level"]


async def test_secret_in_a_failed_mail_login_stays_out(closed_port: int) -> None:
    url = mailto_url(closed_port, "ops:S3cretPassw0rd@")
    result = await deliver(url, PAGE, timeout=5)
    assert not result.ok
    assert_no_secret(result.detail)
    assert describe_target(url) == f"mailto://ops@127.0.0.1:{closed_port}/…"
