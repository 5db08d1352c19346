"""The installed ``testerarmy-py`` as a CI job runs it: a markdown suite with JUnit and a GitHub
step summary, the saved key file of the official CLI, the command name.

Two servers: the simulator (real HTTP), and tests/unit/cli/fake_api.py over real HTTP for the
published shapes the simulator does not serve yet (FAILED verdicts with issues)."""

from __future__ import annotations

import json
import shutil
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import junitparser
import pytest
import xmlschema
from testerarmy.testing import Simulator

from tests.unit.cli.fake_api import FakeApi, serve

from .conftest import API_KEY, FAST, TESTERARMY, cli_env, run_cli

pytestmark = pytest.mark.integration

SCHEMA = xmlschema.XMLSchema(Path(__file__).parents[2] / "fixtures" / "junit" / "jenkins-junit.xsd")


@pytest.fixture
def fake_server() -> Iterator[tuple[FakeApi, str]]:
    api = FakeApi()
    with serve(api, API_KEY) as origin:
        yield api, origin


def _suite(root: Path, **scenarios: str) -> Path:
    folder = root / "tests"
    folder.mkdir()
    (folder / "TESTER.md").write_text("Shared: the shop at <target_url>.", encoding="utf-8")
    for name, text in scenarios.items():
        (folder / f"{name}.md").write_text(text, encoding="utf-8")
    return folder


def _parse(report: Path) -> junitparser.TestSuite:
    SCHEMA.validate(str(report))
    xml = junitparser.JUnitXml.fromfile(str(report))
    return next(iter(xml)) if isinstance(xml, junitparser.JUnitXml) else xml


def test_the_command_is_testerarmy_py_and_does_not_shadow_the_official_cli() -> None:
    bin_dir = Path(sys.executable).parent
    assert Path(TESTERARMY).name == "testerarmy-py"
    assert Path(TESTERARMY).is_file()
    assert not (bin_dir / "testerarmy").exists()
    assert not (bin_dir / "ta").exists()


def test_suite_of_a_pass_and_a_fail_writes_junit_and_a_step_summary(
    fake_server: tuple[FakeApi, str], tmp_path: Path
) -> None:
    api, origin = fake_server
    folder = _suite(tmp_path, **{"01-landing": "# Landing\nOpen it.", "02-pay": "# Pay\nPay. [fake:fail]"})
    report = tmp_path / "junit.xml"
    summary = tmp_path / "step-summary.md"
    env = cli_env(
        None,
        TESTERARMY_BASE_URL=origin,  # an origin, as TesterArmy's own tools take it
        TESTERARMY_TARGET_URL="http://localhost:3000",
        GITHUB_ACTIONS="true",
        GITHUB_STEP_SUMMARY=str(summary),
    )

    result = run_cli(["run", str(folder), "--junit-xml", str(report), *FAST], env)

    assert result.returncode == 1, result.stderr
    suite = _parse(report)
    assert (suite.tests, suite.failures, suite.errors) == (2, 1, 0)
    assert sorted((case.name, case.is_passed) for case in suite) == [("Landing", True), ("Pay", False)]
    assert "1 of 2 passed" in summary.read_text(encoding="utf-8")
    assert sum(line.startswith("::error") for line in result.stderr.splitlines()) == 1
    prompts = [body["prompt"] for method, _, body in api.requests if method == "POST"]
    assert all(prompt.startswith("Shared: the shop at http://localhost:3000.") for prompt in prompts)


def test_suite_against_the_simulator_passing(sim: Simulator, tmp_path: Path) -> None:
    folder = _suite(tmp_path, a="# A\nCheck the header", b="# B\nCheck the footer", c="# C\nCheck search")
    report = tmp_path / "junit.xml"

    result = run_cli(
        ["run", str(folder), "--parallel", "2", "--junit-xml", str(report), *FAST],
        cli_env(sim, TESTERARMY_TARGET_URL="http://localhost:3000"),
    )

    assert result.returncode == 0, result.stderr
    suite = _parse(report)
    assert (suite.tests, suite.failures, suite.errors) == (3, 0, 0)


def test_suite_against_the_simulator_with_a_failing_scenario(sim: Simulator, tmp_path: Path) -> None:
    # Needs the simulator's port to the published spec (FAILED runs with published issues).
    folder = _suite(tmp_path, a="# A\nCheck the header", b="# B\nCheck the cart [sim:fail] [sim:issues=2]")
    report = tmp_path / "junit.xml"

    result = run_cli(
        ["run", str(folder), "--junit-xml", str(report), "--timeout", "15", *FAST],
        cli_env(sim, TESTERARMY_TARGET_URL="http://localhost:3000"),
    )

    assert result.returncode == 1, result.stderr
    suite = _parse(report)
    assert (suite.tests, suite.failures, suite.errors) == (2, 1, 0)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _saved_key_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    (home / ".config" / "testerarmy").mkdir(parents=True)
    (home / ".config" / "testerarmy" / "config.json").write_text(
        json.dumps({"apiKey": API_KEY}), encoding="utf-8"
    )
    return home


def test_the_saved_key_is_used_for_the_default_host_and_never_printed(tmp_path: Path) -> None:
    # The default host cannot be reached from here: every request goes to a proxy on a closed port.
    # Getting as far as connecting (exit 3) rather than "no API key" (exit 2) shows the key was found.
    proxy = f"http://127.0.0.1:{_closed_port()}"
    env = cli_env(
        None,
        TESTERARMY_API_KEY=None,
        HOME=str(_saved_key_home(tmp_path)),
        HTTPS_PROXY=proxy,
        https_proxy=proxy,
    )

    result = run_cli(["--max-retries", "0", "runs", "list"], env)

    assert result.returncode == 3, result.stderr
    assert "no API key" not in result.stderr  # run_cli also asserts the key is in neither stream


def test_the_saved_key_is_not_used_for_another_host(fake_server: tuple[FakeApi, str], tmp_path: Path) -> None:
    api, origin = fake_server
    env = cli_env(
        None, TESTERARMY_API_KEY=None, TESTERARMY_BASE_URL=origin, HOME=str(_saved_key_home(tmp_path))
    )

    result = run_cli(["runs", "list"], env)

    assert result.returncode == 2
    assert "only used for https://tester.army" in result.stderr
    assert api.requests == []


def test_python_dash_m_testerarmy_runs_the_same_command(sim: Simulator) -> None:
    assert shutil.which(TESTERARMY) is not None
    result = run_cli(["--version"], cli_env(sim), module=True)
    assert result.returncode == 0
    assert result.stdout.startswith("testerarmy-py ")
