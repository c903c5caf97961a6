"""The outbound policy (``core.outbound``) enforced while a notification is sent.

Every connection a notification plugin makes starts with ``socket.getaddrinfo``
(requests/urllib3 for every HTTP plugin and each redirect it follows, smtplib
for mailto://, Apprise's own socket transport). While a :func:`guarded` block
runs in a thread, that call is answered by its :class:`Guard`: a metadata host
name is refused; otherwise the name is resolved once with the guard's resolver
and the whole answer is refused if ANY address in it is blocked. The caller
then connects to exactly the addresses that were checked: there is no second
lookup for DNS rebinding to change in between.

A ``socket.connect``/``sendto``/``sendmsg`` audit hook is the backstop for
code that hands a socket an address without asking ``getaddrinfo`` (Apprise's
rsyslog:// sends UDP to a host name): a numeric address is checked as it is.
Python resolves a host name given to a socket before that audit event fires,
so for a name the hook checks its own lookup of it — a rebinding window left
for such plugins only. Through an HTTP(S) proxy the proxy resolves the
destination; only the proxy's own address is seen here.

Both hooks are process-wide but only act in a thread inside :func:`guarded`;
elsewhere they pass straight through.
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from statuscat_tui.core.outbound import (
    ALLOW_KEY,
    KIND,
    OutboundPolicy,
    Refusal,
    parse_address,
)
from statuscat_tui.notify.redact import MASK

# socket.getaddrinfo's positional signature: host, port, family, type, proto, flags.
Resolver = Callable[[str, int | str | None, int, int, int, int], Sequence[tuple[Any, ...]]]
_EVENTS = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg"})
_local = threading.local()
_install_lock = threading.Lock()
_installed = False
_system: Callable[..., Any] = socket.getaddrinfo  # what our wrapper replaced


class Refused(socket.gaierror):
    """Raised inside the plugin's lookup or connect; it fails like an unknown host."""


@dataclass
class Guard:
    """One delivery's checks; ``refusal`` is set once something was refused."""

    policy: OutboundPolicy
    resolver: Resolver
    refusal: Refusal | None = None
    approved: set[str] = field(default_factory=set)  # addresses handed out after checks

    def resolve(
        self, host: str, port: int | str | None, family: int, kind: int, proto: int, flags: int
    ) -> Sequence[tuple[Any, ...]]:
        if (refusal := self.policy.check_host(host)) is not None:
            self._refuse(refusal)
        infos = self.resolver(host, port, family, kind, proto, flags)
        for info in infos:
            address = info[4][0]
            if isinstance(address, str) and (
                refusal := self.policy.check_address(address, host=host, via=host)
            ):
                self._refuse(refusal)  # one bad answer is enough: no "try the next one"
        self.approved.update(str(a) for info in infos if (a := parse_address(str(info[4][0]))))
        return infos

    def check_destination(self, address: object) -> None:
        """An address given to connect/sendto/sendmsg (the audit hook's backstop)."""
        if not (isinstance(address, tuple) and address and isinstance(address[0], str)):
            return  # AF_UNIX paths and the like
        host = address[0]
        if host in ("", "<broadcast>"):
            return
        ip = parse_address(host)
        if ip is None:  # a name the socket resolved by itself: check our lookup of it
            port = address[1] if len(address) > 1 else None
            self.resolve(host, port, 0, 0, 0, 0)
        elif str(ip) not in self.approved and (refusal := self.policy.check_address(ip, host=host)):
            self._refuse(refusal)

    def _refuse(self, refusal: Refusal) -> None:
        if self.refusal is None:
            self.refusal = refusal
        raise Refused(socket.EAI_NONAME, f"refused by the outbound policy ({refusal.explain()})")


def refusal_detail(refusal: Refusal, secrets: Sequence[str]) -> str:
    """The delivery failure's reason: ``refused: hooks.example → 169.254.169.254 (…) is …``.

    The host is masked when it is one of the URL's secrets (a token in the host
    position); the rest is addresses and policy words, nothing from the URL.
    """
    if refusal.host in secrets:
        refusal = replace(refusal, host=MASK)
    return f"refused: {refusal.explain()} is a {KIND} destination not listed in {ALLOW_KEY}"


@contextmanager
def guarded(policy: OutboundPolicy, resolver: Resolver | None = None) -> Iterator[Guard]:
    """Check every lookup and connection made in this thread until the block ends.

    ``resolver`` answers the lookups (default: the system's ``getaddrinfo``);
    the connections go to the addresses it returned.
    """
    _install()
    if resolver is None or resolver is _guarded_getaddrinfo:
        resolver = _system
    guard = Guard(policy, resolver)
    outer = getattr(_local, "guard", None)
    _local.guard = guard
    try:
        yield guard
    finally:
        _local.guard = outer


def _guarded_getaddrinfo(
    host: bytes | str | None,
    port: bytes | str | int | None,
    family: int = 0,
    type: int = 0,  # socket.getaddrinfo's own keyword name
    proto: int = 0,
    flags: int = 0,
) -> Any:
    guard: Guard | None = getattr(_local, "guard", None)
    if guard is None or host is None:
        return _system(host, port, family, type, proto, flags)
    name = host.decode("ascii", "replace") if isinstance(host, bytes) else host
    service = port.decode("ascii", "replace") if isinstance(port, bytes) else port
    return guard.resolve(name, service, family, type, proto, flags)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event not in _EVENTS:
        return
    guard: Guard | None = getattr(_local, "guard", None)
    if guard is not None and len(args) >= 2:
        guard.check_destination(args[1])


def _install() -> None:
    """Put both hooks in place, once.

    Never re-installed over a later replacement of ``socket.getaddrinfo``: the
    replacement may call ours, and wrapping it would loop. Should that happen,
    the audit hook still checks every address connected to.
    """
    global _system, _installed
    with _install_lock:
        if _installed:
            return
        _system = socket.getaddrinfo
        socket.getaddrinfo = _guarded_getaddrinfo
        sys.addaudithook(_audit)  # cannot be removed; inert outside a guard
        _installed = True
