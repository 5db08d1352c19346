"""The simulator's inspection and deterministic control for tests: runs, the clock, forced outcomes."""

from __future__ import annotations

from typing import Any

from ._context import AppContext
from ._lifecycle import SimClock
from ._outcomes import COMPLETE_RESULTS, Outcome
from ._state import RunSnapshot, Store
from ._webhooks import DeliveryAttempt, WebhookDispatcher

__all__ = ["SimulatorControl"]


class SimulatorControl:
    """Mixed into ``Simulator``: what a test reads and moves (the attributes are the simulator's)."""

    _store: Store
    _ctx: AppContext
    _dispatcher: WebhookDispatcher
    clock: SimClock

    @property
    def runs(self) -> list[RunSnapshot]:
        """Every run (all keys), newest first, as it is now."""
        return self._store.snapshots()

    def run(self, run_id: str) -> RunSnapshot:
        return self._store.snapshot(run_id)

    def run_json(self, run_id: str) -> dict[str, Any]:
        """A run exactly as ``GET /v1/runs/{id}`` renders it."""
        return self._ctx.run_json(self._store.snapshot(run_id))

    @property
    def webhook_deliveries(self) -> list[DeliveryAttempt]:
        return self._dispatcher.attempts

    def now(self) -> float:
        """Simulated seconds since the simulator was created."""
        return self.clock.now()

    def advance(self, seconds: float) -> float:
        """Move the simulated clock forward (runs progress, due webhooks fire); returns the new time."""
        now = self.clock.advance(seconds)
        self._dispatcher.wake()
        return now

    def start_run(self, run_id: str) -> RunSnapshot:
        return self._store.force(run_id, start=True)

    def complete_run(self, run_id: str, result: str = "PASS") -> RunSnapshot:
        """Finish a queued or running run now as ``completed``: ``result`` is output.result
        (``PASS``/``FAILED``), or ``SKIPPED`` for planner-skipped output."""
        outcome = COMPLETE_RESULTS.get(result.upper())
        if outcome is None:
            raise ValueError(f"result must be one of {', '.join(COMPLETE_RESULTS)}, got {result!r}")
        snap = self._store.force(run_id, outcome=outcome)
        self._dispatcher.wake()
        return snap

    def fail_run(
        self, run_id: str, code: str = "WORKER_FAILED", message: str = "Failed by the test"
    ) -> RunSnapshot:
        """Finish a queued or running run now as ``failed`` with ``error`` = {code, message}."""
        error = {"code": code, "message": message}
        snap = self._store.force(run_id, outcome=Outcome.ERROR, error=error)
        self._dispatcher.wake()
        return snap
