"""A comparable view of one schema: `$ref`s resolved, nullability and open enums recognized.

The normalized spec spells the same idea several ways (`type: [string, 'null']`,
`oneOf: [$ref X, {type: 'null'}]`, the open-enum `anyOf: [$ref Enum, {type: string}]`, ...).
Comparing the raw YAML would report those spellings as changes; comparing views reports only
what a client can tell apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from codegen.errors import SpecError
from codegen.specdoc import resolve_pointer

__all__ = ["MAX_REF_HOPS", "Doc", "SchemaView", "view"]

#: A chain of plain `$ref`s longer than this is a loop (structure checks refuse those up front).
MAX_REF_HOPS = 32
#: Number formats describe a wire size; the generated Python type (int / float) does not change.
_NUMERIC_FORMATS = frozenset({"int32", "int64", "float", "double"})
_CONSTRAINTS = (
    "maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties",
    "minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties", "pattern",
)  # fmt: skip


@dataclass(frozen=True)
class Doc:
    """One side of the comparison: the spec and a label for error messages."""

    spec: dict[str, Any]
    label: str

    def resolve(self, node: Any) -> tuple[Any, str | None]:
        """Follow `$ref`s; sibling keys of a `$ref` (description, ...) are kept over the target."""
        ref: str | None = None
        siblings: dict[str, Any] = {}
        for _ in range(MAX_REF_HOPS):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                return ({**node, **siblings} if siblings and isinstance(node, dict) else node), ref
            ref = node["$ref"]
            siblings = {k: v for k, v in node.items() if k != "$ref"} | siblings
            found, node = resolve_pointer(self.spec, ref)
            if not found:
                raise SpecError(self.label, ref, f"dangling $ref {ref!r}")
        raise SpecError(self.label, str(ref), f"$ref chain longer than {MAX_REF_HOPS} hops")


@dataclass(frozen=True)
class SchemaView:
    #: Identity for cycle detection: the `$ref` the schema was reached by, else the node's id.
    key: object
    #: JSON types without "null"; None means "any".
    types: frozenset[str] | None
    format: str | None
    nullable: bool
    #: Allowed values without null; None when unrestricted.
    enum: tuple[Any, ...] | None = None
    #: The enum is the open pattern anyOf [Enum, string]: unknown values parse as str.
    open_enum: bool = False
    properties: dict[str, Any] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    items: Any = None
    additional: Any = None
    #: oneOf / anyOf members that are neither null nor the open-enum fallback, when more than one.
    variants: tuple[Any, ...] = ()
    constraints: dict[str, Any] = field(default_factory=dict)
    default: tuple[bool, Any] = (False, None)

    def type_label(self) -> str:
        text = "any" if self.types is None else "|".join(sorted(self.types))
        return f"{text} ({self.format})" if self.format else text


def _is_null(node: Any) -> bool:
    if not isinstance(node, dict):
        return False
    kind = node.get("type")
    return kind == "null" or kind == ["null"] or node.get("const", 0) is None or node.get("enum") == [None]


def _is_plain_string(node: Any) -> bool:
    return (
        isinstance(node, dict)
        and node.get("type") == "string"
        and not set(node) & {"enum", "format", "const"}
    )


def _merge_all_of(doc: Doc, node: dict[str, Any]) -> dict[str, Any]:
    """Flatten allOf into one object schema (properties and required are unions)."""
    merged = {k: v for k, v in node.items() if k != "allOf"}
    properties = dict(merged.get("properties") or {})
    required = list(merged.get("required") or [])
    for member in node.get("allOf") or []:
        part, _ = doc.resolve(member)
        if not isinstance(part, dict):
            continue
        if "allOf" in part:
            part = _merge_all_of(doc, part)
        properties.update(part.get("properties") or {})
        required.extend(r for r in part.get("required") or [] if r not in required)
        for key, value in part.items():
            merged.setdefault(key, value)
    if properties:
        merged["properties"] = properties
    if required:
        merged["required"] = required
    return merged


def _types(node: dict[str, Any]) -> tuple[frozenset[str] | None, bool]:
    kind = node.get("type")
    if isinstance(kind, str):
        return (frozenset() if kind == "null" else frozenset({kind})), kind == "null"
    if isinstance(kind, list):
        return frozenset(str(k) for k in kind if k != "null"), "null" in kind
    if "properties" in node or "additionalProperties" in node:
        return frozenset({"object"}), False
    if "items" in node:
        return frozenset({"array"}), False
    return None, False


def view(doc: Doc, schema: Any) -> SchemaView:
    node, ref = doc.resolve(schema)
    if not isinstance(node, dict):  # `true` / `{}` / junk: anything goes
        return SchemaView(key=ref or id(node), types=None, format=None, nullable=False)
    if "allOf" in node:
        node = _merge_all_of(doc, node)
    key: object = ref or id(node)
    for combinator in ("oneOf", "anyOf"):
        members = node.get(combinator)
        if not isinstance(members, list):
            continue
        resolved = [doc.resolve(m)[0] for m in members]
        nullable = any(_is_null(m) for m in resolved)
        rest = [m for m, r in zip(members, resolved, strict=True) if not _is_null(r)]
        if len(rest) == 1:
            inner = view(doc, rest[0])
            return replace(inner, key=ref or inner.key, nullable=inner.nullable or nullable)
        if len(rest) == 2:
            for enum_member, other in ((rest[0], rest[1]), (rest[1], rest[0])):
                target = doc.resolve(enum_member)[0]
                if _is_plain_string(doc.resolve(other)[0]) and isinstance(target, dict) and "enum" in target:
                    inner = view(doc, enum_member)
                    return replace(
                        inner, key=ref or inner.key, nullable=inner.nullable or nullable, open_enum=True
                    )
        types, type_null = _types(node)
        return SchemaView(
            key=key, types=types, format=None, nullable=nullable or type_null, variants=tuple(rest)
        )
    types, nullable = _types(node)
    nullable = nullable or node.get("nullable") is True
    enum: tuple[Any, ...] | None = None
    values: list[Any] | None = None
    if "const" in node:
        values = [node["const"]]
    elif isinstance(node.get("enum"), list):
        values = node["enum"]
    if values is not None:
        nullable = nullable or None in values
        enum = tuple(v for v in values if v is not None)
    fmt = node.get("format")
    additional = node.get("additionalProperties")
    return SchemaView(
        key=key,
        types=types,
        format=None if fmt is None or fmt in _NUMERIC_FORMATS else str(fmt),
        nullable=nullable,
        enum=enum,
        properties=dict(node.get("properties") or {}),
        required=frozenset(str(r) for r in node.get("required") or []),
        items=node.get("items"),
        additional=additional if isinstance(additional, dict) else None,
        constraints={k: node[k] for k in _CONSTRAINTS if k in node},
        default=(True, node["default"]) if "default" in node else (False, None),
    )
