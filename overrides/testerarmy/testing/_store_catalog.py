"""The store's tests and groups: each project's default group, group membership, test pages."""

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
)
from ._store_base import decode_cursor, encode_cursor
from ._store_projects import ProjectStore

__all__ = ["DEFAULT_GROUP_NAME", "CatalogStore", "as_step"]

DEFAULT_GROUP_NAME = "All Tests"


def as_step(step: str | dict[str, Any]) -> dict[str, Any]:
    """A TestStep object; a plain string is an ``act`` step with that title (seeds, the CLI)."""
    return {"type": "act", "title": step} if isinstance(step, str) else dict(step)


class CatalogStore(ProjectStore):
    def _project_created(self, project: ProjectRecord, owner: str) -> None:
        """Every project has its default group (``All Tests``); new tests join it."""
        self.add_group(DEFAULT_GROUP_NAME, owner=owner, project_id=project.id, is_default=True)

    # tests -------------------------------------------------------------------------------------

    def add_test(
        self,
        name: str,
        prompt: str = "",
        *,
        id: str | None = None,  # noqa: A002
        project_id: str | None = None,
        enabled: bool = True,
        steps: Iterable[str | dict[str, Any]] = (),
        group_ids: Iterable[str] = (),
        platform: str = "web",
    ) -> TestRecord:
        """A test (``prompt`` becomes its description); it joins its project's default group."""
        with self.lock:
            project = self.project(project_id) if project_id else self.default_project()
            step_list = [as_step(s) for s in steps] or [{"type": "act", "title": prompt or name}]
            tid = canonical_uuid(id, "test id") if id else self.new_id()
            if tid in self.tests:
                raise ValueError(f"duplicate test id {tid}")
            groups = [self.group(g) for g in group_ids]
            for group in groups:
                if group.project_id != project.id:
                    raise Invalid("groupId", f"Group {group.id} belongs to another project")
            now = self.clock.now()
            test = TestRecord(
                id=tid,
                project_id=project.id,
                title=name,
                description=prompt or None,
                enabled=enabled,
                steps=step_list,
                created_at=now,
                updated_at=now,
                platform=platform,
                seq=self.next_seq(),
            )
            self.check_prompt(test.prompt, "steps")
            self.tests[tid] = test
            default = self.default_group(project.id)
            for group in [default, *groups]:
                if tid not in group.test_ids:
                    group.test_ids.append(tid)
            return test

    def test(self, test_id: str) -> TestRecord:
        with self.lock:
            test = self.tests.get(test_id.lower())
            if test is None:
                raise NotFound(f"Test {test_id} not found")
            return test

    def groups_of(self, test_id: str) -> list[GroupRecord]:
        with self.lock:
            return [g for g in self.groups.values() if test_id in g.test_ids]

    def update_test(self, test_id: str, changes: dict[str, Any]) -> TestRecord:
        with self.lock:
            test = self.test(test_id)
            title = changes.get("title", test.title)
            description = changes.get("description", test.description)
            steps = changes.get("steps", test.steps)
            probe = TestRecord(test.id, test.project_id, title, description, True, steps, 0, 0)
            self.check_prompt(probe.prompt, "steps")
            test.title, test.description, test.steps = title, description, steps
            if "enabled" in changes:
                test.enabled = changes["enabled"]
            test.updated_at = self.clock.now()
            return test

    def delete_test(self, test_id: str) -> TestRecord:
        with self.lock:
            test = self.test(test_id)
            del self.tests[test.id]
            for group in self.groups.values():
                self._drop_member(group, test.id)
            return test

    def test_page(
        self, project_ref: str, group_id: str | None, limit: int, cursor: str | None
    ) -> tuple[ProjectRecord, list[TestRecord], str | None]:
        """Tests of a project (or of one of its groups) in creation order, one page from ``cursor``."""
        with self.lock:
            project = self.project(project_ref)
            tests = [t for t in self.tests.values() if t.project_id == project.id]
            if group_id is not None:
                group = self.group(group_id)
                if group.project_id != project.id:
                    raise NotFound(f"Group {group_id} not found in project {project_ref!r}")
                tests = [t for t in tests if t.id in group.test_ids]
            after = decode_cursor("tests", cursor) if cursor else 0
            tests = [t for t in sorted(tests, key=lambda t: t.seq) if t.seq > after]
            page = tests[:limit]
            more = len(tests) > limit
            return project, page, encode_cursor("tests", page[-1].seq) if more else None

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
        is_default: bool = False,
    ) -> GroupRecord:
        with self.lock:
            if run_mode not in RUN_MODES:
                raise ValueError(f"run_mode must be one of {RUN_MODES}, got {run_mode!r}")
            project = self.project(project_id) if project_id else self.default_project()
            tests = [self.test(t).id for t in test_ids]
            if prep_test_id is not None:
                prep_test_id = self.test(prep_test_id).id
                if prep_test_id not in tests:
                    tests.insert(0, prep_test_id)
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
                is_default=is_default,
            )
            self.groups[gid] = group
            return group

    def create_group(self, fields: dict[str, Any], *, owner: str) -> GroupRecord:
        """POST /v1/groups: at most ``limits.groups_per_project`` (the default group counts)."""
        with self.lock:
            project = self.project(fields["projectId"])
            count = len(self.groups_in(project.id))
            if count >= self.limits.groups_per_project:
                raise Invalid(
                    "projectId", f"Group limit reached ({self.limits.groups_per_project} groups per project)"
                )
            prep = fields.get("prepTestId")
            if prep is not None:
                self._check_member_candidate(project.id, prep, "prepTestId")
            return self.add_group(
                fields["name"],
                owner=owner,
                project_id=project.id,
                run_mode=fields.get("runMode") or "concurrent",
                prep_test_id=prep,
            )

    def group(self, group_id: str) -> GroupRecord:
        with self.lock:
            group = self.groups.get(group_id.lower())
            if group is None:
                raise NotFound(f"Group {group_id} not found")
            return group

    def groups_in(self, project_ref: str) -> list[GroupRecord]:
        with self.lock:
            project = self.project(project_ref)
            return [g for g in self.groups.values() if g.project_id == project.id]

    def default_group(self, project_id: str) -> GroupRecord:
        with self.lock:
            return next(g for g in self.groups_in(project_id) if g.is_default)

    def group_by_webhook(self, webhook_id: str) -> GroupRecord | None:
        with self.lock:
            return next((g for g in self.groups.values() if g.webhook_id == webhook_id.lower()), None)

    def _check_member_candidate(self, project_id: str, test_id: str, where: str) -> TestRecord:
        test = self.tests.get(test_id.lower())
        if test is None:
            raise Invalid(where, f"Test {test_id} not found")
        if test.project_id != project_id:
            raise Invalid(where, f"Test {test_id} belongs to another project")
        return test

    def update_group(self, group_id: str, changes: dict[str, Any]) -> GroupRecord:
        with self.lock:
            group = self.group(group_id)
            prep = changes.get("prepTestId")
            if prep is not None:
                prep = self._check_member_candidate(group.project_id, prep, "prepTestId").id
            if "name" in changes:
                group.name = changes["name"]
            if "runMode" in changes:
                group.run_mode = changes["runMode"]
            if "prepTestId" in changes:
                group.prep_test_id = prep
                if prep is not None and prep not in group.test_ids:
                    group.test_ids.insert(0, prep)  # the prep test is a member, run first
            group.updated_at = self.clock.now()
            return group

    def delete_group(self, group_id: str) -> GroupRecord:
        with self.lock:
            group = self.group(group_id)
            if group.is_default:
                raise Invalid("groupId", f"The default group {group.name!r} cannot be deleted")
            del self.groups[group.id]
            for project in self.projects.values():
                project.pr_group_ids = [g for g in project.pr_group_ids if g != group.id]
            return group

    def add_member(self, group_id: str, test_id: str) -> tuple[GroupRecord, TestRecord, bool]:
        """(group, test, added): ``added`` is False when the test already was a member."""
        with self.lock:
            group = self.group(group_id)
            test = self.test(test_id)
            if test.project_id != group.project_id:
                raise Invalid("testId", f"Test {test.id} belongs to another project")
            if test.id in group.test_ids:
                return group, test, False
            group.test_ids.append(test.id)
            group.updated_at = self.clock.now()
            return group, test, True

    def remove_member(self, group_id: str, test_id: str) -> tuple[GroupRecord, bool]:
        with self.lock:
            group = self.group(group_id)
            removed = self._drop_member(group, test_id.lower())
            if removed:
                group.updated_at = self.clock.now()
            return group, removed

    @staticmethod
    def _drop_member(group: GroupRecord, test_id: str) -> bool:
        if test_id not in group.test_ids:
            return False
        group.test_ids = [t for t in group.test_ids if t != test_id]
        if group.prep_test_id == test_id:
            group.prep_test_id = None  # documented: removal clears a prepTestId pointing at it
        return True
