"""Interpret the argument checks the emitter derived from the spec (``Param.checks``).

The generated operation data states what the schema says (type, format, enum, bounds, lengths,
pattern); this module turns a violation into ``TypeError`` (wrong type) or ``ValueError`` (wrong
value) naming the argument, before any request. One policy the spec cannot state is added: a
required string, and any string that goes into the URL path, must not be blank (an empty segment
would change the URL; an empty required text is never what the caller meant).
"""

from __future__ import annotations

import datetime
import enum
import math
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from testerarmy_api.resources._operation import Param

from .._validation import require_http_url, require_slug, require_text, require_uuid

__all__ = ["check_argument"]


def _plain(value: object) -> object:
    return value.value if isinstance(value, enum.Enum) else value


def _check_type(value: object, kind: object, name: str) -> None:
    if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if kind == "number" and isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if kind == "boolean" and not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    if kind == "array" and (isinstance(value, str | bytes) or not isinstance(value, Sequence)):
        raise TypeError(f"{name} must be a list, got {type(value).__name__}")
    if kind == "object" and not (isinstance(value, Mapping) or hasattr(value, "to_dict")):
        raise TypeError(f"{name} must be a mapping (a JSON object), got {type(value).__name__}")


def _check_string(value: object, checks: Mapping[str, Any], param: Param) -> object:
    name, fmt = param.name, checks.get("format")
    if fmt == "uuid":
        return str(require_uuid(value, name))
    if fmt in ("date-time", "date") and isinstance(value, datetime.date):
        return value.isoformat()
    if fmt == "binary":
        return value
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if param.location == "path":
        value = require_slug(value, name)
    elif param.required and "enum" not in checks:
        require_text(value, name)
    if fmt == "uri":
        value = require_http_url(value, name)
    elif fmt == "date-time":
        try:
            datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{name} must be an ISO 8601 date-time, got {value!r}") from None
    return value


def _check_bounds(value: object, checks: Mapping[str, Any], name: str) -> None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        low, high = checks.get("minimum"), checks.get("maximum")
        if low is not None and high is not None and not low <= value <= high:
            raise ValueError(f"{name} must be between {low} and {high}, got {value!r}")
        if low is not None and value < low:
            raise ValueError(f"{name} must be >= {low}, got {value!r}")
        if high is not None and value > high:
            raise ValueError(f"{name} must be <= {high}, got {value!r}")
        low, high = checks.get("exclusiveMinimum"), checks.get("exclusiveMaximum")
        if isinstance(low, int | float) and not isinstance(low, bool) and value <= low:
            raise ValueError(f"{name} must be > {low}, got {value!r}")
        if isinstance(high, int | float) and not isinstance(high, bool) and value >= high:
            raise ValueError(f"{name} must be < {high}, got {value!r}")
    if isinstance(value, str | Sequence):
        size = len(value)
        what = "characters" if isinstance(value, str) else "items"
        low = checks.get("minLength" if isinstance(value, str) else "minItems")
        high = checks.get("maxLength" if isinstance(value, str) else "maxItems")
        if low is not None and size < low:
            raise ValueError(f"{name} must have at least {low} {what}, got {size}")
        if high is not None and size > high:
            raise ValueError(f"{name} must have at most {high} {what}, got {size}")
    pattern = checks.get("pattern")
    if isinstance(value, str) and isinstance(pattern, str) and not re.search(pattern, value):
        raise ValueError(f"{name} must match the pattern {pattern!r}, got {value!r}")


def check_argument(param: Param, value: object) -> object:
    """The value to send for `param` (canonical: UUIDs and dates as strings), or an error."""
    if isinstance(value, uuid.UUID):
        value = str(value)
    value = _plain(value)
    checks = param.checks
    allowed = checks.get("enum")
    if isinstance(allowed, list) and allowed and value not in allowed:
        raise ValueError(f"{param.name} must be one of {allowed}, got {value!r}")
    kind = checks.get("type")
    if kind == "string" or "format" in checks:
        value = _check_string(value, checks, param)
    else:
        _check_type(value, kind, param.name)
    _check_bounds(value, checks, param.name)
    return value
