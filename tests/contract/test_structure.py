"""Part 1 of the contract: the generated code has the structure the normalized spec describes.

One test per operation and per schema, so a failure names what disagrees; the comparisons
themselves live in _structure.py (the drift tests reuse them on mutated copies).
"""

from __future__ import annotations

import types
from typing import Any

import pytest

from tests.contract import _known, _spec
from tests.contract._structure import (
    GeneratedPackage,
    check_class_name,
    check_operation,
    check_pydantic_schema,
    check_schema,
    check_unexplained,
    check_vendored,
    overlay_operations,
)
from tests.contract.conftest import ContractStats

pytestmark = pytest.mark.contract

_SPEC = _spec.load_normalized()
OPERATION_IDS = [op.operation_id for op in _spec.operations(_SPEC)]
SCHEMA_NAMES = list(_spec.component_schemas(_SPEC))


def _report(findings: list[Any]) -> str:
    return "\n".join(f"  - {finding}" for finding in findings)


def _property_count(schema: Any) -> int:
    return sum(len(node.get("properties") or {}) for _pointer, node in _spec.iter_schema_nodes(schema))


def test_the_spec_has_operations_and_schemas() -> None:
    # Guards the parametrization below: an empty or unreadable spec must not pass vacuously.
    assert len(OPERATION_IDS) >= 1
    assert len(SCHEMA_NAMES) >= 1
    assert len(set(OPERATION_IDS)) == len(OPERATION_IDS), "duplicate operationIds"


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_operation_matches_spec(
    operation_id: str,
    normalized_spec: dict[str, Any],
    generated: GeneratedPackage,
    contract_stats: ContractStats,
) -> None:
    findings = check_operation(normalized_spec, operation_id, generated)
    contract_stats.saw("operations", operation_id)
    (operation,) = [op for op in _spec.operations(normalized_spec) if op.operation_id == operation_id]
    for status in operation.responses:
        contract_stats.saw("statuses", (operation_id, status))
    assert not findings, f"{operation.label} disagrees with the generated code:\n{_report(findings)}"


def _schema_params(names: list[str], known: dict[str, str]) -> list[Any]:
    return [pytest.param(n, marks=_known.xfail(known[n])) if n in known else n for n in names]


@pytest.mark.parametrize("name", _schema_params(SCHEMA_NAMES, _known.TITLE_NAMED_CLASSES))
def test_schema_class_is_named_after_the_schema(
    name: str, normalized_spec: dict[str, Any], generated: GeneratedPackage
) -> None:
    findings = check_class_name(normalized_spec, name, generated)
    assert not findings, _report(findings)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_matches_spec(
    name: str, normalized_spec: dict[str, Any], generated: GeneratedPackage, contract_stats: ContractStats
) -> None:
    findings = check_schema(normalized_spec, name, generated)
    contract_stats.saw("schemas", name)
    contract_stats.add("fields", _property_count(_spec.component_schemas(normalized_spec)[name]))
    assert not findings, f"schema {name} disagrees with the generated code:\n{_report(findings)}"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_pydantic_schema_matches_spec(
    name: str,
    normalized_spec: dict[str, Any],
    pydantic_models: types.ModuleType,
    contract_stats: ContractStats,
) -> None:
    findings = check_pydantic_schema(normalized_spec, name, pydantic_models)
    contract_stats.saw("pydantic schemas", name)
    assert not findings, _report(findings)


def test_nothing_in_the_generated_package_is_unexplained(
    normalized_spec: dict[str, Any], generated: GeneratedPackage, contract_stats: ContractStats
) -> None:
    findings = check_unexplained(normalized_spec, generated)
    contract_stats.add("unexplained checked", len(generated.endpoints) + len(generated.models))
    assert generated.endpoints, "the generated package has no endpoint modules"
    assert generated.models, "the generated package has no models"
    assert not findings, _report(findings)


def test_every_vendored_operation_survives_normalization(
    vendored_spec: dict[str, Any], normalized_spec: dict[str, Any], contract_stats: ContractStats
) -> None:
    findings = check_vendored(vendored_spec, normalized_spec)
    contract_stats.add("vendored operations", len(_spec.operations(vendored_spec)))
    # Plus the overlays' operations (the submit operation of the docs page), and nothing else.
    added = overlay_operations()
    assert added
    assert len(_spec.operations(vendored_spec)) + len(added) == len(_spec.operations(normalized_spec))
    assert not findings, _report(findings)
