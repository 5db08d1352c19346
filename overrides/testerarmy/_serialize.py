"""JSON of any model the SDK returns: ``to_dict`` / ``to_json`` (openai-python's ``model_dump`` /
``to_json``).

Every generated attrs model has a ``to_dict()`` that writes the wire form (camelCase keys, ISO
datetimes, UUIDs and enums as strings, unknown fields kept); these helpers take any of them, so
they cover models the next spec adds, without touching generated code.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

__all__ = ["SupportsToDict", "to_dict", "to_json"]


class SupportsToDict(Protocol):
    """What every generated model provides."""

    def to_dict(self) -> dict[str, Any]: ...


def to_dict(model: SupportsToDict) -> dict[str, Any]:
    """The model as the JSON object the API sends (a fresh dict, safe to mutate)."""
    return model.to_dict()


def to_json(model: SupportsToDict, *, indent: int | None = 2) -> str:
    """The model as JSON text, keys in the API's order (``indent=None`` for one line)."""
    # default=str: a value the generator left as a Python object (a date, say) still serializes.
    return json.dumps(model.to_dict(), indent=indent, ensure_ascii=False, default=str)
