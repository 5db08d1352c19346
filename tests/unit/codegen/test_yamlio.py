"""Strict YAML I/O: the C emitter writes what PyYAML's own emitter would, so output never depends on it."""

from __future__ import annotations

from pathlib import Path

import yaml

from codegen.normalize import Normalized
from codegen.yamlio import dump_yaml, load_yaml_text


class _PurePythonDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True


def test_c_emitter_matches_the_pure_python_one_on_the_normalized_spec(normalized: Normalized) -> None:
    expected = yaml.dump(
        normalized.spec, Dumper=_PurePythonDumper, sort_keys=False, allow_unicode=True, width=100
    )
    assert dump_yaml(normalized.spec) == expected


def test_dump_then_load_is_lossless(normalized: Normalized) -> None:
    assert load_yaml_text(dump_yaml(normalized.spec), "x") == normalized.spec


def test_shared_objects_are_written_out_not_aliased() -> None:
    shared = {"type": "string"}
    text = dump_yaml({"a": shared, "b": shared})
    assert "&" not in text
    assert "*" not in text


def test_committed_normalized_spec_is_what_dump_writes() -> None:
    committed = Path(__file__).resolve().parents[3] / "generated" / "openapi.normalized.yaml"
    text = committed.read_text(encoding="utf-8")
    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("# "))
    assert dump_yaml(load_yaml_text(body, "x")) == body
