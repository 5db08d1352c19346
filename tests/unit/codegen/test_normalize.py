"""Each normalization rule, checked on the real vendored spec and on mutated copies of it."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from codegen.errors import SpecError
from codegen.normalize import Normalized, StaleRulesError, normalize
from codegen.oas30 import upgrade_to_31
from codegen.overlay import apply_overlay, load_overlay
from codegen.rules import OperationRule, Rules
from codegen.specdoc import SCHEMA_REF_PREFIX, iter_operations, iter_refs
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


def _with_overlays(vendored: dict[str, Any], rules: Rules) -> dict[str, Any]:
    """The vendored spec plus the overlays' additions, before any other rule."""
    spec = upgrade_to_31(vendored)
    for path in rules.quirks.overlays:
        spec = apply_overlay(spec, load_overlay(path), path.name)
    return spec


# -- the result as a whole ---------------------------------------------------------------------------


def test_vendored_spec_is_invalid_but_normalized_spec_validates(
    vendored_spec: dict[str, Any], normalized: Normalized
) -> None:
    # Upstream publishes OpenAPI 3.0; what the generators read is 3.1 (codegen/oas30.py).
    with pytest.raises(SpecError, match=r"not valid OpenAPI 3\.1: /openapi"):
        validate_openapi(vendored_spec, SOURCE)
    validate_openapi(normalized.spec, SOURCE)


def test_no_operation_is_lost_or_merged(
    vendored_spec: dict[str, Any], normalized: Normalized, rules: Rules
) -> None:
    # Every upstream operation plus the overlays' (the submit operation from the docs page).
    before = {(path, method) for path, method, _ in iter_operations(_with_overlays(vendored_spec, rules))}
    assert before > {(path, method) for path, method, _ in iter_operations(vendored_spec)}
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
    staged_spec: dict[str, Any], normalized: Normalized, rules: Rules
) -> None:
    assert rules.auth is not None
    assert normalized.spec["security"] == [{rules.auth.security_scheme: []}]
    # Anonymous upstream: neither the Authorization header parameter (the docs page's way) nor a
    # security requirement of its own (the published document's way).
    anonymous_upstream = {
        (path, method)
        for path, method, op in iter_operations(staged_spec)
        if not _has_auth_header(op, rules.auth.header_parameter) and not op.get("security")
    }
    effective = normalized.spec["security"]
    unauthenticated = {
        (path, method)
        for path, method, op in iter_operations(normalized.spec)
        if op.get("security", effective) == []
    }
    assert unauthenticated == anonymous_upstream
    assert len(unauthenticated) < len(normalized.operation_names)
    # The group webhook authenticates by the secret in its path and never had the header.
    assert _operation(normalized.spec, "webhooks.trigger")["security"] == []


# -- errors ---------------------------------------------------------------------------------------------


def _error_bodies(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        media["schema"]
        for _, _, op in iter_operations(spec)
        for status, response in op["responses"].items()
        if not str(status).startswith("2")
        for media in (response.get("content") or {}).values()
    ]


def test_per_operation_error_schemas_collapse_into_one(
    vendored_spec: dict[str, Any], normalized: Normalized, rules: Rules
) -> None:
    assert rules.errors is not None
    assert rules.quirks.error_body is not None
    # Upstream repeats the {error, message} body inline under nearly every error status.
    shape = _schemas(vendored_spec)[rules.quirks.error_body]
    upstream_copies = [b for b in _error_bodies(vendored_spec) if b == shape]
    assert len(upstream_copies) > len(normalized.operation_names)
    error_refs = [b for b in _error_bodies(normalized.spec) if b == {"$ref": SCHEMA_REF_PREFIX + "Error"}]
    assert len(error_refs) >= len(upstream_copies)
    # No other component keeps the Error shape, and no error body stays inline.
    same_shape = [n for n, s in _schemas(normalized.spec).items() if s == _schemas(normalized.spec)["Error"]]
    assert same_shape == [rules.errors.into]
    assert all("$ref" in body for body in _error_bodies(normalized.spec))
    assert _schemas(normalized.spec)["Error"]["required"] == ["error", "message"]


def test_error_schema_with_another_shape_is_not_merged(
    staged_copy: dict[str, Any], classic_rules: Rules
) -> None:
    assert classic_rules.errors is not None
    # The docs page's per-status copies of the error body (from the overlay) are merged by name.
    copies = [n for n in _schemas(staged_copy) if classic_rules.errors.match.match(n)]
    assert len(copies) > 1
    _schemas(staged_copy)[copies[-1]]["properties"]["code"] = {"type": "integer"}
    with pytest.raises(SpecError, match=rf"{copies[-1]}.*shape differs"):
        normalize(staged_copy, classic_rules, SOURCE)


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
    # Upstream's own ProjectEnvironment: the copies inlined elsewhere now refer to it.
    assert schemas["Project"]["properties"]["environments"]["items"] == {
        "$ref": "#/components/schemas/ProjectEnvironment"
    }


def test_extract_refuses_to_merge_different_schemas(
    staged_copy: dict[str, Any], classic_rules: Rules
) -> None:
    app = _schemas(staged_copy)["UploadMobileAppResponse"]["properties"]["app"]
    app["properties"]["fileSize"] = {"type": "string"}
    with pytest.raises(SpecError, match="extract MobileApp"):
        normalize(staged_copy, classic_rules, SOURCE)


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
    # The docs' run examples carry "type": "chat", which the published enum (ci | test) lacks.
    assert run["type"]["anyOf"] == [{"$ref": "#/components/schemas/RunType"}, {"type": "string"}]
    assert run["webhookStatus"]["anyOf"] == [
        {"$ref": "#/components/schemas/RunWebhookStatus"},
        {"type": "string"},
        {"type": "null"},
    ]
    assert run["webhookStatus"]["description"] == "Webhook delivery status"


def test_request_enums_stay_closed(normalized: Normalized) -> None:
    # What we *send* must still be a known value: filters and request bodies keep closed enums.
    status = next(p for p in _operation(normalized.spec, "runs.list")["parameters"] if p["name"] == "status")
    assert "anyOf" not in status["schema"]
    assert status["schema"]["enum"]
    environment = _schemas(normalized.spec)["TriggerGroupWebhookRequest"]["properties"]["environment"]
    assert environment == {"$ref": "#/components/schemas/TriggerGroupWebhookRequestEnvironment"}
    assert _schemas(normalized.spec)["TriggerGroupWebhookRequestEnvironment"]["enum"]


def test_inline_response_enum_without_a_name_is_refused(vendored_spec: dict[str, Any], rules: Rules) -> None:
    # Only a component enum can be opened: without inline_schemas naming them, the run's inline
    # `type` enum is refused with the fix, not left closed unseen.
    unnamed = dataclasses.replace(rules, quirks=dataclasses.replace(rules.quirks, inline_schemas=False))
    with pytest.raises(
        StaleRulesError, match=r"inline enum at /components/schemas/Run/properties/type.*extract"
    ):
        normalize(vendored_spec, unnamed, SOURCE)


# -- stale rules --------------------------------------------------------------------------------------------


def test_every_stale_rule_is_reported_by_name(staged_copy: dict[str, Any], classic_rules: Rules) -> None:
    # Two operations the rules name, and one schema they rename, disappear upstream.
    rules = classic_rules
    named = [
        (path, method, op)
        for path, method, op in iter_operations(staged_copy)
        if f"{method.upper()} {path}" in rules.operations
    ]
    gone = [named[0], named[-1]]
    for path, method, _op in gone:
        del staged_copy["paths"][path][method]
    schema = next(name for name in rules.schemas if name in _schemas(staged_copy))
    del _schemas(staged_copy)[schema]
    with pytest.raises(StaleRulesError) as caught:
        normalize(staged_copy, rules, SOURCE)
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


def test_auth_rule_is_stale_when_no_operation_has_the_header(
    staged_copy: dict[str, Any], classic_rules: Rules
) -> None:
    # The header parameter comes from the docs page (the overlay): upstream drops it there.
    for _path, _method, operation in iter_operations(staged_copy):
        operation["parameters"] = [p for p in operation.get("parameters", []) if p["name"] != "Authorization"]
    with pytest.raises(StaleRulesError, match="no operation declares a 'Authorization' header"):
        normalize(staged_copy, classic_rules, SOURCE)


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


def _resolve(spec: dict[str, Any], schema: Any) -> Any:
    if isinstance(schema, dict) and "$ref" in schema:
        return _schemas(spec)[schema["$ref"].removeprefix(SCHEMA_REF_PREFIX)]
    return schema


def _body_schemas(spec: dict[str, Any], operation: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for media in (operation.get("requestBody") or {}).get("content", {}).values():
        found.append(_resolve(spec, media.get("schema") or {}))
    return found


def _members(spec: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The members of a union body (credentials, the pull-request run), resolved."""
    return [_resolve(spec, m) for key in ("oneOf", "anyOf") for m in schema.get(key) or []]


def _cannot_be_empty(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    members = _members(spec, schema)
    return bool(schema.get("required")) or (bool(members) and all(m.get("required") for m in members))


def test_bodies_with_required_properties_become_required(normalized: Normalized) -> None:
    spec = normalized.spec
    required = {
        op["operationId"] for _, _, op in iter_operations(spec) if op.get("requestBody", {}).get("required")
    }
    with_required_properties = {
        op["operationId"]
        for _, _, op in iter_operations(spec)
        if any(_cannot_be_empty(spec, schema) for schema in _body_schemas(spec, op))
    }
    assert with_required_properties  # otherwise the rule is stale and this test proves nothing
    assert required == with_required_properties
    # Union bodies count when every member requires properties (else the call would take Unset).
    assert any(_members(spec, s) for op in required for s in _body_schemas(spec, _operation(spec, op)))
    # A body with nothing required (an empty PATCH is meaningful) stays optional.
    assert "required" not in _operation(spec, "groups.update")["requestBody"]


def test_required_bodies_rule_is_stale_when_nothing_qualifies(
    staged_copy: dict[str, Any], classic_rules: Rules
) -> None:
    # Upstream stops requiring any body property, on every operation the spec has.
    for _path, _method, operation in iter_operations(staged_copy):
        for schema in _body_schemas(staged_copy, operation):
            for each in (schema, *_members(staged_copy, schema)):
                each.pop("required", None)
    with pytest.raises(StaleRulesError, match="request_bodies: no optional request body"):
        normalize(staged_copy, classic_rules, SOURCE)


# -- error statuses and parameter schemas ----------------------------------------------------------


def test_error_statuses_a_rule_lists_are_added_and_documented_ones_kept(
    vendored_spec: dict[str, Any], rules: Rules
) -> None:
    # The published document lists its statuses; the `error_responses` section (for a spec that
    # does not) stays available: here it adds one status everywhere and one with path parameters.
    documented = next(iter(next(op for _, _, op in iter_operations(vendored_spec))["responses"]))
    added = dataclasses.replace(
        rules,
        error_responses_always={"418": "Teapot", documented: "Not this description"},
        error_responses_with_path_parameters={"410": "Gone"},
    )
    spec = normalize(vendored_spec, added, SOURCE).spec
    for path, method, operation in iter_operations(spec):
        responses = operation["responses"]
        assert responses["418"]["content"]["application/json"]["schema"] == {
            "$ref": SCHEMA_REF_PREFIX + "Error"
        }
        assert ("410" in responses) == ("{" in path), f"{method} {path}"
        assert list(responses) == sorted(responses), f"{method} {path}"
    first_path, first_method, _ = next(iter_operations(vendored_spec))
    assert (
        spec["paths"][first_path][first_method]["responses"][documented]["description"]
        != "Not this description"
    )


def test_error_responses_rule_is_stale_when_every_status_is_documented(
    vendored_spec: dict[str, Any], normalized: Normalized, rules: Rules
) -> None:
    statuses = [set(op["responses"]) for _, _, op in iter_operations(normalized.spec)]
    everywhere = sorted(set.intersection(*statuses) - {"200"})
    assert everywhere  # the published document lists e.g. 401 and 500 on every operation
    always = dataclasses.replace(rules, error_responses_always=dict.fromkeys(everywhere, "documented"))
    with pytest.raises(StaleRulesError, match="error_responses: every operation already documents"):
        normalize(vendored_spec, always, SOURCE)


def test_list_limit_is_an_integer_for_users(normalized: Normalized, rules: Rules) -> None:
    assert rules.quirks.parameter_schemas  # otherwise this test proves nothing
    for key, entries in rules.quirks.parameter_schemas.items():
        operation = _operation(normalized.spec, normalized.operation_names[key])
        for name, (_upstream, replacement) in entries.items():
            param = next(p for p in operation["parameters"] if p["name"] == name)
            docs = {k: v for k, v in param["schema"].items() if k == "description"}
            assert param["schema"] == {**replacement, **docs}, f"{key} {name}"
    limit = next(p for p in _operation(normalized.spec, "runs.list")["parameters"] if p["name"] == "limit")
    assert limit["schema"]["type"] == "integer"
    assert limit["schema"]["minimum"] == 1


def test_a_changed_upstream_parameter_schema_is_stale(spec_copy: dict[str, Any], rules: Rules) -> None:
    params = spec_copy["paths"]["/v1/runs"]["get"]["parameters"]
    limit = next(p for p in params if p["name"] == "limit")
    limit["schema"] = {"type": "integer", "minimum": 1, "maximum": 100}  # upstream fixes the quirk
    with pytest.raises(StaleRulesError, match="parameter_schemas: 'GET /v1/runs' 'limit' is no longer"):
        normalize(spec_copy, rules, SOURCE)


def test_parameter_constraint_for_a_missing_parameter_is_stale(
    spec_copy: dict[str, Any], rules: Rules
) -> None:
    params = spec_copy["paths"]["/v1/runs"]["get"]["parameters"]
    spec_copy["paths"]["/v1/runs"]["get"]["parameters"] = [p for p in params if p["name"] != "limit"]
    with pytest.raises(StaleRulesError, match="'GET /v1/runs' has no parameter 'limit'"):
        normalize(spec_copy, rules, SOURCE)


def test_parameter_constraints_add_keywords_and_go_stale_once_upstream_has_them(
    vendored_spec: dict[str, Any], rules: Rules
) -> None:
    # The `parameters` section (keywords added to a parameter's schema) on the published spec.
    constrained = dataclasses.replace(
        rules, parameter_constraints={"GET /v1/runs": {"cursor": {"minLength": 1}}}
    )
    spec = normalize(vendored_spec, constrained, SOURCE).spec
    cursor = next(p for p in spec["paths"]["/v1/runs"]["get"]["parameters"] if p["name"] == "cursor")
    assert cursor["schema"]["minLength"] == 1
    already = dataclasses.replace(
        rules, parameter_constraints={"GET /v1/runs": {"limit": {"type": "integer"}}}
    )
    with pytest.raises(StaleRulesError, match="'GET /v1/runs' 'limit' already has"):
        normalize(vendored_spec, already, SOURCE)


# -- the published spec as a whole (formerly the adoption rehearsal of issue 14) ----------------------


def test_every_operation_is_named_by_its_rule_and_the_overlay_adds_only_its_own(
    vendored_spec: dict[str, Any], normalized: Normalized, rules: Rules
) -> None:
    assert normalized.notes == [], "an operation is named by a default, not by `operations`"
    names = {key: f"{rule.resource}.{rule.name}" for key, rule in rules.operations.items()}
    got = {f"{m.upper()} {p}": op["operationId"] for p, m, op in iter_operations(normalized.spec)}
    assert got == names
    assert len(set(got.values())) == len(got)
    upstream = {f"{m.upper()} {p}" for p, m, _ in iter_operations(vendored_spec)}
    overlaid = {f"{m.upper()} {p}" for p, m, _ in iter_operations(_with_overlays(vendored_spec, rules))}
    assert set(got) == overlaid
    assert overlaid - upstream, "the overlay adds an operation (the submit operation of the docs page)"


def test_every_body_is_a_named_schema(normalized: Normalized) -> None:
    # `bodies` and `error_bodies`: no model is named after a URL (PostV1ProjectsResponse201).
    for path, method, operation in iter_operations(normalized.spec):
        holders = [operation.get("requestBody") or {}, *(operation.get("responses") or {}).values()]
        for holder in holders:
            for media in (holder.get("content") or {}).values():
                assert "$ref" in media["schema"], f"{method.upper()} {path}: inline body"


def _discriminated(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [found for value in node for found in _discriminated(value)]
    if not isinstance(node, dict):
        return []
    own = [node] if "discriminator" in node else []
    return own + [found for value in node.values() for found in _discriminated(value)]


def test_declared_discriminators_map_every_member(normalized: Normalized, rules: Rules) -> None:
    schemas = _schemas(normalized.spec)
    declared = [u for u in rules.quirks.unions if u.discriminator]
    assert declared, "no discriminator declared: this test would prove nothing"
    expected = sorted(sorted((v.when[str(u.discriminator)], v.name) for v in u.variants) for u in declared)
    got = []
    for node in _discriminated(normalized.spec):
        prop = node["discriminator"]["propertyName"]
        mapping = node["discriminator"]["mapping"]
        assert set(mapping.values()) == {m["$ref"] for m in node.get("oneOf") or node.get("anyOf")}
        for ref in mapping.values():
            assert prop in schemas[ref.rsplit("/", 1)[1]]["required"]
        got.append(sorted((value, ref.rsplit("/", 1)[1]) for value, ref in mapping.items()))
    assert sorted(got) == expected


def test_run_output_union_parses_both_published_shapes_as_themselves(normalized: Normalized) -> None:
    """Run `output` is a union without a discriminator (see codegen/rules.yaml): no shape is misread."""
    from pydantic import TypeAdapter
    from testerarmy_pydantic import models

    schemas = _schemas(normalized.spec)
    skipped = {"kind": "planner_skipped", "reason": "nothing to test"}
    assert set(schemas["PlannerSkippedOutput"]["required"]) <= set(skipped)
    verdict = {"featureName": "login", "result": "FAILED", "description": "d", "screenshots": []}
    assert set(schemas["TestOutput"]["required"]) <= set(verdict)
    adapter: Any = TypeAdapter(models.Run.model_fields["output"].annotation)
    assert type(adapter.validate_python(skipped)).__name__ == "PlannerSkippedOutput"
    assert type(adapter.validate_python(verdict)).__name__ == "TestOutput"
    assert adapter.validate_python(None) is None
