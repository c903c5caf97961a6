"""Loopback HTTPS servers with good and bad certificates, for the TLS and HTTP probes.

:class:`TLSServers` starts one :class:`HTTPTestServer` per certificate:

- ``valid``: for ``localhost`` and ``127.0.0.1``, from a trustme CA whose
  certificate is written to ``ca_file`` (give it to the probe as ``Monitor.ca_file``);
- ``expiring``: same CA, expires in 3 days (and an hour, so it reads "3 days");
- ``expired``: same CA, expired yesterday;
- ``wrong_host``: same CA, but issued for ``wrong.example`` only;
- ``self_signed``: a self-signed certificate for ``localhost``/``127.0.0.1``.

Each serves ``/`` with 200 ``ok``; set more routes as on any HTTPTestServer.
"""

from __future__ import annotations

import ipaddress
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .httpserver import HTTPTestServer

DAY = timedelta(days=1)


def _server_context() -> ssl.SSLContext:
    return ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)


def self_signed_context(directory: Path, hostname: str = "localhost") -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate for hostname and 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - DAY)
        .not_valid_after(now + 90 * DAY)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(hostname), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "self-signed.pem"
    key_path = directory / "self-signed.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ctx = _server_context()
    ctx.load_cert_chain(cert_path, key_path)
    return ctx


class TLSServers:
    """The five servers described in the module docstring; ``start()``/``stop()``."""

    def __init__(self, directory: Path) -> None:
        now = datetime.now(UTC)
        self.ca = trustme.CA()
        self.ca_file = str(directory / "ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_file)

        def issued(
            *names: str, not_before: datetime | None = None, not_after: datetime | None = None
        ) -> ssl.SSLContext:
            ctx = _server_context()
            cert = self.ca.issue_cert(*names, not_before=not_before, not_after=not_after)
            cert.configure_cert(ctx)
            return ctx

        self.valid = HTTPTestServer(ssl_context=issued("localhost", "127.0.0.1"))
        self.expiring = HTTPTestServer(
            ssl_context=issued(
                "localhost", "127.0.0.1", not_after=now + 3 * DAY + timedelta(hours=1)
            )
        )
        self.expired = HTTPTestServer(
            ssl_context=issued(
                "localhost", "127.0.0.1", not_before=now - 30 * DAY, not_after=now - DAY
            )
        )
        self.wrong_host = HTTPTestServer(ssl_context=issued("wrong.example"))
        self.self_signed = HTTPTestServer(ssl_context=self_signed_context(directory))
        self.all = [self.valid, self.expiring, self.expired, self.wrong_host, self.self_signed]

    def start(self) -> TLSServers:
        for server in self.all:
            server.start()
            server.set("/", body="ok")
        return self

    def stop(self) -> None:
        for server in self.all:
            server.stop()

    def __enter__(self) -> TLSServers:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
