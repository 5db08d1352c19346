"""Semver bump from the change report, the pyproject edit and the CHANGELOG entry."""

from __future__ import annotations

import ast
import os
import shutil
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from codegen.diff import Report
from codegen.diff.classify import classify
from codegen.errors import SpecError
from codegen.versioning import (
    VERSION_MIRRORS,
    Bump,
    Release,
    add_changelog_entry,
    bump_for,
    changelog_entry,
    describe,
    next_version,
    record_release,
    set_mirror_version,
    set_version,
)

REPO = Path(__file__).resolve().parents[3]
SHA_OLD, SHA_NEW = "a" * 64, "b" * 64


def _report(*rules: str) -> Report:
    changes = tuple(
        classify(rule, "runs.get", "get", "/v1/runs/{id}", f"response 200: field{i}", f"detail {i}")
        for i, rule in enumerate(rules)
    )
    return Report("old", "new", changes)


@pytest.mark.parametrize(
    ("current", "bump", "expected"),
    [
        ("1.2.3", Bump.MAJOR, "2.0.0"),
        ("1.2.3", Bump.MINOR, "1.3.0"),
        ("1.2.3", Bump.PATCH, "1.2.4"),
        # 0.x: breaking bumps the minor version, everything else the patch version.
        ("0.1.3", Bump.MAJOR, "0.2.0"),
        ("0.1.3", Bump.MINOR, "0.1.4"),
        ("0.1.3", Bump.PATCH, "0.1.4"),
    ],
)
def test_next_version(current: str, bump: Bump, expected: str) -> None:
    assert next_version(current, bump) == expected


@pytest.mark.parametrize("bad", ["1.0", "1.0.0rc1", "v1.0.0", ""])
def test_a_version_that_is_not_semver_is_refused(bad: str) -> None:
    with pytest.raises(SpecError, match=r"MAJOR\.MINOR\.PATCH"):
        next_version(bad, Bump.PATCH)


def test_bump_level_follows_the_worst_change() -> None:
    assert bump_for(_report("response-property-added", "operation-removed")) is Bump.MAJOR
    assert bump_for(_report("response-property-added")) is Bump.MINOR
    assert bump_for(_report("response-enum-value-added")) is Bump.MINOR
    assert bump_for(_report()) is Bump.PATCH


def test_set_version_touches_only_the_project_version() -> None:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    text += '\n[tool.other]\nversion = "9.9.9"\n'
    updated = set_version(text, "7.8.9")
    assert tomllib.loads(updated)["project"]["version"] == "7.8.9"
    assert tomllib.loads(updated)["tool"]["other"]["version"] == "9.9.9"
    changed = [(a, b) for a, b in zip(text.splitlines(), updated.splitlines(), strict=True) if a != b]
    assert len(changed) == 1
    assert changed[0][1] == 'version = "7.8.9"'


def test_the_repository_keeps_its_version_mirrors_in_step() -> None:
    assert VERSION_MIRRORS, "testerarmy.__version__ lives in overrides/testerarmy/_version.py"
    assert _mirrored(REPO) == [_version(REPO)] * len(VERSION_MIRRORS)


def test_a_mirror_without_a_version_line_is_refused() -> None:
    with pytest.raises(SpecError, match="__version__"):
        set_mirror_version('"""No version here."""\n', "1.0.0", "x/_version.py")


def test_set_version_needs_a_project_table() -> None:
    with pytest.raises(SpecError, match=r"\[project\]"):
        set_version('[tool.x]\nversion = "1.0.0"\n', "2.0.0")


def test_changelog_entry_lists_changes_by_severity() -> None:
    report = _report("operation-removed", "response-property-added", "response-enum-value-added")
    entry = changelog_entry(Release("1.0.0", "2.0.0", Bump.MAJOR), report, date(2027, 2, 1), SHA_NEW, SHA_OLD)
    lines = entry.splitlines()
    assert lines[0] == "## 2.0.0 (2027-02-01)"
    assert "sha256 bbbbbbbbbbbb (previously aaaaaaaaaaaa)" in entry
    assert (
        "Version 1.0.0 -> 2.0.0 (breaking changes: major bump); 1 breaking, 1 potentially breaking, 1 safe."
        in entry
    )
    headings = [line for line in lines if line.startswith("### ")]
    assert headings == ["### Breaking", "### Potentially breaking", "### Safe"]
    breaking = lines[lines.index("### Breaking") + 2]
    assert breaking == "- `runs.get (GET /v1/runs/{id})`: response 200: field0: detail 0"


def test_changelog_entry_without_user_visible_changes_says_so() -> None:
    entry = changelog_entry(Release("0.1.0", "0.1.1", Bump.PATCH), _report(), date(2027, 2, 1), SHA_NEW, None)
    assert "No user-visible API changes" in entry
    assert "previously" not in entry


def test_an_entry_for_a_rules_only_regeneration_says_the_spec_did_not_change() -> None:
    entry = changelog_entry(
        Release("0.1.0", "0.2.0", Bump.MAJOR),
        _report("request-body-became-required"),
        date(2027, 2, 1),
        SHA_OLD,
        SHA_OLD,
    )
    assert "Regenerated from the same openapi.yaml (sha256 aaaaaaaaaaaa) with changed codegen rules." in entry
    assert "API spec update" not in entry


@pytest.mark.parametrize(
    ("release", "text"),
    [
        (Release("0.1.0", "0.2.0", Bump.MAJOR), "0.1.0 -> 0.2.0 (breaking changes: minor bump while 0.x)"),
        (
            Release("0.1.3", "0.1.4", Bump.MINOR),
            "0.1.3 -> 0.1.4 (user-visible changes, none breaking: patch bump while 0.x)",
        ),
        (Release("0.1.3", "0.1.4", Bump.PATCH), "0.1.3 -> 0.1.4 (no user-visible change: patch bump)"),
        (Release("1.2.3", "2.0.0", Bump.MAJOR), "1.2.3 -> 2.0.0 (breaking changes: major bump)"),
        (
            Release("1.2.3", "1.3.0", Bump.MINOR),
            "1.2.3 -> 1.3.0 (user-visible changes, none breaking: minor bump)",
        ),
    ],
)
def test_describe_says_what_was_bumped_and_why(release: Release, text: str) -> None:
    assert describe(release) == text


def test_new_entries_go_on_top_below_the_intro() -> None:
    text = "# Changelog\n\nIntro.\n\n## 0.1.0 (2026-11-30)\n\nFirst.\n"
    once = add_changelog_entry(text, "## 0.1.1 (x)\n\nSecond.\n")
    twice = add_changelog_entry(once, "## 0.2.0 (y)\n\nThird.\n")
    headings = [line for line in twice.splitlines() if line.startswith("## ")]
    assert headings == ["## 0.2.0 (y)", "## 0.1.1 (x)", "## 0.1.0 (2026-11-30)"]
    assert twice.startswith("# Changelog\n\nIntro.\n\n## 0.2.0")
    fresh = add_changelog_entry("", "## 0.1.1 (x)\n")
    assert fresh.startswith("# Changelog\n")
    assert fresh.rstrip().endswith("## 0.1.1 (x)")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy2(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copy2(REPO / "CHANGELOG.md", tmp_path / "CHANGELOG.md")
    for relative in VERSION_MIRRORS:
        (tmp_path / relative).parent.mkdir(parents=True)
        shutil.copy2(REPO / relative, tmp_path / relative)
    return tmp_path


def _mirrored(root: Path) -> list[str]:
    found = []
    for relative in VERSION_MIRRORS:
        tree = ast.parse((root / relative).read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [
                "__version__"
            ]:
                found.append(ast.literal_eval(node.value))
    return found


def _version(root: Path) -> str:
    return str(tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


def test_record_release_bumps_pyproject_and_prepends_the_entry(project: Path) -> None:
    before = _version(project)
    old_log = (project / "CHANGELOG.md").read_text(encoding="utf-8")

    release = record_release(project, _report("operation-removed"), SHA_NEW, SHA_OLD, date(2027, 3, 1))

    assert release is not None
    assert release.previous == before
    assert _version(project) == release.version == next_version(before, Bump.MAJOR)
    assert _mirrored(project) == [release.version] * len(VERSION_MIRRORS)
    log = (project / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {release.version} (2027-03-01)" in log
    assert log.index(f"## {release.version}") < log.index(f"## {before}")
    assert log.endswith(old_log[old_log.index("## ") :])


def test_record_release_outside_a_project_does_nothing(tmp_path: Path) -> None:
    assert record_release(tmp_path, _report(), SHA_NEW, SHA_OLD) is None
    assert list(tmp_path.iterdir()) == []


def test_record_release_writes_all_files_or_none(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def snapshot() -> dict[str, bytes]:
        return {p.relative_to(project).as_posix(): p.read_bytes() for p in project.rglob("*") if p.is_file()}

    before = snapshot()
    real_replace = os.replace

    def fail_on_changelog(src: Any, dst: Any) -> None:
        if Path(dst).name == "_version.py":  # the last of the three files
            raise OSError("read-only file system (simulated)")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_on_changelog)
    with pytest.raises(OSError, match="read-only"):
        record_release(project, _report("operation-removed"), SHA_NEW, SHA_OLD)

    assert snapshot() == before
