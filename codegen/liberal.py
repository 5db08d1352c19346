"""Liberal in what we accept, strict in what we send: the rules that loosen response schemas only.

Two sections of codegen/rules.yaml, applied last (every schema has its final name by then):

- `open_enums: {in: responses}`: every enum a response can carry becomes `anyOf [<enum>, string]`,
  so a value a newer server adds reaches the user as a `str` instead of an exception. The property
  a union discriminates its members by stays closed (an open tag would match every member).
- `tolerated`: `<schema>: {<property>: [null | absent]}`: a response property upstream declares
  non-nullable (or required) that the service's documented payloads send as null (or omit).

Both touch only what responses carry. A schema that a request also uses (reachable from a request
body or parameter) is what the client *sends*, so it stays strict: open_enums leaves such schemas
closed, and a `tolerated` entry naming one is refused (split the schema upstream or by a rule first).
Every entry must still change something, else it is stale: upstream has fixed the quirk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from codegen.errors import SpecError, pointer
from codegen.inline_names import is_string_enum
from codegen.specdoc import SCHEMA_REF_PREFIX, iter_operations, iter_refs

__all__ = ["TOLERANCES", "apply_open_enums", "apply_tolerated", "request_closure", "response_closure"]

#: What a `tolerated` entry may allow: a null value, or the property missing from the object.
TOLERANCES = ("null", "absent")

#: (rule entry, fix) -> records a stale entry (normalize's context).
StaleSink = Callable[[str, str], None]


def _closure(spec: dict[str, Any], roots: Iterable[Any]) -> set[str]:
    """Names of the component schemas reachable from `roots` through $refs."""
    schemas: dict[str, Any] = spec["components"]["schemas"]
    pending = [
        ref.removeprefix(SCHEMA_REF_PREFIX)
        for root in roots
        for _trail, ref in iter_refs(root)
        if ref.startswith(SCHEMA_REF_PREFIX)
    ]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        pending.extend(
            ref.removeprefix(SCHEMA_REF_PREFIX)
            for _trail, ref in iter_refs(schemas[name])
            if ref.startswith(SCHEMA_REF_PREFIX)
        )
    return seen


def response_closure(spec: dict[str, Any]) -> set[str]:
    """Names of component schemas reachable from any response."""
    return _closure(spec, (op.get("responses") or {} for _p, _m, op in iter_operations(spec)))


def request_closure(spec: dict[str, Any]) -> set[str]:
    """Names of component schemas reachable from any request body or parameter."""
    roots: list[Any] = []
    for _path, _method, operation in iter_operations(spec):
        roots.append(operation.get("requestBody") or {})
        roots.append(operation.get("parameters") or [])
    return _closure(spec, roots)


# -- open enums -------------------------------------------------------------------------------------


def _is_enum_ref(node: Any, enums: set[str]) -> bool:
    return isinstance(node, dict) and str(node.get("$ref", "")).removeprefix(SCHEMA_REF_PREFIX) in enums


def _open(node: Any, enums: set[str], trail: tuple[str | int, ...], stale: StaleSink) -> Any:
    if isinstance(node, list):
        return [_open(v, enums, (*trail, i), stale) for i, v in enumerate(node)]
    if not isinstance(node, dict):
        return node
    if is_string_enum(node) and trail and trail[-1] != "enum":
        # Left closed for this run; the stale entry refuses `generate` but not the change report.
        stale(
            f"open_enums: the inline enum at {pointer(*trail)} cannot be made forward-compatible",
            "add an `extract` entry naming it",
        )
        return node
    if _is_enum_ref(node, enums):
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return {"anyOf": [{"$ref": node["$ref"]}, {"type": "string"}], **rest}
    for combinator in ("oneOf", "anyOf"):
        members = node.get(combinator)
        if isinstance(members, list) and any(_is_enum_ref(m, enums) for m in members):
            opened = [m for m in members if not (isinstance(m, dict) and m.get("type") == "null")]
            nullable = len(opened) != len(members)
            opened.append({"type": "string"})
            if nullable:
                opened.append({"type": "null"})
            rest = {k: v for k, v in node.items() if k not in ("oneOf", "anyOf")}
            return {"anyOf": opened, **rest}
    return {k: _open(v, enums, (*trail, k), stale) for k, v in node.items()}


def _discriminators(node: Any, found: dict[str, set[str]]) -> dict[str, set[str]]:
    """Member schema name -> the properties some union discriminates it by (anywhere in `node`)."""
    if isinstance(node, list):
        for value in node:
            _discriminators(value, found)
    elif isinstance(node, dict):
        discriminator = node.get("discriminator")
        if isinstance(discriminator, dict) and isinstance(discriminator.get("propertyName"), str):
            refs = [
                m.get("$ref")
                for key in ("oneOf", "anyOf")
                for m in node.get(key) or []
                if isinstance(m, dict)
            ]
            refs.extend((discriminator.get("mapping") or {}).values())
            for ref in refs:
                if isinstance(ref, str) and ref.startswith(SCHEMA_REF_PREFIX):
                    found.setdefault(ref.removeprefix(SCHEMA_REF_PREFIX), set()).add(
                        discriminator["propertyName"]
                    )
        for value in node.values():
            _discriminators(value, found)
    return found


def apply_open_enums(spec: dict[str, Any], stale: StaleSink) -> None:
    schemas: dict[str, Any] = spec["components"]["schemas"]
    # Only string enums grow new values; a boolean or numeric constant has nothing to open.
    enums = {name for name, schema in schemas.items() if is_string_enum(schema)}
    # Schemas a request sends too stay closed (the steps of a test are sent by tests.create and
    # read back by tests.get): what the client sends must be a value the server knows.
    sent = request_closure(spec)
    # A union's discriminator stays closed: opened to `anyOf [enum, string]`, every member would
    # accept every tag, so a value would match several `oneOf` branches and validate against none.
    discriminated = _discriminators(spec, {})
    for name in sorted(response_closure(spec) - enums - sent):
        schema = schemas[name]
        properties = schema.get("properties") if isinstance(schema, dict) else None
        kept = {
            prop: properties[prop]
            for prop in discriminated.get(name, ())
            if isinstance(properties, dict) and prop in properties
        }
        schemas[name] = _open(schema, enums, ("components", "schemas", name), stale)
        if kept:
            schemas[name]["properties"].update(kept)
    for path, method, operation in iter_operations(spec):
        for status, response in (operation.get("responses") or {}).items():
            for media_type, media in ((response or {}).get("content") or {}).items():
                if isinstance(media, dict) and "schema" in media:
                    trail = ("paths", path, method, "responses", status, "content", media_type, "schema")
                    media["schema"] = _open(media["schema"], enums, trail, stale)


# -- tolerated nulls and absences ---------------------------------------------------------------------

_DOC_KEYS = ("description", "title", "default", "example")


def accepts_null(schema: Any) -> bool:
    """Whether a (3.1) property schema already allows null."""
    if not isinstance(schema, dict):
        return False
    declared = schema.get("type")
    if declared == "null" or (isinstance(declared, list) and "null" in declared):
        return True
    return any(
        isinstance(m, dict) and m.get("type") == "null"
        for key in ("anyOf", "oneOf")
        for m in schema.get(key) or []
    )


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The same schema, also accepting null (written as codegen/oas30.py writes upstream's nullables)."""
    declared = schema.get("type")
    if isinstance(declared, str) and "enum" not in schema and declared not in ("object", "array"):
        return {**schema, "type": [declared, "null"]}
    if isinstance(schema.get("anyOf"), list):
        return {**schema, "anyOf": [*schema["anyOf"], {"type": "null"}]}
    outer = {k: schema[k] for k in _DOC_KEYS if k in schema}
    inner = {k: v for k, v in schema.items() if k not in outer}
    return {"anyOf": [inner, {"type": "null"}], **outer}


def apply_tolerated(
    spec: dict[str, Any], tolerated: dict[str, dict[str, tuple[str, ...]]], source: str, stale: StaleSink
) -> None:
    schemas: dict[str, Any] = spec["components"]["schemas"]
    received, sent = response_closure(spec), request_closure(spec)
    for name, properties in tolerated.items():
        where = pointer("components", "schemas", name)
        schema = schemas.get(name)
        if not isinstance(schema, dict) or name not in received:
            stale(f"tolerated: {name!r} is no response schema", f"delete `tolerated.{name}`")
            continue
        if name in sent:
            raise SpecError(
                source,
                where,
                "a request sends this schema too: tolerating nulls or absences would loosen what we"
                " send; give the response its own schema first",
            )
        for prop, allowed in properties.items():
            entry = f"tolerated: {name}.{prop}"
            declared = (schema.get("properties") or {}).get(prop)
            if not isinstance(declared, dict):
                stale(f"{entry}: no such property", f"delete `tolerated.{name}.{prop}`")
                continue
            if "null" in allowed:
                if accepts_null(declared):
                    stale(
                        f"{entry}: already nullable upstream", f"drop `null` from `tolerated.{name}.{prop}`"
                    )
                else:
                    schema["properties"][prop] = _nullable(declared)
            if "absent" in allowed:
                required = [p for p in schema.get("required") or [] if p != prop]
                if len(required) == len(schema.get("required") or []):
                    stale(
                        f"{entry}: already optional upstream", f"drop `absent` from `tolerated.{name}.{prop}`"
                    )
                elif required:
                    schema["required"] = required
                else:
                    del schema["required"]
