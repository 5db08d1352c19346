"""Fault injection's responses: what a matched fault sends instead of (or made from) the handler's reply.

Status and error bodies, nginx-style HTML pages, empty and truncated bodies, dropped connections and
mutated JSON (unknown enum values, extra fields, optional fields dropped). Which request a fault hits
is decided in ``_faults``; this module only renders.
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import logging
import math
import typing
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ._faults import Hit, error_code_for
from ._http import FAULT_HEADER, Reply, dump, nested_model, render_reply
from ._render import error_body

__all__ = ["DropLogFilter", "dropping_connection", "fault_response"]

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


def _strip_optional(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """Only required fields, at every level (nested objects are kept, emptied of optional fields)."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in data:
            continue
        nested = nested_model(info.annotation)
        value = data[key]
        if nested is not None and value is not None:
            # Required or not, a nested object loses its own optional fields.
            inner, is_list = nested
            if is_list and isinstance(value, list):
                out[key] = [_strip_optional(inner, v) if isinstance(v, dict) else v for v in value]
            elif isinstance(value, dict):
                out[key] = _strip_optional(inner, value)
            elif info.is_required():
                out[key] = value
        elif info.is_required():
            out[key] = value
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
        payload = dump(handled.body)
    else:
        message = f"Simulated fault {hit.fault_id}: {status} {error_code_for(status)}"
        payload = dump(error_body(error_code_for(status), message))
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
