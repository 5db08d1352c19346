"""Response bodies, built and checked with the generated pydantic models (testerarmy_pydantic).

Every body goes through ``conform(Model, data)``: the model validates the data (a simulator bug that
would break the spec fails loudly here, not in a user's client) and dumps it by alias. Two quirks of
the generated models are handled here rather than by patching them:

* optional, non-nullable fields are typed ``X | None = None``; dumping every field would emit ``null``
  where the spec forbids it, so only fields we set are dumped (``exclude_unset``);
* schemas that upstream left as an empty ``type: object`` become models without fields, which would
  drop everything; keys the model does not declare are therefore kept as they were given (the spec
  allows additional properties everywhere).
"""

from __future__ import annotations

import functools
import random
from typing import Any

from pydantic import BaseModel
from testerarmy_pydantic import models

from ._lifecycle import Phase, SimClock
from ._outcomes import Outcome, strip_markers
from ._state import RunSnapshot

__all__ = ["ISSUE_NAMES", "SKIP_REASON", "conform", "error_body", "render_run"]


@functools.cache
def _declared(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(f.alias or name for name, f in model.model_fields.items())


def conform(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` validated by ``model`` and dumped by alias; undeclared keys pass through unchanged."""
    dumped = model.model_validate(data, by_alias=True, by_name=False).model_dump(
        mode="json", by_alias=True, exclude_unset=True
    )
    declared = _declared(model)
    extras = {k: v for k, v in data.items() if k not in declared and k not in dumped}
    return {**dumped, **extras} if extras else dumped


def error_body(error: str, message: str) -> dict[str, Any]:
    return conform(models.Error, {"error": error, "message": message})


ISSUE_NAMES = (
    "Button does not respond to the first click",
    "Validation message overlaps the input",
    "Total is not updated after changing the quantity",
    "Page shows a blank state after submitting",
    "Focus is lost when the dialog opens",
)

SKIP_REASON = "The planner found nothing user-facing to test (simulated)."


def _output(snap: RunSnapshot, base_url: str) -> dict[str, Any]:
    run = snap.record
    outcome = snap.timeline.outcome
    if outcome is Outcome.SKIP:
        return {"kind": "planner_skipped", "reason": run.plan.skip_reason or SKIP_REASON}
    rng = random.Random(f"output:{run.id}")  # noqa: S311 - deterministic fake content, not security
    result = "FAILED" if outcome is Outcome.FAIL else "PASS"
    count = run.plan.issues if outcome is Outcome.FAIL else 0
    # Distinct names while they last, then repeats (up to 50 issues can be asked for).
    names = rng.sample(ISSUE_NAMES, k=min(count, len(ISSUE_NAMES)))
    names += [rng.choice(ISSUE_NAMES) for _ in range(count - len(names))]
    page = str((run.input or {}).get("targetUrl") or "https://shop.example.com/")
    shots = [f"{base_url}/_sim/screenshots/{run.id}/{n}.png" for n in range(1, 2 + rng.randint(0, 2))]
    issues = [
        {
            "type": "issue",
            "name": name,
            "description": f"Seen while testing {run.feature_name!r} (simulated).",
            "url": page,
            "severity": rng.randint(2, 5),
            "reproductionSteps": ["Open the page", "Perform the tested action"],
            "expectedBehavior": "The feature works as described",
            "actualBehavior": name,
            "screenshotUrl": shots[0],
        }
        for name in names
    ]
    what = strip_markers(run.prompt) or run.feature_name
    return {
        "featureName": run.feature_name,
        "result": result,
        "description": (
            f"Simulated agent tested: {what}. "
            + ("Everything worked as expected." if result == "PASS" else f"Found {len(issues)} issue(s).")
        ),
        "issues": issues,
        "screenshots": shots,
    }


def _error(snap: RunSnapshot) -> dict[str, Any]:
    run = snap.record
    if run.forced_error is not None:
        return {"code": run.forced_error["code"], "message": run.forced_error["message"]}
    code = run.plan.error_code or "PROVIDER_CAPACITY"
    return {"code": code, "message": f"Simulated worker failure ({code}); retry the run after a short wait."}


def _step_results(snap: RunSnapshot) -> list[dict[str, Any]] | None:
    run, status = snap.record, snap.status
    if not run.steps or status not in (Phase.COMPLETED, Phase.FAILED):
        return None
    failing = len(run.steps) - 1 if snap.timeline.outcome in (Outcome.FAIL, Outcome.ERROR) else -1
    return [
        {
            "stepIndex": i,
            "title": str(step.get("title") or step.get("type")),
            "type": step.get("type"),
            "status": "failed" if i == failing else "passed",
        }
        for i, step in enumerate(run.steps)
    ]


def render_run(snap: RunSnapshot, clock: SimClock, base_url: str) -> dict[str, Any]:
    """The ``Run`` JSON of a snapshot (as GET /v1/runs/{id} and webhooks send it)."""
    run, timeline, status = snap.record, snap.timeline, snap.status
    started = (
        timeline.started_at if timeline.started_at is not None and timeline.started_at <= snap.at else None
    )
    completed = timeline.terminal_at() if status.terminal else None
    duration_ms: float | None = None
    if completed is not None and started is not None:
        duration_ms = round((completed - started) * 1000, 3)
    data: dict[str, Any] = {
        "id": run.id,
        "type": run.type,
        "status": status.value,
        "input": run.input,
        "createdAt": clock.to_datetime(run.created_at),
        "platform": run.platform,
        "deviceModel": run.device_model,
        "source": run.source,
        "projectId": run.project_id,
        "output": _output(snap, base_url) if status is Phase.COMPLETED else None,
        "testPlan": run.test_plan,
        "error": _error(snap) if status is Phase.FAILED else None,
        "durationMs": duration_ms,
        "webhookUrl": run.webhook_url,
        "webhookStatus": run.webhook_status,
        "testId": run.test_id,
        "stepResults": _step_results(snap),
        "userName": "Simulator",
        "externalRef": run.external_ref,
        "executionMode": run.execution_mode,
        "autoRetryCount": 0,
        "startedAt": clock.to_datetime(started) if started is not None else None,
        "completedAt": clock.to_datetime(completed) if completed is not None else None,
    }
    body = conform(models.Run, data)
    # pydantic normalises URLs (adds a trailing "/" to a bare host); echo what the caller sent.
    body["webhookUrl"] = run.webhook_url
    return body
