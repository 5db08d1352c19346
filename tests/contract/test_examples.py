"""Part 5 of the contract: the JSON examples published in the upstream docs parse through our code.

Fixtures live in tests/contract/examples/*.json. Each carries a `_source` object (URL, section,
whether it is verbatim or reconstructed, the schema it illustrates and, for responses, the
operation and status) that the tests strip before use. Each example is checked against the spec's
JSON Schema, parsed by the attrs model (and round-tripped), by the pydantic model, and -- for
responses -- through the generated client end to end over an in-memory httpx transport.
"""

from __future__ import annotations

import enum
import json
import types
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pydantic
import pytest

from tests.contract import _oracle, _spec
from tests.contract._naming import python_name
from tests.contract._structure import GeneratedPackage, component_class
from tests.contract.conftest import ContractStats

pytestmark = pytest.mark.contract

EXAMPLES_DIR = Path(__file__).parent / "examples"
_SPEC = _spec.load_normalized()
_SCHEMAS = _spec.component_schemas(_SPEC)
_BASE_URL = "https://tester.army/api"
_TOKEN = "sk_contract_example"


@dataclass(frozen=True)
class Example:
    file: str
    source: dict[str, Any]
    body: dict[str, Any]

    @property
    def schema_name(self) -> str:
        return str(self.source["schema"])


def _load(path: Path) -> Example:
    document = json.loads(path.read_text(encoding="utf-8"))
    source = document.pop("_source")
    return Example(file=path.name, source=source, body=document)


EXAMPLES = [_load(path) for path in sorted(EXAMPLES_DIR.glob("*.json"))]


def _params() -> list[Any]:
    # Every example, none exempted: what the docs show the service sending must parse (issue 14,
    # "liberal in what we accept"; codegen/rules.yaml `open_enums` and `tolerated`).
    return [pytest.param(e, id=e.file) for e in EXAMPLES]


def test_the_published_examples_are_present_and_cite_their_source() -> None:
    names = {e.file for e in EXAMPLES}
    assert {
        "submit_run_202.json",
        "run_completed_200.json",
        "webhook_payload.json",
        "group_run_triggered_202.json",
    } <= names
    for example in EXAMPLES:
        source = example.source
        assert str(source.get("url", "")).startswith("https://"), f"{example.file}: no source URL"
        assert str(source.get("fidelity", "")).startswith(("verbatim", "reconstructed")), example.file
        assert example.schema_name in _SCHEMAS, f"{example.file}: unknown schema {example.schema_name}"
        if source.get("operation"):
            (op,) = [o for o in _spec.operations(_SPEC) if o.operation_id == source["operation"]]
            response = op.responses.get(str(source["status"]))
            assert _spec.ref_name(response) == example.schema_name, (
                f"{example.file}: {op.label} status {source['status']} does not return {example.schema_name}"
            )


@pytest.mark.parametrize("example", _params())
def test_example_is_valid_against_the_spec(example: Example, contract_stats: ContractStats) -> None:
    contract_stats.saw("examples", example.file)
    contract_stats.add("example checks")
    schema = _spec.self_contained(_SPEC, _SCHEMAS[example.schema_name])
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(example.body)]
    assert not errors, f"{example.file} is not a valid {example.schema_name}: {errors}"


@pytest.mark.parametrize("example", _params())
def test_example_parses_into_the_attrs_model(
    example: Example, generated: GeneratedPackage, contract_stats: ContractStats
) -> None:
    contract_stats.add("example checks")
    cls = component_class(generated, _SPEC, example.schema_name)
    assert cls is not None
    model = cls.from_dict(example.body)  # type: ignore[attr-defined]
    _assert_known_enum_values_parse_as_members(example, model)
    schema = _spec.self_contained(_SPEC, _SCHEMAS[example.schema_name])
    difference = _oracle.first_difference(
        _oracle.canonical(schema, example.body), _oracle.canonical(schema, model.to_dict())
    )
    assert difference is None, f"{example.file}: attrs round trip differs at {difference}"


@pytest.mark.parametrize("example", _params())
def test_example_parses_into_the_pydantic_model(
    example: Example, pydantic_models: types.ModuleType, contract_stats: ContractStats
) -> None:
    contract_stats.add("example checks")
    adapter = pydantic.TypeAdapter(getattr(pydantic_models, example.schema_name))
    dumped = adapter.dump_python(
        adapter.validate_python(example.body), mode="json", by_alias=True, exclude_unset=True
    )
    schema = _spec.self_contained(_SPEC, _SCHEMAS[example.schema_name])
    difference = _oracle.first_difference(
        _oracle.canonical(schema, example.body), _oracle.canonical(schema, dumped)
    )
    assert difference is None, f"{example.file}: pydantic round trip differs at {difference}"


_RESPONSE_EXAMPLES = [e for e in EXAMPLES if e.source.get("operation")]


@pytest.mark.parametrize("example", [pytest.param(e, id=e.file) for e in _RESPONSE_EXAMPLES])
def test_example_response_parses_through_the_generated_client(
    example: Example, generated: GeneratedPackage, contract_stats: ContractStats
) -> None:
    """The example as the HTTP response of its operation, through sync_detailed end to end."""
    contract_stats.add("example checks")
    (op,) = [o for o in _spec.operations(_SPEC) if o.operation_id == example.source["operation"]]
    module = generated.endpoints[op.operation_id]
    args = [
        uuid.UUID(int=index + 1) if p.schema.get("format") == "uuid" else f"value{index}"
        for index, p in enumerate(_path_params_in_template_order(op))
    ]
    seen: list[httpx.Request] = []

    def respond(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(int(example.source["status"]), json=example.body)

    import testerarmy_api.client as client_module

    client = client_module.AuthenticatedClient(
        base_url=_BASE_URL, token=_TOKEN, httpx_args={"transport": httpx.MockTransport(respond)}
    )
    kwargs: dict[str, object] = {}
    if op.body is not None and op.body_required:
        # A required body (codegen/rules.yaml `request_bodies`): send the smallest valid one.
        body_cls = component_class(generated, _SPEC, _spec.ref_name(op.body[1]) or "")
        assert body_cls is not None
        kwargs["body"] = body_cls.from_dict(_spec.minimal_instance(_SPEC, op.body[1]))  # type: ignore[attr-defined]
    with client:
        response = module.sync_detailed(*args, client=client, **kwargs)
    expected_path = "/api" + op.path
    for name, value in zip(_spec.path_template_names(op.path), args, strict=True):
        expected_path = expected_path.replace("{" + name + "}", str(value))
    assert len(seen) == 1
    assert seen[0].method == op.method.upper()
    assert seen[0].url.path == expected_path
    assert seen[0].headers["Authorization"] == f"Bearer {_TOKEN}"
    assert int(response.status_code) == int(example.source["status"])
    cls = component_class(generated, _SPEC, example.schema_name)
    assert cls is not None
    assert isinstance(response.parsed, cls), f"{example.file} parsed as {type(response.parsed).__name__}"
    _assert_known_enum_values_parse_as_members(example, response.parsed)


def _path_params_in_template_order(op: _spec.Operation) -> list[_spec.Parameter]:
    by_name = {p.name: p for p in op.params("path")}
    return [by_name[name] for name in _spec.path_template_names(op.path)]


def _assert_known_enum_values_parse_as_members(example: Example, model: Any) -> None:
    """A documented value of an open enum (anyOf [Enum, string]) must come out as the Enum member,
    not as the plain-string fallback: otherwise comparisons like `run.status is RunStatus.COMPLETED`
    silently fail for callers."""
    schema = _SCHEMAS[example.schema_name]
    for prop, sub in (schema.get("properties") or {}).items():
        if prop not in example.body:
            continue
        for member in sub.get("anyOf") or sub.get("oneOf") or []:
            target = _spec.deref(_SPEC, member)
            if example.body[prop] in target.get("enum", []):
                value = getattr(model, python_name(prop))
                assert isinstance(value, enum.Enum), (
                    f"{example.file}: {prop}={value!r} did not parse as an enum member"
                )
                assert value.value == example.body[prop]


def _formatted(schema: Any) -> bool:
    """A string with a format (uuid, date-time, uri) parses into another type: compared elsewhere."""
    members = [schema, *(schema.get("anyOf") or []), *(schema.get("oneOf") or [])]
    return any("format" in _spec.deref(_SPEC, m) for m in members if isinstance(m, dict))


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


@pytest.mark.parametrize("example", _params())
def test_values_beyond_the_published_schema_arrive_as_data(
    example: Example, generated: GeneratedPackage, pydantic_models: types.ModuleType
) -> None:
    """A value the published enum lacks (run `"type": "chat"`: ci | test) or a null reaches the user
    unchanged through both model families: as the value itself, not as an exception or a default."""
    cls = component_class(generated, _SPEC, example.schema_name)
    assert cls is not None
    attrs_model = cls.from_dict(example.body)  # type: ignore[attr-defined]
    pydantic_cls = getattr(pydantic_models, example.schema_name)
    pydantic_model = pydantic_cls.model_validate(example.body)
    by_alias = {(field.alias or name): name for name, field in pydantic_cls.model_fields.items()}
    properties = _SCHEMAS[example.schema_name].get("properties") or {}
    checked = 0
    for prop, value in example.body.items():
        if not (value is None or isinstance(value, str)) or _formatted(properties[prop]):
            continue
        for family, got in (
            ("attrs", getattr(attrs_model, python_name(prop))),
            ("pydantic", getattr(pydantic_model, by_alias[prop])),
        ):
            assert _plain(got) == value, f"{example.file}: {prop}={value!r} arrived in {family} as {got!r}"
            checked += 1
    assert checked, f"{example.file}: no plain value to check"


def test_each_tolerated_entry_is_what_a_docs_example_needs() -> None:
    """Every `tolerated` rule entry is upstream's word: a docs example sends that null or omits that
    property, and without the entry that example would not be a valid instance of the schema."""
    from codegen.rules import load_rules

    tolerated = load_rules().tolerated
    assert tolerated, "no tolerated entry: nothing to check"
    for schema_name, properties in tolerated.items():
        bodies = [e.body for e in EXAMPLES if e.schema_name == schema_name]
        for prop, allowed in properties.items():
            if "null" in allowed:
                assert any(prop in body and body[prop] is None for body in bodies), f"{schema_name}.{prop}"
            if "absent" in allowed:
                assert any(prop not in body for body in bodies), f"{schema_name}.{prop}"
                # Today's normalized schema no longer requires it; upstream's did (else: stale rule).
                assert prop not in (_SCHEMAS[schema_name].get("required") or [])
