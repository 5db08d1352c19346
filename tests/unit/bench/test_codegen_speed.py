"""bench/codegen_speed.py: the growth figure's scaled specs build (not timed: that is `make bench`).

The growth figure once copied the vendored spec's paths, whose rules (names, inline schema
extraction) are keyed by path: the copies failed normalization and `make bench` stopped there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import codegen_speed
from codegen.build import build_tree
from codegen.rules import Rules
from codegen.yamlio import load_yaml_file

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _operations(spec: dict[str, object]) -> set[str]:
    paths = spec["paths"]
    assert isinstance(paths, dict)
    return {f"{method} {path}" for path, item in paths.items() for method in item if method in METHODS}


@pytest.mark.slow
def test_a_scaled_spec_builds_with_every_copy_of_every_operation(tmp_path: Path) -> None:
    base = _operations(load_yaml_file(codegen_speed.NORMALIZED_SPEC))
    spec, count = codegen_speed._scaled_spec(2, tmp_path)
    assert count == 2 * len(base)
    assert len(_operations(load_yaml_file(spec))) == count
    result = build_tree(spec, "0" * 64, tmp_path / "out", rules=Rules())
    assert len(_operations(result.normalized.spec)) == count
    assert (tmp_path / "out" / "testerarmy_api" / "resources" / "_operations.py").is_file()
