"""The data behind ``testerarmy-py api``: every operation of the spec, found and called by key.

Nothing here names an operation: the list is the generated ``OPERATIONS`` (``"METHOD /path"``) and
each operation's parameters come from its generated ``OperationSpec``, so an operation added to
the spec is reachable as soon as ``make generate`` has run. Calls go through
``client.operations`` (the typed client: its argument checks, retries, typed errors).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from testerarmy_api.resources._operation import OperationSpec, Param

__all__ = ["ArgumentError", "Request", "operation_specs", "parse_request", "to_output"]


class ArgumentError(ValueError):
    """A bad ``api`` invocation: said in one line, before any request."""


def operation_specs() -> dict[str, OperationSpec[Any]]:
    """``"METHOD /path"`` -> its ``OperationSpec``, for every operation of the generated package."""
    from testerarmy_api.resources import _operations
    from testerarmy_api.resources._operation import OperationSpec

    found = {value.key: value for value in vars(_operations).values() if isinstance(value, OperationSpec)}
    return dict(sorted(found.items()))


def _template_regex(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", path)
    pattern = "".join("([^/]+)" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(pattern + "/?")


@dataclass(frozen=True)
class Request:
    key: str
    spec: OperationSpec[Any]
    #: keyword arguments for ``client.operations[key]`` (python names)
    arguments: dict[str, Any]


def _find(method: str, path: str, specs: Mapping[str, OperationSpec[Any]]) -> tuple[str, dict[str, str]]:
    """The operation for ``METHOD path``: a spec template (``/v1/runs/{id}``) or a concrete path
    (``/v1/runs/6f1c…``, its segments then fill the path parameters)."""
    method = method.upper()
    path = "/" + path.strip().lstrip("/")
    if f"{method} {path}" in specs:
        return f"{method} {path}", {}
    for key, spec in specs.items():
        if spec.method != method:
            continue
        match = _template_regex(spec.path).fullmatch(path)
        if match:
            names = re.findall(r"\{([^}]+)\}", spec.path)
            return key, dict(zip(names, match.groups(), strict=True))
    same_path = [key for key, spec in specs.items() if _template_regex(spec.path).fullmatch(path)]
    hint = (
        f"; this path has {', '.join(same_path)}" if same_path else "; 'testerarmy-py api --list' lists them"
    )
    raise ArgumentError(f"no operation {method} {path} in the spec{hint}")


def _param(spec: OperationSpec[Any], name: str) -> Param:
    for param in spec.params:
        if name in (param.wire, param.name):
            return param
    known = ", ".join(param.wire for param in spec.params if param.location != "whole_body") or "none"
    raise ArgumentError(f"{spec.key} has no parameter {name!r} (parameters: {known})")


def _from_text(param: Param, text: str) -> object:
    """A ``-f name=value`` string as the type the parameter's schema states."""
    kind = param.checks.get("type")
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        raise ArgumentError(f"{param.wire} must be a {kind}, got {text!r}") from None
    if kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise ArgumentError(f"{param.wire} must be true or false, got {text!r}")
        return text.lower() == "true"
    if kind in ("object", "array"):
        return _json(text, param.wire)
    return text


def _json(text: str, where: str) -> object:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ArgumentError(f"{where}: not valid JSON ({exc})") from None


def _split_field(field: str, flag: str) -> tuple[str, str]:
    name, sep, value = field.partition("=")
    if not sep or not name:
        raise ArgumentError(f"{flag} {field!r}: expected NAME=VALUE")
    return name, value


def parse_request(
    endpoint: Sequence[str],
    raw_fields: Sequence[str],
    typed_fields: Sequence[str],
    stdin_json: str | None,
) -> Request:
    """``METHOD /path`` + ``-f``/``-F`` fields + an optional JSON object (``--input``) → a request."""
    if len(endpoint) == 1 and " " in endpoint[0].strip():
        method, _, path = endpoint[0].strip().partition(" ")
    elif len(endpoint) == 2:
        method, path = endpoint
    else:
        raise ArgumentError('expected an operation as "METHOD /path" (e.g. "GET /v1/runs")')
    specs = operation_specs()
    key, from_path = _find(method, path, specs)
    spec = specs[key]
    values: dict[str, object] = {}
    body: object = None
    whole = next((param for param in spec.params if param.location == "whole_body"), None)
    if stdin_json is not None and stdin_json.strip():
        data = _json(stdin_json, "--input")
        if not isinstance(data, dict):
            raise ArgumentError("--input must be a JSON object")
        if whole is not None:
            # The body is the object itself; only path/query names are taken out of it.
            named = {p.wire for p in spec.params if p.location in ("path", "query")}
            values.update({k: v for k, v in data.items() if k in named})
            body = {k: v for k, v in data.items() if k not in named} or None
        else:
            values.update(data)
    for wire, text in from_path.items():
        values[wire] = text
    named_params = {p.wire for p in spec.params if p.location in ("path", "query")} | {
        p.name for p in spec.params if p.location in ("path", "query")
    }
    body_fields: dict[str, object] = {}
    for flag, fields in (("-f", raw_fields), ("-F", typed_fields)):
        for field in fields:
            name, text = _split_field(field, flag)
            if whole is not None and name not in named_params and name != whole.name:
                # An operation whose body is one object: its fields as they are (-f: strings).
                body_fields[name] = text if flag == "-f" else _json(text, f"-F {name}")
            elif flag == "-f":
                values[name] = _from_text(_param(spec, name), text)
            else:
                values[name] = _json(text, f"-F {name}")
    if body_fields:
        body = {**(body if isinstance(body, dict) else {}), **body_fields}
    arguments: dict[str, Any] = {_param(spec, name).name: value for name, value in values.items()}
    if whole is not None and body is not None and whole.name not in arguments:
        arguments[whole.name] = body
    for param in spec.params:
        if param.required and param.name not in arguments:
            how = "--input JSON" if param.location == "whole_body" else f"-f {param.wire}=..."
            raise ArgumentError(f"{spec.key}: {param.wire or param.name} is required ({how})")
    return Request(key, spec, arguments)


def to_output(result: object) -> object:
    """What the command prints as JSON: the answer as the API sent it (models as their dicts)."""
    from .._resources._request import to_json

    return to_json(result)
