"""In-memory state of the simulator: runs, batches, tests, groups, projects and what hangs off them.

``Store`` is one object behind one lock (``_store_base``), its methods split by resource:
``_store_projects`` (projects, environments, credentials, memories, files), ``_store_catalog``
(tests, groups, membership), ``_store_mobile`` (apps, uploads), ``_store_runs`` (runs, list pages,
webhooks) and ``_store_batches`` (group batches); the records are in ``_records``. Resources of
operations without hand-written behaviour live in the generic ``_crud.ResourceStore`` instead.
"""

from __future__ import annotations

from ._records import (
    AppRecord,
    BatchRecord,
    Conflict,
    CredentialRecord,
    EnvironmentRecord,
    FileRecord,
    GroupRecord,
    Invalid,
    Limit,
    MemoryRecord,
    NotFound,
    ProjectRecord,
    RunRecord,
    RunSnapshot,
    StateError,
    TestRecord,
    UploadRecord,
    fingerprint,
)
from ._store_base import Limits
from ._store_batches import BatchStore

__all__ = [
    "AppRecord",
    "BatchRecord",
    "Conflict",
    "CredentialRecord",
    "EnvironmentRecord",
    "FileRecord",
    "GroupRecord",
    "Invalid",
    "Limit",
    "Limits",
    "MemoryRecord",
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


class Store(BatchStore):
    """All simulator state, behind one lock."""

    def delete_project(self, ref: str) -> ProjectRecord:
        """Delete a project and, as upstream documents, everything under it: groups, tests, runs,
        batches, environments, credentials, memories, files, mobile apps and pending uploads."""
        with self.lock:
            project = self.project(ref)
            pid = project.id
            del self.projects[pid]
            for table in (
                self.groups,
                self.tests,
                self.batches,
                self.environments,
                self.credentials,
                self.memories,
                self.files,
                self.apps,
                self.uploads,
            ):
                for key in [k for k, v in table.items() if v.project_id == pid]:
                    del table[key]
            gone = [rid for rid, run in self.runs.items() if run.project_id == pid]
            for rid in gone:
                del self.runs[rid]
                self._pending_webhooks.discard(rid)
            # A run of another project chained after a deleted one would wait forever otherwise.
            for run in self.runs.values():
                if run.after in gone:
                    run.after = None
            return project
