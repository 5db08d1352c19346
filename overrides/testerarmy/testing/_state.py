"""In-memory state of the simulator: runs, tests, groups, projects, mobile apps, credentials.

``Store`` is one object behind one lock (``_store_base``), its methods split by resource:
``_store_catalog`` (projects, tests, groups), ``_store_mobile`` (apps, uploads, credentials) and
``_store_runs`` (runs, batches, webhooks); the records are in ``_records``. Resources of operations
without hand-written behaviour live in the generic ``_crud.ResourceStore`` instead.
"""

from __future__ import annotations

from ._records import (
    AppRecord,
    Conflict,
    CredentialRecord,
    GroupRecord,
    Invalid,
    NotFound,
    ProjectRecord,
    RunRecord,
    RunSnapshot,
    StateError,
    TestRecord,
    UploadRecord,
    fingerprint,
)
from ._store_runs import RunStore

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


class Store(RunStore):
    """All simulator state, behind one lock."""
