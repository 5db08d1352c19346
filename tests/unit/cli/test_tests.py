"""``testerarmy-py tests trigger``."""

from __future__ import annotations

import json
import uuid

from testerarmy.testing import Simulator

from .conftest import Cli


def _test_id(sim: Simulator, name: str) -> str:
    return next(test.id for test in sim.tests if test.name == name)


def test_trigger_without_wait_prints_the_run(run_cli: Cli, sim: Simulator) -> None:
    test_id = _test_id(sim, "Sign up")

    result = run_cli("tests", "trigger", test_id)

    assert result.exit_code == 0
    (snapshot,) = sim.runs
    run_id = str(snapshot.record.id)
    assert result.stdout.strip() == f"Run {run_id} queued."
    assert sim.run_json(run_id)["testId"] == test_id
    assert run_cli.time.sleeps == []


def test_trigger_json_is_the_trigger_answer(run_cli: Cli, sim: Simulator) -> None:
    result = run_cli("tests", "trigger", _test_id(sim, "Sign up"), "--json")

    document = json.loads(result.stdout)
    (snapshot,) = sim.runs
    assert document["runId"] == str(snapshot.record.id)


def test_trigger_and_wait_pass(run_cli: Cli, sim: Simulator) -> None:
    result = run_cli("tests", "trigger", _test_id(sim, "Checkout"), "--wait")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("PASS  Checkout")


def test_trigger_and_wait_fail(run_cli: Cli, sim: Simulator) -> None:
    test = sim.add_test("Broken login", "Log in with a wrong password [sim:fail]")

    result = run_cli("tests", "trigger", test.id, "--wait", "--json")

    assert result.exit_code == 1
    assert json.loads(result.stdout)["output"]["result"] == "FAILED"
    assert "FAILED  Broken login" in result.stderr


def test_trigger_unknown_test_exits_3(run_cli: Cli) -> None:
    result = run_cli("tests", "trigger", str(uuid.UUID(int=3)), "--wait")

    # The spec lists no 404 for this operation: an unknown test is a 400 ValidationError.
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: 400 Bad Request")
    assert f"Test {uuid.UUID(int=3)} not found" in result.stderr


def test_trigger_malformed_id_exits_2(run_cli: Cli) -> None:
    result = run_cli("tests", "trigger", "sign-up")

    assert result.exit_code == 2
    assert "TEST_ID" in result.stderr
    assert len(run_cli.sim.requests) == 0
