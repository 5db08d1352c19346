"""TesterArmy Python SDK (hand-written layer over the generated ``testerarmy_api``).

    from testerarmy import TesterArmy

    with TesterArmy() as client:            # key from $TESTERARMY_API_KEY
        run = client.runs.create_and_wait(prompt="Test the login flow on https://example.com")

The error classes are imported eagerly (they are tiny); the client, the models and
``parse_webhook`` load on first access (PEP 562), so ``import testerarmy`` stays cheap and does not
pull in httpx or the ~60 generated model modules until they are used. ``testerarmy.testing`` and the
CLI are never imported from here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GatewayTimeoutError,
    InternalServerError,
    MissingAPIKeyError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RunFailedError,
    TesterArmyError,
    TesterArmyWarning,
    UnprocessableEntityError,
    WaitTimeoutError,
)
from ._version import __version__

if TYPE_CHECKING:
    from testerarmy_api._spec import API_VERSION, DEFAULT_BASE_URL
    from testerarmy_api.models import (
        CancelBatchResponse,
        CancelRunResponse,
        CreateRunResponse,
        MobileApp,
        PlannerSkippedOutput,
        RerunBatchResponse,
        Run,
        RunList,
        RunStatus,
        TestOutput,
        TriggerGroupRunResponse,
    )
    from testerarmy_api.types import UNSET, Unset

    from ._client import AsyncTesterArmy, TesterArmy
    from ._config import NOT_GIVEN, NotGiven
    from ._polling import TERMINAL_STATUSES, WaitOptions
    from ._request_id import request_id
    from ._serialize import to_dict, to_json
    from ._summary import Outcome, RunSummary, summarize
    from ._webhooks import MAX_WEBHOOK_BYTES, parse_webhook

__all__ = [
    "API_VERSION",
    "DEFAULT_BASE_URL",
    "MAX_WEBHOOK_BYTES",
    "NOT_GIVEN",
    "TERMINAL_STATUSES",
    "UNSET",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncTesterArmy",
    "AuthenticationError",
    "BadRequestError",
    "CancelBatchResponse",
    "CancelRunResponse",
    "ConflictError",
    "CreateRunResponse",
    "GatewayTimeoutError",
    "InternalServerError",
    "MissingAPIKeyError",
    "MobileApp",
    "NotFoundError",
    "NotGiven",
    "Outcome",
    "PermissionDeniedError",
    "PlannerSkippedOutput",
    "RateLimitError",
    "RerunBatchResponse",
    "Run",
    "RunFailedError",
    "RunList",
    "RunStatus",
    "RunSummary",
    "TestOutput",
    "TesterArmy",
    "TesterArmyError",
    "TesterArmyWarning",
    "TriggerGroupRunResponse",
    "UnprocessableEntityError",
    "Unset",
    "WaitOptions",
    "WaitTimeoutError",
    "__version__",
    "parse_webhook",
    "request_id",
    "summarize",
    "to_dict",
    "to_json",
]

# public name -> (module, attribute in that module)
_LAZY: dict[str, tuple[str, str]] = {
    "TesterArmy": ("testerarmy._client", "TesterArmy"),
    "AsyncTesterArmy": ("testerarmy._client", "AsyncTesterArmy"),
    "parse_webhook": ("testerarmy._webhooks", "parse_webhook"),
    "MAX_WEBHOOK_BYTES": ("testerarmy._webhooks", "MAX_WEBHOOK_BYTES"),
    "request_id": ("testerarmy._request_id", "request_id"),
    "to_dict": ("testerarmy._serialize", "to_dict"),
    "to_json": ("testerarmy._serialize", "to_json"),
    "Outcome": ("testerarmy._summary", "Outcome"),
    "RunSummary": ("testerarmy._summary", "RunSummary"),
    "summarize": ("testerarmy._summary", "summarize"),
    "NOT_GIVEN": ("testerarmy._config", "NOT_GIVEN"),
    "NotGiven": ("testerarmy._config", "NotGiven"),
    "TERMINAL_STATUSES": ("testerarmy._polling", "TERMINAL_STATUSES"),
    "WaitOptions": ("testerarmy._polling", "WaitOptions"),
    "API_VERSION": ("testerarmy_api._spec", "API_VERSION"),
    # The generated models' "field absent" sentinel, for code that wants to tell absent from null.
    "UNSET": ("testerarmy_api.types", "UNSET"),
    "Unset": ("testerarmy_api.types", "Unset"),
    "DEFAULT_BASE_URL": ("testerarmy_api._spec", "DEFAULT_BASE_URL"),
    "CancelRunResponse": ("testerarmy_api.models", "CancelRunResponse"),
    "CancelBatchResponse": ("testerarmy_api.models", "CancelBatchResponse"),
    "RerunBatchResponse": ("testerarmy_api.models", "RerunBatchResponse"),
    "MobileApp": ("testerarmy_api.models", "MobileApp"),
    "Run": ("testerarmy_api.models", "Run"),
    "RunList": ("testerarmy_api.models", "RunList"),
    "TestOutput": ("testerarmy_api.models", "TestOutput"),
    "PlannerSkippedOutput": ("testerarmy_api.models", "PlannerSkippedOutput"),
    "RunStatus": ("testerarmy_api.models", "RunStatus"),
    "CreateRunResponse": ("testerarmy_api.models", "CreateRunResponse"),
    "TriggerGroupRunResponse": ("testerarmy_api.models", "TriggerGroupRunResponse"),
}


# Defined for the interpreter only: mypy sees the TYPE_CHECKING imports above instead, so a misspelt
# name (`from testerarmy import TesterAmry`) is an error for the user's type checker, not `Any`.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        try:
            module_name, attribute = _LAZY[name]
        except KeyError:
            raise AttributeError(f"module 'testerarmy' has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module_name), attribute)
        globals()[name] = value  # later lookups skip __getattr__
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
