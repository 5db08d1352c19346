"""The normalized and vendored specs as the contract tests read them: operations, schemas, $refs.

This module knows nothing about the generated code. It is the shared base of the structure checks,
the oracle and the published-example tests, and is meant to serve the traffic validation
(openapi-core) and simulator conformance (schemathesis) tests too: they need the same spec file,
the same operation table and self-contained JSON schemas.

It deliberately does not import `codegen`: the contract suite is an independent reading of the spec
files, so a bug in the pipeline's own spec helpers cannot hide itself here.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "HTTP_METHODS",
    "NORMALIZED_SPEC",
    "REPO",
    "VENDORED_SPEC",
    "Operation",
    "Parameter",
    "component_schemas",
    "deref",
    "escape_pointer",
    "full_instance",
    "is_enum_schema",
    "is_object_schema",
    "iter_schema_nodes",
    "load_committed_normalized",
    "load_normalized",
    "load_vendored",
    "merge_all_of",
    "minimal_instance",
    "operations",
    "path_template_names",
    "ref_name",
    "resolve_ref",
    "schema_types",
    "self_contained",
]

REPO = Path(__file__).resolve().parents[2]
NORMALIZED_SPEC = REPO / "generated" / "openapi.normalized.yaml"
VENDORED_SPEC = REPO / "openapi.yaml"

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_REF_PREFIX = "#/components/schemas/"


@functools.cache
def _load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise TypeError(f"{path}: the document is a {type(document).__name__}, not a mapping")
    return document


def load_normalized() -> dict[str, Any]:
    """A private deep copy of generated/openapi.normalized.yaml (callers may mutate it).

    `allOf` compositions of object schemas are read as the one object they describe (see
    merge_all_of), as both generators do: TestDetail is TestDefinition plus `groups`.
    """
    spec = copy.deepcopy(_load(NORMALIZED_SPEC))
    merge_all_of(spec)
    return spec


def load_committed_normalized() -> dict[str, Any]:
    """generated/openapi.normalized.yaml exactly as committed (no allOf merging), a private copy."""
    return copy.deepcopy(_load(NORMALIZED_SPEC))


def load_vendored() -> dict[str, Any]:
    """A private deep copy of the vendored upstream openapi.yaml."""
    return copy.deepcopy(_load(VENDORED_SPEC))


# -- operations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # "path" | "query" | "header" | "cookie"
    required: bool
    schema: Mapping[str, Any]


@dataclass(frozen=True)
class Operation:
    method: str  # lower case, as in the spec
    path: str
    operation_id: str
    parameters: tuple[Parameter, ...]
    # (content type, schema) of the request body, or None; OAS default: a body is optional.
    body: tuple[str, Mapping[str, Any]] | None
    body_required: bool
    # status code (as written in the spec) -> response schema, or None for a response without content.
    responses: Mapping[str, Mapping[str, Any] | None] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def resource(self) -> str:
        return self.operation_id.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.operation_id.split(".", 1)[-1]

    @property
    def label(self) -> str:
        return f"{self.operation_id} ({self.method.upper()} {self.path})"

    def params(self, location: str) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == location)


def operations(spec: Mapping[str, Any]) -> list[Operation]:
    """Every operation of `spec`, in document order (path-level parameters merged in)."""
    found: list[Operation] = []
    for path, item in (spec.get("paths") or {}).items():
        shared = [deref(spec, p) for p in item.get("parameters", [])]
        for method in HTTP_METHODS:
            raw = item.get(method)
            if not isinstance(raw, dict):
                continue
            own = [deref(spec, p) for p in raw.get("parameters", [])]
            # An operation-level parameter overrides a path-level one with the same name+location.
            merged = {(p["name"], p["in"]): p for p in [*shared, *own]}
            params = tuple(
                Parameter(
                    name=p["name"],
                    location=p["in"],
                    required=bool(p.get("required", p["in"] == "path")),
                    schema=p.get("schema", {}),
                )
                for p in merged.values()
            )
            body: tuple[str, Mapping[str, Any]] | None = None
            body_required = False
            if "requestBody" in raw:
                request_body = deref(spec, raw["requestBody"])
                content = request_body.get("content") or {}
                if content:
                    content_type, media = next(iter(content.items()))
                    body = (content_type, media.get("schema", {}))
                body_required = bool(request_body.get("required", False))
            responses: dict[str, Mapping[str, Any] | None] = {}
            for status, response in (raw.get("responses") or {}).items():
                response = deref(spec, response)
                content = response.get("content") or {}
                media = content.get("application/json") or next(iter(content.values()), None)
                responses[str(status)] = None if media is None else media.get("schema", {})
            found.append(
                Operation(
                    method=method,
                    path=path,
                    operation_id=str(raw.get("operationId", f"{method} {path}")),
                    parameters=params,
                    body=body,
                    body_required=body_required,
                    responses=responses,
                    raw=raw,
                )
            )
    return found


# -- schemas ---------------------------------------------------------------------------------------


def component_schemas(spec: Mapping[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = (spec.get("components") or {}).get("schemas") or {}
    return schemas


def resolve_ref(spec: Mapping[str, Any], ref: str) -> Any:
    """The object a local `$ref` points at (JSON pointer with ~0/~1 escapes)."""
    if not ref.startswith("#/"):
        raise ValueError(f"only local $refs are supported, got {ref!r}")
    node: Any = spec
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or token not in node:
            raise KeyError(f"dangling $ref {ref!r}: no {token!r}")
        node = node[token]
    return node


def deref(spec: Mapping[str, Any], node: Any) -> Any:
    """Follow `$ref`s until a non-reference object is reached (bounded, cycles are an error)."""
    seen: set[str] = set()
    while isinstance(node, Mapping) and "$ref" in node:
        ref = node["$ref"]
        if ref in seen:
            raise ValueError(f"$ref cycle through {ref!r}")
        seen.add(ref)
        node = resolve_ref(spec, ref)
    return node


def ref_name(node: Any) -> str | None:
    """`Run` for {"$ref": "#/components/schemas/Run"}, else None."""
    if (
        isinstance(node, Mapping)
        and isinstance(node.get("$ref"), str)
        and node["$ref"].startswith(_REF_PREFIX)
    ):
        return str(node["$ref"][len(_REF_PREFIX) :])
    return None


def self_contained(spec: Mapping[str, Any], schema: Any, *, _stack: tuple[str, ...] = ()) -> Any:
    """`schema` with every `$ref` replaced by a copy of its target: a plain JSON Schema (2020-12).

    Sibling keywords next to a `$ref` (OAS 3.1 allows e.g. a description there) are kept; the
    target's keywords win for validation, which is what matters for generation and validation.
    Recursive schemas are refused with the cycle named (this spec has none).
    """
    if isinstance(schema, list):
        return [self_contained(spec, item, _stack=_stack) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    if "$ref" in schema:
        ref = schema["$ref"]
        if ref in _stack:
            raise ValueError("recursive schema: " + " -> ".join([*_stack, ref]))
        target = self_contained(spec, resolve_ref(spec, ref), _stack=(*_stack, ref))
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        return {**siblings, **target}
    return {key: self_contained(spec, value, _stack=_stack) for key, value in schema.items()}


def merge_all_of(spec: dict[str, Any]) -> None:
    """Replace, in place, each `allOf` of object schemas by the single object schema it means.

    The merged object has the union of the members' properties and of their `required` lists.
    That is exact as long as no member closes itself (`additionalProperties: false` would then
    refuse the other members' properties) and no property is declared differently by two members;
    such an `allOf` is left as it is, and the checks reading it report what they cannot follow.
    """
    for schema in component_schemas(spec).values():
        for _pointer, node in list(iter_schema_nodes(schema)):
            _merge_node(spec, node)


def _merge_node(spec: Mapping[str, Any], node: Mapping[str, Any]) -> None:
    members = node.get("allOf")
    if not isinstance(node, dict) or not isinstance(members, list) or not members:
        return
    resolved = [deref(spec, m) for m in members]
    if not all(isinstance(m, Mapping) and is_object_schema(m) and "allOf" not in m for m in resolved):
        return
    if any(m.get("additionalProperties") is False for m in resolved):
        return
    properties: dict[str, Any] = dict(node.get("properties") or {})
    required: list[str] = list(node.get("required") or [])
    for member in resolved:
        for name, sub in (member.get("properties") or {}).items():
            if name in properties and properties[name] != sub:
                return
            properties[name] = copy.deepcopy(sub)
        required += [r for r in member.get("required") or [] if r not in required]
    del node["allOf"]
    node["type"] = "object"
    node["properties"] = properties
    if required:
        node["required"] = required


def schema_types(schema: Mapping[str, Any]) -> list[str]:
    """The JSON types a schema names explicitly (3.1 allows a list, e.g. ["string", "null"])."""
    declared = schema.get("type")
    if declared is None:
        return []
    return [declared] if isinstance(declared, str) else list(declared)


def is_object_schema(schema: Mapping[str, Any]) -> bool:
    return "object" in schema_types(schema) or "properties" in schema


def is_enum_schema(schema: Mapping[str, Any]) -> bool:
    return "enum" in schema


# -- deterministic sample instances -------------------------------------------------------------------

_FORMAT_SAMPLES: dict[str, Any] = {
    "uuid": "00000000-0000-4000-8000-000000000001",
    "date-time": "2026-01-01T00:00:00+00:00",
    "date": "2026-01-01",
    "uri": "https://example.com/contract",
    # A multipart file part; only meaningful for multipart bodies (a JSON body cannot hold bytes).
    "binary": b"contract-test-bytes",
}


def _sample(spec: Mapping[str, Any], schema: Any, full: bool, depth: int) -> Any:
    if depth > 32:
        raise ValueError("schema nesting deeper than 32 levels (recursive schema?)")
    schema = deref(spec, schema)
    if not isinstance(schema, Mapping):
        return None
    for union in ("oneOf", "anyOf"):
        if union in schema:
            members = [deref(spec, m) for m in schema[union]]
            non_null = [m for m in members if schema_types(m) != ["null"]]
            return _sample(spec, (non_null or members)[0], full, depth + 1)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    types = [t for t in schema_types(schema) if t != "null"] or schema_types(schema)
    kind = types[0] if types else ("object" if "properties" in schema else None)
    if kind == "object":
        props: Mapping[str, Any] = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        return {
            name: _sample(spec, sub, full, depth + 1)
            for name, sub in props.items()
            if full or name in required
        }
    if kind == "array":
        # minItems is honoured: CreateTestRequest needs at least one step even in a minimal body.
        count = max(int(schema.get("minItems", 0)), 1 if full else 0)
        return [_sample(spec, schema.get("items", {}), full, depth + 1) for _ in range(count)]
    if kind == "string":
        fmt = schema.get("format")
        if fmt in _FORMAT_SAMPLES:
            return _FORMAT_SAMPLES[fmt]
        minimum = int(schema.get("minLength", 1))
        return "s" * max(minimum, 1)
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1.5))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    # {} (any value): a string is as good as anything.
    return "any"


def minimal_instance(spec: Mapping[str, Any], schema: Any) -> Any:
    """A small valid instance: required properties only, empty arrays, first enum value."""
    return _sample(spec, schema, full=False, depth=0)


def full_instance(spec: Mapping[str, Any], schema: Any) -> Any:
    """A valid instance with every declared property present (first union member, one array item)."""
    return _sample(spec, schema, full=True, depth=0)


def iter_schema_nodes(schema: Any, pointer: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every sub-schema mapping of `schema` with its JSON pointer (refs are not followed)."""
    if not isinstance(schema, Mapping):
        return
    yield pointer, schema
    for key in ("properties", "$defs"):
        for name, sub in (schema.get(key) or {}).items():
            yield from iter_schema_nodes(sub, f"{pointer}/{key}/{escape_pointer(name)}")
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), Mapping):
            yield from iter_schema_nodes(schema[key], f"{pointer}/{key}")
    for key in ("oneOf", "anyOf", "allOf"):
        for index, sub in enumerate(schema.get(key) or []):
            yield from iter_schema_nodes(sub, f"{pointer}/{key}/{index}")


def escape_pointer(token: str) -> str:
    """A JSON pointer token (RFC 6901): `~` -> `~0`, `/` -> `~1`."""
    return token.replace("~", "~0").replace("/", "~1")


_PATH_TEMPLATE = re.compile(r"\{([^{}]+)\}")


def path_template_names(path: str) -> list[str]:
    """["webhookId", "secret"] for "/v1/groups/webhook/{webhookId}/{secret}"."""
    return _PATH_TEMPLATE.findall(path)
