"""Behaviours of the group operations: update, trigger, and the group's CI webhook."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from testerarmy_pydantic import models

from ._context import AppContext, digest
from ._http import (
    ApiError,
    Reply,
    invalid,
    parse_json_object,
    path_uuid,
    validate,
)
from ._ops_common import (
    TriggerFields,
    group_json,
    run_of_test,
    set_fields,
)
from ._render import conform
from ._state import (
    GroupRecord,
    Invalid,
    RunRecord,
    TestRecord,
)

__all__ = ["groups_trigger", "groups_update", "webhooks_trigger"]


# --- groups and group webhooks ------------------------------------------------------------------


async def groups_update(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    group_id = path_uuid(request, "groupId")
    raw = await parse_json_object(request)
    changes = set_fields(validate(models.UpdateGroupRequest, raw))
    for key in ("name", "runMode"):
        if key in changes and changes[key] is None:
            raise invalid(f"{key}: Expected string, received null")
    try:
        group = ctx.store.update_group(group_id, changes)
    except Invalid as exc:
        raise invalid(exc.message) from None
    return Reply(200, group_json(ctx, group), model=models.UpdateGroupResponse)


def _batch(
    ctx: AppContext,
    group: GroupRecord,
    *,
    owner: str,
    source: str,
    type_: str,
    extra_input: dict[str, Any],
    webhook_url: str | None = None,
    platform: str = "web",
    external_ref: dict[str, Any] | None = None,
) -> tuple[str, list[RunRecord], list[str]]:
    def make_run(test: TestRecord, after: str | None, batch_id: str) -> RunRecord:
        return run_of_test(
            ctx,
            test,
            owner=owner,
            type_=type_,
            source=source,
            extra_input={"groupId": group.id, **extra_input},
            webhook_url=webhook_url,
            group_id=group.id,
            batch_id=batch_id,
            after=after,
            platform=platform,
            external_ref=external_ref,
        )

    result = ctx.store.trigger_group(group, owner=owner, make_run=make_run)
    ctx.dispatcher.wake()
    return result


async def groups_trigger(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    assert owner is not None
    group_id = path_uuid(request, "groupId")
    raw = await parse_json_object(request)
    validate(models.TriggerGroupRunRequest, raw)
    fields = validate(TriggerFields, raw)
    group = ctx.store.group(group_id)
    extra = {k: raw[k] for k in ("targetUrl",) if raw.get(k) is not None}
    webhook_url = raw.get("webhookUrl") if fields.webhook_url is not None else None
    batch_id, runs, cancelled = _batch(
        ctx, group, owner=owner, source="api", type_="group", extra_input=extra, webhook_url=webhook_url
    )
    ids = [r.id for r in runs]
    data = {
        "status": "queued",
        "groupId": group.id,
        "batchId": batch_id,
        "runIds": ids,
        "queuedRunIds": ids,
        "cancelledRunIds": cancelled,
        "count": len(ids),
        "metadata": {"github": {"configured": False}},
    }
    return Reply(202, conform(models.TriggerGroupRunResponse, data), model=models.TriggerGroupRunResponse)


async def webhooks_trigger(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    webhook_id = path_uuid(request, "webhookId")
    secret = str(request.path_params["secret"])
    group = ctx.store.group_by_webhook(webhook_id)
    # Same answer for an unknown webhook and a wrong secret: the URL is the credential.
    if group is None or digest(secret) != digest(group.webhook_secret):
        raise ApiError(401, "Unauthorized", "Invalid webhook URL: unknown webhook or wrong secret")
    if not group.webhook_enabled:
        raise ApiError(403, "Forbidden", "This group webhook is inactive; enable it in the group settings")
    raw = await parse_json_object(request)
    body = validate(models.TriggerGroupWebhookRequest, raw)
    environment = body.environment.value if body.environment else None
    if body.target_url is not None and environment is None:
        environment = "preview"  # upstream: targetUrl without environment means preview
    platform = "web"
    mobile_source: str | None = None
    if body.mobile is not None:
        m = body.mobile
        chosen = [
            k
            for k, v in (("bundleId", m.bundle_id), ("appId", m.app_id), ("artifactUrl", m.artifact_url))
            if v
        ]
        if len(chosen) != 1:
            raise invalid("mobile: Give exactly one of bundleId, appId or artifactUrl")
        if m.build_id is not None and m.app_id is not None:
            raise invalid("mobile.buildId: Only allowed with bundleId or artifactUrl")
        if m.artifact_filename is not None and m.artifact_url is None:
            raise invalid("mobile.artifactFilename: Only allowed with artifactUrl")
        if m.app_id is not None:
            app = ctx.store.app(str(m.app_id))
            if app is None or app.project_id != group.project_id:
                raise invalid(f"mobile.appId: Mobile app {m.app_id} not found in the group's project")
            platform, mobile_source = app.platform, "app_id"
        elif m.artifact_url is not None:
            name = (m.artifact_filename or str(m.artifact_url)).lower()
            platform, mobile_source = ("android" if name.endswith(".apk") else "ios"), "artifact_url"
        else:
            platform, mobile_source = "ios", "test_default"
    ref = {
        k: v
        for k, v in (
            ("commitSha", body.commit_sha),
            ("environment", environment),
            ("targetUrl", body.target_url),
        )
        if v is not None
    }
    batch_id, runs, cancelled = _batch(
        ctx,
        group,
        owner=group.owner,
        source="webhook",
        type_="ci",
        extra_input={k: v for k, v in raw.items() if k != "mobile"},
        platform=platform,
        external_ref=ref or None,
    )
    data: dict[str, Any] = {
        "received": True,
        "status": "queued",
        "groupId": group.id,
        "batchId": batch_id,
        "runIds": [r.id for r in runs],
        "cancelledRunIds": cancelled,
        "count": len(runs),
    }
    if mobile_source is not None:
        data["metadata"] = {"mobile": {"source": mobile_source}}
    body_json = conform(models.TriggerGroupWebhookResponse, data)
    return Reply(200, body_json, model=models.TriggerGroupWebhookResponse)
