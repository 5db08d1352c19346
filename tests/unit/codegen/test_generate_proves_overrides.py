"""`generate` proves overrides/ against the tree it built before anything is swapped or bumped.

A scratch project (spec, lock, generated/, overrides/, pyproject.toml, CHANGELOG.md) gets a spec
change that the generators accept but the hand-written package cannot survive: removing an
operation the facade imports. generate must fail with one `file:line` line per error and leave
every file of the project byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from codegen import stamp as stamp_module
from codegen.generate import generate
from codegen.prove import OverridesBrokenError, _import_errors
from codegen.rules import Rules
from codegen.stamp import BuildStamp

REPO = Path(__file__).resolve().parents[3]
_MODEL_IMPORT = re.compile(r"^\s*from testerarmy_api\.models(?:\.\w+)? import ([\w, ]+)$", re.MULTILINE)

pytestmark = pytest.mark.slow


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _fields_the_facade_reads(vendored: dict[str, Any], rules: Rules) -> list[tuple[str, str]]:
    """(upstream schema, property) of every required model field overrides/ seems to read.

    "Seems": an attribute of that name is read somewhere in overrides/; mypy decides which of them
    really are reads of that model, and the test requires at least one error.
    """
    sources = [
        p.read_text(encoding="utf-8") for p in sorted((REPO / "overrides" / "testerarmy").rglob("*.py"))
    ]
    imported = {
        name.strip() for text in sources for names in _MODEL_IMPORT.findall(text) for name in names.split(",")
    }
    upstream_name = {ours: upstream for upstream, ours in rules.schemas.items()}
    text = "\n".join(sources)
    found = []
    for model in sorted(imported):
        schema = vendored["components"]["schemas"].get(upstream_name.get(model, model))
        if not isinstance(schema, dict):
            continue
        # A property a `tolerated` rule names is left alone: renaming it would make that rule stale.
        tolerated = rules.tolerated.get(model, {})
        for prop in sorted(schema.get("required") or []):
            if prop not in tolerated and re.search(rf"\.{_snake(prop)}\b", text):
                found.append((upstream_name.get(model, model), prop))
    if found:
        return found
    raise AssertionError(
        "overrides/ reads no required field of a generated model; pick another breaking change"
    )


class Project:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir()
        shutil.copytree(REPO / "generated", root / "generated", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(
            REPO / "overrides", root / "overrides", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
        )
        for name in ("openapi.yaml", "pyproject.toml", "CHANGELOG.md"):
            shutil.copy2(REPO / name, root / name)
        self.spec = root / "openapi.yaml"
        self.lock = root / "openapi.lock.json"
        self.target = root / "generated"

    def write_spec(self, spec: dict[str, Any]) -> None:
        self.spec.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        sha = hashlib.sha256(self.spec.read_bytes()).hexdigest()
        lock = {"path": "openapi.yaml", "sha256": sha, "source": "test", "retrieved": "-"}
        self.lock.write_text(json.dumps(lock), encoding="utf-8")

    def snapshot(self) -> dict[str, bytes]:
        return {
            p.relative_to(self.root).as_posix(): p.read_bytes()
            for p in self.root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setattr(stamp_module, "STAMP_PATH", tmp_path / "last-build.json")
    return Project(tmp_path / "project")


def test_a_change_that_breaks_overrides_fails_naming_file_and_line(
    project: Project, spec_copy: dict[str, Any], rules: Rules
) -> None:
    # Upstream renames a response field the facade reads: the generators are fine with it (and the
    # change is acknowledged as breaking), overrides/ is not.
    renamed = _fields_the_facade_reads(spec_copy, rules)
    for schema_name, prop in renamed:
        schema = spec_copy["components"]["schemas"][schema_name]
        schema["properties"] = {
            (k + "Renamed" if k == prop else k): v for k, v in schema["properties"].items()
        }
        schema["required"] = [(k + "Renamed" if k == prop else k) for k in schema["required"]]
    project.write_spec(spec_copy)
    before = project.snapshot()

    with pytest.raises(OverridesBrokenError) as caught:
        generate(project.spec, project.target, project.lock, allow_breaking=True)

    error = caught.value
    assert error.errors
    for line in error.errors:
        assert re.match(r"^overrides/testerarmy/\S+\.py:\d+: \S", line), line
    assert any(_snake(prop) in line for line in error.errors for _schema, prop in renamed), error.errors
    assert "generated/, the version and CHANGELOG.md were left untouched" in str(error)
    assert project.snapshot() == before
    assert not BuildStamp.of(project.spec, project.target).matches_last()


def test_an_edit_in_overrides_is_an_input_of_the_build_stamp(project: Project) -> None:
    project.write_spec(yaml.safe_load(project.spec.read_text(encoding="utf-8")))
    BuildStamp.of(project.spec, project.target).record()
    assert BuildStamp.of(project.spec, project.target).matches_last()
    version_file = project.root / "overrides" / "testerarmy" / "_version.py"
    version_file.write_text(version_file.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert not BuildStamp.of(project.spec, project.target).matches_last()


def test_an_import_failure_is_one_line_at_the_innermost_frame_of_ours(tmp_path: Path) -> None:
    root, stage = tmp_path / "project", tmp_path / "stage"
    traceback = (
        "Traceback (most recent call last):\n"
        '  File "<string>", line 5, in <module>\n'
        f'  File "{root}/overrides/testerarmy/__init__.py", line 3, in <module>\n'
        f'  File "{root}/overrides/testerarmy/_resources/runs.py", line 12, in <module>\n'
        '  File "/usr/lib/python3.11/importlib/__init__.py", line 126, in import_module\n'
        "ImportError: cannot import name 'cancel' from 'testerarmy_api.api.runs'\n"
    )
    assert _import_errors(traceback, root, stage) == [
        "overrides/testerarmy/_resources/runs.py:12: ImportError: cannot import name 'cancel' "
        "from 'testerarmy_api.api.runs'"
    ]
    assert _import_errors("RuntimeError: boom\n", root, stage) == ["import testerarmy: RuntimeError: boom"]
