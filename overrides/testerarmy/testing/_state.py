"""In-memory state of the simulator: runs, tests, groups, projects, mobile apps, credentials.

One ``threading.RLock`` guards everything. The server's event loop and the test thread (``sim.runs``,
``sim.advance``, ``sim.complete_run``) both go through it; critical sections are short and never await,
so the lock is safe to take from async handlers. Records are plain mutable dataclasses that only this
module mutates; callers get snapshots (``RunSnapshot``) or copies.

API keys are never stored: ownership is a short SHA-256 fingerprint of the key.
"""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._lifecycle import Phase, Plan, Planner, SimClock, Timeline, resolve_timelines
from ._outcomes import MarkerError, Outcome, OutcomePlan, OutcomeRule, resolve_outcome, strip_markers

__all__ = [
    "AppRecord",
    "Conflict",
    "CredentialRecord",
    "GroupRecord",
    "Invalid",
    "NotFound",
    "ProjectRecord",
    "RunRecord",
    "RunSnapshot",
    "StateError",
    "Store",
    "TestRecord",
    "UploadRecord",
    "fingerprint",
]

ACCEPTED_APP_SUFFIXES = (".app.zip", ".app.tar.gz", ".zip", ".tgz", ".apk")
RUN_MODES = ("concurrent", "sequential")


def fingerprint(api_key: str) -> str:
    """Stable, non-reversible owner id for an API key (the key itself is never kept)."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:16]


class StateError(Exception):
    """A domain error the HTTP layer turns into an error response."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(StateError):
    pass


class Invalid(StateError):
    """Semantically invalid input (400 ValidationError); ``field`` names where, as in ``prompt: Required``."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


class Conflict(StateError):
    """The request is well-formed but the target's state forbids it (e.g. cancelling a finished run)."""


@dataclass
class ProjectRecord:
    id: str
    short_id: str
    name: str
    url: str | None
    description: str | None
    created_at: float
    updated_at: float


@dataclass
class TestRecord:
    __test__ = False  # not a pytest test class, despite the name

    id: str
    project_id: str
    name: str
    prompt: str
    enabled: bool
    steps: list[str]
    created_at: float
    updated_at: float


@dataclass
class GroupRecord:
    id: str
    project_id: str
    name: str
    run_mode: str
    prep_test_id: str | None
    test_ids: list[str]
    owner: str  # fingerprint of the key whose team owns the group (webhook-triggered runs go there)
    webhook_id: str
    webhook_secret: str
    webhook_enabled: bool
    created_at: float
    updated_at: float
    last_batch: list[str] = field(default_factory=list)


@dataclass
class AppRecord:
    id: str
    project_id: str
    platform: str
    filename: str
    bundle_id: str
    app_version: str
    build_version: str
    file_size: int
    source: str
    remove_after: int | None
    created_at: float


@dataclass
class UploadRecord:
    storage_key: str
    project_id: str
    filename: str
    file_size: int
    remove_after: int | None
    created_at: float
    received_bytes: int | None = None  # set by the PUT to uploadUrl


@dataclass
class CredentialRecord:
    id: str
    project_id: str
    type: str
    name: str
    username: str | None
    created_at: float


@dataclass
class RunRecord:
    id: str
    seq: int
    owner: str
    type: str
    source: str
    platform: str
    input: dict[str, Any]
    prompt: str
    feature_name: str
    created_at: float
    plan: Plan
    webhook_url: str | None = None
    webhook_status: str | None = None
    project_id: str | None = None
    test_id: str | None = None
    group_id: str | None = None
    batch_id: str | None = None
    after: str | None = None
    external_ref: dict[str, Any] | None = None
    test_plan: dict[str, Any] | None = None
    steps: tuple[str, ...] = ()
    forced_start: float | None = None
    forced_end: float | None = None
    forced_outcome: Outcome | None = None
    forced_error: dict[str, Any] | None = None
    cancelled_at: float | None = None
    webhook_dispatched: bool = False


@dataclass(frozen=True)
class RunSnapshot:
    """A run as it is at ``at`` (simulated seconds): record fields plus the computed timeline."""

    record: RunRecord  # a copy; mutating it changes nothing
    timeline: Timeline
    at: float

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def status(self) -> Phase:
        return self.timeline.phase_at(self.at)

    @property
    def prompt(self) -> str:
        return self.record.prompt

    @property
    def webhook_status(self) -> str | None:
        return self.record.webhook_status

    @property
    def test_id(self) -> str | None:
        return self.record.test_id

    @property
    def group_id(self) -> str | None:
        return self.record.group_id

    @property
    def batch_id(self) -> str | None:
        return self.record.batch_id

    @property
    def result(self) -> str | None:
        """``PASS``/``FAIL`` once completed, else None."""
        if self.status is not Phase.COMPLETED:
            return None
        return "FAIL" if self.timeline.outcome is Outcome.FAIL else "PASS"


def _copy_run(run: RunRecord) -> RunRecord:
    return RunRecord(**{**run.__dict__, "input": dict(run.input)})


class Store:
    """All simulator state, behind one lock."""

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

    def add_project(
        self,
        name: str,
        *,
        id: str | None = None,  # noqa: A002 - mirrors the API field
        short_id: str | None = None,
        url: str | None = None,
        description: str | None = None,
    ) -> ProjectRecord:
        with self.lock:
            now = self.clock.now()
            pid = _canonical_uuid(id, "project id") if id else self.new_id()
            project = ProjectRecord(
                id=pid,
                short_id=short_id or f"prj_{self._token(8)}",
                name=name,
                url=url,
                description=description,
                created_at=now,
                updated_at=now,
            )
            if pid in self.projects or self._find_project(project.short_id) is not None:
                raise ValueError(f"duplicate project id or shortId: {pid} / {project.short_id}")
            self.projects[pid] = project
            return project

    def _find_project(self, ref: str) -> ProjectRecord | None:
        project = self.projects.get(ref.lower())
        if project is not None:
            return project
        return next((p for p in self.projects.values() if p.short_id == ref), None)

    def project(self, ref: str) -> ProjectRecord:
        """A project by id or shortId (as the API's projectId parameters accept both)."""
        with self.lock:
            project = self._find_project(ref)
            if project is None:
                raise NotFound(f"Project {ref!r} not found")
            return project

    def default_project(self) -> ProjectRecord:
        with self.lock:
            if not self.projects:
                self.add_project("Default project")
            return next(iter(self.projects.values()))

    def update_project(self, ref: str, changes: dict[str, Any]) -> ProjectRecord:
        with self.lock:
            project = self.project(ref)
            for key in ("name", "url", "description"):
                if key in changes:
                    setattr(project, key, changes[key])
            project.updated_at = self.clock.now()
            return project

    # tests -------------------------------------------------------------------------------------

    def add_test(
        self,
        name: str,
        prompt: str = "",
        *,
        id: str | None = None,  # noqa: A002
        project_id: str | None = None,
        enabled: bool = True,
        steps: Iterable[str] = (),
        group_ids: Iterable[str] = (),
    ) -> TestRecord:
        with self.lock:
            project = self.project(project_id) if project_id else self.default_project()
            self.check_prompt(prompt, "prompt")
            tid = _canonical_uuid(id, "test id") if id else self.new_id()
            if tid in self.tests:
                raise ValueError(f"duplicate test id {tid}")
            groups = [self.group(g) for g in group_ids]
            now = self.clock.now()
            test = TestRecord(
                id=tid,
                project_id=project.id,
                name=name,
                prompt=prompt,
                enabled=enabled,
                steps=list(steps),
                created_at=now,
                updated_at=now,
            )
            self.tests[tid] = test
            for group in groups:
                group.test_ids.append(tid)
            return test

    def test(self, test_id: str) -> TestRecord:
        with self.lock:
            test = self.tests.get(test_id.lower())
            if test is None:
                raise NotFound(f"Test {test_id} not found")
            return test

    def groups_of(self, test_id: str) -> list[str]:
        with self.lock:
            return [g.id for g in self.groups.values() if test_id in g.test_ids]

    def update_test(self, test_id: str, changes: dict[str, Any]) -> TestRecord:
        with self.lock:
            test = self.test(test_id)
            if "prompt" in changes:
                self.check_prompt(changes["prompt"], "prompt")
            for key in ("name", "prompt", "enabled", "steps"):
                if key in changes:
                    setattr(test, key, changes[key])
            test.updated_at = self.clock.now()
            return test

    def delete_test(self, test_id: str) -> TestRecord:
        with self.lock:
            test = self.test(test_id)
            del self.tests[test.id]
            for group in self.groups.values():
                group.test_ids = [t for t in group.test_ids if t != test.id]
                if group.prep_test_id == test.id:
                    group.prep_test_id = None
            return test

    # groups ------------------------------------------------------------------------------------

    def add_group(
        self,
        name: str,
        test_ids: Iterable[str] = (),
        *,
        owner: str,
        id: str | None = None,  # noqa: A002
        project_id: str | None = None,
        run_mode: str = "concurrent",
        prep_test_id: str | None = None,
        webhook_id: str | None = None,
        webhook_secret: str | None = None,
        webhook_enabled: bool = True,
    ) -> GroupRecord:
        with self.lock:
            if run_mode not in RUN_MODES:
                raise ValueError(f"run_mode must be one of {RUN_MODES}, got {run_mode!r}")
            project = self.project(project_id) if project_id else self.default_project()
            tests = [self.test(t).id for t in test_ids]
            if prep_test_id is not None:
                prep_test_id = self.test(prep_test_id).id
            gid = _canonical_uuid(id, "group id") if id else self.new_id()
            if gid in self.groups:
                raise ValueError(f"duplicate group id {gid}")
            now = self.clock.now()
            group = GroupRecord(
                id=gid,
                project_id=project.id,
                name=name,
                run_mode=run_mode,
                prep_test_id=prep_test_id,
                test_ids=tests,
                owner=owner,
                webhook_id=_canonical_uuid(webhook_id, "webhook id") if webhook_id else self.new_id(),
                webhook_secret=webhook_secret or f"whsec_{self._token(24)}",
                webhook_enabled=webhook_enabled,
                created_at=now,
                updated_at=now,
            )
            self.groups[gid] = group
            return group

    def group(self, group_id: str) -> GroupRecord:
        with self.lock:
            group = self.groups.get(group_id.lower())
            if group is None:
                raise NotFound(f"Group {group_id} not found")
            return group

    def group_by_webhook(self, webhook_id: str) -> GroupRecord | None:
        with self.lock:
            return next((g for g in self.groups.values() if g.webhook_id == webhook_id.lower()), None)

    def update_group(self, group_id: str, changes: dict[str, Any]) -> GroupRecord:
        with self.lock:
            group = self.group(group_id)
            if "runMode" in changes and changes["runMode"] not in RUN_MODES:
                raise Invalid("runMode", f"Invalid enum value. Expected {' | '.join(map(repr, RUN_MODES))}")
            prep = changes.get("prepTestId")
            if prep is not None:
                if not _is_uuid(prep):
                    raise Invalid("prepTestId", "Invalid uuid")
                if prep.lower() not in self.tests:
                    raise Invalid("prepTestId", f"Test {prep} not found")
            if "name" in changes:
                group.name = changes["name"]
            if "runMode" in changes:
                group.run_mode = changes["runMode"]
            if "prepTestId" in changes:
                group.prep_test_id = prep.lower() if prep is not None else None
            group.updated_at = self.clock.now()
            return group

    # mobile apps, uploads, credentials ---------------------------------------------------------

    def check_app_filename(self, filename: str) -> None:
        if not filename.lower().endswith(ACCEPTED_APP_SUFFIXES):
            raise Invalid(
                "filename", f"Unsupported file type; expected one of {', '.join(ACCEPTED_APP_SUFFIXES)}"
            )

    def add_app(
        self, project_ref: str, filename: str, file_size: int, remove_after: int | None, source: str
    ) -> AppRecord:
        with self.lock:
            project = self.project(project_ref)
            self.check_app_filename(filename)
            stem = re.sub(r"[^a-z0-9]+", "", filename.lower().split(".")[0]) or "app"
            app = AppRecord(
                id=self.new_id(),
                project_id=project.id,
                platform="android" if filename.lower().endswith(".apk") else "ios",
                filename=filename,
                bundle_id=f"com.example.{stem}",
                app_version="1.0.0",
                build_version=str(1 + len(self.apps)),
                file_size=file_size,
                source=source,
                remove_after=remove_after,
                created_at=self.clock.now(),
            )
            self.apps[app.id] = app
            return app

    def app(self, app_id: str) -> AppRecord | None:
        with self.lock:
            return self.apps.get(app_id.lower())

    def live_apps(self, project_ref: str) -> list[AppRecord]:
        with self.lock:
            project = self.project(project_ref)
            now = self.clock.now()
            return [
                a
                for a in self.apps.values()
                if a.project_id == project.id
                and (a.remove_after is None or a.created_at + a.remove_after > now)
            ]

    def delete_app(self, project_ref: str, app_id: str) -> AppRecord:
        with self.lock:
            project = self.project(project_ref)
            app = self.apps.get(app_id.lower())
            if app is None or app.project_id != project.id:
                raise NotFound(f"Mobile app {app_id} not found in project {project_ref!r}")
            del self.apps[app.id]
            return app

    def start_upload(
        self, project_ref: str, filename: str, file_size: int, remove_after: int | None
    ) -> UploadRecord:
        with self.lock:
            project = self.project(project_ref)
            self.check_app_filename(filename)
            upload = UploadRecord(
                storage_key=f"uploads/{project.id}/{self._token(16)}/{filename}",
                project_id=project.id,
                filename=filename,
                file_size=file_size,
                remove_after=remove_after,
                created_at=self.clock.now(),
            )
            self.uploads[upload.storage_key] = upload
            return upload

    def receive_upload(self, storage_key: str, size: int) -> UploadRecord:
        with self.lock:
            upload = self.uploads.get(storage_key)
            if upload is None:
                raise NotFound("Unknown upload URL")
            upload.received_bytes = size
            return upload

    def confirm_upload(
        self, project_ref: str, storage_key: str, filename: str, file_size: int, remove_after: int | None
    ) -> AppRecord:
        with self.lock:
            project = self.project(project_ref)
            upload = self.uploads.get(storage_key)
            if upload is None or upload.project_id != project.id:
                raise Invalid("storageKey", "Unknown storageKey for this project")
            if upload.filename != filename:
                raise Invalid("filename", "Does not match the filename of step 1")
            if upload.file_size != file_size:
                raise Invalid("fileSize", "Does not match the fileSize of step 1")
            if upload.received_bytes is None:
                raise Invalid("storageKey", "Nothing was uploaded yet; PUT the file to uploadUrl first")
            if upload.received_bytes != file_size:
                raise Invalid("fileSize", f"Uploaded {upload.received_bytes} bytes, expected {file_size}")
            del self.uploads[storage_key]
            return self.add_app(project.id, filename, file_size, remove_after, source="upload")

    def add_credential(
        self, project_ref: str, kind: str, name: str, username: str | None
    ) -> CredentialRecord:
        with self.lock:
            project = self.project(project_ref)
            cred = CredentialRecord(
                id=self.new_id(),
                project_id=project.id,
                type=kind,
                name=name,
                username=username,
                created_at=self.clock.now(),
            )
            self.credentials[cred.id] = cred
            return cred

    # runs --------------------------------------------------------------------------------------

    def check_prompt(self, prompt: str, where: str) -> OutcomePlan:
        try:
            return resolve_outcome(prompt, self.rules, self.default)
        except MarkerError as exc:
            raise Invalid(where, str(exc)) from None

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
                feature_name=feature_name or _feature_name(prompt),
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
            return RunSnapshot(_copy_run(run), self._timelines([run.id])[run.id], now)

    def snapshots(self, owner: str | None = None, status: Phase | None = None) -> list[RunSnapshot]:
        """Runs newest first, optionally one owner's and/or one status."""
        with self.lock:
            now = self.clock.now()
            runs = [r for r in self.runs.values() if owner is None or r.owner == owner]
            timelines = self._timelines([r.id for r in runs])
            out = [RunSnapshot(_copy_run(r), timelines[r.id], now) for r in runs]
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
                    due.append(RunSnapshot(_copy_run(self.runs[rid]), timeline, now))
                elif (at := timeline.terminal_at()) is not None:
                    next_due = at if next_due is None else min(next_due, at)
            return due, next_due

    def set_webhook_status(self, run_id: str, status: str) -> None:
        with self.lock:
            run = self.runs.get(run_id)
            if run is not None:
                run.webhook_status = status


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True


def _canonical_uuid(value: str, what: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise ValueError(f"{what} must be a UUID, got {value!r}") from None


_TRAILING_STOPWORDS = frozenset({"a", "an", "and", "at", "for", "in", "of", "on", "the", "to", "with"})


def _feature_name(prompt: str) -> str:
    """A short feature name from a prompt: its first clause, up to six words, without a URL."""
    text = re.split(r"https?://\S+|[.,;:!?]\s|\n", strip_markers(prompt), maxsplit=1)[0]
    words = text.split()[:6]
    while words and words[-1].lower() in _TRAILING_STOPWORDS:
        words.pop()
    name = " ".join(words)
    return name[:80] if name else "Untitled feature"
