"""Apply an OpenAPI Overlay 1.0 document to a spec: our thin applier over an RFC 9535 JSONPath library.

Overlay 1.0 (https://spec.openapis.org/overlay/v1.0.0) is the standard for changes to a spec one
does not own: an ordered list of actions, each a JSONPath `target` plus `update` (merged into every
object the target selects, or appended to an array) or `remove: true`. JSONPath evaluation is
python-jsonpath's, in strict RFC 9535 mode; what this module adds is what a pipeline needs:

- every action must select something, else one-line error naming the action (a change upstream
  made elsewhere must not make a fix silently stop applying);
- a target must select objects or arrays (the format's own rule), and the document must be an
  Overlay 1.0.x document with at least one action;
- the extension `x-adds-only: true` on an action refuses an update that would replace a value the
  spec already has: an overlay that *adds* what upstream lacks fails the day upstream adds it too,
  instead of silently overriding upstream's version.

oas-patch (the one maintained Python overlay applier on PyPI, 0.6.0) was evaluated and not used: it
applies actions that match nothing without a word, evaluates targets with jsonpath-ng's own dialect
rather than RFC 9535, and pulls Jinja2, deepdiff, jsonschema, rich and click into the pipeline.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from jsonpath import JSONPathEnvironment, JSONPathError

from codegen.errors import SpecError
from codegen.yamlio import load_yaml_file

__all__ = ["ADDS_ONLY", "apply_overlay", "load_overlay"]

ADDS_ONLY = "x-adds-only"
_VERSION = re.compile(r"^1\.0\.\d+$")
_ENV = JSONPathEnvironment(strict=True)


def load_overlay(path: Path) -> dict[str, Any]:
    """Read an overlay document and check its shape (not its targets: that needs the spec)."""
    source = str(path)
    document = load_yaml_file(path)
    if not isinstance(document, dict):
        raise SpecError(source, "/", "an overlay document is a mapping")
    if not _VERSION.match(str(document.get("overlay", ""))):
        raise SpecError(source, "/overlay", f"not an Overlay 1.0.x document: {document.get('overlay')!r}")
    info = document.get("info")
    if not (isinstance(info, dict) and isinstance(info.get("title"), str) and "version" in info):
        raise SpecError(source, "/info", "needs `title` and `version`")
    actions = document.get("actions")
    if not isinstance(actions, list) or not actions:
        raise SpecError(source, "/actions", "needs at least one action")
    for index, action in enumerate(actions):
        where = f"/actions/{index}"
        if not isinstance(action, dict) or not isinstance(action.get("target"), str):
            raise SpecError(source, where, "an action is a mapping with a `target` JSONPath")
        if ("update" in action) == bool(action.get("remove")):
            raise SpecError(source, where, "an action has either `update` or `remove: true`")
        try:
            _ENV.compile(action["target"])
        except JSONPathError as exc:
            raise SpecError(source, f"{where}/target", f"not an RFC 9535 JSONPath: {exc}") from None
    return document


def _name(index: int, action: dict[str, Any]) -> str:
    label = action.get("description") or action["target"]
    return f"action {index} ({label})"


def _merge(target: Any, update: Any, adds_only: bool, trail: str) -> Any:
    """Overlay merge: objects recursively, arrays concatenated, anything else replaced."""
    if isinstance(target, dict) and isinstance(update, dict):
        for key, value in update.items():
            if key in target:
                if adds_only:
                    raise ValueError(f"{trail}[{key!r}] is already in the spec")
                target[key] = _merge(target[key], value, adds_only, f"{trail}[{key!r}]")
            else:
                target[key] = copy.deepcopy(value)
        return target
    if isinstance(target, list) and isinstance(update, list):
        return [*target, *copy.deepcopy(update)]
    return copy.deepcopy(update)


def _container(root: Any, parts: tuple[Any, ...]) -> Any:
    node = root
    for part in parts:
        node = node[part]
    return node


def _removal_order(match: Any) -> tuple[int, tuple[tuple[int, int, str], ...]]:
    parts = tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in match.parts)
    return len(parts), parts


def apply_overlay(spec: dict[str, Any], overlay: dict[str, Any], source: str) -> dict[str, Any]:
    """A copy of `spec` with every action applied in order; SpecError naming the first that fails."""
    result = copy.deepcopy(spec)
    for index, action in enumerate(overlay["actions"]):
        name = _name(index, action)
        matches = list(_ENV.compile(action["target"]).finditer(result))
        if not matches:
            raise SpecError(source, f"/actions/{index}", f"{name} matches nothing in the spec")
        if action.get("remove"):
            # Deepest and last first, so removing one node never shifts the index of another.
            for match in sorted(matches, key=_removal_order, reverse=True):
                if not match.parts:
                    raise SpecError(source, f"/actions/{index}", f"{name} would remove the whole spec")
                del _container(result, match.parts[:-1])[match.parts[-1]]
            continue
        for match in matches:
            if not isinstance(match.obj, dict | list):
                raise SpecError(
                    source,
                    f"/actions/{index}",
                    f"{name} selects {match.path}, which is not an object or array",
                )
            try:
                if isinstance(match.obj, list):
                    match.obj.append(copy.deepcopy(action["update"]))
                else:
                    _merge(match.obj, action["update"], bool(action.get(ADDS_ONLY)), match.path)
            except ValueError as exc:
                raise SpecError(source, f"/actions/{index}", f"{name}: {exc} ({ADDS_ONLY})") from None
    return result
