"""Spec-relative picks for tests that mutate the vendored spec.

A test that removes "an operation" or adds "a value the spec lacks" takes them from the spec it
runs on, never from today's contents of it: upstream adding that very value, or retiring that very
operation, must not turn the test into a no-op or a failure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from codegen.naming import operation_key
from codegen.rules import load_rules
from codegen.specdoc import iter_operations

__all__ = ["RemovedOperation", "absent", "operation_to_remove"]

REPO = Path(__file__).resolve().parents[3]


def absent(taken: Iterable[Any], stem: str) -> str:
    """A value not in `taken`: `stem`, suffixed with a number until it is new."""
    existing = {str(v) for v in taken}
    candidate, n = stem, 1
    while candidate in existing:
        n += 1
        candidate = f"{stem}{n}"
    return candidate


@dataclass(frozen=True)
class RemovedOperation:
    path: str
    method: str
    #: "METHOD /path", as codegen/rules.yaml keys it.
    rule_key: str
    #: The normalized "<resource>.<method>" the change report labels it with.
    name: str

    def remove(self, spec: dict[str, Any]) -> None:
        del spec["paths"][self.path][self.method]
        if not spec["paths"][self.path]:
            del spec["paths"][self.path]


def operation_to_remove() -> RemovedOperation:
    """The last operation (by path, method) that has its own rules entry, so removing it leaves
    exactly that entry stale ."""
    vendored = yaml.safe_load((REPO / "openapi.yaml").read_text(encoding="utf-8"))
    normalized = yaml.safe_load((REPO / "generated" / "openapi.normalized.yaml").read_text(encoding="utf-8"))
    rules = load_rules()
    named = sorted(
        (path, method, operation_key(method, path))
        for path, method, _op in iter_operations(vendored)
        if operation_key(method, path) in rules.operations
    )
    path, method, rule_key = named[-1]
    return RemovedOperation(path, method, rule_key, str(normalized["paths"][path][method]["operationId"]))
