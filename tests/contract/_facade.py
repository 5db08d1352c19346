"""The facade (``TesterArmy``/``AsyncTesterArmy``) compared with a normalized spec.

Pure: takes the spec as a dict and the client classes, returns findings (empty = conforms). Used by
the contract suite on the repository's spec and by the regeneration proof on a scratch copy, so it
imports nothing of the repository except ``codegen.naming.snake`` (the documented naming rule).

For every operation of the spec: it is reachable as ``client.operations["METHOD /path"]`` and as
``client.<resource>.<method>`` (from its normalized operationId); the method accepts every path and
query parameter and every request-body property (or one ``body`` argument when the body is not an
object with properties), required exactly when the spec requires it, typed as the schema says.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from codegen.naming import snake

__all__ = ["check_facade"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SCALAR_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "array": "Sequence"}


def _deref(spec: Mapping[str, Any], node: Any) -> tuple[str | None, dict[str, Any]]:
    if isinstance(node, dict) and isinstance(node.get("$ref"), str):
        name = node["$ref"].rsplit("/", 1)[-1]
        return name, spec.get("components", {}).get("schemas", {}).get(name, {})
    return None, node if isinstance(node, dict) else {}


def _expected_type(spec: Mapping[str, Any], schema: Any) -> str | None:
    """A word the annotation must contain, or None when the schema does not pin one."""
    name, target = _deref(spec, schema)
    if any(key in target for key in ("oneOf", "anyOf", "allOf")):
        return None
    if name is not None:
        return name
    if target.get("format") == "binary":
        return "FileContent"
    if isinstance(target.get("enum"), list):
        return "Literal"
    kinds = target.get("type")
    kinds = [k for k in (kinds if isinstance(kinds, list) else [kinds]) if k not in (None, "null")]
    if len(kinds) != 1:
        return None
    return _SCALAR_TYPES.get(kinds[0], "Mapping")


def _spec_arguments(
    spec: Mapping[str, Any], operation: Mapping[str, Any]
) -> list[tuple[str, str, bool, Any]]:
    """(wire name, location, required, schema) of everything a caller may send."""
    arguments = [
        (str(p["name"]), str(p["in"]), p["in"] == "path" or bool(p.get("required")), p.get("schema"))
        for p in operation.get("parameters") or []
        if p.get("in") in ("path", "query")
    ]
    body = operation.get("requestBody")
    if isinstance(body, dict):
        body_required = bool(body.get("required"))
        content = body.get("content") or {}
        media = content[sorted(content)[0]] if content else {}
        _name, target = _deref(spec, media.get("schema"))
        properties = target.get("properties") or {}
        if properties and not any(k in target for k in ("oneOf", "anyOf", "allOf")):
            required = set(target.get("required") or [])
            for wire, prop in properties.items():
                if not _deref(spec, prop)[1].get("readOnly"):
                    arguments.append((wire, "body", body_required and wire in required, prop))
        else:
            arguments.append(("body", "whole_body", body_required, None))
    return arguments


def _parameter(signature: inspect.Signature, wire: str, location: str) -> inspect.Parameter | None:
    candidates = [snake(wire), snake(wire) + "_"]
    if location == "whole_body":
        candidates = ["body"]
    for candidate in candidates:
        if candidate in signature.parameters:
            return signature.parameters[candidate]
    if location == "path" and wire == "id":  # `{id}` is named after its resource (`run_id`)
        named = [name for name in signature.parameters if name.endswith("_id")]
        if len(named) == 1:
            return signature.parameters[named[0]]
    return None


def _check_method(
    spec: Mapping[str, Any],
    key: str,
    operation: Mapping[str, Any],
    method: Callable[..., Any],
    *,
    facade: bool = False,
) -> list[str]:
    """`facade`: a hand-written method layered on the generated one; it may take the spec's other
    query/body arguments through ``**kwargs`` (checked at call time) and need not offer per-call
    options."""
    findings = []
    signature = inspect.signature(method)
    open_kwargs = facade and any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    for wire, location, required, schema in _spec_arguments(spec, operation):
        param = _parameter(signature, wire, location)
        where = f"{key}: {location} {wire!r}"
        if param is None and open_kwargs and location in ("query", "body"):
            continue
        if param is None:
            findings.append(f"{where} is not accepted{' by the facade method' if facade else ''}")
            continue
        has_default = param.default is not inspect.Parameter.empty
        if required == has_default:
            findings.append(f"{where} is {'required' if required else 'optional'} but the method disagrees")
        expected = _expected_type(spec, schema) if schema is not None else None
        annotation = str(param.annotation)
        if expected is not None and expected not in annotation:
            findings.append(f"{where} should be typed {expected}, is {annotation}")
    for extra in () if facade else ("timeout", "extra_headers"):
        if extra not in signature.parameters:
            findings.append(f"{key}: no per-call {extra}=")
    return findings


def check_facade(
    spec: Mapping[str, Any], client_classes: tuple[type, ...], **client_kwargs: Any
) -> list[str]:
    findings: list[str] = []
    for client_class in client_classes:
        client = client_class(**client_kwargs)
        label = client_class.__name__
        for path, item in (spec.get("paths") or {}).items():
            for http_method in _METHODS:
                operation = item.get(http_method)
                if not isinstance(operation, dict):
                    continue
                key = f"{http_method.upper()} {path}"
                resource, name = str(operation["operationId"]).split(".", 1)
                bound = client.operations.get(key)
                if bound is None:
                    findings.append(f"{label}: {key} is not in client.operations")
                    continue
                facade = getattr(getattr(client, resource, None), name, None)
                if not callable(facade):
                    findings.append(f"{label}: {key} is not reachable as client.{resource}.{name}")
                findings += [f"{label}: {f}" for f in _check_method(spec, key, operation, bound)]
                if callable(facade) and getattr(facade, "__func__", None) is not bound.__func__:
                    checked = _check_method(spec, key, operation, facade, facade=True)
                    findings += [f"{label}: client.{resource}.{name}: {f}" for f in checked]
        if len(client.operations) != sum(
            1
            for item in (spec.get("paths") or {}).values()
            for m in _METHODS
            if isinstance(item.get(m), dict)
        ):
            findings.append(f"{label}: client.operations lists operations the spec does not have")
    return findings
