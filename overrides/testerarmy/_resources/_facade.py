"""``client.<resource>`` for every resource: the generated ones, and the facade's where it adds to them.

``runs``, ``tests``, ``groups`` and ``batches`` get the hand-written subclasses (waiting, paging
policies, retried cancels); every other resource is the generated class from
``testerarmy_api.resources``. Each module loads on first use, so constructing a client stays cheap.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from testerarmy_api.resources import AsyncResources, SyncResources

if TYPE_CHECKING:
    from ._base import AsyncCore, SyncCore
    from .batches import AsyncBatches, Batches
    from .groups import AsyncGroups, Groups
    from .runs import AsyncRuns, Runs
    from .tests import AsyncTests, Tests

__all__ = ["AsyncFacadeResources", "SyncFacadeResources"]


class SyncFacadeResources(SyncResources):
    _core: SyncCore

    @cached_property
    def runs(self) -> Runs:
        from .runs import Runs

        return Runs(self._core)

    @cached_property
    def tests(self) -> Tests:
        from .tests import Tests

        return Tests(self._core)

    @cached_property
    def groups(self) -> Groups:
        from .groups import Groups

        return Groups(self._core)

    @cached_property
    def batches(self) -> Batches:
        from .batches import Batches

        return Batches(self._core)


class AsyncFacadeResources(AsyncResources):
    _core: AsyncCore

    @cached_property
    def runs(self) -> AsyncRuns:
        from .runs import AsyncRuns

        return AsyncRuns(self._core)

    @cached_property
    def tests(self) -> AsyncTests:
        from .tests import AsyncTests

        return AsyncTests(self._core)

    @cached_property
    def groups(self) -> AsyncGroups:
        from .groups import AsyncGroups

        return AsyncGroups(self._core)

    @cached_property
    def batches(self) -> AsyncBatches:
        from .batches import AsyncBatches

        return AsyncBatches(self._core)
