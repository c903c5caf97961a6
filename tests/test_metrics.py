"""Prometheus metrics: the exposition of a hand-built snapshot, and of a live engine."""

from __future__ import annotations

import asyncio
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from statuscat_tui.core.model import Config, Confirm, Monitor
from statuscat_tui.core.results import CheckResult, Outcome
from statuscat_tui.core.states import MonitorState as S
from statuscat_tui.engine.engine import Engine
from statuscat_tui.engine.metrics import (
    MetricsSnapshot,
    MonitorMetrics,
    exposition,
    render,
    snapshot,
)
from tests.support.httpserver import HTTPTestServer
from tests.support.wait import wait_for

HOSTILE = 'Say "hi"\n\\n} 1\n# TYPE evil counter\nevil{a="b"} 9 ✔'


def parse(text: bytes) -> dict[str, list[Sample]]:
    """Family name -> its samples, as Prometheus' own parser reads them."""
    return {f.name: list(f.samples) for f in text_string_to_metric_families(text.decode())}


def values(samples: list[Sample]) -> dict[tuple[tuple[str, str], ...], float]:
    return {tuple(sorted(s.labels.items())): s.value for s in samples}


def one(samples: list[Sample], **labels: str) -> float:
    found = [s.value for s in samples if all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(found) == 1, (labels, samples)
    return found[0]


def example() -> MetricsSnapshot:
    return MetricsSnapshot(
        monitors=(
            MonitorMetrics(
                id="api",
                name=HOSTILE,
                type="http",
                component="API \\ Gateway",
                state=S.DEGRADED,
                latency=0.25,
                last_check=1_700_000_000.5,
                uptime={"24h": 0.5, "7d": None, "30d": 0.999, "90d": 1.0},
            ),
            MonitorMetrics(id="db", name="Database", type="tcp", component=None, state=S.DOWN),
            MonitorMetrics(
                id="cert",
                name="Certificate",
                type="tls",
                component="Web",
                state=S.UP,
                latency=0.01,
                cert_days_left=12.0,
            ),
        ),
        incidents={("SEV1", "triggered"): 2, ("SEV2", "resolved"): 5, ("SEV9", "acknowledged"): 1},
        open_incidents={"investigating": 2, "identified": 1},
        severities=("SEV1", "SEV2", "SEV3"),
        version="9.9.9",
        started_at=1_700_000_000.0,
        checks=42,
    )


def test_render_names_labels_and_values() -> None:
    families = parse(render(example()))
    assert set(families) == {
        "statuscat_monitor_up",
        "statuscat_monitor_state",
        "statuscat_monitor_latency_seconds",
        "statuscat_monitor_last_check_timestamp_seconds",
        "statuscat_monitor_uptime_ratio",
        "statuscat_monitor_cert_days_left",
        "statuscat_incidents",
        "statuscat_incidents_open",
        "statuscat_engine_info",  # an info metric is a gauge in the 0.0.4 text format
        "statuscat_engine_start_time_seconds",
        "statuscat_checks",
    }
    up = families["statuscat_monitor_up"]
    assert values(up) == {
        (
            ("component", "API \\ Gateway"),
            ("monitor", "api"),
            ("name", HOSTILE),
            ("type", "http"),
        ): 1,
        (("component", ""), ("monitor", "db"), ("name", "Database"), ("type", "tcp")): 0,
        (("component", "Web"), ("monitor", "cert"), ("name", "Certificate"), ("type", "tls")): 1,
    }
    state = families["statuscat_monitor_state"]
    assert len(state) == 3 * len(S)
    assert {s.labels["state"] for s in state if s.value == 1 and s.labels["monitor"] == "db"} == {
        "down"
    }
    assert one(state, monitor="api", state="degraded") == 1
    assert one(state, monitor="api", state="up") == 0
    assert sum(s.value for s in state) == 3  # exactly one current state per monitor

    latency = families["statuscat_monitor_latency_seconds"]
    assert values(latency) == {(("monitor", "api"),): 0.25, (("monitor", "cert"),): 0.01}
    checked = families["statuscat_monitor_last_check_timestamp_seconds"]
    assert values(checked) == {(("monitor", "api"),): 1_700_000_000.5}
    uptime = families["statuscat_monitor_uptime_ratio"]
    assert values(uptime) == {
        (("monitor", "api"), ("window", "24h")): 0.5,
        (("monitor", "api"), ("window", "30d")): 0.999,
        (("monitor", "api"), ("window", "90d")): 1.0,
    }
    assert values(families["statuscat_monitor_cert_days_left"]) == {(("monitor", "cert"),): 12}

    incidents = families["statuscat_incidents"]
    # Every configured severity × state, plus any other severity found in the database.
    assert len(incidents) == 3 * 3 + 1
    assert one(incidents, severity="SEV1", state="triggered") == 2
    assert one(incidents, severity="SEV1", state="resolved") == 0
    assert one(incidents, severity="SEV2", state="resolved") == 5
    assert one(incidents, severity="SEV3", state="acknowledged") == 0
    assert one(incidents, severity="SEV9", state="acknowledged") == 1
    assert values(families["statuscat_incidents_open"]) == {
        (("public_status", "investigating"),): 2,
        (("public_status", "identified"),): 1,
        (("public_status", "monitoring"),): 0,
    }

    assert [(s.name, s.labels, s.value) for s in families["statuscat_engine_info"]] == [
        ("statuscat_engine_info", {"version": "9.9.9"}, 1)
    ]
    assert values(families["statuscat_engine_start_time_seconds"]) == {(): 1_700_000_000.0}
    assert [(s.name, s.value) for s in families["statuscat_checks"]] == [
        ("statuscat_checks_total", 42)
    ]


def test_hostile_label_values_cannot_inject_lines() -> None:
    text = render(example())
    # The name's newline, quotes and backslashes are escaped: no injected line.
    assert not any(line.startswith(b"evil") for line in text.splitlines())
    assert b"# TYPE evil" not in text.replace(b"\\n# TYPE evil", b"")
    families = parse(text)
    assert "evil" not in families
    names = {s.labels["name"] for s in families["statuscat_monitor_up"]}
    assert HOSTILE in names
    # Every line is a comment or one sample of a statuscat_ family.
    for line in text.decode().splitlines():
        assert line.startswith(("# HELP statuscat_", "# TYPE statuscat_", "statuscat_")), line


def test_an_empty_snapshot_renders() -> None:
    families = parse(render(MetricsSnapshot()))
    assert families["statuscat_monitor_up"] == []
    assert values(families["statuscat_incidents_open"]) == {
        (("public_status", "investigating"),): 0,
        (("public_status", "identified"),): 0,
        (("public_status", "monitoring"),): 0,
    }
    assert "statuscat_checks" not in families  # no engine, no count


async def test_snapshot_reads_runtimes_before_start(tmp_path: Path) -> None:
    tls = Monitor(
        id="cert",
        name="Cert",
        type="tls",
        interval=60,
        timeout=5,
        confirm=Confirm(),
        host="example.invalid",
        port=443,
        component="Web",
    )
    tcp = Monitor(
        id="tcp",
        name="TCP",
        type="tcp",
        interval=60,
        timeout=5,
        confirm=Confirm(),
        host="x",
        port=1,
    )
    engine = Engine(Config(monitors=(tls, tcp)), tmp_path / "sc.db", listen=False)
    engine.by_id["cert"].last = CheckResult(Outcome.OK, 0.125, "TLS OK", {"days_left": 30})
    # days_left only counts for TLS monitors.
    engine.by_id["tcp"].last = CheckResult(Outcome.OK, None, "open", {"days_left": 3})
    snap = await snapshot(engine)
    by_id = {m.id: m for m in snap.monitors}
    assert by_id["cert"].cert_days_left == 30 and by_id["cert"].latency == 0.125
    assert by_id["cert"].component == "Web" and by_id["cert"].state is S.UNKNOWN
    assert by_id["tcp"].cert_days_left is None and by_id["tcp"].latency is None
    assert snap.incidents == {} and snap.severities == ("SEV1", "SEV2", "SEV3")
    families = parse(render(snap))
    assert values(families["statuscat_monitor_cert_days_left"]) == {(("monitor", "cert"),): 30}


def http_monitor(mid: str, url: str) -> Monitor:
    return Monitor(
        id=mid,
        name=f"{mid} service",
        type="http",
        url=url,
        interval=0.2,
        timeout=0.3,
        component="Core",
        severity="SEV1",
        confirm=Confirm(failures=1, retry_interval=0.1, successes=1),
    )


async def test_exposition_of_a_running_engine(http_server: HTTPTestServer, tmp_path: Path) -> None:
    http_server.set("/up", body="fine")
    http_server.set("/down", status=503)
    cfg = Config(
        monitors=(
            http_monitor("web", http_server.url("/up")),
            http_monitor("db", http_server.url("/down")),
        )
    )
    engine = Engine(cfg, tmp_path / "sc.db", listen=False)
    await engine.start()
    try:
        await wait_for(lambda: engine.states == {"web": S.UP, "db": S.DOWN})

        async def incidents_open() -> bool:
            families = parse(await exposition(engine))
            return one(families["statuscat_incidents"], severity="SEV1", state="triggered") == 1

        async with asyncio.timeout(5):
            while not await incidents_open():  # noqa: ASYNC110 - polling the engine
                await asyncio.sleep(0.05)
        assert engine.store is not None
        await engine.store.flush()  # results reach the uptime rollups
        families = parse(await exposition(engine))
    finally:
        await engine.stop()

    up = families["statuscat_monitor_up"]
    assert one(up, monitor="web", name="web service", type="http", component="Core") == 1
    assert one(up, monitor="db", name="db service", type="http", component="Core") == 0
    assert one(families["statuscat_monitor_state"], monitor="db", state="down") == 1
    assert one(families["statuscat_monitor_state"], monitor="web", state="up") == 1
    latency = one(families["statuscat_monitor_latency_seconds"], monitor="web")
    assert 0 < latency < 1
    uptime = families["statuscat_monitor_uptime_ratio"]
    assert 0 < one(uptime, monitor="web", window="24h") <= 1
    assert 0 <= one(uptime, monitor="db", window="24h") < 1
    assert one(families["statuscat_incidents"], severity="SEV1", state="triggered") == 1
    assert one(families["statuscat_incidents"], severity="SEV1", state="resolved") == 0
    assert one(families["statuscat_incidents_open"], public_status="investigating") == 1
    checks = one(families["statuscat_checks"])
    assert checks >= 2
    assert one(families["statuscat_engine_start_time_seconds"]) > 1_600_000_000
