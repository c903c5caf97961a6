"""A scriptable loopback DNS server (UDP, dnslib) running in a daemon thread.

::

    with DNSTestServer() as dns_server:
        dns_server.add("api.test", "A", "10.0.0.1", "10.0.0.2")
        dns_server.add("api.test", "TXT", "v=spf1 -all")
        dns_server.drop("slow.test")      # queries for it are never answered
        dns_server.silent = True          # ... or for every name
        dns_server.servfail("broken.test")
        dns_server.nameserver             # "127.0.0.1:PORT", for Monitor.nameserver

Names nobody added answer NXDOMAIN (``missing.test`` always does); a name that
exists without the asked type answers NOERROR with no records.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from types import TracebackType

from dnslib import QTYPE, RCODE, RR, DNSRecord


def _norm(name: str) -> str:
    return name.rstrip(".").lower() + "."


class DNSTestServer:
    def __init__(self) -> None:
        self._records: dict[str, dict[str, list[str]]] = {}
        self._dropped: set[str] = set()
        self._servfail: set[str] = set()
        self._queries: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.05)
        self.port: int = self._sock.getsockname()[1]
        self._running = threading.Event()
        self.silent = False  # True: answer nothing at all
        self._thread = threading.Thread(target=self._serve, name="DNSTestServer", daemon=True)

    @property
    def nameserver(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> DNSTestServer:
        self._running.set()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._running.clear()
        if self._thread.is_alive():
            self._thread.join(5)
        self._sock.close()

    def __enter__(self) -> DNSTestServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def add(self, name: str, rtype: str, *values: str) -> None:
        """Add records in zone-file syntax (``"10 mail.test."`` for MX); TXT is quoted here."""
        rtype = rtype.upper()
        if rtype == "TXT":
            values = tuple('"' + v.replace('"', '\\"') + '"' for v in values)
        with self._lock:
            self._records.setdefault(_norm(name), {}).setdefault(rtype, []).extend(values)

    def drop(self, name: str) -> None:
        """Never answer queries for ``name``."""
        with self._lock:
            self._dropped.add(_norm(name))

    def servfail(self, name: str) -> None:
        with self._lock:
            self._servfail.add(_norm(name))

    def queries(self, name: str) -> int:
        with self._lock:
            return self._queries[_norm(name)]

    def _serve(self) -> None:
        while self._running.is_set():
            try:
                data, peer = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                break
            try:
                reply = self._answer(data)
            except Exception:
                continue  # not a DNS query: ignore, like a real server would
            if reply is not None:
                self._sock.sendto(reply, peer)

    def _answer(self, data: bytes) -> bytes | None:
        request = DNSRecord.parse(data)
        name = _norm(str(request.q.qname))
        rtype = QTYPE[request.q.qtype]
        with self._lock:
            self._queries[name] += 1
            if self.silent or name in self._dropped:
                return None
            servfail = name in self._servfail
            known = self._records.get(name)
            values = list(known.get(rtype, ())) if known else []
        reply = request.reply()
        if servfail:
            reply.header.rcode = RCODE.SERVFAIL
        elif known is None:
            reply.header.rcode = RCODE.NXDOMAIN
        for value in values:
            reply.add_answer(*RR.fromZone(f"{name} 60 IN {rtype} {value}"))
        packed: bytes = reply.pack()
        return packed
