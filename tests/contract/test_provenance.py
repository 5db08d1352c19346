"""Issue 14 acceptance: no inferred schema outside the documented overlay and rules.

Every operation of the normalized spec is upstream's (the published document, keyed "METHOD
/path") or the overlay's (the submit operation of the pinned docs page); every component schema is
upstream's (under its own name or one the `schemas` rule gives it), the overlay's, or produced by
a named rule section from upstream content. Nothing else may appear: a schema nobody can account
for would be one we made up. The content side holds because generated/openapi.normalized.yaml is
exactly normalize(openapi.yaml, codegen/rules.yaml) (checked below and by `make check-generated`),
and the one literal schema in the rules (`errors.schema`) must equal upstream's error body.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from codegen.normalize import normalize
from codegen.oas30 import upgrade_to_31
from codegen.overlay import apply_overlay, load_overlay
from codegen.rules import Rules, load_rules
from codegen.specdoc import SCHEMA_REF_PREFIX, iter_operations, iter_refs
from tests.contract import _spec

pytestmark = pytest.mark.contract

_DOC_KEYS = {"description", "title", "example", "examples"}


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


@pytest.fixture(scope="module")
def overlaid(vendored_spec: dict[str, Any], rules: Rules) -> dict[str, Any]:
    """The published document with the overlays applied, before any other rule."""
    spec = upgrade_to_31(vendored_spec)
    for path in rules.quirks.overlays:
        spec = apply_overlay(spec, load_overlay(path), path.name)
    return spec


def _keys(spec: dict[str, Any]) -> set[str]:
    return {f"{method.upper()} {path}" for path, method, _op in iter_operations(spec)}


def _refs_to(node: Any) -> Iterator[str]:
    for _trail, ref in iter_refs(node):
        if ref.startswith(SCHEMA_REF_PREFIX):
            yield ref.removeprefix(SCHEMA_REF_PREFIX)


def _shape(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _shape(v) for k, v in node.items() if k not in _DOC_KEYS}
    if isinstance(node, list):
        return [_shape(v) for v in node]
    return node


def test_the_committed_normalized_spec_is_the_vendored_spec_under_the_rules(
    vendored_spec: dict[str, Any], rules: Rules
) -> None:
    # Compared as committed: the `normalized_spec` fixture reads allOf merged (as the generators do).
    committed = _spec.load_committed_normalized()
    assert normalize(vendored_spec, rules, "openapi.yaml").spec == committed


def test_every_operation_is_upstreams_or_the_overlays(
    vendored_spec: dict[str, Any], normalized_spec: dict[str, Any], overlaid: dict[str, Any]
) -> None:
    upstream, with_overlays, normalized = _keys(vendored_spec), _keys(overlaid), _keys(normalized_spec)
    assert upstream <= normalized, "an upstream operation was lost"
    assert normalized <= with_overlays, f"operations of no source: {sorted(normalized - with_overlays)}"
    assert normalized - upstream, "the overlay adds the submit operation of the docs page"


def _origins(
    vendored: dict[str, Any], overlaid: dict[str, Any], normalized: dict[str, Any], rules: Rules
) -> dict[str, str]:
    """Component schema name -> where it comes from, for every name a source accounts for."""
    renames = dict(rules.schemas)
    final = {name: renames.get(name, name) for name in _spec.component_schemas(overlaid)}
    origins: dict[str, str] = {}
    for name in _spec.component_schemas(vendored):
        origins[final[name]] = "published document" + (f" (`schemas`: {name})" if name in renames else "")
    for name in set(_spec.component_schemas(overlaid)) - set(_spec.component_schemas(vendored)):
        origins.setdefault(final[name], "overlay" + (f" (`schemas`: {name})" if name in renames else ""))
    produced: list[tuple[str, str]] = [(rule.name, "extract") for rule in rules.extract]
    produced += [(name, "bodies") for targets in rules.quirks.bodies.values() for name in targets.values()]
    produced += [(v.name, "unions") for union in rules.quirks.unions for v in union.variants]
    if rules.errors is not None:
        produced.append((rules.errors.into, "errors"))
    for name, section in produced:
        origins.setdefault(renames.get(name, name), f"rule `{section}`")
    if rules.quirks.inline_schemas:
        # <Parent><Property...>: named from an inline schema of its parent, which refers to it.
        schemas = _spec.component_schemas(normalized)
        pending = True
        while pending:
            pending = False
            for name in sorted(set(schemas) - set(origins)):
                parents = [p for p in origins if name.startswith(p) and name in set(_refs_to(schemas[p]))]
                if parents:
                    origins[name] = f"rule `inline_schemas` (inline in {max(parents, key=len)})"
                    pending = True
    return origins


def test_every_component_schema_is_upstreams_the_overlays_or_a_named_rules(
    vendored_spec: dict[str, Any], overlaid: dict[str, Any], normalized_spec: dict[str, Any], rules: Rules
) -> None:
    origins = _origins(vendored_spec, overlaid, normalized_spec, rules)
    names = set(_spec.component_schemas(normalized_spec))
    unaccounted = sorted(names - set(origins))
    assert not unaccounted, f"component schemas no source or rule accounts for: {unaccounted}"
    # Each source contributes (else the accounting above would be vacuous for it).
    kinds = {origin.split(" (")[0] for name, origin in origins.items() if name in names}
    assert {"published document", "overlay", "rule `bodies`", "rule `inline_schemas`"} <= kinds


def test_a_made_up_schema_would_be_caught(
    vendored_spec: dict[str, Any], overlaid: dict[str, Any], normalized_spec: dict[str, Any], rules: Rules
) -> None:
    invented = dict(normalized_spec)
    invented["components"] = {
        **normalized_spec["components"],
        "schemas": {**_spec.component_schemas(normalized_spec), "Invented": {"type": "object"}},
    }
    origins = _origins(vendored_spec, overlaid, invented, rules)
    assert "Invented" not in origins


def test_the_rules_literal_error_schema_is_upstreams(vendored_spec: dict[str, Any], rules: Rules) -> None:
    assert rules.errors is not None
    assert rules.quirks.error_body is not None
    upstream = upgrade_to_31(vendored_spec)["components"]["schemas"][rules.quirks.error_body]
    assert _shape(rules.errors.schema) == _shape(upstream)
