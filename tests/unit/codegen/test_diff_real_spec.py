"""The change report on the real vendored spec and the real codegen/rules.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from codegen.diff import build_report, normalize_document, read_normalized
from codegen.diff.load import SpecSide
from codegen.lock import read_lock
from codegen.normalize import Normalized
from codegen.specdoc import SCHEMA_REF_PREFIX, iter_operations, rewrite_refs
from tests.unit.codegen._pick import absent, operation_to_remove

REPO = Path(__file__).resolve().parents[3]


def _side(spec: dict[str, Any], label: str) -> SpecSide:
    return normalize_document(spec, label)


def _rename_error_schemas(spec: dict[str, Any], prefix: str, replacement: str) -> int:
    schemas = spec["components"]["schemas"]
    renamed = {name: name.replace(prefix, replacement, 1) for name in schemas if name.startswith(prefix)}
    spec["components"]["schemas"] = {renamed.get(k, k): v for k, v in schemas.items()}
    refs = {SCHEMA_REF_PREFIX + old: SCHEMA_REF_PREFIX + new for old, new in renamed.items()}
    rewrite_refs(spec, lambda ref: refs.get(ref, ref))
    return len(renamed)


def test_upstream_quirk_changes_are_not_user_visible(
    vendored_spec: dict[str, Any], spec_copy: dict[str, Any]
) -> None:
    # Upstream renames one operation's per-operation error schemas and rewords (and constrains)
    # the Authorization header parameter everywhere: normalization removes both.
    assert _rename_error_schemas(spec_copy, "SubmitAQaTestRunRequest", "SubmitAQaTestRunV2Request") == 5
    touched = 0
    for _path, _method, operation in iter_operations(spec_copy):
        for param in operation.get("parameters") or []:
            if param.get("name") == "Authorization":
                param["description"] = "Bearer <API key> (reworded upstream)"
                param["schema"] = {"type": "string", "pattern": "^Bearer "}
                touched += 1
    assert touched >= 18

    report = build_report(_side(vendored_spec, "old"), _side(spec_copy, "new"))

    assert report.changes == ()
    assert report.stale_rules == ()


def test_a_real_breaking_change_is_reported_at_every_operation_it_reaches(spec_copy: dict[str, Any]) -> None:
    old = _side(spec_copy, "old")
    schemas = spec_copy["components"]["schemas"]
    del schemas["RunResponse"]["properties"]["output"]
    new_status = absent(schemas["RunResponseStatus"]["enum"], "new_status")
    schemas["RunResponseStatus"]["enum"].append(new_status)
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
