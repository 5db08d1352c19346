from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from codegen.normalize import Normalized, normalize
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
