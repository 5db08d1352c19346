"""``client.tests``: the generated operations plus ``trigger_and_wait``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Unpack

from testerarmy_api.resources import tests as generated
from testerarmy_api.resources._operations import TESTS_TRIGGER
from testerarmy_api.types import UNSET

from .._polling import WaitOptions, WaitSettings
from ._base import AsyncCore, SyncCore
from ._operation import Operation
from ._request import build_operation
from .runs import DEFAULT_WAIT_TIMEOUT

if TYPE_CHECKING:
    from testerarmy_api.models import Run, TriggerTestRunResponse

__all__ = ["AsyncTests", "Tests"]

TestId = str | uuid.UUID
#: Keyword arguments of ``tests.trigger`` (``{"mode": "deep", "target_url": ...}``), checked as there.
TriggerArgs = Mapping[str, Any]


def _trigger(test_id: object, trigger: TriggerArgs | None) -> Operation[TriggerTestRunResponse]:
    args = {**(trigger or {}), "test_id": test_id}
    return build_operation(TESTS_TRIGGER, args, timeout=UNSET, extra_headers=None)


def _run_id(trigger: TriggerTestRunResponse) -> str:
    # `runId` is required by the spec: an answer without it already failed to parse.
    return str(trigger.run_id)


class Tests(generated.Tests):
    """Saved tests, plus ``trigger_and_wait``."""

    _core: SyncCore

    def __init__(self, core: SyncCore) -> None:
        super().__init__(core)

    def trigger_and_wait(
        self, test_id: TestId, trigger: TriggerArgs | None = None, **wait: Unpack[WaitOptions]
    ) -> Run:
        """``trigger(test_id, **trigger)`` then wait for the run it started."""
        settings = WaitSettings.from_options(wait, default_timeout=DEFAULT_WAIT_TIMEOUT)
        started = self._core.request(_trigger(test_id, trigger))
        return self._core.wait([_run_id(started)], settings, wait.get("on_update"))[0]


class AsyncTests(generated.AsyncTests):
    """Async twin of :class:`Tests`."""

    _core: AsyncCore

    def __init__(self, core: AsyncCore) -> None:
        super().__init__(core)

    async def trigger_and_wait(
        self, test_id: TestId, trigger: TriggerArgs | None = None, **wait: Unpack[WaitOptions]
    ) -> Run:
        settings = WaitSettings.from_options(wait, default_timeout=DEFAULT_WAIT_TIMEOUT)
        started = await self._core.request(_trigger(test_id, trigger))
        return (await self._core.wait([_run_id(started)], settings, wait.get("on_update")))[0]
