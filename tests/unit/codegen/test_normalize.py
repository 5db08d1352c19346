"""Each normalization rule, checked on the real vendored spec and on mutated copies of it."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from codegen.errors import SpecError
from codegen.normalize import Normalized, StaleRulesError, normalize
from codegen.rules import OperationRule, Rules
from codegen.specdoc import iter_operations, iter_refs
from codegen.structure import validate_openapi

SOURCE = "openapi.yaml"


def _operation(spec: dict[str, Any], operation_id: str) -> dict[str, Any]:
    for _path, _method, operation in iter_operations(spec):
        if operation["operationId"] == operation_id:
            return operation
    raise AssertionError(f"no operation {operation_id}")


def _schemas(spec: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = spec["components"]["schemas"]
    return schemas


# -- the result as a whole ---------------------------------------------------------------------------


def test_vendored_spec_is_invalid_but_normalized_spec_validates(
    vendored_spec: dict[str, Any], normalized: Normalized
) -> None:
    with pytest.raises(SpecError, match="Test Runs_cancelAQueuedRun_Response_200"):
        validate_openapi(vendored_spec, SOURCE)
    validate_openapi(normalized.spec, SOURCE)


def test_no_operation_is_lost_or_merged(vendored_spec: dict[str, Any], normalized: Normalized) -> None:
    before = {(path, method) for path, method, _ in iter_operations(vendored_spec)}
    after = {(path, method) for path, method, _ in iter_operations(normalized.spec)}
    assert before == after
    assert after, "the vendored spec has no operations"


def test_normalization_does_not_modify_its_input(vendored_spec: dict[str, Any], rules: Rules) -> None:
    snapshot = repr(vendored_spec)
    normalize(vendored_spec, rules, SOURCE)
    assert repr(vendored_spec) == snapshot


def test_every_ref_resolves_after_normalization(normalized: Normalized) -> None:
    schemas = _schemas(normalized.spec)
    for _trail, ref in iter_refs(normalized.spec):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref


# -- auth ----------------------------------------------------------------------------------------------


def test_authorization_header_parameters_are_removed(normalized: Normalized) -> None:
    for path, method, operation in iter_operations(normalized.spec):
        names = [p["name"].lower() for p in operation.get("parameters", [])]
        assert "authorization" not in names, f"{method} {path}"


def _has_auth_header(operation: dict[str, Any], header: str) -> bool:
    return any(
        p.get("in") == "header" and str(p.get("name", "")).lower() == header.lower()
        for p in operation.get("parameters") or []
    )


def test_bearer_security_applies_except_where_upstream_had_no_key(
    vendored_spec: dict[str, Any], normalized: Normalized, rules: Rules
) -> None:
    assert rules.auth is not None
    assert normalized.spec["security"] == [{rules.auth.security_scheme: []}]
    without_header = {
        (path, method)
        for path, method, op in iter_operations(vendored_spec)
        if not _has_auth_header(op, rules.auth.header_parameter)
    }
    unauthenticated = {
        (path, method) for path, method, op in iter_operations(normalized.spec) if "security" in op
    }
    assert unauthenticated == without_header
    for path, method in unauthenticated:
        assert normalized.spec["paths"][path][method]["security"] == []
    # The group webhook authenticates by the secret in its path and never had the header.
    assert _operation(normalized.spec, "webhooks.trigger")["security"] == []


# -- errors ---------------------------------------------------------------------------------------------


def test_per_operation_error_schemas_collapse_into_one(
    vendored_spec: dict[str, Any], normalized: Normalized
) -> None:
    vendored_errors = [n for n in _schemas(vendored_spec) if n.endswith("Error")]
    assert len(vendored_errors) > 50
    assert [n for n in _schemas(normalized.spec) if n.endswith("Error")] == ["Error"]
    error_refs = [ref for _, ref in iter_refs(normalized.spec["paths"]) if ref.endswith("/Error")]
    error_responses = [
        status
        for _, _, op in iter_operations(normalized.spec)
        for status in op["responses"]
        if status[0] in "45"
    ]
    # Every error response uses Error: the vendored ones, plus those `error_responses` adds.
    assert len(error_refs) == len(error_responses)
    assert len(error_refs) >= len(
        [ref for _, ref in iter_refs(vendored_spec["paths"]) if ref.endswith("Error")]
    )
    assert _schemas(normalized.spec)["Error"]["required"] == ["error", "message"]


def test_error_schema_with_another_shape_is_not_merged(spec_copy: dict[str, Any], rules: Rules) -> None:
    _schemas(spec_copy)["GetTestRunStatusRequestNotFoundError"]["properties"]["code"] = {"type": "integer"}
    with pytest.raises(SpecError, match=r"GetTestRunStatusRequestNotFoundError.*shape differs"):
        normalize(spec_copy, rules, SOURCE)


# -- names ----------------------------------------------------------------------------------------------


def test_schema_names_are_readable_and_valid(normalized: Normalized) -> None:
    names = set(_schemas(normalized.spec))
    assert {"Run", "RunStatus", "RunList", "CreateRunRequest", "CancelRunResponse", "MobileApp"} <= names
    assert not [n for n in names if " " in n or "_Response_" in n]


def test_operations_get_resource_tags_and_short_names(normalized: Normalized, rules: Rules) -> None:
    ids = sorted(op["operationId"] for _, _, op in iter_operations(normalized.spec))
    assert "runs.get" in ids
    assert "runs.create" in ids
    assert "projects.trigger_pull_request_run" in ids
    for path, method, operation in iter_operations(normalized.spec):
        resource, _name = operation["operationId"].split(".")
        assert operation["tags"] == [resource]
        key = f"{method.upper()} {path}"
        if key in rules.operations:
            assert resource == rules.operations[key].resource, key
    assert normalized.operation_names["GET /v1/runs/{id}"] == "runs.get"


def test_inline_request_bodies_get_the_configured_name(normalized: Normalized) -> None:
    body = _operation(normalized.spec, "groups.update")["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/UpdateGroupRequest"}
    assert set(_schemas(normalized.spec)["UpdateGroupRequest"]["properties"]) == {
        "name",
        "runMode",
        "prepTestId",
    }


def test_identical_inline_objects_are_extracted_once(normalized: Normalized) -> None:
    schemas = _schemas(normalized.spec)
    assert schemas["MobileAppList"]["properties"]["apps"]["items"] == {
        "$ref": "#/components/schemas/MobileApp"
    }
    assert schemas["UploadMobileAppResponse"]["properties"]["app"] == {
        "$ref": "#/components/schemas/MobileApp"
    }
    status = next(p for p in _operation(normalized.spec, "runs.list")["parameters"] if p["name"] == "status")
    assert status["schema"] == {"$ref": "#/components/schemas/RunStatus"}


def test_extract_refuses_to_merge_different_schemas(spec_copy: dict[str, Any], rules: Rules) -> None:
    app = _schemas(spec_copy)["Projects_uploadAProjectMobileApp_Response_201"]["properties"]["app"]
    app["properties"]["fileSize"] = {"type": "string"}
    with pytest.raises(SpecError, match="extract MobileApp"):
        normalize(spec_copy, rules, SOURCE)


def test_two_operations_normalizing_to_one_name_fail(spec_copy: dict[str, Any], rules: Rules) -> None:
    operations = dict(rules.operations)
    operations["GET /v1/runs"] = OperationRule(resource="runs", name="get", request_body=None)
    with pytest.raises(SpecError, match=r"both normalize to the name 'runs.get'"):
        normalize(spec_copy, dataclasses.replace(rules, operations=operations), SOURCE)


def test_unknown_operation_gets_a_derived_name_and_a_note(spec_copy: dict[str, Any], rules: Rules) -> None:
    # No operationId and no rule: the default name comes from the method and the path (codegen/naming).
    spec_copy["paths"]["/v1/runs/{id}/retry"] = {"post": {"responses": {"200": {"description": "ok"}}}}
    result = normalize(spec_copy, rules, SOURCE)
    assert result.operation_names["POST /v1/runs/{id}/retry"] == "runs.retry"
    assert any("POST /v1/runs/{id}/retry" in note for note in result.notes)


def test_a_stale_operation_rule_is_reported(spec_copy: dict[str, Any], rules: Rules) -> None:
    operations = {**rules.operations, "GET /v1/gone": OperationRule("gone", "list", None)}
    with pytest.raises(StaleRulesError, match="'GET /v1/gone' does not exist"):
        normalize(spec_copy, dataclasses.replace(rules, operations=operations), SOURCE)


# -- servers --------------------------------------------------------------------------------------------


def test_default_server_is_the_documented_base_url(normalized: Normalized) -> None:
    assert normalized.spec["servers"][0]["url"] == "https://tester.army/api"


# -- open enums -------------------------------------------------------------------------------------------


def test_response_enums_accept_unknown_values(normalized: Normalized) -> None:
    run = _schemas(normalized.spec)["Run"]["properties"]
    assert run["status"]["anyOf"] == [{"$ref": "#/components/schemas/RunStatus"}, {"type": "string"}]
    assert run["webhookStatus"]["anyOf"] == [
        {"$ref": "#/components/schemas/RunWebhookStatus"},
        {"type": "string"},
        {"type": "null"},
    ]
    assert run["status"]["description"] == "Current run status"


def test_request_enums_stay_closed(normalized: Normalized) -> None:
    # RunStatus is shared with the list filter: what we *send* must still be a known value.
    status = next(p for p in _operation(normalized.spec, "runs.list")["parameters"] if p["name"] == "status")
    assert "anyOf" not in status["schema"]
    environment = _schemas(normalized.spec)["TriggerGroupWebhookRequest"]["properties"]["environment"]
    assert environment["enum"] == ["production", "staging", "preview"]


def test_inline_response_enum_without_a_name_is_refused(spec_copy: dict[str, Any], rules: Rules) -> None:
    _schemas(spec_copy)["RunResponseOutput"]["properties"]["result"] = {
        "type": "string",
        "enum": ["PASS", "FAIL"],
    }
    with pytest.raises(SpecError, match=r"RunOutput/properties/result.*extract"):
        normalize(spec_copy, rules, SOURCE)


# -- stale rules --------------------------------------------------------------------------------------------


def test_every_stale_rule_is_reported_by_name(spec_copy: dict[str, Any], rules: Rules) -> None:
    # Two operations the rules name, and one schema they rename, disappear upstream.
    named = [
        (path, method, op)
        for path, method, op in iter_operations(spec_copy)
        if f"{method.upper()} {path}" in rules.operations
    ]
    gone = [named[0], named[-1]]
    for path, method, _op in gone:
        del spec_copy["paths"][path][method]
    schema = next(name for name in rules.schemas if name in _schemas(spec_copy))
    del _schemas(spec_copy)[schema]
    with pytest.raises(StaleRulesError) as caught:
        normalize(spec_copy, rules, SOURCE)
    message = str(caught.value)
    for path, method, _op in gone:
        assert f"operations: {method.upper() + ' ' + path!r} does not exist" in message
    assert f"schemas: {schema!r} does not exist" in message
    assert "codegen/rules.yaml" in message
    # Nothing else is reported than what the removals explain (a body name, a parameter rule or an
    # extract locator left without its target).
    explained = [f"{m.upper()} {p}" for p, m, _op in gone] + [f"{p}/{m}" for p, m, _op in gone] + [schema]
    for entry in caught.value.stale:
        assert any(str(word) in entry for word in explained), entry


def test_auth_rule_is_stale_when_no_operation_has_the_header(spec_copy: dict[str, Any], rules: Rules) -> None:
    for _path, _method, operation in iter_operations(spec_copy):
        operation["parameters"] = [p for p in operation.get("parameters", []) if p["name"] != "Authorization"]
    with pytest.raises(StaleRulesError, match="no operation declares a 'Authorization' header"):
        normalize(spec_copy, rules, SOURCE)


def test_request_body_rule_is_stale_when_body_became_a_ref(spec_copy: dict[str, Any], rules: Rules) -> None:
    body = spec_copy["paths"]["/v1/tests"]["post"]["requestBody"]["content"]["application/json"]
    _schemas(spec_copy)["UpstreamTest"] = body["schema"]
    body["schema"] = {"$ref": "#/components/schemas/UpstreamTest"}
    with pytest.raises(StaleRulesError, match="'POST /v1/tests' has no inline request body to name"):
        normalize(spec_copy, rules, SOURCE)


def test_a_title_repeating_the_old_name_follows_the_rename(normalized: Normalized) -> None:
    # openapi-python-client names classes after `title`: a stale title would keep SubmitRunRequest.
    schemas = _schemas(normalized.spec)
    assert schemas["CreateRunRequest"]["title"] == "CreateRunRequest"
    assert schemas["CreateRunResponseStatus"]["title"] == "CreateRunResponseStatus"
    assert not [name for name, s in schemas.items() if isinstance(s, dict) and s.get("title", name) != name]


# -- request bodies --------------------------------------------------------------------------------


def _body_schemas(spec: dict[str, Any], operation: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for media in (operation.get("requestBody") or {}).get("content", {}).values():
        schema = media.get("schema") or {}
        if "$ref" in schema:
            schema = _schemas(spec)[schema["$ref"].removeprefix("#/components/schemas/")]
        found.append(schema)
    return found


def test_bodies_with_required_properties_become_required(normalized: Normalized) -> None:
    required = {
        op["operationId"]
        for _, _, op in iter_operations(normalized.spec)
        if op.get("requestBody", {}).get("required")
    }
    with_required_properties = {
        op["operationId"]
        for _, _, op in iter_operations(normalized.spec)
        if any(schema.get("required") for schema in _body_schemas(normalized.spec, op))
    }
    assert with_required_properties  # otherwise the rule is stale and this test proves nothing
    assert required == with_required_properties
    # A body with nothing required (an empty PATCH is meaningful) stays optional.
    assert "required" not in _operation(normalized.spec, "groups.update")["requestBody"]


def test_required_bodies_rule_is_stale_when_nothing_qualifies(
    spec_copy: dict[str, Any], rules: Rules
) -> None:
    # Upstream stops requiring any body property, on every operation the spec has.
    for _path, _method, operation in iter_operations(spec_copy):
        for schema in _body_schemas(spec_copy, operation):
            schema.pop("required", None)
    with pytest.raises(StaleRulesError, match="request_bodies: no optional request body"):
        normalize(spec_copy, rules, SOURCE)


# -- error statuses and parameter constraints ----------------------------------------------------------


def test_cut_off_error_statuses_are_added_and_documented_ones_kept(
    vendored_spec: dict[str, Any], normalized: Normalized
) -> None:
    for path, method, operation in iter_operations(normalized.spec):
        statuses = set(operation["responses"])
        assert {"400", "401", "429", "500"} <= statuses, f"{method} {path}"
        if "{" in path:
            assert "404" in statuses, f"{method} {path}"
    # Documented responses keep their own description; added ones use the Error body.
    get = _operation(normalized.spec, "runs.get")["responses"]
    assert get["504"]["description"] == "Gateway Timeout"
    delete_app = _operation(normalized.spec, "projects.delete_mobile_app")["responses"]
    assert set(delete_app) == {"200", "400", "401", "404", "429", "500"}
    assert delete_app["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert "404" not in _operation(normalized.spec, "runs.list")["responses"]
    vendored_delete = vendored_spec["paths"]["/v1/projects/{projectId}/mobile/{appId}"]["delete"]["responses"]
    assert set(vendored_delete) == {"200", "401"}


def test_list_limit_gets_a_minimum(normalized: Normalized) -> None:
    limit = next(p for p in _operation(normalized.spec, "runs.list")["parameters"] if p["name"] == "limit")
    assert limit["schema"] == {"type": "integer", "default": 10, "maximum": 100, "minimum": 1}


def test_parameter_constraint_for_a_missing_parameter_is_stale(
    spec_copy: dict[str, Any], rules: Rules
) -> None:
    params = spec_copy["paths"]["/v1/runs"]["get"]["parameters"]
    spec_copy["paths"]["/v1/runs"]["get"]["parameters"] = [p for p in params if p["name"] != "limit"]
    with pytest.raises(StaleRulesError, match="'GET /v1/runs' has no parameter 'limit'"):
        normalize(spec_copy, rules, SOURCE)
