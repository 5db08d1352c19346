"""The served operations: the spec's, each with its hand-written behaviour where state matters.

Behaviours are keyed by "METHOD /path" exactly as in the spec (NAMES); every operation without one
is served by ``_crud.serve_generic`` from its schemas. A behaviour whose operation the spec does not
have refuses to start, naming it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ._context import Handler
from ._ops_groups import (
    groups_add_test,
    groups_create,
    groups_delete,
    groups_get,
    groups_list,
    groups_remove_test,
    groups_trigger,
    groups_update,
)
from ._ops_mobile import (
    mobile_confirm_upload,
    mobile_delete_app,
    mobile_initiate_upload,
    mobile_list_apps,
    mobile_upload_app,
)
from ._ops_projects import (
    credentials_create,
    credentials_list,
    environments_create,
    environments_delete,
    environments_list,
    files_list,
    memories_create,
    memories_delete,
    memories_list,
    projects_create,
    projects_delete,
    projects_get,
    projects_list,
    projects_update,
)
from ._ops_runs import (
    batches_cancel,
    batches_rerun,
    projects_pr_run,
    runs_cancel,
    runs_create,
    runs_get,
    runs_list,
)
from ._ops_tests import tests_create, tests_delete, tests_get, tests_list, tests_trigger, tests_update
from ._ops_webhooks import webhooks_trigger, webhooks_trigger_project
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


# Top-level fields of a success answer that upstream sends beyond its schema, which the behaviours
# reproduce; the response check lets exactly these through. None for the published spec.
UNDECLARED_FIELDS: dict[str, frozenset[str]] = {}

# The hand-written behaviours, keyed by "METHOD /path" as in the spec. An operation the spec adds
# later is served by _crud.serve_generic until it gets one here.
_P = "/v1/projects/{projectId}"
BEHAVIOURS: dict[str, Handler] = {
    "GET /v1/projects": projects_list,
    "POST /v1/projects": projects_create,
    f"GET {_P}": projects_get,
    f"PATCH {_P}": projects_update,
    f"DELETE {_P}": projects_delete,
    f"POST {_P}/pull-request-runs": projects_pr_run,
    f"GET {_P}/environments": environments_list,
    f"POST {_P}/environments": environments_create,
    f"DELETE {_P}/environments/{{environmentId}}": environments_delete,
    f"GET {_P}/credentials": credentials_list,
    f"POST {_P}/credentials": credentials_create,
    f"GET {_P}/memories": memories_list,
    f"POST {_P}/memories": memories_create,
    f"DELETE {_P}/memories/{{memoryId}}": memories_delete,
    f"GET {_P}/files": files_list,
    f"GET {_P}/mobile": mobile_list_apps,
    f"POST {_P}/mobile": mobile_upload_app,
    f"DELETE {_P}/mobile/{{appId}}": mobile_delete_app,
    f"POST {_P}/mobile/upload": mobile_initiate_upload,
    f"POST {_P}/mobile/upload/confirm": mobile_confirm_upload,
    "GET /v1/tests": tests_list,
    "POST /v1/tests": tests_create,
    "GET /v1/tests/{testId}": tests_get,
    "PATCH /v1/tests/{testId}": tests_update,
    "DELETE /v1/tests/{testId}": tests_delete,
    "POST /v1/tests/{testId}/runs": tests_trigger,
    "GET /v1/groups": groups_list,
    "POST /v1/groups": groups_create,
    "GET /v1/groups/{groupId}": groups_get,
    "PATCH /v1/groups/{groupId}": groups_update,
    "DELETE /v1/groups/{groupId}": groups_delete,
    "POST /v1/groups/{groupId}/tests": groups_add_test,
    "DELETE /v1/groups/{groupId}/tests/{testId}": groups_remove_test,
    "POST /v1/groups/{groupId}/runs": groups_trigger,
    "POST /v1/webhook/{webhookId}/{secret}": webhooks_trigger_project,
    "POST /v1/groups/webhook/{webhookId}/{secret}": webhooks_trigger,
    "GET /v1/runs": runs_list,
    "POST /v1/runs": runs_create,
    "GET /v1/runs/{id}": runs_get,
    "POST /v1/runs/{id}/cancel": runs_cancel,
    "POST /v1/batches/{batchId}/cancel": batches_cancel,
    "POST /v1/batches/{batchId}/rerun": batches_rerun,
}
