"""What a change report is made of: severities, single changes, the report as a whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["GLOBAL_GROUP", "Change", "Report", "Severity"]

#: Group of changes that belong to no single operation (models of testerarmy_api.models).
GLOBAL_GROUP = "(models)"


class Severity(StrEnum):
    """How a change affects code written against the previous SDK."""

    BREAKING = "breaking"
    POTENTIALLY_BREAKING = "potentially-breaking"
    SAFE = "safe"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ")


@dataclass(frozen=True)
class Change:
    """One classified difference between the old and the new normalized spec.

    `operation` is the normalized operationId ("runs.get"; the old one if the operation was
    removed), `method` + `path` identify it (operations are matched by them), `location` says where
    inside the operation ("response 200 (application/json): output.result"), `detail` what changed.
    """

    rule: str
    severity: Severity
    operation: str
    method: str
    path: str
    location: str
    detail: str

    @property
    def group(self) -> str:
        return f"{self.operation} ({self.method.upper()} {self.path})" if self.method else self.operation

    @property
    def message(self) -> str:
        """The change on its own: operation, location and what changed."""
        return f"{self.group}: {self.location}: {self.detail}"

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "operation": self.operation,
            "method": self.method.upper(),
            "path": self.path,
            "location": self.location,
            "detail": self.detail,
            "message": self.message,
        }


@dataclass(frozen=True)
class Report:
    """All changes between two specs, plus what the new side's normalization had to say."""

    old: str
    new: str
    changes: tuple[Change, ...]
    #: Normalization rules that no longer match the new spec (`make generate` refuses until fixed).
    stale_rules: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def count(self, severity: Severity) -> int:
        return sum(1 for change in self.changes if change.severity is severity)

    @property
    def breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.severity is Severity.BREAKING)

    def summary(self) -> str:
        parts = [f"{self.count(s)} {s.label}" for s in Severity]
        return "Summary: " + ", ".join(parts) + "."
