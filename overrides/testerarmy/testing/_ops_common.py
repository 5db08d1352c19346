"""Shared by the hand-written behaviours: request bodies, checked parameters, runs of saved tests."""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request

from ._context import AppContext
from ._http import parse_json_object, validate
from ._requests import parameters_of
from ._state import RunRecord, TestRecord

__all__ = ["body_of", "param", "run_of_test", "set_fields"]

M = typing.TypeVar("M", bound=BaseModel)


async def body_of(request: Request, model: type[M]) -> tuple[M, dict[str, Any]]:
    """The JSON body validated by a generated model (a 400 in upstream's style), and the raw object."""
    raw = await parse_json_object(request)
    return validate(model, raw), raw


def param(request: Request, name: str) -> Any:
    """A path or query parameter as the spec check read it (typed; None when absent)."""
    checked = parameters_of(request)
    if name in checked.path:
        return checked.path[name]
    return checked.query.get(name)


def set_fields(model: BaseModel) -> dict[str, Any]:
    """The fields the caller sent, by their API names (alias), as JSON values."""
    dumped = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    declared = {f.alias or n for n, f in type(model).model_fields.items()}
    return {k: v for k, v in dumped.items() if k in declared}


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
    platform: str | None = None,
    device_model: str | None = None,
    execution_mode: str | None = None,
    external_ref: dict[str, Any] | None = None,
) -> RunRecord:
    project = ctx.store.projects.get(test.project_id)
    target = extra_input.get("targetUrl") or (project.url if project else None)
    run_input = {"testId": test.id, **({"targetUrl": target} if target else {}), **extra_input}
    return ctx.store.create_run(
        owner=owner,
        prompt=test.prompt,
        input=run_input,
        type=type_,
        source=source,
        platform=platform or ("ios" if test.platform == "mobile" else "web"),
        webhook_url=webhook_url,
        project_id=test.project_id,
        test_id=test.id,
        group_id=group_id,
        batch_id=batch_id,
        after=after,
        external_ref=external_ref,
        steps=test.steps,
        feature_name=test.title,
        prompt_field=f"tests[{test.id}].steps",
        device_model=None if device_model == "iphone" else device_model,
        execution_mode=execution_mode,
    )
