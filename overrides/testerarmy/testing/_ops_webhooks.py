"""Behaviours of the two webhooks that authenticate by the secret in their URL, not an API key:
a group's CI webhook and a project's deployment webhook."""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from testerarmy_pydantic import models

from ._context import AppContext, digest
from ._http import ApiError, Reply, parse_json_object
from ._ops_common import body_of, param, set_fields
from ._ops_groups import batch_runs, trigger_fields
from ._render import conform
from ._state import GroupRecord

__all__ = ["webhooks_trigger", "webhooks_trigger_project"]

_WRONG_URL = "Invalid webhook URL: unknown webhook or wrong secret"


def _same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(digest(given), digest(expected))


def _start(ctx: AppContext, group: GroupRecord, owner: str, trigger: dict[str, Any]) -> str:
    make_run = batch_runs(ctx, group, owner=owner, trigger=trigger, ci=True)
    batch, _ = ctx.store.trigger_group(group, owner=owner, make_run=make_run, trigger=trigger)
    ctx.dispatcher.wake()
    return batch.id


async def webhooks_trigger(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    group = ctx.store.group_by_webhook(param(request, "webhookId"))
    # Same answer for an unknown webhook and a wrong secret: the URL is the credential.
    if group is None or not _same_secret(str(param(request, "secret")), group.webhook_secret):
        raise ApiError(401, "Unauthorized", _WRONG_URL)
    if not group.webhook_enabled:
        # The docs say 403; the published spec documents only 401 for a refused webhook URL, and
        # the spec is upstream's word for what clients must handle.
        op = request.scope.get("testerarmy_sim", {}).get("spec_op")
        status = 403 if op is None or op.response_schema(403)[0] else 401
        code = "Forbidden" if status == 403 else "Unauthorized"
        raise ApiError(status, code, "This group webhook is inactive; enable it in the group settings")
    body, raw = await body_of(request, models.TriggerGroupWebhookRequest)
    batch_id = _start(ctx, group, group.owner, trigger_fields(ctx, group, set_fields(body, raw)))
    data = {"received": True, "batchId": batch_id, "batchIds": [batch_id]}
    return Reply(
        202, conform(models.TriggerGroupWebhookResponse, data), model=models.TriggerGroupWebhookResponse
    )


async def webhooks_trigger_project(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    """A deployment webhook: starts one batch per PR test group configured for the project.

    Without configured groups it is acknowledged and ignored (``ignored: true`` with a reason), as
    upstream does when PR testing is not set up. A body ``targetUrl`` (or ``url``) is the deployment.
    """
    project = ctx.store.project_by_webhook(param(request, "webhookId"))
    if project is None or not _same_secret(str(param(request, "secret")), project.webhook_secret):
        raise ApiError(401, "Unauthorized", _WRONG_URL)
    raw = await parse_json_object(request)
    groups = [ctx.store.groups[g] for g in project.pr_group_ids if g in ctx.store.groups]
    if not groups:
        data: dict[str, Any] = {
            "received": True,
            "ignored": True,
            "reason": "PR testing is not configured for this project",
        }
        return Reply(200, conform(models.TriggerProjectWebhookResponse, data))
    target = raw.get("targetUrl") or raw.get("url")
    trigger: dict[str, Any] = {"environment": "preview"}
    if isinstance(target, str) and target.startswith(("http://", "https://")):
        trigger["targetUrl"] = target
    owner_key = project.owner or groups[0].owner
    batch_ids = [_start(ctx, g, owner_key, trigger) for g in groups if _runnable(ctx, g)]
    if not batch_ids:
        data = {"received": True, "ignored": True, "reason": "The PR test groups have no enabled tests"}
        return Reply(200, conform(models.TriggerProjectWebhookResponse, data))
    data = {"received": True, "batchId": batch_ids[0], "batchIds": batch_ids}
    return Reply(200, conform(models.TriggerProjectWebhookResponse, data))


def _runnable(ctx: AppContext, group: GroupRecord) -> bool:
    with ctx.store.lock:
        return any(t in ctx.store.tests and ctx.store.tests[t].enabled for t in group.test_ids)
