"""A private D-Bus session bus with a recording notification server, for desktop tests.

    with DesktopSession() as session:            # dbus-daemon + org.freedesktop.Notifications
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session.address)
        ...                                      # anything that notifies, then:
        session.server.wait_for(1)[0].summary

The bus is a real ``dbus-daemon`` (Debian package ``dbus``) with its own config:
one unix socket in a temporary directory, no service activation (so a bus
without a server answers ``ServiceUnknown`` at once, as a desktop without a
notification daemon would). The server speaks the Desktop Notifications spec
over jeepney and records each ``Notify`` call; ``server.fail_with`` makes it
answer ``Notify`` with a D-Bus error instead, ``server.silent`` not at all.
``DesktopSession(server=False)`` gives a bus with nobody serving notifications.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from jeepney import HeaderFields, Message, MessageType, new_error, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, open_dbus_connection

BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@dataclass(frozen=True)
class Notification:
    """The arguments of one ``Notify`` call."""

    app_name: str
    replaces_id: int
    app_icon: str
    summary: str
    body: str
    actions: list[str]
    hints: dict[str, Any]  # name -> (signature, value), as jeepney decodes variants
    expire_timeout: int


class NotificationServer:
    """``org.freedesktop.Notifications`` on ``address``, served from a daemon thread."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.fail_with: str | None = None  # error message to answer Notify with
        self.silent = False  # never answer Notify (a hung notification daemon)
        self._cond = threading.Condition()
        self._notifications: list[Notification] = []
        self._stop = threading.Event()
        self._conn: DBusConnection = open_dbus_connection(bus=address)
        reply = self._conn.send_and_get_reply(
            message_bus.RequestName(BUS_NAME, 4),
            timeout=5,  # 4: DO_NOT_QUEUE
        )
        if reply.body != (1,):  # 1: PRIMARY_OWNER
            raise RuntimeError(f"could not own {BUS_NAME}: {reply.body}")
        self._thread = threading.Thread(target=self._serve, name="NotifyServer", daemon=True)
        self._thread.start()

    @property
    def notifications(self) -> list[Notification]:
        with self._cond:
            return list(self._notifications)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Notification]:
        """Block until at least ``count`` notifications arrived; return them all."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._notifications) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self._notifications)} of {count} notifications")
                self._cond.wait(left)
            return list(self._notifications)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._conn.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self._conn.receive(timeout=0.05)
            except TimeoutError:
                continue
            except OSError:
                return  # the bus went away
            if msg.header.message_type == MessageType.method_call:
                member = msg.header.fields.get(HeaderFields.member)
                if not (self.silent and member == "Notify"):
                    self._conn.send(self._answer(msg))

    def _answer(self, msg: Message) -> Message:
        member = msg.header.fields.get(HeaderFields.member)
        if member == "Notify":
            if self.fail_with is not None:
                return new_error(msg, "org.freedesktop.DBus.Error.Failed", "s", (self.fail_with,))
            with self._cond:
                self._notifications.append(Notification(*msg.body))
                number = len(self._notifications)
                self._cond.notify_all()
            return new_method_return(msg, "u", (number,))
        if member == "GetCapabilities":
            return new_method_return(msg, "as", (["body"],))
        if member == "GetServerInformation":
            return new_method_return(msg, "ssss", ("statuscat-test", "StatusCat", "1", "1.2"))
        if member == "CloseNotification":
            return new_method_return(msg)
        return new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (str(member),))


class DesktopSession:
    """A private ``dbus-daemon`` and (unless ``server=False``) a notification server."""

    def __init__(self, *, server: bool = True) -> None:
        self._want_server = server
        self._dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._server: NotificationServer | None = None
        self.address = ""

    @property
    def directory(self) -> Path:
        """Where the bus socket is, as ``bus``: the layout of ``$XDG_RUNTIME_DIR``."""
        assert self._dir is not None, "not started"
        return self._dir

    @property
    def server(self) -> NotificationServer:
        assert self._server is not None, "this session has no notification server"
        return self._server

    def start(self) -> DesktopSession:
        # A short path: unix socket paths are limited to 108 bytes.
        self._dir = Path(tempfile.mkdtemp(prefix="sc-dbus-"))
        config = self._dir / "bus.conf"
        config.write_text(_CONFIG.format(socket=self._dir / "bus"))
        log = (self._dir / "daemon.log").open("wb")
        # No skip when dbus-daemon is missing: FileNotFoundError fails the test (CI installs it).
        self._proc = subprocess.Popen(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=log,
        )
        log.close()
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().decode().strip()  # "" if the daemon died
        if not line:
            self.stop()
            raise RuntimeError("dbus-daemon did not start")
        self.address = line
        if self._want_server:
            self._server = NotificationServer(self.address)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._proc = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> DesktopSession:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
