"""Walk two normalized specs operation by operation and collect classified changes.

Operations are matched by method + path template (`/v1/runs/{id}` and `/v1/runs/{runId}` are the
same endpoint); their normalized operationId is the label users know. Inside an operation the walk
covers security, parameters, request bodies, responses and, through schemas.py, every schema they
reach. Documentation (summary, description, examples) is ignored on purpose: it is not something
code can break on.
"""

from __future__ import annotations

import re
from typing import Any

from codegen.diff.classify import classify
from codegen.diff.model import GLOBAL_GROUP, Change
from codegen.diff.schemas import Walk, compare_schema
from codegen.diff.view import Doc
from codegen.specdoc import HTTP_METHODS, iter_operations

__all__ = ["compare_specs"]

_TEMPLATE = re.compile(r"\{[^}]*\}")
_Requirement = frozenset[tuple[str, tuple[str, ...]]]


def compare_specs(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every user-visible difference from `old` to `new` (both normalized specs), in a stable order."""
    old_doc, new_doc = Doc(old, "old spec"), Doc(new, "new spec")
    old_ops, new_ops = _index(old), _index(new)
    changes: list[Change] = []
    for key in sorted(old_ops.keys() | new_ops.keys(), key=lambda k: (k[0], HTTP_METHODS.index(k[1]))):
        before, after = old_ops.get(key), new_ops.get(key)
        if after is None:
            assert before is not None
            path, method, operation, _ = before
            op_id = str(operation.get("operationId", ""))
            changes.append(
                classify("operation-removed", op_id, method, path, "operation", "removed from the spec")
            )
        elif before is None:
            path, method, operation, _ = after
            op_id = str(operation.get("operationId", ""))
            changes.append(classify("operation-added", op_id, method, path, "operation", "added to the spec"))
        else:
            changes.extend(_compare_operation(old_doc, new_doc, before, after))
    changes.extend(_compare_models(old, new))
    return changes


_Entry = tuple[str, str, dict[str, Any], dict[str, Any]]  # path, method, operation, path item


def _index(spec: dict[str, Any]) -> dict[tuple[str, str], _Entry]:
    paths = spec.get("paths") or {}
    return {
        (_TEMPLATE.sub("{}", path), method): (path, method, operation, paths[path])
        for path, method, operation in iter_operations(spec)
    }


def _compare_operation(old_doc: Doc, new_doc: Doc, before: _Entry, after: _Entry) -> list[Change]:
    _, _, old_op, old_item = before
    path, method, new_op, new_item = after
    old_id, new_id = str(old_op.get("operationId", "")), str(new_op.get("operationId", ""))
    changes: list[Change] = []

    def emit(rule: str, loc: str, detail: str) -> None:
        changes.append(classify(rule, new_id, method, path, loc, detail))

    walk = Walk(old_doc, new_doc, emit)
    if old_id != new_id:
        emit("operation-id-changed", "operationId", f"{old_id!r} -> {new_id!r} (the generated module moves)")
    _security(walk, old_op, new_op)
    _parameters(walk, old_item, old_op, new_item, new_op)
    _request_body(walk, old_op, new_op)
    _responses(walk, old_op, new_op)
    return changes


# -- security ------------------------------------------------------------------------------------------


def _requirements(spec: dict[str, Any], operation: dict[str, Any]) -> frozenset[_Requirement]:
    """Alternatives (OR) of requirements (AND of schemes); the empty requirement means anonymous."""
    raw = operation["security"] if "security" in operation else spec.get("security") or []
    if not raw:
        return frozenset({frozenset()})
    return frozenset(
        frozenset((str(name), tuple(sorted(scopes or []))) for name, scopes in (req or {}).items())
        for req in raw
    )


def _describe(requirements: frozenset[_Requirement]) -> str:
    alternatives = sorted(" + ".join(sorted(name for name, _ in req)) or "none" for req in requirements)
    return " or ".join(alternatives)


def _scheme(spec: dict[str, Any], name: str) -> str:
    scheme = ((spec.get("components") or {}).get("securitySchemes") or {}).get(name) or {}
    parts = (
        scheme.get("type"),
        str(scheme.get("scheme", "")).lower() or None,
        scheme.get("in"),
        scheme.get("name"),
    )
    return " ".join(str(p) for p in parts if p)


def _security(walk: Walk, old_op: dict[str, Any], new_op: dict[str, Any]) -> None:
    old_req, new_req = _requirements(walk.old.spec, old_op), _requirements(walk.new.spec, new_op)
    if old_req == new_req:
        for name in sorted({name for req in new_req for name, _ in req}):
            before, after = _scheme(walk.old.spec, name), _scheme(walk.new.spec, name)
            if before != after:
                walk.emit("security-changed", "security", f"scheme {name!r} changed: {before} -> {after}")
        return
    detail = f"{_describe(old_req)} -> {_describe(new_req)}"
    if frozenset() in new_req or old_req <= new_req:
        walk.emit("security-relaxed", "security", detail)
    else:
        walk.emit("security-changed", "security", detail)


# -- parameters ------------------------------------------------------------------------------------------


def _parameters_of(doc: Doc, item: dict[str, Any], operation: dict[str, Any]) -> dict[tuple[str, str], Any]:
    found: dict[tuple[str, str], Any] = {}
    for raw in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
        param, _ = doc.resolve(raw)
        if not isinstance(param, dict):
            continue
        where, name = str(param.get("in", "")), str(param.get("name", ""))
        # Header names are case-insensitive; an operation-level parameter overrides a path-level one.
        found[(where, name.lower() if where == "header" else name)] = param
    return found


def _parameter_schema(param: dict[str, Any]) -> Any:
    if "schema" in param:
        return param["schema"]
    for media in (param.get("content") or {}).values():
        if isinstance(media, dict):
            return media.get("schema", {})
    return {}


def _parameters(
    walk: Walk,
    old_item: dict[str, Any],
    old_op: dict[str, Any],
    new_item: dict[str, Any],
    new_op: dict[str, Any],
) -> None:
    old_params = _parameters_of(walk.old, old_item, old_op)
    new_params = _parameters_of(walk.new, new_item, new_op)
    for key in [*old_params, *(k for k in new_params if k not in old_params)]:
        before, after = old_params.get(key), new_params.get(key)
        where, name = key[0], str((after or before or {}).get("name", key[1]))
        loc = f"parameter {name!r} ({where})"
        if after is None:
            walk.emit("request-parameter-removed", loc, "parameter removed")
            continue
        is_required = bool(after.get("required")) or where == "path"
        if before is None:
            rule = "request-parameter-added-required" if is_required else "request-parameter-added"
            walk.emit(rule, loc, f"new {'required' if is_required else 'optional'} parameter")
            continue
        was_required = bool(before.get("required")) or where == "path"
        if was_required != is_required:
            now = "required" if is_required else "optional"
            walk.emit(f"request-parameter-became-{now}", loc, f"became {now}")
        compare_schema(walk, _parameter_schema(before), _parameter_schema(after), "request", loc)


# -- request body ----------------------------------------------------------------------------------------


def _content(node: Any) -> dict[str, Any]:
    content = node.get("content") if isinstance(node, dict) else None
    return content if isinstance(content, dict) else {}


def _request_body(walk: Walk, old_op: dict[str, Any], new_op: dict[str, Any]) -> None:
    before = walk.old.resolve(old_op["requestBody"])[0] if "requestBody" in old_op else None
    after = walk.new.resolve(new_op["requestBody"])[0] if "requestBody" in new_op else None
    if before is None and after is None:
        return
    loc = "request body"
    if after is None:
        walk.emit("request-body-removed", loc, "removed: the operation takes no body any more")
        return
    is_required = isinstance(after, dict) and after.get("required") is True
    if before is None:
        if is_required:
            walk.emit("request-body-became-required", loc, "added, required")
        else:
            walk.emit("request-body-added", loc, "added, optional")
        return
    was_required = isinstance(before, dict) and before.get("required") is True
    if was_required != is_required:
        now = "required" if is_required else "optional"
        walk.emit(f"request-body-became-{now}", loc, f"became {now}")
    old_content, new_content = _content(before), _content(after)
    for media_type in [*old_content, *(m for m in new_content if m not in old_content)]:
        media_loc = f"request body ({media_type})"
        if media_type not in new_content:
            walk.emit("request-media-type-removed", media_loc, "media type no longer accepted")
        elif media_type not in old_content:
            walk.emit("request-media-type-added", media_loc, "new media type accepted")
        else:
            old_schema = (old_content[media_type] or {}).get("schema", {})
            new_schema = (new_content[media_type] or {}).get("schema", {})
            compare_schema(walk, old_schema, new_schema, "request", media_loc)


# -- responses -------------------------------------------------------------------------------------------


def _responses(walk: Walk, old_op: dict[str, Any], new_op: dict[str, Any]) -> None:
    old_resp = {str(k): v for k, v in (old_op.get("responses") or {}).items()}
    new_resp = {str(k): v for k, v in (new_op.get("responses") or {}).items()}
    for status in sorted(old_resp.keys() | new_resp.keys()):
        kind = "success" if status.startswith("2") else "error"
        loc = f"response {status}"
        if status not in new_resp:
            walk.emit(f"response-{kind}-status-removed", loc, f"{kind} status {status} no longer returned")
            continue
        if status not in old_resp:
            walk.emit(f"response-{kind}-status-added", loc, f"new {kind} status {status}")
            continue
        old_content = _content(walk.old.resolve(old_resp[status])[0])
        new_content = _content(walk.new.resolve(new_resp[status])[0])
        for media_type in [*old_content, *(m for m in new_content if m not in old_content)]:
            media_loc = f"response {status} ({media_type})"
            if media_type not in new_content:
                walk.emit("response-media-type-removed", media_loc, "media type no longer returned")
            elif media_type not in old_content:
                walk.emit("response-media-type-added", media_loc, "new media type returned")
            else:
                old_schema = (old_content[media_type] or {}).get("schema", {})
                new_schema = (new_content[media_type] or {}).get("schema", {})
                compare_schema(walk, old_schema, new_schema, "response", media_loc)


# -- models ----------------------------------------------------------------------------------------------


def _schema_names(spec: dict[str, Any]) -> list[str]:
    return [str(name) for name in ((spec.get("components") or {}).get("schemas") or {})]


def _compare_models(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Named schemas become classes of testerarmy_api.models: their names are API too."""
    before, after = _schema_names(old), _schema_names(new)
    changes = [
        classify("model-removed", GLOBAL_GROUP, "", "", f"components/schemas/{name}", "model removed")
        for name in before
        if name not in after
    ]
    changes.extend(
        classify("model-added", GLOBAL_GROUP, "", "", f"components/schemas/{name}", "new model")
        for name in after
        if name not in before
    )
    return changes
