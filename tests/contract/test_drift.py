"""Drift demo: the contract checks catch a spec or a generated model that changed, by name.

Each case mutates a *copy* of the normalized spec (or builds a modified copy of one generated model /
endpoint module, in memory) and runs the same _structure checks `make contract` runs. It asserts
that findings appear that were not there before and that one of them names the change. Nothing under
generated/ is modified and nothing imported is patched.
"""

from __future__ import annotations

import copy
import enum
import re
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import attrs
import pytest

from codegen.specdoc import iter_operations
from tests.contract import _spec
from tests.contract._structure import (
    Finding,
    GeneratedPackage,
    check_all,
    check_operation,
    check_schema,
    model_hints,
)
from tests.contract.conftest import ContractStats

pytestmark = pytest.mark.contract

Spec = dict[str, Any]


@dataclass(frozen=True)
class SpecMutation:
    change: Callable[[Spec], None]
    # Each group: some single new finding must contain every string of the group.
    expect: tuple[tuple[str, ...], ...]


def _schemas(spec: Spec) -> dict[str, Any]:
    return _spec.component_schemas(spec)


def _operation(spec: Spec, path: str, method: str) -> dict[str, Any]:
    operation: dict[str, Any] = spec["paths"][path][method]
    return operation


def _remove_field(spec: Spec) -> None:
    del _schemas(spec)["Run"]["properties"]["userName"]


def _change_type(spec: Spec) -> None:
    _schemas(spec)["Run"]["properties"]["durationMs"]["type"] = ["string", "null"]


# What the mutations add or remove is picked from the spec itself, so an upstream change that adds
# the same value, schema or parameter (or removes the operation) cannot make a mutation a no-op.
_NORMALIZED = _spec.load_normalized()


def _absent(taken: Any, stem: str) -> str:
    """A name or value the spec does not have: `stem`, suffixed until it is new."""
    existing = {str(v) for v in taken}
    candidate, n = stem, 1
    while candidate in existing:
        n += 1
        candidate = f"{stem}{n}"
    return candidate


ABSENT_STATUS = _absent(_schemas(_NORMALIZED)["RunStatus"]["enum"], "drift_status")
ABSENT_SCHEMA = _absent(_schemas(_NORMALIZED), "DriftProject")
ABSENT_QUERY = _absent(
    (p["name"] for p in _NORMALIZED["paths"]["/v1/runs"]["get"].get("parameters") or []), "driftFilter"
)


def _operation_to_drop() -> tuple[str, str, str, str]:
    """(path, method, normalized operationId, "METHOD /path") of the spec's last operation.

    The published spec has no operationIds: upstream's operation is known by method and path
    (codegen/rules.yaml keys `operations` the same way).
    """
    path, method, operation = max(iter_operations(_NORMALIZED), key=lambda item: (item[0], item[1]))
    return path, method, str(operation["operationId"]), f"{method.upper()} {path}"


DROPPED = _operation_to_drop()


def _add_enum_value(spec: Spec) -> None:
    _schemas(spec)["RunStatus"]["enum"].append(ABSENT_STATUS)


def _remove_enum_value(spec: Spec) -> None:
    _schemas(spec)["RunWebhookStatus"]["enum"].remove("pending")


def _drop_operation(spec: Spec) -> None:
    path, method, _, _ = DROPPED
    del spec["paths"][path][method]
    if not spec["paths"][path]:
        del spec["paths"][path]


def _rename_param(spec: Spec) -> None:
    _operation(spec, "/v1/runs", "get")["parameters"][0]["name"] = "pageSize"


_FIRST_LIST_PARAM = _NORMALIZED["paths"]["/v1/runs"]["get"]["parameters"][0]
#: A default the first parameter of runs.list does not have today (picked from its schema).
NEW_DEFAULT = (
    int(_FIRST_LIST_PARAM["schema"].get("default", 0)) + 1
    if _FIRST_LIST_PARAM["schema"].get("type") in ("integer", ["integer", "null"])
    else _absent([_FIRST_LIST_PARAM["schema"].get("default")], "drift")
)


def _change_default(spec: Spec) -> None:
    _operation(spec, "/v1/runs", "get")["parameters"][0]["schema"]["default"] = NEW_DEFAULT


def _make_required(spec: Spec) -> None:
    _schemas(spec)["Run"]["required"].append("output")


def _make_optional(spec: Spec) -> None:
    _schemas(spec)["Run"]["required"].remove("createdAt")


def _drop_nullability(spec: Spec) -> None:
    _schemas(spec)["Run"]["properties"]["userName"]["type"] = "string"


def _change_path(spec: Spec) -> None:
    spec["paths"]["/v1/run/{id}"] = spec["paths"].pop("/v1/runs/{id}")


def _change_method(spec: Spec) -> None:
    item = spec["paths"]["/v1/runs/{id}/cancel"]
    item["delete"] = item.pop("post")


def _add_status(spec: Spec) -> None:
    responses = _operation(spec, "/v1/runs/{id}", "get")["responses"]
    responses["409"] = copy.deepcopy(responses["404"])


def _change_response_schema(spec: Spec) -> None:
    content = _operation(spec, "/v1/runs/{id}", "get")["responses"]["200"]["content"]
    content["application/json"]["schema"] = {"$ref": "#/components/schemas/RunList"}


def _change_body_schema(spec: Spec) -> None:
    content = _operation(spec, "/v1/runs", "post")["requestBody"]["content"]
    content["application/json"]["schema"] = {"$ref": "#/components/schemas/Error"}


def _require_body(spec: Spec) -> None:
    # groups.update's body has no required property, so normalization leaves it optional.
    _operation(spec, "/v1/groups/{groupId}", "patch")["requestBody"]["required"] = True


def _add_schema(spec: Spec) -> None:
    _schemas(spec)[ABSENT_SCHEMA] = {"type": "object", "properties": {"name": {"type": "string"}}}


def _change_nested_field(spec: Spec) -> None:
    # Upstream's inline object inside a step (its `input`): normalization named it, so the nested
    # field is reached through the step's $ref.
    ref = _schemas(spec)["ReusableActionStep"]["properties"]["input"]["$ref"]
    _schemas(spec)[ref.rsplit("/", 1)[-1]]["properties"]["focused"] = {"type": "string"}


def _add_query_param(spec: Spec) -> None:
    _operation(spec, "/v1/runs", "get")["parameters"].append(
        {"name": ABSENT_QUERY, "in": "query", "required": False, "schema": {"type": "string"}}
    )


SPEC_MUTATIONS: dict[str, SpecMutation] = {
    "remove a field": SpecMutation(_remove_field, (("schema Run", "user_name", "not a property"),)),
    "change a type": SpecMutation(_change_type, (("schema Run", "durationMs", "float", "str"),)),
    "add an enum value": SpecMutation(
        _add_enum_value, (("RunStatus", f"only in the spec [{ABSENT_STATUS!r}]"),)
    ),
    "remove an enum value": SpecMutation(
        _remove_enum_value, (("RunWebhookStatus", "only in the code ['pending']"),)
    ),
    "drop an operation": SpecMutation(
        _drop_operation,
        (
            (f"testerarmy_api.api.{DROPPED[2]}", "no operation"),
            (DROPPED[3], "missing from the normalized"),
        ),
    ),
    "rename a param": SpecMutation(
        _rename_param,
        (
            ("runs.list", "pageSize", "page_size"),
            ("runs.list", f"parameter {_FIRST_LIST_PARAM['name']}", "does not explain"),
        ),
    ),
    "change a param default": SpecMutation(
        _change_default,
        (("runs.list", str(_FIRST_LIST_PARAM["name"]), "defaults to", f"says {NEW_DEFAULT!r}"),),
    ),
    "make a field required": SpecMutation(
        _make_required, (("schema Run", "output", "required in the spec"),)
    ),
    "make a field optional": SpecMutation(
        _make_optional, (("schema Run", "createdAt", "optional in the spec"),)
    ),
    "drop nullability": SpecMutation(_drop_nullability, (("schema Run", "userName", "not nullable"),)),
    "change a path": SpecMutation(_change_path, (("runs.get", "/v1/run/", "URL"),)),
    "change a method": SpecMutation(_change_method, (("runs.cancel", "sends POST", "DELETE"),)),
    "document a new status": SpecMutation(_add_status, (("runs.get", "409", "not handled"),)),
    "change a response schema": SpecMutation(
        _change_response_schema,
        (("runs.get", "sync return type", "RunList"), ("runs.get", "minimal 200 body")),
    ),
    "change a request body schema": SpecMutation(_change_body_schema, (("runs.create", "body", "Error"),)),
    "require a request body": SpecMutation(
        _require_body, (("groups.update", "body", "required in the spec but has a default"),)
    ),
    "add a schema": SpecMutation(_add_schema, ((f"schema {ABSENT_SCHEMA}", "no generated class"),)),
    "change a nested field": SpecMutation(
        _change_nested_field, (("ReusableActionStepInput", "focused", "bool", "str"),)
    ),
    "add a query param": SpecMutation(
        _add_query_param,
        (("runs.list", ABSENT_QUERY, re.sub(r"(?<=[a-z])(?=[A-Z])", "_", ABSENT_QUERY).lower()),),
    ),
}


@pytest.fixture(scope="module")
def baseline(
    normalized_spec: Spec, vendored_spec: Spec, generated: GeneratedPackage, pydantic_models: types.ModuleType
) -> set[Finding]:
    return set(check_all(normalized_spec, vendored_spec, generated, pydantic_models).findings)


def _assert_detected(new: list[Finding], expect: tuple[tuple[str, ...], ...], change: str) -> None:
    assert new, f"{change}: the contract checks did not notice"
    for group in expect:
        assert any(all(text in str(f) for text in group) for f in new), (
            f"{change}: no finding mentions all of {group}; new findings:\n"
            + "\n".join(f"  - {f}" for f in new)
        )


@pytest.mark.parametrize("change", list(SPEC_MUTATIONS))
def test_spec_drift_is_reported_by_name(
    change: str,
    normalized_spec: Spec,
    vendored_spec: Spec,
    generated: GeneratedPackage,
    pydantic_models: types.ModuleType,
    baseline: set[Finding],
    contract_stats: ContractStats,
) -> None:
    mutated = copy.deepcopy(normalized_spec)
    SPEC_MUTATIONS[change].change(mutated)
    findings = check_all(mutated, vendored_spec, generated, pydantic_models).findings
    _assert_detected([f for f in findings if f not in baseline], SPEC_MUTATIONS[change].expect, change)
    contract_stats.add("drift mutations")


def test_the_unmutated_spec_reports_only_known_findings(baseline: set[Finding]) -> None:
    # The drift tests compare against this baseline; it must hold nothing but the strict-xfail
    # naming findings of _known.TITLE_NAMED_CLASSES (otherwise a drift could hide behind it).
    assert {f.kind for f in baseline} <= {"naming"}, sorted(map(str, baseline))


# -- modified copies of generated code -------------------------------------------------------------


def _attrs_copy(
    pkg: GeneratedPackage,
    cls: type,
    *,
    drop: tuple[str, ...] = (),
    retype: dict[str, Any] | None = None,
    require: tuple[str, ...] = (),
    rename: dict[str, str] | None = None,
) -> type:
    """A new attrs class like `cls` with some fields dropped / retyped / made required / renamed.
    Its methods are the original's, so it behaves like code regenerated from a different spec."""
    hints = model_hints(pkg, cls)
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
    fields = sorted(attrs.fields(cls), key=lambda f: f.name not in require and f.default is not attrs.NOTHING)
    for field in fields:
        if field.name in drop:
            continue
        name = (rename or {}).get(field.name, field.name)
        annotations[name] = (retype or {}).get(field.name, hints[field.name])
        if field.default is not attrs.NOTHING and field.name not in require:
            namespace[name] = attrs.field(default=field.default, init=field.init)
    namespace["__annotations__"] = annotations
    for method in ("to_dict", "from_dict"):
        namespace[method] = cls.__dict__[method]
    return attrs.define(type(cls.__name__, (), namespace))


MODEL_MUTATIONS: dict[str, tuple[str, dict[str, Any], tuple[str, ...]]] = {
    # change -> (model, _attrs_copy arguments, strings one new finding must contain)
    "model lost a field": ("Run", {"drop": ("user_name",)}, ("schema Run", "userName", "has no field")),
    "model field retyped": (
        "Run",
        {"retype": {"duration_ms": str}},
        ("schema Run", "durationMs", "str", "float"),
    ),
    "model field made required": (
        "Run",
        {"require": ("user_name",)},
        ("schema Run", "userName", "required field"),
    ),
    "model field renamed": (
        "Run",
        {"rename": {"user_name": "username"}},
        ("schema Run", "username", "not a property"),
    ),
}


@pytest.mark.parametrize("change", list(MODEL_MUTATIONS))
def test_model_drift_is_reported_by_name(
    change: str, normalized_spec: Spec, generated: GeneratedPackage, contract_stats: ContractStats
) -> None:
    model, arguments, expect = MODEL_MUTATIONS[change]
    assert check_schema(normalized_spec, model, generated) == []
    modified = generated.replacing(_attrs_copy(generated, generated.models[model], **arguments))
    _assert_detected(check_schema(normalized_spec, model, modified), (expect,), change)
    contract_stats.add("drift mutations")


def test_enum_with_an_extra_member_is_reported(
    normalized_spec: Spec, generated: GeneratedPackage, contract_stats: ContractStats
) -> None:
    original = generated.models["RunStatus"]
    members = {m.name: m.value for m in original} | {ABSENT_STATUS.upper(): ABSENT_STATUS}
    extended = enum.Enum("RunStatus", members, type=str, module=original.__module__)  # type: ignore[misc]
    findings = check_schema(normalized_spec, "RunStatus", generated.replacing(extended))
    _assert_detected(
        findings, (("RunStatus", f"only in the code [{ABSENT_STATUS!r}]"),), "enum gained a member"
    )
    contract_stats.add("drift mutations")


def test_endpoint_that_stopped_handling_a_status_is_reported(
    normalized_spec: Spec, generated: GeneratedPackage, contract_stats: ContractStats
) -> None:
    original = generated.endpoints["runs.get"]
    module = types.ModuleType(original.__name__)
    module.__dict__.update({k: v for k, v in vars(original).items() if not k.startswith("__")})

    def parse_without_404(*, client: Any, response: Any) -> Any:
        if response.status_code == 404:
            raise generated.unexpected_status(response.status_code, response.content)
        return original._parse_response(client=client, response=response)

    module._parse_response = parse_without_404  # type: ignore[attr-defined]
    findings = check_operation(
        normalized_spec, "runs.get", generated.replacing(endpoints={"runs.get": module})
    )
    _assert_detected(findings, (("runs.get", "404", "not handled"),), "endpoint lost a status")
    contract_stats.add("drift mutations")
