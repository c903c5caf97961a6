"""Where a notification may go: link-local and cloud metadata addresses are refused.

A page is an outbound request built from configuration. Pointed at a cloud
provider's instance metadata service (``http://169.254.169.254/…``), it would
hand an attacker who can edit ``people[].notify`` — or the DNS of a host named
there — the machine's credentials. So these destinations are refused unless
listed in ``settings.notify_allow`` (addresses, CIDR ranges or host names).
Loopback and private (RFC 1918, ULA) addresses stay allowed: teams self-host
ntfy and webhook receivers on them.

This module is pure (parsing and matching, no DNS): the configuration check
uses it on the hosts written in a URL, and ``notify.outbound`` on every name a
delivery resolves and every address it connects to.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOW_KEY = "settings.notify_allow"
KIND = "link-local/cloud metadata"

# Refused by default, each with what it is. Sources: the providers' metadata
# documentation and cloud-init's datasources.
BLOCKED_NETWORKS: tuple[tuple[IPNetwork, str], ...] = (
    # Link-local, where nearly every cloud serves its metadata at 169.254.169.254:
    # AWS (IMDS; ECS task credentials 169.254.170.2, EKS Pod Identity 169.254.170.23),
    # Google Cloud, Azure (IMDS), Oracle Cloud, OpenStack, DigitalOcean, Hetzner,
    # Akamai/Linode, Huawei, IBM; Tencent Cloud 169.254.0.23; Scaleway 169.254.42.42.
    (ipaddress.ip_network("169.254.0.0/16"), "link-local"),
    (ipaddress.ip_network("fe80::/10"), "link-local"),
    # Outside link-local:
    (ipaddress.ip_network("100.100.100.200/32"), "Alibaba Cloud metadata"),
    (ipaddress.ip_network("168.63.129.16/32"), "Azure WireServer"),  # public, host-only
    (ipaddress.ip_network("192.0.0.192/32"), "Oracle Cloud Classic metadata"),
    # AWS's IPv6 service block: IMDS fd00:ec2::254, EKS Pod Identity fd00:ec2::23.
    (ipaddress.ip_network("fd00:ec2::/32"), "AWS IPv6 metadata"),
    (ipaddress.ip_network("fd20:ce::254/128"), "Google Cloud IPv6 metadata"),
    (ipaddress.ip_network("fd00:c1::a9fe:a9fe/128"), "Oracle Cloud IPv6 metadata"),
    (ipaddress.ip_network("fd00:a9fe:a9fe::1/128"), "Akamai/Linode IPv6 metadata"),
    (ipaddress.ip_network("fd00:42::42/128"), "Scaleway IPv6 metadata"),
)
# Host names of metadata services, refused by name whatever they resolve to here.
METADATA_HOSTS: dict[str, str] = {
    "metadata.google.internal": "Google Cloud metadata",
    "metadata": "Google Cloud metadata",  # the short name, via the VM's DNS search path
    "instance-data": "AWS metadata",  # resolves to 169.254.169.254 inside EC2
    "instance-data.ec2.internal": "AWS metadata",
    "metadata.tencentyun.com": "Tencent Cloud metadata",
    "metadata.platformequinix.com": "Equinix Metal metadata",
    "metadata.packet.net": "Equinix Metal metadata",  # its former name
    "rancher-metadata": "Rancher metadata",
}
# IPv6 forms that carry an IPv4 address the connection really goes to.
_EMBEDDING_V4: tuple[ipaddress.IPv6Network, ...] = (
    ipaddress.IPv6Network("::ffff:0:0/96"),  # IPv4-mapped: a dual-stack socket connects to it
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # IPv4-translated (SIIT)
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64 well-known prefix
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated)
)
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})  # IDNA label separators
# Query parameters of an Apprise URL that name a server (mailto's smtp=).
_HOST_PARAMS = ("smtp",)


@dataclass(frozen=True)
class Refusal:
    """Why a host or address is refused: ``host`` as written, ``address`` what it is."""

    host: str
    address: str  # canonical address, or the host name itself
    what: str  # "link-local", "Alibaba Cloud metadata", …

    def explain(self) -> str:
        """``169.254.169.254 (link-local)``, ``0xa9fea9fe → 169.254.169.254 (link-local)``."""
        written = normalize_host(self.host)
        if written == self.address or (":" in written and parse_address(written) is not None):
            return f"{written} ({self.what})"  # IPv6 spellings are all plain enough
        return f"{self.host} → {self.address} ({self.what})"

    def message(self, subject: str) -> str:
        """The configuration check's message about ``subject`` (a redacted label)."""
        return (
            f"{subject} points to a {KIND} address: {self.explain()}; "
            f"notifications there are refused unless listed in {ALLOW_KEY}"
        )


class OutboundPolicy:
    """The default block list, less what ``settings.notify_allow`` lists."""

    def __init__(self, allow: Iterable[str] = ()) -> None:
        networks: list[IPNetwork] = []
        names: set[str] = set()
        for entry in allow:
            parsed = parse_allow_entry(entry)
            if isinstance(parsed, str):
                names.add(parsed)
            elif parsed is not None:
                networks.append(parsed)
        self.allowed_networks = tuple(networks)
        self.allowed_names = frozenset(names)

    def check_host(self, host: str, *, short_names: bool = True) -> Refusal | None:
        """Why ``host`` (a name or address in any spelling) is refused, or None.

        ``short_names=False`` skips one-label metadata names (``metadata``): in a
        URL's host position they are often not host names (``ntfy://metadata`` is
        a topic on ntfy.sh); a delivery still refuses them if it looks them up.
        """
        name = normalize_host(host)
        if not name or name in self.allowed_names:
            return None
        address = parse_address(name)
        if address is not None:
            return self.check_address(address, host=host)
        what = METADATA_HOSTS.get(name)
        if what is None or (not short_names and "." not in name):
            return None
        return Refusal(host, name, what)

    def check_address(
        self, address: IPAddress | str, *, host: str | None = None, via: str | None = None
    ) -> Refusal | None:
        """Why connecting to ``address`` is refused, or None.

        ``via`` is the name it was resolved from: an allowed name allows the
        addresses it resolves to.
        """
        ip = address if not isinstance(address, str) else parse_address(address)
        if ip is None:
            return None
        if via is not None and normalize_host(via) in self.allowed_names:
            return None
        what = blocked_kind(ip)
        if what is None or self._allowed(ip):
            return None
        return Refusal(host if host is not None else str(ip), str(ip), what)

    def check_url(self, url: str) -> Refusal | None:
        """The first refused host written in an Apprise URL (its host, ``?smtp=``)."""
        for host in url_hosts(url):
            if refusal := self.check_host(host, short_names=False):
                return refusal
        return None

    def url_problem(self, url: str) -> str | None:
        """The configuration check's message for ``url``, or None when it may be used.

        It names the URL as ``scheme://host[:port]/…``: never its user,
        password, path or query, where secrets live.
        """
        refusal = self.check_url(url)
        if refusal is None:
            return None
        scheme, _, rest = url.partition("://")
        netloc, tail = _split_netloc(rest)
        hostport = netloc.rpartition("@")[2]
        hosts = url_hosts(f"{scheme}://{hostport}")
        if not hosts or hosts[0] != refusal.host:  # from ?smtp=: the host may be a token
            return refusal.message(f"{scheme}://…")
        return refusal.message(f"{scheme}://{hostport}{'/…' if tail.strip('/') else ''}")

    def _allowed(self, ip: IPAddress) -> bool:
        candidates = [ip]
        if (inner := embedded_ipv4(ip)) is not None:
            candidates.append(inner)
        return any(c in net for c in candidates for net in self.allowed_networks)


def blocked_kind(ip: IPAddress) -> str | None:
    """What ``ip`` is when the default list refuses it, e.g. ``link-local``; else None."""
    inner = embedded_ipv4(ip)
    for network, what in BLOCKED_NETWORKS:
        if ip in network:
            return what
        if inner is not None and inner in network:
            return f"{what}, embedded IPv4 {inner}"
    return None


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, -translated, -compatible or NAT64 address."""
    if not isinstance(ip, ipaddress.IPv6Address) or int(ip) <= 1:  # :: and ::1 are not
        return None
    for network in _EMBEDDING_V4:
        if ip in network:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def normalize_host(host: str) -> str:
    """Lower case, NFKC (full-width digits and dots), no brackets, zone or final dot."""
    text = unicodedata.normalize("NFKC", unquote(host)).translate(_DOTS).strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text = text.partition("%")[0] if ":" in text else text  # fe80::1%eth0
    return text[:-1] if text.endswith(".") and not text.endswith("..") else text


def parse_address(host: str) -> IPAddress | None:
    """``host`` as the C resolver reads a numeric host, or None for a name.

    Besides dotted quads that includes what ``inet_aton`` accepts — one to four
    parts, each decimal, octal (``0251``) or hex (``0xa9``), the last filling
    the remaining bytes: ``2852039166``, ``0xa9fea9fe``, ``169.254.43518`` are
    all 169.254.169.254 to ``getaddrinfo`` (and so to requests and smtplib).
    """
    text = normalize_host(host)
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            return None
    return _inet_aton(text)


def _inet_aton(text: str) -> ipaddress.IPv4Address | None:
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values: list[int] = []
    for part in parts:
        if part[:2] in ("0x", "0X"):
            digits, base = part[2:], 16
        elif len(part) > 1 and part.startswith("0"):
            digits, base = part[1:], 8
        else:
            digits, base = part, 10
        if not (digits.isascii() and digits.isalnum()):  # int() would take " 1", "1_0"
            return None
        try:
            values.append(int(digits, base))
        except ValueError:
            return None
    *head, last = values
    if any(v > 0xFF for v in head) or last >= 1 << (8 * (4 - len(head))):
        return None
    number = last
    for index, value in enumerate(head):
        number |= value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def url_hosts(url: str) -> list[str]:
    """The servers an Apprise URL names: its host (when host-shaped) and ``?smtp=``."""
    _scheme, sep, rest = url.partition("://")
    if not sep:
        return []
    netloc, tail = _split_netloc(rest)
    hostport = netloc.rpartition("@")[2]
    hosts: list[str] = []
    if hostport.startswith("["):
        hosts.append(hostport[1:].partition("]")[0])
    elif hostport.count(":") == 1:
        host, _, port = hostport.partition(":")
        if port.isdigit() or not port:  # else not host:port, e.g. tgram://BOT:TOKEN/
            hosts.append(host)
    elif hostport:
        hosts.append(hostport)
    query = tail.partition("?")[2].partition("#")[0]
    hosts += [v for k, v in parse_qsl(query) if k.lower() in _HOST_PARAMS and v]
    return hosts


def _split_netloc(rest: str) -> tuple[str, str]:
    end = min((i for c in "/?#" if (i := rest.find(c)) >= 0), default=len(rest))
    return rest[:end], rest[end:]


def parse_allow_entry(entry: str) -> IPNetwork | str | None:
    """An allow-list entry as a network (address or CIDR) or a host name; None if neither."""
    text = entry.strip()
    if "/" in text:
        try:
            return ipaddress.ip_network(normalize_host(text), strict=False)
        except ValueError:
            return None
    address = parse_address(text)
    if address is not None:
        return ipaddress.ip_network(address)
    name = normalize_host(text)
    labels = name.split(".")
    if len(name) > 253 or labels[-1].isdigit():  # 300.1.1.1 is a mistyped address
        return None
    return name if all(_LABEL.fullmatch(label) for label in labels) else None
