"""The unit the resources send: a prepared request and the parser of its success body."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, NamedTuple, TypeVar

__all__ = ["Operation"]

T = TypeVar("T")


# A NamedTuple, not a frozen dataclass: ~7x cheaper to define on import (figure 5, docs/performance.md).
class Operation(NamedTuple, Generic[T]):
    """A ready-to-send request: httpx ``request()`` kwargs, and the parser of its 2xx body."""

    name: str
    request: dict[str, Any]
    parse: Callable[[Any], T]
    authenticated: bool = True
    #: What a 2xx carries: "model" (a JSON object for ``parse``), "json" (any JSON) or "none".
    response: str = "model"
