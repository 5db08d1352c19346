"""Rule section `inline_schemas: {name: parent_property}`: name every nested inline object and enum.

The published spec declares most nested objects and enums inline. openapi-python-client names them
after their parent and property (ActStepType), but datamodel-code-generator names them after the
property alone and numbers the collisions (Type, Type1 ... Type12: "37 of 178 class names are
numbered collisions"), and the `open_enums` rule can only open enums that are component schemas.
This rule gives both generators, and every later rule, the same names: each inline object with
properties, and each inline enum, nested in a component schema becomes the component schema
<Parent><Property> (array items: <Parent><Property>Item; map values: <Parent><Property>Value),
innermost first, so nested names build on their parent's. An equal schema already under that name
is shared; a different one is an error asking for an `extract` rule, never a silent rename.
"""

from __future__ import annotations

from typing import Any

from codegen.errors import SpecError, pointer
from codegen.specdoc import schema_ref

__all__ = ["POLICIES", "is_string_enum", "name_inline_schemas"]

POLICIES = ("parent_property",)
_DOC_KEYS = frozenset({"description", "title", "example", "examples"})


def _shape(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _shape(v) for k, v in node.items() if k not in _DOC_KEYS}
    if isinstance(node, list):
        return [_shape(v) for v in node]
    return node


def _pascal(word: str) -> str:
    return word[:1].upper() + word[1:] if word else word


def is_string_enum(node: Any) -> bool:
    """An enum of strings: what generators turn into an Enum class and `open_enums` can open.

    A boolean or numeric enum (`added: {type: boolean, enum: [false]}`, a constant) stays inline:
    openapi-python-client writes no class for it, and opening it to any string would be wrong.
    """
    values = node.get("enum") if isinstance(node, dict) else None
    return isinstance(values, list) and bool(values) and all(isinstance(v, str) for v in values)


def _nameable(node: dict[str, Any]) -> bool:
    return is_string_enum(node) or (isinstance(node.get("properties"), dict) and bool(node["properties"]))


class _Namer:
    def __init__(self, schemas: dict[str, Any], source: str) -> None:
        self.schemas = schemas
        self.source = source
        self.named = 0

    def children(self, node: dict[str, Any], parent: str) -> None:
        """Name what is nested in `node`, a schema that is (or will be) the component `parent`."""
        for key, value in (node.get("properties") or {}).items():
            node["properties"][key] = self.slot(value, parent + _pascal(str(key)))
        if isinstance(node.get("items"), dict):
            node["items"] = self.slot(node["items"], parent + "Item")
        if isinstance(node.get("additionalProperties"), dict):
            node["additionalProperties"] = self.slot(node["additionalProperties"], parent + "Value")
        for keyword in ("anyOf", "oneOf", "allOf"):
            members = node.get(keyword)
            if isinstance(members, list):
                nameable = [m for m in members if isinstance(m, dict) and "$ref" not in m and _nameable(m)]
                for i, member in enumerate(members):
                    if isinstance(member, dict) and "$ref" not in member:
                        suffix = f"Option{i}" if len(nameable) > 1 and _nameable(member) else ""
                        # allOf members describe the parent itself: their properties are the parent's.
                        if keyword == "allOf":
                            self.children(member, parent)
                        else:
                            members[i] = self.slot(member, parent + suffix)

    def slot(self, node: Any, name: str) -> Any:
        if not isinstance(node, dict) or "$ref" in node:
            return node
        self.children(node, name)
        if not _nameable(node):
            return node
        existing = self.schemas.get(name)
        if existing is not None and _shape(existing) != _shape(node):
            raise SpecError(
                self.source,
                pointer("components", "schemas", name),
                "an inline schema would take this name but differs from it; add an `extract` rule naming it",
            )
        self.schemas.setdefault(name, node)
        self.named += 1
        return schema_ref(name)


def name_inline_schemas(spec: dict[str, Any], source: str, stale: list[str]) -> None:
    schemas: dict[str, Any] = spec["components"]["schemas"]
    namer = _Namer(schemas, source)
    for name in list(schemas):
        schema = schemas[name]
        if isinstance(schema, dict):
            namer.children(schema, name)
    if not namer.named:
        stale.append(
            "inline_schemas: no nested inline object or enum left to name"
            " (fix: delete the `inline_schemas` section)"
        )
