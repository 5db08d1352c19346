"""Behaviours of the run and batch operations: submit, list, get and cancel runs; cancel and
re-run batches; the dynamic pull-request run of a project."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from testerarmy_pydantic import models

from ._context import AppContext
from ._http import Reply
from ._lifecycle import Phase
from ._ops_common import body_of, param
from ._ops_groups import batch_runs
from ._render import conform
from ._state import Conflict

__all__ = [
    "batches_cancel",
    "batches_rerun",
    "projects_pr_run",
    "runs_cancel",
    "runs_create",
    "runs_get",
    "runs_list",
]

# The simulator has no GitHub connection: what upstream answers for a project without one.
_NO_GITHUB = {
    "configured": False,
    "checkRunCreated": False,
    "commentTargetResolved": False,
    "status": "not_configured",
}
DEFAULT_RUNS_LIMIT = 20  # documented: "Max results per page (default 20, max 100)"


async def runs_create(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    assert owner is not None
    body, raw = await body_of(request, models.CreateRunRequest)
    webhook_url = raw.get("webhookUrl") if body.webhook_url is not None else None
    run_input: dict[str, Any] = {"prompt": body.prompt}
    if webhook_url is not None:
        run_input["webhookUrl"] = webhook_url
    run = ctx.store.create_run(owner=owner, prompt=body.prompt, input=run_input, webhook_url=webhook_url)
    data = {"id": run.id, "status": "queued", "createdAt": ctx.clock.to_datetime(run.created_at)}
    return Reply(202, conform(models.CreateRunResponse, data), model=models.CreateRunResponse)


async def runs_list(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    status = param(request, "status")
    project_id, test_id = param(request, "projectId"), param(request, "testId")
    page, next_cursor = ctx.store.run_page(
        owner=owner,
        limit=param(request, "limit") or DEFAULT_RUNS_LIMIT,
        cursor=param(request, "cursor"),
        status=Phase(status) if status is not None else None,
        project_id=project_id.lower() if project_id else None,
        test_id=test_id.lower() if test_id else None,
    )
    body = {"runs": [ctx.run_json(s) for s in page], "nextCursor": next_cursor}
    return Reply(200, body, model=models.RunList)


async def runs_get(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    snap = ctx.store.snapshot(param(request, "id"), owner)
    return Reply(200, ctx.run_json(snap), model=models.Run)


async def runs_cancel(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    snap = ctx.store.cancel_run(param(request, "id"), owner)  # terminal: Conflict -> 409
    ctx.dispatcher.wake()
    data = {"id": snap.id, "status": snap.status.value}
    return Reply(200, conform(models.CancelRunResponse, data), model=models.CancelRunResponse)


async def batches_cancel(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    batch, cancelled, finished = ctx.store.cancel_batch(param(request, "batchId"), owner)
    ctx.dispatcher.wake()
    data = {
        "batchId": batch.id,
        "cancelled": len(cancelled),
        "alreadyFinished": len(finished),
        "cancelledRunIds": cancelled,
        "alreadyFinishedRunIds": finished,
    }
    return Reply(200, conform(models.CancelBatchResponse, data), model=models.CancelBatchResponse)


async def batches_rerun(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    assert owner is not None
    source = ctx.store.batch(param(request, "batchId"), owner)
    group = ctx.store.groups.get(source.group_id)
    if group is None:
        raise Conflict(f"Batch {source.id} cannot be re-run: its group was deleted")
    make_run = batch_runs(ctx, group, owner=owner, trigger=source.trigger)
    src, batch, runs, skipped = ctx.store.rerun_batch(source.id, owner, make_run)
    ctx.dispatcher.wake()
    ids = [r.id for r in runs]
    data = {
        "status": "queued",
        "groupId": batch.group_id,
        "batchId": batch.id,
        "sourceBatchId": src.id,
        "runIds": ids,
        "queuedRunIds": ids,
        "cancelledRunIds": [],
        "skippedTestIds": skipped,
        "count": len(ids),
    }
    return Reply(202, conform(models.RerunBatchResponse, data), model=models.RerunBatchResponse)


async def projects_pr_run(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    assert owner is not None
    project = ctx.store.project(param(request, "projectId"))
    parsed, raw = await body_of(request, models.TriggerPullRequestRunRequest)
    body = parsed.root  # the web or the mobile variant
    pr = body.pull_request
    platform = str(raw.get("platform") or "web")
    target = raw.get("targetUrl") or project.url
    run = ctx.store.create_run(
        owner=owner,
        prompt=pr.title,
        input=raw,
        type="ci",
        source="api",
        platform=platform,
        project_id=project.id,
        external_ref={"provider": "github", "pullRequestNumber": pr.number, "commitSha": pr.commit_sha},
        test_plan={
            "instructions": f"Test the changes of PR #{pr.number} ({pr.title}) on {target}",
            "focusAreas": [pr.title],
            "complexity": "simple",
            "changeType": "frontend",
            "steps": [
                {"type": "act", "title": f"Open {target}"},
                {"type": "act", "title": "Exercise the changed feature"},
                {"type": "assert", "title": "The feature works without regressions"},
            ],
        },
        feature_name=f"PR #{pr.number}",
        prompt_field="pullRequest.title",
    )
    data = {
        "status": "queued",
        "runId": run.id,
        "projectId": project.id,
        "platform": platform,
        "metadata": {"github": _NO_GITHUB},
    }
    body_json = conform(models.TriggerPullRequestRunResponse, data)
    return Reply(202, body_json, model=models.TriggerPullRequestRunResponse)
