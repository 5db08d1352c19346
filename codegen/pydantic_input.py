"""The spec as datamodel-code-generator reads it: every object says whether it takes extra keys.

OAS leaves `additionalProperties` out to mean "any further key is allowed"; upstream writes
`additionalProperties: false` where its server refuses undeclared keys (the request bodies it
validates strictly). datamodel-code-generator maps an explicit `true` to `extra="allow"` and
`false` to `extra="forbid"`, but reads an absent keyword as pydantic's default (drop extras).
Its global `--extra-fields allow` would instead keep extras everywhere, closed schemas included.
So the pydantic input states the OAS default explicitly and keeps each `false` as written:
open schemas keep undeclared keys, closed ones refuse them (as the real server does).
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["with_explicit_extra_keys"]

_MAP_KEYS = ("properties", "patternProperties", "$defs")
_SCHEMA_KEYS = ("items", "not", "additionalProperties", "unevaluatedProperties", "contains")
_LIST_KEYS = ("oneOf", "anyOf", "allOf", "prefixItems")


def with_explicit_extra_keys(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of the (OAS 3.1) `spec` whose component object schemas all set `additionalProperties`."""
    result = copy.deepcopy(spec)
    for schema in ((result.get("components") or {}).get("schemas") or {}).values():
        _visit(schema)
    return result


def _is_object(schema: dict[str, Any]) -> bool:
    declared = schema.get("type")
    kinds = [declared] if isinstance(declared, str) else list(declared or [])
    return "object" in kinds or "properties" in schema


def _visit(schema: Any) -> None:
    if not isinstance(schema, dict) or "$ref" in schema:
        return
    if _is_object(schema) and "additionalProperties" not in schema:
        schema["additionalProperties"] = True
    for key in _MAP_KEYS:
        for sub in (schema.get(key) or {}).values():
            _visit(sub)
    for key in _SCHEMA_KEYS:
        _visit(schema.get(key))
    for key in _LIST_KEYS:
        for sub in schema.get(key) or []:
            _visit(sub)
