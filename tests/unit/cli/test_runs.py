"""``testerarmy-py runs get|list|cancel|wait``."""

from __future__ import annotations

import json
import uuid

import pytest
from testerarmy.testing import Simulator

from .conftest import Cli, assert_plain


def test_get_shows_a_finished_run_and_exits_0_even_if_it_failed(run_cli: Cli, sim: Simulator) -> None:
    run_id = run_cli.submit("Check the cart [sim:fail] [sim:issues=1]")
    sim.advance(120)

    result = run_cli("runs", "get", run_id)

    assert result.exit_code == 0
    output = sim.run_json(run_id)["output"]
    assert result.stdout.startswith(f"FAILED  {output['featureName']}")
    assert output["issues"][0]["name"] in result.stdout
    assert run_cli.time.sleeps == []


def test_get_of_an_unfinished_run_says_so(run_cli: Cli) -> None:
    run_id = run_cli.submit("Check the cart")

    result = run_cli("runs", "get", run_id)

    assert result.exit_code == 0
    assert result.stdout.startswith("QUEUED")
    assert "Status: queued (not finished)" in result.stdout


def test_get_json(run_cli: Cli, sim: Simulator) -> None:
    run_id = run_cli.submit("Check the cart")
    sim.advance(120)

    result = run_cli("runs", "get", run_id, "--json")

    document = json.loads(result.stdout)
    assert document["id"] == run_id
    assert document["output"] == sim.run_json(run_id)["output"]


def test_get_unknown_run_exits_3(run_cli: Cli) -> None:
    result = run_cli("runs", "get", str(uuid.UUID(int=7)))

    assert result.exit_code == 3
    assert result.stderr.startswith("Error: 404 Not Found")
    assert len(result.stderr.strip().splitlines()) == 1


def test_get_malformed_id_exits_2_without_a_request(run_cli: Cli) -> None:
    result = run_cli("runs", "get", "not-a-uuid")

    assert result.exit_code == 2
    assert "RUN_ID" in result.stderr
    assert len(run_cli.sim.requests) == 0


def test_list_table_and_json(run_cli: Cli, sim: Simulator) -> None:
    first = run_cli.submit("First prompt")
    sim.advance(120)
    second = run_cli.submit("Second prompt")

    table = run_cli("runs", "list")
    document = run_cli("runs", "list", "--json")

    assert table.exit_code == 0
    rows = [line for line in table.stdout.splitlines() if first in line or second in line]
    assert len(rows) == 2
    assert rows[0].startswith(second)  # newest first
    assert "queued" in rows[0]
    assert "completed" in rows[1]
    assert "PASS" in rows[1]
    assert_plain(table.stdout)
    assert [run["id"] for run in json.loads(document.stdout)] == [second, first]


def test_list_status_and_limit_are_passed_to_the_api(run_cli: Cli, sim: Simulator) -> None:
    done = run_cli.submit("Done")
    sim.advance(120)
    run_cli.submit("Pending")

    result = run_cli("runs", "list", "--status", "completed", "--limit", "5", "--json")

    assert [run["id"] for run in json.loads(result.stdout)] == [done]
    (request,) = run_cli.api_requests("GET", "runs.list")
    assert sorted(request.query.split("&")) == ["limit=5", "status=completed"]


def test_list_without_runs(run_cli: Cli) -> None:
    human = run_cli("runs", "list")
    as_json = run_cli("runs", "list", "--json")

    assert human.exit_code == 0
    assert human.stdout == ""
    assert "No runs found." in human.stderr
    assert json.loads(as_json.stdout) == []


@pytest.mark.parametrize("args", [["--limit", "0"], ["--limit", "101"], ["--status", "two words"]])
def test_list_bad_arguments_exit_2(run_cli: Cli, args: list[str]) -> None:
    result = run_cli("runs", "list", *args)

    assert result.exit_code == 2
    assert len(run_cli.sim.requests) == 0


def test_cancel(run_cli: Cli, sim: Simulator) -> None:
    run_id = run_cli.submit("Stop me [sim:hang]")

    result = run_cli("runs", "cancel", run_id)

    assert result.exit_code == 0
    assert result.stdout.strip() == f"Run {run_id} cancelled (status: cancelled)."
    assert sim.run_json(run_id)["status"] == "cancelled"


def test_cancel_json(run_cli: Cli) -> None:
    run_id = run_cli.submit("Stop me [sim:hang]")

    result = run_cli("runs", "cancel", run_id, "--json")

    document = json.loads(result.stdout)
    assert document["id"] == run_id
    assert document["status"] == "cancelled"


def test_cancel_of_a_finished_run_is_an_api_error(run_cli: Cli, sim: Simulator) -> None:
    run_id = run_cli.submit("Done")
    sim.advance(120)

    result = run_cli("runs", "cancel", run_id)

    # The spec answers a cancel of a terminal run with 409 Conflict.
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: 409 Conflict")
    assert "already completed" in result.stderr


@pytest.mark.parametrize(
    ("prompt", "code"), [("Fine", 0), ("Broken [sim:fail]", 1), ("Crash [sim:error]", 1)]
)
def test_wait_exits_with_the_verdict(run_cli: Cli, prompt: str, code: int) -> None:
    run_id = run_cli.submit(prompt)

    result = run_cli("runs", "wait", run_id)

    assert result.exit_code == code
    assert f"Run: {run_id}" in result.stdout
    assert "→ " in result.stderr


def test_wait_on_a_cancelled_run_exits_1(run_cli: Cli) -> None:
    run_id = run_cli.submit("Stop me [sim:hang]")
    assert run_cli("runs", "cancel", run_id).exit_code == 0

    result = run_cli("runs", "wait", run_id)

    assert result.exit_code == 1
    assert result.stdout.startswith("CANCELLED")


def test_wait_timeout_exits_4(run_cli: Cli) -> None:
    run_id = run_cli.submit("Forever [sim:hang]")

    result = run_cli("runs", "wait", run_id, "--timeout", "5")

    assert result.exit_code == 4
    assert f"run {run_id} did not finish within 5 s" in result.stderr


def test_wait_has_no_no_wait_flag(run_cli: Cli) -> None:
    result = run_cli("runs", "wait", str(uuid.UUID(int=1)), "--no-wait")

    assert result.exit_code == 2


def test_list_names_the_saved_test_of_a_test_run(run_cli: Cli, sim: Simulator) -> None:
    test_id = next(test.id for test in sim.tests if test.name == "Search")
    run_cli("tests", "trigger", test_id)

    result = run_cli("runs", "list")

    assert f"test {test_id}" in result.stdout


def test_list_limit_caps_the_rows_even_when_the_client_walks_pages(run_cli: Cli) -> None:
    for prompt in ("one", "two", "three"):
        run_cli.submit(prompt)

    result = run_cli("runs", "list", "--limit", "2", "--json")

    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)) == 2
