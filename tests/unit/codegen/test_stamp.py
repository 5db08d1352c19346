"""The build stamp lets `generate` skip only when inputs and output are exactly as last built."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codegen import stamp as stamp_module
from codegen.stamp import BuildStamp

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setattr(stamp_module, "STAMP_PATH", tmp_path / "work" / "last-build.json")
    spec = tmp_path / "openapi.yaml"
    spec.write_bytes((REPO / "openapi.yaml").read_bytes())
    target = tmp_path / "generated"
    (target / "pkg").mkdir(parents=True)
    (target / "pkg" / "a.py").write_text("a = 1\n")
    return spec, target


def test_no_stamp_means_build(tree: tuple[Path, Path]) -> None:
    spec, target = tree
    assert not BuildStamp.of(spec, target).matches_last()


def test_recorded_stamp_matches_until_an_input_or_the_output_changes(tree: tuple[Path, Path]) -> None:
    spec, target = tree
    BuildStamp.of(spec, target).record()
    assert BuildStamp.of(spec, target).matches_last()

    (target / "pkg" / "a.py").write_text("a = 2\n")  # a hand edit of the output
    assert not BuildStamp.of(spec, target).matches_last()
    BuildStamp.of(spec, target).record()

    (target / "pkg" / "stray.py").write_text("")  # an added file
    assert not BuildStamp.of(spec, target).matches_last()
    (target / "pkg" / "stray.py").unlink()
    assert BuildStamp.of(spec, target).matches_last()

    spec.write_bytes(spec.read_bytes() + b"\n# changed\n")  # the input
    assert not BuildStamp.of(spec, target).matches_last()


def test_stamp_is_per_target(tree: tuple[Path, Path], tmp_path: Path) -> None:
    spec, target = tree
    BuildStamp.of(spec, target).record()
    other = tmp_path / "other"
    other.mkdir()
    assert not BuildStamp.of(spec, other).matches_last()
    BuildStamp.of(spec, other).record()  # building elsewhere does not evict the first target
    assert BuildStamp.of(spec, other).matches_last()
    assert BuildStamp.of(spec, target).matches_last()


def test_codegen_sources_are_inputs(
    tree: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, target = tree
    codegen_copy = tmp_path / "codegen"
    shutil.copytree(REPO / "codegen", codegen_copy, ignore=shutil.ignore_patterns(".work", "__pycache__"))
    monkeypatch.setattr(stamp_module, "CODEGEN_DIR", codegen_copy)
    before = BuildStamp.of(spec, target).inputs
    (codegen_copy / ".work").mkdir()
    (codegen_copy / ".work" / "scratch").write_text("not an input")
    assert BuildStamp.of(spec, target).inputs == before
    with (codegen_copy / "rules.yaml").open("a") as rules:
        rules.write("\n")
    assert BuildStamp.of(spec, target).inputs != before
