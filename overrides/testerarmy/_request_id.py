"""The request id upstream attaches to a response, for support tickets and log correlation.

Upstream documents no such header today; when it sends one (``x-request-id``, or ``request-id``),
errors carry it as ``error.request_id`` and :func:`request_id` returns it for the object a
successful call returned. The id is kept in a side table keyed by the returned object and dropped
when that object is garbage-collected: the generated models stay untouched (no attribute is set on
them, nothing lands in their ``to_dict()``).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping

__all__ = ["REQUEST_ID_HEADERS", "remember_request_id", "request_id", "request_id_from"]

#: Checked in this order; the first present wins.
REQUEST_ID_HEADERS = ("x-request-id", "request-id")

_ids: dict[int, str] = {}
_lock = threading.Lock()


def request_id_from(headers: Mapping[str, str]) -> str | None:
    """The request id among ``headers`` (case-insensitive for ``httpx.Headers``), or ``None``."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value.strip()
    return None


def _forget(key: int) -> None:
    with _lock:
        _ids.pop(key, None)


def remember_request_id(obj: object, headers: Mapping[str, str]) -> None:
    """Record the request id of the response ``obj`` was parsed from (no-op without one)."""
    value = request_id_from(headers)
    if value is None:
        return
    try:
        weakref.finalize(obj, _forget, id(obj))
    except TypeError:  # not weak-referenceable: we could not tell when its id gets reused
        return
    with _lock:
        _ids[id(obj)] = value


def request_id(obj: object) -> str | None:
    """The request id of the response that ``obj`` (a model a client call returned) came from.

    ``None`` when upstream sent none, or for objects the SDK did not return (nested models, items
    of a list: ask the object the call returned).
    """
    with _lock:
        return _ids.get(id(obj))
