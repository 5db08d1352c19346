"""codegen/liberal.py on small specs: response schemas are loosened (open enums, tolerated nulls and
absences), what a request sends never is, and an entry that changes nothing is stale."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from codegen.errors import SpecError
from codegen.liberal import accepts_null, apply_open_enums, apply_tolerated
from codegen.rules import load_rules

REF = "#/components/schemas/"


def _json(name: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": REF + name}}}}


def _spec() -> dict[str, Any]:
    """A run read back by GET, and a step both sent (POST body) and read back (inside the run)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/runs": {
                "get": {"responses": {"200": {"description": "ok", **_json("Run")}}},
                "post": {"requestBody": _json("Step"), "responses": {"201": {"description": "ok"}}},
            }
        },
        "components": {
            "schemas": {
                "Run": {
                    "type": "object",
                    "properties": {
                        "kind": {"$ref": REF + "Kind"},
                        "error": {"type": "object", "description": "why it failed"},
                        "note": {"type": "string"},
                        "already": {"type": ["string", "null"]},
                        "input": {"type": "object"},
                        "step": {"$ref": REF + "Step"},
                    },
                    "required": ["kind", "input"],
                },
                "Kind": {"type": "string", "enum": ["ci", "test"]},
                "Step": {"type": "object", "properties": {"type": {"$ref": REF + "StepType"}}},
                "StepType": {"type": "string", "enum": ["act"]},
            }
        },
    }


class _Stale:
    def __init__(self) -> None:
        self.entries: list[str] = []

    def __call__(self, entry: str, fix: str) -> None:
        self.entries.append(f"{entry} (fix: {fix})")


def test_response_enums_open_but_a_schema_a_request_sends_stays_closed() -> None:
    spec, stale = _spec(), _Stale()
    apply_open_enums(spec, stale)
    schemas = spec["components"]["schemas"]
    assert schemas["Run"]["properties"]["kind"] == {"anyOf": [{"$ref": REF + "Kind"}, {"type": "string"}]}
    # Step is the POST body as well: what the client sends keeps its closed enum.
    assert schemas["Step"]["properties"]["type"] == {"$ref": REF + "StepType"}
    assert stale.entries == []


def test_the_discriminator_of_a_response_union_stays_closed_the_rest_opens() -> None:
    spec, stale = _spec(), _Stale()
    schemas = spec["components"]["schemas"]
    schemas["Run"]["properties"]["plan"] = {
        "type": "array",
        "items": {
            "oneOf": [{"$ref": REF + "Act"}, {"$ref": REF + "Wait"}],
            "discriminator": {"propertyName": "type", "mapping": {"act": REF + "Act", "wait": REF + "Wait"}},
        },
    }
    for name in ("Act", "Wait"):
        schemas[f"{name}Type"] = {"type": "string", "enum": [name.lower()]}
        schemas[name] = {
            "type": "object",
            "properties": {"type": {"$ref": REF + f"{name}Type"}, "kind": {"$ref": REF + "Kind"}},
        }
    apply_open_enums(spec, stale)
    for name in ("Act", "Wait"):
        # Opened, every member would accept every tag and a step would match both branches.
        assert schemas[name]["properties"]["type"] == {"$ref": REF + f"{name}Type"}
        assert schemas[name]["properties"]["kind"] == {"anyOf": [{"$ref": REF + "Kind"}, {"type": "string"}]}
    assert stale.entries == []


def test_tolerated_null_and_absence_loosen_the_response_schema() -> None:
    spec, stale = _spec(), _Stale()
    apply_tolerated(spec, {"Run": {"error": ("null",), "note": ("null",), "input": ("absent",)}}, "s", stale)
    run = spec["components"]["schemas"]["Run"]
    assert stale.entries == []
    # An object becomes anyOf [<it>, null] (its description outside), a primitive a type list.
    assert run["properties"]["error"] == {
        "anyOf": [{"type": "object"}, {"type": "null"}],
        "description": "why it failed",
    }
    assert run["properties"]["note"] == {"type": ["string", "null"]}
    assert run["required"] == ["kind"]
    assert all(accepts_null(run["properties"][p]) for p in ("error", "note", "already"))


def test_the_last_required_property_tolerated_absent_drops_required() -> None:
    spec, stale = _spec(), _Stale()
    apply_tolerated(spec, {"Run": {"input": ("absent",), "kind": ("absent",)}}, "s", stale)
    assert "required" not in spec["components"]["schemas"]["Run"]
    assert stale.entries == []


def test_entries_that_change_nothing_are_stale_with_their_fix() -> None:
    spec, stale = _spec(), _Stale()
    tolerated = {
        "Run": {"already": ("null",), "note": ("absent",), "gone": ("null",)},
        "Missing": {"x": ("null",)},
    }
    apply_tolerated(spec, tolerated, "s", stale)
    assert stale.entries == [
        "tolerated: Run.already: already nullable upstream (fix: drop `null` from `tolerated.Run.already`)",
        "tolerated: Run.note: already optional upstream (fix: drop `absent` from `tolerated.Run.note`)",
        "tolerated: Run.gone: no such property (fix: delete `tolerated.Run.gone`)",
        "tolerated: 'Missing' is no response schema (fix: delete `tolerated.Missing`)",
    ]


def test_a_schema_a_request_sends_is_refused() -> None:
    with pytest.raises(SpecError, match=r"/components/schemas/Step: a request sends this schema too"):
        apply_tolerated(_spec(), {"Step": {"type": ("null",)}}, "s", _Stale())


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ("tolerated: {Run: {input: [missing]}}", "a non-empty list of"),
        ("tolerated: {Run: {input: []}}", "a non-empty list of"),
        ("tolerated: {Run: [input]}", "must be a mapping"),
    ],
)
def test_a_malformed_tolerated_section_fails_naming_where(tmp_path: Path, section: str, problem: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(section + "\n", encoding="utf-8")
    with pytest.raises(SpecError, match=f"/tolerated/Run.*{problem}"):
        load_rules(path)


def test_a_bare_yaml_null_means_the_null_tolerance(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("tolerated: {Run: {error: [null, absent]}}\n", encoding="utf-8")
    assert load_rules(path).tolerated == {"Run": {"error": ("null", "absent")}}


def test_a_boolean_constant_is_not_opened_to_a_string() -> None:
    spec, stale = _spec(), _Stale()
    run = spec["components"]["schemas"]["Run"]
    run["properties"]["deleted"] = {"type": "boolean", "enum": [True]}
    spec["components"]["schemas"]["Flag"] = {"type": "boolean", "enum": [False]}
    run["properties"]["flag"] = {"$ref": REF + "Flag"}
    apply_open_enums(spec, stale)
    assert run["properties"]["deleted"] == {"type": "boolean", "enum": [True]}
    assert run["properties"]["flag"] == {"$ref": REF + "Flag"}
    assert stale.entries == []
