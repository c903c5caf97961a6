"""The configuration schema: YAML nodes in, a validated, frozen ``Config`` out.

Sections are read first (types, ranges, per-type keys), recording every id that
is declared and every id that is referred to, each with its line; references,
duplicates and ``depends_on`` cycles are checked at the end, so the order of
sections in the file does not matter.
"""

from __future__ import annotations

import ipaddress
import re
import string
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time, tzinfo
from functools import lru_cache
from typing import Any, Literal, TypeVar, cast, get_args
from urllib.parse import urlsplit

from yaml.nodes import Node, SequenceNode

from statuscat_tui.config.errors import ConfigError, ConfigIssue
from statuscat_tui.config.reader import (
    NULL_TAG,
    Fields,
    NodeReader,
    Text,
    TooMuchWork,
    raw_text,
    shown,
    suggest,
)
from statuscat_tui.core.durations import format_duration
from statuscat_tui.core.model import (
    DEFAULT_SEVERITIES,
    SEVERITY_NAMES,
    WEEKDAYS,
    BusinessHours,
    Component,
    Config,
    Confirm,
    Defaults,
    EscalationPolicy,
    EscalationStep,
    Expect,
    Maintenance,
    Monitor,
    MonitorType,
    Override,
    PagePolicy,
    Person,
    PublishPolicy,
    Rotation,
    Schedule,
    Settings,
    Severity,
    StatusPage,
    StatusUpdates,
)
from statuscat_tui.core.outbound import OutboundPolicy, parse_allow_entry

_T = TypeVar("_T")
Kind = Literal["monitor", "person", "schedule", "escalation policy", "component"]

_PLURAL: dict[Kind, str] = {
    "monitor": "monitors",
    "person": "people",
    "schedule": "schedules",
    "escalation policy": "escalation policies",
    "component": "components",
}
SECTIONS = (
    "settings",
    "defaults",
    "monitors",
    "components",
    "people",
    "schedules",
    "escalation_policies",
    "severities",
    "status_updates",
    "maintenance",
    "status_page",
)
MONITOR_TYPES: tuple[MonitorType, ...] = get_args(MonitorType)
SETTINGS_KEYS = (
    "timezone",
    "database",
    "business_hours",
    "listen",
    "me",
    "theme",
    "confirm_resolved_after",
    "postmortem_required",
    "concurrency",
    "auto_resolve",
    "notify_allow",
)
COMMON_KEYS = (
    "id",
    "name",
    "type",
    "interval",
    "timeout",
    "confirm",
    "severity",
    "component",
    "depends_on",
    "runbook",
    "open_incident_on",
)
TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "http": ("url", "headers", "expect", "max_redirects", "ca_file"),
    "tcp": ("host", "port", "expect"),
    "tls": ("host", "port", "expect", "ca_file"),
    "dns": ("host", "record", "nameserver", "expect"),
    "heartbeat": ("every", "grace"),
}
EXPECT_KEYS: dict[str, tuple[str, ...]] = {
    "http": ("status", "body_contains", "json", "max_response_time"),
    "tcp": ("max_response_time",),
    "tls": ("cert_valid_for", "max_response_time"),
    "dns": ("contains", "max_response_time"),
    "heartbeat": (),
}
DNS_RECORDS = ("A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "SRV", "PTR", "CAA")
PLACEHOLDERS = ("component", "title")
# Ids appear in URLs (/ping/ID), CLI arguments and `schedule:ID` targets.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# An Apprise URL is `scheme://...`; Apprise itself validates the rest.
_NOTIFY_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_NO_COMPONENTS: tuple[Component, ...] = ()
_NO_PEOPLE: tuple[Person, ...] = ()
_NO_SCHEDULES: tuple[Schedule, ...] = ()
_NO_POLICIES: tuple[EscalationPolicy, ...] = ()
_NO_MAINTENANCE: tuple[Maintenance, ...] = ()


def _types_with(key: str, table: Mapping[str, tuple[str, ...]]) -> str:
    names = [t for t, keys in table.items() if key in keys]
    return ", ".join(names) if names else "no monitor type"


@lru_cache(maxsize=128)
def _zone(name: str) -> tzinfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


@dataclass(frozen=True)
class _Ref:
    kind: Kind
    text: Text
    path: str


class ConfigBuilder(NodeReader):
    """Reads every section of one document; ``build`` returns a Config or raises."""

    def __init__(self, source: str, env: Mapping[str, str]) -> None:
        super().__init__(source, env)
        self.declared: dict[Kind, dict[str, int]] = {
            "monitor": {},
            "person": {},
            "schedule": {},
            "escalation policy": {},
            "component": {},
        }
        self.raw_ids: dict[tuple[Kind, str], str] = {}
        base = Defaults()
        self.default_shown = {
            "interval": format_duration(base.interval),
            "timeout": format_duration(base.timeout),
        }
        self.refs: list[_Ref] = []
        self.me: _Ref | None = None
        self.dependencies: dict[str, list[_Ref]] = {}
        self.zone: tzinfo = zoneinfo.ZoneInfo("UTC")
        self.timezone = "UTC"
        self.outbound = OutboundPolicy()  # settings.notify_allow, read before people

    # -- entry point ---------------------------------------------------------

    def build(self, root: Node) -> Config:
        try:
            config = self._document(root)
        except TooMuchWork as stop:
            self.issues.append(ConfigIssue(self.source, 1, "(file)", str(stop)))
            config = None
        if self.issues or config is None:
            issues = self.unexplained_issues()
            raise ConfigError(sorted(issues, key=lambda issue: (issue.line, issue.path)))
        return config

    def _document(self, root: Node) -> Config | None:
        top = self.fields(root, "", "a mapping of sections (settings, monitors, people, …)")
        if top is None:
            return None
        # `x-` keys are ignored, as in Compose files: a home for YAML anchors.
        self.check_keys(top, [*SECTIONS, *(k for k in top.entries if k.startswith("x-"))])
        settings = self._section(top, "settings", self._settings, Settings())
        defaults = self._section(top, "defaults", self._defaults, Defaults())
        components = self._section(top, "components", self._components, _NO_COMPONENTS)
        people = self._section(top, "people", self._people, _NO_PEOPLE)
        schedules = self._section(top, "schedules", self._schedules, _NO_SCHEDULES)
        policies = self._section(top, "escalation_policies", self._policies, _NO_POLICIES)
        severities = self._section(top, "severities", self._severities, dict(DEFAULT_SEVERITIES))
        updates = self._section(top, "status_updates", self._status_updates, StatusUpdates())
        page = self._section(top, "status_page", self._status_page, StatusPage())
        monitors: tuple[Monitor, ...] = ()
        monitors_node = top.get("monitors")
        if monitors_node is None and "monitors" in top.entries:
            self.report(top.key_line("monitors"), "monitors", "needs at least one monitor")
        elif monitors_node is None:
            self.report_missing(
                top, "monitors", "missing: at least one monitor is required", "monitors"
            )
        else:
            monitors = self._monitors(monitors_node, defaults)
        maintenance = self._section(top, "maintenance", self._maintenance, _NO_MAINTENANCE)
        self._check_references(
            components_declared=top.has("components"), people_declared=top.has("people")
        )
        self._check_cycles()
        if settings is None or defaults is None or severities is None:
            return None
        return Config(
            monitors=monitors,
            settings=settings,
            defaults=defaults,
            components=components or (),
            people=people or (),
            schedules=schedules or (),
            escalation_policies=policies or (),
            severities=severities,
            status_updates=updates or StatusUpdates(),
            maintenance=maintenance or (),
            status_page=page or StatusPage(),
            source=self.source,
            secrets=frozenset(self.secrets),
        )

    def _section(
        self, top: Fields, key: str, read: Callable[[Node, str], _T | None], default: _T
    ) -> _T | None:
        node = top.get(key)
        return default if node is None else read(node, key)

    # -- ids and references --------------------------------------------------

    def _declare(self, fields: Fields, key: str, kind: Kind, hint: str) -> Text | None:
        node = self.required(fields, key, hint)
        if node is None:
            return None
        text = self.text(node, fields.at(key), f"a {kind} id")
        if text is None:
            return None
        if kind != "component" and not _ID.fullmatch(text.value):
            self.report(
                node,
                fields.at(key),
                f"{shown(text.raw)} is not a valid id "
                "(use letters, digits, '-', '_' and '.'; start with a letter or digit)",
            )
            return None
        seen = self.declared[kind]
        if text.value in seen:
            label = "component name" if kind == "component" else f"{kind} id"
            self.report(
                node,
                fields.at(key),
                f"duplicate {label} {shown(text.raw)} (first at line {seen[text.value]})",
            )
            return None
        seen[text.value] = text.line
        self.raw_ids[kind, text.value] = text.raw
        return text

    def _ref(self, node: Node, path: str, kind: Kind) -> Text | None:
        text = self.text(node, path, f"a {kind} id")
        if text is not None:
            self.refs.append(_Ref(kind, text, path))
        return text

    def _check_references(self, *, components_declared: bool, people_declared: bool) -> None:
        # Without a components section any component name goes; `me` likewise without people.
        if self.me is not None and people_declared:
            self.refs.append(self.me)
        for ref in self.refs:
            if ref.kind == "component" and not components_declared:
                continue
            known = self.declared[ref.kind]
            if ref.text.value not in known:
                hint = (
                    suggest(ref.text.value, known)
                    if known
                    else f" (no {_PLURAL[ref.kind]} are declared)"
                )
                self.report(
                    ref.text.line, ref.path, f"unknown {ref.kind} {shown(ref.text.raw)}{hint}"
                )

    def _check_cycles(self) -> None:
        """Report each ``depends_on`` cycle once, where the edge closing it is written."""
        # Only monitors with dependencies can be on a cycle; self-edges are reported elsewhere.
        edges = {
            source: [
                e for e in refs if e.text.value in self.dependencies and e.text.value != source
            ]
            for source, refs in self.dependencies.items()
        }
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        reported: set[frozenset[str]] = set()
        for start in edges:
            if start in state:
                continue
            stack: list[tuple[str, int]] = [(start, 0)]
            path = [start]
            state[start] = 1
            while stack:
                node, index = stack[-1]
                if index >= len(edges[node]):
                    stack.pop()
                    path.pop()
                    state[node] = 2
                    continue
                stack[-1] = (node, index + 1)
                edge = edges[node][index]
                target = edge.text.value
                if state.get(target) == 1:
                    cycle = [*path[path.index(target) :], target]
                    if frozenset(cycle) not in reported:
                        reported.add(frozenset(cycle))
                        names = " → ".join(self.raw_ids.get(("monitor", m), m) for m in cycle)
                        self.report(edge.text.line, edge.path, f"depends_on cycle: {names}")
                elif target not in state:
                    state[target] = 1
                    stack.append((target, 0))
                    path.append(target)

    # -- settings and defaults -----------------------------------------------

    def _timezone(self, node: Node, path: str) -> tuple[str, tzinfo] | None:
        text = self.text(node, path, "an IANA time zone such as Europe/Paris")
        if text is None:
            return None
        zone = _zone(text.value)
        if zone is None:
            hint = suggest(text.value, zoneinfo.available_timezones())
            self.report(
                node,
                path,
                f"{shown(text.raw)} is not a known time zone"
                f"{hint or ' (use an IANA name such as Europe/Paris or UTC)'}",
            )
            return None
        return text.value, zone

    def _settings(self, node: Node, path: str) -> Settings | None:
        f = self.fields(node, path, "a mapping of settings")
        if f is None:
            return None
        self.check_keys(f, SETTINGS_KEYS)
        values: dict[str, Any] = {}
        if (n := f.get("timezone")) is not None and (tz := self._timezone(n, f.at("timezone"))):
            self.timezone, self.zone = tz
            values["timezone"] = tz[0]
        if (n := f.get("database")) is not None and (t := self.text(n, f.at("database"), "a path")):
            values["database"] = t.value
        if (n := f.get("business_hours")) is not None:
            values["business_hours"] = self._business_hours(n, f.at("business_hours"))
        if (n := f.get("listen")) is not None:
            values["listen"] = self._listen(n, f.at("listen"))
        if (n := f.get("me")) is not None:
            # Checked against people only when people are declared (a solo setup has none).
            me = self.text(n, f.at("me"), "a person id")
            values["me"] = me.value if me else None
            self.me = _Ref("person", me, f.at("me")) if me else None
        if (n := f.get("theme")) is not None and (t := self.text(n, f.at("theme"), "a theme name")):
            values["theme"] = t.value
        if (n := f.get("confirm_resolved_after")) is not None:
            values["confirm_resolved_after"] = self.duration(
                n, f.at("confirm_resolved_after"), zero_ok=True
            )
        if (n := f.get("postmortem_required")) is not None:
            values["postmortem_required"] = self._severity_list(n, f.at("postmortem_required"))
        if (n := f.get("concurrency")) is not None:
            values["concurrency"] = self.integer(n, f.at("concurrency"), 1, 100_000)
        if (n := f.get("auto_resolve")) is not None:
            values["auto_resolve"] = self.boolean(n, f.at("auto_resolve"))
        if (n := f.get("notify_allow")) is not None:
            values["notify_allow"] = self._notify_allow(n, f.at("notify_allow"))
            self.outbound = OutboundPolicy(values["notify_allow"] or ())
        if any(v is None for v in values.values()):
            return None
        return Settings(**values)

    def _notify_allow(self, node: Node, path: str) -> tuple[str, ...] | None:
        """Link-local/cloud metadata destinations notifications may go to after all."""
        entries: list[str] = []
        ok = True
        what = "a list of IP addresses, CIDR ranges or host names such as [169.254.169.254]"
        for entry, at in self.items(node, path, what):
            text = self.text(entry, at, "an IP address, CIDR range or host name")
            if text is not None and parse_allow_entry(text.value) is None:
                self.report(
                    entry, at, f"{shown(text.raw)} is not an IP address, CIDR range or host name"
                )
            elif text is not None:
                entries.append(text.value.strip())
                continue
            ok = False
        return tuple(entries) if ok else None

    def _severity_list(self, node: Node, path: str) -> tuple[str, ...] | None:
        names: list[str] = []
        ok = True
        for entry, at in self.items(node, path, "a list of severities such as [SEV1, SEV2]"):
            name = self.choice(entry, at, SEVERITY_NAMES, "a severity")
            if name is None:
                ok = False
            elif name not in names:
                names.append(name)
        return tuple(names) if ok else None

    def _weekdays(self, node: Node, path: str) -> tuple[int, ...] | None:
        days: list[int] = []
        ok = True
        entries = list(self.items(node, path, "a list of days such as [mon, tue, wed]"))
        for entry, at in entries:
            day = self.choice(entry, at, WEEKDAYS, "a day")
            if day is None:
                ok = False
            elif WEEKDAYS.index(day) in days:
                self.report(entry, at, f"{raw_text(entry)!r} is listed twice")
                ok = False
            else:
                days.append(WEEKDAYS.index(day))
        if not entries:
            if isinstance(node, SequenceNode):
                self.report(node, path, "expected at least one day (mon, tue, …, sun)")
            ok = False
        return tuple(sorted(days)) if ok else None

    def _business_hours(self, node: Node, path: str) -> BusinessHours | None:
        f = self.fields(node, path, "a mapping with days, start and end")
        if f is None:
            return None
        self.check_keys(f, ("days", "start", "end"))
        base = BusinessHours()
        days = base.days if (n := f.get("days")) is None else self._weekdays(n, f.at("days"))
        start = base.start if (n := f.get("start")) is None else self.time_of_day(n, f.at("start"))
        end = base.end if (n := f.get("end")) is None else self.time_of_day(n, f.at("end"))
        if days is None or start is None or end is None:
            return None
        if start >= end:
            shown_start = raw_text(f.get("start"), f"{start:%H:%M}")
            shown_end = raw_text(f.get("end"), f"{end:%H:%M}")
            self.report(
                f.key_line("end") if f.has("end") else f.key_line("start"),
                f.at("end"),
                f"business hours end ({shown_end}) must be after start ({shown_start})",
            )
            return None
        return BusinessHours(days, start, end)

    def _listen(self, node: Node, path: str) -> str | None:
        text = self.text(node, path, 'an address "host:port"')
        if text is None:
            return None
        host, colon, port = text.value.rpartition(":")
        if not colon or not host.strip("[]") or not port.isdigit() or not 1 <= int(port) <= 65535:
            self.report(
                node,
                path,
                f'{shown(text.raw)} is not an address "host:port" '
                "(e.g. 127.0.0.1:8787; port 1–65535)",
            )
            return None
        return text.value

    def _confirm(self, node: Node, path: str, base: Confirm) -> Confirm | None:
        f = self.fields(node, path, "a mapping with failures, retry_interval and successes")
        if f is None:
            return None
        self.check_keys(f, ("failures", "retry_interval", "successes"))
        failures = base.failures
        retry = base.retry_interval
        successes = base.successes
        ok = True
        if (n := f.get("failures")) is not None:
            ok = (value := self.integer(n, f.at("failures"), 1, 1000)) is not None and ok
            failures = value or failures
        if (n := f.get("retry_interval")) is not None:
            ok = (seconds := self.duration(n, f.at("retry_interval"))) is not None and ok
            retry = seconds or retry
        if (n := f.get("successes")) is not None:
            ok = (value := self.integer(n, f.at("successes"), 1, 1000)) is not None and ok
            successes = value or successes
        return Confirm(failures, retry, successes) if ok else None

    def _defaults(self, node: Node, path: str) -> Defaults | None:
        f = self.fields(node, path, "a mapping with interval, timeout and confirm")
        if f is None:
            return None
        self.check_keys(f, ("interval", "timeout", "confirm"))
        base = Defaults()
        interval = base.interval
        timeout = base.timeout
        confirm: Confirm | None = base.confirm
        if (n := f.get("interval")) is not None:
            interval = self.duration(n, f.at("interval")) or 0.0
        if (n := f.get("timeout")) is not None:
            timeout = self.duration(n, f.at("timeout")) or 0.0
        if (n := f.get("confirm")) is not None:
            confirm = self._confirm(n, f.at("confirm"), base.confirm)
        if not interval or not timeout or confirm is None:
            return None
        if interval < timeout:
            key = "interval" if f.has("interval") else "timeout"
            self.report(
                f.key_line(key),
                f.at(key),
                _too_short(
                    raw_text(f.get("interval"), format_duration(interval)),
                    raw_text(f.get("timeout"), format_duration(timeout)),
                ),
            )
            return None
        # As written in the file, so an inherited ${VAR} value is not echoed later.
        self.default_shown = {
            key: raw_text(f.get(key), format_duration(value))
            for key, value in (("interval", interval), ("timeout", timeout))
        }
        return Defaults(interval, timeout, confirm)

    # -- monitors ------------------------------------------------------------

    def _monitors(self, node: Node, defaults: Defaults | None) -> tuple[Monitor, ...]:
        if isinstance(node, SequenceNode) and not node.value:
            self.report(node, "monitors", "expected at least one monitor")
        base = defaults or Defaults()
        return self._each(
            node, "monitors", "a list of monitors", lambda n, at: self._monitor(n, at, base)
        )

    def _each(
        self, node: Node, path: str, what: str, read: Callable[[Node, str], _T | None]
    ) -> tuple[_T, ...]:
        """Read every list item; an item that fails must have said why."""
        result: list[_T] = []
        for entry, at in self.items(node, path, what):
            before = len(self.issues)
            value = read(entry, at)
            if value is not None:
                result.append(value)
            elif len(self.issues) == before:  # a bug here must not silently drop an item
                self.report(entry, at, "could not be read")
        return tuple(result)

    def _monitor(self, node: Node, path: str, defaults: Defaults) -> Monitor | None:
        f = self.fields(node, path, "a mapping describing one monitor (id, type, …)")
        if f is None:
            return None
        ident = self._declare(f, "id", "monitor", "a short unique name such as api")
        kind: str | None = "http"
        if (n := f.get("type")) is not None:
            kind = self.choice(n, f.at("type"), MONITOR_TYPES, "a monitor type")
        all_keys = {*COMMON_KEYS, *(k for keys in TYPE_KEYS.values() for k in keys)}
        if kind is None:
            self.check_keys(f, all_keys)  # a bad type: do not pile on per-type complaints
            return None
        allowed = {*COMMON_KEYS, *TYPE_KEYS[kind]}
        misplaced = {
            key: f"{key!r} does not apply to {kind} monitors "
            f"(only to {_types_with(key, TYPE_KEYS)})"
            for key in all_keys - allowed
        }
        if kind == "heartbeat":
            allowed.discard("timeout")
            misplaced["timeout"] = (
                "'timeout' does not apply to heartbeat monitors "
                "(they wait for a beat: use every and grace)"
            )
        self.check_keys(f, allowed, misplaced)

        ok = ident is not None
        values: dict[str, Any] = {}
        name = ident.value if ident else ""
        if (n := f.get("name")) is not None:
            t = self.text(n, f.at("name"), "a display name")
            ok = t is not None and ok
            name = t.value if t else name

        if kind == "http":
            ok = self._http(f, values) and ok
        elif kind in ("tcp", "tls"):
            ok = self._host_port(f, values, kind) and ok
        elif kind == "dns":
            ok = self._dns(f, values) and ok
        if (n := f.get("ca_file")) is not None:
            t = self.text(n, f.at("ca_file"), "a path to a CA bundle")
            ok = t is not None and ok
            values["ca_file"] = t.value if t else None
        if (n := f.get("expect")) is not None:
            expect = self._expect(n, f.at("expect"), kind)
            ok = expect is not None and ok
            values["expect"] = expect

        # Timing: per-monitor values fall back to `defaults`; heartbeats differ.
        interval: float | None = defaults.interval
        timeout: float | None = defaults.timeout
        base_confirm = defaults.confirm
        if kind == "heartbeat":
            every = None
            node_every = self.required(f, "every", "how often a beat is expected, e.g. 5m")
            if node_every is not None:
                every = self.duration(node_every, f.at("every"))
            ok = every is not None and ok
            values["every"] = every
            interval = every or defaults.interval
            if (n := f.get("grace")) is not None:
                grace = self.duration(n, f.at("grace"), zero_ok=True)
                ok = grace is not None and ok
                values["grace"] = grace
            # The grace period already confirms silence: one missed beat is enough.
            base_confirm = Confirm(1, defaults.confirm.retry_interval, 1)
        if (n := f.get("interval")) is not None:
            interval = self.duration(n, f.at("interval"))
        if (n := f.get("timeout")) is not None:
            timeout = self.duration(n, f.at("timeout"))
        confirm: Confirm | None = base_confirm
        if (n := f.get("confirm")) is not None:
            confirm = self._confirm(n, f.at("confirm"), base_confirm)
        if interval is None or timeout is None or confirm is None:
            ok = False
        elif kind != "heartbeat" and interval < timeout and (f.has("interval") or f.has("timeout")):
            key = "interval" if f.has("interval") else "timeout"
            self.report(
                f.key_line(key),
                f.at(key),
                _too_short(
                    raw_text(f.get("interval"), self.default_shown["interval"]),
                    raw_text(f.get("timeout"), self.default_shown["timeout"]),
                ),
            )
            ok = False

        if (n := f.get("severity")) is not None:
            values["severity"] = self.choice(n, f.at("severity"), SEVERITY_NAMES, "a severity")
            ok = values["severity"] is not None and ok
        if (n := f.get("component")) is not None:
            t = self._ref(n, f.at("component"), "component")
            ok = t is not None and ok
            values["component"] = t.value if t else None
        if (n := f.get("depends_on")) is not None:
            deps = self._depends_on(n, f.at("depends_on"), ident)
            ok = deps is not None and ok
            values["depends_on"] = deps
        if (n := f.get("runbook")) is not None:
            t = self.text(n, f.at("runbook"), "a URL or a short instruction")
            ok = t is not None and ok
            values["runbook"] = t.value if t else None
        if (n := f.get("open_incident_on")) is not None:
            values["open_incident_on"] = self.choice(
                n, f.at("open_incident_on"), ("down", "degraded"), "down or degraded"
            )
            ok = values["open_incident_on"] is not None and ok
        if not ok or ident is None or interval is None or timeout is None or confirm is None:
            return None
        return Monitor(
            id=ident.value,
            name=name,
            type=cast(MonitorType, kind),
            interval=interval,
            timeout=timeout,
            confirm=confirm,
            **values,
        )

    def _http(self, f: Fields, values: dict[str, Any]) -> bool:
        ok = True
        hint = "the address to fetch, e.g. https://example.com/health"
        if not f.has("url") and (f.has("host") or f.has("port")) and not f.has("type"):
            hint += "; type defaults to http, set type: tcp, tls or dns for a host check"
        node = self.required(f, "url", hint)
        if node is None or (url := self._url(node, f.at("url"))) is None:
            ok = False
        else:
            values["url"] = url
        if (n := f.get("headers")) is not None:
            headers = self._headers(n, f.at("headers"))
            ok = headers is not None and ok
            values["headers"] = headers
        if (n := f.get("max_redirects")) is not None:
            values["max_redirects"] = self.integer(n, f.at("max_redirects"), 0, 100)
            ok = values["max_redirects"] is not None and ok
        return ok

    def _url(self, node: Node, path: str) -> str | None:
        text = self.text(node, path, "an http:// or https:// URL")
        if text is None:
            return None
        problem = "is not an http:// or https:// URL with a host"
        try:
            parts = urlsplit(text.value)
            valid = parts.scheme in ("http", "https") and bool(parts.hostname)
            if valid:
                problem = "has a port that is not a number from 1 to 65535"
                valid = parts.port != 0  # reading .port raises for a bad one
        except ValueError:
            valid = False
        if not valid:
            self.report(node, path, f"{shown(text.raw)} {problem}")
            return None
        return text.value

    def _headers(self, node: Node, path: str) -> tuple[tuple[str, str], ...] | None:
        f = self.fields(node, path, "a mapping of header names to values")
        if f is None:
            return None
        headers: list[tuple[str, str]] = []
        ok = True
        for key, (key_node, value_node) in f.entries.items():
            if not _HEADER_NAME.fullmatch(key):
                self.report(key_node, f.at(key), f"{key!r} is not a valid HTTP header name")
                ok = False
                continue
            value = self.text(value_node, f.at(key), "a header value")
            if value is None:
                ok = False
            elif "\n" in value.value or "\r" in value.value:
                self.report(value_node, f.at(key), "a header value cannot contain a line break")
                ok = False
            else:
                headers.append((key, value.value))
        return tuple(headers) if ok else None

    def _host(self, node: Node, path: str) -> str | None:
        text = self.text(node, path, "a host name or IP address")
        if text is None:
            return None
        value = text.value.strip()
        if "://" in value or "/" in value or any(c.isspace() for c in value):
            self.report(
                node, path, f"{shown(text.raw)} is not a host name or IP address (no URL or path)"
            )
            return None
        return value

    def _host_port(self, f: Fields, values: dict[str, Any], kind: str) -> bool:
        ok = True
        node = self.required(f, "host", f"{kind} monitors need the host to connect to")
        values["host"] = self._host(node, f.at("host")) if node is not None else None
        ok = values["host"] is not None
        node = self.required(f, "port", f"{kind} monitors need the port to connect to")
        values["port"] = self.integer(node, f.at("port"), 1, 65535) if node is not None else None
        return values["port"] is not None and ok

    def _dns(self, f: Fields, values: dict[str, Any]) -> bool:
        node = self.required(f, "host", "the name to resolve, e.g. example.com")
        values["host"] = self._host(node, f.at("host")) if node is not None else None
        ok = values["host"] is not None
        node = self.required(f, "record", f"the record type: {', '.join(DNS_RECORDS)}")
        record = None
        if node is not None and (t := self.text(node, f.at("record"), "a DNS record type")):
            record = t.value.strip().upper()
            if record not in DNS_RECORDS:
                self.report(
                    node,
                    f.at("record"),
                    f"{shown(t.raw)} is not a supported record type "
                    f"(use one of {', '.join(DNS_RECORDS)})",
                )
                record = None
        values["record"] = record
        ok = record is not None and ok
        if (n := f.get("nameserver")) is not None:
            values["nameserver"] = self._nameserver(n, f.at("nameserver"))
            ok = values["nameserver"] is not None and ok
        return ok

    def _nameserver(self, node: Node, path: str) -> str | None:
        text = self.text(node, path, 'a server address "IP" or "IP:PORT"')
        if text is None:
            return None
        value = text.value.strip()
        host, port = value, None
        if value.startswith("["):  # [IPv6]:port
            host, bracket, rest = value[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else ("" if rest or not bracket else None)
        elif value.count(":") == 1:  # IPv4:port (a bare IPv6 has several colons)
            host, _, port = value.partition(":")
        try:
            ipaddress.ip_address(host)
            valid = port is None or (port.isdigit() and 1 <= int(port) <= 65535)
        except ValueError:
            valid = False
        if not valid:
            self.report(
                node,
                path,
                f'{shown(text.raw)} is not a nameserver address "IP" or "IP:PORT" '
                "(e.g. 1.1.1.1 or 127.0.0.1:5353)",
            )
            return None
        return value

    def _expect(self, node: Node, path: str, kind: str) -> Expect | None:
        f = self.fields(node, path, "a mapping of expectations")
        if f is None:
            return None
        all_keys = {k for keys in EXPECT_KEYS.values() for k in keys}
        allowed = EXPECT_KEYS[kind]
        self.check_keys(
            f,
            allowed,
            {
                key: f"{key!r} does not apply to {kind} monitors "
                f"(only to {_types_with(key, EXPECT_KEYS)})"
                for key in all_keys - set(allowed)
            },
        )
        values: dict[str, Any] = {}
        if (n := f.get("status")) is not None:
            values["status"] = self._statuses(n, f.at("status"))
        for key in ("body_contains", "contains"):
            if (n := f.get(key)) is not None:
                t = self.text(n, f.at(key), "a string to look for")
                values[key] = t.value if t else None
        if (n := f.get("json")) is not None:
            values["json"] = self._json_expect(n, f.at("json"))
        for key in ("max_response_time", "cert_valid_for"):
            if (n := f.get(key)) is not None:
                values[key] = self.duration(n, f.at(key))
        if any(v is None for v in values.values()):
            return None
        return Expect(**values)

    def _statuses(self, node: Node, path: str) -> tuple[int, ...] | None:
        entries = self.sequence(node, path, "an HTTP status or a list of them", single=True)
        codes: list[int] = []
        ok = bool(entries)
        if not entries and isinstance(node, SequenceNode):
            self.report(node, path, "expected at least one HTTP status")
        for index, entry in enumerate(entries):
            at = f"{path}[{index}]" if entry is not node else path
            code = self.integer(entry, at, 100, 599)
            ok = code is not None and ok
            if code is not None and code not in codes:
                codes.append(code)
        return tuple(codes) if ok else None

    def _json_expect(self, node: Node, path: str) -> tuple[tuple[str, Any], ...] | None:
        f = self.fields(node, path, "a mapping of dotted.path: expected value")
        if f is None:
            return None
        pairs: list[tuple[str, Any]] = []
        ok = True
        for key, (key_node, value_node) in f.entries.items():
            if not key or any(not part for part in key.split(".")):
                self.report(
                    key_node, f.at(key), f"{key!r} is not a dotted path such as data.status"
                )
                ok = False
                continue
            before = len(self.issues)
            value = self.scalar(value_node, f.at(key))
            if len(self.issues) > before:
                ok = False
            else:
                pairs.append((key, value))
        return tuple(pairs) if ok else None

    def _depends_on(self, node: Node, path: str, ident: Text | None) -> tuple[str, ...] | None:
        entries = self.sequence(node, path, "a list of monitor ids", single=True)
        deps: list[str] = []
        edges: list[_Ref] = []
        ok = True
        for index, entry in enumerate(entries):
            at = f"{path}[{index}]" if entry is not node else path
            text = self._ref(entry, at, "monitor")
            if text is None:
                ok = False
                continue
            if ident is not None and text.value == ident.value:
                self.report(entry, at, "a monitor cannot depend on itself")
                ok = False
                continue
            if text.value not in deps:
                deps.append(text.value)
                edges.append(_Ref("monitor", text, at))
        if ident is not None:
            self.dependencies[ident.value] = edges
        return tuple(deps) if ok else None

    # -- components, people, schedules, escalation ---------------------------

    def _components(self, node: Node, path: str) -> tuple[Component, ...]:
        return self._each(node, path, "a list of components", self._component)

    def _component(self, node: Node, path: str) -> Component | None:
        f = self.fields(node, path, "a mapping with name and description")
        if f is None:
            return None
        self.check_keys(f, ("name", "description"))
        name = self._declare(f, "name", "component", "the name shown on the status page")
        description = ""
        if (n := f.get("description")) is not None:
            t = self.text(n, f.at("description"), "a description")
            description = t.value if t else ""
        return Component(name.value, description) if name is not None else None

    def _people(self, node: Node, path: str) -> tuple[Person, ...]:
        return self._each(node, path, "a list of people", self._person)

    def _person(self, node: Node, path: str) -> Person | None:
        f = self.fields(node, path, "a mapping with id, name and notify")
        if f is None:
            return None
        self.check_keys(f, ("id", "name", "notify"))
        ident = self._declare(f, "id", "person", "a short unique name such as alice")
        name = ident.value if ident else ""
        if (n := f.get("name")) is not None and (t := self.text(n, f.at("name"), "a name")):
            name = t.value
        notify: list[str] = []
        if (n := f.get("notify")) is not None:
            notify = self._notify_urls(n, f.at("notify"))
        return Person(ident.value, name, tuple(notify)) if ident is not None else None

    def _notify_urls(self, node: Node, path: str) -> list[str]:
        urls: list[str] = []
        what = "a list of Apprise URLs (mailto://…, ntfy://…) or the word desktop"
        for entry, at in self.items(node, path, what):
            text = self.text(entry, at, "an Apprise URL or the word desktop")
            if text is None:
                continue
            value = text.value.strip()
            if value != "desktop" and not _NOTIFY_URL.fullmatch(value):
                self.report(
                    entry,
                    at,
                    f"{shown(text.raw)} is not a notification URL (use an Apprise URL "
                    "such as mailto://…, ntfy://… or slack://…, or the word desktop)",
                )
                continue
            if value != "desktop" and (problem := self.outbound.url_problem(value)):
                self.report(entry, at, problem)
                continue
            urls.append(value)
        return urls

    def _schedules(self, node: Node, path: str) -> tuple[Schedule, ...]:
        return self._each(node, path, "a list of schedules", self._schedule)

    def _schedule(self, node: Node, path: str) -> Schedule | None:
        f = self.fields(node, path, "a mapping with id, timezone, rotation and overrides")
        if f is None:
            return None
        self.check_keys(f, ("id", "name", "timezone", "rotation", "overrides"))
        ident = self._declare(f, "id", "schedule", "a short unique name such as primary")
        name = ident.value if ident else ""
        if (n := f.get("name")) is not None and (t := self.text(n, f.at("name"), "a name")):
            name = t.value
        timezone, zone = self.timezone, self.zone
        if (n := f.get("timezone")) is not None:
            tz = self._timezone(n, f.at("timezone"))
            if tz is not None:
                timezone, zone = tz
        rotation = None
        if (n := self.required(f, "rotation", "who is on call in turn")) is not None:
            rotation = self._rotation(n, f.at("rotation"), zone)
        overrides: list[Override] = []
        if (n := f.get("overrides")) is not None:
            for entry, at in self.items(n, f.at("overrides"), "a list of overrides"):
                override = self._override(entry, at, zone)
                if override is not None:
                    overrides.append(override)
        if ident is None or rotation is None:
            return None
        return Schedule(ident.value, name, timezone, rotation, tuple(overrides))

    def _rotation(self, node: Node, path: str, zone: tzinfo) -> Rotation | None:
        f = self.fields(node, path, "a mapping with every, handoff, start and members")
        if f is None:
            return None
        self.check_keys(f, ("every", "handoff", "start", "members"))
        every = handoff = start = None
        if (n := self.required(f, "every", "how long each shift lasts, e.g. 1w")) is not None:
            every = self.duration(n, f.at("every"))
        if n := self.required(f, "handoff", 'the time of day shifts change, e.g. "09:00"'):
            handoff = self.time_of_day(n, f.at("handoff"))
        if n := self.required(f, "start", "when the first shift began, e.g. 2024-01-01"):
            start = self.timestamp(n, f.at("start"), zone)
        members: list[str] = []
        ok = True
        if (n := self.required(f, "members", "the person ids taking turns")) is not None:
            entries = list(self.items(n, f.at("members"), "a list of person ids"))
            for entry, at in entries:
                text = self._ref(entry, at, "person")
                ok = text is not None and ok
                if text is not None:
                    members.append(text.value)
            if not entries and isinstance(n, SequenceNode):
                self.report(n, f.at("members"), "expected at least one person id")
                ok = False
        if every is None or handoff is None or start is None or not members or not ok:
            return None
        return Rotation(every, handoff, start, tuple(members))

    def _override(self, node: Node, path: str, zone: tzinfo) -> Override | None:
        f = self.fields(node, path, "a mapping with person, from and to")
        if f is None:
            return None
        self.check_keys(f, ("person", "from", "to"))
        person = start = end = None
        if (n := self.required(f, "person", "who is on call instead")) is not None:
            person = self._ref(n, f.at("person"), "person")
        if (n := self.required(f, "from", "when the override begins (ISO 8601)")) is not None:
            start = self.timestamp(n, f.at("from"), zone)
        if (n := self.required(f, "to", "when the override ends (ISO 8601)")) is not None:
            end = self.timestamp(n, f.at("to"), zone)
        if person is None or start is None or end is None:
            return None
        if start >= end:
            self.report(f.key_line("to"), f.at("to"), "an override must end after it begins")
            return None
        return Override(person.value, start, end)

    def _policies(self, node: Node, path: str) -> tuple[EscalationPolicy, ...]:
        return self._each(node, path, "a list of escalation policies", self._policy)

    def _policy(self, node: Node, path: str) -> EscalationPolicy | None:
        f = self.fields(node, path, "a mapping with id, steps and repeat")
        if f is None:
            return None
        self.check_keys(f, ("id", "steps", "repeat"))
        ident = self._declare(f, "id", "escalation policy", "a short unique name")
        repeat: int | None = 0
        if (n := f.get("repeat")) is not None:
            repeat = self.integer(n, f.at("repeat"), 0, 100)
        steps: list[EscalationStep] = []
        ok = True
        if (n := self.required(f, "steps", "who to page, in order")) is not None:
            entries = list(self.items(n, f.at("steps"), "a list of steps"))
            if not entries and isinstance(n, SequenceNode):
                self.report(n, f.at("steps"), "expected at least one step")
                ok = False
            for entry, at in entries:
                step = self._step(entry, at)
                ok = step is not None and ok
                if step is not None:
                    steps.append(step)
        else:
            ok = False
        if ident is None or repeat is None or not ok:
            return None
        return EscalationPolicy(ident.value, tuple(steps), repeat)

    def _step(self, node: Node, path: str) -> EscalationStep | None:
        f = self.fields(node, path, "a mapping with notify and wait")
        if f is None:
            return None
        self.check_keys(f, ("notify", "wait"))
        targets: list[str] = []
        ok = True
        if (n := self.required(f, "notify", "schedule:ID or person:ID")) is not None:
            entries = self.sequence(
                n, f.at("notify"), "schedule:ID, person:ID or a list of them", single=True
            )
            if not entries and isinstance(n, SequenceNode):
                self.report(n, f.at("notify"), "expected at least one schedule:ID or person:ID")
                ok = False
            for index, entry in enumerate(entries):
                at = f"{f.at('notify')}[{index}]" if entry is not n else f.at("notify")
                target = self._target(entry, at)
                ok = target is not None and ok
                if target is not None:
                    targets.append(target)
        else:
            ok = False
        wait = None
        hint = "how long to wait for an acknowledgement before the next step, e.g. 10m"
        if (n := self.required(f, "wait", hint)) is not None:
            wait = self.duration(n, f.at("wait"))
        if wait is None or not ok:
            return None
        return EscalationStep(tuple(targets), wait)

    def _target(self, node: Node, path: str) -> str | None:
        text = self.text(node, path, "schedule:ID or person:ID")
        if text is None:
            return None
        prefix, colon, ident = text.value.partition(":")
        kinds: dict[str, Kind] = {"schedule": "schedule", "person": "person"}
        if not colon or prefix not in kinds or not ident:
            self.report(
                node, path, f"{shown(text.raw)} is not a page target (use schedule:ID or person:ID)"
            )
            return None
        raw_ident = text.raw.partition(":")[2] if ":" in text.raw else text.raw
        self.refs.append(_Ref(kinds[prefix], Text(ident, raw_ident, text.line), path))
        return text.value

    # -- severities, status updates, maintenance, status page ----------------

    def _severities(self, node: Node, path: str) -> dict[str, Severity] | None:
        f = self.fields(node, path, "a mapping of SEV1, SEV2 and SEV3")
        if f is None:
            return None
        result = dict(DEFAULT_SEVERITIES)
        ok = True
        for key, (key_node, value_node) in f.entries.items():
            if key not in SEVERITY_NAMES:
                self.report(
                    key_node,
                    f.at(key),
                    f"unknown severity {key!r} (use SEV1, SEV2 or SEV3)"
                    f"{suggest(key, SEVERITY_NAMES) if key.upper() in SEVERITY_NAMES else ''}",
                )
                ok = False
                continue
            severity = self._severity(value_node, f.at(key), DEFAULT_SEVERITIES[key])
            ok = severity is not None and ok
            if severity is not None:
                result[key] = severity
        return result if ok else None

    def _severity(self, node: Node, path: str, base: Severity) -> Severity | None:
        if node.tag == NULL_TAG:
            return base
        f = self.fields(node, path, "a mapping with description, escalation, page and publish")
        if f is None:
            return None
        self.check_keys(f, ("description", "escalation", "page", "publish"))
        description: str | None = base.description
        escalation: str | None = base.escalation
        page: str | None = base.page
        publish: str | None = base.publish
        ok = True
        if (n := f.get("description")) is not None:
            t = self.text(n, f.at("description"), "a description")
            ok = t is not None
            description = t.value if t else None
        if (n := f.get("escalation")) is not None:
            t = self._ref(n, f.at("escalation"), "escalation policy")
            ok = t is not None and ok
            escalation = t.value if t else None
        if (n := f.get("page")) is not None:
            page = self.choice(n, f.at("page"), get_args(PagePolicy), "a paging policy")
            ok = page is not None and ok
        if (n := f.get("publish")) is not None:
            publish = self.choice(n, f.at("publish"), get_args(PublishPolicy), "a publish policy")
            ok = publish is not None and ok
        if not ok or description is None:
            return None
        return Severity(
            base.name,
            description,
            escalation,
            cast(PagePolicy, page),
            cast(PublishPolicy, publish),
        )

    def _status_updates(self, node: Node, path: str) -> StatusUpdates | None:
        f = self.fields(node, path, "a mapping of templates for each status")
        if f is None:
            return None
        keys = ("investigating", "identified", "monitoring", "resolved")
        self.check_keys(f, keys)
        values: dict[str, str | None] = {}
        for key in keys:
            if (n := f.get(key)) is not None:
                values[key] = self._template(n, f.at(key))
        if any(v is None for v in values.values()):
            return None
        return StatusUpdates(**cast(dict[str, str], values))

    def _template(self, node: Node, path: str) -> str | None:
        text = self.text(node, path, "a message template")
        if text is None:
            return None
        allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        try:
            fields = [
                (name, spec, conv)
                for _, name, spec, conv in string.Formatter().parse(text.value)
                if name is not None
            ]
        except ValueError:
            self.report(
                node, path, f"unbalanced braces (placeholders are {allowed}; write {{{{ for {{)"
            )
            return None
        for name, spec, conv in fields:
            if name not in PLACEHOLDERS or spec or conv:
                suffix = (f"!{conv}" if conv else "") + (f":{spec}" if spec else "")
                placeholder = "{" + name + suffix + "}"
                if text.value != text.raw:  # it may have come from a ${VAR}: do not echo it
                    placeholder = f"in {shown(text.raw)}"
                self.report(node, path, f"unknown placeholder {placeholder} (use {allowed})")
                return None
        return text.value

    def _maintenance(self, node: Node, path: str) -> tuple[Maintenance, ...]:
        return self._each(node, path, "a list of maintenance windows", self._window)

    def _window(self, node: Node, path: str) -> Maintenance | None:
        f = self.fields(node, path, "a mapping with monitors, duration and start or weekly")
        if f is None:
            return None
        self.check_keys(f, ("name", "monitors", "start", "weekly", "duration"))
        values: dict[str, Any] = {}
        ok = True
        if (n := f.get("name")) is not None:
            t = self.text(n, f.at("name"), "a name")
            ok = t is not None
            values["name"] = t.value if t else None
        monitors: list[str] = []
        if (n := self.required(f, "monitors", "the monitor ids it silences")) is not None:
            entries = list(self.items(n, f.at("monitors"), "a list of monitor ids"))
            if not entries and isinstance(n, SequenceNode):
                self.report(n, f.at("monitors"), "expected at least one monitor id")
                ok = False
            for entry, at in entries:
                t = self._ref(entry, at, "monitor")
                ok = t is not None and ok
                if t is not None and t.value not in monitors:
                    monitors.append(t.value)
        else:
            ok = False
        duration = None
        if (n := self.required(f, "duration", "how long the window lasts, e.g. 2h")) is not None:
            duration = self.duration(n, f.at("duration"))
        ok = duration is not None and ok
        start_node, weekly_node = f.get("start"), f.get("weekly")
        if start_node is not None and weekly_node is not None:
            self.report(
                f.key_line("weekly"),
                f.path,
                "use either start (a one-off window) or weekly (a recurring one), not both",
            )
            ok = False
        elif start_node is not None:
            values["start"] = self.timestamp(start_node, f.at("start"), self.zone)
            ok = values["start"] is not None and ok
        elif weekly_node is not None:
            weekly = self._weekly(weekly_node, f.at("weekly"))
            ok = weekly is not None and ok
            if weekly is not None:
                values["weekly_days"], values["weekly_start"] = weekly
        else:
            self.report(
                f.line,
                f.path,
                "missing start (a one-off window) or weekly (a recurring one, "
                'e.g. weekly: {days: [sun], start: "03:00"})',
            )
            ok = False
        if not ok or duration is None:
            return None
        return Maintenance(tuple(monitors), duration, **values)

    def _weekly(self, node: Node, path: str) -> tuple[tuple[int, ...], time] | None:
        f = self.fields(node, path, "a mapping with days and start")
        if f is None:
            return None
        self.check_keys(f, ("days", "start"))
        days = start = None
        if (n := self.required(f, "days", "the days it recurs on, e.g. [sun]")) is not None:
            days = self._weekdays(n, f.at("days"))
        if n := self.required(f, "start", 'the time of day it begins, e.g. "03:00"'):
            start = self.time_of_day(n, f.at("start"))
        if days is None or start is None:
            return None
        return days, start

    def _status_page(self, node: Node, path: str) -> StatusPage | None:
        f = self.fields(node, path, "a mapping with title, url and output")
        if f is None:
            return None
        self.check_keys(f, ("title", "url", "output"))
        base = StatusPage()
        title: str | None = base.title
        url: str | None = base.url
        output: str | None = base.output
        ok = True
        if (n := f.get("title")) is not None:
            t = self.text(n, f.at("title"), "a title")
            title = t.value if t else None
            ok = t is not None
        if (n := f.get("url")) is not None:
            url = self._url(n, f.at("url"))
            ok = url is not None and ok
        if (n := f.get("output")) is not None:
            t = self.text(n, f.at("output"), "a directory path")
            output = t.value if t else None
            ok = t is not None and ok
        if not ok or title is None or output is None:
            return None
        return StatusPage(title, url, output)


def _too_short(interval: str, timeout: str) -> str:
    return (
        f"interval {interval} is shorter than timeout {timeout} "
        "(a check must finish before the next one starts)"
    )


def build_config(root: Node, source: str, env: Mapping[str, str]) -> Config:
    """Validate a composed YAML document; raise ConfigError listing every problem."""
    return ConfigBuilder(source, env).build(root)
