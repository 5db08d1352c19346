"""Apply codegen/rules.yaml to a vendored spec and return the spec the generators see.

Each `_apply_*` function is one rule section, pure over a deep copy of the document. Rule entries
that match nothing are collected and reported together (`StaleRulesError`): a spec update must
never silently make a fix stop applying.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from codegen.errors import SpecError, pointer
from codegen.inline_names import name_inline_schemas
from codegen.liberal import apply_open_enums, apply_tolerated
from codegen.naming import default_name, disambiguate, operation_key
from codegen.oas30 import upgrade_to_31
from codegen.quirks import apply_quirks
from codegen.rules import AuthRule, ErrorRule, Locator, Rules
from codegen.specdoc import SCHEMA_REF_PREFIX, iter_operations, rewrite_refs, schema_ref

__all__ = ["Normalized", "StaleRulesError", "normalize"]

_IGNORED_FOR_SHAPE = {"description", "title", "required", "example", "examples"}


class StaleRulesError(SpecError):
    """One or more rules no longer match the spec they are applied to."""

    def __init__(self, source: str, stale: list[str], partial: Normalized | None = None) -> None:
        self.stale = stale
        #: The spec with every rule that still matches applied: the change report (codegen/diff)
        #: compares it, so stale rules and what changed upstream are reported in the same run.
        self.partial = partial
        # One line per entry (entry, what no longer matches, the fix), so each can be acted on alone.
        listing = "".join(f"\n  - {entry}" for entry in stale)
        super().__init__(source, "codegen/rules.yaml", f"{len(stale)} rule(s) no longer match:{listing}")


@dataclass
class Normalized:
    spec: dict[str, Any]
    #: upstream "METHOD /path" -> "<resource>.<name>"
    operation_names: dict[str, str] = field(default_factory=dict)
    #: Human-readable notes (e.g. names derived for operations the rules do not know yet).
    notes: list[str] = field(default_factory=list)


@dataclass
class _Context:
    source: str
    stale: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def stale_rule(self, entry: str, fix: str) -> None:
        """Record a rule entry that no longer matches, with what to do about it (one line)."""
        self.stale.append(f"{entry} (fix: {fix})")


def normalize(vendored: dict[str, Any], rules: Rules, source: str) -> Normalized:
    spec = upgrade_to_31(vendored)  # a deep copy; 3.0.x documents are rewritten as 3.1
    ctx = _Context(source)
    spec = apply_quirks(spec, rules.quirks, source, ctx.stale)
    _apply_extract(spec, rules, ctx)
    if rules.errors is not None:
        _apply_errors(spec, rules.errors, ctx)
    _apply_schema_renames(spec, rules.schemas, ctx)
    if rules.auth is not None:
        _apply_auth(spec, rules.auth, ctx)
    if rules.servers is not None:
        spec["servers"] = copy.deepcopy(rules.servers)
    _apply_error_responses(spec, rules, ctx)
    _apply_parameter_constraints(spec, rules, ctx)
    names = _apply_operations(spec, rules, ctx)
    if rules.quirks.inline_schemas:
        name_inline_schemas(spec, source, ctx.stale)
    if rules.require_bodies_with_required_properties:
        _apply_required_bodies(spec, ctx)
    # Liberal in what we accept (codegen/liberal.py): last, once every schema has its final name.
    if rules.tolerated:
        apply_tolerated(spec, rules.tolerated, source, ctx.stale_rule)
    if rules.open_enums_in_responses:
        apply_open_enums(spec, ctx.stale_rule)
    result = Normalized(spec=_ordered(spec), operation_names=names, notes=ctx.notes)
    if ctx.stale:
        raise StaleRulesError(source, ctx.stale, result)
    return result


# -- 1. extract ------------------------------------------------------------------------------------


def _locate(spec: Any, locator: Locator) -> tuple[Any, str | int] | None:
    """Return (container, key) for the node the locator names, or None if it is not there."""
    node = spec
    parent: Any = None
    key: str | int = ""
    for part in locator:
        parent = node
        if isinstance(part, tuple):
            field_name, value = part
            if not isinstance(node, list):
                return None
            matches = [
                i for i, item in enumerate(node) if isinstance(item, dict) and item.get(field_name) == value
            ]
            if len(matches) != 1:
                return None
            key = matches[0]
        elif (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            key = part
        else:
            return None
        node = parent[key]
    return parent, key


def _shape(schema: Any) -> Any:
    """A schema without its documentation keys, for structural comparison."""
    if isinstance(schema, dict):
        return {k: _shape(v) for k, v in schema.items() if k not in _IGNORED_FOR_SHAPE}
    if isinstance(schema, list):
        return [_shape(v) for v in schema]
    return schema


def _apply_extract(spec: dict[str, Any], rules: Rules, ctx: _Context) -> None:
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for rule in rules.extract:
        found: list[tuple[Locator, Any, str | int]] = []
        for locator in rule.at:
            hit = _locate(spec, locator)
            entry = f"extract {rule.name}: at {_render(locator)}"
            if hit is None:
                ctx.stale_rule(
                    f"{entry}: nothing there", "remove this locator, or point it where the schema moved"
                )
            elif hit[0][hit[1]] == schema_ref(rule.name):
                ctx.stale_rule(
                    f"{entry}: already a $ref to {rule.name}", "upstream names it now; remove this locator"
                )
            else:
                found.append((locator, *hit))
        if not found:
            continue
        first = found[0][1][found[0][2]]
        reference = schemas.get(rule.name, first)
        differing = [
            _render(loc) for loc, container, key in found if _shape(container[key]) != _shape(reference)
        ]
        if differing:
            # Merging would change the meaning of these schemas: the rule is skipped, not half-applied.
            ctx.stale_rule(
                f"extract {rule.name}: the schemas to merge differ (at {', '.join(differing)})",
                "drop the locators whose schema changed upstream, or give them their own extract entry",
            )
            continue
        schemas.setdefault(rule.name, copy.deepcopy(first))
        for _locator, container, key in found:
            container[key] = schema_ref(rule.name)


def _render(locator: Locator) -> str:
    return "/".join(f"[{p[0]}={p[1]}]" if isinstance(p, tuple) else str(p) for p in locator)


# -- 2. error schemas ----------------------------------------------------------------------------------


def _apply_errors(spec: dict[str, Any], rule: ErrorRule, ctx: _Context) -> None:
    schemas: dict[str, Any] = spec["components"]["schemas"]
    matching = [name for name in schemas if rule.match.match(name)]
    if not matching:
        ctx.stale_rule(f"errors: no schema matches {rule.match.pattern!r}", "delete the `errors` section")
        return
    if rule.into in schemas:
        raise SpecError(
            ctx.source, pointer("components", "schemas", rule.into), "already exists; cannot collapse"
        )
    expected = _shape(rule.schema)
    for name in matching:
        if _shape(schemas[name]) != expected:
            raise SpecError(
                ctx.source,
                pointer("components", "schemas", name),
                f"named like an error schema but its shape differs from `{rule.into}`; not merged",
            )
    for name in matching:
        del schemas[name]
    schemas[rule.into] = copy.deepcopy(rule.schema)
    targets = {SCHEMA_REF_PREFIX + name for name in matching}
    rewrite_refs(spec, lambda ref: SCHEMA_REF_PREFIX + rule.into if ref in targets else ref)


# -- 3. schema names -------------------------------------------------------------------------------------


def _apply_schema_renames(spec: dict[str, Any], renames: dict[str, str], ctx: _Context) -> None:
    schemas: dict[str, Any] = spec["components"]["schemas"]
    applied: dict[str, str] = {}
    for old, new in renames.items():
        if old not in schemas:
            ctx.stale_rule(f"schemas: {old!r} does not exist", f"delete the entry `{old}: {new}`")
            continue
        if new in schemas and new not in renames:
            raise SpecError(
                ctx.source, pointer("components", "schemas", new), f"rename target of {old!r} exists"
            )
        applied[old] = new
    # openapi-python-client names classes after `title` when there is one, so a title that
    # repeats the upstream name must follow the rename or the class keeps the old name.
    for old, new in applied.items():
        if isinstance(schemas[old], dict) and schemas[old].get("title") == old:
            schemas[old]["title"] = new
    # Rebuild the mapping to keep document order while renaming keys.
    spec["components"]["schemas"] = {applied.get(k, k): v for k, v in schemas.items()}
    refs = {SCHEMA_REF_PREFIX + old: SCHEMA_REF_PREFIX + new for old, new in applied.items()}
    rewrite_refs(spec, lambda ref: refs.get(ref, ref))


# -- 4. auth ---------------------------------------------------------------------------------------------


def _apply_auth(spec: dict[str, Any], rules: AuthRule, ctx: _Context) -> None:
    schemes = spec.get("components", {}).get("securitySchemes", {})
    if rules.security_scheme not in schemes:
        ctx.stale_rule(
            f"auth: security scheme {rules.security_scheme!r} is not declared",
            "set `auth.security_scheme` to a scheme the spec declares",
        )
        return
    header = rules.header_parameter.lower()

    def is_auth_header(p: Any) -> bool:
        return isinstance(p, dict) and p.get("in") == "header" and str(p.get("name", "")).lower() == header

    operations = [operation for _path, _method, operation in iter_operations(spec)]
    if not any(is_auth_header(p) for op in operations for p in op.get("parameters") or []):
        # Upstream declares security itself now: applying the rule would make every operation
        # anonymous, so a stale auth rule changes nothing (and the report shows the spec's own).
        ctx.stale_rule(
            f"auth: no operation declares a {rules.header_parameter!r} header parameter",
            "upstream no longer needs it: delete the `auth` section",
        )
        return
    for operation in operations:
        params = operation.get("parameters") or []
        kept = [p for p in params if not is_auth_header(p)]
        if kept:
            operation["parameters"] = kept
        else:
            operation.pop("parameters", None)
        if len(kept) != len(params):
            operation.pop("security", None)  # inherits the document-level requirement below
        else:
            operation.setdefault("security", [])  # one it declares itself stays
    spec["security"] = [{rules.security_scheme: []}]


# -- 5b/5c. error statuses and parameter constraints --------------------------------------------------


def _error_response(description: str, error_schema: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema_ref(error_schema)}}}


def _apply_error_responses(spec: dict[str, Any], rules: Rules, ctx: _Context) -> None:
    if not (rules.error_responses_always or rules.error_responses_with_path_parameters):
        return
    error_schema = rules.errors.into if rules.errors is not None else "Error"
    if error_schema not in spec["components"]["schemas"]:
        ctx.stale_rule(
            f"error_responses: the error body schema {error_schema!r} does not exist",
            "keep an `errors` section naming it, or delete the `error_responses` section",
        )
        return
    added = 0
    for _path, _method, operation in iter_operations(spec):
        responses = operation.setdefault("responses", {})
        has_path_parameters = any(
            isinstance(p, dict) and p.get("in") == "path" for p in operation.get("parameters") or []
        )
        wanted = dict(rules.error_responses_always)
        if has_path_parameters:
            wanted.update(rules.error_responses_with_path_parameters)
        for status, description in wanted.items():
            if status not in responses:
                responses[status] = _error_response(description, error_schema)
                added += 1
        # Keep statuses in numeric order, as upstream writes them.
        operation["responses"] = dict(sorted(responses.items(), key=lambda item: str(item[0])))
    if not added:
        ctx.stale_rule(
            "error_responses: every operation already documents every listed status",
            "delete the `error_responses` section",
        )


def _apply_parameter_constraints(spec: dict[str, Any], rules: Rules, ctx: _Context) -> None:
    by_id = {operation_key(method, path): op for path, method, op in iter_operations(spec)}
    for op_id, params in rules.parameter_constraints.items():
        operation = by_id.get(op_id)
        if operation is None:
            ctx.stale_rule(f"parameters: operation {op_id!r} does not exist", f"delete `parameters.{op_id}`")
            continue
        for name, keywords in params.items():
            param = next(
                (
                    p
                    for p in operation.get("parameters") or []
                    if isinstance(p, dict) and p.get("name") == name
                ),
                None,
            )
            if param is None or not isinstance(param.get("schema"), dict):
                ctx.stale_rule(
                    f"parameters: {op_id!r} has no parameter {name!r}", f"delete `parameters.{op_id}.{name}`"
                )
                continue
            if all(param["schema"].get(k) == v for k, v in keywords.items()):
                ctx.stale_rule(
                    f"parameters: {op_id!r} {name!r} already has {keywords}",
                    f"upstream states it now: delete `parameters.{op_id}.{name}`",
                )
                continue
            param["schema"].update(keywords)


# -- 6/7. operation names ---------------------------------------------------------------------------


def _apply_operations(spec: dict[str, Any], rules: Rules, ctx: _Context) -> dict[str, str]:
    schemas: dict[str, Any] = spec["components"]["schemas"]
    used: set[str] = set()
    names: dict[str, str] = {}
    owner: dict[str, str] = {}
    for path, method, operation in iter_operations(spec):
        key = operation_key(method, path)
        rule = rules.operations.get(key)
        if rule is None:
            resource, short = default_name(method, path)
            qualified = disambiguate(f"{resource}.{short}", method, owner)
            ctx.notes.append(f"operation {key!r} has no rule; named {qualified}")
        else:
            used.add(key)
            qualified = f"{rule.resource}.{rule.name}"
            if rule.request_body:
                _hoist_request_body(operation, rule.request_body, schemas, key, ctx)
        if qualified in owner:
            raise SpecError(
                ctx.source,
                pointer("paths", path, method, "operationId"),
                f"{key} and {owner[qualified]} both normalize to the name {qualified!r}",
            )
        owner[qualified] = key
        names[key] = qualified
        operation["operationId"] = qualified
        operation["tags"] = [qualified.split(".", 1)[0]]
    for key in rules.operations:
        if key not in used:
            ctx.stale_rule(
                f"operations: {key!r} does not exist", f"delete `operations.{key}`, or rename its key"
            )
    return names


def _hoist_request_body(
    operation: dict[str, Any], name: str, schemas: dict[str, Any], op_id: str, ctx: _Context
) -> None:
    content = (operation.get("requestBody") or {}).get("content") or {}
    hoisted = False
    for media in content.values():
        schema = media.get("schema") if isinstance(media, dict) else None
        if isinstance(schema, dict) and "$ref" not in schema:
            if name in schemas and _shape(schemas[name]) != _shape(schema):
                raise SpecError(
                    ctx.source, pointer("components", "schemas", name), "exists with another shape"
                )
            schemas.setdefault(name, schema)
            media["schema"] = schema_ref(name)
            hoisted = True
    if not hoisted:
        ctx.stale_rule(
            f"operations: {op_id!r} has no inline request body to name {name!r}",
            f"delete `request_body` from `operations.{op_id}`",
        )


# -- 8. required request bodies ---------------------------------------------------------------------


def _demands_properties(schema: Any, schemas: dict[str, Any], depth: int = 0) -> bool:
    """The body cannot be empty: the schema requires properties, or every member of its union does.

    A union (credential bodies, the pull-request run body) lists `required` per member, never at
    the top: without the union case such a body stays optional, and the generated call takes `Unset`.
    """
    if isinstance(schema, dict) and "$ref" in schema and depth < 8:
        return _demands_properties(
            schemas.get(schema["$ref"].removeprefix(SCHEMA_REF_PREFIX)), schemas, depth + 1
        )
    if not isinstance(schema, dict):
        return False
    if schema.get("required"):
        return True
    for key in ("oneOf", "anyOf"):
        members = schema.get(key)
        if isinstance(members, list) and members:
            return all(_demands_properties(m, schemas, depth + 1) for m in members)
    return False


def _apply_required_bodies(spec: dict[str, Any], ctx: _Context) -> None:
    schemas: dict[str, Any] = spec["components"]["schemas"]
    marked = 0
    for _path, _method, operation in iter_operations(spec):
        body = operation.get("requestBody")
        if not isinstance(body, dict) or body.get("required"):
            continue
        for media in (body.get("content") or {}).values():
            schema = media.get("schema") if isinstance(media, dict) else None
            if _demands_properties(schema, schemas):
                body["required"] = True
                marked += 1
                break
    if not marked:
        ctx.stale_rule(
            "request_bodies: no optional request body has a schema with required properties",
            "upstream marks them required now: delete the `request_bodies` section",
        )


# -- output order ------------------------------------------------------------------------------------

_TOP_ORDER = ("openapi", "info", "servers", "security", "tags", "paths", "components")


def _ordered(spec: dict[str, Any]) -> dict[str, Any]:
    """Conventional key order at the top level, schemas sorted by name: stable, reviewable diffs."""
    out = {k: spec[k] for k in _TOP_ORDER if k in spec}
    out.update({k: v for k, v in spec.items() if k not in out})
    components = out.get("components")
    if isinstance(components, dict) and isinstance(components.get("schemas"), dict):
        components["schemas"] = dict(sorted(components["schemas"].items()))
    return out
