"""Operation names: the documented default for operations without a rule, and renames as breaking."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from codegen.diff import build_report, normalize_document
from codegen.naming import default_name, disambiguate, snake
from tests.unit.codegen._rules import write_rules

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("get", "/v1/runs", ("runs", "list")),
        ("get", "/v1/runs/{id}", ("runs", "get")),
        ("post", "/v1/runs", ("runs", "create")),
        ("patch", "/v1/tests/{testId}", ("tests", "update")),
        ("put", "/v1/tests/{testId}", ("tests", "update")),
        ("delete", "/v1/tests/{testId}", ("tests", "delete")),
        ("post", "/v1/runs/{id}/cancel", ("runs", "cancel")),
        ("post", "/v1/batches/{batchId}/rerun", ("batches", "rerun")),
        ("post", "/v1/projects/{projectId}/environments", ("projects", "create_environments")),
        ("get", "/v1/projects/{projectId}/environments", ("projects", "list_environments")),
        ("delete", "/v1/projects/{p}/memories/{m}", ("projects", "delete_memories")),
        ("get", "/v1/test-groups/{id}/pull-request-runs/{n}", ("test_groups", "get_pull_request_runs")),
        ("get", "/health", ("health", "list")),
    ],
)
def test_default_names(method: str, path: str, expected: tuple[str, str]) -> None:
    assert default_name(method, path) == expected


def test_names_are_identifiers_and_collisions_get_the_method() -> None:
    assert snake("class") == "class_"
    assert snake("2fa") == "n_2fa"
    assert (
        disambiguate("tests.update", "put", {"tests.update": "PATCH /v1/tests/{testId}"})
        == "tests.update_put"
    )


def test_renaming_a_public_method_in_the_rules_is_breaking(tmp_path: Path) -> None:
    spec = yaml.safe_load((REPO / "openapi.yaml").read_text(encoding="utf-8"))
    rules = yaml.safe_load((REPO / "codegen" / "rules.yaml").read_text(encoding="utf-8"))
    key, entry = next(iter(rules["operations"].items()))
    rules["operations"][key] = {**entry, "method": entry["method"] + "_renamed"}
    renamed_rules = write_rules(rules, tmp_path / "rules.yaml")

    report = build_report(
        normalize_document(spec, "before"), normalize_document(spec, "after", rules_path=renamed_rules)
    )

    assert [c.rule for c in report.breaking] == ["operation-id-changed"]
