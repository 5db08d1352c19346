"""Behaviours of the test operations: list (cursor pages), create, get, update, delete, trigger."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from testerarmy_pydantic import models

from ._context import AppContext
from ._http import Reply
from ._json import test_detail_json, test_json
from ._ops_common import body_of, param, run_of_test, set_fields
from ._render import conform


def _steps(body: Any) -> list[dict[str, Any]] | None:
    """The steps as the spec declares them: extra properties of a step object are not kept."""
    if body.steps is None:
        return None
    out = []
    for step in body.steps:
        variant = step.root
        declared = {f.alias or n for n, f in type(variant).model_fields.items()}
        dumped = variant.model_dump(mode="json", by_alias=True, exclude_unset=True)
        out.append({k: v for k, v in dumped.items() if k in declared})
    return out


__all__ = ["tests_create", "tests_delete", "tests_get", "tests_list", "tests_trigger", "tests_update"]

DEFAULT_TESTS_LIMIT = 50  # documented: "Max results per page (default 50, max 100)"


async def tests_list(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    group_id = param(request, "groupId")
    project, page, next_cursor = ctx.store.test_page(
        param(request, "projectId"),
        str(group_id) if group_id is not None else None,
        param(request, "limit") or DEFAULT_TESTS_LIMIT,
        param(request, "cursor"),
    )
    data = {
        "projectUrl": project.url,
        "projectName": project.name,
        "tests": [test_json(ctx, t) for t in page],
        "nextCursor": next_cursor,
    }
    return Reply(200, data, model=models.TestList)


async def tests_create(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    body, raw = await body_of(request, models.CreateTestRequest)
    fields = set_fields(body, raw)
    project = ctx.store.project(body.project_id)  # 404 when unknown
    group_ids = [str(body.group_id)] if body.group_id is not None else []
    for group_id in group_ids:
        ctx.store.group(group_id)  # 404 when unknown
    test = ctx.store.add_test(
        body.title,
        fields.get("description") or "",
        project_id=project.id,
        enabled=True if body.enabled is None else body.enabled,
        steps=_steps(body) or [],
        group_ids=group_ids,
        platform=fields.get("platform") or project.project_type,
    )
    return Reply(201, conform(models.CreateTestResponse, {"test": test_json(ctx, test)}))


async def tests_get(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    test = ctx.store.test(param(request, "testId"))
    return Reply(200, test_detail_json(ctx, test), model=models.TestDetail)


async def tests_update(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    test_id = param(request, "testId")
    body, raw = await body_of(request, models.UpdateTestRequest)
    changes = set_fields(body, raw)
    if "steps" in changes:
        changes["steps"] = _steps(body)
    test = ctx.store.update_test(test_id, changes)
    return Reply(200, conform(models.UpdateTestResponse, {"test": test_json(ctx, test)}))


async def tests_delete(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    test = ctx.store.delete_test(param(request, "testId"))
    return Reply(200, conform(models.DeleteTestResponse, {"id": test.id, "deleted": True}))


async def tests_trigger(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    assert owner is not None
    test = ctx.store.test(param(request, "testId"))
    body, raw = await body_of(request, models.TriggerTestRunRequest)
    fields = set_fields(body, raw)
    extra = {}
    if "projectEnvironmentId" in fields:
        project = ctx.store.project(test.project_id)
        url = ctx.store.environment_url(project, fields["projectEnvironmentId"])
        extra = {
            "projectEnvironmentId": fields["projectEnvironmentId"],
            **({"targetUrl": url} if url else {}),
        }
    if "appId" in fields:
        extra["appId"] = fields["appId"]
    run = run_of_test(
        ctx,
        test,
        owner=owner,
        type_="test",
        source="structured_test",
        extra_input=extra,
        platform=fields.get("platform"),
        device_model=fields.get("deviceModel"),
        execution_mode=fields.get("mode"),
    )
    data = {"status": "queued", "runId": run.id, "testId": test.id}
    return Reply(202, conform(models.TriggerTestRunResponse, data), model=models.TriggerTestRunResponse)
