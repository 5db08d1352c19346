"""``client.batches``: the generated ``cancel`` and ``rerun``, plus ``rerun_and_wait``.

A batch is what triggering a group starts (``groups.trigger``); its answer, like a rerun's, names
every run of the batch in ``runIds``. Waiting for "the batch" means waiting for each of those runs:
the API has no batch status to poll.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final, Protocol, Unpack

from testerarmy_api.resources import batches as generated
from testerarmy_api.resources._operations import BATCHES_RERUN
from testerarmy_api.types import UNSET, Unset

from .._polling import WaitOptions, WaitSettings
from ._base import AsyncCore, SyncCore, require_run_ids
from ._operation import Operation
from ._request import build_operation

if TYPE_CHECKING:
    from testerarmy_api.models import RerunBatchResponse, Run

__all__ = ["DEFAULT_BATCH_WAIT_TIMEOUT", "AsyncBatches", "Batches", "batch_run_ids"]

# A batch runs many tests (possibly one after another in sequential mode): allow more time.
DEFAULT_BATCH_WAIT_TIMEOUT: Final = 1800.0

BatchId = str | uuid.UUID


class StartedBatch(Protocol):
    """What a batch-starting answer carries (``TriggerGroupRunResponse``, ``RerunBatchResponse``)."""

    @property
    def run_ids(self) -> Sequence[uuid.UUID | str] | Unset: ...


def batch_run_ids(started: StartedBatch) -> list[str]:
    """Every run of the batch, in the API's order: ``runIds`` holds the runs queued
    (``queuedRunIds``) and those the server cancelled at once (``cancelledRunIds``: duplicates,
    quota); a cancelled run is terminal, so waiting for it returns at once."""
    ids = started.run_ids
    return [] if isinstance(ids, Unset) else require_run_ids(ids, "runIds of the batch")


def _rerun(batch_id: object) -> Operation[RerunBatchResponse]:
    return build_operation(BATCHES_RERUN, {"batch_id": batch_id}, timeout=UNSET, extra_headers=None)


class Batches(generated.Batches):
    _core: SyncCore

    def __init__(self, core: SyncCore) -> None:
        super().__init__(core)

    def rerun_and_wait(self, batch_id: BatchId, **wait: Unpack[WaitOptions]) -> list[Run]:
        """``rerun(batch_id)``, then wait for every run of the new batch (``runIds`` order).

        Tests disabled since the first batch are skipped by the API (``skippedTestIds``), so the new
        batch may hold fewer runs. Wait options are checked before the rerun is requested.
        """
        settings = WaitSettings.from_options(wait, default_timeout=DEFAULT_BATCH_WAIT_TIMEOUT)
        started = self._core.request(_rerun(batch_id))
        return self._core.wait(batch_run_ids(started), settings, wait.get("on_update"))


class AsyncBatches(generated.AsyncBatches):
    """Async twin of :class:`Batches`; ``rerun_and_wait`` polls the batch concurrently."""

    _core: AsyncCore

    def __init__(self, core: AsyncCore) -> None:
        super().__init__(core)

    async def rerun_and_wait(self, batch_id: BatchId, **wait: Unpack[WaitOptions]) -> list[Run]:
        settings = WaitSettings.from_options(wait, default_timeout=DEFAULT_BATCH_WAIT_TIMEOUT)
        started = await self._core.request(_rerun(batch_id))
        return await self._core.wait(batch_run_ids(started), settings, wait.get("on_update"))
