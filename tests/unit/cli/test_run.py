"""``testerarmy-py run``: submit, wait, summary, --json, exit codes, Ctrl-C, errors."""

from __future__ import annotations

import json

import httpx
import pytest
from testerarmy.testing import Simulator

from .conftest import Cli, assert_plain


def _only_run(sim: Simulator) -> str:
    (snapshot,) = sim.runs
    return str(snapshot.record.id)


def test_pass_exits_0_with_summary_on_stdout_and_plain_progress_on_stderr(
    run_cli: Cli, sim: Simulator
) -> None:
    result = run_cli("run", "Check the checkout page")

    assert result.exit_code == 0, result.stderr
    run_id = _only_run(sim)
    rendered = sim.run_json(run_id)
    assert rendered["status"] == "completed"
    output = rendered["output"]
    assert result.stdout.startswith("PASS  " + output["featureName"])
    assert output["description"] in result.stdout
    for url in output["screenshots"]:
        assert url in result.stdout
    assert "Issues: none" in result.stdout
    assert f"Run: {run_id}" in result.stdout
    assert f"Duration: {rendered['durationMs'] / 1000:.1f} s" in result.stdout
    # Progress: one plain line per status change, on stderr only.
    lines = [line for line in result.stderr.splitlines() if f"run {run_id}:" in line]
    assert [line.split(": ", 1)[1] for line in lines] == [
        "queued",
        "queued → running",
        "running → completed (PASS)",
    ]
    assert "queued" not in result.stdout
    assert_plain(result.stdout + result.stderr)
    assert len(run_cli.api_requests("POST", "runs.create")) == 1


def test_completed_fail_exits_1_and_lists_the_issues(run_cli: Cli, sim: Simulator) -> None:
    result = run_cli("run", "Check the login form [sim:fail] [sim:issues=2]")

    assert result.exit_code == 1
    output = sim.run_json(_only_run(sim))["output"]
    assert output["result"] == "FAILED"
    assert result.stdout.startswith("FAILED  ")
    assert "Issues (2):" in result.stdout
    for issue in output["issues"]:
        assert f"- [{issue['severity']}] {issue['name']}: {issue['description']}" in result.stdout
    assert "running → completed (FAILED)" in result.stderr


def test_failed_run_exits_1_with_the_reason(run_cli: Cli, sim: Simulator) -> None:
    result = run_cli("run", "Check search [sim:error=BROWSER_START]")

    assert result.exit_code == 1
    rendered = sim.run_json(_only_run(sim))
    assert rendered["status"] == "failed"
    assert result.stdout.startswith("ERROR  ")  # the run errored: no verdict on the app, not "FAILED"
    assert f"Error: {rendered['error']['message']}" in result.stdout
    assert f"→ failed ({rendered['error']['message']})" in result.stderr


def test_json_puts_exactly_the_run_on_stdout_and_the_summary_on_stderr(run_cli: Cli, sim: Simulator) -> None:
    result = run_cli("run", "Check the cart [sim:fail] [sim:issues=1]", "--json")

    assert result.exit_code == 1
    document = json.loads(result.stdout)  # the whole of stdout is one JSON document
    rendered = sim.run_json(_only_run(sim))
    for key in ("id", "status", "output", "error", "durationMs", "input", "type"):
        assert document[key] == rendered[key], key
    assert "FAILED  " in result.stderr
    assert "Issues (1):" in result.stderr


def test_no_wait_prints_the_run_id_and_returns_at_once(run_cli: Cli, sim: Simulator) -> None:
    result = run_cli("run", "Check the footer links", "--no-wait")

    assert result.exit_code == 0
    run_id = _only_run(sim)
    assert result.stdout.strip() == f"Run {run_id} queued."
    assert f"testerarmy-py runs wait {run_id}" in result.stderr
    assert sim.run_json(run_id)["status"] == "queued"
    assert run_cli.time.sleeps == []
    assert run_cli.api_requests("GET") == []


def test_no_wait_json_is_the_submit_answer(run_cli: Cli, sim: Simulator) -> None:
    result = run_cli("run", "Check the footer links", "--no-wait", "--json")

    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["id"] == _only_run(sim)
    assert document["status"] == "queued"


def test_webhook_url_is_sent(run_cli: Cli, sim: Simulator) -> None:
    result = run_cli("run", "Check it", "--no-wait", "--webhook-url", "http://127.0.0.1:9/hook")

    assert result.exit_code == 0
    assert sim.run_json(_only_run(sim))["webhookUrl"] == "http://127.0.0.1:9/hook"


def test_timeout_exits_4_and_names_the_run_and_its_last_status(run_cli: Cli, sim: Simulator) -> None:
    result = run_cli("run", "Never ends [sim:hang]", "--timeout", "30", "--json")

    assert result.exit_code == 4
    run_id = _only_run(sim)
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert error_lines == [
        f"Error: run {run_id} did not finish within 30 s (last status: running); it keeps running: "
        f"'testerarmy-py runs wait {run_id}' resumes waiting"
    ]
    # stdout still holds one JSON document: the last state seen.
    assert json.loads(result.stdout)["status"] == "running"
    assert sum(run_cli.time.sleeps) == pytest.approx(30)
    assert sim.run_json(run_id)["status"] == "running"  # not cancelled by a timeout


def test_poll_interval_sets_the_first_pause(run_cli: Cli) -> None:
    result = run_cli("run", "Quick [sim:duration=0.5] [sim:queue=0]", "--poll-interval", "0.25")

    assert result.exit_code == 0, result.stderr
    assert run_cli.time.sleeps[0] == pytest.approx(0.25)


def test_ctrl_c_stops_waiting_exits_130_and_leaves_the_run_alone(run_cli: Cli, sim: Simulator) -> None:
    def interrupt(count: int) -> None:
        if count == 3:
            raise KeyboardInterrupt

    run_cli.time.on_sleep = interrupt
    result = run_cli("run", "Long one [sim:hang]")

    assert result.exit_code == 130
    run_id = _only_run(sim)
    assert (
        f"Interrupted: stopped waiting; run {run_id} keeps running "
        f"(testerarmy-py runs cancel {run_id} stops it)" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert sim.run_json(run_id)["status"] == "running"
    assert run_cli.api_requests("POST", "runs.cancel") == []


def test_ctrl_c_with_cancel_on_interrupt_cancels_the_run(run_cli: Cli, sim: Simulator) -> None:
    def interrupt(count: int) -> None:
        if count == 3:
            raise KeyboardInterrupt

    run_cli.time.on_sleep = interrupt
    result = run_cli("run", "Long one [sim:hang]", "--cancel-on-interrupt")

    assert result.exit_code == 130
    run_id = _only_run(sim)
    assert sim.run_json(run_id)["status"] == "cancelled"
    assert f"Interrupted: cancelled run {run_id}" in result.stderr
    assert len(run_cli.api_requests("POST", "runs.cancel")) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run"], "Missing argument 'PROMPT|PATH'"),
        (["run", "   "], "must not be empty"),
        (["run", "x", "--timeout", "0"], "--timeout"),
        (["run", "x", "--timeout", "soon"], "--timeout"),
        (["run", "x", "--poll-interval", "-1"], "--poll-interval"),
        (["run", "x", "--webhook-url", "not-a-url"], "--webhook-url"),
        (["run", "x", "--bogus"], "No such option '--bogus'"),
        (["--max-retries", "99", "run", "x"], "--max-retries"),
        (["nosuchcommand"], "No such command"),
    ],
)
def test_bad_arguments_exit_2_before_any_request(run_cli: Cli, args: list[str], message: str) -> None:
    result = run_cli(*args)

    assert result.exit_code == 2
    assert message in result.stderr
    assert len(run_cli.sim.requests) == 0


def test_missing_api_key_exits_2_naming_all_three_sources(run_cli: Cli) -> None:
    result = run_cli("run", "x", env={"TESTERARMY_API_KEY": None})

    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: no API key: pass --api-key, set TESTERARMY_API_KEY, or run `testerarmy auth` "
        "(TesterArmy's CLI saves the key in ~/.config/testerarmy/config.json)"
    )
    assert len(run_cli.sim.requests) == 0


def test_blank_api_key_counts_as_missing(run_cli: Cli) -> None:
    result = run_cli("--api-key", "   ", "run", "x")

    assert result.exit_code == 2
    assert "TESTERARMY_API_KEY" in result.stderr


@pytest.mark.parametrize(
    ("args", "env", "source"),
    [
        (["--base-url", "ftp://example.com"], {}, "--base-url"),
        ([], {"TESTERARMY_BASE_URL": "https://tester.army/api/v1"}, "TESTERARMY_BASE_URL"),
    ],
)
def test_bad_base_url_exits_2_naming_where_it_came_from(
    run_cli: Cli, args: list[str], env: dict[str, str | None], source: str
) -> None:
    result = run_cli(*args, "run", "x", env=env)

    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: invalid {source}: base_url must")
    assert len(result.stderr.strip().splitlines()) == 1
    assert len(run_cli.sim.requests) == 0


def test_key_without_sk_prefix_warns_in_one_line_and_still_works(run_cli: Cli, sim: Simulator) -> None:
    other = Simulator(api_keys=("plainkey123",), time_scale=0)
    run_cli.sim = other
    run_cli.time.sim = other
    result = run_cli("run", "x", "--no-wait", env={"TESTERARMY_API_KEY": "plainkey123"})

    assert result.exit_code == 0
    assert "Warning: TESTERARMY_API_KEY does not start with 'sk_'" in result.stderr
    assert "plainkey123" not in result.stderr + result.stdout


def test_rejected_key_exits_3_with_one_line_and_a_hint(run_cli: Cli) -> None:
    result = run_cli("run", "x", env={"TESTERARMY_API_KEY": "sk_test_other_key"})

    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: 401 Unauthorized")
    assert lines[0].endswith("check the API key (TESTERARMY_API_KEY)")
    assert "sk_test_other_key" not in result.stderr


def test_api_rejecting_the_input_exits_3(run_cli: Cli) -> None:
    result = run_cli("run", "x [sim:nonsense]")

    assert result.exit_code == 3
    assert result.stderr.startswith("Error: 400 Bad Request")
    assert result.stdout == ""


def test_server_error_on_submit_exits_3_and_never_submits_twice(run_cli: Cli, sim: Simulator) -> None:
    sim.faults.add(method="POST", path="/v1/runs", status=500, after_handler=True)

    result = run_cli("run", "x")

    assert result.exit_code == 3
    assert "500" in result.stderr
    assert len(run_cli.api_requests("POST", "runs.create")) == 1
    assert len(sim.runs) == 1  # created once, even though the answer was an error


def test_transient_errors_while_polling_do_not_end_the_wait(run_cli: Cli, sim: Simulator) -> None:
    sim.faults.add(method="GET", path="/v1/runs/{id}", statuses=[503, 503, 503, 503])

    result = run_cli("run", "x")

    assert result.exit_code == 0, result.stderr
    assert any(r.status == 503 for r in run_cli.api_requests("GET"))


def test_ctrl_c_while_submitting_says_the_run_may_exist(run_cli: Cli) -> None:
    def interrupted(request: httpx.Request) -> httpx.Response:
        raise KeyboardInterrupt

    run_cli.transport = lambda: httpx.MockTransport(interrupted)
    result = run_cli("run", "x")

    assert result.exit_code == 130
    assert result.stderr.strip() == (
        "Interrupted: stopped while submitting: the run(s) may or may not have been created "
        "(testerarmy-py runs list shows them)"
    )
