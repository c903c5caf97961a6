"""Every hostile target of issue #8 on loopback, with the monitors that probe them.

:class:`ChaosTargets` starts, in daemon threads:

- an :class:`HTTPTestServer` with one hostile path per case (headers then hang,
  a body of one byte a second, a reset mid-body, garbage, an SSH banner, binary
  junk, a 50 MB body, a redirect loop, closing without an answer) and ``/ok``;
- :class:`TLSServers`: self-signed, expired and wrong-host certificates;
- a :class:`DNSTestServer` that answers NXDOMAIN for every name;
- a :class:`HoldServer`: accepts TCP connections and never answers, and on the
  same port swallows UDP datagrams: accept-then-hang, and a DNS server that never
  answers (over UDP and TCP);
- a :class:`RefusedPort`: a bound, never listening socket, so connecting to it is
  refused for as long as the targets run (no other program can take the port).

:meth:`ChaosTargets.hostile` lists one monitor per case with the exact reason
its probe must give, and :func:`config_text` writes a StatusCat config for them
and any healthy monitors. Used by ``tests/test_chaos_targets.py`` and
``benchmarks/chaos_soak.py``.

Two cases are reached through the ``dns`` monitor type's ``nameserver``, not an
``http`` monitor on a bad name: the system resolver cannot be pointed at a test
server, and on this machine (glibc, ``hosts: files dns``) even a name under
``.invalid`` is sent to the configured nameserver off the machine, so an
NXDOMAIN or a silent resolver for ``http`` could not be made on loopback alone.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from .dnsserver import DNSTestServer
from .httpserver import HTTPTestServer
from .tlsserver import TLSServers

MiB = 1024 * 1024
BIG_BODY = 50 * MiB
BIG_MARKER = "END-OF-BODY"  # looked for in the 50 MB body, which never contains it
SSH_BANNER = b"SSH-2.0-OpenSSH_9.6\r\nInvalid SSH identification string.\r\n"
BINARY_JUNK = bytes(range(256)) * 16


class RefusedPort:
    """A loopback TCP port that refuses connections: bound, never listening."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]

    def close(self) -> None:
        self._sock.close()


class HoldServer:
    """Accepts TCP connections and never answers; UDP datagrams to the same port vanish.

    What a client sends is read and dropped, so the server notices when the
    client hangs up and closes its side: a long run does not pile up sockets.
    ``held`` counts the connections open right now.
    """

    def __init__(self) -> None:
        self._tcp, self._udp = _tcp_and_udp_on_one_port()
        self.port: int = self._tcp.getsockname()[1]
        self._selector = selectors.DefaultSelector()
        self._waker_r, self._waker_w = socket.socketpair()
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._running = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="HoldServer", daemon=True)
        self.accepted = 0

    @property
    def held(self) -> int:
        with self._lock:
            return len(self._conns)

    def start(self) -> HoldServer:
        for sock in (self._tcp, self._udp, self._waker_r):
            sock.setblocking(False)
            self._selector.register(sock, selectors.EVENT_READ)
        self._running.set()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._running.clear()
        with contextlib.suppress(OSError):
            self._waker_w.send(b"x")
        if self._thread.is_alive():
            self._thread.join(5)
        for sock in (*self._conns, self._tcp, self._udp, self._waker_r, self._waker_w):
            sock.close()
        self._selector.close()

    def _serve(self) -> None:
        while self._running.is_set():
            for key, _ in self._selector.select(0.5):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                if sock is self._tcp:
                    self._accept()
                elif sock is self._udp:
                    with contextlib.suppress(OSError):
                        sock.recvfrom(65535)  # a DNS query nobody answers
                elif sock is not self._waker_r:
                    self._drain(sock)

    def _accept(self) -> None:
        try:
            conn, _ = self._tcp.accept()
        except OSError:
            return
        conn.setblocking(False)
        self._selector.register(conn, selectors.EVENT_READ)
        with self._lock:
            self._conns.add(conn)
            self.accepted += 1

    def _drain(self, conn: socket.socket) -> None:
        try:
            data = conn.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the client left
            self._selector.unregister(conn)
            conn.close()
            with self._lock:
                self._conns.discard(conn)


def _tcp_and_udp_on_one_port() -> tuple[socket.socket, socket.socket]:
    for _ in range(50):
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.bind(("127.0.0.1", 0))
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            udp.bind(("127.0.0.1", tcp.getsockname()[1]))
        except OSError:  # the UDP port is taken: try another
            tcp.close()
            udp.close()
            continue
        tcp.listen(128)
        return tcp, udp
    raise OSError("no loopback port free for both TCP and UDP")


@dataclass(frozen=True)
class Hostile:
    """One hostile monitor: its id, what the issue calls the case, YAML fields, the reason."""

    id: str
    case: str
    fields: str  # a YAML flow mapping's body, without the id
    reason: str  # exactly what the probe must say
    timeout: float


class ChaosTargets:
    """All hostile targets (see the module docstring); ``start()``/``stop()`` or ``with``."""

    def __init__(self, directory: Path | None = None) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if directory is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="statuscat-chaos-")
            directory = Path(self._tmp.name)
        directory.mkdir(parents=True, exist_ok=True)
        self.http = HTTPTestServer()
        self.tls = TLSServers(directory)
        self.nxdomain = DNSTestServer()  # knows no names: every query is NXDOMAIN
        self.hold = HoldServer()
        self.refused = RefusedPort()

    def start(self) -> ChaosTargets:
        self.http.start()
        self.tls.start()
        self.nxdomain.start()
        self.hold.start()
        http = self.http
        http.set("/ok", body="ok")
        http.set("/headers-then-hang", behaviour="headers_then_hang", body="x" * 100)
        http.set("/trickle", behaviour="trickle", body="x" * 100, trickle_interval=1.0)
        http.set("/reset", behaviour="reset", body_size=256 * 1024)
        http.set("/garbage", behaviour="garbage")
        http.set("/ssh", behaviour="raw", body=SSH_BANNER)
        http.set("/binary", behaviour="raw", body=BINARY_JUNK)
        http.set("/big", body_size=BIG_BODY)
        http.set("/closed", behaviour="close")
        http.redirect("/loop", "/loop")
        return self

    def stop(self) -> None:
        self.http.stop()
        self.tls.stop()
        self.nxdomain.stop()
        self.hold.stop()
        self.refused.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> ChaosTargets:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def hostile(self, timeout: float = 1.0) -> list[Hostile]:
        """One monitor per hostile case, each with ``timeout`` and its expected reason."""
        t = _duration(timeout)
        after = f"timed out after {t}"
        web = self.http.url
        ca = f"ca_file: '{self.tls.ca_file}'"
        bad_cert = "certificate verification failed: "
        hold = f"127.0.0.1:{self.hold.port}"

        def tls(port: int) -> str:
            return f"type: tls, host: 127.0.0.1, port: {port}, {ca}"

        cases = [
            ("refused", "connection refused", f"url: 'http://127.0.0.1:{self.refused.port}/'",
             "connection refused"),
            ("refused-tcp", "connection refused (tcp)",
             f"type: tcp, host: 127.0.0.1, port: {self.refused.port}", "connection refused"),
            ("accept-hang", "accept, then hang", f"url: 'http://{hold}/'",
             f"{after} (no response headers)"),
            ("accept-hang-tls", "accept, then hang (TLS handshake)", tls(self.hold.port),
             f"{after} during TLS handshake"),
            ("headers-hang", "headers, then hang", f"url: '{web('/headers-then-hang')}'",
             f"{after} reading body"),
            ("trickle", "one byte a second", f"url: '{web('/trickle')}'",
             f"{after} reading body"),
            ("reset", "connection reset mid-body", f"url: '{web('/reset')}'",
             "connection reset by peer while reading body"),
            ("garbage", "garbage instead of HTTP", f"url: '{web('/garbage')}'",
             "not an HTTP response: 'garbage'"),
            ("ssh", "another protocol (SSH banner)", f"url: '{web('/ssh')}'",
             "not an HTTP response: 'SSH-2.0-OpenSSH_9.6'"),
            ("binary", "binary junk instead of HTTP", f"url: '{web('/binary')}'",
             "not an HTTP response (binary data)"),
            ("closed", "closed without an answer", f"url: '{web('/closed')}'",
             "server closed the connection without a response"),
            ("big-body", "a 50 MB body",
             f"url: '{web('/big')}', expect: {{body_contains: {BIG_MARKER}}}",
             f"body does not contain '{BIG_MARKER}' (in the first 1 MiB)"),
            ("redirect-loop", "a redirect loop", f"url: '{web('/loop')}'",
             "too many redirects (>5)"),
            ("self-signed", "self-signed certificate", tls(self.tls.self_signed.port),
             bad_cert + "self-signed certificate"),
            ("expired", "expired certificate", tls(self.tls.expired.port),
             bad_cert + "certificate has expired"),
            ("wrong-host", "wrong-host certificate", tls(self.tls.wrong_host.port),
             bad_cert + "IP address mismatch, certificate is not valid for '127.0.0.1'."),
            ("https-self-signed", "self-signed certificate (https)",
             f"url: '{self.tls.self_signed.url('/')}', {ca}",
             bad_cert + "self-signed certificate"),
            ("https-expired", "expired certificate (https)",
             f"url: '{self.tls.expired.url('/')}', {ca}", bad_cert + "certificate has expired"),
            ("nxdomain", "an NXDOMAIN name",
             f"type: dns, host: nosuch.test, record: A, nameserver: '{self.nxdomain.nameserver}'",
             "NXDOMAIN: no such name"),
            ("dns-silent", "a DNS server that never answers",
             f"type: dns, host: api.test, record: A, nameserver: '{hold}'",
             f"{after} (no DNS answer)"),
        ]  # fmt: skip
        return [Hostile(i, case, f, reason, timeout) for i, case, f, reason in cases]


def _duration(seconds: float) -> str:
    """A config duration and the probes' wording alike: ``1s``, ``1.5s``, ``500ms``."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    return f"{seconds:.2f}".rstrip("0").rstrip(".") + "s"


def config_text(
    hostile: list[Hostile],
    healthy_urls: list[str],
    *,
    interval: float,
    healthy_interval: float,
    healthy_timeout: float | None = None,
    retry_interval: float = 0.5,
    listen_port: int | None = None,
) -> str:
    """A config: ``hostile`` monitors, then one ``ok<N>`` http monitor per healthy URL.

    Hostile monitors confirm a failure after two failing checks
    ``retry_interval`` apart; healthy ones use the same confirmation and, unless
    ``healthy_timeout`` says otherwise, their interval as timeout.
    """
    healthy_timeout = healthy_timeout or healthy_interval
    lines = []
    if listen_port is not None:
        lines.append(f"settings: {{listen: '127.0.0.1:{listen_port}'}}")
    lines += [
        "defaults:",
        f"  confirm: {{failures: 2, retry_interval: {_duration(retry_interval)}, successes: 1}}",
        "monitors:",
    ]
    for h in hostile:
        lines.append(
            f"  - {{id: {h.id}, {h.fields}, interval: {_duration(interval)},"
            f" timeout: {_duration(h.timeout)}}}"
        )
    for n, url in enumerate(healthy_urls):
        lines.append(
            f"  - {{id: ok{n}, url: '{url}', interval: {_duration(healthy_interval)},"
            f" timeout: {_duration(healthy_timeout)}}}"
        )
    return "\n".join(lines) + "\n"


def start_engine(cfg: Path, db: Path, log: Path) -> subprocess.Popen[bytes]:
    """The real ``statuscat run --headless`` on ``cfg``, logging to ``log``.

    Its own HOME and no XDG_* variables, so nothing of the user's is read.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update(HOME=str(db.parent / "home"), PYTHONUNBUFFERED="1")
    root = Path(__file__).resolve().parents[2]
    argv = [sys.executable, "-m", "statuscat_tui.cli", "run", "--headless"]
    with log.open("w") as out:
        return subprocess.Popen(
            [*argv, "-c", str(cfg), "--db", str(db)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=root,
        )
