"""Behaviours of the group operations: list, create, get, update, delete, membership, trigger."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from testerarmy_pydantic import models

from ._context import AppContext
from ._http import Reply, invalid
from ._json import group_json, group_summary_json
from ._ops_common import body_of, param, run_of_test, set_fields
from ._render import conform
from ._state import GroupRecord, RunRecord, TestRecord
from ._store_batches import MakeRun

__all__ = [
    "batch_runs",
    "groups_add_test",
    "groups_create",
    "groups_delete",
    "groups_get",
    "groups_list",
    "groups_remove_test",
    "groups_trigger",
    "groups_update",
    "trigger_fields",
]


def trigger_fields(ctx: AppContext, group: GroupRecord, fields: dict[str, Any]) -> dict[str, Any]:
    """A group trigger's fields, checked against the group's project (environment, mobile app)."""
    out = {k: v for k, v in fields.items() if v is not None}
    project = ctx.store.project(group.project_id)
    env_id = out.get("projectEnvironmentId")
    if env_id is not None and "targetUrl" not in out:
        url = ctx.store.environment_url(project, env_id)
        if url:
            out["targetUrl"] = url
    mobile = out.get("mobile")
    if isinstance(mobile, dict):
        chosen = [k for k in ("bundleId", "appId", "artifactUrl") if mobile.get(k)]
        if len(chosen) != 1:
            raise invalid("mobile: Give exactly one of bundleId, appId or artifactUrl")
        if mobile.get("appId") is not None:
            app = ctx.store.app(str(mobile["appId"]))
            if app is None or app.project_id != group.project_id:
                raise invalid(f"mobile.appId: Mobile app {mobile['appId']} not found in the group's project")
            out.setdefault("platform", app.platform)
        elif mobile.get("artifactUrl") is not None:
            name = str(mobile.get("artifactFilename") or mobile["artifactUrl"]).lower()
            out.setdefault("platform", "android" if name.endswith(".apk") else "ios")
        else:
            out.setdefault("platform", "ios")
    if "targetUrl" in out and "environment" not in out:
        out["environment"] = "preview"  # documented: targetUrl without environment means preview
    return out


def batch_runs(
    ctx: AppContext, group: GroupRecord, *, owner: str, trigger: dict[str, Any], ci: bool = False
) -> MakeRun:
    """How each run of a batch of ``group`` is made (API triggers: type test; webhooks: ci)."""
    extra = {k: v for k, v in trigger.items() if k not in ("platform", "deviceModel", "mobile")}
    ref: dict[str, Any] = {
        k: trigger[k] for k in ("commitSha", "environment", "targetUrl", "prNumber") if k in trigger
    }

    def make_run(test: TestRecord, after: str | None, batch_id: str) -> RunRecord:
        return run_of_test(
            ctx,
            test,
            owner=owner,
            type_="ci" if ci else "test",
            source="webhook" if ci else "api",
            extra_input={"groupId": group.id, **extra},
            group_id=group.id,
            batch_id=batch_id,
            after=after,
            platform=trigger.get("platform"),
            device_model=trigger.get("deviceModel"),
            external_ref=ref or None,
        )

    return make_run


async def groups_list(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    groups = ctx.store.groups_in(param(request, "projectId"))
    body = conform(models.GroupList, {"groups": [group_summary_json(ctx, g) for g in groups]})
    return Reply(200, body, model=models.GroupList)


async def groups_create(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    assert owner is not None
    body, raw = await body_of(request, models.CreateGroupRequest)
    group = ctx.store.create_group(set_fields(body, raw), owner=owner)
    data = {k: v for k, v in group_json(ctx, group).items() if k not in ("createdAt", "updatedAt")}
    return Reply(201, conform(models.CreateGroupResponse, {"group": data}), model=models.CreateGroupResponse)


async def groups_get(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    group = ctx.store.group(param(request, "groupId"))
    return Reply(200, group_json(ctx, group), model=models.Group)


async def groups_update(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    group_id = param(request, "groupId")
    body, raw = await body_of(request, models.UpdateGroupRequest)
    group = ctx.store.update_group(group_id, set_fields(body, raw))
    return Reply(200, conform(models.UpdateGroupResponse, {"group": group_json(ctx, group)}))


async def groups_delete(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    group = ctx.store.delete_group(param(request, "groupId"))
    return Reply(200, conform(models.DeleteGroupResponse, {"deleted": True, "id": group.id}))


async def groups_add_test(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    group_id = param(request, "groupId")
    body, _raw = await body_of(request, models.AddGroupTestRequest)
    group, test, added = ctx.store.add_member(group_id, str(body.test_id))
    data = {"groupId": group.id, "testId": test.id, "added": added}
    if added:
        return Reply(201, conform(models.GroupTestAdded, data), model=models.GroupTestAdded)
    return Reply(200, conform(models.GroupTestAlreadyMember, data), model=models.GroupTestAlreadyMember)


async def groups_remove_test(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    test_id = str(param(request, "testId")).lower()
    group, removed = ctx.store.remove_member(param(request, "groupId"), test_id)
    data = {"groupId": group.id, "testId": test_id, "removed": removed}
    return Reply(200, conform(models.RemoveGroupTestResponse, data), model=models.RemoveGroupTestResponse)


async def groups_trigger(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    assert owner is not None
    group = ctx.store.group(param(request, "groupId"))
    body, raw = await body_of(request, models.TriggerGroupRunRequest)
    trigger = trigger_fields(ctx, group, set_fields(body, raw))
    make_run = batch_runs(ctx, group, owner=owner, trigger=trigger)
    batch, runs = ctx.store.trigger_group(group, owner=owner, make_run=make_run, trigger=trigger)
    ctx.dispatcher.wake()
    ids = [r.id for r in runs]
    data = {
        "status": "queued",
        "groupId": group.id,
        "batchId": batch.id,
        "runIds": ids,
        "queuedRunIds": ids,
        "cancelledRunIds": [],
        "count": len(ids),
        "metadata": {
            "github": {"configured": False, "checkRunCreated": False, "commentTargetResolved": False}
        },
    }
    return Reply(202, conform(models.TriggerGroupRunResponse, data), model=models.TriggerGroupRunResponse)
