from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from codegen.normalize import Normalized, normalize
from codegen.oas30 import upgrade_to_31
from codegen.quirks import QuirkRules, apply_quirks
from codegen.rules import Rules, load_rules
from codegen.yamlio import load_yaml_file

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def vendored_spec() -> dict[str, Any]:
    spec = load_yaml_file(REPO / "openapi.yaml")
    assert isinstance(spec, dict)
    return spec


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules()


@pytest.fixture(scope="session")
def normalized(vendored_spec: dict[str, Any], rules: Rules) -> Normalized:
    return normalize(vendored_spec, rules, "openapi.yaml")


@pytest.fixture
def spec_copy(vendored_spec: dict[str, Any]) -> dict[str, Any]:
    """A private deep copy for tests that mutate the vendored spec."""
    return copy.deepcopy(vendored_spec)


@pytest.fixture(scope="session")
def staged_spec(vendored_spec: dict[str, Any], rules: Rules) -> dict[str, Any]:
    """The vendored spec as the classic rules see it: 3.1, overlays merged, quirk sections applied.

    The classic sections' targets (extract locators, the auth header, schema renames, the submit
    operation's error copies) live in this stage, so a test simulating "upstream changes what a
    classic rule matches" mutates it and normalizes it with `classic_rules`.
    """
    stale: list[str] = []
    staged = apply_quirks(upgrade_to_31(vendored_spec), rules.quirks, "openapi.yaml", stale)
    assert stale == []
    return staged


@pytest.fixture
def staged_copy(staged_spec: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(staged_spec)


@pytest.fixture(scope="session")
def classic_rules(rules: Rules) -> Rules:
    """Today's rules without the early quirk sections (they already ran on `staged_spec`)."""
    return dataclasses.replace(rules, quirks=QuirkRules(inline_schemas=rules.quirks.inline_schemas))
