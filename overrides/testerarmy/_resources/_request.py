"""Generated operation data + the caller's arguments → a checked, ready-to-send :class:`Operation`.

Shared by the sync and the async core (plain data in, data out). The URL comes from the spec's path
template with every parameter percent-quoted as one segment; query parameters are sent under their
spec names; a JSON body is built from the body properties under their spec names (models through
their own serialiser); multipart bodies send binary properties as files.
"""

from __future__ import annotations

import datetime
import enum
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from testerarmy_api.resources._operation import OperationSpec, Param
from testerarmy_api.types import Unset

from .._validation import require_json_object
from ._checks import check_argument
from ._operation import Operation
from ._policies import ARGUMENT_POLICIES

__all__ = ["build_operation", "to_json"]

T = TypeVar("T")


def to_json(value: object) -> Any:
    """JSON-ready form of an argument: models (either family), enums, UUIDs, dates, containers."""
    if hasattr(value, "to_dict"):  # attrs models of testerarmy_api
        return value.to_dict()
    if hasattr(value, "model_dump"):  # pydantic models of testerarmy_pydantic
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [to_json(v) for v in value]
    return value


def _given(param: Param, value: object) -> bool:
    if isinstance(value, Unset):
        return False
    # None leaves an optional argument out, unless the schema allows null (then UNSET does); a
    # required argument given as None goes on to its type check.
    return not (value is None and not param.nullable and not param.required)


def _file(value: object, name: str) -> object:
    if isinstance(value, bytes) or hasattr(value, "read"):
        return (name, value)
    if isinstance(value, tuple) and len(value) in (2, 3):
        return value
    kind = type(value).__name__
    raise TypeError(f"{name} must be bytes, a binary file object or (filename, file), got {kind}")


def _whole_body(value: object, op: OperationSpec[Any]) -> Any:
    if hasattr(value, "to_dict") or hasattr(value, "model_dump"):
        return to_json(value)
    if isinstance(value, Mapping):
        return to_json(require_json_object(value, "body"))
    return to_json(value)


def build_operation(
    op: OperationSpec[T],
    args: Mapping[str, object],
    *,
    timeout: float | httpx.Timeout | Unset | None,
    extra_headers: Mapping[str, str] | None,
) -> Operation[T]:
    path: dict[str, str] = {}
    query: dict[str, Any] = {}
    body: dict[str, Any] = {}
    whole: Any = None
    files: dict[str, Any] = {}
    policies = ARGUMENT_POLICIES.get(op.key, {})
    unknown = sorted(set(args) - {param.name for param in op.params})
    if unknown:
        raise TypeError(f"{op.name}: unexpected argument(s) {', '.join(unknown)}")
    for param in op.params:
        value = args.get(param.name)
        if not _given(param, value):
            if param.required:
                raise ValueError(f"{op.name}: {param.name} is required")
            continue
        if param.location == "whole_body":
            whole = _whole_body(check_argument(param, value), op)
            continue
        value = None if value is None and param.nullable else check_argument(param, value)
        if param.name in policies and value is not None:
            value = policies[param.name](value)
        if param.location == "path":
            path[param.wire] = quote(str(value), safe="")
        elif param.location == "query":
            query[param.wire] = to_json(value)
        elif op.body == "multipart" and param.checks.get("format") == "binary":
            files[param.wire] = _file(value, param.wire)
        else:
            body[param.wire] = to_json(value)
    request: dict[str, Any] = {"method": op.method, "url": op.path.format_map(path)}
    if query:
        request["params"] = query
    if op.body == "multipart":
        request["files"] = files
        if body:
            request["data"] = {k: v if isinstance(v, str) else str(v) for k, v in body.items()}
    elif op.body == "json":
        request["json"] = body
    elif op.body == "whole":
        # An omitted optional body is sent as {} (what the API documents for "no options").
        request["json"] = {} if whole is None else whole
    if extra_headers:
        request["headers"] = dict(extra_headers)
    if not isinstance(timeout, Unset):
        request["timeout"] = timeout
    return Operation(op.name, request, op.parse, authenticated=op.authenticated, response=op.response)
