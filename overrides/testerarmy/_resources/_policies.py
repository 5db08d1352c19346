"""Policies the spec cannot state, shared by the sync and async resources (plain data in and out).

Everything the spec does state (URLs, parameter names, types, bounds, formats, enums) is generated
(``testerarmy_api.resources``) and checked from its data; what is here is behaviour on top of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._errors import APIStatusError
from .._logging import logger
from .._retry import RETRIES_EXTENSION
from .._validation import require_http_url, require_int, require_json_object, require_slug, require_uuid

if TYPE_CHECKING:
    from testerarmy_api.models import CancelRunResponse, Run, TriggerTestRunResponse

__all__ = [
    "ARGUMENT_POLICIES",
    "cancel_refused_after_retry",
    "check_mobile_override",
    "check_status_filter",
    "confirm_cancelled",
    "run_ids_of_test_trigger",
]


def check_status_filter(status: object) -> str | None:
    """``None``, a ``RunStatus`` or any non-blank string (statuses newer than the spec pass through)."""
    if status is None:
        return None
    value = getattr(status, "value", status)
    return require_slug(value, "status")


def cancel_refused_after_retry(error: APIStatusError) -> bool:
    """A retried cancel answered "cannot be cancelled" (400/409).

    The earlier attempt may have cancelled the run and lost its answer (a 5xx after the work, a
    reset, a read timeout); the retry then meets an already-cancelled run. Only a look at the run
    tells that apart from a run that finished in between.
    """
    return error.status_code in (400, 409) and bool(error.response.extensions.get(RETRIES_EXTENSION))


def confirm_cancelled(error: APIStatusError, run: Run) -> CancelRunResponse:
    """Success if ``run`` is cancelled after all (see :func:`cancel_refused_after_retry`), else ``error``."""
    from testerarmy_api.models import CancelRunResponse

    status: object = run.status
    if getattr(status, "value", status) != "cancelled":
        raise error
    logger.info("runs.cancel: run %s is cancelled (a retry met the earlier attempt's cancellation)", run.id)
    return CancelRunResponse.from_dict({"id": str(run.id), "status": "cancelled"})


_MOBILE_SOURCES = ("bundleId", "appId", "artifactUrl")


def check_mobile_override(mobile: object) -> dict[str, Any] | None:
    """The group webhook's ``mobile`` override names exactly one build source (the docs say so)."""
    if mobile is None:
        return None
    data = require_json_object(getattr(mobile, "to_dict", lambda: mobile)(), "mobile")
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
    return data


#: Extra argument checks the spec cannot state, by operation key and argument name. They run after the
#: spec's own checks and return the value to send.
ARGUMENT_POLICIES: Mapping[str, Mapping[str, Callable[[object], object]]] = {
    "POST /v1/groups/webhook/{webhookId}/{secret}": {
        "mobile": check_mobile_override,
        "target_url": lambda url: require_http_url(url, "target_url"),
    },
    # The docs say "the URL of the preview deployment"; the spec types it as a plain string.
    "POST /v1/projects/{projectId}/pull-request-runs": {
        "target_url": lambda url: require_http_url(url, "target_url"),
    },
    # A file of zero bytes is not an app build (the API refuses it after the upload).
    "POST /v1/projects/{projectId}/mobile/upload": {"file_size": lambda size: _positive(size, "file_size")},
    "POST /v1/projects/{projectId}/mobile/upload/confirm": {
        "file_size": lambda size: _positive(size, "file_size"),
    },
}


def _positive(value: object, name: str) -> int:
    return require_int(value, name, minimum=1)


def run_ids_of_test_trigger(response: TriggerTestRunResponse) -> list[str]:
    """The run a ``tests.trigger`` answer names (``runId``, required by the spec), as a list."""
    return [str(response.run_id)]
