"""What a page says: enough to act on from a phone at 3 AM."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FailingMonitor:
    id: str
    name: str
    reason: str
    runbook: str | None = None


def page_text(
    *,
    incident_id: int,
    title: str,
    severity: str,
    severity_description: str,
    components: list[str],
    failing: list[FailingMonitor],
    person: str,
    note: str | None = None,
    escalation: str | None = None,
) -> tuple[str, str]:
    """The title and plain-text body of a page to ``person``.

    ``escalation`` says where the policy stands (``step 2 of 3, round 1 of 2``):
    why this person is paged now, and what tells one page from the next.
    """
    subject = f"[{severity}] #{incident_id} {title}"
    lines = [f"{severity}: {severity_description}", f"Incident #{incident_id}: {title}"]
    if escalation:
        lines.append(f"Escalation: {escalation}")
    if components:
        lines.append(f"Component: {', '.join(components)}")
    if note:
        lines.append(f"Message: {note}")
    for m in failing:
        lines.append(f"{m.name} ({m.id}): {m.reason}")
        if m.runbook:
            lines.append(f"  Runbook: {m.runbook}")
    lines.append(f"Acknowledge: statuscat incident ack {incident_id} --as {person}")
    return subject, "\n".join(lines)


def resolved_text(
    *, incident_id: int, title: str, severity: str, by: str | None
) -> tuple[str, str]:
    """The notice sent to everyone who was paged when the incident resolves."""
    subject = f"[{severity}] #{incident_id} resolved: {title}"
    who = f" by {by}" if by else ""
    return subject, f"Incident #{incident_id} ({title}) was resolved{who}. No action needed."
