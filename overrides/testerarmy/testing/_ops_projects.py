"""Behaviours of the project operations and what hangs off a project: environments, credentials,
memories and files."""

from __future__ import annotations

from starlette.requests import Request
from testerarmy_pydantic import models

from ._context import AppContext
from ._http import Reply, invalid
from ._json import (
    credential_json,
    environment_json,
    file_json,
    memory_json,
    project_json,
    project_summary_json,
)
from ._ops_common import body_of, param, set_fields
from ._render import conform

__all__ = [
    "credentials_create",
    "credentials_list",
    "environments_create",
    "environments_delete",
    "environments_list",
    "files_list",
    "memories_create",
    "memories_delete",
    "memories_list",
    "projects_create",
    "projects_delete",
    "projects_get",
    "projects_list",
    "projects_update",
]


def _check_url(url: object) -> None:
    if isinstance(url, str) and not url.lower().startswith(("http://", "https://")):
        raise invalid("url: Must be an http(s) URL")


async def projects_list(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    projects = list(ctx.store.projects.values())
    body = {"projects": [project_summary_json(ctx, p) for p in projects]}
    return Reply(200, body, model=models.ProjectList)


async def projects_create(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    assert owner is not None
    body, raw = await body_of(request, models.CreateProjectRequest)
    fields = set_fields(body, raw)
    _check_url(fields.get("url"))
    project = ctx.store.create_project(fields, owner=owner)  # Limit -> 403 ProjectLimitError
    return Reply(201, {"project": project_json(ctx, project)}, model=models.CreateProjectResponse)


async def projects_get(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    project = ctx.store.project(param(request, "projectId"))
    return Reply(200, project_json(ctx, project), model=models.Project)


async def projects_update(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    project_ref = param(request, "projectId")
    body, raw = await body_of(request, models.UpdateProjectRequest)
    changes = set_fields(body, raw)
    _check_url(changes.get("url"))
    project = ctx.store.update_project(project_ref, changes)
    return Reply(200, {"project": project_json(ctx, project)}, model=models.UpdateProjectResponse)


async def projects_delete(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    project = ctx.store.delete_project(param(request, "projectId"))
    ctx.dispatcher.wake()
    return Reply(200, conform(models.DeleteProjectResponse, {"deleted": True, "id": project.id}))


# --- environments -------------------------------------------------------------------------------


async def environments_list(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    envs = ctx.store.environments_of(param(request, "projectId"))
    return Reply(
        200, {"environments": [environment_json(ctx, e) for e in envs]}, model=models.EnvironmentList
    )


async def environments_create(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    project_ref = param(request, "projectId")
    ctx.store.project(project_ref)  # 404 before the body is judged
    body, _raw = await body_of(request, models.CreateEnvironmentRequest)
    env = ctx.store.add_environment(project_ref, body.name, body.url)  # name conflict -> 409
    return Reply(201, {"environment": environment_json(ctx, env)}, model=models.CreateEnvironmentResponse)


async def environments_delete(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    env = ctx.store.delete_environment(param(request, "projectId"), str(param(request, "environmentId")))
    return Reply(200, conform(models.DeleteEnvironmentResponse, {"deleted": True, "id": env.id}))


# --- credentials (write-only secrets) -----------------------------------------------------------


async def credentials_list(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    creds = ctx.store.credentials_of(param(request, "projectId"))
    return Reply(200, {"credentials": [credential_json(ctx, c) for c in creds]}, model=models.CredentialList)


async def credentials_create(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    project_ref = param(request, "projectId")
    ctx.store.project(project_ref)
    body, raw = await body_of(request, models.CreateCredentialRequest)  # login | custom login | inbox
    cred = ctx.store.add_credential(project_ref, set_fields(body.root, raw))
    return Reply(201, {"credential": credential_json(ctx, cred)}, model=models.CreateCredentialResponse)


# --- memories -----------------------------------------------------------------------------------


async def memories_list(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    memories = ctx.store.memories_of(param(request, "projectId"))
    data = {
        "memories": [memory_json(ctx, m) for m in memories],
        "count": len(memories),
        "maxMemories": ctx.store.limits.memories_per_project,
    }
    return Reply(200, data, model=models.MemoryList)


async def memories_create(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    project_ref = param(request, "projectId")
    ctx.store.project(project_ref)
    body, raw = await body_of(request, models.CreateMemoryRequest)
    memory, pruned = ctx.store.add_memory(project_ref, set_fields(body, raw))  # full, nothing lower -> 409
    return Reply(
        201, {"memory": memory_json(ctx, memory), "pruned": pruned}, model=models.CreateMemoryResponse
    )


async def memories_delete(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    memory = ctx.store.delete_memory(param(request, "projectId"), str(param(request, "memoryId")))
    return Reply(200, conform(models.DeleteMemoryResponse, {"deleted": True, "id": memory.id}))


# --- files --------------------------------------------------------------------------------------


async def files_list(ctx: AppContext, request: Request, owner: str | None) -> Reply:
    files = ctx.store.files_of(param(request, "projectId"))
    return Reply(200, {"files": [file_json(ctx, f) for f in files]}, model=models.FileList)
