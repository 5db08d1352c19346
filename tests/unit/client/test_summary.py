"""``summarize(run)``: one typed :class:`Outcome` per case, from the published run shapes."""

from __future__ import annotations

from typing import Any

import pytest
import testerarmy as ta
import testerarmy_api.models as models
from testerarmy_api.models import PlannerSkippedOutput, Run, RunError

from .conftest import output_json, run_json

RUN_ID = "8a3f0c4e-1d2b-4c5a-9e8f-0a1b2c3d4e5f"

ISSUE = {
    "type": "issue",
    "name": "Slow pricing page",
    "description": "4 s to load",
    "url": "https://shop.example/pricing",
    "severity": 4,
}
WARNING = {
    "type": "warning",
    "name": "Console error",
    "description": "404 on a font",
    "url": "https://x.example",
}


def summary(status: str, **fields: Any) -> ta.RunSummary:
    return ta.summarize(Run.from_dict(run_json(RUN_ID, status, **fields)))


def test_a_pass_verdict() -> None:
    got = summary(
        "completed",
        output=output_json("PASS", description="Opened the page.", screenshots=["https://cdn.example/1.png"]),
        durationMs=61500,
    )
    assert isinstance(
        Run.from_dict(run_json(RUN_ID, "completed", output=output_json())).output, models.TestOutput
    )
    assert got == ta.RunSummary(
        id=RUN_ID,
        status="completed",
        outcome=ta.Outcome.PASSED,
        verdict="PASS",
        passed=True,
        description="Opened the page.",
        issues=(),
        error=None,
        duration_seconds=61.5,
        screenshots=("https://cdn.example/1.png",),
    )


def test_a_failed_verdict_lists_its_issues() -> None:
    got = summary("completed", output=output_json("FAILED", issues=[ISSUE, WARNING]))
    assert (got.outcome, got.verdict, got.passed, got.error) == (ta.Outcome.FAILED, "FAILED", False, None)
    assert got.issues == ("[4] Slow pricing page: 4 s to load", "Console error: 404 on a font")


def test_a_planner_skipped_run_has_its_reason_and_no_verdict() -> None:
    skipped = {"kind": "planner_skipped", "reason": "The PR only changes docs."}
    run = Run.from_dict(run_json(RUN_ID, "completed", output=skipped))
    assert isinstance(run.output, PlannerSkippedOutput)
    got = ta.summarize(run)
    assert (got.outcome, got.verdict, got.passed) == (ta.Outcome.SKIPPED, None, False)
    assert got.description == "The PR only changes docs."


def test_a_failed_run_has_the_error_message_and_no_verdict() -> None:
    run = Run.from_dict(
        run_json(RUN_ID, "failed", error={"code": "BROWSER_CRASH", "message": "browser crashed"})
    )
    assert isinstance(run.error, RunError)
    got = ta.summarize(run)
    assert (got.outcome, got.status, got.verdict, got.passed, got.error) == (
        ta.Outcome.ERRORED,
        "failed",
        None,
        False,
        "browser crashed",
    )


def test_a_documented_null_error_is_no_error() -> None:
    assert summary("completed", output=output_json(), error=None).error is None


def test_a_cancelled_run() -> None:
    got = summary("cancelled")
    assert (got.outcome, got.passed, got.verdict) == (ta.Outcome.CANCELLED, False, None)


@pytest.mark.parametrize("status", ["queued", "running"])
def test_a_pending_run_has_no_outcome_yet(status: str) -> None:
    got = summary(status)
    assert (got.outcome, got.verdict, got.issues, got.error, got.duration_seconds) == (
        ta.Outcome.PENDING,
        None,
        (),
        None,
        None,
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "paused"},  # a status newer than this SDK
        {"status": "completed", "output": output_json("FLAKY")},  # a verdict newer than this SDK
        {"status": "completed"},  # completed without any output
    ],
)
def test_what_this_sdk_does_not_know_is_unknown_never_a_pass(fields: dict[str, Any]) -> None:
    status = fields.pop("status")
    got = summary(status, **fields)
    assert (got.outcome, got.passed, got.status) == (ta.Outcome.UNKNOWN, False, status)


def test_an_output_that_matches_no_schema_still_gives_its_verdict() -> None:
    # "FAIL" without the required fields: the generated model keeps the output as a plain dict.
    run = Run.from_dict(run_json(RUN_ID, "completed", output={"result": "FAIL", "description": "broken"}))
    assert isinstance(run.output, dict)
    got = ta.summarize(run)
    assert (got.outcome, got.verdict, got.passed, got.description) == (
        ta.Outcome.FAILED,
        "FAIL",
        False,
        "broken",
    )


def test_an_error_that_matches_no_schema_still_gives_its_message() -> None:
    run = Run.from_dict(run_json(RUN_ID, "failed", error={"message": "no capacity"}))
    assert ta.summarize(run).error == "no capacity"


def test_duration_from_timestamps_when_duration_ms_is_missing() -> None:
    got = summary("completed", startedAt="2026-02-12T00:00:00Z", completedAt="2026-02-12T00:01:30Z")
    assert got.duration_seconds == 90.0


def test_outcomes_are_strings_for_logs_and_json() -> None:
    assert ta.Outcome.PASSED == "passed"
    assert {outcome.value for outcome in ta.Outcome} == {
        "passed",
        "failed",
        "skipped",
        "errored",
        "cancelled",
        "pending",
        "unknown",
    }
