"""Run lifecycle: a simulated clock and the pure functions that turn a run's plan into its status.

Nothing here runs in the background. A run stores *when* it becomes ready, how long it takes and how
it ends; its status at any instant is computed on read (``status_at``). That keeps reads cheap and
deterministic: the same plan and the same instant always give the same answer, whatever thread asks.

Time is simulated: ``SimClock.now()`` is in simulated seconds since the simulator started. With
``time_scale=0.01`` one real second is 100 simulated seconds; with ``time_scale=0`` the clock only moves
through ``advance()`` (fully manual, for tests that step through states).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from ._outcomes import SLOW_FACTOR, Outcome, OutcomePlan

__all__ = [
    "Phase",
    "Plan",
    "Planner",
    "RunTiming",
    "SimClock",
    "Timeline",
    "TimelineInput",
    "resolve_timelines",
]


class SimClock:
    """Simulated seconds since start; thread-safe; ``advance`` adds simulated seconds instantly."""

    def __init__(
        self,
        time_scale: float,
        *,
        epoch: datetime | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not time_scale >= 0 or time_scale == float("inf"):
            raise ValueError(f"time_scale must be a finite number >= 0, got {time_scale!r}")
        if epoch is not None and epoch.tzinfo is None:
            raise ValueError("epoch must be timezone-aware")
        self.time_scale = float(time_scale)
        self._monotonic = monotonic
        self._start = monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()
        # Wall-clock anchor of simulated second 0: timestamps in responses are epoch + simulated time.
        self.epoch = (epoch or datetime.now(UTC)).astimezone(UTC)

    def now(self) -> float:
        with self._lock:
            offset = self._offset
        if self.time_scale == 0:
            return offset
        return (self._monotonic() - self._start) / self.time_scale + offset

    def advance(self, seconds: float) -> float:
        """Jump forward by ``seconds`` simulated seconds; returns the new simulated time."""
        if not seconds >= 0 or seconds == float("inf"):
            raise ValueError(f"can only advance by a finite number of seconds >= 0, got {seconds!r}")
        with self._lock:
            self._offset += seconds
        return self.now()

    def to_datetime(self, sim_seconds: float) -> datetime:
        return self.epoch + timedelta(seconds=sim_seconds)

    def real_seconds(self, sim_seconds: float) -> float:
        """Real time that ``sim_seconds`` take at this scale (0 for a manual clock)."""
        return sim_seconds * self.time_scale


class Phase(StrEnum):
    """Run statuses, as the API spells them."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in (Phase.COMPLETED, Phase.FAILED, Phase.CANCELLED)


@dataclass(frozen=True)
class Plan:
    """What a run will do, fixed when it is created (from its outcome plan and the seeded RNG)."""

    outcome: Outcome
    queue_seconds: float
    run_seconds: float | None  # None: never finishes on its own (HANG)
    error_code: str | None
    issues: int
    skip_reason: str | None = None


class Planner:
    """Turns an OutcomePlan into a concrete Plan, deterministically for a given seed and sequence number."""

    def __init__(
        self,
        *,
        seed: int,
        queue_seconds: float,
        run_seconds: float,
        jitter: float,
    ) -> None:
        for name, value in (("queue_seconds", queue_seconds), ("run_seconds", run_seconds)):
            if not value >= 0 or value == float("inf"):
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if not 0 <= jitter < 1:
            raise ValueError(f"jitter must be in [0, 1), got {jitter!r}")
        self.seed = seed
        self.queue_seconds = queue_seconds
        self.run_seconds = run_seconds
        self.jitter = jitter

    def rng(self, sequence: int) -> random.Random:
        # One independent stream per run: run N gets the same numbers whatever happened before it.
        return random.Random(f"testerarmy-sim:{self.seed}:{sequence}")  # noqa: S311 - simulation, not crypto

    def _jittered(self, rng: random.Random, base: float) -> float:
        return base * (1 + rng.uniform(-self.jitter, self.jitter)) if self.jitter else base

    def plan(self, wanted: OutcomePlan, rng: random.Random) -> Plan:
        outcome = wanted.outcome or Outcome.PASS
        queue = wanted.queue if wanted.queue is not None else self._jittered(rng, self.queue_seconds)
        run: float | None
        if outcome is Outcome.HANG:
            run = None
        elif wanted.duration is not None:
            run = wanted.duration
        else:
            run = self._jittered(rng, self.run_seconds)
            if outcome is Outcome.ERROR:
                run *= 0.4  # workers tend to break early
        if run is not None and wanted.slow:
            run *= SLOW_FACTOR
        if wanted.issues is not None:
            issues = wanted.issues
        else:
            issues = rng.randint(1, 3) if outcome is Outcome.FAIL else 0
        error_code = wanted.error_code or ("PROVIDER_CAPACITY" if outcome is Outcome.ERROR else None)
        if outcome is Outcome.SKIP and run is not None and wanted.duration is None:
            run *= 0.1  # the planner decides quickly that there is nothing to test
        return Plan(
            outcome=outcome,
            queue_seconds=queue,
            run_seconds=run,
            error_code=error_code,
            issues=issues,
            skip_reason=wanted.skip_reason,
        )


class RunTiming(Protocol):
    """The lifecycle-relevant facts of one run (the store's records and TimelineInput both have them)."""

    @property
    def created_at(self) -> float: ...
    @property
    def plan(self) -> Plan: ...
    @property
    def after(self) -> str | None: ...
    @property
    def forced_start(self) -> float | None: ...
    @property
    def forced_end(self) -> float | None: ...
    @property
    def forced_outcome(self) -> Outcome | None: ...
    @property
    def cancelled_at(self) -> float | None: ...


@dataclass(frozen=True)
class TimelineInput:
    """The lifecycle-relevant facts of one run (all times in simulated seconds)."""

    created_at: float
    plan: Plan
    after: str | None = None  # id of a run this one waits for (sequential groups, prep tests)
    forced_start: float | None = None
    forced_end: float | None = None
    forced_outcome: Outcome | None = None
    cancelled_at: float | None = None


@dataclass(frozen=True)
class Timeline:
    """When a run starts and ends (``None``: not (yet) determined, i.e. never on its own)."""

    started_at: float | None
    ended_at: float | None
    outcome: Outcome  # what it ends as, unless cancelled
    cancelled_at: float | None

    def phase_at(self, t: float) -> Phase:
        if self.cancelled_at is not None and t >= self.cancelled_at:
            return Phase.CANCELLED
        if self.started_at is None or t < self.started_at:
            return Phase.QUEUED
        if self.ended_at is None or t < self.ended_at:
            return Phase.RUNNING
        return Phase.FAILED if self.outcome is Outcome.ERROR else Phase.COMPLETED

    def terminal_at(self) -> float | None:
        """Simulated time at which the run reaches its terminal state (None: not scheduled)."""
        if self.cancelled_at is not None:
            return self.cancelled_at
        return self.ended_at


def _own_timeline(run: RunTiming, predecessor_end: float | None, has_predecessor: bool) -> Timeline:
    outcome = run.forced_outcome or run.plan.outcome
    start: float | None
    if run.forced_start is not None:
        start = run.forced_start
    else:
        start = run.created_at + run.plan.queue_seconds
        if has_predecessor:
            start = None if predecessor_end is None else max(start, predecessor_end)
    end: float | None
    if run.forced_end is not None:
        end = run.forced_end
        start = end if start is None else min(start, end)
    elif start is None or run.plan.run_seconds is None:
        end = None
    else:
        end = start + run.plan.run_seconds
    if run.cancelled_at is not None:
        # A cancelled run keeps its start only if it had started by then; it ends when cancelled.
        if start is not None and start > run.cancelled_at:
            start = None
        if end is not None and end > run.cancelled_at:
            end = None
    return Timeline(started_at=start, ended_at=end, outcome=outcome, cancelled_at=run.cancelled_at)


def resolve_timelines(
    wanted: list[str], runs: Mapping[str, RunTiming], cache: dict[str, Timeline] | None = None
) -> dict[str, Timeline]:
    """Timelines of ``wanted`` runs, following ``after`` chains iteratively (no recursion limit)."""
    memo: dict[str, Timeline] = cache if cache is not None else {}
    for run_id in wanted:
        chain: list[str] = []
        current: str | None = run_id
        seen: set[str] = set()
        while current is not None and current not in memo and current in runs and current not in seen:
            seen.add(current)
            chain.append(current)
            current = runs[current].after
        for rid in reversed(chain):
            run = runs[rid]
            pred_end: float | None = None
            has_pred = run.after is not None and run.after in runs and run.after != rid
            if has_pred:
                assert run.after is not None
                pred = memo.get(run.after)
                pred_end = pred.terminal_at() if pred is not None else None
            memo[rid] = _own_timeline(run, pred_end, has_pred)
    return {rid: memo[rid] for rid in wanted if rid in memo}
