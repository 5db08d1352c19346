"""Comparison details the spec pairs do not show one by one: spellings, refs, recursion, variants."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from codegen.diff import compare_specs
from codegen.diff.model import Severity
from codegen.diff.view import Doc, view
from codegen.errors import SpecError


def _spec(
    schema: dict[str, Any], components: dict[str, Any] | None = None, param: bool = False
) -> dict[str, Any]:
    """A one-operation spec whose 200 response body (or query parameter `q`) is `schema`."""
    operation: dict[str, Any] = {"operationId": "things.get", "responses": {"200": {"description": "ok"}}}
    if param:
        operation["parameters"] = [{"name": "q", "in": "query", "schema": schema}]
    else:
        operation["responses"]["200"]["content"] = {"application/json": {"schema": schema}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/things": {"get": operation}},
        "components": {"schemas": components or {}},
    }


def _rules(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c.rule, c.location) for c in compare_specs(old, new)]


# -- views ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schema",
    [
        {"type": ["string", "null"]},
        {"oneOf": [{"type": "string"}, {"type": "null"}]},
        {"anyOf": [{"type": "null"}, {"type": "string"}]},
        {"type": "string", "nullable": True},
        {"type": "string", "enum": ["a", None]},
    ],
)
def test_every_spelling_of_nullable_is_recognized(schema: dict[str, Any]) -> None:
    seen = view(Doc({}, "t"), schema)
    assert seen.nullable
    assert seen.types == frozenset({"string"})


def test_open_enum_pattern_exposes_the_values_inside() -> None:
    doc = Doc({"components": {"schemas": {"S": {"type": "string", "enum": ["a", "b"]}}}}, "t")
    seen = view(doc, {"anyOf": [{"$ref": "#/components/schemas/S"}, {"type": "string"}]})
    assert seen.open_enum
    assert seen.enum == ("a", "b")
    assert not seen.nullable


def test_ref_siblings_do_not_hide_the_target() -> None:
    doc = Doc({"components": {"schemas": {"T": {"type": "integer"}}}}, "t")
    seen = view(doc, {"$ref": "#/components/schemas/T", "description": "documented here"})
    assert seen.types == frozenset({"integer"})
    assert seen.key == "#/components/schemas/T"


def test_all_of_members_are_merged() -> None:
    doc = Doc(
        {
            "components": {
                "schemas": {"Base": {"type": "object", "properties": {"id": {}}, "required": ["id"]}}
            }
        },
        "t",
    )
    seen = view(doc, {"allOf": [{"$ref": "#/components/schemas/Base"}, {"properties": {"name": {}}}]})
    assert set(seen.properties) == {"id", "name"}
    assert seen.required == {"id"}


def test_dangling_ref_is_a_clear_error() -> None:
    with pytest.raises(SpecError, match="dangling \\$ref '#/components/schemas/Gone'"):
        view(Doc({}, "new spec"), {"$ref": "#/components/schemas/Gone"})


def test_ref_loop_is_refused_not_followed_forever() -> None:
    doc = Doc(
        {
            "components": {
                "schemas": {"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}}
            }
        },
        "t",
    )
    with pytest.raises(SpecError, match="chain longer"):
        view(doc, {"$ref": "#/components/schemas/A"})


# -- comparisons ---------------------------------------------------------------------------------


def test_identical_specs_have_no_changes() -> None:
    spec = _spec({"type": "object", "properties": {"a": {"type": "string"}}})
    assert compare_specs(spec, copy.deepcopy(spec)) == []


def test_mutually_recursive_schemas_terminate_and_report_once() -> None:
    components = {
        "Node": {
            "type": "object",
            "properties": {"edges": {"type": "array", "items": {"$ref": "#/components/schemas/Edge"}}},
        },
        "Edge": {
            "type": "object",
            "properties": {"to": {"$ref": "#/components/schemas/Node"}, "w": {"type": "integer"}},
        },
    }
    old = _spec({"$ref": "#/components/schemas/Node"}, components)
    new = copy.deepcopy(old)
    new["components"]["schemas"]["Edge"]["properties"]["w"] = {"type": "string"}
    assert _rules(old, new) == [("response-type-changed", "response 200 (application/json): edges[].w")]


def test_deep_inline_nesting_is_bounded() -> None:
    def nest(depth: int, leaf: dict[str, Any]) -> dict[str, Any]:
        node = leaf
        for _ in range(depth):
            node = {"type": "object", "properties": {"x": node}}
        return node

    old = _spec(nest(200, {"type": "string"}))
    new = _spec(nest(200, {"type": "integer"}))
    with pytest.raises(SpecError, match="nested more than 64 levels"):
        compare_specs(old, new)
    assert compare_specs(_spec(nest(60, {"type": "string"})), _spec(nest(60, {"type": "string"}))) == []


def test_variants_are_compared_pairwise_and_counted() -> None:
    old = _spec({"oneOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"type": "integer"}]})
    new = _spec({"oneOf": [{"type": "object", "properties": {"a": {"type": "number"}}}, {"type": "integer"}]})
    assert _rules(old, new) == [("response-type-changed", "response 200 (application/json): <variant 0>.a")]
    wider = _spec({"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "boolean"}]})
    narrower = _spec({"oneOf": [{"type": "string"}, {"type": "integer"}]})
    assert [r for r, _ in _rules(narrower, wider)] == ["response-type-changed"]
    assert [r for r, _ in _rules(wider, narrower)] == ["response-type-narrowed"]


def test_direction_flips_the_meaning_of_the_same_difference() -> None:
    closed = {"type": "string", "enum": ["a", "b"]}
    fewer = {"type": "string", "enum": ["a"]}
    assert [r for r, _ in _rules(_spec(closed, param=True), _spec(fewer, param=True))] == [
        "request-enum-value-removed"
    ]
    assert [r for r, _ in _rules(_spec(closed), _spec(fewer))] == ["response-enum-value-removed"]
    nullable = {"type": ["string", "null"]}
    assert [r for r, _ in _rules(_spec({"type": "string"}, param=True), _spec(nullable, param=True))] == [
        "request-became-nullable"
    ]
    assert [r for r, _ in _rules(_spec({"type": "string"}), _spec(nullable))] == ["response-became-nullable"]


def test_a_value_added_to_a_closed_response_enum_is_breaking() -> None:
    old = _spec({"type": "string", "enum": ["a"]})
    new = _spec({"type": "string", "enum": ["a", "b"]})
    (change,) = compare_specs(old, new)
    assert change.rule == "response-closed-enum-value-added"
    assert change.severity is Severity.BREAKING
    assert "closed enum" in change.detail
    opened_old = _spec({"anyOf": [{"type": "string", "enum": ["a"]}, {"type": "string"}]})
    opened_new = _spec({"anyOf": [{"type": "string", "enum": ["a", "b"]}, {"type": "string"}]})
    (change,) = compare_specs(opened_old, opened_new)
    assert change.rule == "response-enum-value-added"
    assert change.severity is Severity.POTENTIALLY_BREAKING
    assert "open enum" in change.detail


def test_read_only_properties_do_not_count_in_requests() -> None:
    old = _spec({"type": "object", "properties": {"id": {"type": "string", "readOnly": True}}}, param=True)
    new = _spec({"type": "object", "properties": {}}, param=True)
    assert compare_specs(old, new) == []


def test_number_formats_are_not_type_changes_but_string_formats_are() -> None:
    assert (
        compare_specs(
            _spec({"type": "integer", "format": "int32"}), _spec({"type": "integer", "format": "int64"})
        )
        == []
    )
    assert [
        r for r, _ in _rules(_spec({"type": "string"}), _spec({"type": "string", "format": "date-time"}))
    ] == ["response-type-changed"]


def test_header_parameters_match_case_insensitively() -> None:
    old = _spec({"type": "string"}, param=True)
    new = copy.deepcopy(old)
    for spec, name in ((old, "X-Trace"), (new, "x-trace")):
        spec["paths"]["/things"]["get"]["parameters"] = [
            {"name": name, "in": "header", "schema": {"type": "string"}}
        ]
    assert compare_specs(old, new) == []


def test_changes_name_operation_and_location_in_their_message() -> None:
    old = _spec({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]})
    new = _spec({"type": "object", "properties": {}})
    (change,) = compare_specs(old, new)
    assert change.message == (
        "things.get (GET /things): response 200 (application/json): a: property removed (was required)"
    )
