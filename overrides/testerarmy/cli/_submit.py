"""Requests that create runs, and what to say when their outcome is unknown.

A submit that timed out, lost its connection after sending, or got a 5xx may still have created
the run: the SDK never retries it (a retry could create it twice), and a CI job re-run blindly would
create a duplicate. So instead of "could not reach the API" the user gets one line saying the run
may exist, its id if the answer named one, and the command that finds it.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from .._errors import APIConnectionError, APIStatusError, APITimeoutError
from ._context import PROG, CliError
from ._exit import ExitCode

__all__ = ["submit", "unknown_outcome"]

T = TypeVar("T")


def _named_run_ids(error: APIStatusError) -> list[str]:
    try:
        body: Any = error.response.json()
    except ValueError:
        return []
    if not isinstance(body, dict):
        return []
    found = [body[key] for key in ("id", "runId") if isinstance(body.get(key), str)]
    ids = body.get("runIds")
    if isinstance(ids, list):
        found += [item for item in ids if isinstance(item, str)]
    return found


def unknown_outcome(error: BaseException, what: str, *, limit: int = 5) -> CliError | None:
    """The one-line error for a run-creating request whose outcome is unknown, else ``None`` (the
    request certainly created nothing: a 4xx, or no connection at all)."""
    run_ids: list[str] = []
    if isinstance(error, APIConnectionError) and _never_sent(error):
        return None
    if isinstance(error, APITimeoutError):
        why = "no answer within the request timeout"
    elif isinstance(error, APIStatusError) and error.status_code >= 500:
        why = f"the API answered {error.status_code}"
        run_ids = _named_run_ids(error)
    elif isinstance(error, APIConnectionError):
        why = "the connection was lost after the request was sent"
    else:
        return None
    where = f"run {', '.join(run_ids)} may exist" if run_ids else "the run may exist all the same"
    request_id = getattr(error, "request_id", None)
    support = f"; request id {request_id}" if request_id else ""
    finder = f"{PROG} runs get {run_ids[0]}" if len(run_ids) == 1 else f"{PROG} runs list --limit {limit}"
    return CliError(
        f"{what}: outcome unknown ({why}); {where}: '{finder}' finds it before you re-run "
        f"(a re-run creates another){support}",
        ExitCode.API,
    )


def _never_sent(error: APIConnectionError) -> bool:
    """A refused, unresolvable or timed-out connection (or no free one in the pool): the request
    never left, so nothing was created and a plain "cannot reach" is the truth."""
    import httpx

    cause = error.__cause__ or error.__context__
    return isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


async def submit(request: Awaitable[T], what: str, *, limit: int = 5) -> T:
    """Await a run-creating request; an unknown outcome becomes :func:`unknown_outcome`'s error."""
    try:
        return await request
    except (APIConnectionError, APIStatusError) as error:
        unknown = unknown_outcome(error, what, limit=limit)
        if unknown is None:
            raise
        raise unknown from error
