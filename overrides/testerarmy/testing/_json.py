"""The JSON of stored entities, each built with (and checked by) its generated model."""

from __future__ import annotations

from typing import Any

from testerarmy_pydantic import models

from ._context import AppContext
from ._render import conform
from ._state import (
    AppRecord,
    CredentialRecord,
    EnvironmentRecord,
    FileRecord,
    GroupRecord,
    MemoryRecord,
    ProjectRecord,
    TestRecord,
)

__all__ = [
    "app_json",
    "credential_json",
    "environment_json",
    "file_json",
    "group_json",
    "group_summary_json",
    "memory_json",
    "project_json",
    "project_summary_json",
    "test_detail_json",
    "test_json",
]


def _at(ctx: AppContext, seconds: float) -> str:
    return ctx.clock.to_datetime(seconds).isoformat().replace("+00:00", "Z")


def environment_json(ctx: AppContext, e: EnvironmentRecord) -> dict[str, Any]:
    project = ctx.store.projects.get(e.project_id)
    # Built-in Production runs against the project URL; PR Preview has a URL per pull request.
    url = e.url if e.kind == "static" else (project.url if project and e.kind == "production" else None)
    data = {"id": e.id, "name": e.name, "slug": e.slug, "kind": e.kind, "url": url}
    return conform(models.ProjectEnvironment, data)


def project_json(ctx: AppContext, p: ProjectRecord) -> dict[str, Any]:
    data = {
        "id": p.id,
        "shortId": p.short_id,
        "name": p.name,
        "url": p.url,
        "projectType": p.project_type,
        "description": p.description,
        "environments": [environment_json(ctx, e) for e in ctx.store.environments_of(p.id)],
        "createdAt": _at(ctx, p.created_at),
        "updatedAt": _at(ctx, p.updated_at),
    }
    return conform(models.Project, data)


def project_summary_json(ctx: AppContext, p: ProjectRecord) -> dict[str, Any]:
    data = {
        "id": p.id,
        "shortId": p.short_id,
        "name": p.name,
        "url": p.url,
        "projectType": p.project_type,
        "environments": [environment_json(ctx, e) for e in ctx.store.environments_of(p.id)],
    }
    body = conform(models.ProjectSummary, data)
    body["url"] = p.url  # pydantic would normalise the URL (a trailing "/"): echo what was stored
    return body


def credential_json(ctx: AppContext, c: CredentialRecord) -> dict[str, Any]:
    data = {
        "id": c.id,
        "kind": c.kind,
        "authMethod": c.auth_method,
        "label": c.label,
        "username": c.username,
        "hasAuthInstructions": c.has_auth_instructions,
        "createdAt": _at(ctx, c.created_at),
    }
    return conform(models.CredentialSummary, data)


def memory_json(ctx: AppContext, m: MemoryRecord) -> dict[str, Any]:
    data = {
        "id": m.id,
        "category": m.category,
        "title": m.title,
        "content": m.content,
        "importance": m.importance,
        "createdAt": _at(ctx, m.created_at),
        "updatedAt": _at(ctx, m.updated_at),
    }
    return conform(models.ProjectMemory, data)


def file_json(ctx: AppContext, f: FileRecord) -> dict[str, Any]:
    data = {
        "id": f.id,
        "projectId": f.project_id,
        "filename": f.filename,
        "mediaType": f.media_type,
        "fileSize": f.file_size,
        "description": f.description,
        "summary": f.summary,
        "createdAt": _at(ctx, f.created_at),
    }
    return conform(models.ProjectFileSummary, data)


def test_json(ctx: AppContext, t: TestRecord) -> dict[str, Any]:
    project = ctx.store.projects.get(t.project_id)
    data = {
        "id": t.id,
        "title": t.title,
        "description": t.description,
        "enabled": t.enabled,
        "platform": t.platform,
        "steps": [dict(s) for s in t.steps],
        "projectId": t.project_id,
        "projectUrl": project.url if project else None,
        "projectName": project.name if project else "",
        "createdAt": _at(ctx, t.created_at),
        "updatedAt": _at(ctx, t.updated_at),
    }
    body = conform(models.TestDefinition, data)
    body["projectUrl"] = data["projectUrl"]
    return body


def test_detail_json(ctx: AppContext, t: TestRecord) -> dict[str, Any]:
    groups = [{"id": g.id, "name": g.name, "isDefault": g.is_default} for g in ctx.store.groups_of(t.id)]
    return {**test_json(ctx, t), "groups": groups}


def group_json(ctx: AppContext, g: GroupRecord) -> dict[str, Any]:
    data = {
        "id": g.id,
        "name": g.name,
        "isDefault": g.is_default,
        "runMode": g.run_mode,
        "prepTestId": g.prep_test_id,
        "projectId": g.project_id,
        "createdAt": _at(ctx, g.created_at),
        "updatedAt": _at(ctx, g.updated_at),
    }
    return conform(models.Group, data)


def group_summary_json(ctx: AppContext, g: GroupRecord) -> dict[str, Any]:
    data = {
        "id": g.id,
        "name": g.name,
        "isDefault": g.is_default,
        "testCount": len(g.test_ids),
        "prepTestId": g.prep_test_id,
    }
    return conform(models.GroupSummary, data)


def app_json(ctx: AppContext, a: AppRecord) -> dict[str, Any]:
    expires = _at(ctx, a.created_at + a.remove_after) if a.remove_after is not None else None
    data = {
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
        "createdAt": _at(ctx, a.created_at),
    }
    return conform(models.MobileApp, data)
