"""``statuscat oncall now|export`` run in-process against a config file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from statuscat_tui.cli import main

CONFIG = """\
settings:
  timezone: Europe/Berlin
monitors:
  - id: web
    url: https://example.com/
people:
  - id: alice
    name: Alice Example
  - id: bob
    name: Bob Example
  - id: carol
schedules:
  - id: primary
    name: Primary on-call
    rotation:
      every: 1w
      handoff: "09:00"
      start: 2026-03-02
      members: [alice, bob, carol]
    overrides:
      - person: carol
        from: 2026-04-01T12:00
        to: 2026-04-02T12:00
  - id: us
    name: US nights
    timezone: America/New_York
    rotation:
      every: 1d
      handoff: "18:00"
      start: 2026-03-07
      members: [bob, alice]
  - id: holiday
    name: Holiday cover
    rotation:
      every: 1d
      handoff: "09:00"
      start: 2026-12-25
      members: [carol]
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "statuscat.yml"
    path.write_text(CONFIG)
    return path


def now_json(
    config: Path, at: str, capsys: pytest.CaptureFixture[str]
) -> dict[str, dict[str, Any]]:
    assert main(["oncall", "now", "--at", at, "--json", "-c", str(config)]) == 0
    data = json.loads(capsys.readouterr().out)
    return {entry["id"]: entry for entry in data["schedules"]}


def test_now_json_across_the_berlin_dst_weekend(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 2026-03-29 02:00 Berlin: clocks go forward; the Monday handoff stays at 09:00 local.
    before = now_json(config, "2026-03-30T08:59", capsys)["primary"]
    assert before["timezone"] == "Europe/Berlin"
    assert before["on_call"] == {
        "person": "alice",
        "name": "Alice Example",
        "start": "2026-03-23T09:00:00+01:00",
        "end": "2026-03-30T09:00:00+02:00",
        "override": False,
    }
    assert before["next"]["person"] == "bob"
    assert before["next"]["start"] == "2026-03-30T09:00:00+02:00"
    # The override on 1 April cuts bob's week short.
    assert before["next"]["end"] == "2026-04-01T12:00:00+02:00"
    after = now_json(config, "2026-03-30T09:00", capsys)["primary"]
    assert after["on_call"]["person"] == "bob"
    assert after["next"] == {
        "person": "carol",
        "name": "carol",
        "start": "2026-04-01T12:00:00+02:00",
        "end": "2026-04-02T12:00:00+02:00",
        "override": True,
    }
    assert after["gaps"] == []


def test_now_json_across_the_new_york_dst_weekend(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # --at without an offset is read in settings.timezone (Berlin): 23:30 CET = 17:30 EST.
    saturday = now_json(config, "2026-03-07T23:30", capsys)["us"]
    assert saturday["on_call"] is None
    assert saturday["next"]["person"] == "bob"
    assert saturday["next"]["start"] == "2026-03-07T18:00:00-05:00"
    assert saturday["gaps"] == [
        {"start": "2026-03-07T17:30:00-05:00", "end": "2026-03-07T18:00:00-05:00"}
    ]
    # Sunday 8 March, clocks go forward at 02:00 in New York.
    sunday = now_json(config, "2026-03-08T17:59:00-04:00", capsys)["us"]
    assert sunday["on_call"]["person"] == "bob"
    assert sunday["on_call"]["start"] == "2026-03-07T18:00:00-05:00"
    assert sunday["on_call"]["end"] == "2026-03-08T18:00:00-04:00"  # 23 hours
    monday = now_json(config, "2026-03-08T22:00:00Z", capsys)["us"]
    assert monday["on_call"]["person"] == "alice"


def test_now_human_output_names_people_and_warns_about_gaps(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["oncall", "now", "--at", "2026-12-20T12:00", "-c", str(config)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "on call at 2026-12-20 12:00 +01:00"
    assert lines[1].split() == ["SCHEDULE", "ON", "CALL", "SINCE", "UNTIL", "NEXT"]
    primary = next(line for line in lines if line.startswith("primary "))
    assert "Alice Example (alice)" in primary or "Bob Example (bob)" in primary
    assert "(in " in primary
    holiday = next(line for line in lines if line.startswith("holiday "))
    assert "nobody" in holiday
    assert "carol from 2026-12-25 09:00 +01:00 (in 4d 21h)" in holiday
    assert "holiday: gap: nobody on call 2026-12-20 12:00 → 2026-12-25 09:00 +01:00" in lines
    # Columns line up: every row's SINCE column starts at the same offset.
    since = lines[1].index("SINCE")
    assert all(line[since - 2 : since] == "  " for line in lines[1:5])


def test_now_human_output_marks_overrides_and_counts_down(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["oncall", "now", "--at", "2026-04-02T08:40", "-c", str(config)]) == 0
    primary = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("primary "))
    assert "carol [override]" in primary
    assert "2026-04-02 12:00 +02:00 (in 3h 20m)" in primary
    assert primary.rstrip().endswith("Bob Example (bob)")


def test_no_schedules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bare.yml"
    path.write_text("monitors:\n  - id: web\n    url: https://example.com/\n")
    assert main(["oncall", "now", "-c", str(path)]) == 0
    assert capsys.readouterr().out == "no schedules configured\n"
    assert main(["oncall", "now", "--json", "-c", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["schedules"] == []


def test_bad_at_exits_2_and_names_the_value(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["oncall", "now", "--at", "tomorrow-ish", "-c", str(config)]) == 2
    assert "'tomorrow-ish'" in capsys.readouterr().err


def test_export_ical_to_a_file(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "primary.ics"
    args = ["oncall", "export", "primary", "--ical", "--days", "28", "-c", str(config)]
    assert main([*args, "--at", "2026-03-25T12:00", "--out", str(out)]) == 0
    assert "7 shifts" in capsys.readouterr().out
    text = out.read_bytes().decode("utf-8")
    # Alice from 23 Mar (running at --at), bob, carol (override), bob, carol, alice, bob.
    assert text.count("BEGIN:VEVENT\r\n") == text.count("END:VEVENT\r\n") == 7
    assert "DTSTART:20260323T080000Z\r\n" in text  # the current shift's real start
    assert "SUMMARY:On call: Alice Example (Primary on-call)\r\n" in text

    # A later export still names the shifts both cover with the same UIDs.
    again = tmp_path / "again.ics"
    assert main([*args, "--at", "2026-03-26T12:00", "--out", str(again)]) == 0
    uids = [line for line in text.split("\r\n") if line.startswith("UID:")]
    assert uids == [x for x in again.read_text().splitlines() if x.startswith("UID:")]


def test_export_ical_to_stdout(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["oncall", "export", "us", "--days", "3", "--at", "2026-03-08T12:00-04:00"]
    assert main([*argv, "-c", str(config)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == 4  # Saturday's shift still running, then 3 more


def test_export_unknown_schedule_lists_the_known_ones(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["oncall", "export", "nope", "--ical", "-c", str(config)]) == 2
    err = capsys.readouterr().err
    assert "'nope'" in err and "primary, us, holiday" in err


def test_export_refuses_a_silly_day_count(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["oncall", "export", "us", "--days", "0", "-c", str(config)]) == 2
    assert "--days" in capsys.readouterr().err
