"""How the simulator decides what a run does: prompt markers first, then a rule table, then the default.

A real TesterArmy run is decided by an AI agent looking at a live site; the simulator instead reads
explicit instructions so that tests can ask for every outcome on purpose:

* markers in the prompt, e.g. ``"Check the cart [sim:fail] [sim:duration=2.5]"``;
* a rule table (``OutcomeRule(pattern, outcome)``) matched against the prompt, for prompts the test
  cannot change (saved tests, PR titles);
* the simulator's default outcome (``pass``).

Durations are *simulated* seconds; the clock's time scale turns them into real time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "COMPLETE_RESULTS",
    "MarkerError",
    "Outcome",
    "OutcomePlan",
    "OutcomeRule",
    "parse_markers",
    "parse_outcome",
    "resolve_outcome",
    "strip_markers",
]


class Outcome(StrEnum):
    """Final state a run is headed for."""

    PASS = "pass"  # noqa: S105 - status completed, output.result PASS
    FAIL = "fail"  # status completed, output.result FAILED (the product check failed)
    SKIP = "skip"  # status completed, output {kind: planner_skipped, reason} (nothing to test)
    ERROR = "error"  # status failed, `error` set (the worker broke)
    HANG = "hang"  # stays running until cancelled or finished through the admin API


# What a test may finish a run as (Simulator.complete_run, the admin API): output.result values,
# and SKIPPED for planner-skipped output. "FAIL" is the old spelling of FAILED, kept as an alias.
COMPLETE_RESULTS = {
    "PASS": Outcome.PASS,
    "FAILED": Outcome.FAIL,
    "SKIPPED": Outcome.SKIP,
    "FAIL": Outcome.FAIL,
}


class MarkerError(ValueError):
    """A ``[sim:...]`` marker that the simulator does not understand (answered with 400)."""


_MARKER = re.compile(r"\[sim:([a-z_]+)(?:=([^\]]*))?\]", re.IGNORECASE)

# Slow runs take this many times their normal duration.
SLOW_FACTOR = 10.0


@dataclass(frozen=True)
class OutcomePlan:
    """Everything a prompt asks for; ``None`` means "not specified, use the default"."""

    outcome: Outcome | None = None
    duration: float | None = None
    queue: float | None = None
    slow: bool = False
    error_code: str | None = None
    issues: int | None = None
    skip_reason: str | None = None

    def merged_over(self, base: OutcomePlan) -> OutcomePlan:
        """This plan's explicit values, falling back to ``base`` for the rest."""
        return OutcomePlan(
            outcome=self.outcome if self.outcome is not None else base.outcome,
            duration=self.duration if self.duration is not None else base.duration,
            queue=self.queue if self.queue is not None else base.queue,
            slow=self.slow or base.slow,
            error_code=self.error_code if self.error_code is not None else base.error_code,
            issues=self.issues if self.issues is not None else base.issues,
            skip_reason=self.skip_reason if self.skip_reason is not None else base.skip_reason,
        )


@dataclass(frozen=True)
class OutcomeRule:
    """``pattern`` (a case-insensitive regular expression searched in the prompt) -> outcome."""

    pattern: str
    outcome: Outcome | str = Outcome.PASS
    duration: float | None = None
    error_code: str | None = None
    _compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", parse_outcome(self.outcome))
        try:
            compiled = re.compile(self.pattern, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"OutcomeRule pattern {self.pattern!r} is not a valid regex: {exc}") from exc
        object.__setattr__(self, "_compiled", compiled)
        if self.duration is not None and self.duration < 0:
            raise ValueError(f"OutcomeRule duration must be >= 0, got {self.duration}")

    def matches(self, prompt: str) -> bool:
        return self._compiled.search(prompt) is not None

    def as_plan(self) -> OutcomePlan:
        return OutcomePlan(outcome=Outcome(self.outcome), duration=self.duration, error_code=self.error_code)


def parse_outcome(value: Outcome | str) -> Outcome:
    """``value`` as an Outcome, or a ValueError listing the valid ones."""
    try:
        return Outcome(str(value).lower())
    except ValueError:
        valid = ", ".join(o.value for o in Outcome)
        raise ValueError(f"unknown outcome {value!r}; expected one of: {valid}") from None


def _seconds(name: str, raw: str | None) -> float:
    if raw is None:
        raise MarkerError(f"[sim:{name}] needs a value in seconds, e.g. [sim:{name}=2.5]")
    try:
        value = float(raw)
    except ValueError:
        raise MarkerError(f"[sim:{name}={raw}]: {raw!r} is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):  # also rejects NaN
        raise MarkerError(f"[sim:{name}={raw}]: seconds must be a finite number >= 0")
    return value


def parse_markers(prompt: str) -> OutcomePlan:
    """Read every ``[sim:...]`` marker of ``prompt``; unknown or malformed markers raise MarkerError."""
    outcome: Outcome | None = None
    duration: float | None = None
    queue: float | None = None
    slow = False
    error_code: str | None = None
    issues: int | None = None
    skip_reason: str | None = None
    for match in _MARKER.finditer(prompt):
        name, raw = match.group(1).lower(), match.group(2)
        if name in ("pass", "fail", "hang") and raw is None:
            outcome = Outcome(name)
        elif name == "error":
            outcome = Outcome.ERROR
            if raw is not None:
                if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", raw):
                    raise MarkerError(f"[sim:error={raw}]: the error code must be 1-64 of A-Z a-z 0-9 _ . -")
                error_code = raw
        elif name == "skip":
            outcome = Outcome.SKIP
            if raw is not None:
                if not 1 <= len(raw.strip()) <= 2000:
                    raise MarkerError(f"[sim:skip={raw}]: the reason must be 1-2000 characters")
                skip_reason = raw.strip()
        elif name == "slow" and raw is None:
            slow = True
        elif name == "duration":
            duration = _seconds(name, raw)
        elif name == "queue":
            queue = _seconds(name, raw)
        elif name == "issues":
            if raw is None or not raw.isdigit() or int(raw) > 50:
                raise MarkerError(f"[sim:issues={raw}]: expected a whole number from 0 to 50")
            issues = int(raw)
        else:
            raise MarkerError(
                f"unknown simulator marker {match.group(0)!r}; known: [sim:pass] [sim:fail] [sim:error] "
                "[sim:error=CODE] [sim:skip] [sim:skip=REASON] [sim:hang] [sim:slow] "
                "[sim:duration=S] [sim:queue=S] [sim:issues=N]"
            )
    return OutcomePlan(
        outcome=outcome,
        duration=duration,
        queue=queue,
        slow=slow,
        error_code=error_code,
        issues=issues,
        skip_reason=skip_reason,
    )


def strip_markers(prompt: str) -> str:
    """The prompt without its markers (used to name the simulated feature)."""
    return " ".join(_MARKER.sub(" ", prompt).split())


def resolve_outcome(prompt: str, rules: Sequence[OutcomeRule], default: OutcomePlan) -> OutcomePlan:
    """Markers win over the first matching rule, which wins over ``default``."""
    plan = parse_markers(prompt)
    for rule in rules:
        if rule.matches(prompt):
            plan = plan.merged_over(rule.as_plan())
            break
    return plan.merged_over(default)
