"""OpenAPI 3.0 intake: rewrite a 3.0.x document as the 3.1 document the rules and generators expect.

TesterArmy publishes OpenAPI 3.0.0 (https://tester.army/api/v1/openapi.json). Everything after this
step (rules, validation against OAS 3.1, datamodel-code-generator's 3.1 reading) speaks 3.1, so the
3.0 keywords whose meaning changed in 3.1 are rewritten here, once, and nowhere else:

- `nullable: true` next to a primitive `type: T` becomes `type: [T, "null"]`; a nullable enum,
  object or array becomes `anyOf: [<the schema, an enum without null>, {type: "null"}]` (the same
  values; see _schema for why);
- `nullable: true` on a schema without `type` ($ref, allOf, oneOf, anyOf) becomes
  `anyOf: [<the schema>, {type: "null"}]`; a bare `{nullable: true}` as a member of anyOf/oneOf
  (upstream's way of writing "or null") becomes `{type: "null"}`, and anywhere else `{}` (in 3.0,
  `nullable` without `type` constrains nothing: the schema already accepts null);
- boolean `exclusiveMinimum`/`exclusiveMaximum` become the numeric 3.1 form taking the value of
  `minimum`/`maximum` (a `false` one is dropped);
- `openapi` becomes "3.1.0".

Nothing else differs in what the published document uses: Schema Object `example` is still allowed
(deprecated) in 3.1 and Parameter/Media Type `example` is unchanged, so it is left alone;
`format: binary` file parts are read the same way by openapi-python-client in 3.1.
A 3.1 document passes through unchanged.
"""

from __future__ import annotations

import copy
import re
from typing import Any

__all__ = ["TARGET_VERSION", "VERSION_30", "is_openapi_30", "upgrade_to_31"]

VERSION_30 = re.compile(r"^3\.0\.\d+$")
TARGET_VERSION = "3.1.0"

#: Keys under which a value is a schema (a mapping of schemas for `properties`-like keys).
_SCHEMA_KEYS = ("items", "not", "additionalProperties", "schema")
_SCHEMA_LIST_KEYS = ("allOf", "oneOf", "anyOf")
_SCHEMA_MAP_KEYS = ("properties", "patternProperties")
_COMBINATORS = ("$ref", "allOf", "oneOf", "anyOf")


def is_openapi_30(document: Any) -> bool:
    return isinstance(document, dict) and bool(VERSION_30.match(str(document.get("openapi", ""))))


def upgrade_to_31(document: dict[str, Any]) -> dict[str, Any]:
    """A 3.1 copy of a 3.0.x document; any other document is returned as a deep copy."""
    spec = copy.deepcopy(document)
    if not is_openapi_30(spec):
        return spec
    spec["openapi"] = TARGET_VERSION
    _walk(spec)
    return spec


def _walk(node: Any) -> None:
    """Find every schema position in the document (schemas can sit under many keys) and rewrite it."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if key == "schema" or (key == "schemas" and isinstance(value, dict)):
                if key == "schema":
                    node[key] = _schema(value, member=False)
                else:
                    node[key] = {name: _schema(s, member=False) for name, s in value.items()}
            else:
                _walk(value)
    elif isinstance(node, list):
        for value in node:
            _walk(value)


def _schema(schema: Any, *, member: bool) -> Any:
    if not isinstance(schema, dict):
        return schema
    out = {k: _children(k, v) for k, v in schema.items()}
    _exclusive(out, "exclusiveMinimum", "minimum")
    _exclusive(out, "exclusiveMaximum", "maximum")
    if "nullable" not in out:
        return out
    nullable = out.pop("nullable") is True
    if not nullable:
        return out
    declared = out.get("type")
    if isinstance(declared, str) and ("enum" in out or declared in ("object", "array")):
        # The same values, written so that generators read Optional[<schema>] and a rule can name
        # the schema (extract its first branch): openapi-python-client 0.29.1 turns
        # `type: [string, "null"]` + enum into three copies of the enum class.
        if "enum" in out:
            out["enum"] = [v for v in out["enum"] if v is not None]
        outer = {k: out.pop(k) for k in ("description", "title", "default") if k in out}
        return {"anyOf": [out, {"type": "null"}], **outer}
    if isinstance(declared, str):
        out["type"] = [declared, "null"]
        return out
    if any(k in out for k in _COMBINATORS):
        # Documentation keys stay on the outer schema; the constraint moves into the first branch.
        outer = {k: out.pop(k) for k in ("description", "title", "default") if k in out}
        return {"anyOf": [out, {"type": "null"}], **outer}
    if not out or set(out) <= {"description", "title"}:
        return {"type": "null", **out} if member else out
    return out


def _children(key: str, value: Any) -> Any:
    if key in _SCHEMA_KEYS and isinstance(value, dict):
        return _schema(value, member=False)
    if key in _SCHEMA_LIST_KEYS and isinstance(value, list):
        return [_schema(v, member=True) for v in value]
    if key in _SCHEMA_MAP_KEYS and isinstance(value, dict):
        return {name: _schema(v, member=False) for name, v in value.items()}
    return value


def _exclusive(schema: dict[str, Any], flag: str, bound: str) -> None:
    value = schema.get(flag)
    if not isinstance(value, bool):
        return
    del schema[flag]
    if value and bound in schema:
        schema[flag] = schema.pop(bound)
