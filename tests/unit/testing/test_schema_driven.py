"""The schema-driven parts of the simulator on fragments shaped like the published spec's constructs.

(OpenAPI 3.0 ``nullable``, ``oneOf``/``anyOf``/``allOf`` unions, inline objects, cursor pagination
``cursor`` -> ``nextCursor``.) Each fragment is checked the way the simulator checks its answers: the
built value must validate against the schema it was built from.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from testerarmy.testing._conformance import response_violations
from testerarmy.testing._crud import ResourceStore, serve_generic
from testerarmy.testing._fabricate import Fabricator
from testerarmy.testing._requests import CheckedRequest
from testerarmy.testing._spec import ApiSpec

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

STEP = {
    "oneOf": [
        {
            "type": "object",
            "properties": {"title": {"type": "string"}, "type": {"type": "string", "enum": ["act"]}},
            "required": ["title", "type"],
        },
        {
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "type": {"type": "string", "enum": ["login"]},
                "credentialId": {"type": "string", "format": "uuid"},
            },
            "required": ["title", "type"],
        },
    ]
}
TEST = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "title": {"type": "string", "minLength": 3},
        "steps": {"type": "array", "items": {"$ref": "#/components/schemas/TestStep"}},
        "projectUrl": {"type": "string", "nullable": True, "format": "uri"},
        "createdAt": {"type": "string", "format": "date-time"},
        "priority": {"type": "integer", "minimum": 1, "maximum": 5},
        "meta": {
            "allOf": [{"$ref": "#/components/schemas/Base"}, {"properties": {"extra": {"type": "boolean"}}}]
        },
        "source": {"anyOf": [{"type": "string", "enum": ["api", "ui"]}, {"type": "string"}]},
    },
    "required": ["id", "title", "steps", "projectUrl"],
}
LIST = {
    "type": "object",
    "properties": {
        "tests": {"type": "array", "items": {"$ref": "#/components/schemas/TestDefinition"}},
        "nextCursor": {"type": "string", "nullable": True},
    },
    "required": ["tests", "nextCursor"],
}


def _op(method: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        method: {
            "operationId": f"{method}-op",
            "responses": {
                code: {"description": "x", "content": {"application/json": {"schema": schema}}}
                for code, schema in responses.items()
            },
            **extra,
        }
    }


def published_like() -> ApiSpec:
    error = {"type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}
    return ApiSpec(
        {
            "openapi": "3.0.0",
            "paths": {
                "/v1/tests": {
                    **_op(
                        "get",
                        {"200": LIST, "400": error},
                        parameters=[
                            {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                        ],
                    ),
                    **_op(
                        "post",
                        {"201": {"$ref": "#/components/schemas/TestDefinition"}, "400": error},
                        requestBody={
                            "required": True,
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                    ),
                },
                "/v1/tests/{testId}": {
                    **_op(
                        "get",
                        {"200": {"$ref": "#/components/schemas/TestDefinition"}, "404": error},
                        parameters=[
                            {"name": "testId", "in": "path", "required": True, "schema": {"type": "string"}}
                        ],
                    )
                },
            },
            "components": {
                "schemas": {
                    "TestDefinition": TEST,
                    "TestStep": STEP,
                    "Base": {"type": "object", "properties": {"kind": {"type": "string", "const": "base"}}},
                }
            },
        }
    )


@pytest.fixture
def spec() -> ApiSpec:
    return published_like()


def _fab(spec: ApiSpec) -> Fabricator:
    return Fabricator(spec.merged, lambda: NOW)


def test_built_values_validate_against_their_schema_for_every_construct(spec: ApiSpec):
    schema = {"$ref": "#/components/schemas/TestDefinition"}
    value = _fab(spec).build(schema, "seed")
    assert spec.validator(schema).iter_errors(value) is not None
    assert list(spec.validator(schema).iter_errors(value)) == []
    assert value["projectUrl"] is not None  # nullable: the non-null type is built
    assert value["steps"][0]["type"] == "act"  # oneOf: the first branch
    assert value["meta"] == {"kind": "base", "extra": True}  # allOf merged
    assert value["source"] == "api"
    assert 1 <= value["priority"] <= 5
    assert value["createdAt"] == "2026-01-02T03:04:05Z"  # the simulated clock, not the wall clock


def test_building_is_deterministic_per_seed(spec: ApiSpec):
    schema = {"$ref": "#/components/schemas/TestDefinition"}
    assert _fab(spec).build(schema, "a") == _fab(spec).build(schema, "a")
    assert _fab(spec).build(schema, "a")["id"] != _fab(spec).build(schema, "b")["id"]


def test_overrides_pin_declared_top_level_fields_only(spec: ApiSpec):
    schema = {"$ref": "#/components/schemas/TestDefinition"}
    value = _fab(spec).build(schema, "s", {"id": "t-1", "undeclared": 1})
    assert value["id"] == "t-1"
    assert "undeclared" not in value


def test_nullable_of_openapi_3_0_is_read_as_a_null_type(spec: ApiSpec):
    schema = {"$ref": "#/components/schemas/TestDefinition"}
    value = _fab(spec).build(schema, "s")
    assert spec.validator(schema).is_valid({**value, "projectUrl": None})
    assert not spec.validator(schema).is_valid({**value, "title": None})


def test_a_renamed_or_retyped_field_is_named_by_the_response_check(spec: ApiSpec):
    op = spec.by_key["GET /v1/tests/{testId}"]
    good = _fab(spec).build(op.response_schema(200)[1], "s")
    assert response_violations(spec, op, 200, good) == []
    renamed = {("title_text" if k == "title" else k): v for k, v in good.items()}
    problems = response_violations(spec, op, 200, renamed)
    assert any("'title' is a required property" in p for p in problems), problems
    assert any("title_text: not declared in the spec" in p for p in problems), problems
    retyped = {**good, "priority": "high"}
    assert any(
        p.endswith("priority: 'high' is not of type 'integer'")
        for p in response_violations(spec, op, 200, retyped)
    )
    assert response_violations(spec, op, 418, good) == [
        "GET /v1/tests/{testId}: status 418 is not documented"
    ]


def test_undeclared_fields_inside_union_branches_are_found(spec: ApiSpec):
    op = spec.by_key["GET /v1/tests/{testId}"]
    good = _fab(spec).build(op.response_schema(200)[1], "s")
    bad = {**good, "steps": [{"title": "t", "type": "act", "surprise": 1}]}
    assert any("steps.0.surprise: not declared" in p for p in response_violations(spec, op, 200, bad))


def _serve(spec: ApiSpec, store: ResourceStore, key: str, path=None, query=None, body=None):
    reply = serve_generic(
        spec, store, _fab(spec), spec.by_key[key], CheckedRequest(path or {}, query or {}, body), seed=0
    )
    assert response_violations(spec, spec.by_key[key], reply.status, reply.body) == []
    return reply


def test_generic_store_creates_reads_and_pages_with_cursor_and_next_cursor(spec: ApiSpec):
    store = ResourceStore()
    created = [_serve(spec, store, "POST /v1/tests", body={"title": f"test {n}"}).body for n in range(3)]
    assert [c["title"] for c in created] == ["test 0", "test 1", "test 2"]  # request fields kept
    assert len({c["id"] for c in created}) == 3
    got = _serve(spec, store, "GET /v1/tests/{testId}", path={"testId": created[1]["id"]})
    assert got.body == created[1]

    first = _serve(spec, store, "GET /v1/tests", query={"limit": 2}).body
    assert [t["id"] for t in first["tests"]] == [c["id"] for c in created[:2]]
    assert first["nextCursor"] == created[1]["id"]
    rest = _serve(spec, store, "GET /v1/tests", query={"limit": 2, "cursor": first["nextCursor"]}).body
    assert [t["id"] for t in rest["tests"]] == [created[2]["id"]]
    assert rest["nextCursor"] is None


def test_unknown_id_is_the_documented_404(spec: ApiSpec):
    from testerarmy.testing._http import ApiError

    with pytest.raises(ApiError) as info:
        _serve(spec, ResourceStore(), "GET /v1/tests/{testId}", path={"testId": "nope"})
    assert info.value.status == 404


def test_spec_copies_load_from_json_and_yaml_files_and_bad_ones_say_where(tmp_path):
    import json

    import yaml
    from testerarmy.testing._spec import load_spec

    installed = load_spec()
    as_json = tmp_path / "copy.json"
    as_json.write_text(json.dumps(dict(installed.document)))
    as_yaml = tmp_path / "copy.yaml"
    as_yaml.write_text(yaml.safe_dump(dict(installed.document)))
    for path in (as_json, as_yaml):
        assert set(load_spec(path).by_key) == set(installed.by_key)
    with pytest.raises(ValueError, match="cannot read"):
        load_spec(tmp_path / "missing.json")
    with pytest.raises(ValueError, match="no 'paths' object"):
        load_spec({"openapi": "3.1.0"})


def test_operation_keys_are_method_and_path_as_in_the_spec():
    from testerarmy.testing._spec import load_spec

    spec = load_spec()
    for path, item in spec.document["paths"].items():
        for method in item:
            if method in ("get", "put", "post", "delete", "patch"):
                assert f"{method.upper()} {path}" in spec.by_key


def test_a_validator_is_never_reused_for_another_schema_at_the_same_address(spec: ApiSpec):
    """Regression: the cache was keyed by ``id(schema)`` alone. A body check builds a temporary
    ``{"$ref": <variant>}`` per request; once freed, the next temporary often lands at the same
    address and got the previous variant's validator (schemathesis saw a valid custom-login
    credential refused with the inbox variant's errors, now and then, under load)."""
    texts = ApiSpec(
        {
            "openapi": "3.1.0",
            "paths": {},
            "components": {"schemas": {"Text": {"type": "string"}, "Count": {"type": "integer"}}},
        }
    )
    valid = {"#/components/schemas/Text": "seven", "#/components/schemas/Count": 7}
    refs = tuple(valid)
    reused = 0
    for n in range(50):
        first, second = refs[n % 2], refs[(n + 1) % 2]
        temporary = {"$ref": first}  # as a request handler builds it
        address = id(temporary)
        checked = texts.validator(temporary)
        assert checked.is_valid(valid[first]), (n, first)
        assert not checked.is_valid(valid[second]), (n, first)
        del temporary, checked
        temporary = {"$ref": second}  # CPython hands out the freed dict again
        reused += id(temporary) == address
        checked = texts.validator(temporary)
        assert checked.is_valid(valid[second]), (n, second)
        assert not checked.is_valid(valid[first]), (n, second)
        del temporary, checked
    assert reused, "no address was reused: this test exercised nothing"
    # Schemas of the document itself stay cached by identity (the hot path: every request's body).
    body = spec.by_key["POST /v1/tests"].body_schema
    assert body is not None
    assert spec.validator(body) is spec.validator(body)
    # So are the folds of its allOf schemas, made once.
    meta = spec.deref({"$ref": "#/components/schemas/TestDefinition"})["properties"]["meta"]
    assert "allOf" in meta
    folded = spec.merged(meta)
    assert folded is spec.merged(meta)
    assert set(folded["properties"]) == {"kind", "extra"}
    assert spec.validator(folded) is spec.validator(folded)
