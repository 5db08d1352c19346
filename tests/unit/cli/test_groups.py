"""``testerarmy-py groups trigger``: a batch of runs, waited for together, a table of results."""

from __future__ import annotations

import json
import uuid

import httpx
from testerarmy.testing import Simulator

from .conftest import Cli, assert_plain


def _smoke(sim: Simulator) -> str:
    return next(group.id for group in sim.groups if group.name == "Smoke")


def _batch_ids(sim: Simulator) -> list[str]:
    return [str(snapshot.record.id) for snapshot in sim.runs]


def test_trigger_and_wait_all_pass(run_cli: Cli, sim: Simulator) -> None:
    result = run_cli("groups", "trigger", _smoke(sim), "--wait")

    assert result.exit_code == 0, result.stderr
    run_ids = _batch_ids(sim)
    assert len(run_ids) == 3
    for run_id in run_ids:
        row = next(line for line in result.stdout.splitlines() if run_id in line)
        rendered = sim.run_json(run_id)
        assert row.split()[0] == "PASS"
        assert rendered["output"]["featureName"] in row
        assert f"run {run_id}: running → completed (PASS)" in result.stderr
    assert "3 of 3 run(s) passed." in result.stderr
    assert_plain(result.stdout + result.stderr)


def test_one_failing_test_makes_the_group_exit_1(run_cli: Cli, sim: Simulator) -> None:
    good = sim.add_test("Home page", "Open the home page")
    bad = sim.add_test("Broken cart", "Add to cart [sim:fail] [sim:issues=1]")
    group = sim.add_group("Mixed", [good.id, bad.id])

    result = run_cli("groups", "trigger", group.id, "--wait")

    assert result.exit_code == 1
    table = result.stdout.split("\n\n")[0]  # the details of failing runs follow the table
    rows = {
        name: line for line in table.splitlines() for name in ("Home page", "Broken cart") if name in line
    }
    assert rows["Home page"].split()[0] == "PASS"
    assert rows["Broken cart"].split()[0] == "FAILED"
    assert "FAILED  Broken cart" in result.stdout  # details of the runs that did not pass
    assert "1 of 2 run(s) passed." in result.stderr


def test_json_is_an_array_of_the_batch(run_cli: Cli, sim: Simulator) -> None:
    result = run_cli("groups", "trigger", _smoke(sim), "--wait", "--json")

    document = json.loads(result.stdout)
    assert sorted(run["id"] for run in document) == sorted(_batch_ids(sim))
    assert {run["status"] for run in document} == {"completed"}
    assert "Result" in result.stderr  # the table moved to stderr


def test_without_wait_lists_the_queued_runs(run_cli: Cli, sim: Simulator) -> None:
    result = run_cli("groups", "trigger", _smoke(sim))

    assert result.exit_code == 0
    for run_id in _batch_ids(sim):
        assert f"  {run_id}" in result.stdout
    assert run_cli.time.sleeps == []


def test_without_wait_json_is_the_trigger_answer(run_cli: Cli, sim: Simulator) -> None:
    result = run_cli("groups", "trigger", _smoke(sim), "--json")

    document = json.loads(result.stdout)
    assert sorted(document["runIds"]) == sorted(_batch_ids(sim))


def test_polls_of_the_batch_share_one_timeline(run_cli: Cli, sim: Simulator) -> None:
    run_cli("groups", "trigger", _smoke(sim), "--wait")

    # Every poll round learns all unfinished runs after one shared pause, so there are as many
    # pauses as rounds, not three times as many. A round answers the batch with one list page
    # (the simulator holds no other runs, so each page reports all three) or, for a last run
    # alone, one GET.
    gets = run_cli.api_requests("GET", "runs.get")
    lists = run_cli.api_requests("GET", "runs.list")
    answers = 3 * len(lists) + len(gets)
    assert answers >= 3 * 2
    assert len(run_cli.time.sleeps) <= answers / 3 + 1


def test_group_without_enabled_tests_is_refused_by_the_api(run_cli: Cli, sim: Simulator) -> None:
    group = sim.add_group("Empty", [])

    result = run_cli("groups", "trigger", group.id, "--wait")

    assert result.exit_code == 3
    assert "has no enabled tests" in result.stderr


def test_a_batch_without_runs_exits_1_nothing_was_tested(run_cli: Cli) -> None:
    # The simulator refuses empty groups (400); an API that accepts one with no runs must not
    # make a CI gate pass.
    group_id = str(uuid.UUID(int=5))

    def empty_batch(request: httpx.Request) -> httpx.Response:
        # Every field the spec requires of a 202, with an empty batch.
        return httpx.Response(
            202,
            json={
                "status": "queued",
                "groupId": group_id,
                "batchId": str(uuid.UUID(int=6)),
                "runIds": [],
                "queuedRunIds": [],
                "cancelledRunIds": [],
                "count": 0,
            },
        )

    run_cli.transport = lambda: httpx.MockTransport(empty_batch)

    human = run_cli("groups", "trigger", group_id, "--wait")
    as_json = run_cli("groups", "trigger", group_id, "--wait", "--json")

    assert human.exit_code == as_json.exit_code == 1
    assert f"Error: group {group_id} queued no runs" in human.stderr
    assert json.loads(as_json.stdout) == []


def test_timeout_exits_4_listing_the_unfinished_runs(run_cli: Cli, sim: Simulator) -> None:
    fast = sim.add_test("Fast", "Quick check")
    slow = sim.add_test("Slow", "Endless check [sim:hang]")
    group = sim.add_group("Half", [fast.id, slow.id])

    result = run_cli("groups", "trigger", group.id, "--wait", "--timeout", "60", "--json")

    assert result.exit_code == 4
    hanging = next(s for s in sim.runs if s.record.prompt.endswith("[sim:hang]"))
    assert f"1 of 2 runs did not finish within 60 s; they keep running: {hanging.record.id}" in result.stderr
    statuses = sorted(run["status"] for run in json.loads(result.stdout))
    assert statuses == ["completed", "running"]


def test_ctrl_c_with_cancel_on_interrupt_cancels_every_unfinished_run(run_cli: Cli, sim: Simulator) -> None:
    def interrupt(count: int) -> None:
        if count == 2:
            raise KeyboardInterrupt

    run_cli.time.on_sleep = interrupt
    result = run_cli("groups", "trigger", _smoke(sim), "--wait", "--cancel-on-interrupt")

    assert result.exit_code == 130
    for run_id in _batch_ids(sim):
        assert sim.run_json(run_id)["status"] == "cancelled"
        assert f"cancelled run {run_id}" in result.stderr


def test_unknown_group_exits_3(run_cli: Cli) -> None:
    result = run_cli("groups", "trigger", str(uuid.UUID(int=9)), "--wait")

    assert result.exit_code == 3
