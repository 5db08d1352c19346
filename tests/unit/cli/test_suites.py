"""Markdown suites by the official CLI's rules; --parallel; --target-url; --rerun-failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Cli
from .fake_api import FakeApi


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _prompts(fake: FakeApi) -> list[str]:
    return [
        body["prompt"] for method, path, body in fake.requests if (method, path) == ("POST", "/api/v1/runs")
    ]


def test_a_directory_runs_its_top_level_scenarios_with_tester_md_prepended(
    fake_cli: Cli, fake: FakeApi, tmp_path: Path
) -> None:
    suite = tmp_path / "tests"
    _write(suite / "TESTER.md", "Context: the shop.")
    _write(suite / "README.md", "not a scenario")
    _write(suite / "02-cart.md", "# Cart\nAdd an item.")
    _write(suite / "01-landing.md", "# Landing\nOpen it.")
    _write(suite / "notes.txt", "not markdown")
    _write(suite / "nested" / "03-deep.md", "# Deep\nnot run: not top level")

    result = fake_cli("run", str(suite))

    assert result.exit_code == 0, result.stderr
    assert sorted(_prompts(fake)) == [
        "Context: the shop.\n\n# Cart\nAdd an item.\n",
        "Context: the shop.\n\n# Landing\nOpen it.\n",
    ]
    assert "2 of 2 scenario(s) passed." in result.stderr


def test_a_single_file_gets_the_nearest_tester_md_up_the_tree(
    fake_cli: Cli, fake: FakeApi, tmp_path: Path
) -> None:
    _write(tmp_path / "TESTER.md", "Outer context")
    _write(tmp_path / "qa" / "TESTER.md", "Nearest context")
    scenario = _write(tmp_path / "qa" / "tests" / "01-login.md", "# Login\nLog in.")

    result = fake_cli("run", str(scenario))

    assert result.exit_code == 0, result.stderr
    assert _prompts(fake) == ["Nearest context\n\n# Login\nLog in.\n"]


def test_target_url_fills_the_placeholder_from_the_flag_or_the_variable(
    fake_cli: Cli, fake: FakeApi, tmp_path: Path
) -> None:
    suite = tmp_path / "tests"
    _write(suite / "01.md", "Open <target_url>/login")

    assert fake_cli("run", str(suite), "--target-url", "http://localhost:3000").exit_code == 0
    assert (
        fake_cli("run", str(suite), env={"TESTERARMY_TARGET_URL": "https://preview.example"}).exit_code == 0
    )

    assert _prompts(fake) == ["Open http://localhost:3000/login\n", "Open https://preview.example/login\n"]


def test_a_placeholder_without_a_target_url_fails_before_any_request(
    fake_cli: Cli, fake: FakeApi, tmp_path: Path
) -> None:
    _write(tmp_path / "tests" / "01.md", "Open <target_url>")

    result = fake_cli("run", str(tmp_path / "tests"), env={"TESTERARMY_TARGET_URL": None})

    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "--target-url" in line
    assert "TESTERARMY_TARGET_URL" in line
    assert fake.requests == []


@pytest.mark.parametrize(("flag", "bound"), [((), 3), (("--parallel", "2"), 2), (("--parallel", "1"), 1)])
def test_parallel_bounds_the_runs_in_flight(
    fake_cli: Cli, fake: FakeApi, tmp_path: Path, flag: tuple[str, ...], bound: int
) -> None:
    suite = tmp_path / "tests"
    for index in range(7):
        _write(suite / f"{index:02d}.md", f"# Scenario {index}")

    result = fake_cli("run", str(suite), *flag)

    assert result.exit_code == 0, result.stderr
    assert len(fake.runs) == 7
    assert fake.max_in_flight == bound  # reached, never exceeded


def test_exit_0_only_if_every_scenario_passed(fake_cli: Cli, tmp_path: Path) -> None:
    suite = tmp_path / "tests"
    _write(suite / "01.md", "# ok")
    _write(suite / "02.md", "# skipped [fake:skip]")

    result = fake_cli("run", str(suite), "--json")

    assert result.exit_code == 1
    assert [run["status"] for run in json.loads(result.stdout)] == ["completed", "completed"]
    assert "SKIPPED" in result.stderr


def test_an_empty_directory_is_a_usage_error(fake_cli: Cli, fake: FakeApi, tmp_path: Path) -> None:
    _write(tmp_path / "tests" / "README.md", "only a readme")

    result = fake_cli("run", str(tmp_path / "tests"))

    assert result.exit_code == 2
    assert "no scenarios" in result.stderr
    assert fake.requests == []


def test_rerun_failed_runs_only_the_scenarios_that_did_not_pass(
    fake_cli: Cli, fake: FakeApi, tmp_path: Path
) -> None:
    suite = tmp_path / "tests"
    _write(suite / "01.md", "# Landing")
    _write(suite / "02.md", "# Pay [fake:fail]")
    _write(suite / "03.md", "# Search [fake:error]")
    report = tmp_path / "report.xml"
    assert fake_cli("run", str(suite), "--junit-xml", str(report)).exit_code == 1
    first = len(_prompts(fake))

    result = fake_cli("run", str(suite), "--rerun-failed", str(report), "--junit-xml", str(report))

    assert result.exit_code == 1
    again = _prompts(fake)[first:]
    assert sorted(prompt.splitlines()[0] for prompt in again) == [
        "# Pay [fake:fail]",
        "# Search [fake:error]",
    ]


def test_rerun_failed_with_nothing_failed_sends_nothing_and_exits_0(
    fake_cli: Cli, fake: FakeApi, tmp_path: Path
) -> None:
    suite = tmp_path / "tests"
    _write(suite / "01.md", "# Landing")
    report = tmp_path / "report.xml"
    assert fake_cli("run", str(suite), "--junit-xml", str(report)).exit_code == 0
    before = len(fake.requests)

    result = fake_cli("run", str(suite), "--rerun-failed", str(report))

    assert result.exit_code == 0
    assert "Nothing to re-run" in result.stderr
    assert len(fake.requests) == before


def test_rerun_failed_refuses_a_file_that_is_not_our_report(
    fake_cli: Cli, fake: FakeApi, tmp_path: Path
) -> None:
    _write(tmp_path / "tests" / "01.md", "# x")
    other = _write(
        tmp_path / "other.xml",
        "<testsuite name='x' tests='1'><testcase name='a'><failure/></testcase></testsuite>",
    )

    result = fake_cli("run", str(tmp_path / "tests"), "--rerun-failed", str(other))

    assert result.exit_code == 2
    assert "not a report written by --junit-xml" in result.stderr
    assert fake.requests == []


def test_a_prompt_that_is_not_a_path_is_still_a_prompt(fake_cli: Cli, fake: FakeApi) -> None:
    result = fake_cli("run", "tests/ does not exist, so this is a prompt")

    assert result.exit_code == 0
    assert _prompts(fake) == ["tests/ does not exist, so this is a prompt"]


def test_a_scenario_whose_submit_has_an_unknown_outcome_is_an_error_in_the_report(
    fake_cli: Cli, fake: FakeApi, tmp_path: Path
) -> None:
    import xml.etree.ElementTree as ET

    suite = tmp_path / "tests"
    _write(suite / "01.md", "# First")
    _write(suite / "02.md", "# Second")
    report = tmp_path / "r.xml"
    fake.next_create_fault = 503  # the first submit

    result = fake_cli("run", str(suite), "--parallel", "1", "--junit-xml", str(report))

    assert result.exit_code == 3  # the tooling failed: retry the job (after checking runs list)
    assert "outcome unknown (the API answered 503)" in result.stderr
    cases = {case.get("name"): case for case in ET.parse(report).getroot().iter("testcase")}
    assert set(cases) == {"First", "Second"}
    assert cases["First"].find("error").get("type") == "NOT SUBMITTED"  # type: ignore[union-attr]
    assert cases["Second"].find("error") is None
