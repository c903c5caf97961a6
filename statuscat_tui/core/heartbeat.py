"""Heartbeat monitors: a job pings us; silence past ``every + grace`` is DOWN."""

from __future__ import annotations

from statuscat_tui.core.durations import format_duration
from statuscat_tui.core.results import CheckResult, Outcome


def evaluate_heartbeat(
    *,
    now: float,
    started: float,
    last_beat: float | None,
    last_fail: float | None,
    every: float,
    grace: float,
) -> CheckResult:
    """Judge a heartbeat monitor at ``now``.

    ``started`` is when the engine began listening: before the first beat the
    job gets a full ``every + grace`` from then, since beats sent while the
    engine was stopped were never heard.
    """
    deadline = every + grace
    if last_fail is not None and (last_beat is None or last_fail >= last_beat):
        ago = format_duration(max(0.0, round(now - last_fail)))
        return CheckResult(Outcome.FAIL, None, f"job reported failure {ago} ago")
    if last_beat is None:
        if now - started > deadline:
            return CheckResult(
                Outcome.FAIL, None, f"no heartbeat received in {format_duration(deadline)}"
            )
        return CheckResult(Outcome.OK, None, "waiting for the first heartbeat")
    silence = now - last_beat
    if silence > deadline:
        return CheckResult(
            Outcome.FAIL,
            None,
            f"no heartbeat for {format_duration(round(silence))} "
            f"(expected every {format_duration(every)} + {format_duration(grace)} grace)",
        )
    if silence < 1:
        return CheckResult(Outcome.OK, None, "heartbeat received just now")
    return CheckResult(Outcome.OK, None, f"last heartbeat {format_duration(round(silence))} ago")
