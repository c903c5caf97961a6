"""The ``desktop`` target: a notification on the machine running StatusCat.

On Linux (and other D-Bus desktops) the notification goes to the session bus's
``org.freedesktop.Notifications`` server through ``notify-send`` (Debian
package ``libnotify-bin``), whose exit status and error text say whether the
server took it. plyer is not used for that case: without the ``dbus`` Python
module (not installable from PyPI as a wheel) plyer falls back to running
``notify-send`` itself and ignores its exit status, so every failure would look
like a success. plyer is used where ``notify-send`` is missing (it then uses
the ``dbus`` module if present) and on macOS and Windows.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import os
import re
import shutil
import stat
import sys
from pathlib import Path

from plyer import notification as plyer_notification

from statuscat_tui.notify.blocking import run_blocking
from statuscat_tui.notify.message import Delivery, Message
from statuscat_tui.notify.redact import clip

APP_NAME = "StatusCat"
NO_SESSION = "no desktop session (DBUS_SESSION_BUS_ADDRESS unset)"
# plyer backends that run a command and discard its result.
_UNCONFIRMED_BACKENDS = {"NotifySendNotification", "NotifyDesktopPortals"}
_GDBUS_ERROR = re.compile(r"GDBus\.Error:([\w.]+):\s*(.*)")


def session_bus_address() -> str | None:
    """The D-Bus session bus to use, or None when this process has no desktop session."""
    if address := os.environ.get("DBUS_SESSION_BUS_ADDRESS", "").strip():
        return address
    # libdbus and GLib also find a systemd user bus without the variable
    # (e.g. in an SSH login to a machine with a desktop session).
    if runtime := os.environ.get("XDG_RUNTIME_DIR"):
        bus = Path(runtime) / "bus"
        with contextlib.suppress(OSError):
            if stat.S_ISSOCK(bus.stat().st_mode):
                return f"unix:path={bus}"
    return None


async def deliver(message: Message) -> Delivery:
    """Show ``message`` on this machine's desktop. Never raises (but may be cancelled)."""
    if sys.platform in ("darwin", "win32", "cygwin"):
        return await run_blocking(lambda: _via_plyer(message), name="notify desktop")
    address = session_bus_address()
    if address is None:
        # The environment does not change while the process runs: retrying cannot help.
        return Delivery(False, NO_SESSION, retryable=False)
    executable = shutil.which("notify-send")
    if executable is None:
        return await run_blocking(lambda: _via_plyer(message), name="notify desktop")
    return await _via_notify_send(executable, address, message)


async def _via_notify_send(executable: str, address: str, message: Message) -> Delivery:
    urgency = {"page": "critical", "resolved": "normal"}.get(message.kind, "low")
    args = [executable, f"--app-name={APP_NAME}", f"--urgency={urgency}"]
    if message.kind == "page":
        args.append("--expire-time=0")  # a page stays up until someone dismisses it
    # "--" so a title or body starting with "-" is not read as an option.
    # The body may be read as markup (<b>, <a href>, <img src>) by servers that
    # support it; outside text in it (an incident title) must stay text. The
    # summary is plain text by the specification.
    args += ["--", message.title or APP_NAME, html.escape(message.body, quote=False)]
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address}
    try:
        proc = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
    except OSError as exc:
        return Delivery(False, clip(f"cannot run notify-send: {exc.strerror or exc}"))
    try:
        _, stderr = await proc.communicate()
    except BaseException:  # timed out or cancelled: leave no process behind
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise
    if proc.returncode == 0:
        return Delivery(True, "delivered")
    return Delivery(False, _notify_send_failure(proc.returncode, stderr))


def _notify_send_failure(returncode: int | None, stderr: bytes) -> str:
    text = stderr.decode(errors="replace").strip()
    if any(s in text for s in ("ServiceUnknown", "NameHasNoOwner", "not provided by any")):
        return "no notification server on the desktop session bus"
    if text.startswith(("Could not connect", "Failed to connect", "Cannot autolaunch")):
        reason = text.partition(":")[2].strip() or text
        return clip(f"cannot connect to the desktop session bus: {reason}")
    if match := _GDBUS_ERROR.search(text):
        return clip(f"notification server refused: {match.group(2) or match.group(1)}")
    first = text.splitlines()[0] if text else ""
    return clip(first or f"notify-send failed (exit status {returncode})")


def _via_plyer(message: Message) -> Delivery:
    try:
        notify = plyer_notification.notify  # resolves plyer's backend on first use
        backend = type(getattr(notify, "__self__", None)).__name__
        notify(
            title=message.title or APP_NAME,
            message=message.body,
            app_name=APP_NAME,
            timeout=0 if message.kind == "page" else 10,
        )
    except Exception as exc:
        reason = f"{exc}" or type(exc).__name__
        if shutil.which("notify-send") is None and sys.platform.startswith("linux"):
            return Delivery(
                False,
                clip(f"notify-send not found (install libnotify-bin); plyer: {reason}"),
                retryable=False,
            )
        return Delivery(False, clip(f"desktop notification failed: {reason}"))
    if backend in _UNCONFIRMED_BACKENDS:
        return Delivery(True, f"handed to plyer's {backend} (delivery not confirmed)")
    return Delivery(True, "delivered")
