"""Ctrl-C (SIGINT) while waiting: exit 130; the run keeps going unless --cancel-on-interrupt."""

from __future__ import annotations

import re
import signal

import pytest
from testerarmy.testing import Simulator

from .conftest import FAST, Process, cli_env

pytestmark = pytest.mark.integration


def _interrupt_while_running(sim: Simulator, *extra: str) -> tuple[int, Process, str]:
    process = Process(["run", "Never ends [sim:hang]", *FAST, *extra], cli_env(sim))
    try:
        # Interrupt only once the CLI is provably waiting (it has reported the run as running).
        running = re.compile(r"run ([0-9a-f-]{36}): (?:queued → )?running")
        stderr = process.wait_for("stderr", lambda text: running.search(text) is not None)
        found = running.search(stderr)
        assert found is not None, stderr
        run_id = found.group(1)
        process.proc.send_signal(signal.SIGINT)
        code = process.finish()
    finally:
        process.kill()
    return code, process, run_id


def test_ctrl_c_exits_130_and_leaves_the_run_running(sim: Simulator) -> None:
    code, process, run_id = _interrupt_while_running(sim)

    assert code == 130
    stderr = process.text("stderr")
    assert f"Interrupted: stopped waiting; run {run_id} keeps running" in stderr
    assert "Traceback" not in stderr
    assert sim.run_json(run_id)["status"] == "running"


def test_ctrl_c_with_cancel_on_interrupt_cancels_on_the_simulator(sim: Simulator) -> None:
    code, process, run_id = _interrupt_while_running(sim, "--cancel-on-interrupt")

    assert code == 130
    assert f"Interrupted: cancelled run {run_id}" in process.text("stderr")
    assert sim.run_json(run_id)["status"] == "cancelled"
