"""batches cancel|rerun, groups trigger --rerun-failed, and run-creating requests whose outcome is
unknown (timeout, connection lost, 5xx)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from .conftest import Cli
from .fake_api import FakeApi


def _trigger(fake_cli: Cli, group: str, *args: str) -> dict[str, object]:
    result = fake_cli("groups", "trigger", group, "--json", *args)
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert isinstance(answer, dict)
    return answer


def test_batches_cancel_reports_what_it_cancelled(fake_cli: Cli, fake: FakeApi) -> None:
    batch = _trigger(fake_cli, fake.add_group("A", "B"))["batchId"]

    result = fake_cli("batches", "cancel", str(batch))

    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"Batch {batch}: 2 run(s) cancelled, 0 already finished."
    assert {run.status for run in fake.runs.values()} == {"cancelled"}
    again = fake_cli("batches", "cancel", str(batch), "--json")  # idempotent
    assert json.loads(again.stdout)["alreadyFinished"] == 2


def test_batches_rerun_waits_for_the_new_batch(fake_cli: Cli, fake: FakeApi, tmp_path: Path) -> None:
    batch = _trigger(fake_cli, fake.add_group("A", "B [fake:fail]"))["batchId"]
    report = tmp_path / "r.xml"

    result = fake_cli("batches", "rerun", str(batch), "--wait", "--junit-xml", str(report))

    assert result.exit_code == 1
    assert f"(from {batch})" in result.stderr
    assert len(fake.runs) == 4
    assert report.read_text(encoding="utf-8").count("<testcase") == 2


def test_batches_rerun_without_wait_lists_the_new_runs(fake_cli: Cli, fake: FakeApi) -> None:
    batch = _trigger(fake_cli, fake.add_group("A"))["batchId"]

    result = fake_cli("batches", "rerun", str(batch), "--json")

    assert result.exit_code == 0
    answer = json.loads(result.stdout)
    assert answer["sourceBatchId"] == batch
    assert len(answer["runIds"]) == 1


def test_group_rerun_failed_triggers_only_the_tests_that_did_not_pass(
    fake_cli: Cli, fake: FakeApi, tmp_path: Path
) -> None:
    group = fake.add_group("Passes", "Fails [fake:fail]", "Errors [fake:error]")
    report = tmp_path / "g.xml"
    assert fake_cli("groups", "trigger", group, "--wait", "--junit-xml", str(report)).exit_code == 1
    before = len(fake.runs)

    result = fake_cli("groups", "trigger", group, "--wait", "--rerun-failed", str(report))

    assert result.exit_code == 1
    new = list(fake.runs.values())[before:]
    assert sorted(fake.tests[run.test_id or ""] for run in new) == [
        "Errors [fake:error]",
        "Fails [fake:fail]",
    ]
    group_triggers = [path for method, path, _ in fake.requests if path.endswith(f"/groups/{group}/runs")]
    assert len(group_triggers) == 1  # the re-run triggered the two tests, not the group


@pytest.mark.parametrize(
    ("fault", "why"),
    [
        (502, "the API answered 502"),
        (503, "the API answered 503"),
        ("timeout", "no answer within the request timeout"),
        ("drop", "the connection was lost after the request was sent"),
    ],
)
def test_a_submit_with_an_unknown_outcome_says_the_run_may_exist(
    fake_cli: Cli, fake: FakeApi, fault: int | str, why: str
) -> None:
    fake.next_create_fault = fault

    result = fake_cli("run", "Check the cart")

    assert result.exit_code == 3
    [line] = result.stderr.strip().splitlines()
    assert why in line
    assert "may exist" in line
    assert "'testerarmy-py runs list --limit 5' finds it" in line
    assert len(fake.created()) == 1  # never retried: a retry could create the run twice


def test_the_unknown_outcome_line_names_the_run_when_the_answer_did(fake_cli: Cli) -> None:
    run_id = "6f1c3f5e-0b7a-4d8e-9a51-2c0d9a7e4b11"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(504, json={"error": "gateway_timeout", "message": "late", "id": run_id})

    fake_cli.transport = lambda: httpx.MockTransport(handler)
    result = fake_cli("run", "Check the cart")

    assert result.exit_code == 3
    assert f"run {run_id} may exist: 'testerarmy-py runs get {run_id}' finds it" in result.stderr


def test_group_trigger_with_an_unknown_outcome_says_so(fake_cli: Cli, fake: FakeApi) -> None:
    group = fake.add_group("A")
    fake.next_create_fault = 500

    result = fake_cli("groups", "trigger", group, "--wait")

    assert result.exit_code == 3
    assert f"triggering group {group}: outcome unknown" in result.stderr
    assert "runs list --limit 20" in result.stderr


def test_a_refused_connection_still_says_the_api_could_not_be_reached(fake_cli: Cli) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    fake_cli.transport = lambda: httpx.MockTransport(refuse)
    result = fake_cli("run", "x")

    assert result.exit_code == 3
    assert "cannot reach the TesterArmy API" in result.stderr
    assert "may exist" not in result.stderr


def test_a_4xx_on_submit_is_a_plain_api_error(fake_cli: Cli, fake: FakeApi) -> None:
    fake.next_create_fault = 400

    result = fake_cli("run", "x")

    assert result.exit_code == 3
    assert "may exist" not in result.stderr
