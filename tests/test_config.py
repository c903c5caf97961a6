"""Config loading: every mistake is reported as FILE:LINE: key.path: message."""

from __future__ import annotations

import dataclasses
import os
import textwrap
import time as clock
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statuscat_tui.config import (
    MAX_CONFIG_BYTES,
    ConfigError,
    ConfigIssue,
    default_database_path,
    find_config_path,
    load_config,
    parse_config,
)
from statuscat_tui.core.model import DEFAULT_SEVERITIES, Config, Confirm

F = "statuscat.yml"
SAMPLE = Path(__file__).resolve().parent.parent / "sample_config.yml"


def y(text: str) -> str:
    """Dedent a YAML snippet so that its first line is line 1."""
    return textwrap.dedent(text).lstrip("\n")


def load(text: str, env: dict[str, str] | None = None) -> Config:
    return parse_config(y(text), F, env or {})


def problems(text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(y(text), F, env or {})
    issues = [str(issue) for issue in info.value.issues]
    assert str(info.value) == "\n".join(issues)
    return issues


def only(text: str, env: dict[str, str] | None = None) -> str:
    found = problems(text, env)
    assert len(found) == 1, found
    return found[0]


def has(found: list[str], prefix: str, gist: str) -> None:
    assert any(p.startswith(prefix) and gist in p for p in found), (prefix, gist, found)


# -- issue and error objects -------------------------------------------------


def test_issue_str_and_error_str() -> None:
    issue = ConfigIssue("a.yml", 3, "monitors[0].url", "missing")
    assert str(issue) == "a.yml:3: monitors[0].url: missing"
    error = ConfigError([issue, ConfigIssue("a.yml", 5, "x", "y")])
    assert str(error) == "a.yml:3: monitors[0].url: missing\na.yml:5: x: y"
    assert error.issues[0] is issue


# -- file-level problems -------------------------------------------------------


def test_unclosed_bracket_is_reported_where_it_opens_with_its_key_path() -> None:
    text = """
    monitors:
      - id: web
        url: https://example.com/
        name: [unclosed
      - id: api
    """
    message = only(text)
    assert message == (
        f"{F}:4: monitors[0].name: YAML syntax error: expected ',' or ']', but got ':' "
        "on line 5 (while parsing a flow sequence that starts on this line); is a ']' missing?"
    )


def test_tab_indentation_is_a_syntax_error_with_line() -> None:
    message = only("monitors:\n  - id: web\n\turl: x\n")
    assert message.startswith(f"{F}:3: monitors[0]: YAML syntax error"), message
    assert message.endswith("YAML indents with spaces, not tabs"), message


def test_empty_file() -> None:
    assert only("") == f"{F}:1: (file): file is empty: a config needs at least a monitors list"


def test_comments_only_file_is_empty() -> None:
    assert "file is empty" in only("# nothing yet\n\n# still nothing\n")


def test_top_level_must_be_a_mapping() -> None:
    assert only("- id: web\n") == (
        f"{F}:1: (top level): expected a mapping of sections "
        "(settings, monitors, people, …), got a list"
    )


def test_scalar_top_level() -> None:
    assert only("just some words\n").startswith(f"{F}:1: (top level): expected a mapping")


def test_two_documents_are_refused() -> None:
    message = only("monitors: []\n---\nmonitors: []\n")
    assert message.startswith(f"{F}:2: (file): YAML syntax error"), message
    assert "remove the second '---'" in message
    assert "single document" in message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yml"
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert str(info.value) == f"{path}:1: (file): file not found"


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path, env={})


def test_binary_junk_with_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "junk.yml"
    path.write_bytes(b"monitors:\n  - id: x\n\x00\x01\x02\xff\xfe binary")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert str(info.value) == (
        f"{path}:3: (file): file contains NUL bytes: this is a binary file, not YAML"
    )


def test_undecodable_bytes_report_their_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yml"
    path.write_bytes("monitors:\n  - id: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert str(info.value).startswith(f"{path}:2: (file): not valid UTF-8 text (byte 0xe9)")


def test_random_binary_file_is_a_clean_error(tmp_path: Path) -> None:
    path = tmp_path / "random.bin"
    path.write_bytes(os.urandom(4096) + b"\x00")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert len(info.value.issues) == 1
    assert info.value.issues[0].path == "(file)"


def test_utf16_file_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "windows.yml"
    path.write_bytes("monitors: []\n".encode("utf-16"))
    with pytest.raises(ConfigError, match="UTF-16"):
        load_config(path, env={})


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yml"
    path.write_bytes(b"\xef\xbb\xbfmonitors:\n  - id: web\n    url: https://example.com/\n")
    assert load_config(path, env={}).monitors[0].id == "web"


def test_control_character_reports_its_line() -> None:
    message = only("monitors:\n  - id: web\n    name: bad\x1b[31m\n")
    assert message == f"{F}:3: (file): character U+001B is not allowed in YAML text"


def test_huge_file_is_refused_without_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yml"
    path.write_bytes(b"# padding\n" * (MAX_CONFIG_BYTES // 10 + 10))
    started = clock.monotonic()
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert clock.monotonic() - started < 5
    assert str(info.value) == (
        f"{path}:1: (file): file is larger than 5 MB; this is not a StatusCat config"
    )


def test_huge_text_is_refused() -> None:
    with pytest.raises(ConfigError, match="larger than 5 MB"):
        parse_config("a" * (MAX_CONFIG_BYTES + 1), F, {})


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 8):
        prev = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 10)}]")
    lines.append("monitors:")
    lines.append("  - id: web")
    lines.append("    url: https://example.com/")
    lines.append("    depends_on: *h")
    started = clock.monotonic()
    with pytest.raises(ConfigError):
        parse_config("\n".join(lines) + "\n", F, {})
    assert clock.monotonic() - started < 10


def test_alias_amplification_hits_the_work_limit() -> None:
    # Each window is valid; 2,000 aliases of one window with 2,000 monitors is not a config.
    ids = ", ".join(["web"] * 2000)
    windows = ", ".join(["*w"] * 2000)
    text = (
        f"x-ids: &ids [{ids}]\n"
        "x-w: &w {monitors: *ids, duration: 1h, start: 2024-01-01}\n"
        f"maintenance: [{windows}]\n"
        "monitors: [{id: web, url: 'https://example.com/'}]\n"
    )
    started = clock.monotonic()
    with pytest.raises(ConfigError) as info:
        parse_config(text, F, {})
    assert clock.monotonic() - started < 30
    assert str(info.value) == (
        f"{F}:1: (file): more than 500,000 values after expanding YAML aliases"
    )


def test_too_many_problems_stop_early() -> None:
    people = "\n".join(f"  - {{id: p{i}, nottify: []}}" for i in range(600))
    text = f"people:\n{people}\nmonitors: [{{id: web, url: 'https://example.com/'}}]\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text, F, {})
    issues = info.value.issues
    assert str(issues[0]) == f"{F}:1: (file): more than 500 problems; fix these first"
    assert len(issues) == 501


def test_deeply_nested_yaml_is_a_clean_error() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("monitors: " + "[" * 100_000, F, {})
    assert str(info.value) == f"{F}:1: (file): YAML is nested too deeply to be a config"


def test_duplicate_keys() -> None:
    text = """
    monitors:
      - id: web
        url: https://example.com/
        url: https://example.org/
    """
    assert only(text) == f"{F}:4: monitors[0].url: duplicate key (first at line 3)"


def test_duplicate_top_level_section() -> None:
    text = """
    monitors:
      - id: web
        url: https://example.com/
    monitors:
      - id: api
        url: https://example.com/
    """
    assert only(text) == f"{F}:4: monitors: duplicate key (first at line 1)"


def test_merge_keys_work_and_explicit_keys_win() -> None:
    config = load(
        """
        monitors:
          - &base
            id: one
            url: https://example.com/
            interval: 30s
          - <<: *base
            id: two
        """
    )
    assert [(m.id, m.interval) for m in config.monitors] == [("one", 30.0), ("two", 30.0)]


def test_x_keys_hold_anchors() -> None:
    config = load(
        """
        x-http: &http
          interval: 30s
          timeout: 5s
        monitors:
          - <<: *http
            id: web
            url: https://example.com/
        """
    )
    assert (config.monitors[0].interval, config.monitors[0].timeout) == (30.0, 5.0)


# -- unknown keys, types ---------------------------------------------------------


def test_unknown_key_suggests_the_close_one() -> None:
    text = """
    monitors:
      - id: web
        url: https://example.com/
        intervall: 30s
    """
    assert only(text) == (
        f"{F}:4: monitors[0].intervall: unknown key 'intervall' (did you mean 'interval'?)"
    )


def test_unknown_top_level_section() -> None:
    text = """
    monitors: [{id: web, url: "https://example.com/"}]
    setings: {}
    """
    assert only(text) == f"{F}:2: setings: unknown key 'setings' (did you mean 'settings'?)"


def test_misspelt_required_key_is_one_issue_not_two() -> None:
    # Not also "missing required key 'url'" / "monitors: missing": the typo explains it.
    assert only("monitors:\n  - id: web\n    ulr: https://example.com/\n") == (
        f"{F}:3: monitors[0].ulr: unknown key 'ulr' (did you mean 'url'?)"
    )
    assert only("monitor:\n  - id: web\n") == (
        f"{F}:1: monitor: unknown key 'monitor' (did you mean 'monitors'?)"
    )


def test_required_key_left_empty_names_the_key() -> None:
    assert only("monitors:\n  - id: web\n    url:\n") == (
        f"{F}:3: monitors[0].url: needs a value "
        "(the address to fetch, e.g. https://example.com/health)"
    )
    assert only("monitors:\n") == f"{F}:1: monitors: needs at least one monitor"


def test_issue_text_escapes_control_characters_from_the_file() -> None:
    message = only('monitors: [{id: web, url: "https://example.com/", "a\\e[2Jb\\nc": 1}]\n')
    assert message.isprintable() and "\\x1b[2J" in message and "\\n" in message, message


def test_unknown_key_without_a_close_match() -> None:
    text = """
    monitors: [{id: web, url: "https://example.com/", zzz: 1}]
    """
    assert only(text) == f"{F}:1: monitors[0].zzz: unknown key 'zzz'"


def test_key_of_another_monitor_type() -> None:
    text = """
    monitors:
      - id: db
        type: tcp
        host: 127.0.0.1
        port: 5432
        url: https://example.com/
      - id: web
        url: https://example.com/
        record: A
    """
    found = problems(text)
    assert found == [
        f"{F}:6: monitors[0].url: 'url' does not apply to tcp monitors (only to http)",
        f"{F}:9: monitors[1].record: 'record' does not apply to http monitors (only to dns)",
    ]


def test_expect_key_of_another_type() -> None:
    text = """
    monitors:
      - id: db
        type: tcp
        host: 127.0.0.1
        port: 5432
        expect:
          status: 200
    """
    assert only(text) == (
        f"{F}:7: monitors[0].expect.status: 'status' does not apply to tcp monitors (only to http)"
    )


def test_timeout_on_heartbeat_is_refused() -> None:
    text = """
    monitors:
      - id: cron
        type: heartbeat
        every: 1h
        timeout: 5s
    """
    assert only(text).startswith(f"{F}:5: monitors[0].timeout: 'timeout' does not apply")


def test_wrong_types_name_what_was_expected() -> None:
    text = """
    monitors:
      - id: db
        type: tcp
        host: 127.0.0.1
        port: "5432"
      - id: web
        url: https://example.com/
        depends_on: {db: yes}
        confirm:
          failures: many
    """
    assert problems(text) == [
        f"{F}:5: monitors[0].port: expected a whole number (from 1 to 65535), got '5432'",
        f"{F}:8: monitors[1].depends_on: expected a list of monitor ids, got a mapping",
        f"{F}:10: monitors[1].confirm.failures: expected a whole number (from 1 to 1000), "
        "got 'many'",
    ]


def test_monitors_must_be_a_non_empty_list() -> None:
    assert only("monitors: []\n") == f"{F}:1: monitors: expected at least one monitor"
    assert only("monitors:\n  id: web\n") == (
        f"{F}:2: monitors: expected a list of monitors, got a mapping"
    )
    assert only("settings: {}\n") == (f"{F}:1: monitors: missing: at least one monitor is required")


def test_monitor_entry_must_be_a_mapping() -> None:
    assert only("monitors:\n  - web\n") == (
        f"{F}:2: monitors[0]: expected a mapping describing one monitor (id, type, …), got 'web'"
    )


def test_unknown_monitor_type() -> None:
    text = """
    monitors:
      - id: web
        type: https
        url: https://example.com/
    """
    assert only(text) == (
        f"{F}:3: monitors[0].type: 'https' is not a monitor type "
        "(use one of http, tcp, dns, tls, heartbeat) (did you mean 'http'?)"
    )


def test_missing_required_keys_per_type() -> None:
    text = """
    monitors:
      - id: web
      - id: db
        type: tcp
      - id: ns
        type: dns
        host: example.com
      - type: heartbeat
        id: cron
    """
    found = problems(text)
    has(found, f"{F}:2: monitors[0]: ", "missing required key 'url'")
    has(found, f"{F}:3: monitors[1]: ", "missing required key 'host'")
    has(found, f"{F}:3: monitors[1]: ", "missing required key 'port'")
    has(found, f"{F}:5: monitors[2]: ", "missing required key 'record'")
    has(found, f"{F}:8: monitors[3]: ", "missing required key 'every'")
    assert len(found) == 5


def test_host_and_port_without_type_hints_at_type() -> None:
    text = """
    monitors:
      - id: db
        host: 127.0.0.1
        port: 5432
    """
    found = problems(text)
    has(found, f"{F}:2: monitors[0]: ", "set type: tcp, tls or dns")
    has(found, f"{F}:3: monitors[0].host: ", "'host' does not apply to http monitors")


def test_url_must_be_http() -> None:
    text = """
    monitors:
      - id: web
        url: ftp://example.com/
      - id: api
        url: example.com
    """
    suffix = "is not an http:// or https:// URL with a host"
    assert problems(text) == [
        f"{F}:3: monitors[0].url: 'ftp://example.com/' {suffix}",
        f"{F}:5: monitors[1].url: 'example.com' {suffix}",
    ]


def test_port_range_and_host_shape() -> None:
    text = """
    monitors:
      - id: db
        type: tls
        host: https://example.com
        port: 70000
    """
    assert problems(text) == [
        f"{F}:4: monitors[0].host: 'https://example.com' is not a host name or IP address "
        "(no URL or path)",
        f"{F}:5: monitors[0].port: 70000 is out of range (expected from 1 to 65535)",
    ]


def test_dns_record_and_nameserver() -> None:
    config = load(
        """
        monitors:
          - id: ns
            type: dns
            host: example.com
            record: aaaa
            nameserver: "[2606:4700:4700::1111]:53"
          - id: ns2
            type: dns
            host: example.com
            record: TXT
            nameserver: 2606:4700:4700::1111
        """
    )
    assert config.monitors[0].record == "AAAA"
    assert config.monitors[0].nameserver == "[2606:4700:4700::1111]:53"
    text = """
    monitors:
      - id: ns
        type: dns
        host: example.com
        record: MXX
        nameserver: dns.example.com:99999
    """
    found = problems(text)
    has(found, f"{F}:5: monitors[0].record: ", "'MXX' is not a supported record type")
    has(found, f"{F}:6: monitors[0].nameserver: ", 'is not a nameserver address "IP" or "IP:PORT"')


def test_expect_status_and_json() -> None:
    config = load(
        """
        monitors:
          - id: web
            url: https://example.com/
            expect:
              status: 204
              json: {a.b: 1, ok: true, name: x, nothing: null, ratio: 0.5}
        """
    )
    expect = config.monitors[0].expect
    assert expect.status == (204,)
    assert expect.json == (
        ("a.b", 1),
        ("ok", True),
        ("name", "x"),
        ("nothing", None),
        ("ratio", 0.5),
    )
    text = """
    monitors:
      - id: web
        url: https://example.com/
        expect:
          status: [200, 700, ok]
          json:
            a..b: 1
            list: [1, 2]
          max_response_time: fast
    """
    assert problems(text) == [
        f"{F}:5: monitors[0].expect.status[1]: 700 is out of range (expected from 100 to 599)",
        f"{F}:5: monitors[0].expect.status[2]: expected a whole number (from 100 to 599), got 'ok'",
        f"{F}:7: monitors[0].expect.json.a..b: 'a..b' is not a dotted path such as data.status",
        f"{F}:8: monitors[0].expect.json.list: expected a single value "
        "(string, number, true/false or null), got a list",
        f"{F}:9: monitors[0].expect.max_response_time: 'fast' is not a duration "
        "(use e.g. 30s, 5m, 1h)",
    ]


def test_headers() -> None:
    config = load(
        """
        monitors:
          - id: web
            url: https://example.com/
            headers: {Accept: text/html, X-Count: 3}
        """
    )
    assert config.monitors[0].headers == (("Accept", "text/html"), ("X-Count", "3"))
    text = """
    monitors:
      - id: web
        url: https://example.com/
        headers:
          "Bad Header": x
    """
    assert only(text) == (
        f"{F}:5: monitors[0].headers.Bad Header: 'Bad Header' is not a valid HTTP header name"
    )


# -- durations and timing ----------------------------------------------------


def test_bad_duration() -> None:
    text = """
    monitors:
      - id: web
        url: https://example.com/
      - id: api
        url: https://example.com/
        interval: 5 minutes
    """
    assert only(text) == (
        f"{F}:6: monitors[1].interval: '5 minutes' is not a duration (use e.g. 30s, 5m, 1h)"
    )


def test_bare_number_is_not_a_duration() -> None:
    text = """
    defaults:
      timeout: 30
    monitors: [{id: web, url: "https://example.com/"}]
    """
    assert only(text) == f"{F}:2: defaults.timeout: '30' is not a duration (use e.g. 30s, 5m, 1h)"


def test_zero_duration_is_refused_where_it_makes_no_sense() -> None:
    text = """
    monitors:
      - id: web
        url: https://example.com/
        interval: 0s
    """
    assert only(text) == f"{F}:4: monitors[0].interval: '0s' must be longer than zero"


def test_absurdly_long_duration() -> None:
    text = """
    monitors:
      - id: web
        url: https://example.com/
        interval: 99999999w
    """
    assert only(text) == f"{F}:4: monitors[0].interval: '99999999w' is too long (at most 3650d)"


def test_interval_shorter_than_timeout() -> None:
    text = """
    monitors:
      - id: web
        url: https://example.com/
        interval: 5s
    """
    assert only(text) == (
        f"{F}:4: monitors[0].interval: interval 5s is shorter than timeout 10s "
        "(a check must finish before the next one starts)"
    )


def test_interval_shorter_than_timeout_in_defaults_reported_once() -> None:
    text = """
    defaults:
      interval: 5s
      timeout: 10s
    monitors:
      - id: a
        url: https://example.com/
      - id: b
        url: https://example.com/
    """
    assert only(text).startswith(f"{F}:2: defaults.interval: interval 5s is shorter than timeout")


def test_defaults_filled_in() -> None:
    config = load(
        """
        defaults:
          interval: 2m
          confirm:
            failures: 5
            retry_interval: 20s
        monitors:
          - id: web
            url: https://example.com/
          - id: api
            name: API
            url: https://example.com/api
            timeout: 3s
            confirm:
              successes: 4
          - id: cron
            type: heartbeat
            every: 1h
          - id: cron2
            type: heartbeat
            every: 1h
            interval: 1m
            confirm: {failures: 2}
        """
    )
    web, api, cron, cron2 = config.monitors
    assert (web.name, web.type, web.interval, web.timeout) == ("web", "http", 120.0, 10.0)
    assert web.confirm == Confirm(failures=5, retry_interval=20.0, successes=2)
    assert (api.name, api.interval, api.timeout) == ("API", 120.0, 3.0)
    assert api.confirm == Confirm(failures=5, retry_interval=20.0, successes=4)
    assert (cron.interval, cron.every, cron.grace) == (3600.0, 3600.0, 0.0)
    assert cron.confirm == Confirm(failures=1, retry_interval=20.0, successes=1)
    assert cron2.interval == 60.0
    assert cron2.confirm == Confirm(failures=2, retry_interval=20.0, successes=1)
    assert web.severity == "SEV2" and web.max_redirects == 5 and web.depends_on == ()
    # Every optional section has its model default.
    assert config.severities == DEFAULT_SEVERITIES
    assert config.people == () and config.schedules == () and config.maintenance == ()
    assert config.settings.timezone == "UTC" and config.settings.listen == "127.0.0.1:8787"
    assert config.source == F and config.secrets == frozenset()


def test_null_sections_mean_defaults() -> None:
    config = load(
        """
        settings:
        severities:
          SEV1:
        people:
        monitors:
          - id: web
            url: https://example.com/
        """
    )
    assert config.settings.timezone == "UTC"
    assert config.severities["SEV1"] == DEFAULT_SEVERITIES["SEV1"]


# -- references, duplicates, cycles ------------------------------------------------


def test_duplicate_ids_of_each_kind() -> None:
    text = """
    components:
      - name: API
      - name: API
    people:
      - id: alice
      - id: alice
    schedules:
      - id: s
        rotation: {every: 1w, handoff: "09:00", start: 2024-01-01, members: [alice]}
      - id: s
        rotation: {every: 1w, handoff: "09:00", start: 2024-01-01, members: [alice]}
    escalation_policies:
      - id: p
        steps: [{notify: schedule:s, wait: 5m}]
      - id: p
        steps: [{notify: schedule:s, wait: 5m}]
    monitors:
      - id: web
        url: https://example.com/
      - id: web
        url: https://example.com/
    """
    assert problems(text) == [
        f"{F}:3: components[1].name: duplicate component name 'API' (first at line 2)",
        f"{F}:6: people[1].id: duplicate person id 'alice' (first at line 5)",
        f"{F}:10: schedules[1].id: duplicate schedule id 's' (first at line 8)",
        f"{F}:15: escalation_policies[1].id: duplicate escalation policy id 'p' (first at line 13)",
        f"{F}:20: monitors[1].id: duplicate monitor id 'web' (first at line 18)",
    ]


def test_invalid_id() -> None:
    text = """
    monitors:
      - id: my web
        url: https://example.com/
    """
    assert only(text).startswith(f"{F}:2: monitors[0].id: 'my web' is not a valid id")


def test_dangling_references_of_each_kind() -> None:
    text = """
    settings:
      me: zed
    components:
      - name: API
    people:
      - id: alice
    schedules:
      - id: primary
        rotation:
          every: 1w
          handoff: "09:00"
          start: 2024-01-01
          members: [alice, alcie]
        overrides:
          - {person: bob, from: 2024-01-01, to: 2024-01-02}
    escalation_policies:
      - id: default
        steps:
          - notify: [schedule:primery, person:bob]
            wait: 5m
    severities:
      SEV1: {escalation: defualt}
    monitors:
      - id: web
        url: https://example.com/
        component: Api
        depends_on: [wbe]
    maintenance:
      - monitors: [nope]
        start: 2024-05-01T02:00
        duration: 1h
    """
    assert problems(text) == [
        f"{F}:2: settings.me: unknown person 'zed'",
        f"{F}:13: schedules[0].rotation.members[1]: unknown person 'alcie' (did you mean 'alice'?)",
        f"{F}:15: schedules[0].overrides[0].person: unknown person 'bob'",
        f"{F}:19: escalation_policies[0].steps[0].notify[0]: unknown schedule 'primery' "
        "(did you mean 'primary'?)",
        f"{F}:19: escalation_policies[0].steps[0].notify[1]: unknown person 'bob'",
        f"{F}:22: severities.SEV1.escalation: unknown escalation policy 'defualt' "
        "(did you mean 'default'?)",
        f"{F}:26: monitors[0].component: unknown component 'Api' (did you mean 'API'?)",
        f"{F}:27: monitors[0].depends_on[0]: unknown monitor 'wbe' (did you mean 'web'?)",
        f"{F}:29: maintenance[0].monitors[0]: unknown monitor 'nope'",
    ]


def test_references_to_undeclared_sections() -> None:
    text = """
    schedules:
      - id: primary
        rotation: {every: 1d, handoff: "09:00", start: 2024-01-01, members: [alice]}
    monitors:
      - id: web
        url: https://example.com/
    """
    assert only(text) == (
        f"{F}:3: schedules[0].rotation.members[0]: unknown person 'alice' (no people are declared)"
    )


def test_without_components_or_people_any_name_goes() -> None:
    config = load(
        """
        settings: {me: whoever}
        monitors:
          - id: web
            url: https://example.com/
            component: Anything At All
        """
    )
    assert config.monitors[0].component == "Anything At All"
    assert config.settings.me == "whoever"


def test_empty_components_section_declares_none() -> None:
    text = """
    components: []
    monitors:
      - id: web
        url: https://example.com/
        component: API
    """
    assert only(text) == (
        f"{F}:5: monitors[0].component: unknown component 'API' (no components are declared)"
    )


def test_depends_on_cycle() -> None:
    text = """
    monitors:
      - id: a
        url: https://example.com/
        depends_on: [b]
      - id: b
        url: https://example.com/
        depends_on: c
      - id: c
        url: https://example.com/
        depends_on: [a]
    """
    assert only(text) == f"{F}:10: monitors[2].depends_on[0]: depends_on cycle: a → b → c → a"


def test_two_node_cycle_reported_once() -> None:
    text = """
    monitors:
      - {id: a, url: "https://example.com/", depends_on: [b]}
      - {id: b, url: "https://example.com/", depends_on: [a]}
    """
    assert only(text) == f"{F}:3: monitors[1].depends_on[0]: depends_on cycle: a → b → a"


def test_self_dependency() -> None:
    text = """
    monitors:
      - id: a
        url: https://example.com/
        depends_on: [a]
    """
    assert only(text) == f"{F}:4: monitors[0].depends_on[0]: a monitor cannot depend on itself"


def test_diamond_is_not_a_cycle() -> None:
    config = load(
        """
        monitors:
          - {id: a, url: "https://example.com/", depends_on: [b, c]}
          - {id: b, url: "https://example.com/", depends_on: [d]}
          - {id: c, url: "https://example.com/", depends_on: [d]}
          - {id: d, url: "https://example.com/"}
        """
    )
    assert config.monitor("a").depends_on == ("b", "c")


def test_escalation_targets_must_be_prefixed() -> None:
    text = """
    people: [{id: alice}]
    escalation_policies:
      - id: p
        repeat: -1
        steps:
          - notify: alice
    monitors: [{id: web, url: "https://example.com/"}]
    """
    assert problems(text) == [
        f"{F}:4: escalation_policies[0].repeat: -1 is out of range (expected from 0 to 100)",
        f"{F}:6: escalation_policies[0].steps[0]: missing required key 'wait' "
        "(how long to wait for an acknowledgement before the next step, e.g. 10m)",
        f"{F}:6: escalation_policies[0].steps[0].notify: 'alice' is not a page target "
        "(use schedule:ID or person:ID)",
    ]


# -- severities, settings, schedules, maintenance, templates ---------------------


def test_severities_merge_with_defaults() -> None:
    config = load(
        """
        escalation_policies:
          - id: p
            steps: [{notify: person:alice, wait: 5m}]
        people: [{id: alice, notify: [desktop]}]
        severities:
          SEV3: {page: never, escalation: p}
        monitors: [{id: web, url: "https://example.com/", severity: SEV3}]
        """
    )
    sev3 = config.severities["SEV3"]
    assert (sev3.page, sev3.escalation, sev3.publish) == ("never", "p", "manual")
    assert sev3.description == DEFAULT_SEVERITIES["SEV3"].description
    assert config.severities["SEV1"] == DEFAULT_SEVERITIES["SEV1"]


def test_severity_names_and_values() -> None:
    text = """
    severities:
      SEV4: {}
      SEV1: {page: sometimes, publish: auto}
    monitors:
      - {id: web, url: "https://example.com/", severity: sev1}
    settings:
      postmortem_required: [SEV1, SEV5]
    """
    assert problems(text) == [
        f"{F}:2: severities.SEV4: unknown severity 'SEV4' (use SEV1, SEV2 or SEV3)",
        f"{F}:3: severities.SEV1.page: 'sometimes' is not a paging policy "
        "(use one of always, business_hours, never)",
        f"{F}:5: monitors[0].severity: 'sev1' is not a severity (use one of SEV1, SEV2, SEV3) "
        "(did you mean 'SEV1'?)",
        f"{F}:7: settings.postmortem_required[1]: 'SEV5' is not a severity "
        "(use one of SEV1, SEV2, SEV3)",
    ]


def test_settings_values() -> None:
    config = load(
        """
        settings:
          timezone: America/New_York
          business_hours: {days: [sat, mon], start: "8:30", end: 18:00}
          listen: "[::1]:9000"
          confirm_resolved_after: 0s
          postmortem_required: []
          concurrency: 7
        monitors: [{id: web, url: "https://example.com/"}]
        """
    )
    s = config.settings
    assert s.timezone == "America/New_York"
    assert s.business_hours.days == (0, 5)
    assert (s.business_hours.start, s.business_hours.end) == (time(8, 30), time(18, 0))
    assert (s.listen_host, s.listen_port) == ("::1", 9000)
    assert (s.confirm_resolved_after, s.postmortem_required, s.concurrency) == (0.0, (), 7)


def test_settings_mistakes() -> None:
    text = """
    settings:
      timezone: Europe/Berlim
      business_hours:
        days: [mon, funday]
        start: "18:00"
        end: "09:00"
      listen: localhost
      concurrency: 0
    monitors: [{id: web, url: "https://example.com/"}]
    """
    assert problems(text) == [
        f"{F}:2: settings.timezone: 'Europe/Berlim' is not a known time zone "
        "(did you mean 'Europe/Berlin'?)",
        f"{F}:4: settings.business_hours.days[1]: 'funday' is not a day "
        "(use one of mon, tue, wed, thu, fri, sat, sun)",
        f"{F}:7: settings.listen: 'localhost' is not an address \"host:port\" "
        "(e.g. 127.0.0.1:8787; port 1–65535)",
        f"{F}:8: settings.concurrency: 0 is out of range (expected from 1 to 100000)",
    ]
    text = """
    settings:
      business_hours: {start: "18:00", end: "09:00"}
    monitors: [{id: web, url: "https://example.com/"}]
    """
    assert only(text) == (
        f"{F}:2: settings.business_hours.end: business hours end (09:00) "
        "must be after start (18:00)"
    )


def test_timestamps_are_aware_in_the_right_zone() -> None:
    config = load(
        """
        settings: {timezone: Europe/Berlin}
        people: [{id: alice}]
        schedules:
          - id: tokyo
            timezone: Asia/Tokyo
            rotation: {every: 1d, handoff: "09:00", start: 2024-01-01T09:00, members: [alice]}
            overrides:
              - {person: alice, from: "2024-02-01T00:00Z", to: 2024-02-02 00:00}
          - id: default-zone
            rotation: {every: 1d, handoff: "09:00", start: 2024-01-01, members: [alice]}
        maintenance:
          - {monitors: [web], start: 2024-06-01T02:00, duration: 1h}
        monitors: [{id: web, url: "https://example.com/"}]
        """
    )
    tokyo, berlin = config.schedules
    assert tokyo.rotation.start == datetime(2024, 1, 1, 9, tzinfo=ZoneInfo("Asia/Tokyo"))
    override = tokyo.overrides[0]
    assert override.start.utcoffset() == timedelta(0)
    assert override.end == datetime(2024, 2, 2, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert berlin.timezone == "Europe/Berlin"
    assert berlin.rotation.start.tzinfo == ZoneInfo("Europe/Berlin")
    start = config.maintenance[0].start
    assert start is not None and start.utcoffset() == timedelta(hours=2)


def test_schedule_mistakes() -> None:
    text = """
    people: [{id: alice}]
    schedules:
      - id: s
        timezone: Mars/Olympus
        rotation:
          every: weekly
          handoff: "25:00"
          start: 2024-13-01
          members: []
        overrides:
          - {person: alice, from: 2024-02-02, to: 2024-02-01}
    monitors: [{id: web, url: "https://example.com/"}]
    """
    found = problems(text)
    assert found[0].startswith(f"{F}:4: schedules[0].timezone: 'Mars/Olympus' is not a known")
    assert found[1:] == [
        f"{F}:6: schedules[0].rotation.every: 'weekly' is not a duration (use e.g. 30s, 5m, 1h)",
        f"{F}:7: schedules[0].rotation.handoff: '25:00' is not a time of day "
        '(use HH:MM, e.g. "09:00")',
        f"{F}:8: schedules[0].rotation.start: '2024-13-01' is not an ISO 8601 time "
        "(use e.g. 2024-05-01T09:00 or 2024-05-01T09:00+02:00)",
        f"{F}:9: schedules[0].rotation.members: expected at least one person id",
        f"{F}:11: schedules[0].overrides[0].to: an override must end after it begins",
    ]


def test_people_notify_urls() -> None:
    text = """
    people:
      - id: alice
        notify: [desktop, "mailto://a@example.com", "not a url", Desktop]
      - id: bob
        notify: "slack://token"
    monitors: [{id: web, url: "https://example.com/"}]
    """
    assert problems(text) == [
        f"{F}:3: people[0].notify[2]: 'not a url' is not a notification URL (use an Apprise URL "
        "such as mailto://…, ntfy://… or slack://…, or the word desktop)",
        f"{F}:3: people[0].notify[3]: 'Desktop' is not a notification URL (use an Apprise URL "
        "such as mailto://…, ntfy://… or slack://…, or the word desktop)",
        f"{F}:5: people[1].notify: expected a list of Apprise URLs (mailto://…, ntfy://…) "
        "or the word desktop, got 'slack://token'",
    ]


def test_maintenance_forms() -> None:
    config = load(
        """
        monitors: [{id: web, url: "https://example.com/"}]
        maintenance:
          - monitors: [web]
            weekly: {days: [sun, sat], start: "03:00"}
            duration: 90m
        """
    )
    window = config.maintenance[0]
    assert (window.weekly_days, window.weekly_start, window.duration) == ((5, 6), time(3), 5400.0)
    assert window.start is None and window.name == "Scheduled maintenance"
    text = """
    monitors: [{id: web, url: "https://example.com/"}]
    maintenance:
      - monitors: [web]
        duration: 1h
      - monitors: [web]
        start: 2024-01-01T00:00
        weekly: {days: [sun], start: "03:00"}
        duration: 1h
      - monitors: []
        start: 2024-01-01T00:00
    """
    assert problems(text) == [
        f"{F}:3: maintenance[0]: missing start (a one-off window) or weekly (a recurring one, "
        'e.g. weekly: {days: [sun], start: "03:00"})',
        f"{F}:7: maintenance[1]: use either start (a one-off window) or weekly "
        "(a recurring one), not both",
        f"{F}:9: maintenance[2]: missing required key 'duration' "
        "(how long the window lasts, e.g. 2h)",
        f"{F}:9: maintenance[2].monitors: expected at least one monitor id",
    ]


def test_status_update_placeholders() -> None:
    config = load(
        """
        status_updates:
          investigating: "Looking into {title} ({component}); {{braces}} are fine"
        monitors: [{id: web, url: "https://example.com/"}]
        """
    )
    assert config.status_updates.investigating.startswith("Looking into {title}")
    assert config.status_updates.resolved == "{component} is working normally again."
    text = """
    status_updates:
      identified: "We found it in {service}"
      monitoring: "Fixed {component!r}"
      resolved: "All good {"
    monitors: [{id: web, url: "https://example.com/"}]
    """
    assert problems(text) == [
        f"{F}:2: status_updates.identified: unknown placeholder {{service}} "
        "(use {component}, {title})",
        f"{F}:3: status_updates.monitoring: unknown placeholder {{component!r}} "
        "(use {component}, {title})",
        f"{F}:4: status_updates.resolved: unbalanced braces "
        "(placeholders are {component}, {title}; write {{ for {)",
    ]


def test_status_page() -> None:
    config = load(
        """
        status_page: {title: Our status}
        monitors: [{id: web, url: "https://example.com/"}]
        """
    )
    assert (config.status_page.title, config.status_page.output) == ("Our status", "status-page")
    text = """
    status_page: {url: status.example.com}
    monitors: [{id: web, url: "https://example.com/"}]
    """
    assert only(text).startswith(f"{F}:1: status_page.url: 'status.example.com' is not an http")


# -- environment variables ---------------------------------------------------


SECRET_CONFIG = """
people:
  - id: alice
    notify: ["slack://${SLACK_TOKEN}/#ops"]
monitors:
  - id: web
    url: https://example.com/
    headers: {Authorization: "Bearer ${API_TOKEN}"}
"""


def test_env_expansion_and_secrets() -> None:
    config = load(SECRET_CONFIG, {"SLACK_TOKEN": "xoxb-123", "API_TOKEN": "t0ken"})
    assert config.people[0].notify == ("slack://xoxb-123/#ops",)
    assert config.monitors[0].headers == (("Authorization", "Bearer t0ken"),)
    assert {"xoxb-123", "t0ken"} <= config.secrets
    assert "Bearer t0ken" in config.secrets


def test_unset_variable_is_an_error_naming_it() -> None:
    found = problems(SECRET_CONFIG, {"API_TOKEN": "t0ken"})
    assert found == [
        f"{F}:3: people[0].notify[0]: environment variable SLACK_TOKEN is not set",
    ]


def test_empty_variable_is_allowed_but_not_a_secret() -> None:
    config = load(SECRET_CONFIG, {"SLACK_TOKEN": "abc", "API_TOKEN": ""})
    assert "" not in config.secrets
    assert config.monitors[0].headers == (("Authorization", "Bearer "),)


def test_secret_values_never_appear_in_messages() -> None:
    secret = "hunter2-SECRET"
    env = {"V": secret, "DAY": "tue", "EARLY": "07:13", "I": "1337ms", "T": "1999s", "P": "{zz}"}
    text = """
    settings:
      timezone: ${V}
      listen: ${V}
      business_hours: {days: [mon], start: "${EARLY}", end: "${EARLY}"}
    defaults:
      timeout: ${T}
    people:
      - id: alice
        notify: ["${V}"]
    monitors:
      - id: web
        url: "${V}"
        interval: ${V}
        headers: {X: "${V}"}
        runbook: ${V}
        expect: {status: "${V}", body_contains: "${V}"}
      - id: db
        type: tcp
        host: "https://${V}"
        port: 1
        component: ${V}
        interval: ${I}
      - id: ${V}
        url: https://example.com/
        depends_on: [loop]
      - id: loop
        url: https://example.com/
        depends_on: ["${V}"]
    components: [{name: API}]
    status_updates: {resolved: "${V} {x}", monitoring: "${P}"}
    escalation_policies: [{id: p, steps: [{notify: "schedule:${V}", wait: 1m}]}]
    maintenance: [{monitors: [web], duration: 1h, weekly: {days: [tue, "${DAY}"], start: "1:00"}}]
    """
    with pytest.raises(ConfigError) as info:
        parse_config(y(text), F, env)
    rendered = str(info.value)
    assert len(info.value.issues) >= 15, rendered
    for value in env.values():
        assert value not in rendered, value
    assert "${V}" in rendered and "${EARLY}" in rendered and "${I}" in rendered
    assert "depends_on cycle: ${V} → loop → ${V}" in rendered


def test_dollar_dollar_escape_and_literal_dollars() -> None:
    config = load(
        """
        monitors:
          - id: web
            url: https://example.com/
            runbook: "Run $${HOME}/fix.sh; costs $5; a lone $ or $$ stays"
        """
    )
    assert config.monitors[0].runbook == "Run ${HOME}/fix.sh; costs $5; a lone $ or $$ stays"
    assert config.secrets == frozenset()


def test_malformed_reference() -> None:
    text = """
    monitors:
      - id: web
        url: https://example.com/
        runbook: "see ${not valid}"
    """
    assert only(text) == (
        f"{F}:4: monitors[0].runbook: '${{' must be followed by a variable name and '}}' "
        "(write $${ for a literal ${)"
    )


def test_variables_cannot_inject_structure() -> None:
    injected = "x\n    extra: 1\n  - id: evil\n    url: https://evil.example/"
    config = load(
        """
        monitors:
          - id: web
            url: https://example.com/
            name: ${NAME}
        """,
        {"NAME": injected},
    )
    assert len(config.monitors) == 1
    assert config.monitors[0].name == injected


def test_variables_only_expand_in_string_values() -> None:
    text = """
    monitors:
      - id: db
        type: tcp
        host: 127.0.0.1
        port: ${PORT}
    """
    assert only(text, {"PORT": "5432"}) == (
        f"{F}:5: monitors[0].port: expected a whole number (from 1 to 65535), got '${{PORT}}'"
    )


def test_env_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATUSCAT_TEST_URL", "https://example.com/from-env")
    config = parse_config("monitors: [{id: web, url: '${STATUSCAT_TEST_URL}'}]\n", F)
    assert config.monitors[0].url == "https://example.com/from-env"


# -- all mistakes at once --------------------------------------------------------


def test_three_mistakes_three_issues_with_lines() -> None:
    text = """
    settings:
      timezone: UTC
    monitors:
      - id: web
        url: https://example.com/
        intervall: 30s
      - id: db
        type: tcp
        host: 127.0.0.1
        port: 99999
      - id: api
        url: https://example.com/api
        depends_on: [nope]
    """
    assert problems(text) == [
        f"{F}:6: monitors[0].intervall: unknown key 'intervall' (did you mean 'interval'?)",
        f"{F}:10: monitors[1].port: 99999 is out of range (expected from 1 to 65535)",
        f"{F}:13: monitors[2].depends_on[0]: unknown monitor 'nope'",
    ]


def test_issues_are_sorted_by_line_even_across_sections() -> None:
    text = """
    monitors:
      - id: web
        url: https://example.com/
        component: Nope
    components:
      - name: API
        colour: red
    """
    found = problems(text)
    assert [f.split(":")[1] for f in found] == ["4", "7"]


# -- returned objects --------------------------------------------------------------


def _dataclasses_in(value: Any) -> list[Any]:
    found: list[Any] = []
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        found.append(value)
        for f in dataclasses.fields(value):
            found.extend(_dataclasses_in(getattr(value, f.name)))
    elif isinstance(value, tuple | list | frozenset):
        for entry in value:
            found.extend(_dataclasses_in(entry))
    elif isinstance(value, dict):
        for entry in value.values():
            found.extend(_dataclasses_in(entry))
    return found


def test_every_returned_dataclass_is_frozen() -> None:
    config = load_config(SAMPLE, env={})
    objects = _dataclasses_in(config)
    kinds = {type(o).__name__ for o in objects}
    assert {"Config", "Monitor", "Schedule", "Rotation", "Override", "EscalationStep"} <= kinds
    for obj in objects:
        name = dataclasses.fields(obj)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, name, None)
    for monitor in config.monitors:
        assert isinstance(monitor.depends_on, tuple) and isinstance(monitor.headers, tuple)


# -- locating files ------------------------------------------------------------


def test_find_config_path_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    assert find_config_path(None) is None
    assert find_config_path("~/x.yml") == Path.home() / "x.yml"
    assert find_config_path("missing.yml") == Path("missing.yml")
    user = tmp_path / "xdg" / "statuscat" / "config.yml"
    user.parent.mkdir(parents=True)
    user.write_text("monitors: []\n")
    assert find_config_path(None) == user
    (tmp_path / "statuscat.yml").write_text("monitors: []\n")
    assert find_config_path(None) == Path("statuscat.yml")
    assert find_config_path("other.yml") == Path("other.yml")


def test_default_database_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_database_path() == tmp_path / "data" / "statuscat" / "statuscat.db"


# -- robustness ----------------------------------------------------------------


SAMPLE_LINES = SAMPLE.read_text(encoding="utf-8").splitlines()
_JUNK = st.sampled_from(
    ["", "- x", "  a: b", ": :", "[", "{x: [1, 2}", "&a", "*zz", "<<: 1", "!!binary x", "'", "\t"]
)


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(SAMPLE_LINES) - 1), st.integers(0, 3), _JUNK),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_sample_never_crashes(edits: list[tuple[int, int, str]]) -> None:
    """Damaged configs give a Config or a ConfigError; never another exception."""
    lines = list(SAMPLE_LINES)
    for index, action, junk in edits:
        if action == 0:
            del lines[index % len(lines)]
        elif action == 1:
            lines.insert(index, junk)
        elif action == 2:
            lines[index % len(lines)] = lines[index % len(lines)] + junk
        else:
            line = lines[index % len(lines)]
            lines[index % len(lines)] = line[: len(line) // 2]
    try:
        config = parse_config("\n".join(lines), F, {})
    except ConfigError as error:
        assert error.issues
        for issue in error.issues:
            assert issue.line >= 1 and issue.path and issue.message
    else:
        assert config.monitors
