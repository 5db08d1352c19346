"""Checks that a spec is one the pipeline can work with, before any rule touches it.

openapi-spec-validator says *whether* a document is valid OpenAPI; these checks come first and say,
in our terms, what is wrong and where (file + JSON pointer), for the mistakes a spec update makes.
"""

from __future__ import annotations

import re
from typing import Any

from codegen.errors import SpecError, pointer
from codegen.specdoc import iter_operations, iter_refs, resolve_pointer

__all__ = ["MAX_DEPTH", "MAX_REF_CHAIN", "SUPPORTED_VERSIONS", "check_structure", "validate_openapi"]

#: 3.0.x documents are rewritten as 3.1 by codegen/oas30.py before any rule runs.
SUPPORTED_VERSIONS = re.compile(r"^3\.[01]\.\d+$")
#: The vendored spec nests 10 levels deep. Generators and validators recurse per level, so a
#: document much deeper than any real spec is refused here rather than by a RecursionError later.
MAX_DEPTH = 64
#: A $ref may point at a $ref; the vendored spec never chains more than 1. Long chains make the
#: generators recurse without bound.
MAX_REF_CHAIN = 16


def check_structure(spec: Any, source: str) -> None:
    if not isinstance(spec, dict):
        raise SpecError(source, "/", f"the document is a {type(spec).__name__}, not a mapping")
    _check_depth(spec, source)
    version = spec.get("openapi")
    if version is None:
        hint = " (this looks like Swagger 2.0)" if "swagger" in spec else ""
        raise SpecError(source, "/openapi", f"missing `openapi` version field{hint}")
    if not SUPPORTED_VERSIONS.match(str(version)):
        raise SpecError(
            source, "/openapi", f"unsupported OpenAPI version {version!r} (supported: 3.0.x, 3.1.x)"
        )
    paths = spec.get("paths")
    if not isinstance(paths, dict) or not paths:
        raise SpecError(source, "/paths", "no `paths`: the spec describes no operation")
    # Operations are known by "METHOD /path" (NAMES.md); an operationId is optional, but one that
    # is there must be usable.
    for path, method, operation in iter_operations(spec):
        op_id = operation.get("operationId", "x")
        if not isinstance(op_id, str) or not op_id.strip():
            raise SpecError(
                source,
                pointer("paths", path, method, "operationId"),
                f"{method.upper()} {path} has an empty or non-string operationId",
            )
    for trail, ref in iter_refs(spec):
        where = pointer(*trail, "$ref")
        if not ref.startswith("#/"):
            raise SpecError(source, where, f"external $ref {ref!r} is not supported (inline it)")
        found, _ = resolve_pointer(spec, ref)
        if not found:
            raise SpecError(source, where, f"dangling $ref {ref!r}: nothing at that location")
        _check_ref_chain(spec, ref, source, where)


def _check_depth(spec: dict[str, Any], source: str) -> None:
    """Iteratively (so it cannot overflow itself) find the first node deeper than MAX_DEPTH."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(spec, ())]
    while stack:
        node, trail = stack.pop()
        if len(trail) > MAX_DEPTH:
            raise SpecError(
                source,
                pointer(*trail[:8]) + "/…",
                f"nested more than {MAX_DEPTH} levels deep; no real spec is",
            )
        if isinstance(node, dict):
            stack.extend((value, (*trail, str(key))) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((value, (*trail, index)) for index, value in enumerate(node))


def _shorten(refs: list[str]) -> str:
    if len(refs) <= 6:
        return " -> ".join(refs)
    return " -> ".join([*refs[:3], f"… ({len(refs) - 5} more) …", *refs[-2:]])


def _check_ref_chain(spec: Any, ref: str, source: str, where: str) -> None:
    """A schema may refer to itself through properties (a tree), but not *be* a reference to itself."""
    chain = [ref]
    while True:
        _, target = resolve_pointer(spec, chain[-1])
        next_ref = target.get("$ref") if isinstance(target, dict) else None
        if not isinstance(next_ref, str):
            return
        if next_ref in chain:
            cycle = _shorten([*chain[chain.index(next_ref) :], next_ref])
            raise SpecError(source, where, f"$ref cycle that never reaches a schema: {cycle}")
        chain.append(next_ref)
        if len(chain) > MAX_REF_CHAIN:
            raise SpecError(
                source, where, f"chain of more than {MAX_REF_CHAIN} $refs to $refs: {_shorten(chain)}"
            )


def validate_openapi(spec: dict[str, Any], source: str) -> None:
    """Full OpenAPI 3.1 validation; the first few problems are reported with their location."""
    from openapi_spec_validator import OpenAPIV31SpecValidator

    errors = list(OpenAPIV31SpecValidator(spec).iter_errors())
    if errors:
        lines = []
        for err in errors[:5]:
            path = pointer(*getattr(err, "absolute_path", ())) if getattr(err, "absolute_path", None) else ""
            lines.append(f"{path or '/'}: {err.message}")
        more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
        raise SpecError(source, "", "not valid OpenAPI 3.1: " + "; ".join(lines) + more)
