"""The store's runs: creation, timelines, snapshots, list pages, cancel, forced outcomes, webhooks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from ._lifecycle import Phase, Timeline, resolve_timelines
from ._outcomes import Outcome
from ._records import (
    Conflict,
    NotFound,
    RunRecord,
    RunSnapshot,
    copy_run,
    derive_feature_name,
)
from ._store_base import decode_cursor, encode_cursor
from ._store_mobile import MobileStore

__all__ = ["RunStore"]


class RunStore(MobileStore):
    def create_run(
        self,
        *,
        owner: str,
        prompt: str,
        input: dict[str, Any],  # noqa: A002
        type: str = "test",  # noqa: A002
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
        steps: Sequence[dict[str, Any]] = (),
        feature_name: str | None = None,
        prompt_field: str = "prompt",
        device_model: str | None = None,
        execution_mode: str | None = None,
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
                device_model=device_model,
                execution_mode=execution_mode,
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

    def run_page(
        self,
        *,
        owner: str | None,
        limit: int,
        cursor: str | None = None,
        status: Phase | None = None,
        project_id: str | None = None,
        test_id: str | None = None,
    ) -> tuple[list[RunSnapshot], str | None]:
        """One page of runs, newest first, and the cursor of the next page (None: last page).

        The order is the creation sequence, and a cursor names the sequence number of the last run
        of its page: runs created while a client pages sort before the first page, so later pages
        neither repeat nor skip a run. Filters apply at the moment each page is read.
        """
        before = decode_cursor("runs", cursor) if cursor else None
        with self.lock:
            now = self.clock.now()
            runs = [
                r
                for r in self.runs.values()
                if (owner is None or r.owner == owner)
                and (before is None or r.seq < before)
                and (project_id is None or r.project_id == project_id)
                and (test_id is None or r.test_id == test_id)
            ]
            runs.sort(key=lambda r: r.seq, reverse=True)
            timelines = self._timelines([r.id for r in runs])
            page: list[RunSnapshot] = []
            more = False
            for run in runs:
                timeline = timelines[run.id]
                if status is not None and timeline.phase_at(now) is not status:
                    continue
                if len(page) == limit:
                    more = True
                    break
                page.append(RunSnapshot(copy_run(run), timeline, now))
        return page, encode_cursor("runs", page[-1].record.seq) if more and page else None

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
