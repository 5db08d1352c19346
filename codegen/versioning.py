"""The package version follows the spec: a semver bump and a CHANGELOG.md entry per spec change.

Bump rules (from the change report):
- any breaking change                       -> major
- any other user-visible change             -> minor  (additions, relaxations, potentially breaking)
- no user-visible change (docs, quirks)     -> patch
While the major version is 0 the API is not declared stable, and we follow the usual 0.x reading
of semver (as Cargo does): a breaking change bumps the *minor* version (0.1.3 -> 0.2.0) and
everything else bumps the patch version (0.1.3 -> 0.1.4).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from codegen.atomicfile import replace_files
from codegen.diff.model import Report, Severity
from codegen.errors import SpecError

__all__ = [
    "VERSION_MIRRORS",
    "Bump",
    "Release",
    "add_changelog_entry",
    "bump_for",
    "changelog_entry",
    "describe",
    "next_version",
    "read_version",
    "record_release",
    "set_mirror_version",
    "set_version",
]

_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
#: Files that repeat the version for runtime use (`testerarmy.__version__`), relative to the project
#: root; each holds one `__version__ = "X.Y.Z"` line, rewritten together with pyproject.toml.
VERSION_MIRRORS = ("overrides/testerarmy/_version.py",)
_MIRROR_LINE = re.compile(r'^(__version__\s*=\s*)"[^"]*"', re.MULTILINE)
_CHANGELOG_HEADER = """# Changelog

Entries for API spec updates are written by `make generate` from the change report
(`make spec-diff`); edit their prose freely. Versioning rules: docs/regenerate.md.
"""


class Bump(StrEnum):
    MAJOR = "major"
    MINOR = "minor"
    PATCH = "patch"


@dataclass(frozen=True)
class Release:
    previous: str
    version: str
    bump: Bump


def bump_for(report: Report) -> Bump:
    if report.breaking:
        return Bump.MAJOR
    return Bump.MINOR if report.changes else Bump.PATCH


def next_version(current: str, bump: Bump) -> str:
    found = _SEMVER.match(current)
    if not found:
        raise SpecError("pyproject.toml", "/project/version", f"{current!r} is not MAJOR.MINOR.PATCH")
    major, minor, patch = (int(part) for part in found.groups())
    if major == 0:  # 0.x: breaking -> minor, anything else -> patch
        return f"0.{minor + 1}.0" if bump is Bump.MAJOR else f"0.{minor}.{patch + 1}"
    if bump is Bump.MAJOR:
        return f"{major + 1}.0.0"
    if bump is Bump.MINOR:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def read_version(pyproject: Path) -> str:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        return str(data["project"]["version"])
    except (OSError, tomllib.TOMLDecodeError, KeyError) as exc:
        raise SpecError(str(pyproject), "/project/version", f"cannot read the version: {exc}") from None


def set_version(text: str, version: str) -> str:
    """pyproject.toml text with [project].version replaced; nothing else is touched."""
    section = re.search(r"^\[project\]\s*$(.*?)(?=^\[|\Z)", text, re.MULTILINE | re.DOTALL)
    if section is None:
        raise SpecError("pyproject.toml", "[project]", "no [project] table")
    body = section.group(1)
    new_body, count = re.subn(
        r'^(version\s*=\s*)"[^"]*"', lambda m: f'{m.group(1)}"{version}"', body, count=1, flags=re.MULTILINE
    )
    if count != 1:
        raise SpecError("pyproject.toml", "[project]", 'no `version = "..."` line')
    return text[: section.start(1)] + new_body + text[section.end(1) :]


_REASONS = {
    Bump.MAJOR: "breaking changes",
    Bump.MINOR: "user-visible changes, none breaking",
    Bump.PATCH: "no user-visible change",
}


def describe(release: Release) -> str:
    """ "0.1.0 -> 0.2.0 (breaking changes; 0.x: minor bump)": the level *and* why, never ambiguous."""
    zero = " while 0.x" if release.previous.startswith("0.") and release.bump is not Bump.PATCH else ""
    actual = "major" if release.version.split(".")[0] != release.previous.split(".")[0] else None
    if actual is None:
        actual = "minor" if release.version.split(".")[1] != release.previous.split(".")[1] else "patch"
    return f"{release.previous} -> {release.version} ({_REASONS[release.bump]}: {actual} bump{zero})"


def set_mirror_version(text: str, version: str, source: str) -> str:
    updated, count = _MIRROR_LINE.subn(lambda m: f'{m.group(1)}"{version}"', text, count=1)
    if count != 1:
        raise SpecError(source, "", 'no `__version__ = "..."` line to keep in step with pyproject.toml')
    return updated


def changelog_entry(
    release: Release, report: Report, today: date, spec_sha256: str, previous_sha256: str | None
) -> str:
    if previous_sha256 == spec_sha256:
        # Same upstream bytes, different output: codegen/ (rules) changed what users get.
        origin = (
            f"Regenerated from the same openapi.yaml (sha256 {spec_sha256[:12]}) with changed codegen rules."
        )
    else:
        was = f" (previously {previous_sha256[:12]})" if previous_sha256 else ""
        origin = f"API spec update: openapi.yaml sha256 {spec_sha256[:12]}{was}."
    counts = ", ".join(f"{report.count(s)} {s.label}" for s in Severity)
    lines = [
        f"## {release.version} ({today.isoformat()})",
        "",
        f"{origin} Version {describe(release)}; {counts}.",
        "",
    ]
    if not report.changes:
        lines += [
            "No user-visible API changes (documentation, or upstream quirks that normalization removes).",
            "",
        ]
    for severity in Severity:
        selected = [c for c in report.changes if c.severity is severity]
        if selected:
            lines += [f"### {severity.label.capitalize()}", ""]
            lines += [f"- `{c.group}`: {c.location}: {c.detail}" for c in selected]
            lines.append("")
    return "\n".join(lines)


def add_changelog_entry(text: str, entry: str) -> str:
    """Insert `entry` above the newest entry (the first `## ` heading), keeping the intro on top."""
    if not text.strip():
        text = _CHANGELOG_HEADER
    found = re.search(r"^## ", text, re.MULTILINE)
    if found is None:
        return text.rstrip("\n") + "\n\n" + entry.rstrip("\n") + "\n"
    return text[: found.start()] + entry.rstrip("\n") + "\n\n" + text[found.start() :]


def record_release(
    root: Path,
    report: Report,
    spec_sha256: str,
    previous_sha256: str | None,
    today: date | None = None,
) -> Release | None:
    """Bump root/pyproject.toml (and VERSION_MIRRORS), prepend a root/CHANGELOG.md entry: all or none.

    Returns None when `root` has no pyproject.toml (a spec outside a project checkout).
    """
    pyproject, changelog = root / "pyproject.toml", root / "CHANGELOG.md"
    if not pyproject.is_file():
        return None
    previous = read_version(pyproject)
    bump = bump_for(report)
    release = Release(previous, next_version(previous, bump), bump)
    entry = changelog_entry(release, report, today or date.today(), spec_sha256, previous_sha256)
    old_log = changelog.read_text(encoding="utf-8") if changelog.exists() else ""
    files = [
        (pyproject, set_version(pyproject.read_text(encoding="utf-8"), release.version).encode()),
        (changelog, add_changelog_entry(old_log, entry).encode()),
    ]
    for relative in VERSION_MIRRORS:
        mirror = root / relative
        if mirror.is_file():
            text = set_mirror_version(mirror.read_text(encoding="utf-8"), release.version, relative)
            files.append((mirror, text.encode()))
    replace_files(files)
    return release
