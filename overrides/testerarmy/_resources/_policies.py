"""One builder per API operation: validate the arguments, build the request, say how to parse it.

Request building reuses the generated endpoint modules' ``_get_kwargs`` (URL templates, path
quoting, body serialisation stay generated, so a spec change reaches the SDK through ``make
generate``); parsing reuses the generated ``Model.from_dict``. The generated ``_parse_response`` is
*not* used: it decodes JSON before looking at the status and crashes on non-JSON error bodies, so
:mod:`testerarmy._response` checks the status first. ``sync_detailed``/``asyncio_detailed`` would
parse the same way, hence ``_get_kwargs`` (a private-but-generated function: this package and the
generated one are released together and pinned by ``make check-generated``).

Each builder is plain data in, :class:`Operation` out — the sync and async resources share them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, BinaryIO

from testerarmy_api.api.groups import trigger as groups_trigger
from testerarmy_api.api.groups import update as groups_update
from testerarmy_api.api.projects import confirm_mobile_app_upload as projects_confirm_upload
from testerarmy_api.api.projects import create_credential as projects_create_credential
from testerarmy_api.api.projects import delete_mobile_app as projects_delete_mobile_app
from testerarmy_api.api.projects import initiate_mobile_app_upload as projects_initiate_upload
from testerarmy_api.api.projects import list_mobile_apps as projects_list_mobile_apps
from testerarmy_api.api.projects import trigger_pull_request_run as projects_trigger_pr_run
from testerarmy_api.api.projects import update as projects_update
from testerarmy_api.api.projects import upload_mobile_app as projects_upload_mobile_app
from testerarmy_api.api.runs import cancel as runs_cancel
from testerarmy_api.api.runs import create as runs_create
from testerarmy_api.api.runs import get as runs_get
from testerarmy_api.api.runs import list as runs_list
from testerarmy_api.api.tests import create as tests_create
from testerarmy_api.api.tests import delete as tests_delete
from testerarmy_api.api.tests import trigger as tests_trigger
from testerarmy_api.api.tests import update as tests_update
from testerarmy_api.api.webhooks import trigger as webhooks_trigger
from testerarmy_api.models import (
    CancelRunResponse,
    ConfirmMobileAppUploadRequest,
    ConfirmMobileAppUploadResponse,
    CreateCredentialRequest,
    CreateCredentialResponse,
    CreateRunRequest,
    CreateRunResponse,
    CreateTestRequest,
    CreateTestResponse,
    DeleteMobileAppResponse,
    DeleteTestResponse,
    InitiateMobileAppUploadRequest,
    InitiateMobileAppUploadResponse,
    MobileAppList,
    Run,
    RunList,
    TriggerGroupRunRequest,
    TriggerGroupRunResponse,
    TriggerGroupWebhookRequest,
    TriggerGroupWebhookRequestEnvironment,
    TriggerGroupWebhookRequestMobile,
    TriggerGroupWebhookResponse,
    TriggerPullRequestRunRequest,
    TriggerPullRequestRunRequestPullRequest,
    TriggerPullRequestRunResponse,
    TriggerTestRunRequest,
    TriggerTestRunResponse,
    UpdateGroupRequest,
    UpdateGroupResponse,
    UpdateProjectRequest,
    UpdateProjectResponse,
    UpdateTestRequest,
    UpdateTestResponse,
    UploadMobileAppRequest,
    UploadMobileAppResponse,
)
from testerarmy_api.types import UNSET, File, Unset

from .._errors import APIStatusError
from .._logging import logger
from .._retry import RETRIES_EXTENSION
from .._validation import (
    require_http_url,
    require_int,
    require_json_object,
    require_slug,
    require_text,
    require_uuid,
)
from ._operation import Operation

__all__ = ["Operation"]  # (re-exported) the builders are used as ops.<name> by the resources
RUN_STATUS_VALUES = ("queued", "running", "completed", "failed", "cancelled")
MAX_PAGE_SIZE = 100


def _body(value: object, name: str) -> dict[str, Any]:
    return {} if value is None else require_json_object(value, name)


# --- runs -----------------------------------------------------------------------------------


def create_run(prompt: object, webhook_url: object = None) -> Operation[CreateRunResponse]:
    body = CreateRunRequest(
        prompt=require_text(prompt, "prompt"),
        webhook_url=UNSET if webhook_url is None else require_http_url(webhook_url, "webhook_url"),
    )
    return Operation("runs.create", runs_create._get_kwargs(body=body), CreateRunResponse.from_dict)


def get_run(run_id: object) -> Operation[Run]:
    return Operation("runs.get", runs_get._get_kwargs(require_uuid(run_id, "run_id")), Run.from_dict)


def check_status_filter(status: object) -> str | None:
    """``None``, a ``RunStatus`` or any non-blank string (future statuses pass through)."""
    if status is None:
        return None
    value = getattr(status, "value", status)
    return require_slug(value, "status")


def check_page_size(limit: object) -> int | None:
    return None if limit is None else require_int(limit, "limit", minimum=1, maximum=MAX_PAGE_SIZE)


def list_runs(status: str | None, limit: int | None, cursor: str | None) -> Operation[RunList]:
    # The generated builder types `status` as the closed RunStatus enum; the query is assembled
    # here so that a status the enum does not know yet can still be used as a filter.
    kwargs = runs_list._get_kwargs(limit=UNSET if limit is None else limit)
    params: dict[str, Any] = kwargs.setdefault("params", {})
    if status is not None:
        params["status"] = status
    if cursor is not None:
        params["cursor"] = cursor
    return Operation("runs.list", kwargs, RunList.from_dict)


def cancel_run(run_id: object) -> Operation[CancelRunResponse]:
    kwargs = runs_cancel._get_kwargs(require_uuid(run_id, "run_id"))
    return Operation("runs.cancel", kwargs, CancelRunResponse.from_dict)


def cancel_refused_after_retry(error: APIStatusError) -> bool:
    """A retried cancel answered "cannot be cancelled" (400/409).

    The earlier attempt may have cancelled the run and lost its answer (a 5xx after the work, a
    reset, a read timeout); the retry then meets an already-cancelled run. Only a look at the run
    tells that apart from a run that finished in between.
    """
    return error.status_code in (400, 409) and bool(error.response.extensions.get(RETRIES_EXTENSION))


def confirm_cancelled(error: APIStatusError, run: Run) -> CancelRunResponse:
    """Success if ``run`` is cancelled after all (see :func:`cancel_refused_after_retry`), else ``error``."""
    status: object = run.status
    if getattr(status, "value", status) != "cancelled":
        raise error
    logger.info("runs.cancel: run %s is cancelled (a retry met the earlier attempt's cancellation)", run.id)
    return CancelRunResponse.from_dict({"id": str(run.id), "status": "cancelled"})


# --- tests ----------------------------------------------------------------------------------


def create_test(body: object) -> Operation[CreateTestResponse]:
    request = CreateTestRequest.from_dict(require_json_object(body, "body"))
    return Operation("tests.create", tests_create._get_kwargs(body=request), CreateTestResponse.from_dict)


def update_test(test_id: object, body: object) -> Operation[UpdateTestResponse]:
    request = UpdateTestRequest.from_dict(require_json_object(body, "body"))
    kwargs = tests_update._get_kwargs(require_uuid(test_id, "test_id"), body=request)
    return Operation("tests.update", kwargs, UpdateTestResponse.from_dict)


def delete_test(test_id: object) -> Operation[DeleteTestResponse]:
    kwargs = tests_delete._get_kwargs(require_uuid(test_id, "test_id"))
    return Operation("tests.delete", kwargs, DeleteTestResponse.from_dict)


def trigger_test(test_id: object, body: object = None) -> Operation[TriggerTestRunResponse]:
    request = TriggerTestRunRequest.from_dict(_body(body, "body"))
    kwargs = tests_trigger._get_kwargs(require_uuid(test_id, "test_id"), body=request)
    return Operation("tests.trigger", kwargs, TriggerTestRunResponse.from_dict)


# --- groups ---------------------------------------------------------------------------------


def update_group(
    group_id: object, name: object, run_mode: object, prep_test_id: object | Unset
) -> Operation[UpdateGroupResponse]:
    request = UpdateGroupRequest(
        name=UNSET if name is None else require_text(name, "name"),
        run_mode=UNSET if run_mode is None else require_slug(run_mode, "run_mode"),
        # None is meaningful here (clear the preparation test), so "not given" is UNSET.
        prep_test_id=(
            prep_test_id
            if isinstance(prep_test_id, Unset) or prep_test_id is None
            else str(require_uuid(prep_test_id, "prep_test_id"))
        ),
    )
    kwargs = groups_update._get_kwargs(require_uuid(group_id, "group_id"), body=request)
    return Operation("groups.update", kwargs, UpdateGroupResponse.from_dict)


def trigger_group(group_id: object, body: object = None) -> Operation[TriggerGroupRunResponse]:
    request = TriggerGroupRunRequest.from_dict(_body(body, "body"))
    kwargs = groups_trigger._get_kwargs(require_uuid(group_id, "group_id"), body=request)
    return Operation("groups.trigger", kwargs, TriggerGroupRunResponse.from_dict)


# --- group webhooks -------------------------------------------------------------------------

_MOBILE_SOURCES = ("bundleId", "appId", "artifactUrl")


def _mobile_override(mobile: object) -> TriggerGroupWebhookRequestMobile:
    data = require_json_object(mobile, "mobile")
    given = [key for key in _MOBILE_SOURCES if data.get(key) is not None]
    if len(given) != 1:
        raise ValueError(
            f"mobile must set exactly one of {', '.join(_MOBILE_SOURCES)}; got {given or 'none'}"
        )
    if "appId" in data:
        data["appId"] = str(require_uuid(data["appId"], "mobile['appId']"))
    if "artifactUrl" in data:
        require_http_url(data["artifactUrl"], "mobile['artifactUrl']")
    for key, value in data.items():
        if not isinstance(value, str):
            raise TypeError(f"mobile[{key!r}] must be a str, got {type(value).__name__}")
    return TriggerGroupWebhookRequestMobile.from_dict(data)


def trigger_group_webhook(
    webhook_id: object,
    secret: object,
    *,
    commit_sha: object = None,
    target_url: object = None,
    environment: object = None,
    mobile: object = None,
) -> Operation[TriggerGroupWebhookResponse]:
    if environment is not None:
        allowed = [member.value for member in TriggerGroupWebhookRequestEnvironment]
        if environment not in allowed:
            raise ValueError(f"environment must be one of {allowed}, got {environment!r}")
    request = TriggerGroupWebhookRequest(
        commit_sha=UNSET if commit_sha is None else require_slug(commit_sha, "commit_sha"),
        target_url=UNSET if target_url is None else require_http_url(target_url, "target_url"),
        environment=UNSET if environment is None else TriggerGroupWebhookRequestEnvironment(environment),
        mobile=UNSET if mobile is None else _mobile_override(mobile),
    )
    kwargs = webhooks_trigger._get_kwargs(
        require_uuid(webhook_id, "webhook_id"), require_slug(secret, "secret"), body=request
    )
    # The secret in the path is the credential; the API key is not needed and is not sent.
    return Operation("webhooks.trigger", kwargs, TriggerGroupWebhookResponse.from_dict, authenticated=False)


# --- projects -------------------------------------------------------------------------------


def update_project(project_id: object, body: object) -> Operation[UpdateProjectResponse]:
    request = UpdateProjectRequest.from_dict(require_json_object(body, "body"))
    kwargs = projects_update._get_kwargs(require_slug(project_id, "project_id"), body=request)
    return Operation("projects.update", kwargs, UpdateProjectResponse.from_dict)


def trigger_pull_request_run(
    project_id: object, *, target_url: object, number: object, title: object, commit_sha: object
) -> Operation[TriggerPullRequestRunResponse]:
    request = TriggerPullRequestRunRequest(
        target_url=require_http_url(target_url, "target_url"),
        pull_request=TriggerPullRequestRunRequestPullRequest(
            number=require_int(number, "number", minimum=1),
            title=require_text(title, "title"),
            commit_sha=require_slug(commit_sha, "commit_sha"),
        ),
    )
    kwargs = projects_trigger_pr_run._get_kwargs(require_slug(project_id, "project_id"), body=request)
    return Operation("projects.trigger_pull_request_run", kwargs, TriggerPullRequestRunResponse.from_dict)


def create_credential(project_id: object, body: object) -> Operation[CreateCredentialResponse]:
    request = CreateCredentialRequest.from_dict(require_json_object(body, "body"))
    kwargs = projects_create_credential._get_kwargs(require_slug(project_id, "project_id"), body=request)
    return Operation("projects.create_credential", kwargs, CreateCredentialResponse.from_dict)


def list_mobile_apps(project_id: object) -> Operation[MobileAppList]:
    kwargs = projects_list_mobile_apps._get_kwargs(require_slug(project_id, "project_id"))
    return Operation("projects.list_mobile_apps", kwargs, MobileAppList.from_dict)


def _remove_after(remove_after: object) -> int | Unset:
    return UNSET if remove_after is None else require_int(remove_after, "remove_after", minimum=1)


def upload_mobile_app(
    project_id: object, file: BinaryIO, filename: object, remove_after: object = None
) -> Operation[UploadMobileAppResponse]:
    if not hasattr(file, "read"):
        raise TypeError(f"file must be a binary file object opened with 'rb', got {type(file).__name__}")
    request = UploadMobileAppRequest(
        file=File(payload=file, file_name=require_text(filename, "filename")),
        remove_after=_remove_after(remove_after),
    )
    kwargs = projects_upload_mobile_app._get_kwargs(require_slug(project_id, "project_id"), body=request)
    # The generated builder pins the multipart boundary to "+++" through an explicit Content-Type
    # header; dropping the header lets httpx pick a random boundary that cannot occur in the file.
    kwargs["headers"] = {k: v for k, v in kwargs.get("headers", {}).items() if k.lower() != "content-type"}
    return Operation("projects.upload_mobile_app", kwargs, UploadMobileAppResponse.from_dict)


def delete_mobile_app(project_id: object, app_id: object) -> Operation[DeleteMobileAppResponse]:
    kwargs = projects_delete_mobile_app._get_kwargs(
        require_slug(project_id, "project_id"), require_uuid(app_id, "app_id")
    )
    return Operation("projects.delete_mobile_app", kwargs, DeleteMobileAppResponse.from_dict)


def initiate_mobile_app_upload(
    project_id: object, *, filename: object, file_size: object, remove_after: object = None
) -> Operation[InitiateMobileAppUploadResponse]:
    request = InitiateMobileAppUploadRequest(
        filename=require_text(filename, "filename"),
        file_size=require_int(file_size, "file_size", minimum=1),
        remove_after=_remove_after(remove_after),
    )
    kwargs = projects_initiate_upload._get_kwargs(require_slug(project_id, "project_id"), body=request)
    return Operation("projects.initiate_mobile_app_upload", kwargs, InitiateMobileAppUploadResponse.from_dict)


def confirm_mobile_app_upload(
    project_id: object,
    *,
    storage_key: object,
    filename: object,
    file_size: object,
    remove_after: object = None,
) -> Operation[ConfirmMobileAppUploadResponse]:
    request = ConfirmMobileAppUploadRequest(
        storage_key=require_text(storage_key, "storage_key"),
        filename=require_text(filename, "filename"),
        file_size=require_int(file_size, "file_size", minimum=1),
        remove_after=_remove_after(remove_after),
    )
    kwargs = projects_confirm_upload._get_kwargs(require_slug(project_id, "project_id"), body=request)
    return Operation("projects.confirm_mobile_app_upload", kwargs, ConfirmMobileAppUploadResponse.from_dict)


def run_ids_of_test_trigger(response: TriggerTestRunResponse) -> list[str]:
    """The run id(s) a ``tests.trigger`` answer names.

    The spec leaves this response body unspecified (an empty object schema), so the id is looked
    up under the plausible keys; no id means the SDK cannot wait and says so.
    """
    data: Mapping[str, Any] = response.additional_properties
    for key in ("runId", "id"):
        if isinstance(data.get(key), str):
            return [data[key]]
    run_ids = data.get("runIds")
    if isinstance(run_ids, list) and run_ids and all(isinstance(item, str) for item in run_ids):
        return list(run_ids)
    return []
