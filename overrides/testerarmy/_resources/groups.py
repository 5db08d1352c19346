"""``client.groups``: the generated operations plus waiting for a whole triggered batch."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Unpack

from testerarmy_api.resources import groups as generated
from testerarmy_api.types import Unset

from .._polling import WaitOptions, WaitSettings
from ._base import AsyncCore, SyncCore, require_run_ids

if TYPE_CHECKING:
    from testerarmy_api.models import Run, TriggerGroupRunResponse

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


class Groups(generated.Groups):
    _core: SyncCore

    def __init__(self, core: SyncCore) -> None:
        super().__init__(core)

    def trigger_and_wait(
        self, group_id: GroupId, body: Body | None = None, **wait: Unpack[WaitOptions]
    ) -> list[Run]:
        """Trigger the group and wait for every run of the batch; runs in ``runIds`` order."""
        settings = WaitSettings.from_options(wait, default_timeout=DEFAULT_GROUP_WAIT_TIMEOUT)
        trigger = self.trigger(group_id, body)
        return self._core.wait(batch_run_ids(trigger), settings, wait.get("on_update"))


class AsyncGroups(generated.AsyncGroups):
    """Async twin of :class:`Groups`; ``trigger_and_wait`` polls the batch concurrently."""

    _core: AsyncCore

    def __init__(self, core: AsyncCore) -> None:
        super().__init__(core)

    async def trigger_and_wait(
        self, group_id: GroupId, body: Body | None = None, **wait: Unpack[WaitOptions]
    ) -> list[Run]:
        settings = WaitSettings.from_options(wait, default_timeout=DEFAULT_GROUP_WAIT_TIMEOUT)
        trigger = await self.trigger(group_id, body)
        return await self._core.wait(batch_run_ids(trigger), settings, wait.get("on_update"))
