"""Request checks from the spec: path and query parameters, content type and JSON body.

Used for every operation without hand-written behaviour (the hand-written ones check their input with
the generated models, which are built from the same spec). A failed check is the documented 400
``{"error": "ValidationError", "message": "<where>: <what>; ..."}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from ._http import MAX_BODY_BYTES, invalid
from ._spec import ApiSpec, Parameter, SpecOperation

__all__ = ["CheckedRequest", "body_problems", "check_parameters", "check_request", "parameters_of"]


class CheckedRequest:
    def __init__(self, path: dict[str, Any], query: dict[str, Any], body: Any) -> None:
        self.path = path
        self.query = query
        self.body = body


def _coerce(spec: ApiSpec, param: Parameter, raw: list[str]) -> Any:
    schema = spec.merged(param.schema)
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "array" in kinds:
        items = spec.merged(schema.get("items") or {})
        parts = [p for r in raw for p in r.split(",")] if len(raw) == 1 else raw
        return [_scalar(items, p) for p in parts]
    return _scalar(schema, raw[-1])


def _scalar(schema: Mapping[str, Any], text: str) -> Any:
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    try:
        if "integer" in kinds:
            return int(text)
        if "number" in kinds:
            return float(text)
    except ValueError:
        return text  # reported by the schema check ("... is not of type 'integer'")
    if "boolean" in kinds and text in ("true", "false"):
        return text == "true"
    return text


_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array", dict: "object"}
_JSON_TYPES[type(None)] = "null"


def _message(err: Any) -> str:
    """A JSON Schema error in upstream's (zod's) wording where one fits, e.g. ``Invalid uuid``."""
    kind, expected, value = err.validator, err.validator_value, err.instance
    if kind == "format":
        return f"Invalid {expected}"
    if kind == "enum":
        return f"Invalid enum value. Expected {' | '.join(repr(v) for v in expected)}, received {value!r}"
    if kind in ("minimum", "maximum"):
        low, high = err.schema.get("minimum"), err.schema.get("maximum")
        if low is not None and high is not None:
            return f"Number must be between {low} and {high}"
        if kind == "minimum":
            return f"Number must be greater than or equal to {expected}"
        return f"Number must be less than or equal to {expected}"
    if kind == "type":
        return f"Expected {expected}, received {_JSON_TYPES.get(type(value), type(value).__name__)}"
    return str(err.message)


def _check(spec: ApiSpec, schema: Mapping[str, Any], value: Any, where: str) -> list[str]:
    out = []
    for err in spec.validator(schema).iter_errors(value):
        inner = ".".join(str(p) for p in err.absolute_path)
        out.append(f"{where}{'.' + inner if inner else ''}: {_message(err)}")
    return out


def body_problems(spec: ApiSpec, schema: Mapping[str, Any], body: Any) -> list[str]:
    """What the spec's request schema says is wrong with a JSON body (``<where>: <what>``)."""
    return [p.removeprefix("body.") for p in _check(spec, schema, body, "body")]


def parameters_of(request: Request) -> CheckedRequest:
    """The checked path and query parameters of a request to a hand-written behaviour."""
    checked = request.scope.get("testerarmy_sim", {}).get("params")
    if not isinstance(checked, CheckedRequest):
        raise RuntimeError("the request's parameters were not checked (no operation context)")
    return checked


def check_parameters(
    spec: ApiSpec, op: SpecOperation, request: Request, path_values: Mapping[str, str]
) -> CheckedRequest:
    """Path and query parameters checked against the spec (a 400 naming each problem)."""
    problems: list[str] = []
    checked = _parameters(spec, op, request, path_values, problems)
    if problems:
        raise invalid("; ".join(problems))
    request.scope.setdefault("testerarmy_sim", {})["params"] = checked
    return checked


def _parameters(
    spec: ApiSpec, op: SpecOperation, request: Request, path_values: Mapping[str, str], problems: list[str]
) -> CheckedRequest:
    path: dict[str, Any] = {}
    query: dict[str, Any] = {}
    for param in op.parameters:
        if param.location == "path":
            value = _coerce(spec, param, [path_values[param.name]])
            problems += _check(spec, param.schema, value, param.name)
            path[param.name] = value
        elif param.location == "query":
            raw = request.query_params.getlist(param.name)
            if not raw:
                if param.required:
                    problems.append(f"{param.name}: Required")
                continue
            value = _coerce(spec, param, raw)
            problems += _check(spec, param.schema, value, param.name)
            query[param.name] = value
        elif param.location == "header" and param.required and param.name not in request.headers:
            problems.append(f"{param.name} header: Required")
    return CheckedRequest(path, query, None)


async def check_request(
    spec: ApiSpec, op: SpecOperation, request: Request, path_values: Mapping[str, str]
) -> CheckedRequest:
    problems: list[str] = []
    params = _parameters(spec, op, request, path_values, problems)
    path, query = params.path, params.query
    body = await _body(op, request, problems)
    if op.body_schema is not None and body is not None:
        problems += _check(spec, op.body_schema, body, "body")
    if problems:
        raise invalid("; ".join(problems))
    return CheckedRequest(path, query, body)


async def _body(op: SpecOperation, request: Request, problems: list[str]) -> Any:
    raw = await request.body()
    if not op.body_media:
        return None
    if len(raw) > MAX_BODY_BYTES:
        problems.append(f"body: Too large ({len(raw)} bytes; limit {MAX_BODY_BYTES})")
        return None
    if not raw.strip():
        if op.body_required:
            problems.append("body: Required")
        return None
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    accepted = {m.split(";", 1)[0].strip().lower() for m in op.body_media}
    if media not in accepted and "*/*" not in accepted:
        problems.append(f"content-type: Expected one of {', '.join(sorted(accepted))}, received {media!r}")
        return None
    if op.body_schema is None:
        return None  # a non-JSON body (e.g. multipart): its media type is all the simulator checks
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"body: Invalid JSON ({exc})")
        return None
    except RecursionError:
        problems.append("body: Invalid JSON (nested too deeply)")
        return None
    request.scope.setdefault("testerarmy_sim", {})["json"] = data
    return data
