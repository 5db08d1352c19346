"""The log of requests the simulator saw, for assertions like "the server saw exactly one POST /v1/runs".

Secrets never enter the log: ``Authorization``, cookies and the admin token header are dropped, and
the owner of a request is the key's fingerprint. The log is bounded (oldest entries fall off) so a
long benchmark cannot grow it without limit.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RequestLog", "RequestRecord"]

_HIDDEN_HEADERS = frozenset({"authorization", "cookie", "x-sim-admin-token", "proxy-authorization"})


@dataclass(frozen=True)
class RequestRecord:
    """One request seen by the server.

    ``path`` is below the server root (``/api/v1/runs``); ``operation`` is e.g. ``runs.create``.
    """

    method: str
    path: str
    query: str
    operation: str | None
    status: int
    json: Any = None  # the parsed JSON body, when there was one
    headers: dict[str, str] = field(default_factory=dict)
    fault: str | None = None  # id of the injected fault that shaped the response
    dropped: bool = False  # the connection was closed mid-response
    duration: float = 0.0  # real seconds

    @property
    def api_path(self) -> str:
        """The path as the spec writes it (``/v1/runs``), i.e. without the ``/api`` prefix."""
        return self.path.removeprefix("/api")


def visible_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in raw:
        name = key.decode("latin-1").lower()
        if name not in _HIDDEN_HEADERS:
            out[name] = value.decode("latin-1")
    return out


class RequestLog:
    """Thread-safe, bounded, newest last. Iterating gives a snapshot."""

    def __init__(self, maxlen: int = 100_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[RequestRecord] = deque(maxlen=maxlen)

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._entries.append(record)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._entries)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __getitem__(self, index: int) -> RequestRecord:
        return self.snapshot()[index]

    def filter(
        self,
        method: str | None = None,
        path: str | None = None,
        operation: str | None = None,
        status: int | None = None,
    ) -> list[RequestRecord]:
        """Records matching every given criterion; ``path`` may be written with or without ``/api``."""
        want_path = path.removeprefix("/api") if path is not None else None
        return [
            r
            for r in self.snapshot()
            if (method is None or r.method == method.upper())
            and (want_path is None or r.api_path == want_path)
            and (operation is None or r.operation == operation)
            and (status is None or r.status == status)
        ]

    def count(
        self,
        method: str | None = None,
        path: str | None = None,
        operation: str | None = None,
        status: int | None = None,
    ) -> int:
        return len(self.filter(method=method, path=path, operation=operation, status=status))
