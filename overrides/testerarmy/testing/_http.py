"""HTTP plumbing shared by the API and admin routes: errors, input parsing, fault-shaped responses.

Handlers return a ``Reply`` (status + JSON-able body) or raise ``ApiError``; nothing in here lets bad
input become a 500. Validation messages follow upstream's documented style, ``"prompt: Required"``:
``<where>: <what>`` per problem, joined by ``"; "``.
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import json
import logging
import math
import typing
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ._faults import Hit, error_code_for
from ._render import error_body

__all__ = [
    "FAULT_HEADER",
    "MAX_BODY_BYTES",
    "ApiError",
    "Reply",
    "dropping_connection",
    "fault_response",
    "format_validation_error",
    "parse_json_object",
    "parse_multipart",
    "path_uuid",
    "render_reply",
    "validate",
]

MAX_BODY_BYTES = 1_000_000
FAULT_HEADER = "X-Sim-Fault"
_DROPPING: contextvars.ContextVar[bool] = contextvars.ContextVar("testerarmy_sim_dropping", default=False)

_HTML_PAGE = (
    "<html><head><title>{status} {reason}</title></head><body><center><h1>{status} {reason}</h1></center>"
    "<hr><center>nginx</center></body></html>"
)
_REASONS = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class ApiError(Exception):
    """An error response: ``status`` with body ``{"error": code, "message": message}``."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def reply(self) -> Reply:
        return Reply(self.status, error_body(self.code, self.message), headers=self.headers)


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    model: type[BaseModel] | None = None  # the schema of ``body`` (used by the drop_optional fault)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _describe(err: Mapping[str, Any]) -> str:
    kind: str = err["type"]
    received = _json_type(err.get("input"))
    if kind == "missing":
        return "Required"
    if kind.startswith("string_"):
        return f"Expected string, received {received}" if kind == "string_type" else str(err["msg"])
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"Expected integer, received {received}"
    if kind in ("float_type", "float_parsing"):
        return f"Expected number, received {received}"
    if kind in ("bool_type", "bool_parsing"):
        return f"Expected boolean, received {received}"
    if kind.startswith("url_"):
        return "Invalid url"
    if kind.startswith("uuid_"):
        return "Invalid uuid"
    if kind == "enum":
        return f"Invalid enum value. Expected {err.get('ctx', {}).get('expected', '')}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"Expected object, received {received}"
    if kind in ("list_type", "tuple_type"):
        return f"Expected array, received {received}"
    return str(err["msg"])


def format_validation_error(exc: ValidationError, prefix: str = "") -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        where = f"{prefix}.{loc}" if prefix and loc else (loc or prefix or "body")
        parts.append(f"{where}: {_describe(err)}")
    return "; ".join(parts)


def invalid(message: str) -> ApiError:
    return ApiError(400, "ValidationError", message)


async def parse_json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object; an empty body counts as ``{}`` (all bodies are optional)."""
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise invalid(f"body: Too large ({len(raw)} bytes; limit {MAX_BODY_BYTES})")
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise invalid(f"body: Invalid JSON ({exc})") from None
    except RecursionError:
        raise invalid("body: Invalid JSON (nested too deeply)") from None
    if not isinstance(data, dict):
        raise invalid(f"body: Expected object, received {_json_type(data)}")
    request.scope.setdefault("testerarmy_sim", {})["json"] = data
    return data


M = typing.TypeVar("M", bound=BaseModel)


# Request fields the spec declares nullable (``type: [X, 'null']``). The generated models type every
# optional field as ``X | None`` and so accept an explicit null everywhere; the spec does not.
NULLABLE_REQUEST_FIELDS = frozenset({("UpdateGroupRequest", "prepTestId")})


def _expected(annotation: Any) -> str:
    """JSON type name of a field annotation, for messages (``str | None`` -> ``string``)."""
    for arg in typing.get_args(annotation) or (annotation,):
        origin = typing.get_origin(arg) or arg
        if origin is type(None):
            continue
        if origin is bool:
            return "boolean"
        if origin is int:
            return "integer"
        if origin is float:
            return "number"
        if origin in (list, tuple):
            return "array"
        if origin is dict or (isinstance(origin, type) and issubclass(origin, BaseModel)):
            return "object"
        return "string"  # str, URLs, UUIDs, string enums
    return "a value"


def _reject_nulls(model: type[BaseModel], data: Mapping[str, Any], prefix: str) -> None:
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in data:
            continue
        where = f"{prefix}.{key}" if prefix else key
        value = data[key]
        if value is None and (model.__name__, key) not in NULLABLE_REQUEST_FIELDS:
            raise invalid(f"{where}: Expected {_expected(info.annotation)}, received null")
        nested = _nested_model(info.annotation)
        if nested is not None and isinstance(value, Mapping) and not nested[1]:
            _reject_nulls(nested[0], value, where)


def validate(
    model: type[M], data: Mapping[str, Any], prefix: str = "", *, nulls: bool = False, form: bool = False
) -> M:
    """``data`` validated by ``model`` (camelCase keys only, as the API spells them) or a 400.

    For the generated models (unless ``nulls``), an explicit ``null`` is refused for fields the spec
    does not declare nullable; the simulator's own readings of empty-object bodies decide for themselves.

    JSON bodies are checked with JSON Schema's types, strictly: pydantic's lax mode would take
    ``true`` for an integer, ``"3"`` for a number and ``1`` for a boolean (schemathesis found
    ``pullRequest.number: false`` accepted). Strict JSON mode still reads strings as date-times,
    UUIDs, URLs and enum members. ``form`` fields (multipart) are text by nature and stay lenient.
    """
    if not nulls and model.__module__.startswith("testerarmy_pydantic"):
        _reject_nulls(model, data, prefix)
    try:
        if form:
            return model.model_validate(data, by_alias=True, by_name=False)
        return model.model_validate_json(json.dumps(data), strict=True, by_alias=True, by_name=False)
    except ValidationError as exc:
        raise invalid(format_validation_error(exc, prefix)) from None


def path_uuid(request: Request, name: str) -> str:
    """A ``format: uuid`` path parameter in canonical form, or a 400 naming the parameter."""
    value = str(request.path_params[name])
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise invalid(f"{name}: Invalid uuid") from None


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """``multipart/form-data`` fields: name -> (filename, content). Uses the stdlib MIME parser."""
    if not content_type.lower().startswith("multipart/form-data") or "boundary=" not in content_type:
        raise invalid("body: Expected multipart/form-data with a boundary")
    header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=HTTP).parsebytes(header + body)
    if not message.is_multipart():
        raise invalid("body: Malformed multipart body")
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        fields.setdefault(name, (part.get_filename(), content))
    return fields


def dropping_connection() -> bool:
    """True inside a request whose connection the simulator closes on purpose (silences uvicorn)."""
    return _DROPPING.get()


class _DroppedResponse(Response):
    """Headers and half the body, then the app returns: uvicorn closes the connection mid-response."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        _DROPPING.set(True)
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send(
            {"type": "http.response.body", "body": self.body[: len(self.body) // 2], "more_body": True}
        )
        await asyncio.sleep(0)


def _dump(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def render_reply(reply: Reply) -> Response:
    return Response(
        _dump(reply.body), status_code=reply.status, headers=reply.headers, media_type="application/json"
    )


def _retry_after(hit: Hit) -> dict[str, str]:
    if hit.spec.retry_after_format == "omit":
        return {}
    seconds = hit.spec.retry_after
    if seconds is None:
        if hit.status != 429:
            return {}
        seconds = 1
    if hit.spec.retry_after_format == "http-date":
        when = datetime.now(UTC) + timedelta(seconds=math.ceil(seconds))
        return {"Retry-After": email.utils.format_datetime(when, usegmt=True)}
    return {"Retry-After": str(math.ceil(seconds))}


def _mutate(kind: str, body: Any, model: type[BaseModel] | None) -> Any:
    if kind == "unknown_enum":
        return _walk(body, _unknown_enum)
    if kind == "extra_fields":
        return _walk(body, lambda d: {**d, "simUnknownField": {"addedBy": "testerarmy-simulator", "n": 1}})
    if kind == "drop_optional" and model is not None and isinstance(body, dict):
        return _strip_optional(model, body)
    return body


def _unknown_enum(d: dict[str, Any]) -> dict[str, Any]:
    out = dict(d)
    for key in ("status", "webhookStatus", "source"):
        if isinstance(out.get(key), str):
            out[key] = f"sim_unknown_{key}"
    return out


def _walk(body: Any, fn: typing.Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    if isinstance(body, list):
        return [_walk(x, fn) for x in body]
    if isinstance(body, dict):
        return fn({k: _walk(v, fn) for k, v in body.items()})
    return body


def _nested_model(annotation: Any) -> tuple[type[BaseModel], bool] | None:
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg, False
        if typing.get_origin(arg) is list:
            inner = typing.get_args(arg)
            if inner and isinstance(inner[0], type) and issubclass(inner[0], BaseModel):
                return inner[0], True
    return None


def _strip_optional(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """Only required fields, at every level (nested objects are kept, emptied of optional fields)."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in data:
            continue
        nested = _nested_model(info.annotation)
        value = data[key]
        if info.is_required():
            out[key] = value
        elif nested is not None and value is not None:
            inner, is_list = nested
            if is_list and isinstance(value, list):
                out[key] = [_strip_optional(inner, v) if isinstance(v, dict) else v for v in value]
            elif isinstance(value, dict):
                out[key] = _strip_optional(inner, value)
    return out


def _fault_kind(hit: Hit) -> str:
    if hit.spec.mutate:
        return "mutate"
    return hit.spec.body or "status"


def fault_response(hit: Hit, handled: Reply | None) -> Response:
    """The response a fault produces, given the handler's reply when the handler ran first.

    It carries ``X-Sim-Fault: <kind>`` (``status``, ``html``, ``empty``, ``truncated``, ``drop`` or
    ``mutate``) so that spec checks of recorded traffic can tell deliberate faults from bugs.
    """
    spec = hit.spec
    marker = {FAULT_HEADER: _fault_kind(hit)}
    if spec.mutate and handled is not None:
        body = handled.body
        for kind in spec.mutate:
            body = _mutate(kind, body, handled.model)
        return render_reply(Reply(handled.status, body, headers={**handled.headers, **marker}))
    status = hit.status or (handled.status if handled is not None else (502 if spec.body == "html" else 200))
    headers = dict(handled.headers) if handled is not None and hit.status is None else {}
    headers.update(_retry_after(hit))
    headers.update(marker)
    if spec.body == "html":
        page = _HTML_PAGE.format(status=status, reason=_REASONS.get(status, "Error"))
        return Response(page, status_code=status, headers=headers, media_type="text/html")
    if spec.body == "empty":
        return Response(b"", status_code=status, headers=headers, media_type="application/json")
    if handled is not None and hit.status is None:
        payload = _dump(handled.body)
    else:
        message = f"Simulated fault {hit.fault_id}: {status} {error_code_for(status)}"
        payload = _dump(error_body(error_code_for(status), message))
    if spec.body == "truncated":
        return Response(
            payload[: max(1, len(payload) // 2)],
            status_code=status,
            headers=headers,
            media_type="application/json",
        )
    if spec.body == "drop":
        return _DroppedResponse(payload, status_code=status, headers=headers, media_type="application/json")
    return Response(payload, status_code=status, headers=headers, media_type="application/json")


class DropLogFilter(logging.Filter):
    """Hide uvicorn's complaint about the incomplete response of a deliberate connection drop."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (dropping_connection() and "without completing response" in record.getMessage())
