"""Argument checks run before any request: a bad argument never costs a round trip (or a run).

Each function raises ``TypeError`` for the wrong type and ``ValueError`` for a wrong value, always
naming the argument.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "require_http_url",
    "require_int",
    "require_json_object",
    "require_positive",
    "require_slug",
    "require_text",
    "require_uuid",
]

_EXAMPLE_UUID = "c8e0f1b1-2f4c-4c2a-b6a6-8f76a6b9f1a2"


def _excerpt(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "…")


def require_uuid(value: object, name: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a UUID string or uuid.UUID, got {type(value).__name__}")
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise ValueError(f"{name} must be a UUID like {_EXAMPLE_UUID!r}, got {_excerpt(value)}") from None


def require_text(value: object, name: str) -> str:
    """A non-blank string, returned unchanged (prompts keep their whitespace)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must not be empty")
    return value


def require_slug(value: object, name: str) -> str:
    """An identifier that goes into a URL path (project id or shortId, webhook secret)."""
    text = require_text(value, name).strip()
    if any(ch.isspace() for ch in text):
        raise ValueError(f"{name} must not contain whitespace")
    return text


def require_http_url(value: object, name: str) -> str:
    text = require_text(value, name).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be an absolute http(s) URL, got {_excerpt(text)}")
    return text


def require_positive(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, got {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


def require_int(value: object, name: str, *, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


def require_json_object(value: object, name: str) -> dict[str, Any]:
    """A mapping with str keys (a free-form JSON request body)."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping (a JSON object), got {type(value).__name__}")
    for key in value:
        if not isinstance(key, str):
            raise TypeError(f"{name} keys must be str, got {type(key).__name__}")
    return dict(value)
