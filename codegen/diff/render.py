"""The change report for people (grouped by operation) and for programs (JSON)."""

from __future__ import annotations

import json
from typing import Any

from codegen.diff.model import GLOBAL_GROUP, Change, Report, Severity

__all__ = ["render_json", "render_text", "report_as_dict"]

_WIDTH = max(len(s.label) for s in Severity)


def _groups(changes: tuple[Change, ...]) -> dict[str, list[Change]]:
    groups: dict[str, list[Change]] = {}
    for change in changes:
        groups.setdefault(change.group, []).append(change)
    # Operations in walk order (by path), then the models: what users call first.
    return dict(sorted(groups.items(), key=lambda item: item[0] == GLOBAL_GROUP))


def render_text(report: Report) -> str:
    lines = [f"Spec change report: {report.old} -> {report.new}", ""]
    if not report.changes:
        lines += ["No user-visible changes.", ""]
    for group, changes in _groups(report.changes).items():
        lines.append(group)
        lines.extend(f"  {c.severity.label:<{_WIDTH}}  {c.location}: {c.detail}  [{c.rule}]" for c in changes)
        lines.append("")
    if any(c.rule == "response-enum-value-added" for c in report.changes):
        lines += [
            "Response enums are open in this SDK (anyOf [Enum, string]): clients already deployed parse",
            "a new value as a plain str instead of failing. Code that branches on every known value",
            'should still be checked for the new ones, hence "potentially breaking".',
            "",
        ]
    if report.stale_rules:
        lines.append(
            "Normalization rules that no longer match the new spec "
            "(make generate refuses until codegen/rules.yaml is updated):"
        )
        lines.extend(f"  - {rule}" for rule in report.stale_rules)
        lines.append("")
    if report.notes:
        lines.append("Notes:")
        lines.extend(f"  - {note}" for note in report.notes)
        lines.append("")
    lines.append(report.summary())
    return "\n".join(lines) + "\n"


def report_as_dict(report: Report) -> dict[str, Any]:
    return {
        "old": report.old,
        "new": report.new,
        "summary": {s.value: report.count(s) for s in Severity},
        "changes": [c.as_dict() for c in report.changes],
        "stale_rules": list(report.stale_rules),
        "notes": list(report.notes),
    }


def render_json(report: Report) -> str:
    return json.dumps(report_as_dict(report), indent=2, ensure_ascii=False) + "\n"
