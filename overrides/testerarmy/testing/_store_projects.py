"""The store's projects and what hangs off them: environments, credentials, memories and files."""

from __future__ import annotations

from typing import Any

from ._records import (
    IMPORTANCE_RANK,
    Conflict,
    CredentialRecord,
    EnvironmentRecord,
    FileRecord,
    Invalid,
    Limit,
    MemoryRecord,
    NotFound,
    ProjectRecord,
    canonical_uuid,
    slugify,
)
from ._store_base import StoreBase

__all__ = ["BUILT_IN_ENVIRONMENTS", "ProjectStore"]

# Every project has these two, managed by TesterArmy (not deletable): name, slug, kind.
BUILT_IN_ENVIRONMENTS = (
    ("Production", "production", "production"),
    ("PR Preview", "pr-preview", "pr_preview"),
)


class ProjectStore(StoreBase):
    def add_project(
        self,
        name: str,
        *,
        id: str | None = None,  # noqa: A002 - mirrors the API field
        short_id: str | None = None,
        url: str | None = None,
        description: str | None = None,
        project_type: str = "web",
        webhook_id: str | None = None,
        webhook_secret: str | None = None,
        owner: str = "",
    ) -> ProjectRecord:
        """A project with its built-in environments (and, in the catalog, its default group);
        ``owner`` (a key fingerprint) owns the runs its webhooks start."""
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
                project_type=project_type,
                webhook_id=canonical_uuid(webhook_id, "webhook id") if webhook_id else self.new_id(),
                webhook_secret=webhook_secret or f"whsec_{self._token(24)}",
                owner=owner,
            )
            if pid in self.projects or self._find_project(project.short_id) is not None:
                raise ValueError(f"duplicate project id or shortId: {pid} / {project.short_id}")
            self.projects[pid] = project
            for env_name, slug, kind in BUILT_IN_ENVIRONMENTS:
                env = EnvironmentRecord(self.new_id(), pid, env_name, slug, kind, None)
                self.environments[env.id] = env
            self._project_created(project, owner)
            return project

    def _project_created(self, project: ProjectRecord, owner: str) -> None:
        """Hook for what else a new project comes with (the default group, in the catalog)."""

    def create_project(self, fields: dict[str, Any], *, owner: str) -> ProjectRecord:
        """POST /v1/projects: within the plan's project limit (403 ProjectLimitError beyond it)."""
        with self.lock:
            if len(self.projects) >= self.limits.projects:
                raise Limit(
                    f"Project limit reached ({self.limits.projects} projects on this plan)",
                    len(self.projects),
                    self.limits.projects,
                )
            return self.add_project(
                fields["name"],
                url=fields.get("url"),
                description=fields.get("description"),
                project_type=fields.get("projectType") or "web",
                owner=owner,
            )

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

    def default_project(self, owner: str = "") -> ProjectRecord:
        with self.lock:
            if not self.projects:
                self.add_project("Default project", owner=owner)
            return next(iter(self.projects.values()))

    def update_project(self, ref: str, changes: dict[str, Any]) -> ProjectRecord:
        with self.lock:
            project = self.project(ref)
            for key in ("name", "url", "description"):
                if key in changes:
                    setattr(project, key, changes[key])
            project.updated_at = self.clock.now()
            return project

    def project_by_webhook(self, webhook_id: str) -> ProjectRecord | None:
        with self.lock:
            return next((p for p in self.projects.values() if p.webhook_id == webhook_id.lower()), None)

    # environments -----------------------------------------------------------------------------

    def environments_of(self, ref: str) -> list[EnvironmentRecord]:
        with self.lock:
            project = self.project(ref)
            return [e for e in self.environments.values() if e.project_id == project.id]

    def add_environment(self, ref: str, name: str, url: str) -> EnvironmentRecord:
        with self.lock:
            project = self.project(ref)
            if not url.lower().startswith("https://") or len(url) <= len("https://"):
                raise Invalid("url", "Must be an HTTPS URL")
            slug = slugify(name)
            for env in self.environments_of(project.id):
                if env.name.lower() == name.lower() or env.slug == slug:
                    raise Conflict(f"Environment name {name!r} conflicts with environment {env.name!r}")
            env = EnvironmentRecord(self.new_id(), project.id, name, slug, "static", url)
            self.environments[env.id] = env
            return env

    def delete_environment(self, ref: str, env_id: str) -> EnvironmentRecord:
        with self.lock:
            project = self.project(ref)
            env = self.environments.get(env_id.lower())
            if env is None or env.project_id != project.id:
                raise NotFound(f"Environment {env_id} not found in project {ref!r}")
            if env.kind != "static":
                raise Invalid("environmentId", f"The built-in {env.name} environment cannot be deleted")
            del self.environments[env.id]
            return env

    def environment_url(self, project: ProjectRecord, env_id: str) -> str | None:
        """The URL runs use for ``projectEnvironmentId`` (400 when it is not the project's)."""
        with self.lock:
            env = self.environments.get(env_id.lower())
            if env is None or env.project_id != project.id:
                raise Invalid("projectEnvironmentId", f"Environment {env_id} not found in the project")
            return env.url if env.kind == "static" else project.url

    # credentials ------------------------------------------------------------------------------

    def add_credential(self, ref: str, body: dict[str, Any]) -> CredentialRecord:
        """One of the three documented bodies; the password or instructions are dropped here."""
        with self.lock:
            project = self.project(ref)
            kind = body["kind"]
            if kind == "inbox":
                method, username = "password", f"inbox-{self._token(10)}@inbox.sim.tester.army"
            else:
                method = body.get("authMethod") or "password"
                username = body.get("username") or ""
            cred = CredentialRecord(
                id=self.new_id(),
                project_id=project.id,
                kind=kind,
                auth_method=method,
                label=body["label"],
                username=username,
                has_auth_instructions=bool(body.get("authInstructions")),
                created_at=self.clock.now(),
            )
            self.credentials[cred.id] = cred
            return cred

    def credentials_of(self, ref: str) -> list[CredentialRecord]:
        with self.lock:
            project = self.project(ref)
            return [c for c in self.credentials.values() if c.project_id == project.id]

    # memories ---------------------------------------------------------------------------------

    def memories_of(self, ref: str) -> list[MemoryRecord]:
        with self.lock:
            project = self.project(ref)
            return [m for m in self.memories.values() if m.project_id == project.id]

    def add_memory(self, ref: str, body: dict[str, Any]) -> tuple[MemoryRecord, int]:
        """A new memory and how many were pruned to make room (the lowest-ranked, oldest first).

        At the limit, a memory ranked below the new one's importance makes room; with none, the
        answer is 409 ("no lower-priority memories can be pruned").
        """
        with self.lock:
            project = self.project(ref)
            existing = self.memories_of(project.id)
            pruned = 0
            if len(existing) >= self.limits.memories_per_project:
                rank = IMPORTANCE_RANK[body["importance"]]
                lower = [m for m in existing if IMPORTANCE_RANK.get(m.importance, 0) < rank]
                if not lower:
                    raise Conflict(
                        f"Memory limit reached ({self.limits.memories_per_project}) and no "
                        f"lower-priority memories can be pruned"
                    )
                victim = min(lower, key=lambda m: (IMPORTANCE_RANK.get(m.importance, 0), m.created_at))
                del self.memories[victim.id]
                pruned = 1
            now = self.clock.now()
            memory = MemoryRecord(
                id=self.new_id(),
                project_id=project.id,
                category=body["category"],
                title=body["title"],
                content=body["content"],
                importance=body["importance"],
                created_at=now,
                updated_at=now,
            )
            self.memories[memory.id] = memory
            return memory, pruned

    def delete_memory(self, ref: str, memory_id: str) -> MemoryRecord:
        with self.lock:
            project = self.project(ref)
            memory = self.memories.get(memory_id.lower())
            if memory is None or memory.project_id != project.id:
                raise NotFound(f"Memory {memory_id} not found in project {ref!r}")
            del self.memories[memory.id]
            return memory

    # files ------------------------------------------------------------------------------------

    def add_file(
        self,
        ref: str,
        filename: str,
        *,
        media_type: str = "application/octet-stream",
        file_size: int = 0,
        description: str | None = None,
        summary: str | None = None,
    ) -> FileRecord:
        with self.lock:
            project = self.project(ref)
            record = FileRecord(
                self.new_id(),
                project.id,
                filename,
                media_type,
                file_size,
                description,
                summary,
                self.clock.now(),
            )
            self.files[record.id] = record
            return record

    def files_of(self, ref: str) -> list[FileRecord]:
        with self.lock:
            project = self.project(ref)
            return [f for f in self.files.values() if f.project_id == project.id]
