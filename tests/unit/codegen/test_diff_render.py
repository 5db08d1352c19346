"""The report as text and JSON, and `python -m codegen diff` (what `make spec-diff` runs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from codegen.__main__ import main
from codegen.diff import RULES, Report, Severity, build_report, render_json, render_text
from codegen.diff.classify import classify
from codegen.diff.load import read_raw
from codegen.diff.model import GLOBAL_GROUP

REPO = Path(__file__).resolve().parents[3]
PAIRS = REPO / "tests" / "fixtures" / "spec_pairs"


def _report() -> Report:
    changes = (
        classify("model-added", GLOBAL_GROUP, "", "", "components/schemas/New", "new model"),
        classify("operation-removed", "runs.cancel", "post", "/v1/runs/{id}/cancel", "operation", "removed"),
        classify(
            "response-enum-value-added", "runs.get", "get", "/v1/runs/{id}", "response 200", "value 'x'"
        ),
        classify("response-property-removed", "runs.get", "get", "/v1/runs/{id}", "response 200: a", "gone"),
    )
    return Report("old.yaml", "new.yaml", changes, stale_rules=("tags: 'x' is not used",), notes=("a note",))


def test_text_groups_by_operation_models_last_with_a_summary() -> None:
    text = render_text(_report())
    lines = text.splitlines()
    assert lines[0] == "Spec change report: old.yaml -> new.yaml"
    groups = [line for line in lines if line and not line.startswith(" ") and "(" in line and ":" not in line]
    assert groups == ["runs.cancel (POST /v1/runs/{id}/cancel)", "runs.get (GET /v1/runs/{id})", GLOBAL_GROUP]
    get_block = lines[lines.index("runs.get (GET /v1/runs/{id})") + 1 : lines.index(GLOBAL_GROUP)]
    assert any("potentially breaking" in line and "[response-enum-value-added]" in line for line in get_block)
    assert any(line.strip().startswith("breaking") and "response 200: a: gone" in line for line in get_block)
    assert any("Response enums are open in this SDK" in line for line in lines)
    assert "  - tags: 'x' is not used" in lines
    assert "  - a note" in lines
    assert lines[-1] == "Summary: 2 breaking, 1 potentially breaking, 1 safe."


def test_empty_report_says_so() -> None:
    text = render_text(Report("a", "b", ()))
    assert "No user-visible changes." in text
    assert "Response enums are open" not in text
    assert text.rstrip().endswith("Summary: 0 breaking, 0 potentially breaking, 0 safe.")


def test_json_carries_every_change_with_rule_severity_and_message() -> None:
    report = _report()
    data = json.loads(render_json(report))
    assert data["summary"] == {"breaking": 2, "potentially-breaking": 1, "safe": 1}
    assert len(data["changes"]) == len(report.changes)
    first = data["changes"][1]
    assert first == {
        "rule": "operation-removed",
        "severity": "breaking",
        "operation": "runs.cancel",
        "method": "POST",
        "path": "/v1/runs/{id}/cancel",
        "location": "operation",
        "detail": "removed",
        "message": "runs.cancel (POST /v1/runs/{id}/cancel): operation: removed",
    }
    assert data["stale_rules"] == ["tags: 'x' is not used"]
    assert report.count(Severity.SAFE) == 1


# -- the CLI -----------------------------------------------------------------------------------------


def _pair(case: str) -> list[str]:
    return ["--old", str(PAIRS / case / "old.yaml"), "--new", str(PAIRS / case / "new.yaml")]


def test_cli_diff_raw_prints_the_human_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "--raw", *_pair("response_required_property_removed")]) == 0
    out = capsys.readouterr().out
    assert "runs.create (POST /v1/runs)" in out
    assert "createdAt: property removed (was required)  [response-property-removed]" in out
    assert "Summary: 1 breaking, 0 potentially breaking, 0 safe." in out


def test_cli_diff_json_matches_the_library_report(capsys: pytest.CaptureFixture[str]) -> None:
    case = "shared_enum_value_removed"
    assert main(["diff", "--raw", "--json", *_pair(case)]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = build_report(read_raw(PAIRS / case / "old.yaml"), read_raw(PAIRS / case / "new.yaml"))
    assert [c["rule"] for c in data["changes"]] == [c.rule for c in expected.changes]
    assert data["summary"]["breaking"] == 1


def test_cli_diff_defaults_compare_generated_with_openapi_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff"]) == 0
    out = capsys.readouterr().out
    assert "generated/openapi.normalized.yaml -> " in out
    assert "No user-visible changes." in out


def test_cli_diff_normalizes_vendored_specs_and_fails_on_stale_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = yaml.load((REPO / "openapi.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    del spec["paths"]["/v1/runs/{id}/cancel"]
    new = tmp_path / "candidate.yaml"
    new.write_text(yaml.dump(spec, Dumper=yaml.CSafeDumper, sort_keys=False), encoding="utf-8")

    code = main(["diff", "--new", str(new)])

    out = capsys.readouterr().out
    assert code == 1
    assert "runs.cancel (POST /v1/runs/{id}/cancel)" in out
    assert "[operation-removed]" in out
    assert "no longer match the new spec" in out
    assert "'POST /v1/runs/{id}/cancel' does not exist" in out


def test_cli_diff_names_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.yaml"
    assert main(["diff", "--raw", "--old", str(missing), "--new", str(missing)]) == 1
    err = capsys.readouterr().err
    assert str(missing) in err
    assert "cannot read file" in err


def test_docs_list_every_rule_with_its_severity() -> None:
    text = (REPO / "docs" / "regenerate.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`") and cells[0].endswith("`"):
            rows[cells[0].strip("`")] = cells[1]
    assert rows == {rule.id: rule.severity.label for rule in RULES.values()}
