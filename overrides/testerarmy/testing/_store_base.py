"""The store's state and ids: one ``threading.RLock`` guards everything.

The server's event loop and the test thread (``sim.runs``, ``sim.advance``, ``sim.complete_run``) both go
through it; critical sections are short and never await, so the lock is safe to take from async
handlers. Records are plain mutable dataclasses that only the store mutates; callers get snapshots
(``RunSnapshot``) or copies.
"""

from __future__ import annotations

import base64
import binascii
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ._lifecycle import Planner, SimClock
from ._outcomes import MarkerError, Outcome, OutcomePlan, OutcomeRule, resolve_outcome
from ._records import (
    AppRecord,
    BatchRecord,
    CredentialRecord,
    EnvironmentRecord,
    FileRecord,
    GroupRecord,
    Invalid,
    MemoryRecord,
    ProjectRecord,
    RunRecord,
    TestRecord,
    UploadRecord,
)

__all__ = ["Limits", "StoreBase", "decode_cursor", "encode_cursor"]


@dataclass(frozen=True)
class Limits:
    """Plan limits the simulator enforces (upstream's are per plan and not published)."""

    projects: int = 25
    groups_per_project: int = 20  # documented: "Capped at 20 groups per project"
    memories_per_project: int = 50


def encode_cursor(kind: str, seq: int) -> str:
    """An opaque cursor naming a position (the sequence number of the last item of a page).

    Positions, not offsets: items created while a client pages have higher numbers and never shift
    what the next page holds, so a page never repeats or skips an item.
    """
    return base64.urlsafe_b64encode(f"{kind}:{seq}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        prefix, _, number = text.partition(":")
        if prefix != kind or not number.isdigit():
            raise ValueError(text)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Invalid("cursor", "Invalid cursor (use the nextCursor of the previous page)") from None


class StoreBase:
    """All simulator state, behind one lock (the resource methods are in the subclasses)."""

    def __init__(
        self,
        *,
        clock: SimClock,
        planner: Planner,
        rules: Sequence[OutcomeRule] = (),
        default: OutcomePlan | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.clock = clock
        self.planner = planner
        self.rules = tuple(rules)
        self.default = default or OutcomePlan(outcome=Outcome.PASS)
        self.limits = limits or Limits()
        self.lock = threading.RLock()
        self.runs: dict[str, RunRecord] = {}
        self.projects: dict[str, ProjectRecord] = {}
        self.environments: dict[str, EnvironmentRecord] = {}
        self.memories: dict[str, MemoryRecord] = {}
        self.files: dict[str, FileRecord] = {}
        self.tests: dict[str, TestRecord] = {}
        self.groups: dict[str, GroupRecord] = {}
        self.batches: dict[str, BatchRecord] = {}
        self.apps: dict[str, AppRecord] = {}
        self.uploads: dict[str, UploadRecord] = {}
        self.credentials: dict[str, CredentialRecord] = {}
        self._run_seq = 0
        self._entity_seq = 0
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

    def next_seq(self) -> int:
        with self.lock:
            self._entity_seq += 1
            return self._entity_seq

    def _token(self, n: int) -> str:
        return "".join(self._entity_rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))

    def check_prompt(self, prompt: str, where: str) -> OutcomePlan:
        try:
            return resolve_outcome(prompt, self.rules, self.default)
        except MarkerError as exc:
            raise Invalid(where, str(exc)) from None
