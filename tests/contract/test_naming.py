"""Our restatement of the generator's naming rules agrees with the installed generator.

_structure.py predicts Python names with _naming.py; if a generator upgrade changes its rules, this
test names the identifier whose spelling changed, instead of letting dozens of structure checks
fail with "no field ...".
"""

from __future__ import annotations

from typing import Any

import pytest
from openapi_python_client.strings import ClassName, PythonIdentifier

from tests.contract import _spec
from tests.contract._naming import class_name, module_name, python_name

pytestmark = pytest.mark.contract


def _spec_names(spec: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(JSON property and parameter names, schema names and titles) of the normalized spec."""
    identifiers: set[str] = set()
    classes: set[str] = set()
    for name, schema in _spec.component_schemas(spec).items():
        classes.add(name)
        for _pointer, node in _spec.iter_schema_nodes(schema):
            identifiers.update(node.get("properties") or {})
            if isinstance(node.get("title"), str):
                classes.add(node["title"])
    for op in _spec.operations(spec):
        identifiers.update(p.name for p in op.parameters)
    return identifiers, classes


@pytest.mark.parametrize(
    ("json_name", "expected"),
    [
        ("webhookUrl", "webhook_url"),
        ("type", "type_"),
        ("input", "input_"),
        ("id", "id"),
        ("durationMs", "duration_ms"),
        ("HTTPServer", "http_server"),
        ("_private", "field_private"),
    ],
)
def test_python_name_examples(json_name: str, expected: str) -> None:
    assert python_name(json_name) == expected


def test_python_names_agree_with_the_generator(normalized_spec: dict[str, Any]) -> None:
    identifiers, _classes = _spec_names(normalized_spec)
    assert identifiers
    differ = {n: (python_name(n), str(PythonIdentifier(n, prefix="field_"))) for n in identifiers}
    differ = {n: pair for n, pair in differ.items() if pair[0] != pair[1]}
    assert not differ, f"(ours, generator's) Python names differ: {differ}"


def test_class_names_agree_with_the_generator(normalized_spec: dict[str, Any]) -> None:
    _identifiers, classes = _spec_names(normalized_spec)
    differ = {n: (class_name(n), str(ClassName(n, prefix=""))) for n in classes}
    differ = {n: pair for n, pair in differ.items() if pair[0] != pair[1]}
    assert not differ, f"(ours, generator's) class names differ: {differ}"


def test_module_names_agree_with_the_generator(normalized_spec: dict[str, Any]) -> None:
    _identifiers, classes = _spec_names(normalized_spec)
    differ = {
        n: (module_name(class_name(n)), str(PythonIdentifier(class_name(n), prefix=""))) for n in classes
    }
    differ = {n: pair for n, pair in differ.items() if pair[0] != pair[1]}
    assert not differ, f"(ours, generator's) module names differ: {differ}"
