"""Rule sections for what the published TesterArmy spec needs besides the classic rules.

They run first, on the 3.1 form of the vendored spec (codegen/oas30.py), so every later rule
(extract, errors, schemas, operations, ...) sees their result. Like every rule, each entry must
match the spec: one that matches nothing is reported as stale, naming the entry.

- `overlays`: Overlay 1.0 documents (paths relative to the rules file) applied in order
  (codegen/overlay.py); each of their actions must match.
- `error_bodies: {into: <schema>}`: every inline error body (non-2xx) with exactly the shape of
  that component schema becomes a $ref to it (upstream repeats {error, message} 234 times).
- `bodies`: "METHOD /path" -> {request | <status>: Name}: an inline request or response body
  becomes the component schema Name (readable model names instead of PostV1ProjectsResponse201).
- `unions`: a oneOf/anyOf at a locator whose inline members are told apart by single properties:
  each `variants` entry names the member whose `when` properties (enums) contain the given values;
  with `discriminator: <property>` an explicit discriminator with its mapping is added, allowed
  only where that property is required in every variant and selects one variant per value.
- `inline_schemas`: see codegen/inline_names.py (the one section here that runs late, after the
  classic rules have named and renamed everything else).
- `parameter_schemas`: "METHOD /path" -> parameter -> {upstream, schema}: the parameter's schema is
  replaced by `schema` while upstream's still equals `upstream` (documentation keys aside); a
  changed upstream schema makes the entry stale instead of being overwritten unseen.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codegen.errors import SpecError, pointer
from codegen.inline_names import POLICIES
from codegen.overlay import apply_overlay, load_overlay
from codegen.specdoc import HTTP_METHODS, SCHEMA_REF_PREFIX, resolve_pointer, schema_ref
from codegen.structure import check_structure

__all__ = ["SECTIONS", "QuirkRules", "UnionRule", "UnionVariant", "apply_quirks", "load_quirks"]

SECTIONS = frozenset({"overlays", "error_bodies", "bodies", "unions", "parameter_schemas", "inline_schemas"})
_DOC_KEYS = frozenset({"description", "title", "example", "examples"})
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_KEY = re.compile(r"^([A-Z]+) (/\S*)$")


@dataclass(frozen=True)
class UnionVariant:
    name: str
    when: dict[str, str]


@dataclass(frozen=True)
class UnionRule:
    at: tuple[str | int, ...]
    variants: tuple[UnionVariant, ...]
    discriminator: str | None = None


@dataclass(frozen=True)
class QuirkRules:
    overlays: tuple[Path, ...] = ()
    error_body: str | None = None
    bodies: dict[str, dict[str, str]] = field(default_factory=dict)
    unions: tuple[UnionRule, ...] = ()
    #: "METHOD /path" -> parameter -> (upstream schema, replacement schema)
    parameter_schemas: dict[str, dict[str, tuple[dict[str, Any], dict[str, Any]]]] = field(
        default_factory=dict
    )
    #: `inline_schemas: {name: parent_property}` (codegen/inline_names.py); runs late, see normalize.
    inline_schemas: bool = False


def _require(cond: bool, source: str, where: str, problem: str) -> None:
    if not cond:
        raise SpecError(source, where, problem)


def _name(value: Any, source: str, where: str) -> str:
    _require(isinstance(value, str) and bool(_NAME.match(value)), source, where, f"{value!r} is not a name")
    return str(value)


def _operation_key(value: Any, source: str, where: str) -> str:
    _require(
        isinstance(value, str) and bool(_KEY.match(value)), source, where, f"{value!r} is not 'METHOD /path'"
    )
    return str(value)


def load_quirks(raw: dict[str, Any], source: str, base: Path) -> QuirkRules:
    """The sections above from a parsed rules file (absent sections are empty)."""
    overlays = tuple(base / str(p) for p in raw.get("overlays") or [])
    error_body = None
    if raw.get("error_bodies") is not None:
        error_body = _name((raw["error_bodies"] or {}).get("into"), source, "/error_bodies/into")
    bodies: dict[str, dict[str, str]] = {}
    for key, targets in (raw.get("bodies") or {}).items():
        where = f"/bodies/{key}"
        _require(
            isinstance(targets, dict) and bool(targets), source, where, "maps request/<status> to a name"
        )
        bodies[_operation_key(key, source, where)] = {
            str(k): _name(v, source, f"{where}/{k}") for k, v in targets.items()
        }
    unions = []
    for i, item in enumerate(raw.get("unions") or []):
        where = f"/unions/{i}"
        _require(isinstance(item, dict) and isinstance(item.get("at"), list), source, where, "needs `at`")
        variants = tuple(
            UnionVariant(
                _name(v.get("name"), source, f"{where}/variants/{j}"),
                {str(p): str(value) for p, value in (v.get("when") or {}).items()},
            )
            for j, v in enumerate(item.get("variants") or [])
        )
        _require(bool(variants), source, where, "needs `variants`")
        unions.append(UnionRule(tuple(item["at"]), variants, item.get("discriminator")))
    params: dict[str, dict[str, tuple[dict[str, Any], dict[str, Any]]]] = {}
    for key, by_name in (raw.get("parameter_schemas") or {}).items():
        where = f"/parameter_schemas/{key}"
        entries = {}
        for name, entry in (by_name or {}).items():
            ok = isinstance(entry, dict) and isinstance(entry.get("upstream"), dict)
            _require(
                ok and isinstance(entry.get("schema"), dict),
                source,
                f"{where}/{name}",
                "needs upstream+schema",
            )
            entries[str(name)] = (dict(entry["upstream"]), dict(entry["schema"]))
        params[_operation_key(key, source, where)] = entries
    inline = raw.get("inline_schemas")
    if inline is not None:
        policy = (inline or {}).get("name")
        _require(policy in POLICIES, source, "/inline_schemas/name", f"{policy!r} is not one of {POLICIES}")
    return QuirkRules(overlays, error_body, bodies, tuple(unions), params, inline is not None)


def _shape(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _shape(v) for k, v in node.items() if k not in _DOC_KEYS}
    if isinstance(node, list):
        return [_shape(v) for v in node]
    return node


def _operation(spec: dict[str, Any], key: str) -> dict[str, Any] | None:
    match = _KEY.match(key)
    assert match is not None  # checked on load
    method, path = match.group(1).lower(), match.group(2)
    item = (spec.get("paths") or {}).get(path)
    operation = item.get(method) if isinstance(item, dict) and method in HTTP_METHODS else None
    return operation if isinstance(operation, dict) else None


def _adopt(schemas: dict[str, Any], name: str, schema: Any, source: str) -> dict[str, str]:
    """Put `schema` under components as `name` (sharing an equal one) and return a $ref to it."""
    if name in schemas and _shape(schemas[name]) != _shape(schema):
        raise SpecError(source, pointer("components", "schemas", name), "exists with another shape")
    schemas.setdefault(name, schema)
    return schema_ref(name)


def apply_quirks(spec: dict[str, Any], rules: QuirkRules, source: str, stale: list[str]) -> dict[str, Any]:
    for path in rules.overlays:
        spec = apply_overlay(spec, load_overlay(path), f"{source} + {path.name}")
    if rules.overlays:
        check_structure(spec, f"{source} (after overlays)")
    schemas: dict[str, Any] = spec.setdefault("components", {}).setdefault("schemas", {})
    if rules.error_body is not None:
        _error_bodies(spec, schemas, rules.error_body, stale)
    for key, targets in rules.bodies.items():
        _bodies(spec, schemas, key, targets, source, stale)
    for union in rules.unions:
        _union(spec, schemas, union, source, stale)
    for key, entries in rules.parameter_schemas.items():
        _parameter_schemas(spec, key, entries, stale)
    return spec


def _media_schemas(container: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in (container.get("content") or {}).values() if isinstance(m, dict) and "schema" in m]


def _error_bodies(spec: dict[str, Any], schemas: dict[str, Any], into: str, stale: list[str]) -> None:
    if into not in schemas:
        stale.append(f"error_bodies: schema {into!r} does not exist (fix: name an existing schema in `into`)")
        return
    expected = _shape(schemas[into])
    replaced = 0
    for item in (spec.get("paths") or {}).values():
        for method in HTTP_METHODS:
            operation = item.get(method) if isinstance(item, dict) else None
            for status, response in ((operation or {}).get("responses") or {}).items():
                if str(status).startswith("2") or not isinstance(response, dict):
                    continue
                for media in _media_schemas(response):
                    if "$ref" not in media["schema"] and _shape(media["schema"]) == expected:
                        media["schema"] = schema_ref(into)
                        replaced += 1
    if not replaced:
        stale.append(
            f"error_bodies: no inline error body has the shape of {into!r}"
            " (fix: upstream refers to it now: delete the `error_bodies` section)"
        )


def _bodies(
    spec: dict[str, Any],
    schemas: dict[str, Any],
    key: str,
    targets: dict[str, str],
    source: str,
    stale: list[str],
) -> None:
    operation = _operation(spec, key)
    if operation is None:
        stale.append(f"bodies: {key!r} does not exist (fix: delete `bodies.{key}`, or rename its key)")
        return
    for slot, name in targets.items():
        holder = (
            operation.get("requestBody")
            if slot == "request"
            else (operation.get("responses") or {}).get(slot)
        )
        media = _media_schemas(holder) if isinstance(holder, dict) else []
        inline = [m for m in media if "$ref" not in m["schema"]]
        if not inline:
            stale.append(
                f"bodies: {key!r} has no inline {slot} body to name {name!r}"
                f" (fix: delete `{slot}` from `bodies.{key}`)"
            )
            continue
        for m in inline:
            m["schema"] = _adopt(schemas, name, m["schema"], source)


def _enum_values(member: Any, schemas: dict[str, Any], prop: str) -> list[Any]:
    if isinstance(member, dict) and "$ref" in member:
        member = schemas.get(str(member["$ref"]).removeprefix(SCHEMA_REF_PREFIX))
    schema = ((member or {}).get("properties") or {}).get(prop) if isinstance(member, dict) else None
    return list(schema.get("enum") or []) if isinstance(schema, dict) else []


def _union(
    spec: dict[str, Any], schemas: dict[str, Any], rule: UnionRule, source: str, stale: list[str]
) -> None:
    label = "unions " + "/".join(str(p) for p in rule.at)
    found, node = resolve_pointer(
        spec, "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in rule.at)
    )
    keyword = next((k for k in ("oneOf", "anyOf") if isinstance(node, dict) and k in node), None)
    if not found or keyword is None:
        stale.append(
            f"{label}: no oneOf/anyOf there (fix: point `at` where the union moved, or delete the entry)"
        )
        return
    members: list[Any] = node[keyword]
    named: dict[int, UnionVariant] = {}
    for variant in rule.variants:
        hits = [
            i
            for i, m in enumerate(members)
            if all(value in _enum_values(m, schemas, prop) for prop, value in variant.when.items())
        ]
        if len(hits) != 1:
            stale.append(
                f"{label}: {len(hits)} members match variant {variant.name} {variant.when}"
                " (fix: make `when` select exactly one member)"
            )
            return
        named[hits[0]] = variant
    unnamed = [
        i
        for i, m in enumerate(members)
        if i not in named and isinstance(m, dict) and "$ref" not in m and m.get("type") != "null"
    ]
    if unnamed:
        stale.append(
            f"{label}: inline member(s) {unnamed} named by no variant (fix: add a variant naming each)"
        )
        return
    for index, variant in named.items():
        if "$ref" not in members[index]:
            members[index] = _adopt(schemas, variant.name, members[index], source)
    if rule.discriminator is not None:
        node["discriminator"] = _discriminator(schemas, members, named, rule.discriminator, source, label)


def _discriminator(
    schemas: dict[str, Any],
    members: list[Any],
    named: dict[int, UnionVariant],
    prop: str,
    source: str,
    label: str,
) -> dict[str, Any]:
    if len(named) != len(members):
        raise SpecError(source, label, "a discriminator needs every member to be a named variant")
    mapping: dict[str, str] = {}
    for index in sorted(named):
        name = str(members[index]["$ref"]).removeprefix(SCHEMA_REF_PREFIX)
        schema = schemas[name]
        if prop not in (schema.get("required") or []):
            raise SpecError(source, label, f"discriminator {prop!r} is not required in {name}")
        for value in _enum_values(schema, schemas, prop):
            if str(value) in mapping:
                raise SpecError(source, label, f"{prop}={value!r} selects two variants")
            mapping[str(value)] = SCHEMA_REF_PREFIX + name
    return {"propertyName": prop, "mapping": mapping}


def _parameter_schemas(
    spec: dict[str, Any],
    key: str,
    entries: dict[str, tuple[dict[str, Any], dict[str, Any]]],
    stale: list[str],
) -> None:
    operation = _operation(spec, key)
    if operation is None:
        stale.append(f"parameter_schemas: {key!r} does not exist (fix: delete `parameter_schemas.{key}`)")
        return
    for name, (upstream, replacement) in entries.items():
        param = next(
            (p for p in operation.get("parameters") or [] if isinstance(p, dict) and p.get("name") == name),
            None,
        )
        if param is None or not isinstance(param.get("schema"), dict):
            stale.append(
                f"parameter_schemas: {key!r} has no parameter {name!r}"
                f" (fix: delete `parameter_schemas.{key}.{name}`)"
            )
            continue
        if _shape(param["schema"]) != _shape(upstream):
            stale.append(
                f"parameter_schemas: {key!r} {name!r} is no longer {upstream} upstream"
                " (fix: review the new schema, then update `upstream` or delete the entry)"
            )
            continue
        docs = {k: v for k, v in param["schema"].items() if k in _DOC_KEYS}
        param["schema"] = {**copy.deepcopy(replacement), **docs}
