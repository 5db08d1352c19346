"""Behaviours of the mobile app operations: list, single-step upload, delete, two-step upload."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from testerarmy_pydantic import models

from ._context import AppContext
from ._http import Reply, invalid, parse_json_object, parse_multipart, validate
from ._json import app_json
from ._ops_common import param
from ._render import conform

__all__ = [
    "mobile_confirm_upload",
    "mobile_delete_app",
    "mobile_initiate_upload",
    "mobile_list_apps",
    "mobile_upload_app",
]

_REMOVE_AFTER = (60, 604800)  # documented: "from 60 to 604800" seconds
_MAX_FILE_SIZE = 4 * 1024**3


def check_sizes(file_size: int | None, remove_after: int | None) -> None:
    if file_size is not None and not 1 <= file_size <= _MAX_FILE_SIZE:
        raise invalid(f"fileSize: Number must be between 1 and {_MAX_FILE_SIZE}")
    if remove_after is not None and not _REMOVE_AFTER[0] <= remove_after <= _REMOVE_AFTER[1]:
        raise invalid(f"removeAfter: Number must be between {_REMOVE_AFTER[0]} and {_REMOVE_AFTER[1]}")


async def mobile_list_apps(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    apps = ctx.store.live_apps(str(param(request, "projectId")))
    body = conform(models.MobileAppList, {"apps": [app_json(ctx, a) for a in apps]})
    return Reply(200, body, model=models.MobileAppList)


def _seconds(value: str | None) -> int | None:
    """``removeAfter`` arrives as a form field: a decimal string of seconds."""
    if value is None:
        return None
    if not value.isdigit():
        raise invalid("removeAfter: Expected integer (seconds), received string")
    return int(value)


async def mobile_upload_app(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    project_ref = str(param(request, "projectId"))
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
    app = ctx.store.add_app(project_ref, filename, len(content), remove_after, source="api_upload")
    body = conform(models.UploadMobileAppResponse, {"app": app_json(ctx, app)})
    return Reply(201, body, model=models.UploadMobileAppResponse)


async def mobile_delete_app(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    app_id = str(param(request, "appId"))
    ctx.store.delete_app(str(param(request, "projectId")), app_id)
    return Reply(
        200, conform(models.DeleteMobileAppResponse, {"deleted": True}), model=models.DeleteMobileAppResponse
    )


async def mobile_initiate_upload(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    project_ref = str(param(request, "projectId"))
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


async def mobile_confirm_upload(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    project_ref = str(param(request, "projectId"))
    ctx.store.project(project_ref)
    raw = await parse_json_object(request)
    body = validate(models.ConfirmMobileAppUploadRequest, raw)
    check_sizes(body.file_size, body.remove_after)
    app = ctx.store.confirm_upload(
        project_ref, body.storage_key, body.filename, body.file_size, body.remove_after
    )
    body_json = conform(models.ConfirmMobileAppUploadResponse, {"app": app_json(ctx, app)})
    return Reply(201, body_json, model=models.ConfirmMobileAppUploadResponse)
