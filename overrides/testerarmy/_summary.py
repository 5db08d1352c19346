"""A run's outcome as plain typed values: ``summarize(run)`` → :class:`RunSummary`.

The generated ``Run`` mirrors the spec, so most fields are ``X | Unset | None`` and reading a verdict
from it takes narrowing at every step. ``RunSummary`` does that once: every field is a plain value
or ``None``, nothing to import from ``testerarmy_api.types``. The ``Run`` itself stays what the client
returns (its types are the spec's); this is a view of it, computed on demand.

Narrowing directly on the model works too, with no import: ``Unset.__bool__`` returns
``Literal[False]``, so ``if run.output and run.output.result:`` narrows to ``str`` for mypy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ._polling import failure_reason, status_of

if TYPE_CHECKING:
    from testerarmy_api.models.run import Run

__all__ = ["RunSummary", "duration_seconds", "issue_text", "summarize"]


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What a run came to. ``passed`` is true only for a completed run whose verdict is ``PASS``."""

    id: str
    status: str  #: ``queued``, ``running``, ``completed``, ``failed``, ``cancelled``, or a newer one
    verdict: str | None  #: ``PASS`` / ``FAIL`` (upper case) once the agent has judged, else None
    passed: bool
    description: str | None  #: the agent's account of what it did
    issues: tuple[str, ...]  #: one line per issue found (``[severity] title: description``)
    error: str | None  #: why a failed run failed
    duration_seconds: float | None
    screenshots: tuple[str, ...]  #: screenshot URLs


def duration_seconds(run: Run) -> float | None:
    """The run's duration: ``durationMs`` if the API sent it, else ``completedAt - startedAt``."""
    if isinstance(run.duration_ms, int | float):
        return float(run.duration_ms) / 1000.0
    started, completed = run.started_at, run.completed_at
    if isinstance(started, datetime) and isinstance(completed, datetime):
        return (completed - started).total_seconds()
    return None


def issue_text(issue: object) -> str:
    """One line for an issue: ``[severity] title: description`` from whichever of those it has."""
    if isinstance(issue, str):
        return issue
    if not isinstance(issue, dict):
        return json.dumps(issue, ensure_ascii=False, default=str)
    severity, title, description = (issue.get(key) for key in ("severity", "title", "description"))
    text = " ".join(str(part) for part in (f"[{severity}]" if severity else None, title) if part)
    if description:
        text = f"{text}: {description}" if text else str(description)
    return text or json.dumps(issue, ensure_ascii=False, default=str)


def summarize(run: Run) -> RunSummary:
    """The outcome of ``run`` (any state: a queued run has no verdict, issues or duration yet)."""
    output = run.output or None  # UNSET and None are both falsy
    result = (output.result or None) if output else None
    verdict = result.upper() if result else None
    status = status_of(run)
    return RunSummary(
        id=str(run.id),
        status=status,
        verdict=verdict,
        passed=status == "completed" and verdict == "PASS",
        description=(output.description or None) if output else None,
        issues=tuple(issue_text(issue) for issue in (output.issues or ())) if output else (),
        error=failure_reason(run),
        duration_seconds=duration_seconds(run),
        screenshots=tuple(output.screenshots or ()) if output else (),
    )
