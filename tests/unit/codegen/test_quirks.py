"""codegen/quirks.py and codegen/inline_names.py on small specs: what each section does, and that an
entry matching nothing is reported stale (naming it) instead of silently doing nothing."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from codegen.errors import SpecError
from codegen.inline_names import name_inline_schemas
from codegen.quirks import apply_quirks, load_quirks

ERR = {"type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _spec() -> dict[str, Any]:
    step = {"type": "object", "required": ["type"]}
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things": {
                "get": {
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]+$"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            **_json({"type": "object", "properties": {"n": {"type": "integer"}}}),
                        },
                        "400": {"description": "bad", **_json({**ERR, "description": "copy"})},
                    },
                },
            }
        },
        "components": {
            "schemas": {
                "ErrorResponse": ERR,
                "Step": {
                    "oneOf": [
                        {**step, "properties": {"type": {"type": "string", "enum": ["a"]}}},
                        {
                            **step,
                            "properties": {
                                "type": {"type": "string", "enum": ["b"]},
                                "x": {"type": "string"},
                            },
                        },
                    ]
                },
            }
        },
    }


RAW: dict[str, Any] = {
    "error_bodies": {"into": "ErrorResponse"},
    "bodies": {"GET /things": {"200": "ThingList"}},
    "unions": [
        {
            "at": ["components", "schemas", "Step"],
            "discriminator": "type",
            "variants": [{"name": "StepA", "when": {"type": "a"}}, {"name": "StepB", "when": {"type": "b"}}],
        }
    ],
    "parameter_schemas": {
        "GET /things": {
            "limit": {"upstream": {"type": "string", "pattern": "^[0-9]+$"}, "schema": {"type": "integer"}}
        }
    },
}


def _apply(spec: dict[str, Any], raw: dict[str, Any] = RAW) -> tuple[dict[str, Any], list[str]]:
    stale: list[str] = []
    return apply_quirks(copy.deepcopy(spec), load_quirks(raw, "rules.yaml", Path(".")), "spec", stale), stale


def test_each_section_does_its_one_thing() -> None:
    result, stale = _apply(_spec())
    assert stale == []
    op = result["paths"]["/things"]["get"]
    schemas = result["components"]["schemas"]
    assert op["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"
    }
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ThingList"
    }
    assert "n" in schemas["ThingList"]["properties"]
    assert op["parameters"][0]["schema"] == {"type": "integer"}
    assert schemas["Step"]["discriminator"] == {
        "propertyName": "type",
        "mapping": {"a": "#/components/schemas/StepA", "b": "#/components/schemas/StepB"},
    }
    assert schemas["Step"]["oneOf"] == [
        {"$ref": "#/components/schemas/StepA"},
        {"$ref": "#/components/schemas/StepB"},
    ]


def test_entries_that_match_nothing_are_stale_by_name() -> None:
    spec = _spec()
    spec["paths"]["/things"]["get"]["parameters"][0]["schema"] = {"type": "integer"}  # upstream fixed it
    del spec["paths"]["/things"]["get"]["responses"]["400"]
    spec["components"]["schemas"]["Step"]["oneOf"][1]["properties"]["type"]["enum"] = ["c"]
    raw = {**RAW, "bodies": {"GET /things": {"200": "ThingList"}, "POST /gone": {"request": "Gone"}}}
    _result, stale = _apply(spec, raw)
    # Each entry names what no longer matches, then what to do about it.
    assert all(" (fix: " in entry for entry in stale), stale
    assert [entry.split(" (fix: ")[0] for entry in stale] == [
        "error_bodies: no inline error body has the shape of 'ErrorResponse'",
        "bodies: 'POST /gone' does not exist",
        "unions components/schemas/Step: 0 members match variant StepB {'type': 'b'}",
        "parameter_schemas: 'GET /things' 'limit' is no longer"
        " {'type': 'string', 'pattern': '^[0-9]+$'} upstream",
    ]


def test_a_discriminator_must_be_required_in_every_variant() -> None:
    spec = _spec()
    spec["components"]["schemas"]["Step"]["oneOf"][1]["required"] = []
    with pytest.raises(SpecError, match="discriminator 'type' is not required in StepB"):
        _apply(spec)


def test_a_body_name_taken_by_another_shape_is_an_error() -> None:
    spec = _spec()
    spec["components"]["schemas"]["ThingList"] = {"type": "string"}
    with pytest.raises(SpecError, match="ThingList: exists with another shape"):
        _apply(spec)


def test_bad_rule_entries_fail_on_load_with_their_location() -> None:
    with pytest.raises(SpecError, match=r"/bodies/things.*not 'METHOD /path'"):
        load_quirks({"bodies": {"things": {"200": "X"}}}, "rules.yaml", Path("."))
    with pytest.raises(SpecError, match="/inline_schemas/name"):
        load_quirks({"inline_schemas": {"name": "guess"}}, "rules.yaml", Path("."))


def test_inline_objects_and_enums_are_named_after_parent_and_property() -> None:
    spec = {
        "components": {
            "schemas": {
                "Run": {
                    "type": "object",
                    "properties": {
                        "status": {"type": "string", "enum": ["queued"]},
                        "plan": {
                            "anyOf": [
                                {
                                    "type": "object",
                                    "properties": {"mode": {"type": "string", "enum": ["fast"]}},
                                },
                                {"type": "null"},
                            ]
                        },
                        "tags": {"type": "array", "items": {"type": "string"}},
                    },
                }
            }
        }
    }
    stale: list[str] = []
    name_inline_schemas(spec, "spec", stale)
    schemas = spec["components"]["schemas"]
    assert stale == []
    assert schemas["Run"]["properties"]["status"] == {"$ref": "#/components/schemas/RunStatus"}
    assert schemas["Run"]["properties"]["plan"]["anyOf"][0] == {"$ref": "#/components/schemas/RunPlan"}
    assert schemas["RunPlan"]["properties"]["mode"] == {"$ref": "#/components/schemas/RunPlanMode"}
    assert schemas["Run"]["properties"]["tags"] == {"type": "array", "items": {"type": "string"}}
    name_inline_schemas(spec, "spec", stale)
    assert stale == [
        "inline_schemas: no nested inline object or enum left to name"
        " (fix: delete the `inline_schemas` section)"
    ]
