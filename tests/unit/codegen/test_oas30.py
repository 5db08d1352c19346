"""OpenAPI 3.0 intake (codegen/oas30.py): each 3.0 keyword the published spec uses, then the spec itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from codegen.errors import SpecError
from codegen.oas30 import upgrade_to_31
from codegen.structure import check_structure
from codegen.yamlio import load_yaml_bytes

PUBLISHED = Path(__file__).resolve().parents[2] / "fixtures" / "upstream" / "published-openapi.json"


def _doc(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "components": {"schemas": {"S": schema}},
    }


def _up(schema: dict[str, Any]) -> Any:
    return upgrade_to_31(_doc(schema))["components"]["schemas"]["S"]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"type": "string", "nullable": True}, {"type": ["string", "null"]}),
        (
            {"type": "string", "nullable": True, "enum": ["a", None], "description": "d"},
            {"anyOf": [{"type": "string", "enum": ["a"]}, {"type": "null"}], "description": "d"},
        ),
        ({"type": "string", "nullable": False}, {"type": "string"}),
        (
            {"type": "object", "nullable": True, "properties": {"a": {"type": "string"}}, "description": "d"},
            {
                "anyOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"type": "null"}],
                "description": "d",
            },
        ),
        (
            {"$ref": "#/components/schemas/T", "nullable": True, "description": "d"},
            {"anyOf": [{"$ref": "#/components/schemas/T"}, {"type": "null"}], "description": "d"},
        ),
        (
            {"anyOf": [{"$ref": "#/components/schemas/T"}, {"nullable": True}]},
            {"anyOf": [{"$ref": "#/components/schemas/T"}, {"type": "null"}]},
        ),
        (
            {"type": "object", "additionalProperties": {"nullable": True}},
            {"type": "object", "additionalProperties": {}},
        ),
        (
            {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
            {"type": "integer", "exclusiveMinimum": 0},
        ),
        (
            {"type": "integer", "maximum": 9, "exclusiveMaximum": False},
            {"type": "integer", "maximum": 9},
        ),
        (
            {
                "type": "object",
                "properties": {"p": {"type": "array", "items": {"type": "integer", "nullable": True}}},
            },
            {
                "type": "object",
                "properties": {"p": {"type": "array", "items": {"type": ["integer", "null"]}}},
            },
        ),
    ],
)
def test_each_30_keyword_becomes_its_31_form(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert _up(before) == after


def test_parameter_and_body_schemas_are_rewritten_too() -> None:
    doc = _doc({})
    doc["paths"] = {
        "/x": {
            "get": {
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string", "nullable": True}}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"type": "integer", "nullable": True}}},
                    }
                },
            }
        }
    }
    op = upgrade_to_31(doc)["paths"]["/x"]["get"]
    assert op["parameters"][0]["schema"] == {"type": ["string", "null"]}
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {"type": ["integer", "null"]}


def test_31_document_passes_unchanged_and_input_is_not_mutated() -> None:
    doc = _doc({"type": "string", "nullable": True})
    doc["openapi"] = "3.1.0"
    assert upgrade_to_31(doc) == doc
    doc30 = _doc({"type": "string", "nullable": True})
    snapshot = json.dumps(doc30)
    assert upgrade_to_31(doc30)["openapi"] == "3.1.0"
    assert json.dumps(doc30) == snapshot


def _keywords(node: Any) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((key, value))
            found.extend(_keywords(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_keywords(value))
    return found


@pytest.fixture(scope="module")
def published() -> dict[str, Any]:
    document = load_yaml_bytes(PUBLISHED.read_bytes(), PUBLISHED.name)
    assert isinstance(document, dict)
    return document


def test_published_spec_loses_every_30_only_keyword(published: dict[str, Any]) -> None:
    upgraded = upgrade_to_31(published)
    # Property *names* can be anything, so look only at schema keywords: `nullable` is never a
    # property name in this spec, and exclusive bounds must all be numbers now.
    keywords = _keywords(upgraded)
    assert upgraded["openapi"] == "3.1.0"
    assert [v for k, v in keywords if k == "nullable"] == []
    bounds = [v for k, v in keywords if k in ("exclusiveMinimum", "exclusiveMaximum")]
    assert bounds, "the published spec uses exclusive bounds; this test would prove nothing"
    assert all(isinstance(v, int | float) and not isinstance(v, bool) for v in bounds)


def test_published_spec_without_operation_ids_passes_the_structure_checks(published: dict[str, Any]) -> None:
    check_structure(published, PUBLISHED.name)


def test_json_is_read_with_duplicate_keys_refused() -> None:
    assert load_yaml_bytes(b'{"a": "x\\/y"}', "s.json") == {"a": "x/y"}
    with pytest.raises(SpecError, match="duplicate key 'a'"):
        load_yaml_bytes(b'{"a": 1, "a": 2}', "s.json")
    # A YAML flow mapping is not JSON and is still read as YAML.
    assert load_yaml_bytes(b"{a: 1}", "s.yaml") == {"a": 1}
