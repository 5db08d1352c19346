"""Response conformance: every answer of the simulator checked against the spec's response schema.

On in the test suites (``Simulator(validate_responses=True)``; the pytest plugin turns it on): a
response whose body does not match the schema documented for its status, or whose status is not
documented, is replaced by a 500 naming the operation and each offending field, and is recorded in
``sim.violations``. Stricter than JSON Schema on one point: a property the schema does not declare
is a violation too (unless the schema allows extra properties explicitly), so a field renamed in
the spec (``durationMs`` -> ``duration``) fails by name even where both names are optional.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ._spec import ApiSpec, SpecOperation

__all__ = ["response_violations"]


def response_violations(
    spec: ApiSpec, op: SpecOperation, status: int, body: Any, extras: frozenset[str] = frozenset()
) -> list[str]:
    """What is wrong with answering ``op`` with ``status`` and JSON ``body`` (empty: nothing).

    ``extras``: top-level fields a hand-written behaviour sends on purpose beyond the schema.
    """
    documented, schema = op.response_schema(status)
    if not documented:
        return [f"{op.key}: status {status} is not documented"]
    if schema is None:
        return []
    problems = [
        f"{op.key} {status}: {_where(err.absolute_path)}: {err.message}"
        for err in spec.validator(schema).iter_errors(body)
    ]
    problems += [
        f"{op.key} {status}: {where}: not declared in the spec"
        for where in _undeclared(spec, schema, body, "")
        if not (200 <= status < 300 and where in extras)
    ]
    return problems


def _where(path: Sequence[Any]) -> str:
    return ".".join(str(p) for p in path) or "body"


def _undeclared(spec: ApiSpec, schema: Any, value: Any, where: str) -> Iterator[str]:
    schema = spec.merged(schema)
    for union in ("oneOf", "anyOf"):
        if schema.get(union):
            # Judge the value by the first branch it matches (a value matching none is already
            # reported by the JSON Schema check).
            for branch in schema[union]:
                if spec.validator(branch).is_valid(value):
                    yield from _undeclared(spec, branch, value, where)
                    break
            return
    if isinstance(value, Mapping):
        props: Mapping[str, Any] = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if key in props:
                yield from _undeclared(spec, props[key], item, path)
            elif extra is None and props:
                yield path
            elif isinstance(extra, Mapping):
                yield from _undeclared(spec, extra, item, path)
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for i, item in enumerate(value):
            yield from _undeclared(spec, schema["items"], item, f"{where}.{i}" if where else str(i))
