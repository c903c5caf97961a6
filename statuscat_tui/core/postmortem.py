"""Blameless postmortems: the draft, its review states, action items and the export.

A postmortem asks how the system let an incident happen, not who caused it.
People act sensibly on what they know at the time; when a mistake gets
through, the interesting question is which missing check, unclear runbook or
risky default let it through, because that is what an action item can fix.
``blameless_check`` nudges the wording that way; it only warns, never blocks.

Pure: the caller passes the incident, its timeline, people's names, the time
zone and the time. The draft is Markdown that people edit; prompts are
single-line HTML comments (``<!-- … -->``), invisible once rendered and
ignored by ``section`` and ``blameless_check``. Line numbers follow
``str.splitlines``, as the TUI's editor counts them.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from statuscat_tui.core.incidents import Event, EventKind, Incident, response_figures
from statuscat_tui.core.timeline import describe, local_time

# -- review states -----------------------------------------------------------


class PostmortemError(Exception):
    """Refused input or transition; ``field`` names the form field at fault, if any."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PostmortemStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


TRANSITIONS: Mapping[PostmortemStatus, frozenset[PostmortemStatus]] = {
    PostmortemStatus.DRAFT: frozenset({PostmortemStatus.IN_REVIEW}),
    PostmortemStatus.IN_REVIEW: frozenset({PostmortemStatus.DRAFT, PostmortemStatus.PUBLISHED}),
    PostmortemStatus.PUBLISHED: frozenset({PostmortemStatus.IN_REVIEW}),
}


def check_transition(old: PostmortemStatus, new: PostmortemStatus) -> None:
    allowed = TRANSITIONS[old]
    if new in allowed:
        return
    if new is old:
        raise PostmortemError(f"the postmortem is already {old.label.lower()}")
    options = " or ".join(sorted(s.label.lower() for s in allowed))
    raise PostmortemError(
        f"a {old.label.lower()} postmortem cannot become {new.label.lower()} "
        f"(it can go to {options})"
    )


# -- action items ------------------------------------------------------------


class Priority(enum.StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"


@dataclass(frozen=True)
class ActionItem:
    id: int
    incident: int
    text: str
    owner: str | None
    due: date | None
    priority: Priority = Priority.P2
    status: ActionStatus = ActionStatus.OPEN
    created: float = 0.0
    done_at: float | None = None

    def overdue(self, today: date) -> bool:
        return self.status is ActionStatus.OPEN and self.due is not None and self.due < today


MAX_ACTION_TEXT = 500
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def validate_action(
    text: str, owner: str | None, due: str | None, priority: str, people: Collection[str]
) -> tuple[str, str | None, date | None, Priority]:
    """Form input as an action item's fields; whitespace in ``text`` is folded to one line.

    A blank priority means the default, P2. ``people`` are person ids; when it
    is empty, any owner is accepted.
    """
    clean = " ".join(text.split())
    if not clean:
        raise PostmortemError("action: describe the change to make", field="text")
    if len(clean) > MAX_ACTION_TEXT:
        raise PostmortemError(
            f"action: {len(clean)} characters is too long (at most {MAX_ACTION_TEXT})",
            field="text",
        )
    who = (owner or "").strip() or None
    if who is not None and people and who not in people:
        raise PostmortemError(f"owner: {who!r} is not a known person", field="owner")
    return clean, who, _parse_due(due), _parse_priority(priority)


def _parse_due(due: str | None) -> date | None:
    text = (due or "").strip()
    if not text:
        return None
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise PostmortemError(
            f"due: {text!r} is not a date (use YYYY-MM-DD)", field="due"
        ) from None


def _parse_priority(priority: str) -> Priority:
    text = priority.strip().upper()
    if not text:
        return Priority.P2
    try:
        return Priority(text)
    except ValueError:
        raise PostmortemError(
            f"priority: {priority.strip()!r} is not P1, P2 or P3", field="priority"
        ) from None


# -- the template --------------------------------------------------------------

SECTIONS: tuple[tuple[str, str], ...] = (
    ("Summary", "<!-- What happened, in two or three sentences a customer would understand. -->"),
    ("Impact", "<!-- Who was affected, how, and for how long? Numbers beat adjectives. -->"),
    (
        "Timeline",
        "<!-- Add what StatusCat could not see: what people noticed, tried and decided, "
        "and why it made sense at the time. -->",
    ),
    (
        "Root causes and contributing factors",
        "<!-- Which conditions in the system let this happen? There is rarely a single cause: "
        "ask how it made sense at the time, not who did it. -->",
    ),
    ("Trigger", "<!-- What change or event set it off? Describe the change, not its author. -->"),
    ("Detection", "<!-- How did we find out? Could a monitor have told us sooner? -->"),
    (
        "Response and recovery",
        "<!-- What helped and what slowed the response: tooling, runbooks, access, "
        "information? -->",
    ),
    ("What went well", "<!-- What worked, and is worth keeping? -->"),
    ("What went wrong", "<!-- Where did the system, tooling or process make the work harder? -->"),
    ("Where we got lucky", "<!-- What could have made this much worse, and did not? -->"),
    (
        "Action items",
        "<!-- Changes to systems and processes, not 'be more careful'; each needs an owner. -->",
    ),
)
ACTION_ITEMS = "Action items"
ACTION_ITEMS_NOTE = (
    "<!-- Action items are tracked in StatusCat, not typed here: "
    "the export fills in this section. -->"
)
_DEFINITIONS = {
    "time_to_detect": ("Time to detect", "confirmed DOWN"),
    "time_to_acknowledge": ("Time to acknowledge", "the first acknowledgement"),
    "time_to_mitigate": ("Time to mitigate", "the first *monitoring* update"),
    "time_to_resolve": ("Time to resolve", "resolution"),
}
_FACTS = "_Facts: "  # starts the Summary's generated line; public_summary leaves it out


def is_prompt(line: str) -> bool:
    """A line with nothing but HTML comment in it: a prompt, never part of the text."""
    return bool(line.strip()) and not _hide_comments(line, False)[0].strip()


@dataclass(frozen=True)
class MonitorOutage:
    monitor: str
    name: str
    start: float
    end: float | None


def human_duration(seconds: float) -> str:
    """``45 s``, ``2 min 30 s``, ``1 h 5 min``, ``2 d 3 h``: seconds are dropped from 1 h."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m} min {s} s" if s else f"{m} min"
    h, m = divmod(m, 60)
    if h < 24:
        return f"{h} h {m} min" if m else f"{h} h"
    d, h = divmod(h, 24)
    return f"{d} d {h} h" if h else f"{d} d"


def figures(inc: Incident) -> list[tuple[str, float | None]]:
    """The four response figures, labelled, in seconds from the first failure."""
    spans = response_figures(inc)
    return [(label, spans[key]) for key, (label, _) in _DEFINITIONS.items()]


def prefill(
    inc: Incident,
    events: Sequence[Event],
    *,
    tz: ZoneInfo,
    outages: Sequence[MonitorOutage],
    people: Mapping[str, str],
    now: float,
) -> str:
    """The draft: every section with its prompt, and the facts StatusCat knows filled in."""
    filled = {
        "Summary": [_summary_line(inc, tz)],
        "Impact": _impact(inc, outages, tz),
        "Timeline": _timeline(inc, events, people, tz),
        "Response and recovery": _response(inc),
    }
    out = [
        f"# Postmortem: #{inc.id} {_one_line(inc.title)}",
        "",
        f"<!-- Drafted by StatusCat on {_stamp(now, tz)}. "
        "Lines like this one are prompts: write below them. -->",
    ]
    for heading, prompt in SECTIONS:
        out += ["", f"## {heading}", ""]
        if heading in filled:
            out += [*filled[heading], ""]
        out.append(prompt)
        if heading == ACTION_ITEMS:
            out.append(ACTION_ITEMS_NOTE)
    return "\n".join(out) + "\n"


def _summary_line(inc: Incident, tz: ZoneInfo) -> str:
    where = _components(inc)
    start = _stamp(inc.started, tz)
    if inc.resolved is None:
        return f"{_FACTS}{inc.severity} affecting {where}, from {start}, still ongoing._"
    took = human_duration(inc.resolved - inc.started)
    return (
        f"{_FACTS}{inc.severity} affecting {where}, from {start} "
        f"to {_stamp(inc.resolved, tz)} ({took})._"
    )


def _components(inc: Incident) -> str:
    return ", ".join(_one_line(c) for c in inc.components) or "no named component"


def _impact(inc: Incident, outages: Sequence[MonitorOutage], tz: ZoneInfo) -> list[str]:
    lines = [f"Affected components: {_components(inc)}.", ""]
    if not outages:
        return [*lines, "No monitor outage was recorded."]
    zone = _abbrev(outages[0].start, tz)
    lines += [f"| Monitor | Down from ({zone}) | Until | Duration |", "|---|---|---|---|"]
    for o in outages:
        since = _in_zone(o.start, zone, tz)
        until = "ongoing" if o.end is None else _in_zone(o.end, zone, tz)
        took = "ongoing" if o.end is None else human_duration(o.end - o.start)
        lines.append(f"| {_cell(o.name)} | {since} | {until} | {took} |")
    return lines


def _timeline(
    inc: Incident, events: Sequence[Event], people: Mapping[str, str], tz: ZoneInfo
) -> list[str]:
    kept = list(_worth_telling(sorted(events, key=lambda e: e.at)))
    if not kept:
        return ["No events were recorded."]
    zone = _abbrev(kept[0].at, tz)
    lines = [f"| Time ({zone}) | Event | Who |", "|---|---|---|"]
    for e in kept:
        when = _in_zone(e.at, zone, tz)
        who = (people.get(e.actor, e.actor) if e.actor else "") or "StatusCat"
        lines.append(f"| {when} | {_cell(describe(e))} | {_cell(who)} |")
    return lines


def _worth_telling(events: Iterable[Event]) -> Iterator[Event]:
    """Leave out delivery receipts and repeated "nobody paged" lines."""
    told_not_paged = False
    for e in events:
        if e.kind is EventKind.DELIVERY_SUCCEEDED:
            continue
        if e.kind is EventKind.NOT_PAGED:
            if told_not_paged:
                continue
            told_not_paged = True
        yield e


def _response(inc: Incident) -> list[str]:
    spans = response_figures(inc)
    lines = ["| Figure | Time | From the first failure to |", "|---|---|---|"]
    for key, (label, until) in _DEFINITIONS.items():
        took = spans[key]
        lines.append(f"| {label} | {'—' if took is None else human_duration(took)} | {until} |")
    return lines


def _in_zone(ts: float, zone: str, tz: ZoneInfo) -> str:
    """Local time for a column headed with ``zone``; another abbreviation is spelled out."""
    other = _abbrev(ts, tz)  # differs when the clocks changed during the incident
    return local_time(ts, tz) if other == zone else f"{local_time(ts, tz)} {other}"


def _stamp(ts: float, tz: ZoneInfo) -> str:
    return f"{local_time(ts, tz)} {_abbrev(ts, tz)}".rstrip()


def _abbrev(ts: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, tz).tzname() or ""


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def _cell(text: str) -> str:
    """``text`` safe inside a Markdown table cell: one line, ``|`` escaped."""
    return _one_line(text).replace("|", "\\|")


# -- reading the Markdown back ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Line:
    number: int  # 1-based, as str.splitlines counts
    text: str  # as written
    visible: str  # ``text`` with comments and code spans blanked, positions kept
    section: str | None  # the "## " heading this line is under
    level: int = 0  # 1 or 2 on a "#" or "##" heading line
    code: bool = False  # in a fenced code block, or its fence

    @property
    def prompt(self) -> bool:
        """Only a comment: blank once comments are hidden."""
        return not self.code and not self.visible.strip() and bool(self.text.strip())


_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r" {0,3}(#{1,2})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")


def _scan(text: str) -> list[_Line]:
    out: list[_Line] = []
    section: str | None = None
    fence: str | None = None
    in_comment = False
    for number, raw in enumerate(text.splitlines(), 1):
        if fence is not None:
            if re.fullmatch(rf" {{0,3}}{fence[0]}{{{len(fence)},}}\s*", raw):
                fence = None
            out.append(_Line(number, raw, " " * len(raw), section, code=True))
            continue
        visible, in_comment_after = _hide_comments(raw, in_comment)
        if not in_comment and (m := _FENCE.match(raw)):
            fence = m.group(1)
            out.append(_Line(number, raw, " " * len(raw), section, code=True))
            continue
        in_comment = in_comment_after
        visible = _CODE_SPAN.sub(lambda m: " " * len(m.group()), visible)
        level = 0
        if h := _HEADING.match(visible):
            level = len(h.group(1))
            section = (h.group(2) or "").strip() if level == 2 else None
        out.append(_Line(number, raw, visible, section, level))
    return out


def _hide_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    """``line`` with HTML comment text replaced by spaces; whether a comment runs on."""
    chars = list(line)
    i = 0
    while i < len(line):
        if in_comment:
            end = line.find("-->", i)
            stop = len(line) if end < 0 else end + 3
            chars[i:stop] = " " * (stop - i)
            in_comment, i = end < 0, stop
        else:
            start = line.find("<!--", i)
            if start < 0:
                break
            in_comment, i = True, start
    return "".join(chars), in_comment


def _section_lines(lines: list[_Line], heading: str) -> tuple[int, int] | None:
    """Indexes of the heading line and the end of the first section called ``heading``."""
    wanted = heading.strip().casefold()
    for i, line in enumerate(lines):
        if line.level == 2 and (line.section or "").casefold() == wanted:
            end = next((j for j in range(i + 1, len(lines)) if lines[j].level), len(lines))
            return i, end
    return None


def _written(lines: Sequence[_Line]) -> list[str]:
    """What people wrote: prompts dropped, with the blank lines they leave behind."""
    out: list[str] = []
    dropped = False
    for line in lines:
        if line.prompt:
            dropped = True
            continue
        blank = not line.text.strip()
        if blank and dropped and (not out or not out[-1].strip()):
            continue
        if not blank:
            dropped = False
        out.append(line.text)
    while out and not out[-1].strip():
        out.pop()
    while out and not out[0].strip():
        out.pop(0)
    return out


def section(text: str, heading: str) -> str | None:
    """The text under ``## heading`` without prompts, stripped; None without that heading."""
    lines = _scan(text)
    span = _section_lines(lines, heading)
    if span is None:
        return None
    return "\n".join(_written(lines[span[0] + 1 : span[1]])).strip()


# -- the blameless check ----------------------------------------------------------


@dataclass(frozen=True)
class BlameWarning:
    line: int  # 1-based
    column: int  # 0-based
    phrase: str  # as written in the text
    message: str
    suggestion: str


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]  # the warning covers group "hit" if the pattern has one
    message: str
    suggestion: str
    not_after_negation: bool = False  # "nobody is to blame" is fine


_NEGATED = re.compile(
    r"(?:\bno(?:body|\s+one|-one)?|\bnot|n['’]t|\bnever)\s+(?:[\w'’]+\s+){0,2}$", re.I
)
_NOBODY = r"(?!(?:nobody|no\s*-?\s*one|anyone|anybody)\b)"
_ROLES = (
    r"he|she|they|we|i|you|someone|somebody|the\s+team|"
    r"(?:the\s+)?(?:engineer|operator|developer|dev|on-?call(?:er)?|responder|admin|sre|reviewer)s?"
)


def _rule(pattern: str, message: str, suggestion: str, negatable: bool = False) -> _Rule:
    return _Rule(re.compile(pattern, re.IGNORECASE), message, suggestion, negatable)


_PHRASES = (
    _rule(
        r"\bshould(?:n['’]t|\s+not)?(?:\s+have|['’]ve)\b",
        "Hindsight: 'should have' judges a decision by what we know now.",
        "Ask what made the right action hard: 'The runbook did not say …'",
    ),
    _rule(
        r"\bcareless(?:ness|ly)?\b",
        "'Careless' describes a person, not what went wrong.",
        "Describe the conditions: time pressure, an unclear tool, a missing safeguard",
    ),
    _rule(
        r"\bhuman\s+errors?\b",
        "'Human error' is where an investigation should start, not end.",
        "Name the gap in the system or process that let the mistake through",
    ),
    _rule(
        rf"\b{_NOBODY}[\w.-]+['’]s\s+fault\b",
        "Assigning fault to a person.",
        "Say which safeguard was missing: 'Nothing stopped a change to … from …'",
        negatable=True,
    ),
    _rule(
        rf"\bfault\s+of\s+{_NOBODY}\w(?:[\w.-]*\w)?",
        "Assigning fault.",
        "Say which safeguard was missing: 'Nothing stopped a change to … from …'",
        negatable=True,
    ),
    _rule(
        r"\b(?:their|his|her|my|your|our|whose)\s+fault\b",
        "Assigning fault to a person.",
        "Say which safeguard was missing: 'Nothing stopped a change to … from …'",
        negatable=True,
    ),
    _rule(
        r"\bnegligen(?:t|ce|tly)\b",
        "'Negligent' is a judgement of a person.",
        "Describe what was expected and why it was hard to do: 'The checklist had no step for …'",
    ),
    _rule(
        r"\bincompeten(?:t|ce|tly)\b",
        "'Incompetent' is a judgement of a person.",
        "Describe the knowledge the situation needed and where it should have been written down",
    ),
    _rule(
        r"\bforg[eo]t(?:s|ten)?\s+to\b",
        "Blames memory: the step depended on someone remembering it.",
        "Ask why it relied on memory: 'The deploy checklist has no step for …'",
    ),
    _rule(
        rf"(?<![\w-])(?:{_ROLES})\s+(?:(?:also|then|just|never|had|has|have|\w+ly)\s+){{0,2}}"
        r"(?P<hit>failed\s+to)\b",
        "A person 'failed to': this frames the incident as someone's failure.",
        "Say what the system did not do: 'No alert fired when …'",
    ),
    _rule(
        r"\blazy\b|\blaziness\b",
        "'Lazy' is a judgement of a person.",
        "Describe the friction: which step was slow, manual or easy to skip?",
    ),
    _rule(
        r"\bsloppy\b|\bsloppiness\b",
        "'Sloppy' is a judgement of a person.",
        "Describe the check that would have caught it: 'Review did not cover …'",
    ),
    _rule(
        r"\b(?:to\s+)?blam(?:e|ed|es|ing)(?![\w-])",
        "Blame stops people from telling what really happened.",
        "Ask how the system made this outcome likely, not who caused it",
        negatable=True,
    ),
)
_NAME_SUBJECT_MESSAGE = "A person is the subject of a root cause; root causes are conditions."
_NAME_SUBJECT_SUGGESTION = (
    "Describe what the system allowed: 'A config change was deployed without …'"
)
_SENTENCE_START = (
    r"(?:^\s*(?:>\s*)*(?:(?:[-*+]|\d+[.)])\s+)?(?:\[[ xX]\]\s+)?|[.!?;]\s+)(?:\*\*|__|[*_])?"
)


def blameless_check(text: str, people: Iterable[str] = ()) -> list[BlameWarning]:
    """Wording that blames people rather than systems; a nudge, never a block.

    ``people`` are ids and display names: a name that starts a sentence under
    "Root causes and contributing factors" is flagged, and so is a name that
    "failed to". Prompts, code and the Timeline's table are not checked.
    """
    rules = (*_PHRASES, *_people_rules(people))
    subject = _subject_rule(people)
    warnings: list[BlameWarning] = []
    for line in _scan(text):
        if line.code or _timeline_row(line):
            continue
        hits = [hit for rule in rules for hit in _hits(rule, line.visible)]
        if subject is not None and _is_root_causes(line.section):
            hits += _hits(subject, line.visible)
        for start, end, rule in _without_overlaps(hits):
            warnings.append(
                BlameWarning(
                    line.number, start, line.text[start:end], rule.message, rule.suggestion
                )
            )
    return warnings


def _timeline_row(line: _Line) -> bool:
    return (line.section or "").casefold() == "timeline" and line.visible.lstrip().startswith("|")


def _is_root_causes(heading: str | None) -> bool:
    return (heading or "").casefold().startswith("root cause")


def _names(people: Iterable[str]) -> str | None:
    """A regex for any of the names, whole words, longest first; None without names."""
    names = {" ".join(p.split()) for p in people} - {""}
    if not names:
        return None
    alts = (r"\s+".join(map(re.escape, n.split())) for n in sorted(names, key=len, reverse=True))
    return rf"(?<![\w])(?:{'|'.join(alts)})(?![\w])"


def _people_rules(people: Iterable[str]) -> tuple[_Rule, ...]:
    names = _names(people)
    if names is None:
        return ()
    return (
        _rule(
            rf"{names}\s+(?:(?:also|then|just|never|had|has|have|\w+ly)\s+){{0,2}}"
            r"(?P<hit>failed\s+to)\b",
            "A person 'failed to': this frames the incident as someone's failure.",
            "Say what the system did not do: 'No alert fired when …'",
        ),
    )


def _subject_rule(people: Iterable[str]) -> _Rule | None:
    names = _names(people)
    if names is None:
        return None
    return _rule(
        rf"{_SENTENCE_START}(?P<hit>{names})(?!['’]s\b)(?=(?:\*\*|__|[*_])?(?:\s*,|\s+\w))",
        _NAME_SUBJECT_MESSAGE,
        _NAME_SUBJECT_SUGGESTION,
    )


def _hits(rule: _Rule, text: str) -> Iterator[tuple[int, int, _Rule]]:
    for m in rule.pattern.finditer(text):
        group = "hit" if "hit" in rule.pattern.groupindex else 0
        start, end = m.span(group)
        if rule.not_after_negation and _NEGATED.search(text, 0, start):
            continue
        if end > start:
            yield start, end, rule


def _without_overlaps(hits: list[tuple[int, int, _Rule]]) -> list[tuple[int, int, _Rule]]:
    """The earliest, then longest, of any hits that overlap."""
    kept: list[tuple[int, int, _Rule]] = []
    for start, end, rule in sorted(hits, key=lambda h: (h[0], -h[1])):
        if not kept or start >= kept[-1][1]:
            kept.append((start, end, rule))
    return kept


# -- publishing and export ----------------------------------------------------------


def public_summary(body: str, actions: Sequence[ActionItem]) -> str | None:
    """What the status page shows once published: the Summary as written, and the actions.

    The generated facts line and prompts are left out; owners and due dates are
    internal. None when nobody wrote a summary.
    """
    summary = section(body, "Summary")
    lines = [] if summary is None else summary.splitlines()
    text = "\n".join(line for line in lines if not line.startswith(_FACTS)).strip()
    if not text:
        return None
    out = f"**Summary**\n\n{text}"
    if actions:
        items = (
            f"- {_one_line(a.text)}{' (done)' if a.status is ActionStatus.DONE else ''}"
            for a in sorted(actions, key=lambda a: a.id)
        )
        out += "\n\n**Follow-up actions**\n\n" + "\n".join(items)
    return out


def export_markdown(
    inc: Incident,
    body: str,
    *,
    status: PostmortemStatus,
    version: int,
    updated: float,
    actions: Sequence[ActionItem],
    people: Mapping[str, str],
    tz: ZoneInfo,
    today: date,
) -> str:
    """The postmortem as a Markdown file: front matter, the body, the action items table.

    The "## Action items" section keeps what people wrote there (not its
    prompts) and gets the table; a body without that heading gets it appended.
    """
    table = _action_table(actions, people, tz, today)
    lines = _scan(body)
    span = _section_lines(lines, ACTION_ITEMS)
    if span is None:
        kept = [line.text for line in lines]
        while kept and not kept[-1].strip():
            kept.pop()
        out = [*kept, *([""] if kept else []), f"## {ACTION_ITEMS}", "", *table]
    else:
        start, end = span
        written = _written(lines[start + 1 : end])
        rest = [line.text for line in lines[end:]]
        out = [line.text for line in lines[: start + 1]]
        out += ["", *written, *([""] if written else []), *table, *([""] if rest else []), *rest]
    return _front_matter(inc, status, version, updated, tz) + "\n".join(out).rstrip() + "\n"


def _front_matter(
    inc: Incident, status: PostmortemStatus, version: int, updated: float, tz: ZoneInfo
) -> str:
    return (
        "---\n"
        f"incident: {inc.id}\n"
        f"severity: {_one_line(inc.severity)}\n"
        f"status: {status.value}\n"
        f"version: {version}\n"
        f'last_saved: "{_stamp(updated, tz)}"\n'
        "---\n\n"
    )


def _action_table(
    actions: Sequence[ActionItem], people: Mapping[str, str], tz: ZoneInfo, today: date
) -> list[str]:
    if not actions:
        return ["No action items yet."]
    rows = ["| # | Action | Owner | Due | Priority | Status |", "|---|---|---|---|---|---|"]
    for a in sorted(actions, key=lambda a: a.id):
        owner = _cell(people.get(a.owner, a.owner)) if a.owner else "—"
        due = a.due.isoformat() if a.due else "—"
        rows.append(
            f"| {a.id} | {_cell(a.text)} | {owner} | {due} | {a.priority.value} "
            f"| {_action_status(a, tz, today)} |"
        )
    return rows


def _action_status(a: ActionItem, tz: ZoneInfo, today: date) -> str:
    if a.status is ActionStatus.DONE:
        when = "" if a.done_at is None else f" {datetime.fromtimestamp(a.done_at, tz):%Y-%m-%d}"
        return f"Done{when}"
    return "**OVERDUE**" if a.overdue(today) else "Open"
