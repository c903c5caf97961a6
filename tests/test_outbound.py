"""Notifications never reach link-local or cloud metadata addresses unless allowed.

The policy's tables, the spellings the C resolver accepts, the configuration
check (``statuscat check`` as a subprocess), and real ``deliver()`` calls
against loopback HTTP, SMTP and UDP receivers, with DNS answered by a table
(the resolver is the one part replaced: no test can change the system's DNS).

Safety: a broken guard must not send anything to a real metadata service (this
machine may run in a cloud). Tests that could leak if the guard failed either
put a live loopback receiver first in the DNS answer (a leak shows up there,
never reaching 169.254.169.254) or use names that real DNS does not resolve.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from statuscat_tui.config import ConfigError, parse_config
from statuscat_tui.core.incidents import EventKind
from statuscat_tui.core.outbound import (
    OutboundPolicy,
    parse_address,
    parse_allow_entry,
    url_hosts,
)
from statuscat_tui.core.states import MonitorState
from statuscat_tui.engine.engine import Engine
from statuscat_tui.notify import Delivery, Message, deliver, validate_target
from tests.support.httpserver import HTTPTestServer
from tests.support.smtpserver import SMTPTestServer
from tests.support.wait import wait_for

ROOT = Path(__file__).resolve().parent.parent
PAGE = Message("[SEV1] Checkout API down", "Checkout is failing its health check.")
METADATA = "169.254.169.254"
# A link-local address nobody has: connecting to it fails at once (no scope id,
# no route), so an allowed attempt is seen as a connection error and sends nothing.
UNREACHABLE_LL = "fe80::5ca7:c0de:1"
POLICY = OutboundPolicy()


class FakeDNS:
    """A getaddrinfo-shaped resolver answering from a table; records every lookup."""

    def __init__(self, table: dict[str, Sequence[str]]) -> None:
        self.table = table
        self.lookups: list[str] = []

    def __call__(
        self, host: str, port: int | str | None, family: int, kind: int, proto: int, flags: int
    ) -> list[tuple[Any, ...]]:
        self.lookups.append(host)
        literal = parse_address(host)
        if literal is None and host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        number = int(port or 0)
        answers: list[tuple[Any, ...]] = []
        for address in [str(literal)] if literal is not None else self.table[host]:
            if ":" in address:
                answers.append(
                    (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, number, 0, 0))
                )
            else:
                answers.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, number)))
        return answers


def refused(result: Delivery) -> bool:
    return not result.ok and not result.retryable and result.detail.startswith("refused: ")


# -- the policy: which hosts and addresses are refused --------------------------

BLOCKED = [
    # (as written, the address it is)
    ("169.254.169.254", METADATA),  # AWS, GCP, Azure, Oracle, OpenStack, DigitalOcean…
    ("169.254.170.2", "169.254.170.2"),  # AWS ECS task credentials
    ("169.254.0.23", "169.254.0.23"),  # Tencent Cloud
    ("2852039166", METADATA),  # dotless decimal
    ("0xa9fea9fe", METADATA),  # dotless hex
    ("0xA9FEA9FE", METADATA),
    ("0x00000000a9fea9fe", METADATA),
    ("0251.0376.0251.0376", METADATA),  # dotted octal
    ("0251.00376.000251.0000376", METADATA),  # octal, padded
    ("0xa9.0xfe.0xa9.0xfe", METADATA),  # dotted hex
    ("0251.254.169.254", METADATA),  # mixed
    ("169.254.43518", METADATA),  # short form: the last part fills two bytes
    ("169.16689662", METADATA),  # and three
    ("169.254.169.254.", METADATA),  # a final dot (Apprise drops it)
    ("１６９．２５４．１６９．２５４", METADATA),  # full-width digits and dots (IDNA maps them)
    ("[::ffff:169.254.169.254]", "::ffff:a9fe:a9fe"),  # IPv4-mapped
    ("::ffff:a9fe:a9fe", "::ffff:a9fe:a9fe"),
    ("0:0:0:0:0:ffff:a9fe:a9fe", "::ffff:a9fe:a9fe"),
    ("64:ff9b::a9fe:a9fe", "64:ff9b::a9fe:a9fe"),  # NAT64
    ("fe80::1", "fe80::1"),
    ("[fe80::1%25eth0]", "fe80::1"),  # with a zone, as written in a URL
    ("fe80::1%eth0", "fe80::1"),
    ("fd00:ec2::254", "fd00:ec2::254"),  # AWS IMDS over IPv6
    ("FD00:EC2::23", "fd00:ec2::23"),  # AWS EKS Pod Identity over IPv6
    ("fd20:ce::254", "fd20:ce::254"),  # Google Cloud, IPv6
    ("fd00:c1::a9fe:a9fe", "fd00:c1::a9fe:a9fe"),  # Oracle Cloud, IPv6
    ("fd00:a9fe:a9fe::1", "fd00:a9fe:a9fe::1"),  # Akamai/Linode, IPv6
    ("fd00:42::42", "fd00:42::42"),  # Scaleway, IPv6
    ("100.100.100.200", "100.100.100.200"),  # Alibaba Cloud
    ("::ffff:100.100.100.200", "::ffff:6464:64c8"),
    ("168.63.129.16", "168.63.129.16"),  # Azure WireServer
    ("192.0.0.192", "192.0.0.192"),  # Oracle Cloud Classic
    ("metadata.google.internal", "metadata.google.internal"),
    ("METADATA.Google.Internal.", "metadata.google.internal"),
    ("metadata", "metadata"),
    ("instance-data", "instance-data"),
    ("metadata.tencentyun.com", "metadata.tencentyun.com"),
]
ALLOWED = [
    "127.0.0.1",
    "127.1",
    "::1",
    "[::1]",
    "::ffff:127.0.0.1",
    "10.0.0.5",
    "172.16.0.1",
    "192.168.1.10",
    "fd00::2",  # unique-local, not a metadata address
    "100.64.0.1",  # carrier-grade NAT (Tailscale)
    "93.184.216.34",
    "hooks.example.com",
    "metadata.example.com",
    "ntfy.sh",
    "7147006462",  # more than 32 bits: the C resolver reads a name, not an address
    "425.510.425.510",
]


@pytest.mark.parametrize(("host", "address"), BLOCKED)
def test_metadata_and_link_local_hosts_are_refused(host: str, address: str) -> None:
    refusal = POLICY.check_host(host)
    assert refusal is not None
    assert refusal.address == address
    assert refusal.host == host


@pytest.mark.parametrize("host", ALLOWED)
def test_loopback_private_and_public_hosts_are_allowed(host: str) -> None:
    assert POLICY.check_host(host) is None


@pytest.mark.parametrize(
    "spelling",
    [
        "169.254.169.254",
        "2852039166",
        "0xa9fea9fe",
        "0x00000000a9fea9fe",
        "0251.0376.0251.0376",
        "0251.00376.000251.0000376",
        "0xa9.0xfe.0xa9.0xfe",
        "0251.254.169.254",
        "169.254.43518",
        "169.16689662",
        "169.254.169.0254",  # octal 0254 = 172: a different address, as libc says
        "127.1",
        "0",
        "4294967296",  # rejected by both
        "7147006462",
        "425.510.425.510",
        "0x41414141a9fea9fe",
        "08.1.1.1",  # 8 is no octal digit
        "0x",
        "1..2",
        "1.2.3.4.5",
        "1_0.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",
    ],
)
def test_numeric_spellings_read_as_the_c_resolver_reads_them(spelling: str) -> None:
    """The config check sees the address requests/urllib3 and smtplib would connect to."""
    try:
        infos = socket.getaddrinfo(spelling, None, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
        libc: str | None = str(parse_address(infos[0][4][0]))
    except (socket.gaierror, UnicodeError):  # "1..2" fails in the IDNA codec first
        libc = None
    mine = parse_address(spelling)
    assert (str(mine) if mine is not None else None) == libc


def test_allow_by_address_covers_every_spelling_of_it_and_nothing_else() -> None:
    policy = OutboundPolicy([METADATA])
    for host in ("169.254.169.254", "0xa9fea9fe", "2852039166", "[::ffff:169.254.169.254]"):
        assert policy.check_host(host) is None, host
    assert policy.check_host("169.254.170.2") is not None
    assert policy.check_host("fd00:ec2::254") is not None
    # A metadata *name* is refused by name: list the name to allow it.
    assert policy.check_host("metadata.google.internal") is not None


def test_allow_by_cidr() -> None:
    policy = OutboundPolicy(["169.254.0.0/16", "fd00:ec2::/32"])
    for host in ("169.254.1.1", "169.254.169.254", "fd00:ec2::254", "fd00:ec2::23"):
        assert policy.check_host(host) is None, host
    assert policy.check_host("fe80::1") is not None
    assert policy.check_host("100.100.100.200") is not None


def test_allow_by_host_name_covers_that_name_and_what_it_resolves_to() -> None:
    policy = OutboundPolicy(["metadata.google.internal", "Hooks.Internal.Example."])
    assert policy.check_host("metadata.google.internal") is None
    assert policy.check_address(METADATA, via="metadata.google.internal") is None
    assert policy.check_address(METADATA, via="hooks.internal.example") is None
    # The same address reached by another name, or directly, is still refused.
    assert policy.check_address(METADATA, via="harmless.example.com") is not None
    assert policy.check_host(METADATA) is not None
    assert policy.check_host("metadata") is not None


@pytest.mark.parametrize(
    ("entry", "parsed"),
    [
        ("169.254.169.254", "169.254.169.254/32"),
        ("0xa9fea9fe", "169.254.169.254/32"),
        ("169.254.0.0/16", "169.254.0.0/16"),
        ("169.254.169.254/16", "169.254.0.0/16"),  # host bits set: the range is meant
        ("fd00:ec2::/32", "fd00:ec2::/32"),
        ("[fe80::1]", "fe80::1/128"),
        ("Metadata.Google.Internal", "metadata.google.internal"),
        ("instance-data", "instance-data"),
        ("*.example.com", None),
        ("two words", None),
        ("300.1.1.1", None),  # not an address, and not a host name either
        ("169.254.0.0/33", None),
        ("", None),
    ],
)
def test_allow_entries(entry: str, parsed: str | None) -> None:
    result = parse_allow_entry(entry)
    assert (str(result) if result is not None else None) == parsed


@pytest.mark.parametrize(
    ("url", "hosts"),
    [
        ("json://user:pass@169.254.169.254:8080/hook?x=1", ["169.254.169.254"]),
        ("json://[::ffff:a9fe:a9fe]:80/hook", ["::ffff:a9fe:a9fe"]),
        (
            "mailto://ops:pw@example.com?smtp=169.254.169.254&to=a@example.com",
            ["example.com", "169.254.169.254"],
        ),
        ("tgram://123456:AAbbCC/987", []),  # bot token, not host:port
        ("slack://T1/B2/C3", ["T1"]),
        ("desktop", []),
    ],
)
def test_hosts_named_in_a_url(url: str, hosts: list[str]) -> None:
    assert url_hosts(url) == hosts


def test_the_config_message_names_the_host_never_the_secrets() -> None:
    problem = POLICY.url_problem("json://ops:s3cr3tpw@0xa9fea9fe:8080/t0k3n-path?key=k3yv4lue")
    assert problem == (
        "json://0xa9fea9fe:8080/… points to a link-local/cloud metadata address: "
        "0xa9fea9fe → 169.254.169.254 (link-local); "
        "notifications there are refused unless listed in settings.notify_allow"
    )
    smtp = POLICY.url_problem("mailto://ops:s3cr3tpw@example.com?smtp=100.100.100.200")
    assert smtp is not None and smtp.startswith("mailto://… points to")
    assert "100.100.100.200 (Alibaba Cloud metadata)" in smtp and "s3cr3tpw" not in smtp


def test_one_label_metadata_names_are_left_to_delivery_in_urls() -> None:
    """``ntfy://metadata`` is a topic on ntfy.sh; delivery refuses the name if it is looked up."""
    assert POLICY.url_problem("ntfy://metadata") is None
    assert POLICY.url_problem("json://metadata.google.internal/x") is not None


def test_validate_target_applies_the_policy() -> None:
    problem = validate_target("json://ops:s3cr3tpw@169.254.169.254/hook")
    assert problem is not None and "settings.notify_allow" in problem and "s3cr3tpw" not in problem
    assert validate_target("json://169.254.169.254/hook", allow=[METADATA]) is None
    assert validate_target("json://127.0.0.1:9/hook") is None


# -- configuration: parse_config and `statuscat check` --------------------------


def people_config(*urls: str, allow: str = "") -> str:
    settings = f"settings:\n  notify_allow: {allow}\n" if allow else ""
    notify = "".join(f'      - "{u}"\n' for u in urls)
    return (
        f"{settings}monitors:\n  - {{id: api, url: 'https://example.com/'}}\n"
        f"people:\n  - id: ada\n    notify:\n{notify}"
    )


def test_config_reports_each_refused_url_at_its_line() -> None:
    text = people_config(
        "json://127.0.0.1:8080/hook",
        "json://0251.0376.0251.0376/hook",
        "mailto://ops:pw@example.com?smtp=[fd00:ec2::254]",
        "ntfy://ntfy.example.com/pages",
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "t.yml", env={})
    issues = [(i.line, i.path) for i in caught.value.issues]
    assert issues == [(7, "people[0].notify[1]"), (8, "people[0].notify[2]")]
    assert "fd00:ec2::254 (AWS IPv6 metadata)" in caught.value.issues[1].message


def test_config_allow_list_is_read_and_checked() -> None:
    config = parse_config(
        people_config("json://169.254.169.254/hook", allow='[169.254.169.254, "fd00:ec2::/32"]'),
        "t.yml",
        env={},
    )
    assert config.settings.notify_allow == ("169.254.169.254", "fd00:ec2::/32")
    with pytest.raises(ConfigError) as caught:
        parse_config(people_config("json://127.0.0.1/x", allow='["*.example.com"]'), "t.yml", {})
    [issue] = caught.value.issues
    assert (issue.line, issue.path) == (2, "settings.notify_allow[0]")
    assert "is not an IP address, CIDR range or host name" in issue.message


def statuscat_check(config: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "statuscat_tui.cli", "check", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )


def test_statuscat_check_refuses_a_metadata_url_and_accepts_it_once_allowed(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "HOOK_TOKEN": "t0k3n-s3cr3t"}
    config = tmp_path / "statuscat.yml"
    config.write_text(people_config("json://169.254.169.254/${HOOK_TOKEN}"), encoding="utf-8")
    out = statuscat_check(config, env)
    assert out.returncode == 2, out.stdout + out.stderr
    expected = (
        f"{config}:6: people[0].notify[0]: json://169.254.169.254/… points to a link-local/cloud "
        "metadata address: 169.254.169.254 (link-local); notifications there are refused "
        "unless listed in settings.notify_allow"
    )
    assert expected in out.stdout + out.stderr
    assert "t0k3n-s3cr3t" not in out.stdout + out.stderr

    config.write_text(
        people_config("json://169.254.169.254/${HOOK_TOKEN}", allow="[169.254.169.254]"),
        encoding="utf-8",
    )
    out = statuscat_check(config, env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"{config}: ok (1 monitor)" in out.stdout


# -- delivery: real deliver() calls ---------------------------------------------


def json_url(host: str, server: HTTPTestServer, path: str = "/hook") -> str:
    return f"json://{host}:{server.port}{path}"


async def test_a_name_with_any_metadata_answer_is_refused_and_nothing_is_sent(
    http_server: HTTPTestServer,
) -> None:
    """The live receiver comes first in the answer: a leak would land there, not at 169.254."""
    http_server.set("/hook", body="ok")
    dns = FakeDNS({"hooks.example.test": ["127.0.0.1", METADATA]})
    result = await deliver(
        json_url("hooks.example.test", http_server), PAGE, timeout=5, resolver=dns
    )
    assert result == Delivery(
        False,
        "refused: hooks.example.test → 169.254.169.254 (link-local) is a link-local/cloud "
        "metadata destination not listed in settings.notify_allow",
        retryable=False,
    )
    assert dns.lookups == ["hooks.example.test"]
    assert http_server.hits("/hook") == 0


async def test_a_name_resolving_to_the_metadata_address_is_refused(
    http_server: HTTPTestServer,
) -> None:
    dns = FakeDNS({"status-hooks.example.test": [METADATA]})
    url = json_url("status-hooks.example.test", http_server)
    result = await deliver(url, PAGE, timeout=5, resolver=dns)
    assert refused(result), result
    assert "status-hooks.example.test → 169.254.169.254" in result.detail
    assert dns.lookups == ["status-hooks.example.test"]


async def test_connections_go_to_the_checked_answer(http_server: HTTPTestServer) -> None:
    """No second lookup: the name exists only in our table, yet the receiver gets the page."""
    http_server.set("/hook", body="ok")
    dns = FakeDNS({"receiver.example.test": ["127.0.0.1"]})
    url = json_url("receiver.example.test", http_server)
    result = await deliver(url, PAGE, timeout=5, resolver=dns)
    assert result == Delivery(True, "delivered")
    assert http_server.hits("/hook") == 1
    assert dns.lookups == ["receiver.example.test"]


async def test_loopback_receivers_are_still_delivered_to(http_server: HTTPTestServer) -> None:
    http_server.set("/hook", body="ok")
    result = await deliver(json_url("127.0.0.1", http_server), PAGE, timeout=5)
    assert result == Delivery(True, "delivered")
    assert http_server.requests("/hook")[0].method == "POST"


@pytest.mark.parametrize(
    "host",
    [
        f"[{UNREACHABLE_LL}]",
        "0xa9fea9fe",
        "[::ffff:a9fe:a9fe]",
        "metadata",  # refused by name before any lookup
        "metadata.google.internal",
    ],
)
async def test_literal_and_named_metadata_hosts_are_refused_at_delivery(
    host: str, http_server: HTTPTestServer
) -> None:
    """Delivery does not rely on the config check having run (or seen the name)."""
    dns = FakeDNS({})
    result = await deliver(json_url(host, http_server), PAGE, timeout=5, resolver=dns)
    assert refused(result), result
    assert dns.lookups == []


async def test_an_allowed_address_is_attempted(http_server: HTTPTestServer) -> None:
    """Allowed by CIDR: the connection is tried and fails as a network error, retryably."""
    dns = FakeDNS({"ll-hooks.example.test": [UNREACHABLE_LL]})
    url = json_url("ll-hooks.example.test", http_server)
    blocked = await deliver(url, PAGE, timeout=2, resolver=dns)
    assert refused(blocked), blocked
    started = time.monotonic()
    result = await deliver(url, PAGE, timeout=2, resolver=dns, allow=["fe80::/10"])
    assert not result.ok and result.retryable, result
    assert "refused" not in result.detail and "notify_allow" not in result.detail
    assert time.monotonic() - started < 3
    assert dns.lookups == ["ll-hooks.example.test"] * 2


async def test_an_allowed_name_is_attempted(http_server: HTTPTestServer) -> None:
    dns = FakeDNS({"ll-hooks.example.test": [UNREACHABLE_LL]})
    url = json_url("ll-hooks.example.test", http_server)
    result = await deliver(url, PAGE, timeout=2, resolver=dns, allow=["ll-hooks.example.test"])
    assert not result.ok and result.retryable and "refused" not in result.detail, result


async def test_a_redirect_cannot_lead_to_a_metadata_address(http_server: HTTPTestServer) -> None:
    """requests follows redirects for Apprise's HTTP plugins; each hop is looked up anew."""
    dns = FakeDNS({"redirected.example.test": ["127.0.0.1", METADATA]})
    http_server.redirect(
        "/hook", f"http://redirected.example.test:{http_server.port}/meta", status=307
    )
    http_server.set("/meta", body="credentials")
    result = await deliver(json_url("127.0.0.1", http_server), PAGE, timeout=5, resolver=dns)
    assert refused(result), result
    assert "redirected.example.test → 169.254.169.254" in result.detail
    assert http_server.hits("/hook") == 1
    assert http_server.hits("/meta") == 0


async def test_a_redirect_to_a_literal_link_local_address_is_refused(
    http_server: HTTPTestServer,
) -> None:
    http_server.redirect("/hook", f"http://[{UNREACHABLE_LL}]:{http_server.port}/x", status=302)
    result = await deliver(json_url("127.0.0.1", http_server), PAGE, timeout=5)
    assert refused(result), result
    assert http_server.hits("/hook") == 1


def mailto(smtp_host: str, port: int) -> str:
    return (
        f"mailto://ops:hunter22@example.com:{port}?smtp={smtp_host}"
        "&from=statuscat@example.com&to=alice@example.com&mode=insecure"
    )


async def test_mail_goes_through_the_same_checks(smtp_server: SMTPTestServer) -> None:
    dns = FakeDNS(
        {"mail.example.test": ["127.0.0.1"], "evil-mail.example.test": ["127.0.0.1", METADATA]}
    )
    result = await deliver(
        mailto("evil-mail.example.test", smtp_server.port), PAGE, timeout=5, resolver=dns
    )
    assert refused(result), result
    assert "hunter22" not in result.detail
    assert smtp_server.messages == []
    result = await deliver(
        mailto("mail.example.test", smtp_server.port), PAGE, timeout=5, resolver=dns
    )
    assert result == Delivery(True, "delivered")
    assert len(smtp_server.wait_for(1)) == 1


@pytest.fixture
def udp_receiver() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        yield sock


async def test_raw_socket_plugins_are_checked_too(udp_receiver: socket.socket) -> None:
    """rsyslog:// hands sendto() an address, no getaddrinfo: the audit hook checks it."""
    port = udp_receiver.getsockname()[1]
    result = await deliver(f"rsyslog://127.0.0.1:{port}", PAGE, timeout=5)
    assert result == Delivery(True, "delivered")
    payload, _ = udp_receiver.recvfrom(65536)
    assert PAGE.title.encode() in payload
    result = await deliver(f"rsyslog://{METADATA}:{port}", PAGE, timeout=5)
    assert refused(result), result
    assert f"refused: {METADATA} (link-local)" in result.detail


async def test_a_name_given_to_a_raw_socket_is_looked_up_and_checked(
    udp_receiver: socket.socket,
) -> None:
    """The socket resolves ``localhost`` itself (to this receiver); our lookup says metadata.

    Python resolves a name passed to sendto() before the audit event fires, so
    the hook checks its own lookup of the name: a rebinding window remains for
    such plugins (a leak here would land in the loopback receiver).
    """
    port = udp_receiver.getsockname()[1]
    dns = FakeDNS({"localhost": [METADATA]})
    result = await deliver(f"rsyslog://localhost:{port}", PAGE, timeout=5, resolver=dns)
    assert refused(result), result
    assert dns.lookups == ["localhost"]
    udp_receiver.settimeout(0.2)
    with pytest.raises(TimeoutError):
        udp_receiver.recvfrom(65536)


async def test_concurrent_deliveries_keep_their_own_policy(http_server: HTTPTestServer) -> None:
    http_server.set("/hook", body="ok")
    dns = FakeDNS(
        {"ll-hooks.example.test": [UNREACHABLE_LL], "receiver.example.test": ["127.0.0.1"]}
    )
    ll = json_url("ll-hooks.example.test", http_server)
    ok = json_url("receiver.example.test", http_server)
    results = await asyncio.gather(
        deliver(ll, PAGE, timeout=2, resolver=dns, allow=["fe80::/10"]),
        deliver(ll, PAGE, timeout=2, resolver=dns),
        deliver(ok, PAGE, timeout=2, resolver=dns),
    )
    attempted, blocked, delivered = results
    assert attempted.retryable and "refused" not in attempted.detail, attempted
    assert refused(blocked), blocked
    assert delivered == Delivery(True, "delivered")


async def test_lookups_outside_a_delivery_are_untouched(http_server: HTTPTestServer) -> None:
    http_server.set("/hook", body="ok")
    await deliver(json_url("127.0.0.1", http_server), PAGE, timeout=5)  # hooks installed by now
    infos = socket.getaddrinfo("0xa9fea9fe", 80, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
    assert infos[0][4][0] == METADATA  # only read, never connected to
    loop = asyncio.get_running_loop()
    assert (await loop.getaddrinfo("127.0.0.1", 80))[0][4][0] == "127.0.0.1"


# -- the engine records the refusal on the incident ------------------------------


def engine_config(http: HTTPTestServer) -> str:
    hook = f"127.0.0.1:{http.port}/hook"
    return f"""
settings:
  notify_allow: ["{UNREACHABLE_LL}"]
defaults:
  interval: 300ms
  timeout: 300ms
  confirm: {{failures: 1, retry_interval: 100ms, successes: 1}}
monitors:
  - {{id: api, url: "{http.url("/api")}", severity: SEV1}}
people:
  - id: ada
    notify:
      - "json://metadata:{http.port}/hook/meta"
      - "json://[{UNREACHABLE_LL}]:{http.port}/hook/ll"
      - "json://{hook}/ok"
escalation_policies:
  - id: default
    steps: [{{notify: "person:ada", wait: 5m}}]
severities:
  SEV1: {{escalation: default, page: always}}
"""


@pytest.fixture
async def engine(http_server: HTTPTestServer, tmp_path: Path) -> AsyncIterator[Engine]:
    http_server.set("/api", body="ok")
    http_server.set("/hook/ok", body="ok")
    config = parse_config(engine_config(http_server), "t.yml", env={})
    running = Engine(config, tmp_path / "sc.db", listen=False)
    await running.start()
    yield running
    await running.stop()


async def test_the_engine_records_a_refused_page_on_the_timeline(
    engine: Engine, http_server: HTTPTestServer
) -> None:
    """``json://metadata`` passes the config check (one-label names may be topics)."""
    await wait_for(lambda: engine.states["api"] is MonitorState.UP)
    http_server.set("/api", status=500)
    await wait_for(lambda: http_server.hits("/hook/ok") == 1)
    service = engine.incidents
    assert service is not None
    [incident] = await service.incidents(active_only=False)

    async def settled() -> list[dict[str, Any]]:
        for _ in range(250):
            pages = await service.pages(incident.id)
            if all(p["attempts"] >= 1 for p in pages):
                return pages
            await asyncio.sleep(0.02)
        raise AssertionError(pages)

    meta, ll, ok = await settled()
    assert meta["status"] == "failed"
    assert meta["last_error"].startswith("refused: metadata (Google Cloud metadata)")
    assert ll["status"] == "pending" and "refused" not in ll["last_error"]  # allowed: retried
    assert ok["status"] == "delivered"
    failed = [e for e in await service.timeline(incident.id) if e.kind is EventKind.DELIVERY_FAILED]
    [refusal] = [e for e in failed if e.data["target"] == meta["target"]]
    assert refusal.data["final"] is True
    assert "settings.notify_allow" in refusal.data["detail"]
