"""``client.tests``: create, update, delete and trigger saved tests."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Unpack

from .._polling import WaitOptions, WaitSettings
from . import _operations as ops
from ._base import AsyncCore, SyncCore, no_run_ids_error
from .runs import DEFAULT_WAIT_TIMEOUT

if TYPE_CHECKING:
    import httpx
    from testerarmy_api.models import (
        CreateTestResponse,
        DeleteTestResponse,
        Run,
        TriggerTestRunResponse,
        UpdateTestResponse,
    )

__all__ = ["AsyncTests", "Tests"]

TestId = str | uuid.UUID
Body = Mapping[str, Any]


def _run_id(trigger: TriggerTestRunResponse, response: httpx.Response) -> str:
    run_ids = ops.run_ids_of_test_trigger(trigger)
    if len(run_ids) != 1:
        raise no_run_ids_error(response, "tests.trigger")
    return run_ids[0]


class Tests:
    """Saved tests. Request bodies are free-form JSON objects (the spec leaves them open)."""

    def __init__(self, core: SyncCore) -> None:
        self._core = core

    def create(self, body: Body) -> CreateTestResponse:
        return self._core.request(ops.create_test(body))

    def update(self, test_id: TestId, body: Body) -> UpdateTestResponse:
        return self._core.request(ops.update_test(test_id, body))

    def delete(self, test_id: TestId) -> DeleteTestResponse:
        return self._core.request(ops.delete_test(test_id))

    def trigger(self, test_id: TestId, body: Body | None = None) -> TriggerTestRunResponse:
        """Start a run of a saved test. Not retried once it may have reached the server."""
        return self._core.request(ops.trigger_test(test_id, body))

    def trigger_and_wait(self, test_id: TestId, body: Body | None = None, **wait: Unpack[WaitOptions]) -> Run:
        settings = WaitSettings.from_options(wait, default_timeout=DEFAULT_WAIT_TIMEOUT)
        trigger, response = self._core.send(ops.trigger_test(test_id, body))
        return self._core.wait([_run_id(trigger, response)], settings, wait.get("on_update"))[0]


class AsyncTests:
    """Async twin of :class:`Tests`."""

    def __init__(self, core: AsyncCore) -> None:
        self._core = core

    async def create(self, body: Body) -> CreateTestResponse:
        return await self._core.request(ops.create_test(body))

    async def update(self, test_id: TestId, body: Body) -> UpdateTestResponse:
        return await self._core.request(ops.update_test(test_id, body))

    async def delete(self, test_id: TestId) -> DeleteTestResponse:
        return await self._core.request(ops.delete_test(test_id))

    async def trigger(self, test_id: TestId, body: Body | None = None) -> TriggerTestRunResponse:
        return await self._core.request(ops.trigger_test(test_id, body))

    async def trigger_and_wait(
        self, test_id: TestId, body: Body | None = None, **wait: Unpack[WaitOptions]
    ) -> Run:
        settings = WaitSettings.from_options(wait, default_timeout=DEFAULT_WAIT_TIMEOUT)
        trigger, response = await self._core.send(ops.trigger_test(test_id, body))
        return (await self._core.wait([_run_id(trigger, response)], settings, wait.get("on_update")))[0]
