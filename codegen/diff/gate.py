"""What `make generate` decides before it touches generated/: compare, then accept or refuse.

The old side is generated/openapi.normalized.yaml (what the committed client was built from), the
new side openapi.yaml normalized with the current rules. Refusals (stale rules, unacknowledged
breaking changes) happen here, before any staging directory exists.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from codegen.build import NORMALIZED_NAME
from codegen.diff.load import build_report, read_normalized, read_vendored
from codegen.diff.model import Report
from codegen.diff.render import render_text
from codegen.errors import SpecError
from codegen.normalize import StaleRulesError
from codegen.rules import RULES_PATH
from codegen.versioning import Release, describe, record_release

__all__ = [
    "ALLOW_BREAKING_ENV",
    "BreakingChangesError",
    "Plan",
    "allow_breaking_from_env",
    "check_spec_change",
    "plan_regeneration",
    "record_spec_change",
]

ALLOW_BREAKING_ENV = "ALLOW_BREAKING"


class BreakingChangesError(SpecError):
    """The new spec breaks SDK users and nobody said that is intended."""

    def __init__(self, report: Report) -> None:
        self.report = report
        count = len(report.breaking)
        super().__init__(
            report.new,
            "",
            f"{count} breaking change(s) for SDK users (see the report above); generated/ was left "
            f"untouched. If they are intended, run `{ALLOW_BREAKING_ENV}=1 make generate` "
            "(the version then gets a major bump; a minor one while it is 0.x).",
        )


@dataclass(frozen=True)
class Plan:
    #: None when there is no previous normalized spec to compare with (first generation).
    report: Report | None
    previous_sha256: str | None
    spec_sha256: str

    @property
    def spec_changed(self) -> bool:
        """The spec generated/ will come from differs from the one it came from (bytes or meaning)."""
        if self.report is None:
            return False
        return self.previous_sha256 != self.spec_sha256 or bool(self.report.changes)

    def refusal(self, allow_breaking: bool) -> SpecError | None:
        if self.report is None:
            return None
        if self.report.stale_rules:
            return StaleRulesError(self.report.new, list(self.report.stale_rules))
        if self.report.breaking and not allow_breaking:
            return BreakingChangesError(self.report)
        return None


def allow_breaking_from_env(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(ALLOW_BREAKING_ENV, "").strip().lower() in {"1", "true", "yes"}


def plan_regeneration(
    spec_path: Path, generated_dir: Path, spec_sha256: str, rules_path: Path = RULES_PATH
) -> Plan:
    previous = generated_dir / NORMALIZED_NAME
    if not previous.is_file():
        return Plan(report=None, previous_sha256=None, spec_sha256=spec_sha256)
    old = read_normalized(previous, label=f"{generated_dir.name}/{NORMALIZED_NAME}")
    new = read_vendored(spec_path, rules_path, label=spec_path.name)
    return Plan(build_report(old, new), old.sha256, spec_sha256)


def check_spec_change(
    spec_path: Path, generated_dir: Path, spec_sha256: str, allow_breaking: bool | None = None
) -> Plan:
    """Print the change report when the spec changed; raise if the change is refused.

    `allow_breaking` None means: ask the environment (ALLOW_BREAKING=1).
    """
    plan = plan_regeneration(spec_path, generated_dir, spec_sha256)
    if plan.report is not None and (plan.spec_changed or plan.report.stale_rules):
        print(render_text(plan.report))
    allowed = allow_breaking_from_env() if allow_breaking is None else allow_breaking
    refusal = plan.refusal(allowed)
    if refusal is not None:
        raise refusal
    if plan.report is not None and plan.report.breaking:
        print(f"{len(plan.report.breaking)} breaking change(s) accepted ({ALLOW_BREAKING_ENV}=1).")
    return plan


def record_spec_change(spec_path: Path, plan: Plan, today: date | None = None) -> Release | None:
    """After a successful regeneration: bump the version and add the CHANGELOG entry.

    The project root is the directory of openapi.yaml; a spec elsewhere (tests, experiments) has
    no pyproject.toml next to it and bumps nothing.
    """
    if plan.report is None or not plan.spec_changed:
        return None
    release = record_release(spec_path.parent, plan.report, plan.spec_sha256, plan.previous_sha256, today)
    if release is not None:
        print(f"version {describe(release)}; CHANGELOG.md has a new entry (edit its prose as you like).")
    return release
