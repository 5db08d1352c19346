"""Operations without hand-written behaviour: a generic resource store, answers built from the schema.

An operation's REST shape decides what it does with the store, keyed by resource kind (the
collection path, e.g. ``/v1/widgets``):

* ``POST <collection>`` creates: the answer built from the response schema, with the request's fields
  that the response schema declares (and accepts) copied in; it is kept under its ``id``.
* ``GET <collection>/{x}`` reads it back, ``PATCH``/``PUT`` merge the request's fields into it,
  ``DELETE`` removes it; an unknown id is the documented 404 (when there is none, an answer is
  built with the id pinned, so ids stay consistent).
* ``GET <collection>`` lists the stored ones in the first array property of the answer, with the
  spec's pagination: ``limit`` and ``cursor`` query parameters, ``nextCursor`` (or ``cursor``) in the
  answer.
* Anything else gets an answer built from its response schema, seeded by the operation, the seed
  and the path values (so the same request gets the same answer).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from ._fabricate import Fabricator
from ._http import ApiError, Reply
from ._requests import CheckedRequest
from ._spec import ApiSpec, SpecOperation

__all__ = ["ResourceStore", "serve_generic"]

_CURSOR_OUT = ("nextCursor", "next_cursor", "cursor")


class ResourceStore:
    """Resources created through generic operations: kind -> id -> JSON object (insertion order)."""

    def __init__(self) -> None:
        self._kinds: dict[str, dict[str, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._created = 0

    def next_sequence(self) -> int:
        """1, 2, ... per store: seeds each created resource differently, and the same on every run."""
        with self._lock:
            self._created += 1
            return self._created

    def put(self, kind: str, item_id: str, item: dict[str, Any]) -> None:
        with self._lock:
            self._kinds.setdefault(kind, {})[item_id] = item

    def get(self, kind: str, item_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._kinds.get(kind, {}).get(item_id)

    def remove(self, kind: str, item_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._kinds.get(kind, {}).pop(item_id, None)

    def items(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        with self._lock:
            return list(self._kinds.get(kind, {}).items())

    def clear(self) -> None:
        with self._lock:
            self._kinds.clear()
            self._created = 0


def _shape(op: SpecOperation) -> tuple[str, str | None]:
    """(resource kind, name of the trailing id parameter or None for the collection itself)."""
    head, _, last = op.path.rpartition("/")
    if last.startswith("{") and last.endswith("}") and head:
        return head, last[1:-1]
    return op.path, None


def serve_generic(
    spec: ApiSpec, store: ResourceStore, fab: Fabricator, op: SpecOperation, req: CheckedRequest, seed: int
) -> Reply:
    kind, id_param = _shape(op)
    status = op.success_status
    _, schema = op.response_schema(status)
    key = f"{seed}:{op.key}:" + ",".join(f"{k}={v}" for k, v in sorted(req.path.items()))
    item_id = str(req.path[id_param]) if id_param is not None else None
    pins = {"id": item_id} if item_id is not None else {}
    creates = op.method == "POST" and id_param is None
    if creates:
        key += f":#{store.next_sequence()}"
    built = fab.build(schema, key, pins)
    if schema is None:
        return Reply(status, None)
    body_fields = req.body if isinstance(req.body, Mapping) else {}
    if creates and isinstance(built, dict) and "id" in built:
        item = _merge(spec, schema, built, body_fields)
        store.put(kind, str(item["id"]), item)
        return Reply(status, item)
    if item_id is not None and op.method in ("GET", "PATCH", "PUT", "DELETE"):
        stored = store.get(kind, item_id)
        if stored is None and op.response_schema(404)[0]:
            raise ApiError(404, "NotFound", f"{id_param} {item_id} not found")
        if op.method == "DELETE":
            store.remove(kind, item_id)
            return Reply(status, _fits(spec, schema, stored, built))
        if op.method in ("PATCH", "PUT"):
            item = _merge(spec, schema, stored or built, body_fields)
            store.put(kind, item_id, item)
            return Reply(status, item)
        return Reply(status, _fits(spec, schema, stored, built))
    if op.method == "GET" and id_param is None and isinstance(built, dict):
        return Reply(status, _page(spec, store, kind, schema, built, req.query))
    return Reply(status, built)


def _fits(spec: ApiSpec, schema: Mapping[str, Any], candidate: Any, fallback: Any) -> Any:
    """``candidate`` (stored by another operation) cut to the fields ``schema`` declares, if valid."""
    if isinstance(candidate, dict):
        props = spec.merged(schema).get("properties") or {}
        if props:
            candidate = {**fallback, **{k: v for k, v in candidate.items() if k in props}}
        if spec.validator(schema).is_valid(candidate):
            return candidate
    return fallback


def _merge(spec: ApiSpec, schema: Mapping[str, Any], base: dict[str, Any], fields: Mapping[str, Any]) -> Any:
    """``base`` with the request's fields the response schema declares, each kept only if valid."""
    props = spec.merged(schema).get("properties") or {}
    out = dict(base)
    for name, value in fields.items():
        if name != "id" and name in props and spec.validator(props[name]).is_valid(value):
            out[name] = value
    return out if spec.validator(schema).is_valid(out) else base


def _page(
    spec: ApiSpec,
    store: ResourceStore,
    kind: str,
    schema: Mapping[str, Any],
    built: dict[str, Any],
    query: Mapping[str, Any],
) -> dict[str, Any]:
    props = spec.merged(schema).get("properties") or {}
    array = next((k for k, v in props.items() if spec.merged(v).get("type") == "array"), None)
    stored = store.items(kind)
    if array is None or not stored:
        return built
    item_schema = spec.merged(props[array]).get("items") or {}
    valid = [(i, v) for i, v in stored if spec.validator(item_schema).is_valid(v)]
    cursor = query.get("cursor")
    start = next((n + 1 for n, (i, _) in enumerate(valid) if i == cursor), 0) if cursor else 0
    limit = query.get("limit")
    end = len(valid) if not isinstance(limit, int) else start + max(limit, 0)
    page = dict(built)
    page[array] = [v for _, v in valid[start:end]]
    more = end < len(valid)
    for name in _CURSOR_OUT:
        if name in props:
            page[name] = valid[end - 1][0] if more and end > 0 else None
            if page[name] is None and not spec.validator(props[name]).is_valid(None):
                page.pop(name)
            break
    if "hasMore" in props:
        page["hasMore"] = more
    return page if spec.validator(schema).is_valid(page) else built
