"""The served operations: the spec's, each with its hand-written behaviour where state matters.

Behaviours are keyed by "METHOD /path" exactly as in the spec (NAMES); every operation without one
is served by ``_crud.serve_generic`` from its schemas. A behaviour whose operation the spec does not
have refuses to start, naming it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ._context import Handler
from ._ops_groups import groups_trigger, groups_update, webhooks_trigger
from ._ops_projects import (
    projects_confirm_upload,
    projects_create_credential,
    projects_delete_app,
    projects_initiate_upload,
    projects_list_apps,
    projects_pr_run,
    projects_update,
    projects_upload_app,
)
from ._ops_runs import (
    runs_cancel,
    runs_create,
    runs_get,
    runs_list,
    tests_create,
    tests_delete,
    tests_trigger,
    tests_update,
)
from ._spec import ApiSpec, SpecOperation

__all__ = ["BEHAVIOURS", "UNDECLARED_FIELDS", "Operation", "operations_of"]


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
