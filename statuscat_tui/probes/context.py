"""Resources the probes share: pooled HTTP clients, SSL contexts, DNS resolvers."""

from __future__ import annotations

import http.cookiejar
import ipaddress
import ssl
import zlib
from types import TracebackType

import dns.asyncresolver
import dns.nameserver
import httpx

from statuscat_tui import __version__

USER_AGENT = f"StatusCat/{__version__}"
POOL_SHARDS = 16


def make_ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """A verifying client context: certifi's roots, the system's roots, plus ``ca_file``."""
    # httpx's default context (certifi roots, TLS >= 1.2); trust_env=False keeps
    # SSL_CERT_FILE from silently replacing the roots the user did not configure.
    ctx = httpx.create_ssl_context(trust_env=False)
    ctx.load_default_certs()
    if ca_file:
        ctx.load_verify_locations(cafile=ca_file)
    return ctx


def parse_nameserver(text: str) -> tuple[str, int]:
    """``"IP"``, ``"IP:PORT"``, ``"[IPv6]:PORT"`` or a bare IPv6 → (ip, port); ValueError else."""
    text = text.strip()
    port = 53
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ValueError(f"invalid nameserver {text!r}")
        if rest:
            port = int(rest[1:])
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = int(port_text)
    else:
        host = text
    ipaddress.ip_address(host)  # a name would need a resolver to find the resolver
    if not 0 < port < 65536:
        raise ValueError(f"invalid port in nameserver {text!r}")
    return host, port


class ProbeContext:
    """Shared state for probes, owned by the engine and used from one event loop.

    Holds one keep-alive ``httpx.AsyncClient`` per distinct (``ca_file``,
    ``max_redirects``), cached SSL contexts and DNS resolvers, so that a probe
    costs one request, not a client setup. ``max_connections`` caps each HTTP
    client's pool; a probe waiting for a free connection does so inside its own
    timeout. Cookies are never stored: monitors must not influence each other.
    Environment proxies are ignored on purpose: a probe measures the direct path.
    Close with :meth:`aclose` (or use ``async with``).
    """

    def __init__(self, *, max_connections: int = 500) -> None:
        self._limits = httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=5.0,
        )
        self._http_ssl: dict[str | None, ssl.SSLContext] = {}
        self._tls_ssl: dict[str | None, ssl.SSLContext] = {}
        self._clients: dict[tuple[str | None, int, int], httpx.AsyncClient] = {}
        self._resolvers: dict[str | None, dns.asyncresolver.Resolver] = {}
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("ProbeContext is closed")

    def tls_context(self, ca_file: str | None) -> ssl.SSLContext:
        """The cached verifying context for the TLS probe (kept apart from httpx's,
        which sets ALPN to http/1.1 on the contexts it uses)."""
        self._check_open()
        ctx = self._tls_ssl.get(ca_file)
        if ctx is None:
            ctx = self._tls_ssl[ca_file] = make_ssl_context(ca_file)
        return ctx

    def http_client(
        self, *, ca_file: str | None, max_redirects: int, shard: str = ""
    ) -> httpx.AsyncClient:
        """The shared client for this CA bundle and redirect limit (created on first use).

        ``shard`` (the monitor's id) spreads monitors over ``POOL_SHARDS`` pools:
        httpcore scans every connection of a pool for each request, which at
        thousands of monitors cost more than the requests themselves. A monitor
        always lands in the same pool, so its keep-alive connection is reused;
        the engine's semaphore still caps the checks in flight overall.
        """
        self._check_open()
        key = (ca_file, max_redirects, zlib.crc32(shard.encode()) % POOL_SHARDS)
        client = self._clients.get(key)
        if client is None:
            ssl_ctx = self._http_ssl.get(ca_file)
            if ssl_ctx is None:
                ssl_ctx = self._http_ssl[ca_file] = make_ssl_context(ca_file)
            client = httpx.AsyncClient(
                verify=ssl_ctx,
                follow_redirects=max_redirects > 0,
                max_redirects=max_redirects,
                # The probe's asyncio deadline bounds the whole exchange instead.
                timeout=httpx.Timeout(None),
                limits=self._limits,
                headers={"User-Agent": USER_AGENT},
                cookies=http.cookiejar.CookieJar(
                    policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
                ),
                trust_env=False,
            )
            self._clients[key] = client
        return client

    def dns_resolver(self, nameserver: str | None) -> dns.asyncresolver.Resolver:
        """A resolver asking ``nameserver`` ("IP" / "IP:PORT"), or the system's resolvers.

        Raises ValueError for a malformed nameserver and
        ``dns.resolver.NoResolverConfiguration`` when the system has none.
        """
        self._check_open()
        resolver = self._resolvers.get(nameserver)
        if resolver is None:
            if nameserver is None:
                resolver = dns.asyncresolver.Resolver()
            else:
                ip, port = parse_nameserver(nameserver)
                resolver = dns.asyncresolver.Resolver(configure=False)
                resolver.nameservers = [dns.nameserver.Do53Nameserver(ip, port)]
            self._resolvers[nameserver] = resolver
        return resolver

    async def aclose(self) -> None:
        """Close every pooled connection; the context cannot be used afterwards."""
        self._closed = True
        clients = list(self._clients.values())
        self._clients.clear()
        for client in clients:
            await client.aclose()

    async def __aenter__(self) -> ProbeContext:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
