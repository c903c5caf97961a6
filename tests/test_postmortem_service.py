"""Postmortems in a real SQLite file: drafts on resolve, versions, conflicts, actions, export.

And the CLI (`statuscat postmortem export|list|status`, `statuscat actions list`)
as processes on the same database, and the status page once one is published.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from statuscat_tui.config import parse_config
from statuscat_tui.core.postmortem import PostmortemError, PostmortemStatus
from statuscat_tui.engine.incidents import IncidentService
from statuscat_tui.engine.postmortems import PostmortemConflict, PostmortemService
from statuscat_tui.engine.publisher import build
from statuscat_tui.store.store import Store

ROOT = Path(__file__).resolve().parent.parent
CLI = (sys.executable, "-m", "statuscat_tui.cli")
BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 3, 4, 10, 0, tzinfo=BERLIN).timestamp()

CONFIG = """
settings: {timezone: Europe/Berlin, me: ada}
components: [{name: Checkout}]
monitors:
  - {id: checkout, url: "http://127.0.0.1:9/health", component: Checkout, severity: SEV1}
people:
  - {id: ada, name: Ada Lovelace}
  - {id: bob, name: Bob}
status_page: {title: Acme status}
"""


class StepClock:
    def __init__(self) -> None:
        self.now = T0

    def time(self) -> float:
        return self.now


class Rig:
    def __init__(self, store: Store, cfg_path: Path, db: Path) -> None:
        self.config = parse_config(cfg_path.read_text(), str(cfg_path), env={})
        self.clock = StepClock()
        self.store = store
        self.service = IncidentService(store, self.config, self.clock)
        self.pm: PostmortemService = self.service.postmortems
        self.cfg_path = cfg_path
        self.db = db

    async def resolved_sev1(self) -> int:
        """Opened 10:00, acknowledged 10:05, monitoring 10:20, resolved 10:45 (Berlin)."""
        c = self.clock
        c.now = T0
        inc = await self.service.open("Checkout is down", "SEV1", "Checkout", by="ada")
        c.now = T0 + 300
        await self.service.acknowledge(inc.id, "bob")
        c.now = T0 + 1200
        await self.service.update(inc.id, "monitoring", "Rolled back.", by="bob")
        c.now = T0 + 2700
        await self.service.resolve(inc.id, by="bob")
        return inc.id

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args, "-c", str(self.cfg_path), "--db", str(self.db)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    cfg = tmp_path / "statuscat.yml"
    cfg.write_text(CONFIG)
    db = tmp_path / "sc.db"
    store = await Store.open(db)
    try:
        yield Rig(store, cfg, db)
    finally:
        await store.close()


async def test_resolving_a_sev1_drafts_a_prefilled_postmortem(rig: Rig) -> None:
    incident_id = await rig.resolved_sev1()
    record = await rig.pm.get(incident_id)
    assert record is not None
    assert (record.status, record.version, record.updated_by) == (PostmortemStatus.DRAFT, 1, "bob")
    body = record.body
    assert body.startswith(f"# Postmortem: #{incident_id} Checkout is down")
    for heading in ("Summary", "Timeline", "Root causes and contributing factors", "Action items"):
        assert f"## {heading}" in body
    # The four response figures for the known times (hand-opened: detected at once).
    for line in (
        "Time to detect",
        "Time to acknowledge",
        "Time to mitigate",
        "Time to resolve",
    ):
        assert line in body
    assert "5 min" in body and "20 min" in body and "45 min" in body
    # The timeline in Berlin time with who did it, by name.
    assert "2026-03-04 10:05:00" in body and "Bob" in body
    assert "Ada Lovelace" in body


async def test_sev3_gets_no_draft_until_asked(rig: Rig) -> None:
    inc = await rig.service.open("Docs typo", "SEV3", None, by="ada")
    await rig.service.resolve(inc.id, by="ada")
    assert await rig.pm.get(inc.id) is None
    record = await rig.pm.open(inc.id, by="ada")
    assert record.status is PostmortemStatus.DRAFT and "# Postmortem:" in record.body
    assert (await rig.pm.open(inc.id, by="bob")).version == 1  # opening again changes nothing


async def test_saves_keep_versions_and_refuse_to_overwrite_a_newer_save(rig: Rig) -> None:
    incident_id = await rig.resolved_sev1()
    first = await rig.pm.get(incident_id)
    assert first is not None
    rig.clock.now += 60
    mine = await rig.pm.save(incident_id, first.body + "\nAda's text\n", base_version=1, by="ada")
    assert mine.version == 2
    # Bob's editor still holds version 1: his save is refused, nothing overwritten.
    rig.clock.now += 60
    with pytest.raises(PostmortemConflict, match="saved by ada at 10:46:00") as refused:
        await rig.pm.save(incident_id, "Bob's text", base_version=1, by="bob")
    assert refused.value.version == 2
    current = await rig.pm.get(incident_id)
    assert current is not None and "Ada's text" in current.body
    # Having seen the conflict, Bob may overwrite on purpose, from version 2.
    theirs = await rig.pm.save(incident_id, "Bob's text", base_version=2, by="bob")
    assert theirs.version == 3
    versions = await rig.pm.versions(incident_id)
    assert [(v["version"], v["saved_by"]) for v in versions] == [(1, "bob"), (2, "ada"), (3, "bob")]
    # Saving unchanged text makes no new version.
    assert (await rig.pm.save(incident_id, "Bob's text", base_version=3, by="bob")).version == 3


async def test_status_moves_draft_review_published(rig: Rig) -> None:
    incident_id = await rig.resolved_sev1()
    with pytest.raises(PostmortemError):
        await rig.pm.set_status(incident_id, "published", by="ada")  # review first
    assert (await rig.pm.set_status(incident_id, "in review", by="ada")).status.value == "in_review"
    assert (await rig.pm.set_status(incident_id, "published", by="ada")).status.value == "published"
    with pytest.raises(PostmortemError, match="unknown postmortem status"):
        await rig.pm.set_status(incident_id, "finished", by="ada")


async def test_action_items_are_validated_listed_and_flagged_overdue(rig: Rig) -> None:
    incident_id = await rig.resolved_sev1()
    late = await rig.pm.add_action(
        incident_id, "Alert on queue depth", owner="bob", due="2026-03-01", priority="p1"
    )
    later = await rig.pm.add_action(incident_id, "Write the runbook", due="2026-04-01")
    assert (late.owner, late.priority.value, later.priority.value) == ("bob", "P1", "P2")
    with pytest.raises(PostmortemError, match="owner"):
        await rig.pm.add_action(incident_id, "x", owner="mallory")
    with pytest.raises(PostmortemError, match="due"):
        await rig.pm.add_action(incident_id, "x", due="next week")
    overdue = await rig.pm.actions(overdue_only=True)
    assert [a.id for a in overdue] == [late.id]
    await rig.pm.set_action_done(late.id)
    assert await rig.pm.actions(overdue_only=True) == []
    edited = await rig.pm.update_action(later.id, "Write the checkout runbook", owner="ada")
    assert (edited.text, edited.owner) == ("Write the checkout runbook", "ada")
    (row,) = await rig.pm.overview()
    assert (row["actions_open"], row["actions_overdue"]) == (1, 0)
    await rig.pm.delete_action(later.id)
    with pytest.raises(PostmortemError, match="no action item"):
        await rig.pm.set_action_done(later.id)


async def test_published_summary_and_actions_reach_the_status_page(
    rig: Rig, tmp_path: Path
) -> None:
    incident_id = await rig.resolved_sev1()
    record = await rig.pm.get(incident_id)
    assert record is not None
    body = record.body.replace(
        "## Summary\n", "## Summary\n\nA bad deploy broke checkout for 45 minutes.\n", 1
    )
    await rig.pm.save(incident_id, body, base_version=record.version, by="ada")
    await rig.pm.add_action(incident_id, "Canary deploys for checkout", owner="bob")
    out = tmp_path / "site"
    await build(rig.store, rig.service, rig.config, rig.clock.now, out)
    page = (out / f"incidents/{incident_id}.html").read_text()
    assert "A bad deploy broke checkout" not in page  # a draft stays internal
    await rig.pm.set_status(incident_id, "in_review", by="ada")
    await rig.pm.set_status(incident_id, "published", by="ada")
    await build(rig.store, rig.service, rig.config, rig.clock.now, out)
    page = (out / f"incidents/{incident_id}.html").read_text()
    assert "A bad deploy broke checkout for 45 minutes." in page
    assert "Canary deploys for checkout" in page
    assert "Bob" not in page and "bob" not in page  # owners stay internal


async def test_cli_export_list_and_actions(rig: Rig, tmp_path: Path) -> None:
    incident_id = await rig.resolved_sev1()
    await rig.pm.add_action(
        incident_id, "Alert on | pipes", owner="bob", due="2020-01-01", priority="P1"
    )
    out = tmp_path / "pm.md"
    done = rig.cli("postmortem", "export", str(incident_id), "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert "Checkout is down" in text and "Time to resolve" in text
    assert "Alert on \\| pipes" in text and "OVERDUE" in text
    stdout = rig.cli("postmortem", "export", str(incident_id))
    assert stdout.returncode == 0 and stdout.stdout == text

    listed = rig.cli("postmortem", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert (row["incident"], row["status"], row["actions_overdue"]) == (incident_id, "draft", 1)

    actions = rig.cli("actions", "list", "--overdue", "--json")
    assert actions.returncode == 0, actions.stderr
    (item,) = json.loads(actions.stdout)
    assert (item["text"], item["owner"], item["overdue"]) == ("Alert on | pipes", "bob", True)

    moved = rig.cli("postmortem", "status", str(incident_id), "in_review")
    assert moved.returncode == 0 and "in review" in moved.stdout

    missing = rig.cli("postmortem", "export", "999")
    assert missing.returncode == 1
    assert "no incident 999" in missing.stderr or "no postmortem" in missing.stderr
    assert "Traceback" not in missing.stderr
