"""sample_config.yml is the reference: it loads on a fresh machine and shows every key."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from statuscat_tui.config import load_config
from statuscat_tui.config.validate import (
    COMMON_KEYS,
    EXPECT_KEYS,
    SECTIONS,
    SETTINGS_KEYS,
    TYPE_KEYS,
)
from statuscat_tui.core.model import Config, Confirm

SAMPLE = Path(__file__).resolve().parent.parent / "sample_config.yml"


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(SAMPLE, env={})  # no environment variables at all


def test_sample_loads_with_an_empty_environment(config: Config) -> None:
    assert config.source == str(SAMPLE)
    assert config.secrets == frozenset()


def test_every_monitor_type_is_shown(config: Config) -> None:
    assert {m.type for m in config.monitors} == set(TYPE_KEYS)


def test_defaults_and_overrides(config: Config) -> None:
    assert (config.defaults.interval, config.defaults.timeout) == (60.0, 10.0)
    website = config.monitor("website")
    assert (website.interval, website.timeout, website.confirm) == (60.0, 10.0, Confirm(3, 10, 2))
    api = config.monitor("api")
    assert (api.interval, api.timeout) == (30.0, 5.0)
    assert api.confirm == Confirm(failures=2, retry_interval=10.0, successes=2)  # partial merge
    carol = next(p for p in config.people if p.id == "carol")
    assert carol.name == "carol"  # name defaults to the id


def test_monitor_details(config: Config) -> None:
    api = config.monitor("api")
    assert api.expect.status == (200, 204)
    assert api.expect.max_response_time == 0.8
    assert ("checks.database", True) in api.expect.json
    assert dict(api.headers)["Accept"] == "application/json"
    assert (api.severity, api.component, api.max_redirects) == ("SEV1", "API", 3)
    cert = config.monitor("api-cert")
    assert (cert.type, cert.port, cert.expect.cert_valid_for) == ("tls", 443, 14 * 86400.0)
    assert cert.depends_on == ("api",)
    mx = config.monitor("mx")
    assert (mx.record, mx.nameserver, mx.expect.contains) == (
        "MX",
        "1.1.1.1:53",
        "mail.example.com",
    )
    db = config.monitor("database")
    assert (db.host, db.port) == ("127.0.0.1", 5432)
    beat = config.monitor("nightly-backup")
    assert (beat.every, beat.grace, beat.interval) == (86400.0, 1800.0, 300.0)
    assert (beat.confirm.failures, beat.confirm.successes) == (1, 1)
    assert beat.runbook


def test_people_schedules_escalation(config: Config) -> None:
    notify = {url for person in config.people for url in person.notify}
    assert "desktop" in notify and any(url.startswith("mailto://") for url in notify)
    (schedule,) = config.schedules
    berlin = ZoneInfo("Europe/Berlin")
    assert schedule.rotation.start == datetime(2024, 1, 1, tzinfo=berlin)
    assert schedule.rotation.handoff == time(9, 0)
    assert schedule.rotation.every == 7 * 86400.0
    assert schedule.overrides[0].start == datetime(2024, 7, 1, 9, tzinfo=berlin)
    policy = config.escalation_policies[0]
    assert policy.steps[0].notify == ("schedule:primary",)
    assert policy.steps[1].notify == ("person:alice", "person:bob")
    assert policy.repeat == 2
    assert config.severities["SEV1"].escalation == "default"
    assert config.severities["SEV3"].page == "business_hours"
    assert config.severities["SEV3"].publish == "manual"


def test_settings_maintenance_status_page(config: Config) -> None:
    s = config.settings
    assert (s.timezone, s.me, s.concurrency) == ("Europe/Berlin", "alice", 200)
    assert s.business_hours.end == time(17, 30)
    assert s.postmortem_required == ("SEV1", "SEV2")
    one_off, weekly = config.maintenance
    assert one_off.start == datetime(2024, 9, 14, 22, tzinfo=ZoneInfo("Europe/Berlin"))
    assert (weekly.weekly_days, weekly.weekly_start) == ((6,), time(3, 0))
    assert config.status_page.url == "https://status.example.com/"
    assert "{title}" in config.status_updates.identified


def test_sample_shows_every_key_of_the_contract() -> None:
    """A key added to the schema must appear in the reference too."""
    document = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    assert set(document) == set(SECTIONS)
    monitor_keys = {key for monitor in document["monitors"] for key in monitor}
    assert monitor_keys == {*COMMON_KEYS, *(k for keys in TYPE_KEYS.values() for k in keys)}
    expect_keys = {key for m in document["monitors"] for key in m.get("expect", {})}
    assert expect_keys == {k for keys in EXPECT_KEYS.values() for k in keys}
    assert set(document["settings"]) == set(SETTINGS_KEYS)
    assert set(document["severities"]["SEV1"]) == {"description", "escalation", "page", "publish"}
    assert set(document["status_updates"]) == {
        "investigating",
        "identified",
        "monitoring",
        "resolved",
    }
    assert {key for window in document["maintenance"] for key in window} == {
        "name",
        "monitors",
        "start",
        "weekly",
        "duration",
    }
    assert set(document["schedules"][0]) == {"id", "name", "timezone", "rotation", "overrides"}
    assert set(document["status_page"]) == {"title", "url", "output"}
