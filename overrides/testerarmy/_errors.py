"""Exception hierarchy of the TesterArmy SDK.

Everything the high-level client raises on purpose derives from :class:`TesterArmyError`, so
``except testerarmy.TesterArmyError`` catches API failures without also catching programming errors
(``ValueError``/``TypeError`` raised for bad arguments before any request is sent).

This module must stay cheap to import (``import testerarmy`` imports it eagerly), so httpx and the
generated models appear only in annotations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._request_id import request_id_from

if TYPE_CHECKING:
    import httpx
    from testerarmy_api.models.run import Run

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "GatewayTimeoutError",
    "InternalServerError",
    "MissingAPIKeyError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RunFailedError",
    "TesterArmyError",
    "TesterArmyWarning",
    "UnprocessableEntityError",
    "WaitTimeoutError",
    "status_error_class",
]


class TesterArmyWarning(UserWarning):
    """Warnings about a suspicious but accepted configuration (e.g. an API key without ``sk_``)."""

    __test__ = False  # the name starts with "Test": not a test class for pytest, in users' test modules


class TesterArmyError(Exception):
    """Base class of every error the SDK raises on purpose."""

    __test__ = False  # see TesterArmyWarning


class MissingAPIKeyError(TesterArmyError):
    """No API key was given and ``TESTERARMY_API_KEY`` is not set."""


class APIError(TesterArmyError):
    """A request to the API failed. ``request`` is the httpx request (its repr holds no headers).

    ``request_id`` is the id upstream put on the response (``x-request-id``), ``None`` when there was
    no response or upstream sent none: quote it when reporting a problem.
    """

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.request_id: str | None = None


class APIConnectionError(APIError):
    """The server could not be reached or the connection broke (after the retries allowed)."""


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read, write or pool timeout)."""


class APIResponseValidationError(APIError):
    """A 2xx response whose body is not the JSON the spec describes (the SDK cannot parse it)."""

    def __init__(self, message: str, *, response: httpx.Response) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.status_code = response.status_code
        self.request_id = request_id_from(response.headers)


class APIStatusError(APIError):
    """The API answered with a non-2xx status.

    ``code`` and ``error_message`` come from the documented ``{"error", "message"}`` body when the
    body is that JSON; both are ``None`` when it is not (an HTML page from a proxy, an empty or a
    truncated body). ``body`` is the decoded JSON (any shape) or ``None``.
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        code: str | None = None,
        error_message: str | None = None,
        body: object = None,
    ) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.status_code = response.status_code
        self.request_id = request_id_from(response.headers)
        self.code = code
        self.error_message = error_message
        self.body = body


class BadRequestError(APIStatusError):
    """400: the API rejected the request's input (``code`` is usually ``ValidationError``)."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, malformed, revoked, or its creator left the team."""


class PermissionDeniedError(APIStatusError):
    """403: authenticated but not allowed (e.g. an inactive group webhook)."""


class NotFoundError(APIStatusError):
    """404: no such run/test/group/project (or not visible to this key)."""


class ConflictError(APIStatusError):
    """409: the resource is in a state that does not allow the operation."""


class UnprocessableEntityError(APIStatusError):
    """422: well-formed but semantically invalid input."""


class RateLimitError(APIStatusError):
    """429: too many requests, or the team's usage limit is exceeded (the API uses 429 for both).

    ``retry_after`` is the server's ``Retry-After`` in seconds when it sent one, else ``None``.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **details: Any) -> None:
        super().__init__(message, **details)
        self.retry_after = retry_after


class InternalServerError(APIStatusError):
    """5xx: the server (or a proxy in front of it) failed."""


class GatewayTimeoutError(InternalServerError):
    """504: a gateway gave up waiting for the API. For a run-creating POST the run MAY exist."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    504: GatewayTimeoutError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The exception class for an HTTP error status (500-599 without its own class → 5xx class)."""
    specific = _BY_STATUS.get(status_code)
    if specific is not None:
        return specific
    if 500 <= status_code <= 599:
        return InternalServerError
    return APIStatusError


class WaitTimeoutError(TesterArmyError):
    """``wait()`` reached its deadline before the run became terminal.

    The run keeps going server-side; ``last_run`` is the last state seen (``None`` if every poll
    failed with a transient error).
    """

    def __init__(
        self, run_id: str, last_status: str | None, elapsed: float, last_run: Run | None = None
    ) -> None:
        seen = f"last status seen: {last_status}" if last_status is not None else "no status seen yet"
        super().__init__(f"run {run_id} did not reach a terminal status within {elapsed:.1f} s ({seen})")
        self.run_id = run_id
        self.last_status = last_status
        self.elapsed = elapsed
        self.last_run = last_run


class RunFailedError(TesterArmyError):
    """Raised by ``wait(..., raise_on_failure=True)`` when the run ends ``failed`` or ``cancelled``.

    A ``completed`` run whose verdict is a failing check (``run.output.result``) is not an error of
    the run itself and is returned normally.
    """

    def __init__(self, run: Run, reason: str | None = None) -> None:
        status = str(run.status)
        text = f"run {run.id} ended with status {status!r}"
        if reason:
            text += f": {reason}"
        super().__init__(text)
        self.run = run
        self.run_id = str(run.id)
        self.status = status
        self.reason = reason
