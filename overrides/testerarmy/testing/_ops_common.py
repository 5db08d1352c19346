"""Shared by the hand-written behaviours: readings of upstream's empty-object request bodies,
the JSON of stored entities, and the run a test trigger creates."""

from __future__ import annotations

from typing import Any

from pydantic import AnyUrl, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from testerarmy_pydantic import models

from ._context import AppContext
from ._http import (
    invalid,
)
from ._render import conform
from ._state import (
    AppRecord,
    GroupRecord,
    ProjectRecord,
    RunRecord,
    TestRecord,
)

__all__ = [
    "CredentialFields",
    "ProjectFields",
    "TestFields",
    "TriggerFields",
    "app_json",
    "check_sizes",
    "group_json",
    "json_of_test",
    "project_json",
    "queued",
    "run_of_test",
    "set_fields",
]


# --- simulator-side readings of upstream's empty-object request bodies --------------------------


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=False)


class TestFields(_Loose):
    name: StrictStr | None = None
    prompt: StrictStr | None = None
    project_id: StrictStr | None = Field(None, alias="projectId")
    group_id: StrictStr | None = Field(None, alias="groupId")
    enabled: StrictBool | None = None
    steps: list[StrictStr] | None = None


class TriggerFields(_Loose):
    target_url: StrictStr | None = Field(None, alias="targetUrl")
    webhook_url: AnyUrl | None = Field(None, alias="webhookUrl")


class ProjectFields(_Loose):
    name: StrictStr | None = None
    url: AnyUrl | None = None
    description: StrictStr | None = None


class CredentialFields(_Loose):
    type: StrictStr | None = None
    name: StrictStr | None = None
    username: StrictStr | None = None
    email: StrictStr | None = None
    password: StrictStr | None = None


class _RemoveAfter(BaseModel):
    remove_after: StrictInt | None = Field(None, alias="removeAfter", ge=1)


def check_sizes(file_size: int | None, remove_after: int | None) -> None:
    if file_size is not None and not 1 <= file_size <= 4 * 1024**3:
        raise invalid("fileSize: Number must be between 1 and 4294967296")
    if remove_after is not None and remove_after < 1:
        raise invalid("removeAfter: Number must be greater than or equal to 1")


def set_fields(model: BaseModel) -> dict[str, Any]:
    """The fields the caller sent, by their API names (alias), extras excluded."""
    dumped = model.model_dump(by_alias=True, exclude_unset=True)
    declared = {f.alias or n for n, f in type(model).model_fields.items()}
    return {k: v for k, v in dumped.items() if k in declared}


# --- payload builders ---------------------------------------------------------------------------


def project_json(ctx: AppContext, p: ProjectRecord) -> dict[str, Any]:
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


def json_of_test(ctx: AppContext, t: TestRecord, model: type[BaseModel]) -> dict[str, Any]:
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


def group_json(ctx: AppContext, g: GroupRecord) -> dict[str, Any]:
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


def app_json(ctx: AppContext, a: AppRecord) -> dict[str, Any]:
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


def queued(ctx: AppContext, run: RunRecord) -> dict[str, Any]:
    return {
        "runId": run.id,
        "status": "queued",
        "createdAt": ctx.clock.to_datetime(run.created_at).isoformat(),
    }


def run_of_test(
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
