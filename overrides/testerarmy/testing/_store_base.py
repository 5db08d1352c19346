"""The store's state and ids: one ``threading.RLock`` guards everything.

The server's event loop and the test thread (``sim.runs``, ``sim.advance``, ``sim.complete_run``) both go
through it; critical sections are short and never await, so the lock is safe to take from async
handlers. Records are plain mutable dataclasses that only the store mutates; callers get snapshots
(``RunSnapshot``) or copies.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence

from ._lifecycle import Planner, SimClock
from ._outcomes import MarkerError, Outcome, OutcomePlan, OutcomeRule, resolve_outcome
from ._records import (
    AppRecord,
    CredentialRecord,
    GroupRecord,
    Invalid,
    ProjectRecord,
    RunRecord,
    TestRecord,
    UploadRecord,
)

__all__ = ["StoreBase"]


class StoreBase:
    """All simulator state, behind one lock (the resource methods are in the subclasses)."""

    def __init__(
        self,
        *,
        clock: SimClock,
        planner: Planner,
        rules: Sequence[OutcomeRule] = (),
        default: OutcomePlan | None = None,
    ) -> None:
        self.clock = clock
        self.planner = planner
        self.rules = tuple(rules)
        self.default = default or OutcomePlan(outcome=Outcome.PASS)
        self.lock = threading.RLock()
        self.runs: dict[str, RunRecord] = {}
        self.projects: dict[str, ProjectRecord] = {}
        self.tests: dict[str, TestRecord] = {}
        self.groups: dict[str, GroupRecord] = {}
        self.apps: dict[str, AppRecord] = {}
        self.uploads: dict[str, UploadRecord] = {}
        self.credentials: dict[str, CredentialRecord] = {}
        self._run_seq = 0
        self._entity_rng = planner.rng(-1)  # separate stream: entity ids never shift run ids
        self._pending_webhooks: set[str] = set()
        # Called after changes that can make a webhook due sooner (the dispatcher's wake-up).
        self.on_change: Callable[[], None] | None = None

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    # ids ---------------------------------------------------------------------------------------

    def new_id(self) -> str:
        with self.lock:
            return str(uuid.UUID(int=self._entity_rng.getrandbits(128), version=4))

    def _token(self, n: int) -> str:
        return "".join(self._entity_rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))

    # projects ----------------------------------------------------------------------------------

    def check_prompt(self, prompt: str, where: str) -> OutcomePlan:
        try:
            return resolve_outcome(prompt, self.rules, self.default)
        except MarkerError as exc:
            raise Invalid(where, str(exc)) from None
