"""Scripted fault injection: make chosen requests fail the way real networks and proxies fail.

A fault matches requests by method and route (an API path template such as ``/v1/runs/{id}``, a
concrete path, ``*``, or an operationId such as ``runs.get``) and acts on a number of them
(``times``; ``None`` = forever), optionally after letting ``skip`` matching requests through. Actions:

* ``statuses=[503, 503]`` - answer the next matching requests with these statuses in order ("fail
  twice, then succeed"); ``status=...`` is the one-element form. 429 carries ``Retry-After``
  (``retry_after`` seconds, as a number or an HTTP-date per ``retry_after_format``; ``"omit"`` sends
  none, like a proxy or an API that does not say how long to back off);
* ``latency`` - real seconds of delay (combine with any other action, or alone);
* ``body`` - ``"html"`` (a proxy's HTML error page), ``"empty"``, ``"truncated"`` (JSON cut in half),
  ``"drop"`` (the connection is closed mid-response);
* ``mutate`` - ``"unknown_enum"``, ``"extra_fields"``, ``"drop_optional"``: a well-formed 2xx body
  that exercises the client's tolerance (new enum values, new fields, absent optional fields).

``after_handler=True`` lets the request reach the handler first (so e.g. the run *is* created) and
only then replaces or spoils the response - the case that makes blind retries of POSTs duplicate
work. Truncation and mutations always act on the handler's real response.

The same ``FaultSpec`` model parses Python keyword arguments, ``--fault`` JSON on the command line
and the admin endpoint's JSON, so all three accept exactly the same fields.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["ActiveFault", "FaultSet", "FaultSpec", "Hit"]

BodyMode = Literal["html", "empty", "truncated", "drop"]
Mutation = Literal["unknown_enum", "extra_fields", "drop_optional"]
_STATUS_ERRORS = {
    400: "ValidationError",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    429: "RateLimited",
    500: "InternalError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


def error_code_for(status: int) -> str:
    return _STATUS_ERRORS.get(status, "InternalError" if status >= 500 else "Error")


class FaultSpec(BaseModel):
    """One scripted fault (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: str = "*"
    path: str = "*"
    statuses: tuple[int, ...] = ()
    status: int | None = None
    times: int | None = Field(default=1, ge=1)
    skip: int = Field(default=0, ge=0)
    latency: float = Field(default=0.0, ge=0, le=600)
    body: BodyMode | None = None
    mutate: tuple[Mutation, ...] = ()
    retry_after: float | None = Field(default=None, ge=0)
    retry_after_format: Literal["seconds", "http-date", "omit"] = "seconds"
    after_handler: bool = False

    @field_validator("method")
    @classmethod
    def _method(cls, value: str) -> str:
        value = value.upper()
        if value != "*" and not re.fullmatch(r"[A-Z]+", value):
            raise ValueError("method must be an HTTP method or '*'")
        return value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if value == "*" or re.fullmatch(r"[a-z_]+\.[a-z_]+", value):
            return value  # wildcard or operationId
        if not value.startswith("/"):
            raise ValueError("path must be '*', an operationId like 'runs.get' or start with '/'")
        # Accept the full API path too: sim.url ends in /api, routes are below it.
        return value.removeprefix("/api") or "/"

    @field_validator("statuses")
    @classmethod
    def _statuses(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        for status in value:
            if not 200 <= status <= 599:
                raise ValueError(f"status {status} is not an HTTP status in 200..599")
        return value

    @model_validator(mode="before")
    @classmethod
    def _default_times(cls, data: Any) -> Any:
        # "statuses=[503, 503]" means "the next two matching requests": times follows the sequence
        # unless given explicitly.
        if isinstance(data, dict) and data.get("statuses") and "times" not in data:
            return {**data, "times": len(data["statuses"])}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> FaultSpec:
        if self.status is not None and self.statuses:
            raise ValueError("give either status or statuses, not both")
        if self.status is not None and not 200 <= self.status <= 599:
            raise ValueError(f"status {self.status} is not an HTTP status in 200..599")
        if self.body is None and any(s < 400 for s in (*self.statuses, self.status or 400)):
            raise ValueError("a status below 400 only makes sense with body='html', 'empty' or 'drop'")
        if not (self.statuses or self.status or self.latency or self.body or self.mutate):
            raise ValueError("a fault needs at least one of status, statuses, latency, body, mutate")
        if self.body == "truncated" and (self.statuses or self.status):
            raise ValueError("body='truncated' spoils the real response; it cannot be combined with a status")
        if self.mutate and (self.statuses or self.status or self.body):
            raise ValueError("mutate changes the real response; it cannot be combined with status or body")
        return self

    @property
    def replaces_response(self) -> bool:
        """True when the fault answers instead of the handler (statuses, html, empty, drop)."""
        return bool(self.statuses or self.status is not None or self.body in ("html", "empty", "drop"))

    @property
    def needs_handler_first(self) -> bool:
        return self.after_handler or self.body == "truncated" or bool(self.mutate)


@dataclass(frozen=True)
class Hit:
    """What one matching request gets: the fault, and the status for this occurrence (if any)."""

    fault_id: str
    spec: FaultSpec
    status: int | None


@dataclass
class ActiveFault:
    id: str
    spec: FaultSpec
    pattern: re.Pattern[str] | None  # None: wildcard or operationId
    seen: int = 0  # matching requests so far (including skipped ones)
    applied: int = 0

    @property
    def exhausted(self) -> bool:
        return self.spec.times is not None and self.applied >= self.spec.times

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **self.spec.model_dump(mode="json", exclude_defaults=True),
            "applied": self.applied,
        }


def _compile(path: str) -> re.Pattern[str] | None:
    if path == "*" or not path.startswith("/"):
        return None
    parts = [re.escape(p) if not re.fullmatch(r"\{[^/{}]+\}", p) else "[^/]+" for p in path.split("/")]
    return re.compile("/".join(parts) + "/?")


class FaultSet:
    """Thread-safe list of active faults; the first matching, non-exhausted fault wins."""

    def __init__(self, specs: Sequence[FaultSpec] = ()) -> None:
        self._lock = threading.Lock()
        self._faults: list[ActiveFault] = []
        self._ids = itertools.count(1)
        for spec in specs:
            self.add(spec)

    def add(self, spec: FaultSpec | None = None, /, **options: Any) -> str:
        """Add a fault (a FaultSpec, or its fields as keyword arguments); returns its id."""
        if spec is None:
            spec = FaultSpec.model_validate(options)
        elif options:
            raise TypeError("pass either a FaultSpec or keyword options, not both")
        with self._lock:
            fault = ActiveFault(id=f"fault_{next(self._ids)}", spec=spec, pattern=_compile(spec.path))
            self._faults.append(fault)
            return fault.id

    def remove(self, fault_id: str) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def __len__(self) -> int:
        with self._lock:
            return sum(1 for f in self._faults if not f.exhausted)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.describe())

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.describe() for f in self._faults]

    def match(self, method: str, path: str, operation: str | None) -> Hit | None:
        """Consume one occurrence of the first fault matching this request, if any."""
        method = method.upper()
        with self._lock:
            for fault in self._faults:
                if fault.exhausted:
                    continue
                spec = fault.spec
                if spec.method not in ("*", method):
                    continue
                if fault.pattern is not None:
                    if not fault.pattern.fullmatch(path):
                        continue
                elif spec.path != "*" and spec.path != operation:
                    continue
                fault.seen += 1
                if fault.seen <= spec.skip:
                    continue
                index = fault.applied
                fault.applied += 1
                if spec.statuses:
                    status: int | None = spec.statuses[min(index, len(spec.statuses) - 1)]
                else:
                    status = spec.status
                return Hit(fault_id=fault.id, spec=spec, status=status)
        return None
