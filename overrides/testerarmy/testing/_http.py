"""HTTP plumbing shared by the API and admin routes: errors, replies, input parsing.

Handlers return a ``Reply`` (status + JSON-able body) or raise ``ApiError``; nothing in here lets bad
input become a 500. Validation messages follow upstream's documented style, ``"prompt: Required"``:
``<where>: <what>`` per problem, joined by ``"; "``.
"""

from __future__ import annotations

import functools
import json
import typing
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from importlib import resources
from typing import Any

from pydantic import BaseModel, RootModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from ._render import error_body

__all__ = [
    "FAULT_HEADER",
    "MAX_BODY_BYTES",
    "ApiError",
    "Reply",
    "dump",
    "format_validation_error",
    "invalid",
    "nested_model",
    "parse_json_object",
    "parse_multipart",
    "path_uuid",
    "render_reply",
    "validate",
]

MAX_BODY_BYTES = 1_000_000
FAULT_HEADER = "X-Sim-Fault"


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


@functools.cache
def _nullable_fields() -> frozenset[tuple[str, str]]:
    """(schema, property) pairs the installed spec declares nullable (``type: [X, "null"]``).

    The generated models type every optional field as ``X | None`` and so accept an explicit null
    everywhere; the spec does not. Read from the spec the models were generated from.
    """
    text = resources.files("testerarmy_pydantic").joinpath("openapi.normalized.json").read_text("utf-8")
    schemas = json.loads(text).get("components", {}).get("schemas", {})
    out = set()
    for name, schema in schemas.items():
        for prop, sub in (schema.get("properties") or {}).items():
            kind = sub.get("type")
            if (isinstance(kind, list) and "null" in kind) or any(
                b.get("type") == "null" for b in sub.get("anyOf", ()) if isinstance(b, dict)
            ):
                out.add((name, prop))
    return frozenset(out)


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
        if value is None and (model.__name__, key) not in _nullable_fields():
            raise invalid(f"{where}: Expected {_expected(info.annotation)}, received null")
        nested = nested_model(info.annotation)
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
    variants = _variants(model)
    if variants:
        # A union body (oneOf): judge it by the variant it comes closest to, so that the message
        # names that variant's fields ("username: Required"), not every variant's.
        problems = []
        for variant in variants:
            try:
                validate(variant, data, prefix, nulls=nulls, form=form)
            except ApiError as exc:
                problems.append(exc.message)
                continue
            return model.model_validate(data, by_alias=True, by_name=False)
        raise invalid(min(problems, key=lambda m: m.count("; ")))
    if not nulls and model.__module__.startswith("testerarmy_pydantic"):
        _reject_nulls(model, data, prefix)
    try:
        if form:
            return model.model_validate(data, by_alias=True, by_name=False)
        return model.model_validate_json(
            json.dumps(_integral(data)), strict=True, by_alias=True, by_name=False
        )
    except ValidationError as exc:
        raise invalid(format_validation_error(exc, prefix)) from None


def _integral(value: Any) -> Any:
    """``1.0`` as ``1``: JSON Schema counts it as an integer, pydantic's strict mode would not
    (a float field still takes the int)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def _variants(model: type[BaseModel]) -> tuple[type[BaseModel], ...]:
    """The member models of a generated union body (a RootModel over ``A | B | ...``), else ()."""
    if not issubclass(model, RootModel):
        return ()
    args = typing.get_args(model.model_fields["root"].annotation)
    return tuple(a for a in args if isinstance(a, type) and issubclass(a, BaseModel))


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


def dump(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def render_reply(reply: Reply) -> Response:
    return Response(
        dump(reply.body), status_code=reply.status, headers=reply.headers, media_type="application/json"
    )


def nested_model(annotation: Any) -> tuple[type[BaseModel], bool] | None:
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg, False
        if typing.get_origin(arg) is list:
            inner = typing.get_args(arg)
            if inner and isinstance(inner[0], type) and issubclass(inner[0], BaseModel):
                return inner[0], True
    return None
