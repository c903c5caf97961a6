"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it accepts.

    with SMTPTestServer(user="ops", password="s3cret") as smtp:
        ...  # send to smtp.host:smtp.port, then:
        smtp.wait_for(1)                         # block until one message arrived
        smtp.messages[0]["Subject"], smtp.messages[0].get_content()

Plain SMTP, no TLS. ``AUTH`` (PLAIN/LOGIN) is offered without TLS, and when
``user``/``password`` are given only those credentials are accepted, so a test
can prove the credentials in a URL really reached the server.
"""

from __future__ import annotations

import email.policy
import threading
import time
from email.message import EmailMessage
from email.parser import BytesParser
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.support.net import free_port


class _Handler:
    def __init__(self, server: SMTPTestServer) -> None:
        self._server = server

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        parsed = BytesParser(policy=email.policy.default).parsebytes(raw)
        assert isinstance(parsed, EmailMessage)
        self._server._record(parsed, envelope)
        return "250 Message accepted for delivery"


class SMTPTestServer:
    """See the module docstring."""

    def __init__(
        self, *, user: str | None = None, password: str | None = None, port: int = 0
    ) -> None:
        self.host = "127.0.0.1"
        self.port = port  # 0: any free port
        self._user = user
        self._password = password
        self._lock = threading.Condition()
        self._messages: list[EmailMessage] = []
        self._envelopes: list[tuple[str | None, list[str]]] = []
        self.logins: list[str] = []  # user names that authenticated successfully
        self._controller: Controller | None = None

    def start(self) -> SMTPTestServer:
        # aiosmtpd's Controller needs a concrete port (it connects to it to
        # check the server is up): take a free one, retrying if it got reused.
        last: OSError | None = None
        for _ in range(5):
            port = self.port or free_port()
            controller = Controller(
                _Handler(self),
                hostname=self.host,
                port=port,
                authenticator=self._authenticate,
                auth_require_tls=False,
                ready_timeout=10,
            )
            try:
                controller.start()
            except OSError as exc:
                last = exc
                continue
            self._controller, self.port = controller, port
            return self
        raise RuntimeError("could not start the test SMTP server") from last

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SMTPTestServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return list(self._messages)

    @property
    def envelopes(self) -> list[tuple[str | None, list[str]]]:
        """``(MAIL FROM, RCPT TOs)`` for each accepted message."""
        with self._lock:
            return list(self._envelopes)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """Block until at least ``count`` messages arrived; return them all."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self._messages)} of {count} messages arrived")
                self._lock.wait(left)
            return list(self._messages)

    def _record(self, message: EmailMessage, envelope: Envelope) -> None:
        with self._lock:
            self._messages.append(message)
            self._envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self._lock.notify_all()

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = data.login.decode(), data.password.decode()
        if self._user is not None and (user, password) != (self._user, self._password):
            return AuthResult(success=False, handled=False)
        with self._lock:
            self.logins.append(user)
        return AuthResult(success=True)
