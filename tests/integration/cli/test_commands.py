"""The installed ``testerarmy`` executable against a simulator on 127.0.0.1: commands and exit codes."""

from __future__ import annotations

import json
import re
import socket

import pytest
from testerarmy.testing import Simulator

from .conftest import API_KEY, FAST, cli_env, run_cli

pytestmark = pytest.mark.integration

ESC = "\x1b"


def _run_id_of(output: str) -> str:
    return next(line.split("Run: ", 1)[1].strip() for line in output.splitlines() if "Run: " in line)


def test_run_pass_exit_0_summary_and_plain_progress(sim: Simulator) -> None:
    result = run_cli(["run", "Check the sign-up form", *FAST], cli_env(sim))

    assert result.returncode == 0, result.stderr
    run_id = _run_id_of(result.stdout)
    rendered = sim.run_json(run_id)
    assert rendered["status"] == "completed"
    assert result.stdout.startswith(f"PASS  {rendered['output']['featureName']}")
    assert re.search(rf"run {run_id}: \w+ → completed \(PASS\)", result.stderr)
    # Not a terminal: no escape sequences, no carriage returns, anywhere.
    assert ESC not in result.stdout + result.stderr
    assert "\r" not in result.stdout + result.stderr


def test_run_fail_json_through_python_dash_m(sim: Simulator) -> None:
    result = run_cli(
        ["run", "Check the cart [sim:fail] [sim:issues=2]", "--json", *FAST], cli_env(sim), module=True
    )

    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document == {**document, "status": "completed"}
    assert document["output"] == sim.run_json(document["id"])["output"]
    assert "Issues (2):" in result.stderr


def test_run_timeout_exit_4(sim: Simulator) -> None:
    result = run_cli(["run", "Hangs [sim:hang]", "--timeout", "0.3", *FAST], cli_env(sim))

    assert result.returncode == 4
    assert "did not finish within 0.3 s (last status: running)" in result.stderr


def test_group_trigger_wait_table_and_exit_0(sim: Simulator) -> None:
    group = next(g for g in sim.groups if g.name == "Smoke")

    result = run_cli(["groups", "trigger", group.id, "--wait", *FAST], cli_env(sim))

    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("PASS")]
    assert len(rows) == len(group.test_ids)
    assert f"{len(rows)} of {len(rows)} run(s) passed." in result.stderr


def test_tests_trigger_then_runs_wait_and_get(sim: Simulator) -> None:
    test = next(t for t in sim.tests if t.name == "Checkout")
    env = cli_env(sim)

    triggered = run_cli(["tests", "trigger", test.id, "--json"], env)
    run_id = json.loads(triggered.stdout)["runId"]
    waited = run_cli(["runs", "wait", run_id, *FAST], env)
    got = run_cli(["runs", "get", run_id, "--json"], env)

    assert triggered.returncode == waited.returncode == got.returncode == 0
    assert waited.stdout.startswith("PASS  Checkout")
    assert json.loads(got.stdout)["status"] == "completed"


def test_runs_cancel_and_list(sim: Simulator) -> None:
    env = cli_env(sim)
    submitted = run_cli(["run", "Hangs [sim:hang]", "--no-wait", "--json"], env)
    run_id = json.loads(submitted.stdout)["id"]

    cancelled = run_cli(["runs", "cancel", run_id], env)
    listed = run_cli(["runs", "list", "--status", "cancelled", "--limit", "100"], env)

    assert cancelled.returncode == listed.returncode == 0
    assert sim.run_json(run_id)["status"] == "cancelled"
    row = next(line for line in listed.stdout.splitlines() if line.startswith(run_id))
    assert "cancelled" in row
    assert "Hangs [sim:hang]" in row


@pytest.mark.parametrize("args", [["run", "--bogus", "x"], ["runs", "get", "not-a-uuid"]])
def test_bad_flags_exit_2(sim: Simulator, args: list[str]) -> None:
    before = len(sim.requests)

    result = run_cli(args, cli_env(sim))

    assert result.returncode == 2
    assert "Error:" in result.stderr
    assert len(sim.requests) == before  # nothing was sent


def test_missing_key_exit_2_names_the_variable(sim: Simulator) -> None:
    before = len(sim.requests)

    result = run_cli(["run", "x"], cli_env(sim, TESTERARMY_API_KEY=None))

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Error: no API key: pass --api-key, set TESTERARMY_API_KEY, or run `testerarmy auth` "
        "(TesterArmy's CLI saves the key in ~/.config/testerarmy/config.json)"
    ]
    assert len(sim.requests) == before


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends: nobody listens


def test_unreachable_base_url_exit_3_one_line() -> None:
    port = _closed_port()

    result = run_cli(["run", "x"], cli_env(None, TESTERARMY_BASE_URL=f"http://127.0.0.1:{port}/api"))

    assert result.returncode == 3
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Error: cannot reach the TesterArmy API at http://127.0.0.1:{port}/api: ")
    assert "Traceback" not in result.stderr


def test_rejected_key_exit_3_and_no_key_in_verbose_output(sim: Simulator) -> None:
    wrong = "sk_test_REJECTED_0xBADC0DE_keep_secret"

    for args in (
        ["runs", "list"],
        ["--verbose", "runs", "list"],
        ["--verbose", "--api-key", wrong, "runs", "list"],
    ):
        result = run_cli(args, cli_env(sim, TESTERARMY_API_KEY=wrong))
        assert result.returncode == 3
        assert "401 Unauthorized" in result.stderr
        assert wrong not in result.stdout + result.stderr


def test_verbose_success_never_prints_the_key(sim: Simulator) -> None:
    result = run_cli(["--verbose", "run", "Check it", *FAST], cli_env(sim))

    assert result.returncode == 0
    assert "HTTP Request: POST" in result.stderr
    assert API_KEY not in result.stdout + result.stderr  # (run_cli checks this too)
