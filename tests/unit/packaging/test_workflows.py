"""The GitHub workflows: actionlint-clean (current action majors), CI covers every supported Python,
the release publishes with trusted publishing only."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]
WORKFLOWS = REPO / ".github" / "workflows"
ACTIONLINT = Path(sys.executable).with_name("actionlint")


def _load(name: str) -> Any:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def _actionlint(*files: Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ACTIONLINT), "-no-color", *map(str, files)],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_every_workflow_passes_actionlint() -> None:
    files = sorted(WORKFLOWS.glob("*.y*ml"))
    assert files
    result = _actionlint(*files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_rejects_an_action_on_a_removed_runtime(tmp_path: Path) -> None:
    # The check above is only worth something if actionlint knows runtimes: feed it one that is gone.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    target = tmp_path / ".github" / "workflows"
    target.mkdir(parents=True)
    text = (WORKFLOWS / "ci.yml").read_text(encoding="utf-8")
    old = re.sub(r"actions/checkout@v\d+", "actions/checkout@v4", text)
    assert old != text
    (target / "ci.yml").write_text(old, encoding="utf-8")
    result = _actionlint(target / "ci.yml", cwd=tmp_path)
    assert result.returncode == 1
    assert 'runtime "node20" is deprecated' in result.stdout


def _supported_pythons() -> list[str]:
    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    prefix = "Programming Language :: Python :: "
    found = [c.removeprefix(prefix) for c in meta["classifiers"] if re.fullmatch(r".*:: 3\.\d+", c)]
    minimum = meta["requires-python"].removeprefix(">=")
    assert minimum in found, "requires-python's minimum must be a listed classifier"
    return found


def test_ci_runs_make_test_on_every_supported_python() -> None:
    workflow = _load("ci.yml")
    triggers = workflow[True]  # PyYAML reads the key `on` as True
    assert {"push", "pull_request"} <= set(triggers)
    (job,) = workflow["jobs"].values()
    assert job["strategy"]["matrix"]["python-version"] == _supported_pythons()
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert any(run.startswith("make test") for run in runs)


def test_release_builds_checks_and_publishes_with_trusted_publishing_on_version_tags() -> None:
    workflow = _load("release.yml")
    assert workflow[True]["push"]["tags"] == ["v*"]
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    assert any(step.get("run", "").startswith("make dist") for step in build["steps"])
    assert publish["needs"] == "build"
    assert publish["permissions"] == {"id-token": "write"}
    (upload,) = [s for s in publish["steps"] if "gh-action-pypi-publish" in s.get("uses", "")]
    # Trusted publishing: no password or token input anywhere.
    assert not set(upload.get("with", {})) & {"password", "user"}
    assert "secrets." not in (WORKFLOWS / "release.yml").read_text(encoding="utf-8")


def test_make_dist_is_the_release_build() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ndist:", 1)[1].split("\n\n", 1)[0]
    assert "-m build" in recipe
    assert "twine check --strict" in recipe
