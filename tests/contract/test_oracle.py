"""Part 2 of the contract: an independent oracle for the models.

For every component schema hypothesis generates valid instances (_oracle.py). The attrs
models (openapi-python-client) must round-trip them losslessly; the pydantic models
(datamodel-code-generator, an independent reading of the same spec) must accept them and dump them
back equal; both must agree on field names and required-ness. Equality is relaxed only by
_oracle.NORMALIZATIONS. Known disagreements are strict xfails listed in _known.py.

Deterministic (derandomize=True) and bounded (MAX_EXAMPLES per schema), so CI runs are repeatable.
"""

from __future__ import annotations

import enum
import io
import types
from typing import Any

import jsonschema
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.contract import _known, _oracle, _spec
from tests.contract._structure import GeneratedPackage, compare_attrs_pydantic, component_class
from tests.contract.conftest import ContractStats

pytestmark = pytest.mark.contract

MAX_EXAMPLES = 50
ORACLE_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

_SPEC = _spec.load_normalized()
_SCHEMAS = _spec.component_schemas(_SPEC)
OBJECT_SCHEMAS = [n for n, s in _SCHEMAS.items() if _spec.is_object_schema(s)]
ENUM_SCHEMAS = [n for n, s in _SCHEMAS.items() if _spec.is_enum_schema(s)]
ALL_SCHEMAS = list(_SCHEMAS)
_UNDECLARED = "x-contract-undeclared"


def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = _spec.self_contained(_SPEC, _SCHEMAS[name])
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _draw_valid(data: st.DataObject, name: str) -> Any:
    """One generated instance, checked against the spec first: the oracle must not feed invalid data."""
    instance = data.draw(_oracle.instances(name), label=name)
    errors = [e.message for e in _validator(name).iter_errors(instance)]
    assert not errors, f"the oracle generated an invalid {name} instance {instance!r}: {errors}"
    return instance


def _assert_same(name: str, reader: str, sent: Any, got: Any) -> None:
    schema = _spec.self_contained(_SPEC, _SCHEMAS[name])
    difference = _oracle.first_difference(_oracle.canonical(schema, sent), _oracle.canonical(schema, got))
    assert difference is None, f"{name}: {reader} round trip is lossy at {difference}\n  input: {sent!r}"


def _pydantic_adapter(models: types.ModuleType, name: str) -> pydantic.TypeAdapter[Any]:
    cls = getattr(models, name, None)
    assert cls is not None, f"schema {name} has no pydantic class in {models.__name__}"
    return pydantic.TypeAdapter(cls)


def _object_params(names: list[str], known: dict[str, str], raises: type[BaseException]) -> list[Any]:
    return [pytest.param(n, marks=_known.xfail(known[n], raises=raises)) if n in known else n for n in names]


# -- attrs ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", _object_params(OBJECT_SCHEMAS, _known.MULTIPART_ONLY, TypeError))
@ORACLE_SETTINGS
@given(data=st.data())
def test_attrs_round_trip(
    name: str, data: st.DataObject, generated: GeneratedPackage, contract_stats: ContractStats
) -> None:
    cls = component_class(generated, _SPEC, name)
    assert cls is not None, f"schema {name} has no attrs class"
    instance = _draw_valid(data, name)
    contract_stats.add("hypothesis cases")
    contract_stats.add("attrs cases")
    contract_stats.saw("oracle schemas", name)
    _assert_same(name, f"attrs {cls.__name__}.from_dict/to_dict", instance, cls.from_dict(instance).to_dict())  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ENUM_SCHEMAS)
def test_attrs_enum_accepts_every_spec_value(name: str, generated: GeneratedPackage) -> None:
    cls = component_class(generated, _SPEC, name)
    assert isinstance(cls, type)
    assert issubclass(cls, enum.Enum)
    for value in _SCHEMAS[name]["enum"]:
        assert cls(value).value == value


# -- pydantic ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_SCHEMAS)
@ORACLE_SETTINGS
@given(data=st.data())
def test_pydantic_round_trip(
    name: str, data: st.DataObject, pydantic_models: types.ModuleType, contract_stats: ContractStats
) -> None:
    adapter = _pydantic_adapter(pydantic_models, name)
    instance = _draw_valid(data, name)
    contract_stats.add("hypothesis cases")
    contract_stats.add("pydantic cases")
    contract_stats.saw("oracle schemas", name)
    try:
        parsed = adapter.validate_python(instance)
    except pydantic.ValidationError as exc:
        pytest.fail(f"pydantic {name} rejects a valid instance {instance!r}:\n{exc}")
    dumped = adapter.dump_python(parsed, mode="json", by_alias=True, exclude_unset=True)
    _assert_same(name, f"pydantic {name} validate/dump", instance, dumped)


@pytest.mark.parametrize("name", OBJECT_SCHEMAS)
def test_attrs_and_pydantic_agree_on_names_and_required(
    name: str, generated: GeneratedPackage, pydantic_models: types.ModuleType
) -> None:
    findings = compare_attrs_pydantic(_SPEC, name, generated, pydantic_models)
    assert not findings, "\n".join(str(f) for f in findings)


# -- properties the schemas allow but do not declare ------------------------------------------------


def _with_undeclared(name: str) -> dict[str, Any]:
    instance = _spec.minimal_instance(_SPEC, _SCHEMAS[name])
    assert isinstance(instance, dict)
    return {**instance, _UNDECLARED: {"nested": [1, "two", None]}}


_JSON_OBJECT_SCHEMAS = [n for n in OBJECT_SCHEMAS if n not in _known.MULTIPART_ONLY]
# Upstream closes some schemas (`additionalProperties: false`, e.g. the credential and pull-request
# bodies): the server refuses keys they do not declare, so a model need not keep them. The others
# say nothing, which in OAS means any further key is allowed: a newer server may add fields.
_CLOSED = [n for n in _JSON_OBJECT_SCHEMAS if _SCHEMAS[n].get("additionalProperties") is False]
_OPEN = [n for n in _JSON_OBJECT_SCHEMAS if n not in _CLOSED]


@pytest.mark.parametrize("name", _OPEN)
def test_attrs_keeps_undeclared_properties(name: str, generated: GeneratedPackage) -> None:
    # The attrs models must carry undeclared keys of an open schema through, not drop or reject them.
    cls = component_class(generated, _SPEC, name)
    assert cls is not None
    sent = _with_undeclared(name)
    model = cls.from_dict(sent)  # type: ignore[attr-defined]
    assert model.additional_properties == {_UNDECLARED: sent[_UNDECLARED]}
    assert model.to_dict()[_UNDECLARED] == sent[_UNDECLARED]


@pytest.mark.parametrize("name", _CLOSED)
def test_attrs_drops_what_a_closed_schema_does_not_declare(name: str, generated: GeneratedPackage) -> None:
    # openapi-python-client reads `additionalProperties: false` as "no extra-key storage": from_dict
    # ignores an undeclared key and to_dict never writes it, so it cannot reach the server.
    cls = component_class(generated, _SPEC, name)
    assert cls is not None
    sent = _with_undeclared(name)
    model = cls.from_dict(sent)  # type: ignore[attr-defined]
    assert not hasattr(model, "additional_properties")
    written = model.to_dict()
    assert _UNDECLARED not in written
    assert written == _spec.minimal_instance(_SPEC, _SCHEMAS[name])


def _pydantic_keeps(models: types.ModuleType, name: str) -> bool | None:
    """True if pydantic keeps the undeclared key, False if it drops it, None if it refuses it."""
    adapter = _pydantic_adapter(models, name)
    try:
        parsed = adapter.validate_python(_with_undeclared(name))
    except pydantic.ValidationError:
        return None
    return _UNDECLARED in adapter.dump_python(parsed, mode="json", by_alias=True, exclude_unset=True)


def test_pydantic_keeps_undeclared_properties(pydantic_models: types.ModuleType) -> None:
    dropped = [name for name in _OPEN if not _pydantic_keeps(pydantic_models, name)]
    assert not dropped, f"pydantic models drop or refuse undeclared properties of open schemas: {dropped}"


def test_pydantic_does_not_keep_what_a_closed_schema_does_not_declare(
    pydantic_models: types.ModuleType,
) -> None:
    # Consistent with attrs (which drops them): a key upstream's schema refuses must not be carried
    # into a request. Dropping or refusing it are both acceptable readings of `false`.
    kept = [name for name in _CLOSED if _pydantic_keeps(pydantic_models, name)]
    assert not kept, f"pydantic models keep undeclared properties of closed schemas: {kept}"


@_known.xfail(_known.PYDANTIC_NULL_FOR_OPTIONAL, raises=AssertionError)
def test_pydantic_rejects_null_where_the_spec_is_not_nullable(pydantic_models: types.ModuleType) -> None:
    accepted = []
    for name in _JSON_OBJECT_SCHEMAS:
        schema = _SCHEMAS[name]
        adapter = _pydantic_adapter(pydantic_models, name)
        for prop, sub in (schema.get("properties") or {}).items():
            if prop in (schema.get("required") or []) or _nullable(sub):
                continue
            try:
                adapter.validate_python({**_spec.minimal_instance(_SPEC, schema), prop: None})
            except pydantic.ValidationError:
                continue
            accepted.append(f"{name}.{prop}")
    assert not accepted, f"pydantic accepts null for non-nullable properties: {accepted}"


def _nullable(schema: Any) -> bool:
    schema = _spec.deref(_SPEC, schema)
    if "null" in _spec.schema_types(schema):
        return True
    return any(_nullable(member) for key in ("oneOf", "anyOf") for member in schema.get(key) or [])


# -- the multipart schema, which has no JSON form -------------------------------------------------------


@pytest.mark.parametrize("name", list(_known.MULTIPART_ONLY))
def test_multipart_request_parts(name: str, generated: GeneratedPackage) -> None:
    """The multipart model encodes one form part per spec property, the file part carrying the bytes."""
    cls = component_class(generated, _SPEC, name)
    assert cls is not None
    schema = _SCHEMAS[name]
    sample = _spec.full_instance(_SPEC, schema)
    model = cls.from_dict(sample)  # type: ignore[attr-defined]
    parts = dict(model.to_multipart())
    assert set(parts) == set(schema["properties"])
    for prop, sub in schema["properties"].items():
        filename, content, _content_type = parts[prop][:3]
        if sub.get("format") == "binary":
            assert isinstance(content, io.BytesIO)
            assert content.getvalue() == sample[prop]
        else:
            assert filename is None
            assert content == str(sample[prop]).encode()


# -- the generation engine the issue names -------------------------------------------------------------


@_known.xfail(_known.HYPOTHESIS_JSONSCHEMA_BROKEN, raises=AttributeError)
@settings(max_examples=1, derandomize=True, database=None, deadline=None)
@given(data=st.data())
def test_hypothesis_jsonschema_can_generate_objects(data: st.DataObject) -> None:
    from hypothesis_jsonschema import from_schema

    value = data.draw(from_schema({"type": "object", "properties": {"a": {"type": "string"}}}))
    assert isinstance(value, dict)
