"""Compare two schemas in one direction (request: what the client sends; response: what it parses).

The same structural difference means opposite things in the two directions: a value that may now
be null is harmless in a request and breaks response parsing; a removed enum value breaks requests
and only thins out responses. Every rule id is direction-prefixed; severities live in classify.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from codegen.diff.view import Doc, SchemaView, view
from codegen.errors import SpecError

__all__ = ["MAX_DEPTH", "Direction", "Walk", "compare_schema", "location"]

Direction = Literal["request", "response"]
#: Inline nesting deeper than this is not a realistic API schema: refuse rather than recurse on.
MAX_DEPTH = 64
_MAX_KEYS = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties")
_MIN_KEYS = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")


@dataclass
class Walk:
    """State of one operation's comparison: both documents, the sink for changes, visited pairs."""

    old: Doc
    new: Doc
    emit: Callable[[str, str, str], None]  # (rule, location, detail)
    #: (old key, new key, direction) pairs already compared: recursive schemas end, and a schema
    #: reachable twice in one operation is reported once (at its first location).
    seen: set[tuple[object, object, str]] = field(default_factory=set)


def location(where: str, path: str) -> str:
    return f"{where}: {path}" if path else where


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _fmt(values: list[Any]) -> str:
    return ", ".join(repr(v) for v in values)


def compare_schema(
    walk: Walk, old: Any, new: Any, direction: Direction, where: str, path: str = "", depth: int = 0
) -> None:
    loc = location(where, path)
    if depth > MAX_DEPTH:
        # Recursion through $refs ends at `seen`; only absurd inline nesting gets here.
        raise SpecError(walk.new.label, loc, f"schemas nested more than {MAX_DEPTH} levels deep inline")
    ov, nv = view(walk.old, old), view(walk.new, new)
    pair = (ov.key, nv.key, direction)
    if pair in walk.seen:
        return
    walk.seen.add(pair)
    _nullability(walk, ov, nv, direction, loc)
    if not _types(walk, ov, nv, direction, loc):
        return  # different kinds of value: their insides are not comparable
    _enums(walk, ov, nv, direction, loc)
    if direction == "request":
        _constraints(walk, ov, nv, loc)
        _default(walk, ov, nv, loc)
    _properties(walk, ov, nv, direction, where, path, depth)
    if ov.items is not None and nv.items is not None:
        compare_schema(walk, ov.items, nv.items, direction, where, f"{path}[]", depth + 1)
    if ov.additional is not None and nv.additional is not None:
        compare_schema(walk, ov.additional, nv.additional, direction, where, f"{path}{{*}}", depth + 1)
    _variants(walk, ov, nv, direction, where, path, depth)


def _nullability(walk: Walk, ov: SchemaView, nv: SchemaView, direction: Direction, loc: str) -> None:
    if ov.nullable == nv.nullable:
        return
    if direction == "response":
        if nv.nullable:
            walk.emit("response-became-nullable", loc, "may now be null")
        else:
            walk.emit("response-became-non-nullable", loc, "is no longer null")
    elif nv.nullable:
        walk.emit("request-became-nullable", loc, "now accepts null")
    else:
        walk.emit("request-became-non-nullable", loc, "no longer accepts null")


def _accepts(wide: frozenset[str] | None, narrow: frozenset[str] | None) -> bool:
    """Does a value of type `narrow` always satisfy type `wide`? (None = any; number ⊇ integer)."""
    if wide is None:
        return True
    if narrow is None:
        return False
    expanded = wide | {"integer"} if "number" in wide else wide
    return narrow <= expanded


def _types(walk: Walk, ov: SchemaView, nv: SchemaView, direction: Direction, loc: str) -> bool:
    """Report a type/format change; return whether the two schemas are still worth descending."""
    if ov.types == nv.types and ov.format == nv.format:
        return True
    detail = f"type {ov.type_label()} -> {nv.type_label()}"
    same_format = ov.format == nv.format
    if direction == "request":
        widened = same_format and _accepts(nv.types, ov.types)
        walk.emit("request-type-widened" if widened else "request-type-changed", loc, detail)
    else:
        narrowed = same_format and _accepts(ov.types, nv.types)
        walk.emit("response-type-narrowed" if narrowed else "response-type-changed", loc, detail)
    return ov.types is None or nv.types is None or bool(ov.types & nv.types)


def _enums(walk: Walk, ov: SchemaView, nv: SchemaView, direction: Direction, loc: str) -> None:
    if ov.enum is None and nv.enum is None:
        return
    request = direction == "request"
    if ov.enum is not None and nv.enum is not None:
        added = [v for v in nv.enum if v not in ov.enum]
        removed = [v for v in ov.enum if v not in nv.enum]
        if added:
            detail = f"enum value(s) {_fmt(added)} added"
            if request:
                walk.emit("request-enum-value-added", loc, detail)
            elif nv.open_enum:
                walk.emit("response-enum-value-added", loc, detail + _forward_note(nv))
            else:
                walk.emit("response-closed-enum-value-added", loc, detail + _forward_note(nv))
        if removed:
            rule = "request-enum-value-removed" if request else "response-enum-value-removed"
            walk.emit(rule, loc, f"enum value(s) {_fmt(removed)} removed")
    elif ov.enum is not None:
        if request:
            walk.emit("request-enum-value-added", loc, "enum restriction lifted: any value accepted")
        else:
            walk.emit("response-enum-value-added", loc, "enum restriction lifted: any value may come back")
    else:
        assert nv.enum is not None
        rule = "request-enum-value-removed" if request else "response-enum-value-removed"
        walk.emit(rule, loc, f"now restricted to enum values {_fmt(list(nv.enum))}")


def _forward_note(nv: SchemaView) -> str:
    if nv.open_enum:
        return " (open enum: this SDK's clients keep unknown values as str)"
    return " (closed enum: a client generated from the old spec rejects the new value)"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _constraints(walk: Walk, ov: SchemaView, nv: SchemaView, loc: str) -> None:
    for key in _MAX_KEYS + _MIN_KEYS:
        old, new = _number(ov.constraints.get(key)), _number(nv.constraints.get(key))
        if old == new:
            continue
        detail = f"{key} {_show(ov.constraints.get(key))} -> {_show(nv.constraints.get(key))}"
        if key in _MAX_KEYS:
            tightened = new is not None and (old is None or new < old)
            walk.emit("request-max-decreased" if tightened else "request-constraint-relaxed", loc, detail)
        else:
            tightened = new is not None and (old is None or new > old)
            walk.emit("request-min-increased" if tightened else "request-constraint-relaxed", loc, detail)
    old_pattern, new_pattern = ov.constraints.get("pattern"), nv.constraints.get("pattern")
    if old_pattern == new_pattern:
        return
    detail = f"pattern {_show(old_pattern)} -> {_show(new_pattern)}"
    if old_pattern is None:
        walk.emit("request-pattern-added", loc, detail)
    elif new_pattern is None:
        walk.emit("request-constraint-relaxed", loc, detail)
    else:
        walk.emit("request-pattern-changed", loc, detail)


def _show(value: Any) -> str:
    return "(none)" if value is None else repr(value)


def _default(walk: Walk, ov: SchemaView, nv: SchemaView, loc: str) -> None:
    if ov.default != nv.default:
        old = repr(ov.default[1]) if ov.default[0] else "(none)"
        new = repr(nv.default[1]) if nv.default[0] else "(none)"
        walk.emit("request-default-changed", loc, f"default {old} -> {new}")


def _visible(properties: dict[str, Any], direction: Direction) -> dict[str, Any]:
    """Properties that travel in this direction (readOnly never in requests, writeOnly never back)."""
    hidden = "readOnly" if direction == "request" else "writeOnly"
    return {k: v for k, v in properties.items() if not (isinstance(v, dict) and v.get(hidden) is True)}


def _properties(
    walk: Walk, ov: SchemaView, nv: SchemaView, direction: Direction, where: str, path: str, depth: int
) -> None:
    old_props, new_props = _visible(ov.properties, direction), _visible(nv.properties, direction)
    request = direction == "request"
    for name in [*old_props, *(n for n in new_props if n not in old_props)]:
        loc = location(where, _join(path, name))
        was_required, is_required = name in ov.required, name in nv.required
        if name not in new_props:
            rule = "request-property-removed" if request else "response-property-removed"
            walk.emit(rule, loc, f"property removed (was {'required' if was_required else 'optional'})")
        elif name not in old_props:
            if request:
                rule = "request-property-added-required" if is_required else "request-property-added"
            else:
                rule = "response-property-added"
            walk.emit(rule, loc, f"new {'required' if is_required else 'optional'} property")
        else:
            if was_required != is_required:
                now = "required" if is_required else "optional"
                walk.emit(f"{direction}-property-became-{now}", loc, f"became {now}")
            compare_schema(
                walk, old_props[name], new_props[name], direction, where, _join(path, name), depth + 1
            )


def _variant_identity(doc: Doc, node: Any) -> str:
    """What makes an alternative the same one on both sides: its $ref, else its exact content."""
    if isinstance(node, dict) and isinstance(node.get("$ref"), str):
        return "ref " + str(node["$ref"])
    return "inline " + json.dumps(node, sort_keys=True, default=str)


def _variant_kind(doc: Doc, node: Any) -> str:
    """A weaker match for changed alternatives: the kind of value (types, or the object's shape)."""
    v = view(doc, node)
    kind = sorted(v.types) if v.types is not None else None
    return json.dumps([kind, v.format, sorted(v.properties) if v.properties else None])


def _match_variants(
    walk: Walk, old: tuple[Any, ...], new: tuple[Any, ...]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair alternatives by content, not position: (pairs, unmatched old, unmatched new) indexes.

    Same $ref or identical schema first; then same kind of value (a changed alternative); what is
    left pairs up in order only if both sides have the same number left.
    """
    pairs: list[tuple[int, int]] = []
    old_left, new_left = list(range(len(old))), list(range(len(new)))
    for key in (_variant_identity, _variant_kind):
        for i in list(old_left):
            wanted = key(walk.old, old[i])
            j = next((j for j in new_left if key(walk.new, new[j]) == wanted), None)
            if j is not None:
                pairs.append((i, j))
                old_left.remove(i)
                new_left.remove(j)
    if len(old_left) == len(new_left):
        pairs.extend(zip(old_left, new_left, strict=True))
        old_left, new_left = [], []
    return sorted(pairs, key=lambda pair: pair[1]), old_left, new_left


def _variants(
    walk: Walk, ov: SchemaView, nv: SchemaView, direction: Direction, where: str, path: str, depth: int
) -> None:
    if not ov.variants or not nv.variants:
        return  # one side is a single schema: the type comparison already covered it
    pairs, removed, added = _match_variants(walk, ov.variants, nv.variants)
    for i, j in pairs:
        compare_schema(
            walk, ov.variants[i], nv.variants[j], direction, where, f"{path}<variant {j}>", depth + 1
        )
    if not removed and not added:
        return
    # Alternatives were added or removed: more alternatives widen the value, fewer narrow it.
    loc = location(where, path)
    detail = f"{len(ov.variants)} -> {len(nv.variants)} alternative schemas (oneOf/anyOf)"
    if added and not removed:
        walk.emit("request-type-widened" if direction == "request" else "response-type-changed", loc, detail)
    elif removed and not added:
        walk.emit("request-type-changed" if direction == "request" else "response-type-narrowed", loc, detail)
    else:
        walk.emit(f"{direction}-type-changed", loc, detail + " (some replaced)")
