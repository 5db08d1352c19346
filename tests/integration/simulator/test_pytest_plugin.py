"""The pytest fixture, used directly and loaded as a plugin in a separate pytest run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import httpx
import pytest
from testerarmy.testing import Simulator

pytestmark = pytest.mark.integration


def test_fixture_gives_a_running_fast_simulator(testerarmy_sim: Simulator):
    assert testerarmy_sim.running
    assert testerarmy_sim.clock.time_scale == 0.01
    assert httpx.get(f"{testerarmy_sim.admin_url}/health", trust_env=False).status_code == 200


@pytest.mark.testerarmy_sim(time_scale=0, seed=5, api_keys=("sk_test_marker",))
def test_marker_options_reach_the_simulator(testerarmy_sim: Simulator):
    assert testerarmy_sim.clock.time_scale == 0
    assert testerarmy_sim.api_key == "sk_test_marker"


def test_plugin_loads_with_dash_p_and_reuses_one_server_with_fresh_state(tmp_path):
    test_file = tmp_path / "test_user.py"
    test_file.write_text(
        textwrap.dedent(
            """
            import httpx
            import pytest

            PORTS = []

            def test_first(testerarmy_sim):
                r = httpx.post(testerarmy_sim.url + "/v1/runs", json={"prompt": "x"},
                               headers={"Authorization": "Bearer " + testerarmy_sim.api_key})
                assert r.status_code == 202
                assert len(testerarmy_sim.runs) == 1
                testerarmy_sim.faults.add(path="*", status=500, times=None)
                PORTS.append(testerarmy_sim.port)

            def test_second_sees_a_fresh_state_on_the_same_server(testerarmy_sim):
                assert testerarmy_sim.port == PORTS[0]
                assert testerarmy_sim.runs == []
                assert len(testerarmy_sim.requests) == 0
                assert len(testerarmy_sim.faults) == 0

            @pytest.mark.testerarmy_sim(time_scale=0)
            def test_marker_gets_its_own_server(testerarmy_sim):
                assert testerarmy_sim.port != PORTS[0]
                assert testerarmy_sim.clock.time_scale == 0
            """
        )
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "testerarmy.testing.pytest_plugin",
            "--strict-markers",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            str(test_file),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
        # Only the plugin under test: other installed plugins would just slow the child's start-up.
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 passed" in proc.stdout
