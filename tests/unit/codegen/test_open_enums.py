"""The README's forward-compatibility promise, checked on every response enum of the spec.

The classifier calls a value added to a response enum only "potentially breaking" because the
`open_enums` rule opens every enum a response can carry. These tests hold the rule to that: every
reference to an enum schema from a response is `anyOf [<enum>, string]`, and the client generated
from today's spec parses a value the enum does not have (as a new server would send) as `str`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest

from codegen.normalize import Normalized
from codegen.specdoc import SCHEMA_REF_PREFIX, iter_operations, iter_refs
from tests.contract._naming import python_name
from tests.contract._spec import load_normalized, minimal_instance

OPENED = {"type": "string"}


def _response_closure(spec: dict[str, Any]) -> set[str]:
    return _closure(spec, [op.get("responses") or {} for _path, _method, op in iter_operations(spec)])


def _request_closure(spec: dict[str, Any]) -> set[str]:
    """What the client sends: schemas reachable from request bodies and parameters."""
    roots = [
        [op.get("requestBody") or {}, op.get("parameters") or []] for _p, _m, op in iter_operations(spec)
    ]
    return _closure(spec, roots)


def _closure(spec: dict[str, Any], roots: list[Any]) -> set[str]:
    schemas = spec["components"]["schemas"]
    pending = [ref.removeprefix(SCHEMA_REF_PREFIX) for root in roots for _trail, ref in iter_refs(root)]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name not in seen and name in schemas:
            seen.add(name)
            pending.extend(ref.removeprefix(SCHEMA_REF_PREFIX) for _trail, ref in iter_refs(schemas[name]))
    return seen


def _enum_refs(node: Any, enums: set[str], parent: Any = None) -> Iterator[tuple[str, Any]]:
    """(enum name, the list holding the reference or None) for every enum reference under node."""
    if isinstance(node, list):
        for item in node:
            yield from _enum_refs(item, enums, node)
    elif isinstance(node, dict):
        target = str(node.get("$ref", "")).removeprefix(SCHEMA_REF_PREFIX)
        if target in enums:
            yield target, parent
        for value in node.values():
            yield from _enum_refs(value, enums, None)


def _discriminated(spec: dict[str, Any]) -> set[tuple[str, str]]:
    """(member schema, property) for every member of a union with a `discriminator`."""
    found: set[tuple[str, str]] = set()
    for node in _dicts(spec):
        discriminator = node.get("discriminator")
        if isinstance(discriminator, dict):
            for ref in (discriminator.get("mapping") or {}).values():
                found.add((ref.removeprefix(SCHEMA_REF_PREFIX), discriminator["propertyName"]))
    return found


def _enums(spec: dict[str, Any]) -> set[str]:
    return {name for name, s in spec["components"]["schemas"].items() if isinstance(s, dict) and "enum" in s}


def test_every_enum_a_response_carries_is_open(normalized: Normalized) -> None:
    spec = normalized.spec
    enums = _enums(spec)
    # Schemas a request sends too are strict (next test): the rest of what responses carry is open.
    closure = _response_closure(spec) - _request_closure(spec)
    tags = _discriminated(spec)
    # The tag a union tells its members apart by stays closed (opened, a member would match
    # every tag): checked here, and left out of the open check below.
    for member, prop in tags:
        tag = spec["components"]["schemas"][member]["properties"][prop]
        assert str(tag.get("$ref", "")).removeprefix(SCHEMA_REF_PREFIX) in enums, (member, prop, tag)
    nodes = [
        {k: v for k, v in schema.items() if k != "properties"}
        | {"properties": {p: v for p, v in (schema.get("properties") or {}).items() if (name, p) not in tags}}
        for name in sorted(closure - enums)
        for schema in [spec["components"]["schemas"][name]]
    ]
    nodes += [op.get("responses") for _path, _method, op in iter_operations(spec)]
    found = [(name, holder) for node in nodes for name, holder in _enum_refs(node, enums)]
    assert found, "no response carries an enum: nothing to check"
    for name, holder in found:
        assert isinstance(holder, list), f"{name} is referenced from a response without anyOf"
        assert OPENED in holder, f"{name} is referenced from a response as a closed enum"
    # No string enum is inline in a response schema either (it could not be opened). Boolean and
    # numeric constants (`deleted: true`) stay inline: they never gain values.
    inline = [
        sub["enum"]
        for node in nodes
        for sub in _dicts(node)
        if "enum" in sub and any(isinstance(v, str) for v in sub["enum"])
    ]
    assert not inline, f"inline enums in responses stay closed: {inline}"


def test_every_enum_a_request_sends_stays_closed(normalized: Normalized) -> None:
    spec = normalized.spec
    enums = _enums(spec)
    sent = _request_closure(spec)
    nodes = [spec["components"]["schemas"][name] for name in sorted(sent - enums)]
    nodes += [
        [op.get("requestBody") or {}, op.get("parameters") or []] for _p, _m, op in iter_operations(spec)
    ]
    found = [(name, holder) for node in nodes for name, holder in _enum_refs(node, enums)]
    assert found, "no request sends an enum: nothing to check"
    for name, holder in found:
        assert holder is None or OPENED not in holder, f"{name} is sent as an open enum"
    # Among them, schemas a response carries too (the steps of a test): the strict side wins.
    assert sent & _response_closure(spec)


def _dicts(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _dicts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _dicts(item)


def _enum_paths(
    schema: Any, enums: set[str], trail: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], str]]:
    """(property path, enum) for each property carrying an enum, through inline nested objects."""
    for prop, sub in (schema.get("properties") or {}).items():
        for member in sub.get("anyOf") or []:
            target = str(member.get("$ref", "")).removeprefix(SCHEMA_REF_PREFIX)
            if target in enums:
                yield (*trail, prop), target
        if "properties" in sub:
            yield from _enum_paths(sub, enums, (*trail, prop))


def _open_enum_properties() -> list[tuple[str, tuple[str, ...], str]]:
    """(model, property path, enum) for every property of a response model that carries an enum."""
    spec = load_normalized()
    enums = _enums(spec)
    schemas = spec["components"]["schemas"]
    return [
        (model, path, enum)
        for model in sorted(_response_closure(spec) - _request_closure(spec) - enums)
        for path, enum in _enum_paths(schemas[model], enums)
    ]


OPEN_ENUM_PROPERTIES = _open_enum_properties()


def test_there_are_open_enum_properties_to_parse() -> None:
    assert OPEN_ENUM_PROPERTIES  # a parametrized test over [] would pass without checking anything


@pytest.mark.parametrize(
    ("model", "path", "enum"),
    OPEN_ENUM_PROPERTIES,
    ids=[f"{m}.{'.'.join(p)}" for m, p, _ in OPEN_ENUM_PROPERTIES],
)
def test_the_old_client_parses_a_value_the_enum_does_not_have(
    model: str, path: tuple[str, ...], enum: str
) -> None:
    spec = load_normalized()
    known = [str(v) for v in spec["components"]["schemas"][enum]["enum"]]
    new_value = "new-" + "-".join(known)  # longer than every known value, so none of them
    schema = spec["components"]["schemas"][model]
    body = minimal_instance(spec, schema)
    node = body
    for prop in path[:-1]:  # optional objects on the way are filled with their minimal instance
        schema = schema["properties"][prop]
        node = node.setdefault(prop, minimal_instance(spec, schema))
    node[path[-1]] = new_value
    models = importlib.import_module("testerarmy_api.models")
    parsed: Any = getattr(models, model).from_dict(body)
    for prop in path:
        parsed = getattr(parsed, python_name(prop))  # `type` -> `type_`
    assert parsed == new_value
