"""The store's runs: creation, timelines, snapshots, cancel, forced outcomes, group batches, webhooks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from ._lifecycle import Phase, Timeline, resolve_timelines
from ._outcomes import Outcome
from ._records import (
    Conflict,
    GroupRecord,
    Invalid,
    NotFound,
    RunRecord,
    RunSnapshot,
    copy_run,
    derive_feature_name,
)
from ._store_mobile import MobileStore

__all__ = ["RunStore"]


class RunStore(MobileStore):
    def create_run(
        self,
        *,
        owner: str,
        prompt: str,
        input: dict[str, Any],  # noqa: A002
        type: str = "api",  # noqa: A002
        source: str = "api",
        platform: str = "web",
        webhook_url: str | None = None,
        project_id: str | None = None,
        test_id: str | None = None,
        group_id: str | None = None,
        batch_id: str | None = None,
        after: str | None = None,
        external_ref: dict[str, Any] | None = None,
        test_plan: dict[str, Any] | None = None,
        steps: Sequence[str] = (),
        feature_name: str | None = None,
        prompt_field: str = "prompt",
    ) -> RunRecord:
        wanted = self.check_prompt(prompt, prompt_field)
        with self.lock:
            self._run_seq += 1
            seq = self._run_seq
            rng = self.planner.rng(seq)
            run_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            plan = self.planner.plan(wanted, rng)
            run = RunRecord(
                id=run_id,
                seq=seq,
                owner=owner,
                type=type,
                source=source,
                platform=platform,
                input=input,
                prompt=prompt,
                feature_name=feature_name or derive_feature_name(prompt),
                created_at=self.clock.now(),
                plan=plan,
                webhook_url=webhook_url,
                webhook_status="pending" if webhook_url else None,
                project_id=project_id,
                test_id=test_id,
                group_id=group_id,
                batch_id=batch_id,
                after=after,
                external_ref=external_ref,
                test_plan=test_plan,
                steps=tuple(steps),
            )
            self.runs[run_id] = run
            if webhook_url:
                self._pending_webhooks.add(run_id)
                self._changed()
            return run

    def _timelines(self, ids: list[str]) -> dict[str, Timeline]:
        return resolve_timelines(ids, self.runs)

    def snapshot(self, run_id: str, owner: str | None = None) -> RunSnapshot:
        """The run now; ``owner`` (a key fingerprint) hides other keys' runs as not found."""
        with self.lock:
            run = self.runs.get(run_id.lower())
            if run is None or (owner is not None and run.owner != owner):
                raise NotFound(f"Run {run_id} not found")
            now = self.clock.now()
            return RunSnapshot(copy_run(run), self._timelines([run.id])[run.id], now)

    def snapshots(self, owner: str | None = None, status: Phase | None = None) -> list[RunSnapshot]:
        """Runs newest first, optionally one owner's and/or one status."""
        with self.lock:
            now = self.clock.now()
            runs = [r for r in self.runs.values() if owner is None or r.owner == owner]
            timelines = self._timelines([r.id for r in runs])
            out = [RunSnapshot(copy_run(r), timelines[r.id], now) for r in runs]
        out = [s for s in out if status is None or s.status is status]
        out.sort(key=lambda s: (s.record.created_at, s.record.seq), reverse=True)
        return out

    def cancel_run(self, run_id: str, owner: str | None) -> RunSnapshot:
        with self.lock:
            snap = self.snapshot(run_id, owner)
            if snap.status.terminal:
                raise Conflict(f"Run {snap.id} is already {snap.status.value} and cannot be cancelled")
            self.runs[snap.id].cancelled_at = snap.at
            self._changed()
            return self.snapshot(snap.id)

    def force(
        self,
        run_id: str,
        *,
        start: bool = False,
        outcome: Outcome | None = None,
        error: dict[str, Any] | None = None,
    ) -> RunSnapshot:
        """Admin control: start a queued run now, or finish a non-terminal run now with ``outcome``."""
        with self.lock:
            snap = self.snapshot(run_id)
            if snap.status.terminal:
                raise Conflict(f"Run {snap.id} is already {snap.status.value}")
            run = self.runs[snap.id]
            now = snap.at
            if (start or outcome is not None) and snap.status is Phase.QUEUED:
                run.forced_start = now
            if outcome is not None:
                run.forced_end = now
                run.forced_outcome = outcome
                run.forced_error = error
            self._changed()
            return self.snapshot(snap.id)

    def trigger_group(
        self, group: GroupRecord, *, owner: str, make_run: Any
    ) -> tuple[str, list[RunRecord], list[str]]:
        """Queue a batch for every enabled test of ``group``; earlier batches' queued runs are superseded.

        ``make_run(test, after, batch_id)`` creates one run (the caller knows source/type/input).
        Returns (batch id, new runs, ids of cancelled runs).
        """
        with self.lock:
            tests = [self.tests[t] for t in group.test_ids if t in self.tests and self.tests[t].enabled]
            prep = self.tests.get(group.prep_test_id) if group.prep_test_id else None
            tests = [t for t in tests if prep is None or t.id != prep.id]
            if not tests and prep is None:
                raise Invalid("groupId", f"Group {group.id} has no enabled tests to run")
            for test in ([prep] if prep else []) + tests:
                self.check_prompt(test.prompt, f"tests[{test.id}].prompt")
            # Supersede: a new batch cancels the previous batch's runs that have not started yet.
            cancelled: list[str] = []
            timelines = self._timelines([r for r in group.last_batch if r in self.runs])
            now = self.clock.now()
            for rid, timeline in timelines.items():
                if timeline.phase_at(now) is Phase.QUEUED:
                    self.runs[rid].cancelled_at = now
                    cancelled.append(rid)
            batch_id = self.new_id()
            runs: list[RunRecord] = []
            previous: str | None = None
            if prep is not None:
                prep_run = make_run(prep, None, batch_id)
                runs.append(prep_run)
                previous = prep_run.id
            first_after = previous
            for test in tests:
                after = previous if group.run_mode == "sequential" else first_after
                run = make_run(test, after, batch_id)
                runs.append(run)
                previous = run.id
            group.last_batch = [r.id for r in runs]
            self._changed()
            return batch_id, runs, cancelled

    # webhooks ----------------------------------------------------------------------------------

    def due_webhooks(self) -> tuple[list[RunSnapshot], float | None]:
        """Runs with a webhook that turned terminal and were not handed out yet (they are marked now),
        and the simulated time at which the next pending one will be due (None: none scheduled)."""
        with self.lock:
            if not self._pending_webhooks:
                return [], None
            now = self.clock.now()
            ids = sorted(self._pending_webhooks, key=lambda r: self.runs[r].seq)
            timelines = self._timelines(ids)
            due: list[RunSnapshot] = []
            next_due: float | None = None
            for rid in ids:
                timeline = timelines[rid]
                if timeline.phase_at(now).terminal:
                    self._pending_webhooks.discard(rid)
                    self.runs[rid].webhook_dispatched = True
                    due.append(RunSnapshot(copy_run(self.runs[rid]), timeline, now))
                elif (at := timeline.terminal_at()) is not None:
                    next_due = at if next_due is None else min(next_due, at)
            return due, next_due

    def set_webhook_status(self, run_id: str, status: str) -> None:
        with self.lock:
            run = self.runs.get(run_id)
            if run is not None:
                run.webhook_status = status
