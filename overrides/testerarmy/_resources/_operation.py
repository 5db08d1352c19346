"""The unit the resources send: a prepared request and the parser of its success body."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

__all__ = ["Operation"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Operation(Generic[T]):
    """A ready-to-send request: httpx ``request()`` kwargs, and the parser of its 2xx body."""

    name: str
    request: dict[str, Any]
    parse: Callable[[Any], T] = field(repr=False)
    authenticated: bool = True
    #: What a 2xx carries: "model" (a JSON object for ``parse``), "json" (any JSON) or "none".
    response: str = "model"
