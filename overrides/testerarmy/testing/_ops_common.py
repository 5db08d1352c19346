"""Shared by the hand-written behaviours: request bodies, checked parameters, runs of saved tests."""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, RootModel
from starlette.requests import Request

from ._context import AppContext
from ._http import invalid, parse_json_object, validate
from ._requests import body_problems, parameters_of
from ._state import RunRecord, TestRecord

__all__ = ["body_of", "param", "run_of_test", "set_fields"]

M = typing.TypeVar("M", bound=BaseModel)


async def body_of(request: Request, model: type[M]) -> tuple[M, dict[str, Any]]:
    """The JSON body validated by a generated model (a 400 in upstream's style), and the raw object.

    Then the spec's own schema judges it too, for what the models do not carry (they accept
    additional properties everywhere; ``additionalProperties: false`` is the spec's word).
    """
    raw = await parse_json_object(request)
    body = validate(model, raw)
    info = request.scope.get("testerarmy_sim", {})
    spec, op = info.get("spec"), info.get("spec_op")
    if spec is not None and op is not None and op.body_schema is not None:
        schema = op.body_schema
        variant = type(getattr(body, "root", None)).__name__
        if isinstance(body, RootModel) and variant in spec.document.get("components", {}).get("schemas", {}):
            # A union body: judged by the variant it was read as (a oneOf only says "none matched").
            schema = {"$ref": f"#/components/schemas/{variant}"}
        problems = body_problems(spec, schema, raw)
        if problems:
            raise invalid("; ".join(problems))
    return body, raw


def param(request: Request, name: str) -> Any:
    """A path or query parameter as the spec check read it (typed; None when absent)."""
    checked = parameters_of(request)
    if name in checked.path:
        return checked.path[name]
    return checked.query.get(name)


def set_fields(model: BaseModel, raw: dict[str, Any] | None = None) -> dict[str, Any]:
    """The fields the caller sent, by their API names (alias), as JSON values.

    With ``raw`` (the request object), string values are the caller's own: pydantic normalises
    URLs (``https://x.example`` -> ``https://x.example/``), and the simulator echoes what was sent.
    """
    dumped = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    declared = {f.alias or n for n, f in type(model).model_fields.items()}
    out = {k: v for k, v in dumped.items() if k in declared}
    for key, value in (raw or {}).items():
        if key in out and isinstance(value, str):
            out[key] = value
    return out


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
