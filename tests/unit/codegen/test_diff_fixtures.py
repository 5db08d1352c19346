"""Spec pairs (tests/fixtures/spec_pairs/<case>/{old,new}.yaml) against their expected classification.

Each case's expected.json lists every change the report must contain (rule, severity, operation,
location) and nothing else. A case with a rules.yaml is vendored-style: both sides are normalized
with those rules first, like `make spec-diff` does with codegen/rules.yaml.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codegen.diff import RULES, Report, build_report
from codegen.diff.load import read_raw, read_vendored
from codegen.structure import validate_openapi
from codegen.yamlio import load_yaml_file

PAIRS = Path(__file__).resolve().parents[2] / "fixtures" / "spec_pairs"
CASES = sorted(p.name for p in PAIRS.iterdir() if p.is_dir())

#: The rules issue 7 names, each of which must be exercised by at least one pair.
ISSUE_RULES = {
    "operation-removed",
    "response-success-status-removed",
    "response-media-type-removed",
    "response-property-removed",
    "response-property-became-optional",
    "response-type-changed",
    "response-became-nullable",
    "response-enum-value-added",
    "request-parameter-added-required",
    "request-property-added-required",
    "request-parameter-became-required",
    "request-property-became-required",
    "request-body-became-required",
    "request-type-changed",
    "request-enum-value-removed",
    "request-max-decreased",
    "request-pattern-added",
    "request-parameter-removed",
    "security-changed",
}

Row = tuple[str, str, str, str]


def _report(case: str) -> Report:
    folder = PAIRS / case
    rules = folder / "rules.yaml"
    if rules.exists():
        return build_report(
            read_vendored(folder / "old.yaml", rules), read_vendored(folder / "new.yaml", rules)
        )
    return build_report(read_raw(folder / "old.yaml"), read_raw(folder / "new.yaml"))


def _expected(case: str) -> list[Row]:
    data = json.loads((PAIRS / case / "expected.json").read_text(encoding="utf-8"))
    return sorted((c["rule"], c["severity"], c["operation"], c["location"]) for c in data["changes"])


def _rows(report: Report) -> list[Row]:
    return sorted((c.rule, c.severity.value, c.operation, c.location) for c in report.changes)


@pytest.mark.parametrize("case", CASES)
def test_spec_pair_is_classified_as_expected(case: str) -> None:
    report = _report(case)
    assert _rows(report) == _expected(case)
    assert report.stale_rules == ()


def test_there_are_enough_pairs() -> None:
    # Guards against the glob silently finding nothing (a parametrized test over [] passes).
    assert len(CASES) >= 40


def test_every_rule_of_the_table_is_exercised_by_a_pair() -> None:
    exercised = {row[0] for case in CASES for row in _expected(case)}
    assert exercised == set(RULES), f"not exercised: {sorted(set(RULES) - exercised)}"
    assert exercised >= ISSUE_RULES


def test_issue_rules_have_the_severity_the_issue_asks_for() -> None:
    potentially = {"response-enum-value-added"}
    for rule in ISSUE_RULES:
        wanted = "potentially-breaking" if rule in potentially else "breaking"
        assert RULES[rule].severity.value == wanted, rule


def test_some_pair_changes_nothing_user_visible() -> None:
    empty = [case for case in CASES if not _expected(case)]
    assert "equivalent_spellings" in empty
    assert "upstream_quirks_only" in empty


def test_quirks_pair_differs_when_not_normalized() -> None:
    """Proof that the quirk pair is not trivially equal: only normalization makes it a no-op."""
    folder = PAIRS / "upstream_quirks_only"
    raw = build_report(read_raw(folder / "old.yaml"), read_raw(folder / "new.yaml"))
    rules = {change.rule for change in raw.changes}
    assert {"request-pattern-added", "model-removed", "model-added"} <= rules


def test_fixture_specs_are_valid_openapi() -> None:
    distinct: dict[str, Path] = {}  # most old sides are the same base spec: validate it once
    for case in CASES:
        if (PAIRS / case / "rules.yaml").exists():
            continue  # vendored-style on purpose (a schema name with a space, like upstream)
        for side in ("old", "new"):
            path = PAIRS / case / f"{side}.yaml"
            distinct.setdefault(json.dumps(load_yaml_file(path), sort_keys=True), path)
    assert len(distinct) > len(CASES) // 2
    for text, path in distinct.items():
        validate_openapi(json.loads(text), str(path))
