"""Behaviours of the project operations: update, pull-request runs, credentials, mobile apps."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from testerarmy_pydantic import models

from ._context import AppContext
from ._http import (
    Reply,
    invalid,
    parse_json_object,
    parse_multipart,
    path_uuid,
    validate,
)
from ._ops_common import (
    CredentialFields,
    ProjectFields,
    app_json,
    check_sizes,
    project_json,
    queued,
    set_fields,
)
from ._render import conform

__all__ = [
    "projects_confirm_upload",
    "projects_create_credential",
    "projects_delete_app",
    "projects_initiate_upload",
    "projects_list_apps",
    "projects_pr_run",
    "projects_update",
    "projects_upload_app",
]


# --- projects -----------------------------------------------------------------------------------


async def projects_update(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    project_ref = str(request.path_params["projectId"])
    raw = await parse_json_object(request)
    validate(models.UpdateProjectRequest, raw)
    fields = validate(ProjectFields, raw)
    changes = set_fields(fields)
    if changes.get("name") is None and "name" in changes:
        raise invalid("name: Expected string, received null")
    if "url" in changes:
        if fields.url is None:
            raise invalid("url: Expected string, received null")
        if fields.url.scheme not in ("http", "https"):
            raise invalid("url: Must be an http(s) URL")
        changes["url"] = raw["url"]
    project = ctx.store.update_project(project_ref, changes)
    return Reply(200, project_json(ctx, project), model=models.UpdateProjectResponse)


async def projects_pr_run(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    assert owner is not None
    project = ctx.store.project(str(request.path_params["projectId"]))
    raw = await parse_json_object(request)
    body = validate(models.TriggerPullRequestRunRequest, raw).root  # web | mobile variant
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
            "targetUrl": str(getattr(body, "target_url", "") or "") or None,
            "steps": ["Open the target URL", "Exercise the changed feature", "Check for regressions"],
        },
        feature_name=f"PR #{pr.number}",
        prompt_field="pullRequest.title",
    )
    body_json = conform(models.TriggerPullRequestRunResponse, queued(ctx, run))
    return Reply(202, body_json, model=models.TriggerPullRequestRunResponse)


async def projects_create_credential(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    project_ref = str(request.path_params["projectId"])
    ctx.store.project(project_ref)
    raw = await parse_json_object(request)
    validate(models.CreateCredentialRequest, raw)
    fields = validate(CredentialFields, raw)
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
    body = conform(models.MobileAppList, {"apps": [app_json(ctx, a) for a in apps]})
    return Reply(200, body, model=models.MobileAppList)


def _seconds(value: str | None) -> int | None:
    """``removeAfter`` arrives as a form field: a decimal string of seconds."""
    if value is None:
        return None
    if not value.isdigit():
        raise invalid("removeAfter: Expected a whole number of seconds")
    return int(value)


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
    remove_after = _seconds(parsed.remove_after)
    check_sizes(None, remove_after)
    if not filename:
        raise invalid("file: The part needs a filename")
    if not content:
        raise invalid("file: Empty file")
    app = ctx.store.add_app(project_ref, filename, len(content), remove_after, source="upload")
    body = conform(models.UploadMobileAppResponse, {"app": app_json(ctx, app)})
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
    check_sizes(body.file_size, body.remove_after)
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
    check_sizes(body.file_size, body.remove_after)
    app = ctx.store.confirm_upload(
        project_ref, body.storage_key, body.filename, body.file_size, body.remove_after
    )
    body_json = conform(models.ConfirmMobileAppUploadResponse, {"app": app_json(ctx, app)})
    return Reply(201, body_json, model=models.ConfirmMobileAppUploadResponse)
