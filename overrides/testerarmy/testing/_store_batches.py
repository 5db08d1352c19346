"""The store's group batches: trigger a group, cancel a batch, re-run a batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._lifecycle import Phase
from ._records import BatchRecord, Conflict, GroupRecord, Invalid, NotFound, RunRecord, TestRecord
from ._store_runs import RunStore

__all__ = ["BatchStore", "MakeRun"]

MakeRun = Callable[[TestRecord, "str | None", str], RunRecord]
"""``make_run(test, after, batch_id)`` creates one run of a batch (the caller knows type/source/input)."""


class BatchStore(RunStore):
    def trigger_group(
        self,
        group: GroupRecord,
        *,
        owner: str,
        make_run: MakeRun,
        trigger: dict[str, Any] | None = None,
        tests: list[TestRecord] | None = None,
    ) -> tuple[BatchRecord, list[RunRecord]]:
        """Queue a batch for the enabled tests of ``group`` (or ``tests``): the prep test first,
        the others after it, concurrently or chained one after another (sequential groups)."""
        with self.lock:
            if tests is None:
                tests = [self.tests[t] for t in group.test_ids if t in self.tests and self.tests[t].enabled]
            prep = next((t for t in tests if t.id == group.prep_test_id), None)
            rest = [t for t in tests if prep is None or t.id != prep.id]
            if not tests:
                raise Invalid("groupId", f"Group {group.id} has no enabled tests to run")
            for test in tests:
                self.check_prompt(test.prompt, f"tests[{test.id}].steps")
            batch_id = self.new_id()
            runs: list[RunRecord] = []
            previous: str | None = None
            if prep is not None:
                prep_run = make_run(prep, None, batch_id)
                runs.append(prep_run)
                previous = prep_run.id
            first_after = previous
            for test in rest:
                after = previous if group.run_mode == "sequential" else first_after
                run = make_run(test, after, batch_id)
                runs.append(run)
                previous = run.id
            batch = BatchRecord(
                id=batch_id,
                group_id=group.id,
                project_id=group.project_id,
                owner=owner,
                run_ids=[r.id for r in runs],
                test_ids=[r.test_id or "" for r in runs],
                trigger=dict(trigger or {}),
            )
            self.batches[batch.id] = batch
            self._changed()
            return batch, runs

    def batch(self, batch_id: str, owner: str | None) -> BatchRecord:
        with self.lock:
            batch = self.batches.get(batch_id.lower())
            if batch is None or (owner is not None and batch.owner != owner):
                raise NotFound(f"Batch {batch_id} not found")
            return batch

    def cancel_batch(self, batch_id: str, owner: str | None) -> tuple[BatchRecord, list[str], list[str]]:
        """(batch, cancelled run ids, already finished run ids): idempotent once all are finished."""
        with self.lock:
            batch = self.batch(batch_id, owner)
            now = self.clock.now()
            timelines = self._timelines([r for r in batch.run_ids if r in self.runs])
            cancelled: list[str] = []
            finished: list[str] = []
            for run_id in batch.run_ids:
                timeline = timelines.get(run_id)
                if timeline is None or timeline.phase_at(now).terminal:
                    finished.append(run_id)
                else:
                    self.runs[run_id].cancelled_at = now
                    cancelled.append(run_id)
            if cancelled:
                self._changed()
            return batch, cancelled, finished

    def rerun_batch(
        self, batch_id: str, owner: str, make_run: MakeRun
    ) -> tuple[BatchRecord, BatchRecord, list[RunRecord], list[str]]:
        """(source batch, new batch, its runs, skipped test ids): deleted or disabled tests are skipped."""
        with self.lock:
            source = self.batch(batch_id, owner)
            group = self.groups.get(source.group_id)
            if group is None:
                raise Conflict(f"Batch {source.id} cannot be re-run: its group was deleted")
            runnable: list[TestRecord] = []
            skipped: list[str] = []
            for test_id in dict.fromkeys(source.test_ids):
                test = self.tests.get(test_id)
                if test is None or not test.enabled:
                    skipped.append(test_id)
                else:
                    runnable.append(test)
            if not runnable:
                raise Conflict(f"Batch {source.id} cannot be re-run: none of its tests is runnable")
            batch, runs = self.trigger_group(
                group, owner=owner, make_run=make_run, trigger=source.trigger, tests=runnable
            )
            return source, batch, runs, skipped

    def batch_status(self, run_ids: list[str]) -> dict[str, Phase]:
        with self.lock:
            now = self.clock.now()
            return {rid: t.phase_at(now) for rid, t in self._timelines(run_ids).items()}
