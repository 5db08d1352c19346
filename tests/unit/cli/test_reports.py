"""--junit-xml (schema-valid, one testcase per run, failure vs error), GitHub step summary and
::error annotations, on every command that waits."""

from __future__ import annotations

import json
from pathlib import Path

import junitparser
import pytest
import xmlschema

from .conftest import Cli
from .fake_api import FakeApi

SCHEMA = xmlschema.XMLSchema(Path(__file__).parents[2] / "fixtures" / "junit" / "jenkins-junit.xsd")


def _suite(tmp_path: Path, **scenarios: str) -> Path:
    folder = tmp_path / "tests"
    folder.mkdir()
    for name, text in scenarios.items():
        (folder / f"{name}.md").write_text(text, encoding="utf-8")
    return folder


def _junit(path: Path) -> junitparser.TestSuite:
    SCHEMA.validate(str(path))  # raises with the reason if the document is not schema-valid
    xml = junitparser.JUnitXml.fromfile(str(path))
    return next(iter(xml)) if isinstance(xml, junitparser.JUnitXml) else xml


def _properties(suite: junitparser.TestSuite) -> dict[str, str]:
    return {prop.name: prop.value for prop in suite.properties()}


def test_suite_with_a_pass_and_a_fail_gives_a_valid_junit_file_with_the_right_counts(
    fake_cli: Cli, fake: FakeApi, tmp_path: Path
) -> None:
    folder = _suite(
        tmp_path, **{"01-landing": "# Landing page\nOpen it.", "02-pay": "# Pay\nPay [fake:fail]"}
    )
    report = tmp_path / "report.xml"

    result = fake_cli("run", str(folder), "--junit-xml", str(report))

    assert result.exit_code == 1, result.stderr
    suite = _junit(report)
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (2, 1, 0, 0)
    cases = {case.name: case for case in suite}
    assert set(cases) == {"Landing page", "Pay"}
    assert cases["Landing page"].is_passed
    [failure] = cases["Pay"].result
    assert isinstance(failure, junitparser.Failure)
    assert failure.message == "The pay button does nothing"
    assert "[4] Pay button dead: No request on click" in (failure.text or "")
    assert cases["Pay"].time == pytest.approx(12.5)
    assert cases["Pay"].classname == str(folder / "02-pay.md")
    run_ids = {run_id for run_id in fake.runs}
    assert {v for k, v in _properties(suite).items() if k.startswith("run-id:")} == run_ids


@pytest.mark.parametrize(
    ("marker", "element", "kind"),
    [("[fake:error]", junitparser.Error, "ERROR"), ("[fake:cancel]", junitparser.Error, "CANCELLED"),
     ("[fake:skip]", junitparser.Skipped, None)],
)  # fmt: skip
def test_runs_without_a_verdict_are_errors_and_planner_skips_are_skipped(
    fake_cli: Cli, tmp_path: Path, marker: str, element: type, kind: str | None
) -> None:
    report = tmp_path / "r.xml"

    result = fake_cli("run", f"Check it {marker}", "--junit-xml", str(report))

    assert result.exit_code == 1  # not passed: no verdict on the app is not a pass
    [case] = list(_junit(report))
    [outcome] = case.result
    assert isinstance(outcome, element)
    if kind is not None:
        assert outcome.type == kind
    assert case.name == f"Check it {marker}"  # the prompt's first line


def test_a_timed_out_run_is_an_error_and_the_report_is_still_written(fake_cli: Cli, tmp_path: Path) -> None:
    report = tmp_path / "r.xml"

    result = fake_cli("run", "Never ends [fake:hang]", "--timeout", "5", "--junit-xml", str(report))

    assert result.exit_code == 4
    [case] = list(_junit(report))
    [error] = case.result
    assert isinstance(error, junitparser.Error)
    assert error.type == "TIMED OUT"


def test_group_runs_are_named_from_the_test_titles(fake_cli: Cli, fake: FakeApi, tmp_path: Path) -> None:
    group = fake.add_group("Sign-up works", "Checkout fails [fake:fail]")
    report = tmp_path / "g.xml"

    result = fake_cli("groups", "trigger", group, "--wait", "--junit-xml", str(report))

    assert result.exit_code == 1
    suite = _junit(report)
    assert sorted(case.name for case in suite) == ["Checkout fails [fake:fail]", "Sign-up works"]
    assert (suite.tests, suite.failures) == (2, 1)
    test_ids = {v for k, v in _properties(suite).items() if k.startswith("test-id:")}
    assert test_ids == set(fake.groups[group])


def test_github_actions_gets_a_step_summary_and_one_error_annotation_per_run_not_passed(
    fake_cli: Cli, tmp_path: Path
) -> None:
    folder = _suite(tmp_path, a="# Alpha\nok", b="# Beta\n[fake:fail]", c="# Gamma\n[fake:error]")
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")

    result = fake_cli("run", str(folder), env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})

    assert result.exit_code == 1
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n")  # appended, not overwritten
    assert "1 of 3 passed" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == 3
    assert any("PASS" in row and "Alpha" in row for row in rows)
    assert any("FAILED" in row and "Beta" in row for row in rows)
    assert any("ERROR" in row and "Gamma" in row and "Browser did not start" in row for row in rows)
    annotations = [line for line in result.stderr.splitlines() if line.startswith("::error")]
    assert len(annotations) == 2
    assert all("%0A" not in line.split("::", 2)[1] for line in annotations)  # titles are escaped
    assert not any("Alpha" in line for line in annotations)


def test_no_github_output_outside_github_actions(fake_cli: Cli, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"

    result = fake_cli("run", "x [fake:fail]", env={"GITHUB_STEP_SUMMARY": str(summary)})

    assert result.exit_code == 1
    assert not summary.exists()
    assert "::error" not in result.stderr


def test_junit_into_a_missing_directory_fails_before_any_request(
    fake_cli: Cli, fake: FakeApi, tmp_path: Path
) -> None:
    result = fake_cli("run", "x", "--junit-xml", str(tmp_path / "nope" / "r.xml"))

    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    assert fake.requests == []


def test_every_waiting_command_has_junit_xml(fake_cli: Cli) -> None:
    for command in (
        ["run"],
        ["runs", "wait"],
        ["tests", "trigger"],
        ["groups", "trigger"],
        ["batches", "rerun"],
    ):
        assert "--junit-xml" in fake_cli(*command, "--help").stdout, command


def test_json_stdout_stays_one_document_under_github_actions(fake_cli: Cli, tmp_path: Path) -> None:
    summary = tmp_path / "s.md"
    result = fake_cli(
        "run", "x [fake:fail]", "--json", env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert json.loads(result.stdout)["output"]["result"] == "FAILED"
