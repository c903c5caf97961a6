"""The monitor state machine: turns raw check outcomes into confirmed states.

Pure and clock-free: every method takes the time as a parameter (unix seconds).

- A failure moves a healthy monitor to PENDING; it is re-checked every
  ``confirm.retry_interval`` and only ``confirm.failures`` consecutive failures
  make it DOWN.
- ``confirm.failures`` consecutive non-OK results with at least one DEGRADED
  and the latest not FAIL make it DEGRADED (slow but working is not down).
- ``confirm.successes`` consecutive non-failing results bring a DOWN monitor
  back; ``confirm.successes`` consecutive OKs bring a DEGRADED one back UP.
- Maintenance and ``depends_on`` do not change what is observed; they mark the
  transitions as suppressed so nobody is paged for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from statuscat_tui.core.model import Confirm
from statuscat_tui.core.results import Outcome
from statuscat_tui.core.states import MonitorState

# States a monitor settles in; PENDING and MAINTENANCE are shown, never settled.
_SETTLED = (MonitorState.UNKNOWN, MonitorState.UP, MonitorState.DEGRADED, MonitorState.DOWN)


@dataclass(frozen=True, slots=True)
class Transition:
    """A change of the shown state.

    ``confirmed`` transitions (into or out of UP, DEGRADED, DOWN) are the ones
    worth logging and paging on; PENDING comings and goings are not.
    ``suppressed_by`` names why nobody should be paged: ``"maintenance"`` or the
    id of a DOWN dependency.
    """

    monitor_id: str
    at: float
    old: MonitorState
    new: MonitorState
    reason: str
    confirmed: bool
    suppressed_by: str | None = None
    failing_since: float | None = None  # first failed check of the current outage


class MonitorMachine:
    """Confirmation state for one monitor."""

    __slots__ = (
        "_ok_streak",
        "_pass_streak",
        "_shown",
        "bad_streak",
        "confirm",
        "fail_since",
        "fail_streak",
        "maintenance",
        "monitor_id",
        "settled",
        "since",
    )

    def __init__(self, monitor_id: str, confirm: Confirm) -> None:
        self.monitor_id = monitor_id
        self.confirm = confirm
        self.settled = MonitorState.UNKNOWN
        self.fail_streak = 0  # consecutive FAIL
        self.bad_streak = 0  # consecutive non-OK (FAIL or DEGRADED)
        self._pass_streak = 0  # consecutive non-FAIL (OK or DEGRADED)
        self._ok_streak = 0  # consecutive OK
        self.maintenance = False
        self._shown = MonitorState.UNKNOWN
        self.since: float | None = None  # when the shown state began
        self.fail_since: float | None = None  # first FAIL of the current failure streak

    @property
    def state(self) -> MonitorState:
        """The state to show: MAINTENANCE and PENDING overlay the settled one."""
        return self._shown

    @property
    def confirming(self) -> bool:
        """True while a change is being confirmed: re-check at the retry interval."""
        if self.settled is MonitorState.DOWN:
            return self._pass_streak > 0
        if self.settled is MonitorState.DEGRADED:
            return self.fail_streak > 0 or self._ok_streak > 0
        return self.bad_streak > 0

    def _compute_shown(self) -> MonitorState:
        if self.maintenance:
            return MonitorState.MAINTENANCE
        if self.settled is not MonitorState.DOWN and self.fail_streak > 0:
            return MonitorState.PENDING
        if self.settled in (MonitorState.UP, MonitorState.UNKNOWN) and self.bad_streak > 0:
            return MonitorState.PENDING
        return self.settled

    def _settle(self, outcome: Outcome) -> None:
        c = self.confirm
        s = self.settled
        if s is MonitorState.DOWN:
            if self._pass_streak >= c.successes:
                self.settled = MonitorState.UP if outcome is Outcome.OK else MonitorState.DEGRADED
            return
        if self.fail_streak >= c.failures:
            self.settled = MonitorState.DOWN
        elif s is MonitorState.DEGRADED:
            if self._ok_streak >= c.successes:
                self.settled = MonitorState.UP
        elif s is MonitorState.UNKNOWN:
            # Nothing to protect yet: the first healthy answer is believed.
            if outcome is Outcome.OK:
                self.settled = MonitorState.UP
            elif outcome is Outcome.DEGRADED and self.bad_streak >= c.failures:
                self.settled = MonitorState.DEGRADED
        elif self.bad_streak >= c.failures and outcome is Outcome.DEGRADED:
            self.settled = MonitorState.DEGRADED

    def observe(
        self,
        outcome: Outcome,
        at: float,
        reason: str = "",
        *,
        in_maintenance: bool = False,
        suppressed_by: str | None = None,
    ) -> Transition | None:
        """Feed one check outcome; return the transition it caused, if any.

        ``suppressed_by`` is the id of a dependency that is DOWN right now.
        """
        if outcome is Outcome.OK:
            self.fail_streak = 0
            self.bad_streak = 0
            self._pass_streak += 1
            self._ok_streak += 1
        elif outcome is Outcome.DEGRADED:
            self.fail_streak = 0
            self.bad_streak += 1
            self._pass_streak += 1
            self._ok_streak = 0
        else:
            if self.fail_streak == 0 and self.settled is not MonitorState.DOWN:
                self.fail_since = at
            self.fail_streak += 1
            self.bad_streak += 1
            self._pass_streak = 0
            self._ok_streak = 0
        # Every condition below reads only the current streaks, which are
        # consecutive runs ending now: nothing needs resetting on a change.
        before_settled = self.settled
        self._settle(outcome)
        self.maintenance = in_maintenance
        return self._update_shown(at, reason, before_settled, suppressed_by)

    def restore(self, settled: MonitorState, since: float | None) -> None:
        """Start from a state known before a restart (UP, DEGRADED or DOWN)."""
        if settled not in _SETTLED:
            raise ValueError(f"cannot restore {settled.name}")
        self.settled = settled
        self._shown = settled
        self.since = since

    def set_maintenance(self, active: bool, at: float, reason: str) -> Transition | None:
        """Enter or leave a maintenance window between checks."""
        if active == self.maintenance:
            return None
        self.maintenance = active
        return self._update_shown(at, reason, self.settled, None)

    def _update_shown(
        self, at: float, reason: str, before_settled: MonitorState, suppressed_by: str | None
    ) -> Transition | None:
        old = self._shown
        new = self._compute_shown()
        if new is old:
            return None
        self._shown = new
        self.since = at
        confirmed = self.settled is not before_settled or (
            # Leaving or entering maintenance reveals/hides a settled state.
            MonitorState.MAINTENANCE in (old, new)
        )
        if MonitorState.PENDING in (old, new) and self.settled is before_settled:
            confirmed = False
        if self.maintenance:
            suppressed_by = "maintenance"
        elif new is not MonitorState.DOWN:
            suppressed_by = None
        failing_since = self.fail_since if new is MonitorState.DOWN else None
        return Transition(
            self.monitor_id, at, old, new, reason, confirmed, suppressed_by, failing_since
        )
