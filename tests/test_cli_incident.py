"""`statuscat incident …` against a real SQLite file, without an engine running."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from statuscat_tui.cli import main

CONFIG = """
settings: {timezone: UTC, me: ada}
components: [{name: Storefront}]
monitors:
  - {id: checkout, url: "http://127.0.0.1:9/health", component: Storefront}
people:
  - {id: ada, name: Ada, notify: ["json://127.0.0.1:9/hook/ada"]}
  - {id: grace, name: Grace, notify: ["json://user:${HOOK_TOKEN}@127.0.0.1:9/hook"]}
schedules:
  - id: primary
    rotation: {every: 1w, handoff: "09:00", start: 2020-01-06, members: [grace]}
status_updates:
  identified: "We found the cause of the {component} problem."
"""


class Cli:
    def __init__(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.cfg = tmp_path / "statuscat.yml"
        self.cfg.write_text(CONFIG)
        self.db = tmp_path / "sc.db"
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main(["incident", *args, "-c", str(self.cfg), "--db", str(self.db)])
        out = self.capsys.readouterr()
        return code, out.out, out.err

    def json(self, *args: str) -> dict:  # type: ignore[type-arg]
        code, out, err = self(*args, "--json")
        assert code == 0, err
        return json.loads(out)  # type: ignore[no-any-return]


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("HOOK_TOKEN", "tok-3141592653")
    return Cli(tmp_path, capsys)


def test_open_list_show(cli: Cli) -> None:
    code, out, _ = cli(
        "open", "--title", "Checkout slow", "--severity", "sev2", "--component", "Storefront"
    )
    assert code == 0 and out.startswith("opened incident #1: Checkout slow (SEV2)")
    data = cli.json("list")
    (inc,) = data["incidents"]
    assert inc["id"] == 1 and inc["severity"] == "SEV2" and inc["state"] == "triggered"
    assert inc["public_status"] == "investigating" and inc["opened_by"] == "ada"
    assert inc["components"] == ["Storefront"]
    assert inc["severity_description"].startswith("Major feature down")
    code, out, _ = cli("list")
    assert "#1" in out and "Checkout slow" in out and "SEV2" in out
    code, out, _ = cli("show", "#1")
    assert code == 0 and "ada opened the incident (SEV2): Checkout slow" in out
    # No escalation policy configured: the timeline says nobody was paged, and why.
    assert "nobody paged: no escalation policy for SEV2" in out


def test_update_uses_template_and_owner_and_severity(cli: Cli) -> None:
    cli("open", "--title", "Checkout slow", "--severity", "SEV2", "--component", "Storefront")
    code, out, _ = cli("update", "1", "--status", "identified")
    assert code == 0 and "We found the cause of the Storefront problem." in out
    code, _, _ = cli("owner", "1", "grace")
    assert code == 0
    code, out, _ = cli("severity", "1", "SEV1")
    assert code == 0 and "SEV1 — Full outage" in out
    shown = cli.json("show", "1")
    texts = [e["text"] for e in shown["timeline"]]
    assert "ada posted Identified: We found the cause of the Storefront problem." in texts
    assert "owner: nobody → grace (by ada)" in texts
    assert "ada changed severity SEV2 → SEV1" in texts
    assert shown["owner"] == "grace" and shown["severity"] == "SEV1"


def test_errors_are_clear_and_change_nothing(cli: Cli) -> None:
    cli("open", "--title", "x", "--severity", "SEV3")
    assert cli("ack", "abc")[0] == 2
    code, _, err = cli("ack", "99")
    assert code == 1 and "no incident 99" in err
    code, _, err = cli("owner", "1", "mallory")
    assert code == 1 and "unknown person 'mallory' (known: ada, grace)" in err
    code, _, err = cli("update", "1", "--status", "fixed", "--message", "m")
    assert code == 1 and "unknown status 'fixed'" in err
    code, _, err = cli("open", "--title", "y", "--severity", "SEV9")
    assert code == 1 and "unknown severity" in err
    shown = cli.json("show", "1")
    assert shown["owner"] is None and shown["public_status"] == "investigating"
    assert len(cli.json("list")["incidents"]) == 1


def test_ack_then_resolve_manual_incident(cli: Cli) -> None:
    cli("open", "--title", "x", "--severity", "SEV3")
    code, out, _ = cli("ack", "1", "--as", "grace")
    assert code == 0 and "acknowledged by grace" in out
    assert cli("resolve", "1")[0] == 0
    code, _, err = cli("resolve", "1")
    assert code == 1 and "incident 1 is resolved" in err
    assert cli.json("list")["incidents"] == []
    assert [i["id"] for i in cli.json("list", "--all")["incidents"]] == [1]


def test_page_schedule_queues_redacted_channels(cli: Cli) -> None:
    cli("open", "--title", "x", "--severity", "SEV3")
    code, out, _ = cli("page", "1", "--schedule", "primary", "--message", "need DB help")
    assert code == 0 and "paging grace into #1" in out
    shown = cli.json("show", "1")
    (page,) = shown["pages"]
    assert page["person"] == "grace" and page["kind"] == "responder"
    assert page["status"] == "pending"
    assert "tok-3141592653" not in json.dumps(shown)
    dump = "\n".join(sqlite3.connect(cli.db).iterdump())
    assert "tok-3141592653" not in dump
    assert "grace" in dump
