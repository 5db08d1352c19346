"""``testerarmy-py api "METHOD /path"``: every operation of the spec through client.operations."""

from __future__ import annotations

import json

import pytest
from testerarmy.testing import Simulator
from testerarmy_api.resources import OPERATIONS

from .conftest import Cli


def test_list_shows_every_operation_of_the_spec(run_cli: Cli) -> None:
    result = run_cli("api", "--list")

    assert result.exit_code == 0
    listed = {" ".join(line.split()[:2]) for line in result.stdout.splitlines()}
    assert listed == set(OPERATIONS)


def test_get_with_query_fields_prints_the_answer_as_json(run_cli: Cli, sim: Simulator) -> None:
    run_id = run_cli.submit("Check the footer")

    result = run_cli("api", "GET /v1/runs", "-f", "limit=5", "-f", "status=queued")

    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert [run["id"] for run in document["runs"]] == [run_id]
    [request] = run_cli.api_requests("GET", "runs.list")
    assert "limit=5" in request.query
    assert "status=queued" in request.query


def test_a_concrete_path_fills_the_path_parameters(run_cli: Cli, sim: Simulator) -> None:
    run_id = run_cli.submit("Check the header")

    by_template = run_cli("api", "GET /v1/runs/{id}", "-f", f"id={run_id}")
    by_path = run_cli("api", "GET", f"/v1/runs/{run_id}")

    assert by_template.exit_code == by_path.exit_code == 0, by_path.stderr
    assert json.loads(by_template.stdout)["id"] == json.loads(by_path.stdout)["id"] == run_id


def test_a_body_from_stdin_json(run_cli: Cli, sim: Simulator) -> None:
    result = run_cli("api", "POST /v1/runs", "--input", "-", stdin='{"prompt": "From stdin"}')

    assert result.exit_code == 0, result.stderr
    created = json.loads(result.stdout)
    [request] = run_cli.api_requests("POST", "runs.create")
    assert request.json == {"prompt": "From stdin"}
    assert created["status"] == "queued"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["GET /v1/nothing-here"], "no operation GET /v1/nothing-here in the spec"),
        (["DELETE /v1/runs"], "this path has GET /v1/runs, POST /v1/runs"),
        (["GET /v1/runs", "-f", "bogus=1"], "has no parameter 'bogus'"),
        (["GET /v1/runs", "-f", "limit=many"], "limit must be a integer"),
        (["GET /v1/runs", "-f", "limit=500"], "limit"),  # the typed client's bound (1..100)
        (["GET /v1/runs", "-F", "limit={"], "not valid JSON"),
        (["GET /v1/runs", "-f", "novalue"], "expected NAME=VALUE"),
        (["POST /v1/runs"], "prompt is required"),
    ],
)
def test_bad_arguments_exit_2_before_any_request(run_cli: Cli, args: list[str], message: str) -> None:
    result = run_cli("api", *args)

    assert result.exit_code == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert message in line
    assert len(run_cli.sim.requests) == 0


def test_api_errors_exit_3(run_cli: Cli) -> None:
    result = run_cli("api", "GET", "/v1/runs/6f1c3f5e-0b7a-4d8e-9a51-2c0d9a7e4b11")

    assert result.exit_code == 3
    assert "404" in result.stderr


def test_an_operation_whose_body_is_one_object_takes_fields_or_stdin(run_cli: Cli, sim: Simulator) -> None:
    from testerarmy.cli._generic import operation_specs, parse_request

    # Derived from the spec: any operation with a whole-object body and a path parameter.
    spec = next(
        s for s in operation_specs().values()
        if any(p.location == "whole_body" for p in s.params) and any(p.location == "path" for p in s.params)
    )  # fmt: skip
    path_param = next(p for p in spec.params if p.location == "path")
    request = parse_request(
        [spec.key], [f"{path_param.wire}=abc", "name=Shop"], ['nested={"a": 1}'], '{"extra": true}'
    )
    assert request.arguments[path_param.name] == "abc"
    assert request.arguments["body"] == {"extra": True, "name": "Shop", "nested": {"a": 1}}
