"""The wait algorithm as a pure flow, driven with a fake clock: intervals, hints, updates, deadlines."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import testerarmy as ta
from testerarmy._flow import Sleep, drive
from testerarmy._polling import Fetch, Notify, Polled, WaitSettings, status_of, wait_flow
from testerarmy_api.models import Run

from .conftest import FakeClock, run_json

A = str(uuid.uuid4())
B = str(uuid.uuid4())
C = str(uuid.uuid4())


def make_run(run_id: str, status: str, **extra: Any) -> Run:
    return Run.from_dict(run_json(run_id, status, **extra))


def status_error(status: int, cls: type[ta.APIStatusError], **kwargs: Any) -> ta.APIStatusError:
    return cls(
        f"{status}", response=httpx.Response(status, request=httpx.Request("GET", "https://x")), **kwargs
    )


Step = str | Polled | Exception


@dataclass
class Harness:
    """Runs wait_flow against scripted outcomes per run id (the last step repeats)."""

    clock: FakeClock
    script: dict[str, list[Step]]
    fetches: list[tuple[float, tuple[str, ...]]] = field(default_factory=list)
    updates: list[tuple[float, str, str]] = field(default_factory=list)

    def outcome(self, run_id: str) -> Polled | Exception:
        steps = self.script[run_id]
        step = steps.pop(0) if len(steps) > 1 else steps[0]
        return Polled(make_run(run_id, step)) if isinstance(step, str) else step

    def perform(self, action: Fetch | Sleep | Notify) -> object:
        if isinstance(action, Fetch):
            self.fetches.append((self.clock(), action.run_ids))
            return tuple(self.outcome(run_id) for run_id in action.run_ids)
        if isinstance(action, Sleep):
            self.clock.sleep(action.seconds)
        else:
            self.updates.append((self.clock(), str(action.run.id), status_of(action.run)))
        return None

    def wait(self, run_ids: Sequence[str], **settings: Any) -> list[Run]:
        settings.setdefault("timeout", 600.0)
        return drive(wait_flow(run_ids, WaitSettings(**settings), self.clock), self.perform)


def test_status_changes_updates_and_backoff(clock: FakeClock) -> None:
    harness = Harness(clock, {A: ["queued", "queued", "running", "running", "completed"]})
    start = clock()
    (run,) = harness.wait([A])
    assert status_of(run) == "completed"
    assert clock.sleeps == [1.0, 1.5, 2.25, 3.375]
    assert [(t - start, status) for t, _, status in harness.updates] == [
        (0.0, "queued"),
        (2.5, "running"),
        (8.125, "completed"),
    ]


def test_interval_is_capped(clock: FakeClock) -> None:
    harness = Harness(clock, {A: ["running"] * 12 + ["completed"]})
    harness.wait([A], max_interval=5.0)
    assert clock.sleeps[:6] == [1.0, 1.5, 2.25, 3.375, 5.0, 5.0]
    assert max(clock.sleeps) == 5.0


def test_timeout_polls_once_more_at_the_deadline(clock: FakeClock) -> None:
    harness = Harness(clock, {A: ["queued", "running"]})
    start = clock()
    with pytest.raises(ta.WaitTimeoutError) as info:
        harness.wait([A], timeout=5.0)
    assert clock.sleeps == [1.0, 1.5, 2.25, 0.25]
    assert harness.fetches[-1][0] - start == 5.0
    error = info.value
    assert (error.run_id, error.last_status, error.elapsed) == (A, "running", 5.0)
    assert error.last_run is not None
    assert status_of(error.last_run) == "running"


def test_run_finishing_on_the_last_poll_is_returned(clock: FakeClock) -> None:
    harness = Harness(clock, {A: ["running", "running", "running", "running", "completed"]})
    (run,) = harness.wait([A], timeout=5.0)
    assert status_of(run) == "completed"


@pytest.mark.parametrize("status", ["completed", "failed", "cancelled"])
def test_terminal_statuses_return_immediately(clock: FakeClock, status: str) -> None:
    harness = Harness(clock, {A: [status]})
    (run,) = harness.wait([A])
    assert status_of(run) == status
    assert clock.sleeps == []


def test_unknown_status_is_not_terminal_and_is_reported(clock: FakeClock) -> None:
    harness = Harness(clock, {A: ["queued", "paused", "paused", "completed"]})
    harness.wait([A])
    assert [status for _, _, status in harness.updates] == ["queued", "paused", "completed"]


def test_server_hint_stretches_the_pause(clock: FakeClock) -> None:
    hinted = Polled(make_run(A, "running"), retry_after=7.0)
    harness = Harness(clock, {A: [hinted, "running", "completed"]})
    harness.wait([A])
    assert clock.sleeps == [7.0, 1.5]


def test_server_hint_is_capped_and_cut_to_the_deadline(clock: FakeClock) -> None:
    harness = Harness(clock, {A: [Polled(make_run(A, "running"), retry_after=3600.0), "completed"]})
    harness.wait([A])
    assert clock.sleeps == [60.0]
    harness = Harness(clock, {A: [Polled(make_run(A, "running"), retry_after=30.0)]})
    with pytest.raises(ta.WaitTimeoutError):
        harness.wait([A], timeout=10.0)
    assert clock.sleeps[1:] == [10.0]


def test_transient_errors_do_not_abort(clock: FakeClock) -> None:
    script: list[Step] = [
        "queued",
        ta.APIConnectionError("down"),
        ta.APITimeoutError("slow"),
        status_error(503, ta.InternalServerError),
        status_error(504, ta.GatewayTimeoutError),
        status_error(408, ta.APIStatusError),
        status_error(429, ta.RateLimitError, retry_after=4.0),
        "completed",
    ]
    harness = Harness(clock, {A: script})
    (run,) = harness.wait([A], max_interval=1.0)
    assert status_of(run) == "completed"
    assert clock.sleeps == [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 4.0]
    assert [status for _, _, status in harness.updates] == ["queued", "completed"]


@pytest.mark.parametrize(
    "error",
    [
        status_error(401, ta.AuthenticationError),
        status_error(403, ta.PermissionDeniedError),
        status_error(404, ta.NotFoundError),
        status_error(400, ta.BadRequestError),
    ],
)
def test_fatal_errors_abort(clock: FakeClock, error: Exception) -> None:
    harness = Harness(clock, {A: ["queued", error]})
    with pytest.raises(type(error)):
        harness.wait([A])
    assert len(harness.fetches) == 2


def test_timeout_while_only_errors_seen(clock: FakeClock) -> None:
    harness = Harness(clock, {A: [ta.APIConnectionError("down")]})
    with pytest.raises(ta.WaitTimeoutError, match="no status seen yet") as info:
        harness.wait([A], timeout=3.0)
    assert info.value.last_run is None


class TestRaiseOnFailure:
    def test_failed_run_raises_with_reason(self, clock: FakeClock) -> None:
        error = {"code": "BROWSER_START_FAILED", "message": "browser failed to start"}
        failed = Polled(make_run(A, "failed", error=error))
        harness = Harness(clock, {A: ["running", failed]})
        with pytest.raises(ta.RunFailedError, match="browser failed to start") as info:
            harness.wait([A], raise_on_failure=True)
        assert (info.value.run_id, info.value.status) == (A, "failed")

    def test_cancelled_run_raises(self, clock: FakeClock) -> None:
        with pytest.raises(ta.RunFailedError, match="'cancelled'"):
            Harness(clock, {A: ["cancelled"]}).wait([A], raise_on_failure=True)

    def test_completed_with_failing_verdict_is_returned(self, clock: FakeClock) -> None:
        verdict = Polled(make_run(A, "completed", output={"result": "FAILED"}))
        (run,) = Harness(clock, {A: [verdict]}).wait([A], raise_on_failure=True)
        assert status_of(run) == "completed"

    def test_failed_run_returned_without_the_flag(self, clock: FakeClock) -> None:
        (run,) = Harness(clock, {A: ["failed"]}).wait([A])
        assert status_of(run) == "failed"


class TestManyRuns:
    def test_results_in_input_order_and_polls_merged(self, clock: FakeClock) -> None:
        harness = Harness(
            clock,
            {
                A: ["running", "running", "running", "completed"],
                B: ["completed"],
                C: ["queued", "failed"],
            },
        )
        runs = harness.wait([A, B, C])
        assert [str(run.id) for run in runs] == [A, B, C]
        assert [status_of(run) for run in runs] == ["completed", "completed", "failed"]
        # Runs due at the same time are fetched in one action; finished runs drop out.
        assert [ids for _, ids in harness.fetches] == [(A, B, C), (A, C), (A,), (A,)]
        assert clock.sleeps == [1.0, 1.5, 2.25]

    def test_first_failure_ends_the_batch(self, clock: FakeClock) -> None:
        harness = Harness(clock, {A: ["running"], B: ["running", "failed"]})
        with pytest.raises(ta.RunFailedError) as info:
            harness.wait([A, B], raise_on_failure=True)
        assert info.value.run_id == B

    def test_batch_timeout_names_an_unfinished_run(self, clock: FakeClock) -> None:
        harness = Harness(clock, {A: ["completed"], B: ["running"]})
        with pytest.raises(ta.WaitTimeoutError) as info:
            harness.wait([A, B], timeout=2.0)
        assert info.value.run_id == B

    def test_empty_batch(self, clock: FakeClock) -> None:
        assert Harness(clock, {}).wait([]) == []


class TestSettings:
    @pytest.mark.parametrize("name", ["timeout", "poll_interval", "max_interval"])
    @pytest.mark.parametrize("value", [0, -5, float("nan")])
    def test_non_positive_values_rejected(self, name: str, value: float) -> None:
        args: dict[str, object] = {
            "timeout": 10,
            "poll_interval": 1,
            "max_interval": 5,
            "raise_on_failure": False,
        }
        args[name] = value
        with pytest.raises(ValueError, match=name):
            WaitSettings.build(**args)  # type: ignore[arg-type]

    def test_max_interval_below_poll_interval(self) -> None:
        with pytest.raises(ValueError, match="max_interval"):
            WaitSettings.build(timeout=10, poll_interval=5, max_interval=1, raise_on_failure=False)

    def test_unknown_wait_option(self) -> None:
        with pytest.raises(TypeError, match="poll_intervall"):
            WaitSettings.from_options({"poll_intervall": 2}, default_timeout=10)  # type: ignore[typeddict-unknown-key]

    def test_defaults(self) -> None:
        settings = WaitSettings.from_options({}, default_timeout=123.0)
        assert (settings.timeout, settings.poll_interval, settings.max_interval) == (123.0, 1.0, 10.0)
