"""Typed reads from a composed YAML node tree that keep each value's line.

Every getter reports what is wrong and returns ``None`` instead of raising, so
one pass collects all problems. Messages quote the *raw* YAML text of a value,
never its ``${VAR}``-expanded form, so secrets cannot leak into them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, tzinfo
from typing import NamedTuple

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from statuscat_tui.config.errors import ConfigIssue
from statuscat_tui.core.durations import parse_duration

_TAG = "tag:yaml.org,2002:"
NULL_TAG = _TAG + "null"
INT_TAG = _TAG + "int"
FLOAT_TAG = _TAG + "float"
BOOL_TAG = _TAG + "bool"
MERGE_TAG = _TAG + "merge"
# Plain scalars people mean as text even when YAML 1.1 resolves them otherwise:
# `handoff: 17:00` is a base-60 int, `name: 2024` an int, `country: NO` a bool.
_TEXT_TAGS = frozenset(
    _TAG + t for t in ("str", "int", "float", "bool", "timestamp", "value", "merge")
)

# Alias expansion is unbounded in YAML ("billion laughs"); bound the work instead.
# 10,000 monitors with every option set take about 200,000 visits.
MAX_NODE_VISITS = 500_000
MAX_ISSUES = 500
# Far beyond any real setting, and well inside what datetime arithmetic can hold.
MAX_DURATION = 3650 * 86400.0
MIN_YEAR, MAX_YEAR = 1970, 2999

_ENV = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{")
_HHMM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


class TooMuchWork(Exception):
    """Raised when a document needs more work than any real config would."""


class Text(NamedTuple):
    """A string value with where it came from; ``raw`` is what may be shown."""

    value: str
    raw: str
    line: int


def line_of(node: Node) -> int:
    mark = node.start_mark
    return 1 if mark is None else int(mark.line) + 1


def child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def item(path: str, index: int) -> str:
    return f"{path}[{index}]"


def shown(raw: str, limit: int = 60) -> str:
    """Quote a raw value for a message, shortened so a pasted blob stays readable."""
    return repr(raw if len(raw) <= limit else raw[: limit - 1] + "…")


def raw_text(node: Node | None, default: str = "") -> str:
    """What the file says for a scalar (never an expanded value), else ``default``."""
    return str(node.value) if isinstance(node, ScalarNode) else default


def describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == NULL_TAG:
        return "nothing"
    return shown(str(node.value))


def closest(word: str, choices: Collection[str], cutoff: float = 0.6) -> str | None:
    """The choice ``word`` is most likely a misspelling of, if any."""
    by_lower = {c.lower(): c for c in choices}
    if word.lower() in by_lower:
        return by_lower[word.lower()]
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return close[0] if close else None


def suggest(word: str, choices: Collection[str], cutoff: float = 0.6) -> str:
    """`` (did you mean 'x'?)`` for a near miss, else an empty string."""
    near = closest(word, choices, cutoff)
    return f" (did you mean {near!r}?)" if near is not None else ""


@dataclass
class Fields:
    """The entries of one YAML mapping, after merge keys and duplicate checks."""

    node: MappingNode
    path: str
    entries: dict[str, tuple[ScalarNode, Node]] = field(default_factory=dict)

    @property
    def line(self) -> int:
        return line_of(self.node)

    def has(self, key: str) -> bool:
        """Whether the key is set to something other than null."""
        return self.get(key) is not None

    def get(self, key: str) -> Node | None:
        """The value node, or ``None`` when absent or null (an empty `key:` means default)."""
        entry = self.entries.get(key)
        if entry is None or (isinstance(entry[1], ScalarNode) and entry[1].tag == NULL_TAG):
            return None
        return entry[1]

    def key_line(self, key: str) -> int:
        entry = self.entries.get(key)
        return line_of(entry[0]) if entry else self.line

    def at(self, key: str) -> str:
        return child(self.path, key)


class NodeReader:
    """Issue collection plus typed getters over YAML nodes."""

    def __init__(self, source: str, env: Mapping[str, str]) -> None:
        self.source = source
        self.env = env
        self.issues: list[ConfigIssue] = []
        self.secrets: set[str] = set()
        # A misspelt key is reported once, as "unknown key 'x' (did you mean 'y'?)";
        # "missing required key 'y'" for the same mapping would only repeat it.
        self.suggested: set[tuple[str, str]] = set()  # (mapping path, key suggested)
        self.missing: dict[tuple[str, str], ConfigIssue] = {}  # (mapping path, key): issue
        self._visits = 0
        self._constructor = SafeConstructor()

    # -- reporting -----------------------------------------------------------

    def report(self, where: Node | int, path: str, message: str) -> ConfigIssue:
        line = where if isinstance(where, int) else line_of(where)
        issue = ConfigIssue(self.source, line, path or "(top level)", message)
        if issue not in self.issues:
            self.issues.append(issue)
        if len(self.issues) >= MAX_ISSUES:
            raise TooMuchWork(f"more than {MAX_ISSUES} problems; fix these first")
        return issue

    def report_missing(
        self, fields: Fields, key: str, message: str, path: str | None = None
    ) -> None:
        """A required key is absent (dropped later if a misspelling of it was reported)."""
        issue = self.report(fields.key_line(key), fields.path if path is None else path, message)
        self.missing[fields.path, key] = issue

    def unexplained_issues(self) -> list[ConfigIssue]:
        """Every issue except "missing key" ones that a reported misspelling explains."""
        explained = {issue for at, issue in self.missing.items() if at in self.suggested}
        return [issue for issue in self.issues if issue not in explained]

    def _tick(self) -> None:
        self._visits += 1
        if self._visits > MAX_NODE_VISITS:
            raise TooMuchWork(f"more than {MAX_NODE_VISITS:,} values after expanding YAML aliases")

    # -- structure -----------------------------------------------------------

    def fields(self, node: Node, path: str, what: str) -> Fields | None:
        """Read a mapping; duplicate keys, non-string keys and ``<<`` merges handled here."""
        self._tick()
        if not isinstance(node, MappingNode):
            self.report(node, path, f"expected {what}, got {describe(node)}")
            return None
        result = Fields(node, path)
        merges: list[Node] = []
        for key_node, value_node in node.value:
            self._tick()
            if isinstance(key_node, ScalarNode) and key_node.tag == MERGE_TAG:
                merges.append(value_node)
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag not in _TEXT_TAGS:
                self.report(key_node, path, f"keys must be plain names, got {describe(key_node)}")
                continue
            key = str(key_node.value)
            if key in result.entries:
                first = line_of(result.entries[key][0])
                self.report(key_node, child(path, key), f"duplicate key (first at line {first})")
                continue
            result.entries[key] = (key_node, value_node)
        for merge in merges:
            self._merge_into(result, merge, path, set())
        return result

    def _merge_into(self, result: Fields, node: Node, path: str, seen: set[int]) -> None:
        # YAML merge keys: explicit keys win, then earlier merged mappings win.
        if id(node) in seen:
            return
        seen.add(id(node))
        self._tick()
        sources = node.value if isinstance(node, SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, MappingNode):
                self.report(source, child(path, "<<"), "a merge key needs a mapping (an alias)")
                continue
            nested: list[Node] = []
            for key_node, value_node in source.value:
                self._tick()
                if isinstance(key_node, ScalarNode) and key_node.tag == MERGE_TAG:
                    nested.append(value_node)
                elif isinstance(key_node, ScalarNode) and key_node.tag in _TEXT_TAGS:
                    result.entries.setdefault(str(key_node.value), (key_node, value_node))
            for inner in nested:
                self._merge_into(result, inner, path, seen)

    def check_keys(
        self, fields: Fields, allowed: Collection[str], misplaced: Mapping[str, str] | None = None
    ) -> None:
        """Report keys that are not allowed here, with a hint or a spelling suggestion."""
        for key, (key_node, _) in fields.entries.items():
            if key in allowed:
                continue
            if misplaced and key in misplaced:
                self.report(key_node, fields.at(key), misplaced[key])
                continue
            near = closest(key, allowed)
            hint = ""
            if near is not None:
                self.suggested.add((fields.path, near))
                hint = f" (did you mean {near!r}?)"
            self.report(key_node, fields.at(key), f"unknown key {key!r}{hint}")

    def required(self, fields: Fields, key: str, hint: str) -> Node | None:
        node = fields.get(key)
        if node is None and key in fields.entries:  # `key:` with nothing after it
            self.report(fields.key_line(key), fields.at(key), f"needs a value ({hint})")
        elif node is None:
            self.report_missing(fields, key, f"missing required key {key!r} ({hint})")
        return node

    def sequence(self, node: Node, path: str, what: str, *, single: bool = False) -> list[Node]:
        """Items of a list (``single``: a lone scalar counts as a list of one)."""
        self._tick()
        if isinstance(node, SequenceNode):
            return list(node.value)
        if single and isinstance(node, ScalarNode) and node.tag != NULL_TAG:
            return [node]
        self.report(node, path, f"expected {what}, got {describe(node)}")
        return []

    # -- scalars -------------------------------------------------------------

    def text(self, node: Node, path: str, what: str = "a string") -> Text | None:
        """A string value, ``${VAR}``-expanded; empty strings are refused."""
        self._tick()
        if not isinstance(node, ScalarNode) or node.tag not in _TEXT_TAGS:
            self.report(node, path, f"expected {what}, got {describe(node)}")
            return None
        raw = str(node.value)
        value = self.expand(raw, line_of(node), path)
        if value is None or not self._is_text(value, node, path):
            return None
        if not value.strip():
            self.report(node, path, f"expected {what}, got an empty string")
            return None
        return Text(value, raw, line_of(node))

    def _is_text(self, value: str, node: Node, path: str) -> bool:
        # "\ud800" in a double-quoted YAML string (or an environment variable read
        # with surrogateescape) is not text: SQLite and UTF-8 output refuse it later.
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            code = f"U+{ord(value[error.start]):04X}"
            self.report(node, path, f"contains {code}, a lone surrogate, which is not text")
            return False
        return True

    def expand(self, raw: str, line: int, path: str) -> str | None:
        """Replace ``${VAR}`` from the environment; ``$${`` is a literal ``${``."""
        if "${" not in raw:
            return raw
        parts: list[str] = []
        pos = 0
        ok = True
        substituted = False
        for match in _ENV.finditer(raw):
            parts.append(raw[pos : match.start()])
            pos = match.end()
            name = match.group(1)
            if match.group(0) == "$${":
                parts.append("${")
            elif name is None:
                self.report(
                    line,
                    path,
                    "'${' must be followed by a variable name and '}' (write $${ for a literal ${)",
                )
                ok = False
            elif name not in self.env:
                self.report(line, path, f"environment variable {name} is not set")
                ok = False
            else:
                value = self.env[name]
                parts.append(value)
                substituted = True
                if value:
                    self.secrets.add(value)
        parts.append(raw[pos:])
        if not ok:
            return None
        result = "".join(parts)
        if substituted and result:
            self.secrets.add(result)
        return result

    def integer(self, node: Node, path: str, low: int, high: int | None = None) -> int | None:
        self._tick()
        bounds = f"from {low} to {high}" if high is not None else f"{low} or more"
        if not isinstance(node, ScalarNode) or node.tag != INT_TAG:
            self.report(node, path, f"expected a whole number ({bounds}), got {describe(node)}")
            return None
        try:
            value = self._constructor.construct_yaml_int(node)
        except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
            self.report(node, path, f"{shown(str(node.value))} is out of range (expected {bounds})")
            return None
        if value < low or (high is not None and value > high):
            self.report(node, path, f"{value} is out of range (expected {bounds})")
            return None
        return value

    def boolean(self, node: Node, path: str) -> bool | None:
        self._tick()
        if not isinstance(node, ScalarNode) or node.tag != BOOL_TAG:
            self.report(node, path, f"expected true or false, got {describe(node)}")
            return None
        return bool(self._constructor.construct_yaml_bool(node))

    def scalar(self, node: Node, path: str) -> str | int | float | bool | None:
        """A JSON-like scalar (for ``expect.json``); strings are ``${VAR}``-expanded."""
        self._tick()
        if isinstance(node, ScalarNode):
            if node.tag == NULL_TAG:
                return None
            if node.tag == INT_TAG:
                try:
                    return self._constructor.construct_yaml_int(node)
                except ValueError:  # more digits than Python converts
                    self.report(node, path, f"{shown(str(node.value))} has too many digits")
                    return None
            if node.tag == FLOAT_TAG:
                return self._constructor.construct_yaml_float(node)
            if node.tag == BOOL_TAG:
                return self._constructor.construct_yaml_bool(node)
            if node.tag in _TEXT_TAGS:
                value = self.expand(str(node.value), line_of(node), path)
                if value is not None and not self._is_text(value, node, path):
                    return None
                return value
        self.report(
            node,
            path,
            f"expected a single value (string, number, true/false or null), got {describe(node)}",
        )
        return None

    def duration(self, node: Node, path: str, *, zero_ok: bool = False) -> float | None:
        text = self.text(node, path, "a duration such as 30s, 5m or 1h")
        if text is None:
            return None
        try:
            seconds = parse_duration(text.value)
        except ValueError:
            self.report(node, path, f"{shown(text.raw)} is not a duration (use e.g. 30s, 5m, 1h)")
            return None
        if seconds <= 0 and not zero_ok:
            self.report(node, path, f"{shown(text.raw)} must be longer than zero")
            return None
        if seconds > MAX_DURATION:
            self.report(node, path, f"{shown(text.raw)} is too long (at most 3650d)")
            return None
        return seconds

    def choice(self, node: Node, path: str, choices: Collection[str], what: str) -> str | None:
        text = self.text(node, path, what)
        if text is None:
            return None
        if text.value not in choices:
            listed = ", ".join(choices)
            self.report(
                node,
                path,
                f"{shown(text.raw)} is not {what} (use one of {listed})"
                f"{suggest(text.value, choices, cutoff=0.8)}",
            )
            return None
        return text.value

    def time_of_day(self, node: Node, path: str) -> time | None:
        text = self.text(node, path, 'a time of day such as "09:00"')
        if text is None:
            return None
        match = _HHMM.fullmatch(text.value.strip())
        if match is None:
            self.report(
                node, path, f'{shown(text.raw)} is not a time of day (use HH:MM, e.g. "09:00")'
            )
            return None
        return time(int(match.group(1)), int(match.group(2)))

    def timestamp(self, node: Node, path: str, zone: tzinfo) -> datetime | None:
        """An ISO 8601 date or date-time; a naive one is read in ``zone``."""
        text = self.text(node, path, "an ISO 8601 time such as 2024-05-01T09:00")
        if text is None:
            return None
        try:
            value = datetime.fromisoformat(text.value.strip())
        except ValueError:
            self.report(
                node,
                path,
                f"{shown(text.raw)} is not an ISO 8601 time "
                "(use e.g. 2024-05-01T09:00 or 2024-05-01T09:00+02:00)",
            )
            return None
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            # Far-off dates overflow the date arithmetic of rotations and windows.
            self.report(node, path, f"{shown(text.raw)} is not between {MIN_YEAR} and {MAX_YEAR}")
            return None
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)

    def items(self, node: Node, path: str, what: str) -> Iterator[tuple[Node, str]]:
        """Each list item with its path; a null list is an empty one."""
        if isinstance(node, ScalarNode) and node.tag == NULL_TAG:
            return
        for index, entry in enumerate(self.sequence(node, path, what)):
            yield entry, item(path, index)
