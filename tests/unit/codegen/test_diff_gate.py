"""What `make generate` decides from the change report, before it touches generated/.

Everything runs on tmp copies: a spec + its lock, and a `generated/` holding only the normalized
spec of the previous generation (all the decision reads). generate() itself is only run where it
refuses (or, with ALLOW_BREAKING, up to the build step, which is replaced by a stub).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from codegen import generate as generate_module
from codegen.__main__ import main
from codegen.diff.gate import (
    BreakingChangesError,
    allow_breaking_from_env,
    check_spec_change,
    plan_regeneration,
    record_spec_change,
)
from codegen.errors import SpecError
from codegen.normalize import StaleRulesError
from tests.unit.codegen._pick import operation_to_remove

REPO = Path(__file__).resolve().parents[3]
VENDORED = (REPO / "openapi.yaml").read_text(encoding="utf-8")


def _vendored_with(edit: Callable[[dict[str, Any]], None]) -> str:
    spec = yaml.load(VENDORED, Loader=yaml.CSafeLoader)
    edit(spec)
    return str(yaml.dump(spec, Dumper=yaml.CSafeDumper, sort_keys=False))


def _remove_run_output(spec: dict[str, Any]) -> None:
    del spec["components"]["schemas"]["RunResponse"]["properties"]["output"]


def _add_run_field(spec: dict[str, Any]) -> None:
    spec["components"]["schemas"]["RunResponse"]["properties"]["retries"] = {"type": "integer"}


REMOVED = operation_to_remove()


def _drop_operation(spec: dict[str, Any]) -> None:
    REMOVED.remove(spec)


class Tree:
    def __init__(self, root: Path, spec_text: str) -> None:
        self.root = root
        self.spec = root / "openapi.yaml"
        self.lock = root / "openapi.lock.json"
        self.target = root / "generated"
        self.target.mkdir(parents=True)
        shutil.copy2(REPO / "generated" / "openapi.normalized.yaml", self.target / "openapi.normalized.yaml")
        (self.target / "marker.py").write_text("# previous generation\n")
        self.spec.write_text(spec_text, encoding="utf-8")
        self.sha256 = hashlib.sha256(self.spec.read_bytes()).hexdigest()
        lock = {"path": "openapi.yaml", "sha256": self.sha256, "source": "test", "retrieved": "-"}
        self.lock.write_text(json.dumps(lock), encoding="utf-8")

    def snapshot(self) -> dict[str, bytes]:
        return {
            p.relative_to(self.root).as_posix(): p.read_bytes() for p in self.root.rglob("*") if p.is_file()
        }

    def generate_cli(self) -> int:
        return main(
            ["generate", "--spec", str(self.spec), "--lock", str(self.lock), "--target", str(self.target)]
        )


@pytest.fixture
def make_tree(tmp_path: Path) -> Callable[[str], Tree]:
    return lambda text: Tree(tmp_path / "project", text)


@pytest.fixture(autouse=True)
def _no_ambient_acknowledgement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALLOW_BREAKING", raising=False)


# -- the decision ----------------------------------------------------------------------------------


def test_unchanged_spec_passes_without_a_report(make_tree: Callable[[str], Tree]) -> None:
    tree = make_tree(VENDORED)
    plan = plan_regeneration(tree.spec, tree.target, tree.sha256)
    assert plan.report is not None
    assert plan.report.changes == ()
    assert not plan.spec_changed  # same sha256 as the committed generation
    assert plan.refusal(allow_breaking=False) is None


def test_breaking_change_is_refused_unless_acknowledged(make_tree: Callable[[str], Tree]) -> None:
    tree = make_tree(_vendored_with(_remove_run_output))
    plan = plan_regeneration(tree.spec, tree.target, tree.sha256)

    assert plan.spec_changed
    refusal = plan.refusal(allow_breaking=False)
    assert isinstance(refusal, BreakingChangesError)
    assert "2 breaking change(s)" in str(refusal)  # runs.get and runs.list both lose `output`
    assert "ALLOW_BREAKING=1 make generate" in str(refusal)
    assert plan.refusal(allow_breaking=True) is None


def test_additive_change_passes(make_tree: Callable[[str], Tree]) -> None:
    tree = make_tree(_vendored_with(_add_run_field))
    plan = plan_regeneration(tree.spec, tree.target, tree.sha256)
    assert plan.spec_changed
    assert plan.report is not None
    assert {c.rule for c in plan.report.changes} == {"response-property-added"}
    assert plan.refusal(allow_breaking=False) is None


def test_stale_rules_are_refused_even_when_breaking_is_allowed(make_tree: Callable[[str], Tree]) -> None:
    tree = make_tree(_vendored_with(_drop_operation))
    plan = plan_regeneration(tree.spec, tree.target, tree.sha256)
    refusal = plan.refusal(allow_breaking=True)
    assert isinstance(refusal, StaleRulesError)
    assert f"{REMOVED.rule_key!r} does not exist" in str(refusal)


def test_first_generation_has_nothing_to_compare(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(VENDORED, encoding="utf-8")
    plan = plan_regeneration(spec, tmp_path / "generated", "0" * 64)
    assert plan.report is None
    assert not plan.spec_changed
    assert plan.refusal(allow_breaking=False) is None


@pytest.mark.parametrize(
    ("value", "allowed"),
    [("1", True), ("true", True), ("YES", True), ("", False), ("0", False), ("no", False)],
)
def test_allow_breaking_environment_values(value: str, allowed: bool) -> None:
    assert allow_breaking_from_env({"ALLOW_BREAKING": value}) is allowed
    assert allow_breaking_from_env({}) is False


def test_check_prints_the_report_when_the_spec_changed(
    make_tree: Callable[[str], Tree], capsys: pytest.CaptureFixture[str]
) -> None:
    tree = make_tree(_vendored_with(_add_run_field))
    check_spec_change(tree.spec, tree.target, tree.sha256, allow_breaking=False)
    out = capsys.readouterr().out
    assert "Spec change report: generated/openapi.normalized.yaml -> openapi.yaml" in out
    assert "[response-property-added]" in out


# -- generate() itself -------------------------------------------------------------------------------


def test_generate_refuses_breaking_changes_before_touching_generated(
    make_tree: Callable[[str], Tree], capsys: pytest.CaptureFixture[str]
) -> None:
    tree = make_tree(_vendored_with(_remove_run_output))
    before = tree.snapshot()

    assert tree.generate_cli() == 1

    captured = capsys.readouterr()
    assert "output: property removed (was optional)  [response-property-removed]" in captured.out
    assert "breaking change(s) for SDK users" in captured.err
    assert "ALLOW_BREAKING=1 make generate" in captured.err
    assert tree.snapshot() == before


def test_generate_reports_stale_rules_together_with_the_changes(
    make_tree: Callable[[str], Tree], capsys: pytest.CaptureFixture[str]
) -> None:
    tree = make_tree(_vendored_with(_drop_operation))
    before = tree.snapshot()

    assert tree.generate_cli() == 1

    captured = capsys.readouterr()
    assert "[operation-removed]" in captured.out
    assert f"- operations: {REMOVED.rule_key!r} does not exist" in captured.out
    assert "codegen/rules.yaml" in captured.err
    assert tree.snapshot() == before


def test_generate_with_allow_breaking_goes_on_to_build(
    make_tree: Callable[[str], Tree], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = make_tree(_vendored_with(_remove_run_output))
    monkeypatch.setenv("ALLOW_BREAKING", "1")

    def build_stub(spec_path: Path, spec_sha256: str, out: Path) -> None:
        raise SpecError("build", "", "reached the build step (stub)")

    monkeypatch.setattr(generate_module, "build_tree", build_stub)
    assert tree.generate_cli() == 1
    captured = capsys.readouterr()
    assert "2 breaking change(s) accepted (ALLOW_BREAKING=1)" in captured.out
    assert "reached the build step" in captured.err


# -- after a successful regeneration ---------------------------------------------------------------------


def test_record_spec_change_bumps_the_project_next_to_the_spec(make_tree: Callable[[str], Tree]) -> None:
    tree = make_tree(_vendored_with(_remove_run_output))
    (tree.root / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0.3.1"\n', encoding="utf-8")
    plan = plan_regeneration(tree.spec, tree.target, tree.sha256)

    release = record_spec_change(tree.spec, plan, today=date(2027, 4, 1))

    assert release is not None
    assert (release.previous, release.version) == ("0.3.1", "0.4.0")
    log = (tree.root / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## 0.4.0 (2027-04-01)" in log
    assert "### Breaking" in log


def test_record_spec_change_does_nothing_when_the_spec_did_not_change(
    make_tree: Callable[[str], Tree],
) -> None:
    tree = make_tree(VENDORED)
    (tree.root / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0.3.1"\n', encoding="utf-8")
    plan = plan_regeneration(tree.spec, tree.target, tree.sha256)
    assert record_spec_change(tree.spec, plan) is None
    assert not (tree.root / "CHANGELOG.md").exists()
