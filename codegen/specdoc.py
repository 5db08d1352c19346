"""Small helpers for walking an OpenAPI document held as plain dicts and lists."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

__all__ = [
    "HTTP_METHODS",
    "SCHEMA_REF_PREFIX",
    "iter_operations",
    "iter_refs",
    "resolve_pointer",
    "rewrite_refs",
    "schema_ref",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SCHEMA_REF_PREFIX = "#/components/schemas/"


def schema_ref(name: str) -> dict[str, str]:
    return {"$ref": SCHEMA_REF_PREFIX + name}


def iter_operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield (path, method, operation) in document order."""
    paths = spec.get("paths") or {}
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                yield str(path), method, operation


def iter_refs(node: Any, trail: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Yield (location, target) for every `$ref` string below `node`."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield trail, ref
        for key, value in node.items():
            if key != "$ref":
                yield from iter_refs(value, (*trail, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iter_refs(value, (*trail, index))


def rewrite_refs(node: Any, mapping: Callable[[str], str]) -> None:
    """Replace every `$ref` value in place by mapping(value)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            node["$ref"] = mapping(ref)
        for key, value in node.items():
            if key != "$ref":
                rewrite_refs(value, mapping)
    elif isinstance(node, list):
        for value in node:
            rewrite_refs(value, mapping)


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def resolve_pointer(spec: Any, ref: str) -> tuple[bool, Any]:
    """Resolve a local `#/...` reference. Returns (found, value)."""
    if not ref.startswith("#"):
        return False, None
    node = spec
    body = ref[1:]
    if not body:
        return True, spec
    for token in body.lstrip("/").split("/"):
        key = _unescape(token)
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return False, None
    return True, node
