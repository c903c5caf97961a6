from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statuscat_tui.core.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("500ms", 0.5),
        ("30s", 30),
        ("5m", 300),
        ("1h", 3600),
        ("2d", 172800),
        ("1w", 604800),
        ("1h30m", 5400),
        (" 90s ", 90),
        ("1.5s", 1.5),
    ],
)
def test_parse(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "5 minutes", "m5", "-5s", "5x", "1h 3"])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


@given(st.integers(1, 10**7))
def test_format_round_trips(n: int) -> None:
    assert parse_duration(format_duration(n)) == n
