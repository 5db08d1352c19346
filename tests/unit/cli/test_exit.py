"""Exit code mapping (the table in --help and docs/cli.md)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from testerarmy import (
    APIConnectionError,
    APIResponseValidationError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    MissingAPIKeyError,
    NotFoundError,
    RateLimitError,
    WaitTimeoutError,
)
from testerarmy.cli._exit import EXIT_CODES_HELP, ExitCode, code_for_error, code_for_runs, passed
from testerarmy_api.models import Run, RunStatus

#: A status a newer server might send: derived from the spec's enum, so it is never one of today's.
FUTURE_STATUS = "future_" + "_".join(sorted(member.value for member in RunStatus))


def make_run(status: str, result: str | None = None, **extra: Any) -> Run:
    data: dict[str, Any] = {
        "id": "6f1c3f5e-0b7a-4d8e-9a51-2c0d9a7e4b11",
        "type": "ci",
        "status": status,
        "input": {"prompt": "p"},
        "createdAt": "2026-02-12T00:00:00Z",
        **extra,
    }
    if result is not None:
        # The published TestOutput: featureName, result, description and screenshots are required.
        data["output"] = {"featureName": "Feature", "result": result, "description": "", "screenshots": []}
    return Run.from_dict(data)


def _response(status: int) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", "https://tester.army/api/v1/runs"))


@pytest.mark.parametrize(
    ("run", "ok"),
    [
        (make_run("completed", "PASS"), True),
        (make_run("completed", "pass"), True),
        (make_run("completed", "FAILED"), False),
        (make_run("completed"), False),  # no verdict at all is not a pass
        (make_run("completed", "SKIPPED"), False),
        (make_run("failed"), False),
        (make_run("cancelled"), False),
        (make_run("running"), False),
        (make_run(FUTURE_STATUS), False),
    ],
)
def test_only_completed_pass_passes(run: Run, ok: bool) -> None:
    assert passed(run) is ok
    assert code_for_runs([run]) == (ExitCode.OK if ok else ExitCode.NOT_PASSED)


def test_a_batch_passes_only_if_every_run_passes() -> None:
    good, bad = make_run("completed", "PASS"), make_run("completed", "FAILED")
    assert code_for_runs([good, good]) == ExitCode.OK
    assert code_for_runs([good, bad, good]) == ExitCode.NOT_PASSED
    assert code_for_runs([]) == ExitCode.NOT_PASSED


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (KeyboardInterrupt(), 130),
        (WaitTimeoutError("r", "running", 5.0), 4),
        (MissingAPIKeyError("no key"), 2),
        (AuthenticationError("401", response=_response(401)), 3),
        (BadRequestError("400", response=_response(400)), 3),
        (NotFoundError("404", response=_response(404)), 3),
        (RateLimitError("429", response=_response(429)), 3),
        (InternalServerError("503", response=_response(503)), 3),
        (APIConnectionError("down"), 3),
        (APIResponseValidationError("bad body", response=_response(200)), 3),
        (RuntimeError("a bug"), 3),
    ],
)
def test_error_codes(error: BaseException, code: int) -> None:
    assert code_for_error(error) == code


def test_help_table_lists_every_code() -> None:
    listed = {int(line.split()[0]) for line in EXIT_CODES_HELP.splitlines()[2:]}
    assert listed == {int(code) for code in ExitCode}
