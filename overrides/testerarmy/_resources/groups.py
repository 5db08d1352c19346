"""``client.groups``: update a test group, trigger all its tests, wait for the whole batch."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Unpack

from testerarmy_api.types import UNSET, Unset

from .._polling import WaitOptions, WaitSettings
from . import _operations as ops
from ._base import AsyncCore, SyncCore, require_run_ids

if TYPE_CHECKING:
    from testerarmy_api.models import Run, TriggerGroupRunResponse, UpdateGroupResponse

__all__ = ["DEFAULT_GROUP_WAIT_TIMEOUT", "AsyncGroups", "Groups", "batch_run_ids"]

# A batch runs many tests (possibly one after another in Sequential mode): allow more time.
DEFAULT_GROUP_WAIT_TIMEOUT: Final = 1800.0

GroupId = str | uuid.UUID
Body = Mapping[str, Any]


def batch_run_ids(trigger: TriggerGroupRunResponse) -> list[str]:
    """The runs of the batch to wait for: ``runIds`` (all of them), else ``queuedRunIds``."""
    for ids in (trigger.run_ids, trigger.queued_run_ids):
        if not isinstance(ids, Unset):
            return require_run_ids(ids, "groups.trigger response runIds")
    return []


class Groups:
    def __init__(self, core: SyncCore) -> None:
        self._core = core

    def update(
        self,
        group_id: GroupId,
        *,
        name: str | None = None,
        run_mode: str | None = None,
        prep_test_id: str | uuid.UUID | Unset | None = UNSET,
    ) -> UpdateGroupResponse:
        """Change a group; ``prep_test_id=None`` clears the preparation test."""
        return self._core.request(ops.update_group(group_id, name, run_mode, prep_test_id))

    def trigger(self, group_id: GroupId, body: Body | None = None) -> TriggerGroupRunResponse:
        """Queue a run of every enabled test in the group. Not retried once it may have arrived."""
        return self._core.request(ops.trigger_group(group_id, body))

    def trigger_and_wait(
        self, group_id: GroupId, body: Body | None = None, **wait: Unpack[WaitOptions]
    ) -> list[Run]:
        """Trigger the group and wait for every run of the batch; runs in ``runIds`` order."""
        settings = WaitSettings.from_options(wait, default_timeout=DEFAULT_GROUP_WAIT_TIMEOUT)
        trigger = self._core.request(ops.trigger_group(group_id, body))
        return self._core.wait(batch_run_ids(trigger), settings, wait.get("on_update"))


class AsyncGroups:
    """Async twin of :class:`Groups`; ``trigger_and_wait`` polls the batch concurrently."""

    def __init__(self, core: AsyncCore) -> None:
        self._core = core

    async def update(
        self,
        group_id: GroupId,
        *,
        name: str | None = None,
        run_mode: str | None = None,
        prep_test_id: str | uuid.UUID | Unset | None = UNSET,
    ) -> UpdateGroupResponse:
        return await self._core.request(ops.update_group(group_id, name, run_mode, prep_test_id))

    async def trigger(self, group_id: GroupId, body: Body | None = None) -> TriggerGroupRunResponse:
        return await self._core.request(ops.trigger_group(group_id, body))

    async def trigger_and_wait(
        self, group_id: GroupId, body: Body | None = None, **wait: Unpack[WaitOptions]
    ) -> list[Run]:
        settings = WaitSettings.from_options(wait, default_timeout=DEFAULT_GROUP_WAIT_TIMEOUT)
        trigger = await self._core.request(ops.trigger_group(group_id, body))
        return await self._core.wait(batch_run_ids(trigger), settings, wait.get("on_update"))
