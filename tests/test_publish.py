"""The status page files: Statuspage v2 JSON shape, Atom, badges, Markdown, atomic writes."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from statuscat_tui.config import parse_config
from statuscat_tui.core.incidents import Event, EventKind, Incident, IncidentState, PublicStatus
from statuscat_tui.core.states import MonitorState as S
from statuscat_tui.core.statuspage import (
    DAY,
    IncidentRecord,
    MonitorStatus,
    StatusPageModel,
    build_page,
)
from statuscat_tui.publish import render_site, write_site
from statuscat_tui.publish.markdown import plain_text, render_markdown

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC).timestamp()
ATOM = "{http://www.w3.org/2005/Atom}"
SECRET = "s3cr3t-t0ken-value"

CONFIG_TEXT = """
settings: {timezone: America/New_York}
components:
  - {name: API, description: The REST API}
  - {name: Web}
monitors:
  - id: api
    url: "https://api.internal.test/health?token=${TOKEN}"
    headers: {Authorization: "Bearer ${TOKEN}"}
    component: API
    severity: SEV1
  - id: web
    url: https://web.internal.test/
    component: Web
maintenance:
  - {name: Router swap, monitors: [web], start: 2026-12-06T22:00, duration: 1h}
status_page: {title: Acme status, url: "https://status.acme.test"}
"""


def config() -> Any:
    return parse_config(CONFIG_TEXT, "statuscat.yml", env={"TOKEN": SECRET})


def record(
    iid: int,
    updates: list[tuple[str, str, float]],
    resolved: float | None = None,
    severity: str = "SEV1",
) -> IncidentRecord:
    inc = Incident(
        id=iid,
        title=f"API errors #{iid}",
        severity=severity,
        started=NOW - 7200,
        components=["API"],
        monitors=["api"],
        owner="alice",
    )
    events: list[tuple[int, Event]] = []
    for n, (status, body, at) in enumerate(updates, start=1):
        data = {"status": status, "message": body}
        events.append((iid * 10 + n, Event(EventKind.STATUS_UPDATE, at, "alice", data)))
        inc.public_status = PublicStatus(status)
    if resolved is not None:
        data = {"message": "All good."}
        events.append((iid * 10 + 9, Event(EventKind.RESOLVED, resolved, "bob", data)))
        inc.state, inc.public_status, inc.resolved = (
            IncidentState.RESOLVED,
            PublicStatus.RESOLVED,
            resolved,
        )
    return IncidentRecord(inc, events)


def model() -> StatusPageModel:
    cfg = config()
    states = {"api": MonitorStatus(S.DOWN, NOW - 600), "web": MonitorStatus(S.UP, NOW - 9000)}
    active = record(
        2,
        [
            ("investigating", "Errors on **API**", NOW - 3000),
            ("identified", "Bad deploy", NOW - 60),
        ],
    )
    old = record(1, [("investigating", "Slow", NOW - 3 * DAY)], resolved=NOW - 3 * DAY + 600)
    today = (int(NOW) // DAY) * DAY
    daily = {"api": {today: (80000.0, 6400.0)}, "web": {today - DAY: (86400.0, 0.0)}}
    return build_page(cfg, states, [active, old], daily, NOW)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("publish") / "site"
    write_site(model(), out)
    return out


def test_every_contract_file_is_written(site: Path) -> None:
    for rel in (
        "index.html",
        "incidents/1.html",
        "incidents/2.html",
        "history.atom",
        "badges/api.svg",
        "badges/web.svg",
        "api/v2/summary.json",
        "api/v2/status.json",
        "api/v2/components.json",
        "api/v2/incidents.json",
        "api/v2/incidents/unresolved.json",
        "api/v2/scheduled-maintenances.json",
        "api/v2/scheduled-maintenances/upcoming.json",
        "api/v2/scheduled-maintenances/active.json",
    ):
        assert (site / rel).is_file(), rel


# The types a Statuspage v2 client declares for what it reads (the statuspage.io
# client's Result.d.ts, and the public API documentation): field -> accepted types.
STR, OPT_STR, INT, BOOL = (str,), (str, type(None)), (int,), (bool,)
PAGE = {"id": STR, "name": STR, "url": STR, "time_zone": STR, "updated_at": STR}
COMPONENT = {
    "created_at": STR,
    "description": OPT_STR,
    "group": BOOL,
    "group_id": OPT_STR,
    "id": STR,
    "name": STR,
    "only_show_if_degraded": BOOL,
    "page_id": STR,
    "position": INT,
    "showcase": BOOL,
    "start_date": OPT_STR,
    "status": STR,
    "updated_at": STR,
}
INCIDENT = {
    "created_at": STR,
    "id": STR,
    "impact": STR,
    "incident_updates": (list,),
    "monitoring_at": OPT_STR,
    "name": STR,
    "page_id": STR,
    "resolved_at": OPT_STR,
    "shortlink": STR,
    "status": STR,
    "updated_at": STR,
    "components": (list,),
}
UPDATE = {
    "body": STR,
    "created_at": STR,
    "display_at": STR,
    "id": STR,
    "incident_id": STR,
    "status": STR,
    "updated_at": STR,
    "affected_components": (list,),
}
MAINTENANCE = {**INCIDENT, "scheduled_for": STR, "scheduled_until": STR}
COMPONENT_STATUSES = {
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
}
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}


def check(obj: dict[str, Any], shape: dict[str, tuple[type, ...]], where: str) -> None:
    for key, types in shape.items():
        assert key in obj, f"{where}: missing {key}"
        assert isinstance(obj[key], types), f"{where}.{key}: {obj[key]!r} is not {types}"
    for key, value in obj.items():
        is_time = key.endswith("_at") or key in ("scheduled_for", "scheduled_until")
        if is_time and value is not None:
            # ISO 8601 with an offset
            assert datetime.fromisoformat(value).tzinfo is not None, f"{where}.{key}"


def check_incident(inc: dict[str, Any], where: str, maintenance: bool = False) -> None:
    check(inc, MAINTENANCE if maintenance else INCIDENT, where)
    impacts = {"maintenance"} if maintenance else {"none", "minor", "major", "critical"}
    assert inc["impact"] in impacts
    statuses = {"scheduled", "in_progress", "verifying", "completed"}
    assert inc["status"] in (statuses if maintenance else INCIDENT_STATUSES)
    for u in inc["incident_updates"]:
        check(u, UPDATE, f"{where}.incident_updates")
        assert u["status"] in INCIDENT_STATUSES and u["incident_id"] == inc["id"]
        for ac in u["affected_components"]:
            assert set(ac) == {"code", "name", "old_status", "new_status"}
            assert {ac["old_status"], ac["new_status"]} <= COMPONENT_STATUSES
    for c in inc["components"]:
        check(c, COMPONENT, f"{where}.components")


def load(site: Path, name: str) -> Any:
    return json.loads((site / "api/v2" / name).read_text())


def test_json_files_have_the_statuspage_v2_shape(site: Path) -> None:
    for name in (
        "summary.json",
        "status.json",
        "components.json",
        "incidents.json",
        "incidents/unresolved.json",
        "scheduled-maintenances.json",
        "scheduled-maintenances/upcoming.json",
        "scheduled-maintenances/active.json",
    ):
        doc = load(site, name)
        check(doc["page"], PAGE, f"{name}.page")
        assert doc["page"]["time_zone"] == "America/New_York"
        for c in doc.get("components", []):
            check(c, COMPONENT, f"{name}.components")
            assert c["status"] in COMPONENT_STATUSES
        for i in doc.get("incidents", []):
            check_incident(i, f"{name}.incidents")
        for mt in doc.get("scheduled_maintenances", []):
            check_incident(mt, f"{name}.scheduled_maintenances", maintenance=True)
    summary = load(site, "summary.json")
    assert set(summary) == {"page", "status", "components", "incidents", "scheduled_maintenances"}
    assert summary["status"] == {"indicator": "critical", "description": "Critical Service Outage"}
    assert [(c["name"], c["status"], c["position"]) for c in summary["components"]] == [
        ("API", "major_outage", 1),
        ("Web", "operational", 2),
    ]
    assert [i["id"] for i in summary["incidents"]] == ["2"]
    assert load(site, "status.json")["status"]["indicator"] == "critical"
    assert [i["id"] for i in load(site, "incidents.json")["incidents"]] == ["2", "1"]
    upcoming = load(site, "scheduled-maintenances/upcoming.json")["scheduled_maintenances"]
    assert [(m["name"], m["status"]) for m in upcoming] == [("Router swap", "scheduled")]
    assert upcoming[0]["scheduled_for"] == "2026-12-06T22:00:00.000-05:00"
    assert load(site, "scheduled-maintenances/active.json")["scheduled_maintenances"] == []


def test_incident_updates_in_json_newest_first_with_component_changes(site: Path) -> None:
    (inc,) = load(site, "incidents/unresolved.json")["incidents"]
    assert inc["impact"] == "critical" and inc["status"] == "identified"
    assert [u["status"] for u in inc["incident_updates"]] == ["identified", "investigating"]
    assert inc["incident_updates"][1]["body"] == "Errors on **API**"  # Markdown as written
    first = inc["incident_updates"][1]["affected_components"]
    assert first == [
        {"code": "api", "name": "API", "old_status": "operational", "new_status": "major_outage"}
    ]
    assert inc["shortlink"] == "https://status.acme.test/incidents/2.html"
    resolved = load(site, "incidents.json")["incidents"][1]
    assert resolved["status"] == "resolved" and resolved["resolved_at"] is not None
    last = resolved["incident_updates"][0]
    assert (last["status"], last["body"]) == ("resolved", "All good.")
    assert last["affected_components"][0]["new_status"] == "operational"


def test_atom_feed_is_valid_with_one_entry_per_update_and_stable_ids(site: Path) -> None:
    feed = ET.fromstring((site / "history.atom").read_bytes())
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert feed.findtext(f"{ATOM}{tag}")
    assert feed.find(f"{ATOM}author/{ATOM}name") is not None
    self_link = [x for x in feed.findall(f"{ATOM}link") if x.get("rel") == "self"]
    assert self_link[0].get("href") == "https://status.acme.test/history.atom"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "API errors #2: Identified",
        "API errors #2: Investigating",
        "API errors #1: Resolved",
        "API errors #1: Investigating",
    ]
    for e in entries:
        for tag in ("id", "title", "updated"):
            assert e.findtext(f"{ATOM}{tag}"), tag
        datetime.fromisoformat(e.findtext(f"{ATOM}updated") or "")
    content = entries[1].find(f"{ATOM}content")
    assert content is not None and content.get("type") == "html"
    assert content.text == "<p>Errors on <strong>API</strong></p>\n"
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    again = ET.fromstring(render_site(model())["history.atom"])
    assert [e.findtext(f"{ATOM}id") for e in again.findall(f"{ATOM}entry")] == ids
    assert len(set(ids)) == len(ids)


def test_badges_show_status_and_30_day_uptime(site: Path) -> None:
    api = ET.fromstring((site / "badges/api.svg").read_bytes())
    text = " ".join(t.text or "" for t in api.iter("{http://www.w3.org/2000/svg}text"))
    assert text == "API major outage · 92.59% 30d"
    web = (site / "badges/web.svg").read_text()
    assert "operational · 100% 30d" in web


def test_internal_data_and_secrets_never_appear(site: Path) -> None:
    for path in site.rglob("*"):
        if path.is_file():
            text = path.read_text()
            for internal in (SECRET, "internal.test", "alice", "bob", "Bearer"):
                assert internal not in text, (path, internal)


def test_index_lists_components_incidents_maintenance_and_past(site: Path) -> None:
    html = (site / "index.html").read_text()
    assert "<title>Acme status</title>" in html
    assert "Critical Service Outage" in html
    assert html.count('class="card component"') == 2
    assert html.count("<span class=") >= 180  # 90 days per component
    assert "Router swap" in html
    assert "Errors on <strong>API</strong>" in html
    assert "All good." in html  # resolved three days ago: under past incidents
    assert 'href="history.atom"' in html
    assert "http://" not in html.replace("http://www.w3.org", "")  # nothing loaded from outside


@pytest.mark.parametrize(
    ("text", "absent", "present"),
    [
        ("<script>alert(1)</script>", "<script", "&lt;script&gt;"),
        ("[x](javascript:alert(1))", "href", "[x](javascript:alert(1))"),
        ("[x](JaVaScRiPt:alert(1))", "href", "JaVaScRiPt"),
        ("[x](vbscript:msgbox)", "href", "vbscript"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "href", "data:"),
        ("![img](https://evil.test/x.png)", "<img", "evil.test"),
        ('<a href="javascript:x" onclick="y">z</a>', "<a ", "&lt;a href="),
    ],
)
def test_markdown_keeps_text_inert(text: str, absent: str, present: str) -> None:
    out = str(render_markdown(text))
    assert absent not in out
    assert present in out


def test_markdown_links_get_rel_and_plain_text_drops_syntax() -> None:
    out = str(render_markdown("See [the runbook](https://wiki.test/x) and `code`"))
    assert '<a href="https://wiki.test/x" rel="nofollow noopener noreferrer">' in out
    assert plain_text("**Bold** and [link](https://x.test)") == "Bold and link"
    assert plain_text("a" * 50, limit=10) == "a" * 9 + "…"


def test_control_characters_do_not_break_the_feed() -> None:
    rec = record(3, [("investigating", "bell\x07 and nul\x00 and esc\x1b[31m", NOW)])
    page = build_page(config(), {}, [rec], {}, NOW)
    feed = ET.fromstring(render_site(page)["history.atom"])
    assert len(feed.findall(f"{ATOM}entry")) == 1


def test_write_site_replaces_the_whole_directory(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site(model(), out)
    (out / "stale.html").write_text("old")
    first = (out / "index.html").read_text()
    write_site(model(), out)
    assert not (out / "stale.html").exists()
    assert (out / "index.html").read_text() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no temp dirs left


def test_a_failed_write_keeps_the_old_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    write_site(model(), out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(self: Path, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", broken)
    with pytest.raises(OSError, match="No space"):
        write_site(model(), out)
    monkeypatch.undo()
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def statuscat(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "statuscat_tui.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_cli_build_writes_the_page_with_incidents_from_the_database(tmp_path: Path) -> None:
    cfg = tmp_path / "statuscat.yml"
    cfg.write_text(
        CONFIG_TEXT.replace("${TOKEN}", "x").replace(
            'url: "https://status.acme.test"}', 'url: "https://status.acme.test", output: public}'
        )
    )
    db = tmp_path / "sc.db"
    common = ["-c", str(cfg), "--db", str(db)]
    opened = statuscat("incident", "open", "--title", "Login <b>fails</b>", "--severity", "SEV2",
                       "--component", "Web", *common)  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    built = statuscat("status-page", "build", *common)
    assert built.returncode == 0, built.stderr
    assert "1 active incident" not in built.stdout  # nobody posted yet: internal
    assert (tmp_path / "public/index.html").is_file()  # relative to the config file
    update = statuscat(
        "incident", "update", "1", "--status", "investigating", "--message", "Looking.", *common
    )
    assert update.returncode == 0, update.stderr
    out = tmp_path / "elsewhere"
    built = statuscat("status-page", "build", "--out", str(out), *common)
    assert built.returncode == 0, built.stderr
    assert "1 active incident" in built.stdout
    html = (out / "index.html").read_text()
    assert "Login &lt;b&gt;fails&lt;/b&gt;" in html and "Looking." in html
    summary = json.loads((out / "api/v2/summary.json").read_text())
    assert summary["incidents"][0]["name"] == "Login <b>fails</b>"
    assert summary["components"][1]["status"] == "partial_outage"  # SEV2 marks its component

    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a directory")
    failed = statuscat("status-page", "build", "--out", str(blocked), *common)
    assert failed.returncode == 1
    assert f"cannot write the status page to {blocked}" in failed.stderr
    assert "Traceback" not in failed.stderr
