"""JSON values built from a JSON Schema, deterministically (same seed and schema: same value).

Serves the operations that have no hand-written behaviour: their 2xx body is built from the
response schema. Handles the constructs of both the vendored and the published spec: ``$ref``,
``allOf`` (merged), ``oneOf``/``anyOf`` (the first branch that is not ``null``), nullable types
(``type: [X, "null"]`` and OpenAPI 3.0's ``nullable: true``: the non-null type), ``const``, ``enum``,
inline objects, arrays, string formats and numeric bounds. Every declared property is filled in
(optional ones too), so that a client sees the whole shape.

``overrides`` pins values by property name where that property is declared at the top level of the
built object: this is how a path id that names a resource
becomes the ``id`` of the answer, and how the simulated clock reaches ``createdAt``.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

__all__ = ["Fabricator"]

_MAX_DEPTH = 12


class Fabricator:
    def __init__(self, merged: Callable[[Any], Mapping[str, Any]], now: Callable[[], datetime]) -> None:
        self._merged = merged  # ApiSpec.merged: refs followed, allOf folded
        self._now = now

    def build(
        self, schema: Mapping[str, Any] | None, seed: str, overrides: Mapping[str, Any] | None = None
    ) -> Any:
        rng = random.Random(seed)  # noqa: S311 - deterministic test data, not security
        value = self._value(schema or {}, rng, 0, None)
        if overrides:
            value = _pin(value, overrides, self._schema_props(schema or {}))
        return value

    def _schema_props(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        return self._merged(schema).get("properties") or {}

    def _value(self, schema: Mapping[str, Any], rng: random.Random, depth: int, name: str | None) -> Any:
        schema = self._merged(schema)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return next((v for v in schema["enum"] if v is not None), schema["enum"][0])
        for union in ("oneOf", "anyOf"):
            if schema.get(union):
                branches = [b for b in schema[union] if _type_of(self._merged(b)) != "null"]
                branch = branches[0] if branches else schema[union][0]
                base = {k: v for k, v in schema.items() if k != union}
                return self._value({**base, **self._merged(branch)}, rng, depth, name)
        kind = _type_of(schema)
        if depth > _MAX_DEPTH and kind in ("object", "array"):
            return {} if kind == "object" else []
        if kind == "object":
            props = schema.get("properties") or {}
            return {k: self._value(v, rng, depth + 1, k) for k, v in props.items()}
        if kind == "array":
            count = max(1, int(schema.get("minItems", 1)))
            if "maxItems" in schema:
                count = min(count, int(schema["maxItems"]))
            return [self._value(schema.get("items") or {}, rng, depth + 1, name) for _ in range(count)]
        if kind == "integer":
            return _number(schema, rng, integer=True)
        if kind == "number":
            return float(_number(schema, rng, integer=False))
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return self._string(schema, rng, name)

    def _string(self, schema: Mapping[str, Any], rng: random.Random, name: str | None) -> str:
        fmt = schema.get("format")
        if fmt == "uuid":
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if fmt == "date-time":
            return self._now().isoformat().replace("+00:00", "Z")
        if fmt == "date":
            return self._now().date().isoformat()
        if fmt in ("uri", "url", "uri-reference", "iri"):
            return f"https://example.com/sim/{rng.randrange(10**6)}"
        if fmt in ("email", "idn-email"):
            return f"user{rng.randrange(10**4)}@example.com"
        if "example" in schema and isinstance(schema["example"], str):
            return schema["example"]
        examples = schema.get("examples")
        if isinstance(examples, list) and examples and isinstance(examples[0], str):
            return examples[0]
        text = f"{name or 'value'}-{rng.randrange(16**6):06x}"
        low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
        text = text.ljust(low, "x")
        return text[: int(high)] if high is not None else text


def _type_of(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        real = [k for k in kind if k != "null"]
        return str(real[0]) if real else "null"
    if isinstance(kind, str):
        return kind
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def _number(schema: Mapping[str, Any], rng: random.Random, *, integer: bool) -> int | float:
    low = schema.get("minimum")
    high = schema.get("maximum")
    ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    step = schema.get("multipleOf")
    if isinstance(ex_low, int | float) and not isinstance(ex_low, bool):
        low = ex_low + (1 if integer else (step or 0.5))
    if isinstance(ex_high, int | float) and not isinstance(ex_high, bool):
        high = ex_high - (1 if integer else (step or 0.5))
    start = low if low is not None else 0
    value: int | float = start + (rng.randrange(0, 10) if high is None else 0)
    if high is not None and value > high:
        value = high
    if step:
        value = (int(value / step) + (1 if value % step else 0)) * step
    return int(value) if integer else value


def _pin(value: Any, overrides: Mapping[str, Any], props: Mapping[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: overrides[k] if k in overrides and k in props else v for k, v in value.items()}
    return value
