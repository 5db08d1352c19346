"""A run's outcome as plain typed values: ``summarize(run)`` → :class:`RunSummary`.

The generated ``Run`` mirrors the spec, so most fields are ``X | Unset | None`` and ``output`` is a
union (``TestOutput`` with the agent's verdict, ``PlannerSkippedOutput`` when the planner decided
not to run, or nothing yet). Reading a verdict from it takes narrowing at every step.
``RunSummary`` does that once: every field is a plain value or ``None``, and ``outcome`` is one
:class:`Outcome` member, so ``match summary.outcome:`` covers every case without guessing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ._polling import failure_reason, status_of

if TYPE_CHECKING:
    from testerarmy_api.models.run import Run

__all__ = ["Outcome", "RunSummary", "duration_seconds", "issue_text", "outcome_of", "summarize"]


class Outcome(StrEnum):
    """What a run came to, one value per case a caller has to handle."""

    PASSED = "passed"  #: completed, the agent's verdict is ``PASS``
    FAILED = "failed"  #: completed, the agent's verdict is ``FAILED``: the app under test failed
    SKIPPED = "skipped"  #: completed without running: the planner skipped it (``reason`` says why)
    ERRORED = "errored"  #: the run itself failed (``error`` says why): no verdict on the app
    CANCELLED = "cancelled"
    PENDING = "pending"  #: queued or running: no outcome yet
    UNKNOWN = "unknown"  #: a status or verdict this SDK does not know (a newer server): see ``status``


_SKIPPED_KIND = "planner_skipped"


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What a run came to. ``passed`` is true only for a completed run whose verdict is ``PASS``."""

    id: str
    status: str  #: ``queued``, ``running``, ``completed``, ``failed``, ``cancelled``, or a newer one
    outcome: Outcome
    verdict: str | None  #: the agent's verdict as sent (``PASS`` / ``FAILED``), else None
    passed: bool
    description: str | None  #: the agent's account of what it did, or why the planner skipped
    issues: tuple[str, ...]  #: one line per issue found (``[severity] name: description``)
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


def _plain(value: object) -> object:
    """A generated model as its JSON dict; anything else as it is."""
    to_dict = getattr(value, "to_dict", None)
    return to_dict() if callable(to_dict) else value


def issue_text(issue: object) -> str:
    """One line for an issue: ``[severity] name: description`` from whichever of those it has."""
    issue = _plain(issue)
    if isinstance(issue, str):
        return issue
    if not isinstance(issue, dict):
        return json.dumps(issue, ensure_ascii=False, default=str)
    severity = issue.get("severity")
    title = issue.get("name") or issue.get("title")
    description = issue.get("description")
    text = " ".join(str(part) for part in (f"[{severity}]" if severity else None, title) if part)
    if description:
        text = f"{text}: {description}" if text else str(description)
    return text or json.dumps(issue, ensure_ascii=False, default=str)


def _field(value: object, name: str) -> object:
    """``value.<name>`` of a generated model, or ``value[name]`` of a plain dict.

    The generated ``Run`` keeps ``output`` as the raw dict when it matches neither ``TestOutput``
    nor ``PlannerSkippedOutput`` (a server that leaves out a required field): the verdict in it is
    still the verdict, so it is read from either shape.
    """
    if isinstance(value, dict):
        return value.get(name)
    found = getattr(value, name, None)
    if found is None:
        extra = getattr(value, "additional_properties", None)
        return extra.get(name) if isinstance(extra, dict) else None
    return found


def _error_text(run: Run) -> str | None:
    """``failure_reason`` of the run, also for an ``error`` the generated model kept as a plain dict."""
    reason = failure_reason(run)
    error: object = run.error
    if reason is None and isinstance(error, dict):
        for key in ("message", "code"):
            if isinstance(error.get(key), str) and error[key]:
                return str(error[key])
    return reason


def _text(value: object) -> str | None:
    value = getattr(value, "value", value)  # an enum member or the unknown string itself
    return value if isinstance(value, str) and value else None


def outcome_of(run: Run) -> Outcome:
    """The :class:`Outcome` of ``run`` from its status and output."""
    status = status_of(run)
    if status in ("queued", "running"):
        return Outcome.PENDING
    if status == "failed":
        return Outcome.ERRORED
    if status == "cancelled":
        return Outcome.CANCELLED
    if status != "completed":
        return Outcome.UNKNOWN
    output = run.output or None
    if _text(_field(output, "kind")) == _SKIPPED_KIND:
        return Outcome.SKIPPED
    verdict = (_text(_field(output, "result")) or "").upper()
    if verdict == "PASS":
        return Outcome.PASSED
    # "FAIL" is what the docs' narrative pages wrote before the published enum said "FAILED".
    if verdict in ("FAILED", "FAIL"):
        return Outcome.FAILED
    return Outcome.UNKNOWN


def _sequence(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def summarize(run: Run) -> RunSummary:
    """The outcome of ``run`` (any state: a queued run has no verdict, issues or duration yet)."""
    output = run.output or None  # UNSET and None are both falsy
    verdict = _text(_field(output, "result"))
    outcome = outcome_of(run)
    description = _text(_field(output, "description")) or _text(_field(output, "reason"))
    return RunSummary(
        id=str(run.id),
        status=status_of(run),
        outcome=outcome,
        verdict=verdict.upper() if verdict else None,
        passed=outcome is Outcome.PASSED,
        description=description,
        issues=tuple(issue_text(issue) for issue in _sequence(_field(output, "issues"))),
        error=_error_text(run),
        duration_seconds=duration_seconds(run),
        screenshots=tuple(str(url) for url in _sequence(_field(output, "screenshots"))),
    )
