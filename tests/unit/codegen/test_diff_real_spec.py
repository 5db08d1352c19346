"""The change report on the real vendored spec and the real codegen/rules.yaml."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from codegen.diff import build_report, normalize_document, read_normalized
from codegen.diff.load import SpecSide
from codegen.lock import read_lock
from codegen.normalize import Normalized
from codegen.rules import Rules
from codegen.specdoc import iter_operations
from tests.unit.codegen._pick import absent, operation_to_remove

REPO = Path(__file__).resolve().parents[3]


def _side(spec: dict[str, Any], label: str) -> SpecSide:
    return normalize_document(spec, label)


def _reword_error_bodies(spec: dict[str, Any], shape: dict[str, Any]) -> int:
    """Reword every inline copy of the error body (the shape `error_bodies` refers to)."""
    touched = 0
    for _path, _method, operation in iter_operations(spec):
        for status, response in operation.get("responses", {}).items():
            for media in (response.get("content") or {}).values():
                schema = media.get("schema") or {}
                if not str(status).startswith("2") and schema == shape:
                    media["schema"] = copy.deepcopy(schema)
                    media["schema"]["properties"]["message"]["description"] = "Reworded upstream"
                    touched += 1
    return touched


def _nullable_enums(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [found for item in node for found in _nullable_enums(item)]
    if not isinstance(node, dict):
        return []
    own = [node] if node.get("nullable") is True and None in (node.get("enum") or []) else []
    return own + [found for value in node.values() for found in _nullable_enums(value)]


def test_upstream_quirk_changes_are_not_user_visible(
    vendored_spec: dict[str, Any], spec_copy: dict[str, Any], rules: Rules
) -> None:
    # Upstream rewords its 200-odd inline copies of the error body, and stops listing `null` among
    # the values of its nullable enums (`nullable: true` already allows it in OpenAPI 3.0):
    # normalization (error_bodies + errors, codegen/oas30.py) removes both.
    assert rules.quirks.error_body is not None
    shape = spec_copy["components"]["schemas"][rules.quirks.error_body]
    assert _reword_error_bodies(spec_copy, shape) > len(list(iter_operations(spec_copy)))
    enums = _nullable_enums(spec_copy)
    assert enums
    for enum in enums:
        enum["enum"] = [value for value in enum["enum"] if value is not None]

    report = build_report(_side(vendored_spec, "old"), _side(spec_copy, "new"))

    assert report.changes == ()
    assert report.stale_rules == ()


def test_a_real_breaking_change_is_reported_at_every_operation_it_reaches(spec_copy: dict[str, Any]) -> None:
    old = _side(spec_copy, "old")
    schemas = spec_copy["components"]["schemas"]
    del schemas["RunResponse"]["properties"]["output"]
    run_status = schemas["RunResponse"]["properties"]["status"]
    new_status = absent(run_status["enum"], "new_status")
    run_status["enum"].append(new_status)
    # Upstream repeats the status enum inline in the list filter; a consistent update changes both.
    (status,) = [p for p in spec_copy["paths"]["/v1/runs"]["get"]["parameters"] if p["name"] == "status"]
    status["schema"]["enum"].append(new_status)

    report = build_report(old, _side(spec_copy, "new"))

    rows = {(c.rule, c.operation, c.location) for c in report.changes}
    assert ("response-property-removed", "runs.get", "response 200 (application/json): output") in rows
    assert (
        "response-property-removed",
        "runs.list",
        "response 200 (application/json): runs[].output",
    ) in rows
    assert ("response-enum-value-added", "runs.get", "response 200 (application/json): status") in rows
    # The list filter uses the same (closed, request-side) enum: there a new value is harmless.
    assert ("request-enum-value-added", "runs.list", "parameter 'status' (query)") in rows
    assert {c.rule for c in report.changes} == {
        "response-property-removed",
        "response-enum-value-added",
        "request-enum-value-added",
    }


def test_stale_rules_and_changes_are_reported_in_the_same_run(spec_copy: dict[str, Any]) -> None:
    old = _side(spec_copy, "old")
    removed = operation_to_remove()
    removed.remove(spec_copy)

    report = build_report(old, _side(spec_copy, "new"))

    assert ("operation-removed", removed.name) in [(c.rule, c.operation) for c in report.changes]
    # Anything else is a model only that operation used (its inline body, hoisted by a rule).
    assert {c.rule for c in report.changes} <= {"operation-removed", "model-removed"}
    assert any(f"{removed.rule_key!r} does not exist" in rule for rule in report.stale_rules)


def test_committed_generated_spec_matches_the_vendored_one(normalized: Normalized) -> None:
    """`make spec-diff` on a synced tree: generated/openapi.normalized.yaml is openapi.yaml normalized."""
    old = read_normalized(REPO / "generated" / "openapi.normalized.yaml")
    new = SpecSide("openapi.yaml", normalized.spec, None)
    assert old.sha256 == read_lock().sha256  # read from the provenance header
    assert build_report(old, new).changes == ()
