"""The ASGI application: the 19 API operations under ``/api/v1``, the admin API under ``/_sim``.

Every API request goes through ``_dispatch``: injected fault (before the handler) -> authentication
-> rate limit -> handler -> injected fault (after the handler) -> response. Request bodies are checked
with the generated pydantic models (testerarmy_pydantic); where upstream's schema is an empty object
the simulator additionally checks the few fields it interprets (documented in docs/simulator.md).
Response bodies are built with the same models (see ``_render.conform``).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import hashlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from pydantic import AnyUrl, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from testerarmy_pydantic import models

from ._conformance import response_violations
from ._crud import ResourceStore, serve_generic
from ._fabricate import Fabricator
from ._faults import FaultSet
from ._http import (
    ApiError,
    Reply,
    fault_response,
    invalid,
    parse_json_object,
    parse_multipart,
    path_uuid,
    render_reply,
    validate,
)
from ._lifecycle import Phase, SimClock
from ._ratelimit import RateLimiter
from ._render import conform, render_run
from ._requestlog import RequestLog, RequestRecord, visible_headers
from ._requests import check_request
from ._spec import ApiSpec, SpecOperation, load_spec
from ._state import (
    AppRecord,
    Conflict,
    GroupRecord,
    Invalid,
    NotFound,
    ProjectRecord,
    RunRecord,
    RunSnapshot,
    Store,
    TestRecord,
)
from ._webhooks import WebhookDispatcher

__all__ = ["BEHAVIOURS", "AppContext", "KeyRing", "Operation", "build_app", "operations_of"]

logger = logging.getLogger("testerarmy.testing")

ADMIN_HEADER = "x-sim-admin-token"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class KeyRing:
    """Accepted API keys, kept only as SHA-256 digests (lookups compare digests, never the keys)."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        self._digests = {_digest(k) for k in keys}

    def owner_of(self, token: str) -> str | None:
        digest = _digest(token)
        return digest[:16] if digest in self._digests else None

    def __repr__(self) -> str:
        return f"KeyRing(<{len(self._digests)} keys>)"


@dataclass
class AppContext:
    store: Store
    clock: SimClock
    faults: FaultSet
    requests: RequestLog
    keys: KeyRing
    admin_digest: str
    dispatcher: WebhookDispatcher
    spec: ApiSpec = field(default_factory=load_spec)
    resources: ResourceStore = field(default_factory=ResourceStore)
    seed: int = 0
    # Test-suite mode: every API answer is checked against the spec (see _conformance).
    validate_responses: bool = False
    violations: list[str] = field(default_factory=list)
    limiter: RateLimiter | None = None
    public_base: str = "http://127.0.0.1"
    on_request: Callable[[RequestRecord], None] | None = None
    # Set by Simulator.stop(): injected latency ends early so in-flight requests finish normally
    # instead of being cut off by uvicorn's shutdown (which would answer a plain-text 500).
    closing: threading.Event = field(default_factory=threading.Event)
    in_flight: int = 0  # requests being handled (only the server's loop thread writes it)

    def run_json(self, snap: RunSnapshot) -> dict[str, Any]:
        return render_run(snap, self.clock, self.public_base)

    @property
    def fabricator(self) -> Fabricator:
        return Fabricator(self.spec.merged, lambda: self.clock.to_datetime(self.clock.now()))


Handler = Callable[[AppContext, Request, str | None], Awaitable[Reply]]


@dataclass(frozen=True)
class Operation:
    """A served operation: the spec's, with its hand-written behaviour (None: served generically)."""

    spec: SpecOperation
    handler: Handler | None

    @property
    def id(self) -> str:
        return self.spec.operation_id

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def method(self) -> str:
        return self.spec.method

    @property
    def path(self) -> str:
        return self.spec.path


def operations_of(spec: ApiSpec, behaviours: Mapping[str, Handler] | None = None) -> tuple[Operation, ...]:
    """Every operation of ``spec``, each with its behaviour; refuses behaviours the spec lacks."""
    behaviours = BEHAVIOURS if behaviours is None else behaviours
    orphans = sorted(set(behaviours) - set(spec.by_key))
    if orphans:
        raise ValueError(
            "simulator behaviours without an operation in the spec: "
            + ", ".join(orphans)
            + " (the spec removed or renamed them: update testing/_app.py BEHAVIOURS)"
        )
    return tuple(Operation(op, behaviours.get(op.key)) for op in spec.operations)


# --- simulator-side readings of upstream's empty-object request bodies --------------------------


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=False)


class _TestFields(_Loose):
    name: StrictStr | None = None
    prompt: StrictStr | None = None
    project_id: StrictStr | None = Field(None, alias="projectId")
    group_id: StrictStr | None = Field(None, alias="groupId")
    enabled: StrictBool | None = None
    steps: list[StrictStr] | None = None


class _TriggerFields(_Loose):
    target_url: StrictStr | None = Field(None, alias="targetUrl")
    webhook_url: AnyUrl | None = Field(None, alias="webhookUrl")


class _ProjectFields(_Loose):
    name: StrictStr | None = None
    url: AnyUrl | None = None
    description: StrictStr | None = None


class _CredentialFields(_Loose):
    type: StrictStr | None = None
    name: StrictStr | None = None
    username: StrictStr | None = None
    email: StrictStr | None = None
    password: StrictStr | None = None


class _RemoveAfter(BaseModel):
    remove_after: StrictInt | None = Field(None, alias="removeAfter", ge=1)


def _check_sizes(file_size: int | None, remove_after: int | None) -> None:
    if file_size is not None and not 1 <= file_size <= 4 * 1024**3:
        raise invalid("fileSize: Number must be between 1 and 4294967296")
    if remove_after is not None and remove_after < 1:
        raise invalid("removeAfter: Number must be greater than or equal to 1")


def _set_fields(model: BaseModel) -> dict[str, Any]:
    """The fields the caller sent, by their API names (alias), extras excluded."""
    dumped = model.model_dump(by_alias=True, exclude_unset=True)
    declared = {f.alias or n for n, f in type(model).model_fields.items()}
    return {k: v for k, v in dumped.items() if k in declared}


# --- payload builders ---------------------------------------------------------------------------


def _project_json(ctx: AppContext, p: ProjectRecord) -> dict[str, Any]:
    return conform(
        models.UpdateProjectResponse,
        {
            "id": p.id,
            "shortId": p.short_id,
            "name": p.name,
            "url": p.url,
            "description": p.description,
            "createdAt": ctx.clock.to_datetime(p.created_at).isoformat(),
            "updatedAt": ctx.clock.to_datetime(p.updated_at).isoformat(),
        },
    )


def _test_json(ctx: AppContext, t: TestRecord, model: type[BaseModel]) -> dict[str, Any]:
    return conform(
        model,
        {
            "id": t.id,
            "projectId": t.project_id,
            "name": t.name,
            "prompt": t.prompt,
            "enabled": t.enabled,
            "steps": list(t.steps),
            "groupIds": ctx.store.groups_of(t.id),
            "createdAt": ctx.clock.to_datetime(t.created_at).isoformat(),
            "updatedAt": ctx.clock.to_datetime(t.updated_at).isoformat(),
        },
    )


def _group_json(ctx: AppContext, g: GroupRecord) -> dict[str, Any]:
    return conform(
        models.UpdateGroupResponse,
        {
            "id": g.id,
            "projectId": g.project_id,
            "name": g.name,
            "runMode": g.run_mode,
            "prepTestId": g.prep_test_id,
            "testIds": list(g.test_ids),
            "webhook": {"id": g.webhook_id, "enabled": g.webhook_enabled},
            "createdAt": ctx.clock.to_datetime(g.created_at).isoformat(),
            "updatedAt": ctx.clock.to_datetime(g.updated_at).isoformat(),
        },
    )


def _app_json(ctx: AppContext, a: AppRecord) -> dict[str, Any]:
    expires = ctx.clock.to_datetime(a.created_at + a.remove_after) if a.remove_after is not None else None
    return conform(
        models.MobileApp,
        {
            "id": a.id,
            "platform": a.platform,
            "filename": a.filename,
            "bundleId": a.bundle_id,
            "appVersion": a.app_version,
            "buildVersion": a.build_version,
            "fileSize": a.file_size,
            "source": a.source,
            "expiresAt": expires,
            "removeAfter": a.remove_after,
            "createdAt": ctx.clock.to_datetime(a.created_at),
        },
    )


def _queued(ctx: AppContext, run: RunRecord) -> dict[str, Any]:
    return {
        "runId": run.id,
        "status": "queued",
        "createdAt": ctx.clock.to_datetime(run.created_at).isoformat(),
    }


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
    fields = validate(_TestFields, raw)
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
    return Reply(201, _test_json(ctx, test, models.CreateTestResponse), model=models.CreateTestResponse)


async def tests_update(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    test_id = path_uuid(request, "testId")
    raw = await parse_json_object(request)
    validate(models.UpdateTestRequest, raw)
    changes = _set_fields(validate(_TestFields, raw))
    for key in ("projectId", "groupId"):
        if key in changes:
            raise invalid(f"{key}: Cannot be changed with PATCH /v1/tests/{{testId}}")
    if changes.get("name") is None:
        changes.pop("name", None)
    for key in ("prompt", "enabled", "steps"):
        if key in changes and changes[key] is None:
            raise invalid(f"{key}: Expected {'string' if key == 'prompt' else 'a value'}, received null")
    test = ctx.store.update_test(test_id, changes)
    return Reply(200, _test_json(ctx, test, models.UpdateTestResponse), model=models.UpdateTestResponse)


async def tests_delete(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    test = ctx.store.delete_test(path_uuid(request, "testId"))
    body = conform(models.DeleteTestResponse, {"id": test.id, "deleted": True})
    return Reply(200, body, model=models.DeleteTestResponse)


def _test_run(
    ctx: AppContext,
    test: TestRecord,
    *,
    owner: str,
    type_: str,
    source: str,
    extra_input: dict[str, Any],
    webhook_url: str | None = None,
    group_id: str | None = None,
    batch_id: str | None = None,
    after: str | None = None,
    platform: str = "web",
    external_ref: dict[str, Any] | None = None,
) -> RunRecord:
    return ctx.store.create_run(
        owner=owner,
        prompt=test.prompt or test.name,
        input={"testId": test.id, **extra_input},
        type=type_,
        source=source,
        platform=platform,
        webhook_url=webhook_url,
        project_id=test.project_id,
        test_id=test.id,
        group_id=group_id,
        batch_id=batch_id,
        after=after,
        external_ref=external_ref,
        steps=test.steps,
        feature_name=test.name,
        prompt_field=f"tests[{test.id}].prompt",
    )


async def tests_trigger(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    assert owner is not None
    test_id = path_uuid(request, "testId")
    raw = await parse_json_object(request)
    validate(models.TriggerTestRunRequest, raw)
    fields = validate(_TriggerFields, raw)
    test = ctx.store.test(test_id)
    extra = {k: raw[k] for k in ("targetUrl", "webhookUrl") if raw.get(k) is not None}
    run = _test_run(
        ctx,
        test,
        owner=owner,
        type_="test",
        source="api",
        extra_input=extra,
        webhook_url=raw.get("webhookUrl") if fields.webhook_url is not None else None,
    )
    body = conform(models.TriggerTestRunResponse, {**_queued(ctx, run), "testId": test.id})
    return Reply(202, body, model=models.TriggerTestRunResponse)


# --- groups and group webhooks ------------------------------------------------------------------


async def groups_update(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    group_id = path_uuid(request, "groupId")
    raw = await parse_json_object(request)
    changes = _set_fields(validate(models.UpdateGroupRequest, raw))
    for key in ("name", "runMode"):
        if key in changes and changes[key] is None:
            raise invalid(f"{key}: Expected string, received null")
    try:
        group = ctx.store.update_group(group_id, changes)
    except Invalid as exc:
        raise invalid(exc.message) from None
    return Reply(200, _group_json(ctx, group), model=models.UpdateGroupResponse)


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
        return _test_run(
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
    fields = validate(_TriggerFields, raw)
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
    if group is None or _digest(secret) != _digest(group.webhook_secret):
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


# --- projects -----------------------------------------------------------------------------------


async def projects_update(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    project_ref = str(request.path_params["projectId"])
    raw = await parse_json_object(request)
    validate(models.UpdateProjectRequest, raw)
    fields = validate(_ProjectFields, raw)
    changes = _set_fields(fields)
    if changes.get("name") is None and "name" in changes:
        raise invalid("name: Expected string, received null")
    if "url" in changes:
        if fields.url is None:
            raise invalid("url: Expected string, received null")
        if fields.url.scheme not in ("http", "https"):
            raise invalid("url: Must be an http(s) URL")
        changes["url"] = raw["url"]
    project = ctx.store.update_project(project_ref, changes)
    return Reply(200, _project_json(ctx, project), model=models.UpdateProjectResponse)


async def projects_pr_run(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    assert owner is not None
    project = ctx.store.project(str(request.path_params["projectId"]))
    raw = await parse_json_object(request)
    body = validate(models.TriggerPullRequestRunRequest, raw)
    pr = body.pull_request
    run = ctx.store.create_run(
        owner=owner,
        prompt=pr.title,
        input=raw,
        type="pr",
        source="api",
        project_id=project.id,
        external_ref={
            "provider": "github",
            "pullRequest": {"number": pr.number, "title": pr.title, "commitSha": pr.commit_sha},
            "githubConfigured": False,
        },
        test_plan={
            "summary": f"Dynamic test plan for PR #{pr.number}: {pr.title}",
            "targetUrl": body.target_url,
            "steps": ["Open the target URL", "Exercise the changed feature", "Check for regressions"],
        },
        feature_name=f"PR #{pr.number}",
        prompt_field="pullRequest.title",
    )
    body_json = conform(models.TriggerPullRequestRunResponse, _queued(ctx, run))
    return Reply(202, body_json, model=models.TriggerPullRequestRunResponse)


async def projects_create_credential(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    project_ref = str(request.path_params["projectId"])
    ctx.store.project(project_ref)
    raw = await parse_json_object(request)
    validate(models.CreateCredentialRequest, raw)
    fields = validate(_CredentialFields, raw)
    kind = fields.type or "login"
    if kind not in ("login", "inbox"):
        raise invalid(f"type: Invalid enum value. Expected 'login' | 'inbox', received '{kind}'")
    cred = ctx.store.add_credential(
        project_ref, kind, fields.name or f"{kind} credential", fields.username or fields.email
    )
    data = {
        "id": cred.id,
        "projectId": cred.project_id,
        "type": cred.type,
        "name": cred.name,
        "username": cred.username,
        "hasPassword": fields.password is not None,  # write-only: the password is never returned
        "createdAt": ctx.clock.to_datetime(cred.created_at).isoformat(),
    }
    return Reply(201, conform(models.CreateCredentialResponse, data), model=models.CreateCredentialResponse)


async def projects_list_apps(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    apps = ctx.store.live_apps(str(request.path_params["projectId"]))
    body = conform(models.MobileAppList, {"apps": [_app_json(ctx, a) for a in apps]})
    return Reply(200, body, model=models.MobileAppList)


async def projects_upload_app(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    project_ref = str(request.path_params["projectId"])
    ctx.store.project(project_ref)
    raw = await request.body()
    fields = parse_multipart(request.headers.get("content-type", ""), raw)
    if "file" not in fields:
        raise invalid("file: Required")
    filename, content = fields["file"]
    form: dict[str, Any] = {"file": content}
    if "removeAfter" in fields:
        form["removeAfter"] = fields["removeAfter"][1].decode("utf-8", "replace").strip()
    parsed = validate(models.UploadMobileAppRequest, form, form=True)
    _check_sizes(None, parsed.remove_after)
    if not filename:
        raise invalid("file: The part needs a filename")
    if not content:
        raise invalid("file: Empty file")
    app = ctx.store.add_app(project_ref, filename, len(content), parsed.remove_after, source="upload")
    body = conform(models.UploadMobileAppResponse, {"app": _app_json(ctx, app)})
    return Reply(201, body, model=models.UploadMobileAppResponse)


async def projects_delete_app(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    app_id = path_uuid(request, "appId")
    ctx.store.delete_app(str(request.path_params["projectId"]), app_id)
    return Reply(
        200, conform(models.DeleteMobileAppResponse, {"deleted": True}), model=models.DeleteMobileAppResponse
    )


async def projects_initiate_upload(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    project_ref = str(request.path_params["projectId"])
    ctx.store.project(project_ref)
    raw = await parse_json_object(request)
    body = validate(models.InitiateMobileAppUploadRequest, raw)
    _check_sizes(body.file_size, body.remove_after)
    upload = ctx.store.start_upload(project_ref, body.filename, body.file_size, body.remove_after)
    data = {
        "uploadUrl": f"{ctx.public_base}/_sim/uploads/{quote(upload.storage_key)}",
        "storageKey": upload.storage_key,
        "filename": upload.filename,
        "fileSize": upload.file_size,
        "removeAfter": upload.remove_after,
    }
    body_json = conform(models.InitiateMobileAppUploadResponse, data)
    return Reply(200, body_json, model=models.InitiateMobileAppUploadResponse)


async def projects_confirm_upload(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    project_ref = str(request.path_params["projectId"])
    ctx.store.project(project_ref)
    raw = await parse_json_object(request)
    body = validate(models.ConfirmMobileAppUploadRequest, raw)
    _check_sizes(body.file_size, body.remove_after)
    app = ctx.store.confirm_upload(
        project_ref, body.storage_key, body.filename, body.file_size, body.remove_after
    )
    body_json = conform(models.ConfirmMobileAppUploadResponse, {"app": _app_json(ctx, app)})
    return Reply(201, body_json, model=models.ConfirmMobileAppUploadResponse)


# Top-level fields of a success answer that upstream sends beyond its schema (docs/simulator.md,
# "API behaviour"), which the behaviours reproduce; the response check lets exactly these through.
UNDECLARED_FIELDS: dict[str, frozenset[str]] = {
    "POST /v1/groups/webhook/{webhookId}/{secret}": frozenset(
        {"groupId", "batchId", "runIds", "cancelledRunIds", "count"}
    ),
    "POST /v1/projects/{projectId}/pull-request-runs": frozenset({"runId", "createdAt"}),
}

# The hand-written behaviours, keyed by "METHOD /path" as in the spec (docs/NAMES): only where
# state matters. Every other operation of the spec is served by _crud.serve_generic.
BEHAVIOURS: dict[str, Handler] = {
    "POST /v1/runs": runs_create,
    "GET /v1/runs": runs_list,
    "GET /v1/runs/{id}": runs_get,
    "POST /v1/runs/{id}/cancel": runs_cancel,
    "POST /v1/tests": tests_create,
    "PATCH /v1/tests/{testId}": tests_update,
    "DELETE /v1/tests/{testId}": tests_delete,
    "POST /v1/tests/{testId}/runs": tests_trigger,
    "PATCH /v1/groups/{groupId}": groups_update,
    "POST /v1/groups/{groupId}/runs": groups_trigger,
    "POST /v1/groups/webhook/{webhookId}/{secret}": webhooks_trigger,
    "PATCH /v1/projects/{projectId}": projects_update,
    "POST /v1/projects/{projectId}/pull-request-runs": projects_pr_run,
    "POST /v1/projects/{projectId}/credentials": projects_create_credential,
    "GET /v1/projects/{projectId}/mobile": projects_list_apps,
    "POST /v1/projects/{projectId}/mobile": projects_upload_app,
    "DELETE /v1/projects/{projectId}/mobile/{appId}": projects_delete_app,
    "POST /v1/projects/{projectId}/mobile/upload": projects_initiate_upload,
    "POST /v1/projects/{projectId}/mobile/upload/confirm": projects_confirm_upload,
}


# --- dispatch -----------------------------------------------------------------------------------


def _authenticate(ctx: AppContext, request: Request) -> str:
    header = request.headers.get("authorization")
    if header is None:
        raise ApiError(401, "Unauthorized", "Missing API key: send the header 'Authorization: Bearer <key>'")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Unauthorized", "Malformed Authorization header: expected 'Bearer <key>'")
    owner = ctx.keys.owner_of(token.strip())
    if owner is None:
        raise ApiError(401, "Unauthorized", "Invalid API key (unknown, revoked or malformed)")
    return owner


async def _generic(ctx: AppContext, op: Operation, request: Request) -> Reply:
    checked = await check_request(ctx.spec, op.spec, request, request.path_params)
    return serve_generic(ctx.spec, ctx.resources, ctx.fabricator, op.spec, checked, ctx.seed)


def _conformed(ctx: AppContext, op: Operation, reply: Reply) -> Reply:
    """The reply, or (test-suite mode) a 500 naming each way it differs from the spec."""
    extras = UNDECLARED_FIELDS.get(op.key, frozenset())
    problems = response_violations(ctx.spec, op.spec, reply.status, reply.body, extras)
    if not problems:
        return reply
    ctx.violations.extend(problems)
    logger.error("simulator answer does not match the spec: %s", "; ".join(problems))
    message = "Simulator answer does not match the spec: " + "; ".join(problems)
    return ApiError(500, "SimulatorSpecViolation", message).reply()


async def _handle(ctx: AppContext, op: Operation, request: Request) -> Reply:
    reply = await _handle_unchecked(ctx, op, request)
    return _conformed(ctx, op, reply) if ctx.validate_responses else reply


async def _handle_unchecked(ctx: AppContext, op: Operation, request: Request) -> Reply:
    try:
        owner = _authenticate(ctx, request) if op.spec.auth else None
        if ctx.limiter is not None:
            wait = ctx.limiter.acquire(owner or f"anon:{request.client.host if request.client else '?'}")
            if wait > 0:
                retry = RateLimiter.retry_after_header(wait)
                raise ApiError(
                    429,
                    "RateLimited",
                    f"Too many requests: limit is {ctx.limiter.limit.requests} per "
                    f"{ctx.limiter.limit.per:g} s; retry after {retry} s",
                    headers={"Retry-After": retry},
                )
        if op.handler is None:
            return await _generic(ctx, op, request)
        return await op.handler(ctx, request, owner)
    except ApiError as exc:
        return exc.reply()
    except NotFound as exc:
        return ApiError(404, "NotFound", exc.message).reply()
    except Invalid as exc:
        return ApiError(400, "ValidationError", exc.message).reply()
    except Conflict as exc:
        return ApiError(400, "ValidationError", exc.message).reply()


async def _delay(ctx: AppContext, seconds: float) -> None:
    """Injected latency, cut short when the simulator is stopping."""
    deadline = time.monotonic() + seconds
    while not ctx.closing.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        await asyncio.sleep(min(left, 0.05))


def _endpoint(ctx: AppContext, op: Operation) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        info = request.scope.setdefault("testerarmy_sim", {})
        info["operation"] = op.id
        hit = ctx.faults.match(request.method, request.url.path.removeprefix("/api"), op.id)
        if hit is None:
            return render_reply(await _handle(ctx, op, request))
        info["fault"] = hit.fault_id
        first = hit.spec.needs_handler_first
        if hit.spec.latency and not first:
            await _delay(ctx, hit.spec.latency)
        handled = await _handle(ctx, op, request) if first or not hit.spec.replaces_response else None
        if hit.spec.latency and first:
            await _delay(ctx, hit.spec.latency)
        if not hit.spec.replaces_response and not hit.spec.mutate and hit.spec.body is None:
            assert handled is not None
            return render_reply(handled)  # a latency-only fault
        if hit.spec.body == "drop":
            # Read the whole request before closing: a socket closed with unread bytes in its
            # receive buffer makes the kernel send RST (the client sees ECONNRESET, sometimes even
            # before it reads the partial response) instead of FIN after the partial response.
            await request.body()
        return fault_response(hit, handled)

    endpoint.__name__ = "".join(c if c.isalnum() else "_" for c in op.id)
    return endpoint


class _LogMiddleware:
    """Outermost layer: records every request (without secrets) once its response has started."""

    def __init__(self, app: ASGIApp, ctx: AppContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        info: dict[str, Any] = {}
        scope["testerarmy_sim"] = info
        started = time.perf_counter()
        status = 0
        recorded = False

        def record(complete: bool) -> None:
            # Called before the last body chunk goes out, so that a client which has its response
            # can already see the request in sim.requests.
            nonlocal recorded
            if recorded:
                return
            recorded = True
            entry = RequestRecord(
                method=scope["method"],
                path=scope["path"],
                query=scope.get("query_string", b"").decode("latin-1"),
                operation=info.get("operation"),
                status=status,
                json=info.get("json"),
                headers=visible_headers(scope.get("headers", [])),
                fault=info.get("fault"),
                dropped=bool(status) and not complete,
                duration=time.perf_counter() - started,
            )
            if not scope["path"].startswith("/_sim/"):
                self.ctx.requests.append(entry)
            if self.ctx.on_request is not None:
                self.ctx.on_request(entry)

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # Date follows the simulated clock, like every timestamp in the bodies, so that the
                # server time a client sees agrees with createdAt & co at any time scale.
                clock = self.ctx.clock
                date = email.utils.format_datetime(clock.to_datetime(clock.now()), usegmt=True)
                message = {**message, "headers": [*message.get("headers", []), (b"date", date.encode())]}
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                record(complete=True)
            await send(message)

        self.ctx.in_flight += 1
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.ctx.in_flight -= 1
            record(complete=False)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        reply = ApiError(
            405, "MethodNotAllowed", f"{request.method} is not allowed on {request.url.path}"
        ).reply()
    elif exc.status_code == 404:
        reply = ApiError(404, "NotFound", f"No route for {request.method} {request.url.path}").reply()
    else:
        reply = ApiError(exc.status_code, "Error", str(exc.detail)).reply()
    return render_reply(Reply(reply.status, reply.body, headers=dict(exc.headers or {})))


async def _server_error(request: Request, exc: Exception) -> Response:
    logger.error("simulator bug while handling %s %s", request.method, request.url.path, exc_info=exc)
    return render_reply(ApiError(500, "InternalError", "Internal error in the simulator (a bug)").reply())


def _by_method(
    endpoints: dict[str, Callable[[Request], Awaitable[Response]]],
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        # Starlette adds HEAD to GET routes: answer it as the GET (uvicorn drops the body).
        method = "GET" if request.method == "HEAD" else request.method
        return await endpoints[method](request)

    return endpoint


class _ApiRoute(Route):
    """A route that yields a path to the more concrete routes that also match it.

    OpenAPI matches concrete paths before templated ones, so ``DELETE .../mobile/upload`` is a
    method the upload path does not have (405, ``Allow: POST``), not a delete of an app "upload".
    """

    def __init__(
        self,
        path: str,
        endpoint: Callable[[Request], Awaitable[Response]],
        methods: list[str],
        concrete: list[Route],
    ) -> None:
        super().__init__(path, endpoint=endpoint, methods=methods)
        self.concrete = concrete

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is not Match.NONE and any(r.matches(scope)[0] is not Match.NONE for r in self.concrete):
            return Match.NONE, {}
        return match, child_scope


def build_app(ctx: AppContext, admin_routes: list[BaseRoute]) -> ASGIApp:
    # One route per path, dispatching on the method, so that a 405 lists every allowed method.
    by_path: dict[str, dict[str, Callable[[Request], Awaitable[Response]]]] = {}
    for op in operations_of(ctx.spec):
        by_path.setdefault(op.path, {})[op.method] = _endpoint(ctx, op)
    # Concrete paths before templated ones, as OpenAPI matches them: ".../mobile/upload" is never
    # ".../mobile/{appId}" with appId "upload" (a 405 there advertised "Allow: DELETE", and DELETE
    # answered 400 "appId: Invalid uuid" instead of 405).
    api_routes: list[BaseRoute] = []
    concrete_routes: list[Route] = []
    for path, endpoints in sorted(by_path.items(), key=lambda item: item[0].count("{")):
        concrete = [r for r in concrete_routes if r.path.count("{") < path.count("{")]
        route = _ApiRoute(path, _by_method(endpoints), list(endpoints), concrete)
        concrete_routes.append(route)
        api_routes.append(route)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(ctx.dispatcher.run())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = Starlette(
        routes=[Mount("/api", routes=api_routes), Mount("/_sim", routes=admin_routes)],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=lifespan,
    )
    return _LogMiddleware(app, ctx)
