"""Shared fixtures: loopback servers and a probe context."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from statuscat_tui.probes import ProbeContext
from tests.support.desktop import DesktopSession
from tests.support.dnsserver import DNSTestServer
from tests.support.httpserver import HTTPTestServer
from tests.support.smtpserver import SMTPTestServer
from tests.support.tlsserver import TLSServers


@pytest.fixture
def http_server() -> Iterator[HTTPTestServer]:
    """A fresh HTTP server on 127.0.0.1; configure paths with ``http_server.set(...)``."""
    with HTTPTestServer() as server:
        yield server


@pytest.fixture
def dns_server() -> Iterator[DNSTestServer]:
    """A DNS server on 127.0.0.1:random-port; use ``dns_server.nameserver`` in monitors."""
    with DNSTestServer() as server:
        yield server


@pytest.fixture(scope="session")
def tls_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TLSServers]:
    """HTTPS servers with valid, expiring, expired, wrong-host and self-signed certs."""
    directory: Path = tmp_path_factory.mktemp("tls")
    with TLSServers(directory) as servers:
        yield servers


@pytest.fixture
async def probe_ctx() -> AsyncIterator[ProbeContext]:
    async with ProbeContext() as ctx:
        yield ctx


@pytest.fixture
def closed_port() -> int:
    """A loopback TCP port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(autouse=True)
def _steady_cursors(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Snapshots see a focused field's cursor shown, whenever they are taken.

    Text fields blink their cursor every 0.5 s; a snapshot taken later than that
    after the field got focus (a loaded machine) caught it hidden half the time.
    """
    if "snap_compare" not in request.fixturenames:
        return
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture(autouse=True)
def _no_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests never read or write the developer's own config or data."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))


@pytest.fixture
def smtp_server() -> Iterator[SMTPTestServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1:``smtp_server.port``; no TLS, AUTH allowed.

    It accepts any login; read what arrived with ``smtp_server.wait_for(n)``.
    """
    with SMTPTestServer() as server:
        yield server


@pytest.fixture
def desktop_session(monkeypatch: pytest.MonkeyPatch) -> Iterator[DesktopSession]:
    """A private D-Bus session bus with a recording org.freedesktop.Notifications server.

    ``DBUS_SESSION_BUS_ADDRESS`` points at it for the test; read what arrived
    with ``desktop_session.server.wait_for(n)``.
    """
    with DesktopSession() as session:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session.address)
        yield session
