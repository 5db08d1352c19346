"""``client.runs``: submit, inspect, list, cancel and wait for test runs."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Final, Unpack

from .._errors import APIStatusError
from .._polling import DEFAULT_MAX_INTERVAL, DEFAULT_POLL_INTERVAL, WaitOptions, WaitSettings
from .._validation import require_uuid
from . import _operations as ops
from ._base import AsyncCore, OnUpdate, RunPager, SyncCore, require_run_ids

if TYPE_CHECKING:
    from testerarmy_api.models import CancelRunResponse, CreateRunResponse, Run, RunStatus

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


def _pager(status: RunStatus | str | None, limit: int | None) -> RunPager:
    return RunPager(ops.check_status_filter(status), ops.check_page_size(limit))


class Runs:
    """Test runs. Runs are asynchronous server-side: ``create`` returns at once (status ``queued``)."""

    def __init__(self, core: SyncCore) -> None:
        self._core = core

    def create(self, *, prompt: str, webhook_url: str | None = None) -> CreateRunResponse:
        """Submit a run. Never retried after the request may have reached the server (see docs)."""
        return self._core.request(ops.create_run(prompt, webhook_url))

    def get(self, run_id: RunId) -> Run:
        return self._core.request(ops.get_run(run_id))

    def list(self, *, status: RunStatus | str | None = None, limit: int | None = None) -> Iterator[Run]:
        """Iterate over runs, newest first, following pages if the API pages.

        ``limit`` is the page size (1-100, server default 10). The current API returns a single
        page without a cursor, so at most ``limit`` runs come back.
        """
        return self._core.iterate_runs(_pager(status, limit))

    def cancel(self, run_id: RunId) -> CancelRunResponse:
        """Cancel a queued or running run. If a retry finds the run already cancelled by the earlier
        attempt (whose answer was lost), that counts as success."""
        try:
            return self._core.request(ops.cancel_run(run_id))
        except APIStatusError as exc:
            if not ops.cancel_refused_after_retry(exc):
                raise
            return ops.confirm_cancelled(exc, self.get(run_id))

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
        created = self._core.request(ops.create_run(prompt, webhook_url))
        return self._core.wait([str(created.id)], settings, wait.get("on_update"))[0]


class AsyncRuns:
    """Async twin of :class:`Runs` (same arguments, same behaviour)."""

    def __init__(self, core: AsyncCore) -> None:
        self._core = core

    async def create(self, *, prompt: str, webhook_url: str | None = None) -> CreateRunResponse:
        return await self._core.request(ops.create_run(prompt, webhook_url))

    async def get(self, run_id: RunId) -> Run:
        return await self._core.request(ops.get_run(run_id))

    def list(self, *, status: RunStatus | str | None = None, limit: int | None = None) -> AsyncIterator[Run]:
        """``async for run in client.runs.list(...)`` (arguments checked right away)."""
        return self._core.iterate_runs(_pager(status, limit))

    async def cancel(self, run_id: RunId) -> CancelRunResponse:
        try:
            return await self._core.request(ops.cancel_run(run_id))
        except APIStatusError as exc:
            if not ops.cancel_refused_after_retry(exc):
                raise
            return ops.confirm_cancelled(exc, await self.get(run_id))

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
        created = await self._core.request(ops.create_run(prompt, webhook_url))
        return (await self._core.wait([str(created.id)], settings, wait.get("on_update")))[0]
