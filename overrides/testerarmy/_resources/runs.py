"""``client.runs``: the generated operations plus waiting, paging and a cancel that survives retries."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Final, Literal, Unpack

from testerarmy_api.resources import runs as generated
from testerarmy_api.resources._operations import RUNS_LIST
from testerarmy_api.types import UNSET, Unset

from .._errors import APIStatusError
from .._polling import DEFAULT_MAX_INTERVAL, DEFAULT_POLL_INTERVAL, WaitOptions, WaitSettings
from .._validation import require_uuid
from . import _policies as policies
from ._base import AsyncCore, OnUpdate, SyncCore, require_run_ids

if TYPE_CHECKING:
    from testerarmy_api.models import CancelRunResponse, Run, RunStatus
    from testerarmy_api.resources._operation import Timeout

__all__ = ["DEFAULT_WAIT_TIMEOUT", "AsyncRuns", "Runs"]

DEFAULT_WAIT_TIMEOUT: Final = 600.0

RunId = str | uuid.UUID


def _settings(
    timeout: float, poll_interval: float, max_interval: float, raise_on_failure: bool
) -> WaitSettings:
    return WaitSettings.build(
        timeout=timeout,
        poll_interval=poll_interval,
        max_interval=max_interval,
        raise_on_failure=raise_on_failure,
    )


def _run_id(run_id: object) -> str:
    # Checked alone (not as a one-element list) so that an error names "run_id", not "run_id[0]".
    return str(require_uuid(run_id, "run_id"))


def _list_args(
    status: RunStatus | str | None, limit: int | None, query: Mapping[str, object]
) -> tuple[dict[str, object], dict[str, str]]:
    """(arguments checked by the spec, query sent as is): the status filter bypasses the spec's
    closed enum so that a status newer than this SDK still filters (checked non-blank here)."""
    checked = policies.check_status_filter(status)
    return {**query, "limit": limit}, ({} if checked is None else {"status": checked})


class Runs(generated.Runs):
    """Test runs. Runs are asynchronous server-side: ``create`` returns at once (status ``queued``).

    ``create`` is never retried once the request may have reached the server (see the docs).
    """

    _core: SyncCore

    def __init__(self, core: SyncCore) -> None:
        super().__init__(core)

    # The generated iterator over all pages, taking statuses newer than the spec's enum as well.
    # One page (spec-faithful, enum checked) is `runs.list_page` / `client.operations["GET /v1/runs"]`.
    def list(
        self,
        *,
        # The spec's statuses, for editors (test_paging checks them); any non-blank string is sent.
        status: RunStatus
        | Literal["queued", "running", "completed", "failed", "cancelled"]
        | str
        | None = None,
        limit: int | None = None,
        timeout: Timeout | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
        **query: object,
    ) -> Iterator[Run]:
        """Iterate over runs, newest first, across every page (``nextCursor`` is followed).

        ``limit`` is the page size (1..100, the API's default 20). Any other query parameter of the
        spec's ``GET /v1/runs`` (``project_id``, ``test_id``) is accepted by its snake_case name and
        checked like the others.
        """
        args, params = _list_args(status, limit, query)
        return self._core.paginate(
            RUNS_LIST, args, timeout=timeout, extra_headers=extra_headers, extra_params=params
        )

    def cancel(
        self,
        run_id: str | uuid.UUID,
        *,
        timeout: Timeout | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> CancelRunResponse:
        """Cancel a queued or running run. If a retry finds the run already cancelled by the earlier
        attempt (whose answer was lost), that counts as success."""
        try:
            return super().cancel(run_id, timeout=timeout, extra_headers=extra_headers)
        except APIStatusError as exc:
            if not policies.cancel_refused_after_retry(exc):
                raise
            return policies.confirm_cancelled(exc, self.get(run_id))

    def wait(
        self,
        run_id: RunId,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_interval: float = DEFAULT_MAX_INTERVAL,
        on_update: OnUpdate | None = None,
        raise_on_failure: bool = False,
    ) -> Run:
        """Poll until the run is ``completed``, ``failed`` or ``cancelled``; return it.

        Raises :class:`WaitTimeoutError` at ``timeout`` seconds, :class:`RunFailedError` for a
        failed/cancelled run if ``raise_on_failure``. Transient errors do not end the wait.
        """
        settings = _settings(timeout, poll_interval, max_interval, raise_on_failure)
        return self._core.wait([_run_id(run_id)], settings, on_update)[0]

    def wait_many(self, run_ids: Sequence[RunId], **wait: Unpack[WaitOptions]) -> builtins.list[Run]:
        """Wait for several runs at once (one timeline, one pool); the runs in input order."""
        settings = WaitSettings.from_options(wait, default_timeout=DEFAULT_WAIT_TIMEOUT)
        return self._core.wait(require_run_ids(run_ids, "run_ids"), settings, wait.get("on_update"))

    def create_and_wait(
        self, *, prompt: str, webhook_url: str | None = None, **wait: Unpack[WaitOptions]
    ) -> Run:
        """``create`` then ``wait``. Wait options are checked before the run is created."""
        settings = WaitSettings.from_options(wait, default_timeout=DEFAULT_WAIT_TIMEOUT)
        created = self.create(prompt=prompt, webhook_url=webhook_url)
        return self._core.wait([str(created.id)], settings, wait.get("on_update"))[0]


class AsyncRuns(generated.AsyncRuns):
    """Async twin of :class:`Runs` (same arguments, same behaviour)."""

    _core: AsyncCore

    def __init__(self, core: AsyncCore) -> None:
        super().__init__(core)

    def list(
        self,
        *,
        # The spec's statuses, for editors (test_paging checks them); any non-blank string is sent.
        status: RunStatus
        | Literal["queued", "running", "completed", "failed", "cancelled"]
        | str
        | None = None,
        limit: int | None = None,
        timeout: Timeout | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
        **query: object,
    ) -> AsyncIterator[Run]:
        """``async for run in client.runs.list(...)`` (arguments checked right away)."""
        args, params = _list_args(status, limit, query)
        return self._core.paginate(
            RUNS_LIST, args, timeout=timeout, extra_headers=extra_headers, extra_params=params
        )

    async def cancel(
        self,
        run_id: str | uuid.UUID,
        *,
        timeout: Timeout | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> CancelRunResponse:
        try:
            return await super().cancel(run_id, timeout=timeout, extra_headers=extra_headers)
        except APIStatusError as exc:
            if not policies.cancel_refused_after_retry(exc):
                raise
            return policies.confirm_cancelled(exc, await self.get(run_id))

    async def wait(
        self,
        run_id: RunId,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_interval: float = DEFAULT_MAX_INTERVAL,
        on_update: OnUpdate | None = None,
        raise_on_failure: bool = False,
    ) -> Run:
        settings = _settings(timeout, poll_interval, max_interval, raise_on_failure)
        return (await self._core.wait([_run_id(run_id)], settings, on_update))[0]

    async def wait_many(self, run_ids: Sequence[RunId], **wait: Unpack[WaitOptions]) -> builtins.list[Run]:
        settings = WaitSettings.from_options(wait, default_timeout=DEFAULT_WAIT_TIMEOUT)
        return await self._core.wait(require_run_ids(run_ids, "run_ids"), settings, wait.get("on_update"))

    async def create_and_wait(
        self, *, prompt: str, webhook_url: str | None = None, **wait: Unpack[WaitOptions]
    ) -> Run:
        settings = WaitSettings.from_options(wait, default_timeout=DEFAULT_WAIT_TIMEOUT)
        created = await self.create(prompt=prompt, webhook_url=webhook_url)
        return (await self._core.wait([str(created.id)], settings, wait.get("on_update")))[0]
