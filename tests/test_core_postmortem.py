"""Blameless postmortems: the draft, review states, action items, the check and the export.

The export is compared byte for byte with tests/golden/postmortem_export.md;
after an intended change, regenerate it with

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_core_postmortem.py
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from statuscat_tui.core.incidents import Event, EventKind, Incident, IncidentState, PublicStatus
from statuscat_tui.core.postmortem import (
    SECTIONS,
    TRANSITIONS,
    ActionItem,
    ActionStatus,
    MonitorOutage,
    PostmortemError,
    PostmortemStatus,
    Priority,
    blameless_check,
    check_transition,
    export_markdown,
    figures,
    human_duration,
    is_prompt,
    prefill,
    public_summary,
    section,
    validate_action,
)

BERLIN = ZoneInfo("Europe/Berlin")
GOLDEN = Path(__file__).parent / "golden" / "postmortem_export.md"
PEOPLE = {"ada": "Ada Lovelace", "grace": "Grace Hopper", "bob": "Bob"}
NAMES = [*PEOPLE, *PEOPLE.values()]
S = PostmortemStatus


def at(hour: int, minute: int, second: int = 0, day: int = 4, month: int = 3) -> float:
    return datetime(2026, month, day, hour, minute, second, tzinfo=BERLIN).timestamp()


def incident() -> Incident:
    return Incident(
        id=42,
        title="Checkout is down",
        severity="SEV1",
        started=at(10, 0),
        components=["Checkout", "Payments"],
        monitors=["checkout-api"],
        owner="ada",
        state=IncidentState.RESOLVED,
        public_status=PublicStatus.RESOLVED,
        detected=at(10, 2, 30),
        acknowledged=at(10, 5),
        mitigated=at(10, 20),
        resolved=at(10, 45),
    )


def events() -> list[Event]:
    return [
        Event(EventKind.OPENED, at(10, 2, 30), None, {"severity": "SEV1", "title": "Checkout"}),
        Event(
            EventKind.DETECTED,
            at(10, 2, 30),
            None,
            {"monitor": "checkout-api", "reason": "HTTP 502 | upstream\nBad gateway"},
        ),
        Event(EventKind.NOT_PAGED, at(10, 2, 31), None, {"why": "nobody on call"}),
        Event(EventKind.NOT_PAGED, at(10, 2, 40), None, {"why": "nobody on call"}),
        Event(EventKind.PAGED, at(10, 3), None, {"person": "ada", "step": 1, "channels": ["sms"]}),
        Event(EventKind.DELIVERY_SUCCEEDED, at(10, 3, 1), None, {"person": "ada", "target": "sms"}),
        Event(
            EventKind.DELIVERY_FAILED,
            at(10, 3, 2),
            None,
            {"person": "ada", "target": "mail", "attempt": 1, "detail": "timeout"},
        ),
        Event(EventKind.ACKNOWLEDGED, at(10, 5), "ada"),
        Event(
            EventKind.STATUS_UPDATE,
            at(10, 20),
            "grace",
            {"status": "monitoring", "message": "Rolled back; we should have paused sooner"},
        ),
        Event(EventKind.RESOLVED, at(10, 45), "carol"),
    ]


def outages() -> list[MonitorOutage]:
    return [
        MonitorOutage("checkout-api", "Checkout API", at(10, 0), at(10, 40)),
        MonitorOutage("payments", "Payments | EU", at(10, 1), None),
    ]


def draft(inc: Incident | None = None) -> str:
    return prefill(
        inc or incident(), events(), tz=BERLIN, outages=outages(), people=PEOPLE, now=at(11, 0)
    )


def between(text: str, start: str, end: str) -> list[str]:
    """The lines of ``text`` after the line ``start`` and before the line ``end``."""
    lines = text.splitlines()
    i = lines.index(start)
    return lines[i + 1 : lines.index(end, i)]


# -- the draft -------------------------------------------------------------------


def test_the_draft_has_every_section_in_order_with_its_prompt() -> None:
    text = draft()
    lines = text.splitlines()
    assert lines[0] == "# Postmortem: #42 Checkout is down"
    headings = [line[3:] for line in lines if line.startswith("## ")]
    assert headings == [h for h, _ in SECTIONS]
    assert headings == [
        "Summary",
        "Impact",
        "Timeline",
        "Root causes and contributing factors",
        "Trigger",
        "Detection",
        "Response and recovery",
        "What went well",
        "What went wrong",
        "Where we got lucky",
        "Action items",
    ]
    for i, (heading, prompt) in enumerate(SECTIONS):
        end = f"## {SECTIONS[i + 1][0]}" if i + 1 < len(SECTIONS) else None
        body = between(text + "END\n", f"## {heading}", end or "END")
        assert prompt in body, heading
        assert is_prompt(prompt)
    for heading in ("Root causes and contributing factors", "What went well", "Action items"):
        assert section(text, heading) == ""  # untouched: nothing but prompts
    assert "tracked in StatusCat" in between(text + "END\n", "## Action items", "END")[-1]
    assert text.endswith("-->\n") and not text.endswith("\n\n")


def test_the_draft_is_deterministic_and_dated_by_now() -> None:
    assert draft() == draft()
    assert "Drafted by StatusCat on 2026-03-04 11:00:00 CET." in draft().splitlines()[2]


def test_summary_is_one_factual_line_above_the_prompt() -> None:
    assert between(draft(), "## Summary", "## Impact") == [
        "",
        "_Facts: SEV1 affecting Checkout, Payments, "
        "from 2026-03-04 10:00:00 CET to 2026-03-04 10:45:00 CET (45 min)._",
        "",
        SECTIONS[0][1],
        "",
    ]
    ongoing = incident()
    ongoing.resolved, ongoing.components = None, []
    assert (
        "_Facts: SEV1 affecting no named component, from 2026-03-04 10:00:00 CET, still ongoing._"
        in draft(ongoing).splitlines()
    )


def test_impact_lists_components_and_monitor_outages() -> None:
    assert between(draft(), "## Impact", "## Timeline")[:7] == [
        "",
        "Affected components: Checkout, Payments.",
        "",
        "| Monitor | Down from (CET) | Until | Duration |",
        "|---|---|---|---|",
        "| Checkout API | 2026-03-04 10:00:00 | 2026-03-04 10:40:00 | 40 min |",
        "| Payments \\| EU | 2026-03-04 10:01:00 | ongoing | ongoing |",
    ]
    text = prefill(incident(), [], tz=BERLIN, outages=[], people={}, now=at(11, 0))
    assert "No monitor outage was recorded." in text.splitlines()
    assert "No events were recorded." in text.splitlines()


def test_timeline_is_a_table_in_local_time_without_the_noise() -> None:
    rows = [r for r in between(draft(), "## Timeline", "## Root causes and contributing factors")]
    assert rows[:10] == [
        "",
        "| Time (CET) | Event | Who |",
        "|---|---|---|",
        "| 2026-03-04 10:02:30 | StatusCat opened the incident (SEV1): Checkout | StatusCat |",
        "| 2026-03-04 10:02:30 | checkout-api confirmed DOWN: HTTP 502 \\| upstream Bad gateway "
        "| StatusCat |",
        "| 2026-03-04 10:02:31 | nobody paged: nobody on call | StatusCat |",
        "| 2026-03-04 10:03:00 | paged ada, step 1, via sms | StatusCat |",
        "| 2026-03-04 10:03:02 | page to ada via mail failed (attempt 1): timeout; will retry "
        "| StatusCat |",
        "| 2026-03-04 10:05:00 | ada acknowledged | Ada Lovelace |",
        "| 2026-03-04 10:20:00 | grace posted Monitoring: Rolled back; we should have paused "
        "sooner | Grace Hopper |",
    ]
    assert rows[10] == "| 2026-03-04 10:45:00 | carol resolved the incident | carol |"
    assert "delivered" not in draft()  # DELIVERY_SUCCEEDED is left out


def test_timeline_spells_out_a_zone_change_during_the_incident() -> None:
    inc = incident()
    inc.started = at(1, 50, day=29)
    evs = [
        Event(EventKind.ACKNOWLEDGED, at(1, 55, day=29), "ada"),
        Event(EventKind.RESOLVED, at(3, 10, day=29), "ada"),  # 02:00 CET became 03:00 CEST
    ]
    text = prefill(inc, evs, tz=BERLIN, outages=[], people={}, now=at(4, 0, day=29))
    assert "| Time (CET) | Event | Who |" in text
    assert "| 2026-03-29 01:55:00 | ada acknowledged | ada |" in text
    assert "| 2026-03-29 03:10:00 CEST | ada resolved the incident | ada |" in text


def test_response_figures_exactly() -> None:
    assert figures(incident()) == [
        ("Time to detect", 150.0),
        ("Time to acknowledge", 300.0),
        ("Time to mitigate", 1200.0),
        ("Time to resolve", 2700.0),
    ]
    assert between(draft(), "## Response and recovery", "## What went well")[:7] == [
        "",
        "| Figure | Time | From the first failure to |",
        "|---|---|---|",
        "| Time to detect | 2 min 30 s | confirmed DOWN |",
        "| Time to acknowledge | 5 min | the first acknowledgement |",
        "| Time to mitigate | 20 min | the first *monitoring* update |",
        "| Time to resolve | 45 min | resolution |",
    ]
    open_one = incident()
    open_one.acknowledged = open_one.mitigated = open_one.resolved = None
    assert "| Time to resolve | — | resolution |" in draft(open_one)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (-3, "0 s"),
        (59.4, "59 s"),
        (150, "2 min 30 s"),
        (300, "5 min"),
        (3600, "1 h"),
        (3930, "1 h 5 min"),
        (86400 * 2 + 3 * 3600 + 59, "2 d 3 h"),
        (86400, "1 d"),
    ],
)
def test_human_duration(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


def test_a_fresh_draft_passes_the_blameless_check() -> None:
    # The timeline quotes "we should have paused sooner": facts are not flagged.
    assert blameless_check(draft(), NAMES) == []


# -- review states -----------------------------------------------------------------


def test_transitions() -> None:
    assert dict(TRANSITIONS) == {
        S.DRAFT: {S.IN_REVIEW},
        S.IN_REVIEW: {S.DRAFT, S.PUBLISHED},
        S.PUBLISHED: {S.IN_REVIEW},
    }
    assert [s.label for s in S] == ["Draft", "In review", "Published"]
    for old in S:
        for new in S:
            if new in TRANSITIONS[old]:
                check_transition(old, new)
            else:
                with pytest.raises(PostmortemError):
                    check_transition(old, new)
    with pytest.raises(PostmortemError, match=r"draft postmortem cannot become published"):
        check_transition(S.DRAFT, S.PUBLISHED)
    with pytest.raises(PostmortemError, match="already in review"):
        check_transition(S.IN_REVIEW, S.IN_REVIEW)


# -- action items ----------------------------------------------------------------------


def test_validate_action_accepts_and_cleans_form_input() -> None:
    assert validate_action("  Add a canary\n stage ", "ada", "2026-03-20", "p1", PEOPLE) == (
        "Add a canary stage",
        "ada",
        date(2026, 3, 20),
        Priority.P1,
    )
    assert validate_action("Alert on 502s", "", "", "P3", PEOPLE) == (
        "Alert on 502s",
        None,
        None,
        Priority.P3,
    )
    assert validate_action("x", None, None, "", ()) == ("x", None, None, Priority.P2)
    assert validate_action("x", "anyone", None, "P2", ())[1] == "anyone"  # nobody to check


@pytest.mark.parametrize(
    ("text", "owner", "due", "priority", "field", "message"),
    [
        ("  ", None, None, "P2", "text", "action: describe"),
        ("x" * 501, None, None, "P2", "text", "too long"),
        ("x", "zed", None, "P2", "owner", "owner: 'zed' is not a known person"),
        ("x", None, "2026-02-30", "P2", "due", r"due: '2026-02-30' is not a date \(use YYYY-MM-DD"),
        ("x", None, "20260304", "P2", "due", "due:"),
        ("x", None, "next week", "P2", "due", "due:"),
        ("x", None, None, "P4", "priority", "priority: 'P4' is not P1, P2 or P3"),
        ("x", None, None, "high", "priority", "priority:"),
    ],
)
def test_validate_action_names_the_field(
    text: str, owner: str | None, due: str | None, priority: str, field: str, message: str
) -> None:
    with pytest.raises(PostmortemError, match=message) as caught:
        validate_action(text, owner, due, priority, PEOPLE)
    assert caught.value.field == field


def test_overdue() -> None:
    item = ActionItem(1, 42, "Add a canary", "ada", date(2026, 3, 10))
    assert not item.overdue(date(2026, 3, 10))
    assert item.overdue(date(2026, 3, 11))
    assert not ActionItem(2, 42, "x", None, None).overdue(date(2030, 1, 1))
    done = ActionItem(3, 42, "x", None, date(2026, 3, 1), status=ActionStatus.DONE)
    assert not done.overdue(date(2026, 3, 11))


# -- the blameless check -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phrase", "suggests"),
    [
        ("The deploy should have waited.", "should have", "runbook did not say"),
        ("We should've paused.", "should've", "made the right action hard"),
        ("It shouldn't have merged.", "shouldn't have", "made the right action hard"),
        ("It should not have merged.", "should not have", "made the right action hard"),
        ("A careless change.", "careless", "conditions"),
        ("Pure carelessness.", "carelessness", "conditions"),
        ("Root cause: human error.", "human error", "gap in the system or process"),
        ("It was Bob's fault.", "Bob's fault", "safeguard"),
        ("It was the fault of ops.", "fault of ops", "safeguard"),
        ("It was their fault.", "their fault", "safeguard"),
        ("It was his fault.", "his fault", "safeguard"),
        ("It was her fault.", "her fault", "safeguard"),
        ("That was negligent.", "negligent", "checklist"),
        ("Pure negligence.", "negligence", "checklist"),
        ("An incompetent rollout.", "incompetent", "knowledge"),
        ("The on-call forgot to renew it.", "forgot to", "relied on memory"),
        ("The engineer failed to renew it.", "failed to", "system did not do"),
        ("Bob failed to renew it.", "failed to", "system did not do"),
        ("They then failed to renew it.", "failed to", "system did not do"),
        ("A lazy fix.", "lazy", "friction"),
        ("A sloppy review.", "sloppy", "check that would have caught"),
        ("Who do we blame?", "blame", "how the system made"),
        ("Ops is to blame.", "to blame", "how the system made"),
        ("Ops were blamed.", "blamed", "how the system made"),
        ("SHOULD HAVE known.", "SHOULD HAVE", "runbook"),
    ],
)
def test_each_trigger_is_flagged_with_a_suggestion(text: str, phrase: str, suggests: str) -> None:
    body = f"## What went wrong\n\n{text}\n"
    [warning] = blameless_check(body, NAMES)
    assert (warning.line, warning.phrase) == (3, phrase)
    assert warning.column == text.index(phrase)
    assert suggests in warning.suggestion
    assert warning.message


@pytest.mark.parametrize(
    "text",
    [
        "The system should handle a slow database.",
        "Alerts should fire within a minute.",
        "A blameless review; nobody is to blame.",
        "It was not their fault, and it is no one's fault.",
        "It was nobody's fault.",
        "The health check failed to notice the stale cache.",
        "The deploy failed to start.",
        "Shoulder have, blamestorm, faulty config, careful work.",
    ],
)
def test_no_false_positives(text: str) -> None:
    assert blameless_check(f"## What went wrong\n\n{text}\n", NAMES) == []


def test_every_occurrence_is_reported_with_its_line_and_column() -> None:
    text = "## What went wrong\n\nA careless,\ncareless fix; we should have, should have.\n"
    found = [(w.line, w.column, w.phrase) for w in blameless_check(text)]
    assert found == [
        (3, 2, "careless"),
        (4, 0, "careless"),
        (4, 17, "should have"),
        (4, 30, "should have"),
    ]


def test_a_name_as_subject_of_a_root_cause_is_flagged() -> None:
    text = (
        "## Root causes and contributing factors\n"
        "\n"
        "Bob deployed a bad config. Then the cache filled up.\n"
        "- ada lovelace, on call, restarted the wrong node.\n"
        "The config was wrong; Grace approved it.\n"
        "The change had no canary, so Bob could not see the errors.\n"
        "Bob's change was reviewed.\n"
        "\n"
        "## What went wrong\n"
        "\n"
        "Bob deployed it on a Friday.\n"
    )
    found = [(w.line, w.column, w.phrase) for w in blameless_check(text, NAMES)]
    assert found == [(3, 0, "Bob"), (4, 2, "ada lovelace"), (5, 22, "Grace")]
    warning = blameless_check(text, NAMES)[0]
    assert warning.suggestion.startswith("Describe what the system allowed:")
    assert blameless_check(text) == []  # names come from people only


def test_names_in_the_timeline_table_are_facts() -> None:
    text = (
        "## Timeline\n"
        "\n"
        "| Time (CET) | Event | Who |\n"
        "|---|---|---|\n"
        "| 10:00:00 | Bob failed to renew it; his fault | Bob |\n"
        "\n"
        "Bob forgot to renew the certificate.\n"
    )
    found = [(w.line, w.phrase) for w in blameless_check(text, NAMES)]
    assert found == [(7, "forgot to")]


def test_prompts_comments_and_code_are_skipped() -> None:
    text = (
        "## Root causes and contributing factors\n"
        "<!-- Bob should have known: careless -->\n"
        "<!-- a comment that\n"
        "Bob should have read -->\n"
        "```\n"
        "Bob should have = careless  # human error\n"
        "## Not a heading\n"
        "```\n"
        "Run `should_have --careless` and fine. <!-- lazy --> Then sloppy.\n"
    )
    found = [(w.line, w.column, w.phrase) for w in blameless_check(text, NAMES)]
    assert found == [(9, 58, "sloppy")]


_WORDS = st.sampled_from(
    [
        "should have",
        "should've",
        "Bob",
        "bob's fault",
        "Ada Lovelace",
        "failed to",
        "we",
        "human error",
        "to blame",
        "nobody",
        "not",
        "|",
        "`",
        "```",
        "<!--",
        "-->",
        "## Timeline",
        "## Root causes and contributing factors",
        "- ",
        ". ",
        "\n",
        "\r\n",
        "\u2028",
        " ",
        "é",
    ]
)


@given(
    st.lists(st.one_of(_WORDS, st.text(max_size=5)), max_size=40).map("".join),
    st.lists(st.one_of(st.sampled_from(NAMES), st.text(max_size=6)), max_size=4),
)
def test_warnings_always_point_at_their_phrase(text: str, people: list[str]) -> None:
    lines = text.splitlines()
    for w in blameless_check(text, people):
        assert w.phrase
        assert lines[w.line - 1][w.column : w.column + len(w.phrase)] == w.phrase
        assert w.message and w.suggestion


# -- reading sections --------------------------------------------------------------------


def test_section() -> None:
    text = (
        "# Postmortem: #1 x\n"
        "## Summary\n"
        "\n"
        "<!-- prompt -->\n"
        "\n"
        "The cache  filled up.\n"
        "<!-- another -->\n"
        "\n"
        "It was cleared.\n"
        "```\n"
        "## still code\n"
        "```\n"
        "\n"
        "### A subsection\n"
        "## Impact\n"
        "Some.\n"
    )
    assert section(text, "Summary") == (
        "The cache  filled up.\n\nIt was cleared.\n```\n## still code\n```\n\n### A subsection"
    )
    assert section(text, "summary") == section(text, "Summary")
    assert section(text, "Impact") == "Some."
    assert section(text, "Trigger") is None
    assert section("## Trigger\n<!-- prompt -->\n", "Trigger") == ""


# -- publishing ---------------------------------------------------------------------------


def actions() -> list[ActionItem]:
    return [
        ActionItem(
            7,
            42,
            "Alert when the payment provider's error rate | p99 rises",
            None,
            None,
            Priority.P2,
            ActionStatus.DONE,
            created=at(12, 0),
            done_at=at(16, 30, day=6),
        ),
        ActionItem(3, 42, "Add a canary stage to the checkout deploy", "ada", date(2026, 3, 10)),
        ActionItem(5, 42, "Document the rollback", "zoe", date(2026, 3, 31), Priority.P3),
        ActionItem(6, 42, "Make config changes go through review", "grace", None, Priority.P1),
    ]


def edited() -> str:
    """A draft as people left it: the summary, root causes and what went well written."""
    text = draft()
    summary_prompt = SECTIONS[0][1]
    text = text.replace(
        summary_prompt,
        f"{summary_prompt}\n\nFor 45 minutes, checkout failed for most customers after a "
        "configuration change reached every server at once.",
    )
    causes_prompt = SECTIONS[3][1]
    text = text.replace(
        causes_prompt,
        f"{causes_prompt}\n\n- A configuration change could reach every server at once.\n"
        "- The checkout health check did not exercise payments.",
    )
    return text.replace(SECTIONS[7][1], f"{SECTIONS[7][1]}\n\nThe rollback took two minutes.")


def test_public_summary_has_the_summary_and_actions_without_owners() -> None:
    summary = public_summary(edited(), actions())
    assert summary == (
        "**Summary**\n\n"
        "For 45 minutes, checkout failed for most customers after a configuration change "
        "reached every server at once.\n\n"
        "**Follow-up actions**\n\n"
        "- Add a canary stage to the checkout deploy\n"
        "- Document the rollback\n"
        "- Make config changes go through review\n"
        "- Alert when the payment provider's error rate | p99 rises (done)"
    )
    for private in ("ada", "Ada", "grace", "zoe", "2026-03-10", "P1", "SEV1", "Facts"):
        assert private not in summary
    assert public_summary(edited(), []) == summary.split("\n\n**Follow-up")[0]


def test_public_summary_is_none_until_someone_writes_one() -> None:
    assert public_summary(draft(), actions()) is None  # the facts line and prompt only
    assert public_summary("## Impact\nlots\n", actions()) is None
    assert public_summary("## Summary\n\n", []) is None


def export(body: str) -> str:
    return export_markdown(
        incident(),
        body,
        status=S.PUBLISHED,
        version=3,
        updated=at(9, 15, day=9),
        actions=actions(),
        people=PEOPLE,
        tz=BERLIN,
        today=date(2026, 3, 11),
    )


def test_export_matches_the_golden_file() -> None:
    got = export(edited())
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_bytes(got.encode())
    assert got.encode() == GOLDEN.read_bytes(), (
        "export changed: if intended, run UPDATE_GOLDEN=1 .venv/bin/pytest "
        "tests/test_core_postmortem.py and review the diff"
    )


def test_export_front_matter_and_action_table() -> None:
    got = export(edited())
    _, front, rest = got.split("---\n", 2)
    assert yaml.safe_load(front) == {
        "incident": 42,
        "severity": "SEV1",
        "status": "published",
        "version": 3,
        "last_saved": "2026-03-09 09:15:00 CET",
    }
    assert between(got + "END\n", "## Action items", "END") == [
        "",
        "| # | Action | Owner | Due | Priority | Status |",
        "|---|---|---|---|---|---|",
        "| 3 | Add a canary stage to the checkout deploy | Ada Lovelace | 2026-03-10 | P2 "
        "| **OVERDUE** |",
        "| 5 | Document the rollback | zoe | 2026-03-31 | P3 | Open |",
        "| 6 | Make config changes go through review | Grace Hopper | — | P1 | Open |",
        "| 7 | Alert when the payment provider's error rate \\| p99 rises | — | — | P2 "
        "| Done 2026-03-06 |",
    ]
    assert rest.lstrip("\n").startswith(edited().split("## Action items")[0])


def test_export_keeps_what_was_written_under_action_items_and_the_rest() -> None:
    body = "# Postmortem\n\n## Action items\n<!-- prompt -->\nSee also #12.\n\n## Notes\nKept.\n"
    got = export_markdown(
        incident(),
        body,
        status=S.DRAFT,
        version=1,
        updated=at(12, 0),
        actions=[],
        people={},
        tz=BERLIN,
        today=date(2026, 3, 4),
    )
    assert got.split("---\n\n", 1)[1] == (
        "# Postmortem\n\n## Action items\n\nSee also #12.\n\nNo action items yet.\n\n"
        "## Notes\nKept.\n"
    )


def test_export_appends_action_items_when_the_heading_is_gone() -> None:
    got = export("# Postmortem\n\n## Summary\n\nShort.\n\n")
    assert got.split("---\n\n", 1)[1].startswith(
        "# Postmortem\n\n## Summary\n\nShort.\n\n## Action items\n\n| # | Action |"
    )
    assert got.endswith("| Done 2026-03-06 |\n")
    assert "## Action items\n\n| # |" in export("")
