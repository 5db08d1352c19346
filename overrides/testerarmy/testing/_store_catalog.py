"""The store's projects, tests and groups."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._records import (
    RUN_MODES,
    GroupRecord,
    Invalid,
    NotFound,
    ProjectRecord,
    TestRecord,
    canonical_uuid,
    is_uuid,
)
from ._store_base import StoreBase

__all__ = ["CatalogStore"]


class CatalogStore(StoreBase):
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
            pid = canonical_uuid(id, "project id") if id else self.new_id()
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
            tid = canonical_uuid(id, "test id") if id else self.new_id()
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
            gid = canonical_uuid(id, "group id") if id else self.new_id()
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
                webhook_id=canonical_uuid(webhook_id, "webhook id") if webhook_id else self.new_id(),
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
                if not is_uuid(prep):
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
