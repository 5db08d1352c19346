"""``client.groups``: the generated operations plus waiting for every run of a triggered batch."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Unpack

from testerarmy_api.resources import groups as generated
from testerarmy_api.resources._operations import GROUPS_TRIGGER
from testerarmy_api.types import UNSET

from .._polling import WaitOptions, WaitSettings
from ._base import AsyncCore, SyncCore
from ._operation import Operation
from ._request import build_operation
from .batches import DEFAULT_BATCH_WAIT_TIMEOUT, batch_run_ids

if TYPE_CHECKING:
    from testerarmy_api.models import Run, TriggerGroupRunResponse

__all__ = ["DEFAULT_GROUP_WAIT_TIMEOUT", "AsyncGroups", "Groups", "batch_run_ids"]

DEFAULT_GROUP_WAIT_TIMEOUT = DEFAULT_BATCH_WAIT_TIMEOUT

GroupId = str | uuid.UUID
#: Keyword arguments of ``groups.trigger`` (``{"target_url": ..., "environment": "staging"}``).
TriggerArgs = Mapping[str, Any]


def _trigger(group_id: object, trigger: TriggerArgs | None) -> Operation[TriggerGroupRunResponse]:
    args = {**(trigger or {}), "group_id": group_id}
    return build_operation(GROUPS_TRIGGER, args, timeout=UNSET, extra_headers=None)


class Groups(generated.Groups):
    _core: SyncCore

    def __init__(self, core: SyncCore) -> None:
        super().__init__(core)

    def trigger_and_wait(
        self, group_id: GroupId, trigger: TriggerArgs | None = None, **wait: Unpack[WaitOptions]
    ) -> list[Run]:
        """``trigger(group_id, **trigger)``, then wait for every run of the batch (``runIds`` order).

        ``trigger`` holds the keyword arguments of ``groups.trigger`` (checked like there, before any
        request). To keep the batch id (for ``batches.cancel`` / ``batches.rerun``), call
        ``groups.trigger`` and ``runs.wait_many(started.run_ids)`` yourself.
        """
        settings = WaitSettings.from_options(wait, default_timeout=DEFAULT_GROUP_WAIT_TIMEOUT)
        started = self._core.request(_trigger(group_id, trigger))
        return self._core.wait(batch_run_ids(started), settings, wait.get("on_update"))


class AsyncGroups(generated.AsyncGroups):
    """Async twin of :class:`Groups`; ``trigger_and_wait`` polls the batch concurrently."""

    _core: AsyncCore

    def __init__(self, core: AsyncCore) -> None:
        super().__init__(core)

    async def trigger_and_wait(
        self, group_id: GroupId, trigger: TriggerArgs | None = None, **wait: Unpack[WaitOptions]
    ) -> list[Run]:
        settings = WaitSettings.from_options(wait, default_timeout=DEFAULT_GROUP_WAIT_TIMEOUT)
        started = await self._core.request(_trigger(group_id, trigger))
        return await self._core.wait(batch_run_ids(started), settings, wait.get("on_update"))
