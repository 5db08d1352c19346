"""Behaviours of the run and test operations: submit, list, get and cancel runs; create, update,
delete and trigger tests."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from testerarmy_pydantic import models

from ._context import AppContext
from ._http import (
    ApiError,
    Reply,
    invalid,
    parse_json_object,
    path_uuid,
    validate,
)
from ._lifecycle import Phase
from ._ops_common import (
    TestFields,
    TriggerFields,
    json_of_test,
    queued,
    run_of_test,
    set_fields,
)
from ._render import conform
from ._state import (
    Conflict,
    NotFound,
)

__all__ = [
    "runs_cancel",
    "runs_create",
    "runs_get",
    "runs_list",
    "tests_create",
    "tests_delete",
    "tests_trigger",
    "tests_update",
]


# --- runs -------------------------------------------------------------------------------------


async def runs_create(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    assert owner is not None
    raw = await parse_json_object(request)
    body = validate(models.CreateRunRequest, raw)
    webhook_url = raw.get("webhookUrl") if body.webhook_url is not None else None
    run_input: dict[str, Any] = {"prompt": body.prompt}
    if webhook_url is not None:
        run_input["webhookUrl"] = webhook_url
    run = ctx.store.create_run(owner=owner, prompt=body.prompt, input=run_input, webhook_url=webhook_url)
    data = {"id": run.id, "status": "queued", "createdAt": ctx.clock.to_datetime(run.created_at)}
    return Reply(202, conform(models.CreateRunResponse, data), model=models.CreateRunResponse)


def _query_limit(request: Request) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return 10
    try:
        limit = int(raw)
    except ValueError:
        raise invalid(f"limit: Expected integer, received {raw!r}") from None
    if not 1 <= limit <= 100:
        raise invalid(f"limit: Number must be between 1 and 100, received {limit}")
    return limit


async def runs_list(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    limit = _query_limit(request)
    raw_status = request.query_params.get("status")
    status: Phase | None = None
    if raw_status is not None:
        try:
            status = Phase(raw_status)
        except ValueError:
            expected = " | ".join(f"'{p.value}'" for p in Phase)
            raise invalid(
                f"status: Invalid enum value. Expected {expected}, received '{raw_status}'"
            ) from None
    snaps = ctx.store.snapshots(owner=owner, status=status)[:limit]
    body = conform(models.RunList, {"runs": [ctx.run_json(s) for s in snaps]})
    return Reply(200, body, model=models.RunList)


async def runs_get(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    snap = ctx.store.snapshot(path_uuid(request, "id"), owner)
    return Reply(200, ctx.run_json(snap), model=models.Run)


async def runs_cancel(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    run_id = path_uuid(request, "id")
    try:
        snap = ctx.store.cancel_run(run_id, owner)
    except Conflict as exc:
        # Upstream does not document the status for "not cancellable"; 400 is the documented one.
        raise ApiError(400, "ValidationError", exc.message) from None
    ctx.dispatcher.wake()
    data = {
        "id": snap.id,
        "status": snap.status.value,
        "cancelledAt": ctx.clock.to_datetime(snap.at).isoformat(),
    }
    return Reply(200, conform(models.CancelRunResponse, data), model=models.CancelRunResponse)


# --- tests --------------------------------------------------------------------------------------


async def tests_create(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    raw = await parse_json_object(request)
    validate(models.CreateTestRequest, raw)
    fields = validate(TestFields, raw)
    if fields.group_id is not None:
        try:
            ctx.store.group(fields.group_id)
        except NotFound:
            raise invalid(f"groupId: Group {fields.group_id} not found") from None
    if fields.project_id is not None:
        try:
            ctx.store.project(fields.project_id)
        except NotFound:
            raise invalid(f"projectId: Project {fields.project_id} not found") from None
    test = ctx.store.add_test(
        fields.name or "Untitled test",
        fields.prompt or "",
        project_id=fields.project_id,
        enabled=True if fields.enabled is None else fields.enabled,
        steps=fields.steps or (),
        group_ids=[fields.group_id] if fields.group_id else (),
    )
    return Reply(201, json_of_test(ctx, test, models.CreateTestResponse), model=models.CreateTestResponse)


async def tests_update(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    test_id = path_uuid(request, "testId")
    raw = await parse_json_object(request)
    validate(models.UpdateTestRequest, raw)
    changes = set_fields(validate(TestFields, raw))
    for key in ("projectId", "groupId"):
        if key in changes:
            raise invalid(f"{key}: Cannot be changed with PATCH /v1/tests/{{testId}}")
    if changes.get("name") is None:
        changes.pop("name", None)
    for key in ("prompt", "enabled", "steps"):
        if key in changes and changes[key] is None:
            raise invalid(f"{key}: Expected {'string' if key == 'prompt' else 'a value'}, received null")
    test = ctx.store.update_test(test_id, changes)
    return Reply(200, json_of_test(ctx, test, models.UpdateTestResponse), model=models.UpdateTestResponse)


async def tests_delete(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    test = ctx.store.delete_test(path_uuid(request, "testId"))
    body = conform(models.DeleteTestResponse, {"id": test.id, "deleted": True})
    return Reply(200, body, model=models.DeleteTestResponse)


async def tests_trigger(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    assert owner is not None
    test_id = path_uuid(request, "testId")
    raw = await parse_json_object(request)
    validate(models.TriggerTestRunRequest, raw)
    fields = validate(TriggerFields, raw)
    test = ctx.store.test(test_id)
    extra = {k: raw[k] for k in ("targetUrl", "webhookUrl") if raw.get(k) is not None}
    run = run_of_test(
        ctx,
        test,
        owner=owner,
        type_="test",
        source="api",
        extra_input=extra,
        webhook_url=raw.get("webhookUrl") if fields.webhook_url is not None else None,
    )
    body = conform(models.TriggerTestRunResponse, {**queued(ctx, run), "testId": test.id})
    return Reply(202, body, model=models.TriggerTestRunResponse)
