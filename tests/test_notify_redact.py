"""Redaction of URL secrets: the pure functions behind labels and details."""

from __future__ import annotations

import pytest

from statuscat_tui.notify.redact import MAX_DETAIL, clip, label_from_url, redact, secrets_of


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("json://user:pw@127.0.0.1:8080/hook?token=abc", "json://user@127.0.0.1:8080/…"),
        ("mailto://ops:pw@example.com", "mailto://ops@example.com"),
        ("mailto://ops@example.com/", "mailto://ops@example.com"),
        ("ntfy://topic?priority=high", "ntfy://topic/…"),
        ("json://", "json://…"),
        ("no url here", "invalid target"),
    ],
)
def test_label_keeps_scheme_user_and_host_only(url: str, label: str) -> None:
    assert label_from_url(url) == label


def test_secrets_are_password_path_and_query_values_not_the_public_label() -> None:
    url = "json://bot:p%40ssw0rd@hooks.example.com:8443/v1/hook-T0KEN?-key=Qu3ryK3y&ok=no"
    secrets = secrets_of(url, "json://bot@hooks.example.com:8443/…")
    assert {"p%40ssw0rd", "p@ssw0rd", "hook-T0KEN", "Qu3ryK3y"} <= set(secrets)
    # Public parts, query names and tiny values are not masked.
    for public in ("json", "bot", "hooks.example.com", "8443", "-key", "ok", "no", "v1"):
        assert public not in secrets


def test_a_host_that_is_a_token_is_secret_when_the_label_hides_it() -> None:
    url = "tgram://123456789:AAbbCCdd/4242"
    assert {"123456789", "AAbbCCdd", "4242"} <= set(secrets_of(url, "tgram://1...d/…"))


def test_redact_masks_longest_first() -> None:
    secrets = secrets_of("json://u:abc@h/abcdef", "json://u@h/…")
    assert redact("got abcdef and abc", secrets) == "got *** and ***"


def test_clip_is_one_short_line() -> None:
    assert clip("a\n  b\tc") == "a b c"
    long = clip("x" * 500)
    assert len(long) == MAX_DETAIL
    assert long.endswith("…")
