"""The fixed part of the generated resource layer: what an operation is, what its caller provides.

Written verbatim into ``testerarmy_api/resources/_operation.py``. The generated resources only hold
data and typed methods; the caller (the hand-written client core in ``overrides/``) validates the
arguments against :class:`Param` checks, builds and sends the request and parses the answer. The
generated package never imports the hand-written one: the caller is a structural Protocol.
"""

from __future__ import annotations

__all__ = ["RUNTIME_SOURCE"]

RUNTIME_SOURCE = '''"""What an operation is, and what the caller of the generated resources must provide."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from types import MappingProxyType
from typing import IO, Any, Generic, NamedTuple, Protocol, TypeVar

import httpx

from ..types import Unset

__all__ = [
    "NO_CHECKS",
    "AsyncCaller",
    "AsyncResource",
    "FileContent",
    "OperationSpec",
    "Paging",
    "Param",
    "RawResponse",
    "SyncCaller",
    "SyncResource",
    "Timeout",
    "json_value",
    "no_value",
]

T = TypeVar("T")

#: Seconds, an ``httpx.Timeout``, or ``None`` for no timeout (``UNSET``: the client's default).
Timeout = float | httpx.Timeout | None
#: A file to upload: its bytes or a binary file object, optionally as (filename, content[, type]).
FileContent = IO[bytes] | bytes | tuple[str, IO[bytes] | bytes] | tuple[str, IO[bytes] | bytes, str]


#: The checks of a parameter whose schema states none (shared: read-only).
NO_CHECKS: Mapping[str, Any] = MappingProxyType({})

# Param, Paging and OperationSpec are NamedTuples, not dataclasses: the operation table builds one
# per operation and parameter at import, and a frozen dataclass costs ~7x a NamedTuple to define
# (figure 5, the first call, docs/performance.md). They are read-only records either way.


class Param(NamedTuple):
    """One argument of an operation: where it goes on the wire and the checks its schema states."""

    name: str
    wire: str
    #: "path" | "query" | "body" (a body property) | "whole_body"
    location: str
    required: bool
    nullable: bool
    #: The schema keywords to check before any request (type, format, enum, bounds, lengths, pattern).
    checks: Mapping[str, Any] = NO_CHECKS


class Paging(NamedTuple):
    """How a cursor-paged operation pages (the spec's ``cursor`` query parameter, answered with the
    next page's cursor): the caller follows the cursors and yields the items of every page."""

    #: The Python name of the cursor argument (the one the caller sets for the next page).
    cursor: str
    #: The answer's field holding the next page's cursor (null or absent on the last page).
    next_cursor: str
    #: The answer's field holding the page's items (an array).
    items: str
    parse_item: Callable[[Any], Any]


class OperationSpec(NamedTuple, Generic[T]):
    """One operation of the spec, as data: request template, arguments and the parser of its answer."""

    key: str
    name: str
    method: str
    path: str
    params: tuple[Param, ...]
    #: "none" | "json" (properties as arguments) | "whole" (one ``body`` argument) | "multipart"
    body: str
    body_required: bool
    parse: Callable[[Any], T]
    #: "model" | "json" | "none"
    response: str
    authenticated: bool
    #: Set for a cursor-paged list; its resource then also has the iterator over every page.
    paging: Paging | None = None


class RawResponse(Generic[T]):
    """What ``client.<resource>.with_raw_response.<method>(...)`` returns: the answer as it came."""

    # A plain slotted class for the same import-time reason as the NamedTuples above.
    __slots__ = ("headers", "http_response", "parsed", "status_code")
    status_code: int
    headers: httpx.Headers
    parsed: T
    http_response: httpx.Response

    def __init__(
        self, status_code: int, headers: httpx.Headers, parsed: T, http_response: httpx.Response
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.parsed = parsed
        self.http_response = http_response

    def __repr__(self) -> str:
        fields = f"status_code={self.status_code!r}, headers={self.headers!r}, parsed={self.parsed!r}"
        return f"RawResponse({fields})"


def json_value(data: Any) -> Any:
    """The parser of an answer whose schema is not a model: the decoded JSON as it is."""
    return data


def no_value(data: Any) -> None:
    """The parser of an answer without a body."""
    return None


class SyncCaller(Protocol):
    def call(
        self,
        op: OperationSpec[T],
        args: Mapping[str, object],
        *,
        timeout: Timeout | Unset,
        extra_headers: Mapping[str, str] | None,
    ) -> T: ...

    def call_raw(
        self,
        op: OperationSpec[T],
        args: Mapping[str, object],
        *,
        timeout: Timeout | Unset,
        extra_headers: Mapping[str, str] | None,
    ) -> RawResponse[T]: ...

    def paginate(
        self,
        op: OperationSpec[Any],
        args: Mapping[str, object],
        *,
        timeout: Timeout | Unset,
        extra_headers: Mapping[str, str] | None,
    ) -> Iterator[Any]: ...


class AsyncCaller(Protocol):
    async def call(
        self,
        op: OperationSpec[T],
        args: Mapping[str, object],
        *,
        timeout: Timeout | Unset,
        extra_headers: Mapping[str, str] | None,
    ) -> T: ...

    async def call_raw(
        self,
        op: OperationSpec[T],
        args: Mapping[str, object],
        *,
        timeout: Timeout | Unset,
        extra_headers: Mapping[str, str] | None,
    ) -> RawResponse[T]: ...

    # Not a coroutine: it returns the async iterator at once (arguments are checked right away).
    def paginate(
        self,
        op: OperationSpec[Any],
        args: Mapping[str, object],
        *,
        timeout: Timeout | Unset,
        extra_headers: Mapping[str, str] | None,
    ) -> AsyncIterator[Any]: ...


class SyncResource:
    def __init__(self, core: SyncCaller) -> None:
        self._core = core


class AsyncResource:
    def __init__(self, core: AsyncCaller) -> None:
        self._core = core
'''
