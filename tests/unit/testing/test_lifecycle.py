"""The run state machine: computed from a plan and a simulated clock, never from background work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from testerarmy.testing._lifecycle import (
    Phase,
    Plan,
    Planner,
    SimClock,
    TimelineInput,
    resolve_timelines,
)
from testerarmy.testing._outcomes import Outcome, OutcomePlan


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def plan(outcome=Outcome.PASS, queue=2.0, run=10.0):
    return Plan(outcome=outcome, queue_seconds=queue, run_seconds=run, error_code=None, issues=0)


def timeline(run, runs=None):
    runs = dict(runs or {})
    runs["r"] = run
    return resolve_timelines(["r"], runs)["r"]


def test_clock_scales_real_time_and_advances():
    mono = FakeMonotonic()
    clock = SimClock(0.01, epoch=datetime(2030, 1, 1, tzinfo=UTC), monotonic=mono)
    assert clock.now() == 0
    mono.t += 0.5  # half a real second = 50 simulated seconds
    assert clock.now() == pytest.approx(50)
    assert clock.advance(10) == pytest.approx(60)
    assert clock.to_datetime(60) == datetime(2030, 1, 1, 0, 1, tzinfo=UTC)
    assert clock.real_seconds(100) == pytest.approx(1.0)


def test_manual_clock_only_moves_by_advance():
    mono = FakeMonotonic()
    clock = SimClock(0, monotonic=mono)
    mono.t += 1000
    assert clock.now() == 0
    clock.advance(3)
    assert clock.now() == 3


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf")])
def test_clock_rejects_bad_scales_and_advances(bad):
    with pytest.raises(ValueError, match="time_scale"):
        SimClock(bad)
    with pytest.raises(ValueError, match="advance"):
        SimClock(0).advance(bad)


def test_clock_rejects_naive_epoch():
    with pytest.raises(ValueError, match="timezone"):
        SimClock(1, epoch=datetime(2030, 1, 1))


@pytest.mark.parametrize(
    ("t", "phase"),
    [
        (0, Phase.QUEUED),
        (1.99, Phase.QUEUED),
        (2, Phase.RUNNING),
        (11.99, Phase.RUNNING),
        (12, Phase.COMPLETED),
    ],
)
def test_pass_run_goes_queued_running_completed(t, phase):
    assert timeline(TimelineInput(created_at=0, plan=plan())).phase_at(t) is phase


def test_error_run_ends_failed_and_hang_never_ends():
    assert timeline(TimelineInput(0, plan(Outcome.ERROR))).phase_at(100) is Phase.FAILED
    hang = timeline(TimelineInput(0, plan(Outcome.HANG, run=None)))
    assert hang.phase_at(10**9) is Phase.RUNNING
    assert hang.terminal_at() is None


def test_cancel_while_queued_never_starts():
    tl = timeline(TimelineInput(0, plan(), cancelled_at=1))
    assert tl.phase_at(0.5) is Phase.QUEUED
    assert tl.phase_at(1) is Phase.CANCELLED
    assert tl.started_at is None
    assert tl.terminal_at() == 1


def test_cancel_while_running_keeps_start():
    tl = timeline(TimelineInput(0, plan(), cancelled_at=5))
    assert tl.started_at == 2
    assert tl.ended_at is None
    assert tl.phase_at(50) is Phase.CANCELLED


def test_forced_completion_of_a_queued_run_starts_and_ends_it_now():
    tl = timeline(TimelineInput(0, plan(Outcome.HANG, run=None), forced_end=1, forced_outcome=Outcome.FAIL))
    assert (tl.started_at, tl.ended_at, tl.outcome) == (1, 1, Outcome.FAIL)
    assert tl.phase_at(1) is Phase.COMPLETED


def test_forced_start():
    tl = timeline(TimelineInput(0, plan(queue=100), forced_start=1))
    assert tl.phase_at(1) is Phase.RUNNING
    assert tl.ended_at == 11


def test_sequential_runs_wait_for_their_predecessor():
    runs = {
        "a": TimelineInput(0, plan(queue=1, run=10)),
        "b": TimelineInput(0, plan(queue=1, run=5), after="a"),
        "c": TimelineInput(0, plan(queue=1, run=5), after="b"),
    }
    tls = resolve_timelines(["c", "a", "b"], runs)
    assert (tls["a"].started_at, tls["a"].ended_at) == (1, 11)
    assert (tls["b"].started_at, tls["b"].ended_at) == (11, 16)
    assert (tls["c"].started_at, tls["c"].ended_at) == (16, 21)


def test_successor_of_a_hanging_run_stays_queued_until_it_is_cancelled():
    runs = {"a": TimelineInput(0, plan(Outcome.HANG, run=None)), "b": TimelineInput(0, plan(), after="a")}
    assert resolve_timelines(["b"], runs)["b"].phase_at(10**6) is Phase.QUEUED
    runs["a"] = TimelineInput(0, plan(Outcome.HANG, run=None), cancelled_at=50)
    assert resolve_timelines(["b"], runs)["b"].started_at == 50


def test_long_chains_resolve_without_recursion():
    runs = {"0": TimelineInput(0, plan(queue=0, run=1))}
    for i in range(1, 5000):
        runs[str(i)] = TimelineInput(0, plan(queue=0, run=1), after=str(i - 1))
    assert resolve_timelines(["4999"], runs)["4999"].ended_at == 5000


def test_planner_is_deterministic_per_seed_and_sequence():
    a = Planner(seed=1, queue_seconds=2, run_seconds=20, jitter=0.25)
    b = Planner(seed=1, queue_seconds=2, run_seconds=20, jitter=0.25)
    c = Planner(seed=2, queue_seconds=2, run_seconds=20, jitter=0.25)
    wanted = OutcomePlan(outcome=Outcome.PASS)
    assert a.plan(wanted, a.rng(5)) == b.plan(wanted, b.rng(5))
    assert a.plan(wanted, a.rng(5)) != c.plan(wanted, c.rng(5))
    p = a.plan(wanted, a.rng(5))
    assert 15 <= p.run_seconds <= 25
    assert 1.5 <= p.queue_seconds <= 2.5


def test_planner_honours_explicit_values_and_slow():
    planner = Planner(seed=0, queue_seconds=2, run_seconds=20, jitter=0)
    p = planner.plan(
        OutcomePlan(outcome=Outcome.FAIL, duration=3, queue=0, slow=True, issues=2), planner.rng(1)
    )
    assert (p.queue_seconds, p.run_seconds, p.issues) == (0, 30, 2)
    err = planner.plan(OutcomePlan(outcome=Outcome.ERROR), planner.rng(1))
    assert err.error_code == "PROVIDER_CAPACITY"
    assert err.run_seconds == pytest.approx(8)
    assert planner.plan(OutcomePlan(outcome=Outcome.HANG), planner.rng(1)).run_seconds is None


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"queue_seconds": -1}, "queue_seconds"),
        ({"run_seconds": float("inf")}, "run_seconds"),
        ({"jitter": 1}, "jitter"),
    ],
)
def test_planner_validates(kwargs, needle):
    options = {"seed": 0, "queue_seconds": 1, "run_seconds": 1, "jitter": 0, **kwargs}
    with pytest.raises(ValueError, match=needle):
        Planner(**options)


def test_epoch_is_the_anchor_of_timestamps():
    epoch = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert SimClock(1, epoch=epoch).to_datetime(1.5) == epoch + timedelta(seconds=1.5)
