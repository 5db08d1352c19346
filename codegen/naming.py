"""Public names of operations: `client.<resource>.<method>`, chosen by rules data or by a default.

An operation's identity is its upstream key "METHOD /path" (see NAMES.md); the published spec has no
operationIds, so nothing here reads them. The `operations:` section of codegen/rules.yaml names an
operation explicitly; every other operation gets the default name:

* resource: the first path segment after a version segment (``/v1``), snake_case
  (``/v1/test-groups/{id}`` → ``test_groups``).
* method: from the HTTP method and the path's shape below the resource. Literal segments after the
  resource (ignoring the parameters) are joined with ``_`` as a *suffix*.
  - no suffix: ``GET`` → ``list`` (path ends in the collection) or ``get`` (ends in a parameter);
    ``POST`` → ``create``; ``PUT``/``PATCH`` → ``update``; ``DELETE`` → ``delete``.
  - with a suffix: ``POST`` → the suffix itself, read as an action verb (``/runs/{id}/cancel`` →
    ``cancel``), unless its last word is a plural noun (ends in ``s``: a collection), then
    ``create_<suffix>`` (``/projects/{id}/environments`` → ``create_environments``);
    ``GET`` → ``list_<suffix>`` if the path ends in a literal, else ``get_<suffix>``;
    other methods → ``<verb>_<suffix>``.
* Collisions among defaults (and with named operations) are resolved by appending the HTTP method
  (``_post``), then failing: two operations can never share a name silently.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable

__all__ = ["default_name", "operation_key", "snake"]

_VERSION = re.compile(r"^v\d+$")
_WORDS = re.compile(r"[^A-Za-z0-9]+")
_VERBS = {"post": "create", "put": "update", "patch": "update", "delete": "delete"}


def snake(value: str) -> str:
    """camelCase / kebab-case / spaced text → snake_case identifier (never a Python keyword)."""
    value = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", value)
    name = _WORDS.sub("_", value).strip("_").lower() or "x"
    if name[0].isdigit():
        name = "n_" + name
    return name + "_" if keyword.iskeyword(name) else name


def operation_key(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


def _segments(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def default_name(method: str, path: str) -> tuple[str, str]:
    """(resource, method name) for an operation that has no `operations:` rule."""
    segments = _segments(path)
    if segments and _VERSION.match(segments[0]):
        segments = segments[1:]
    literal = [s for s in segments if not _is_param(s)]
    if not literal:
        return "root", method.lower()
    resource = snake(literal[0])
    below = segments[segments.index(literal[0]) + 1 :]
    suffix = "_".join(snake(s) for s in below if not _is_param(s))
    ends_in_param = bool(segments) and _is_param(segments[-1])
    verb = method.lower()
    if not suffix:
        if verb == "get":
            return resource, "get" if ends_in_param else "list"
        return resource, _VERBS.get(verb, verb)
    if verb == "post":
        return resource, f"create_{suffix}" if suffix.endswith("s") else suffix
    if verb == "get":
        return resource, f"get_{suffix}" if ends_in_param else f"list_{suffix}"
    return resource, f"{_VERBS.get(verb, verb)}_{suffix}"


def disambiguate(qualified: str, method: str, taken: Iterable[str]) -> str:
    """`qualified`, or `qualified_<method>` if that name is taken already."""
    return qualified if qualified not in set(taken) else f"{qualified}_{method.lower()}"
