"""The simulator's records (plain dataclasses the stores mutate), snapshots, errors and id helpers.

API keys are never stored: ownership is a short SHA-256 fingerprint of the key.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from ._lifecycle import Phase, Plan, Timeline
from ._outcomes import Outcome, strip_markers

__all__ = [
    "ACCEPTED_APP_SUFFIXES",
    "IMPORTANCE_RANK",
    "RUN_MODES",
    "AppRecord",
    "BatchRecord",
    "Conflict",
    "CredentialRecord",
    "EnvironmentRecord",
    "FileRecord",
    "GroupRecord",
    "Invalid",
    "Limit",
    "MemoryRecord",
    "NotFound",
    "ProjectRecord",
    "RunRecord",
    "RunSnapshot",
    "StateError",
    "TestRecord",
    "UploadRecord",
    "canonical_uuid",
    "copy_run",
    "derive_feature_name",
    "fingerprint",
    "is_uuid",
    "slugify",
]

ACCEPTED_APP_SUFFIXES = (".app.zip", ".app.tar.gz", ".zip", ".tgz", ".apk")
RUN_MODES = ("concurrent", "sequential")
# Memory importance, highest first: a new memory may prune only memories ranked below it.
IMPORTANCE_RANK = {"high": 3, "medium": 2, "low": 1}


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


class Limit(StateError):
    """A plan limit is reached (``current`` of ``limit``): projects answer 403 ProjectLimitError."""

    def __init__(self, message: str, current: int, limit: int) -> None:
        super().__init__(message)
        self.current = current
        self.limit = limit


@dataclass
class ProjectRecord:
    id: str
    short_id: str
    name: str
    url: str | None
    description: str | None
    created_at: float
    updated_at: float
    project_type: str = "web"
    webhook_id: str = ""  # the project's deployment webhook (POST /v1/webhook/{id}/{secret})
    webhook_secret: str = ""
    pr_group_ids: list[str] = field(default_factory=list)  # groups a deployment webhook starts
    owner: str = ""  # fingerprint of the key whose team gets the runs its webhook starts


@dataclass
class EnvironmentRecord:
    id: str
    project_id: str
    name: str
    slug: str
    kind: str  # production | pr_preview (built in, not deletable) | static
    url: str | None


@dataclass
class MemoryRecord:
    id: str
    project_id: str
    category: str
    title: str
    content: str
    importance: str
    created_at: float
    updated_at: float


@dataclass
class FileRecord:
    id: str
    project_id: str
    filename: str
    media_type: str
    file_size: int
    description: str | None
    summary: str | None
    created_at: float


@dataclass
class TestRecord:
    __test__ = False  # not a pytest test class, despite the name

    id: str
    project_id: str
    title: str
    description: str | None
    enabled: bool
    steps: list[dict[str, Any]]  # TestStep JSON objects ({"type": "act", "title": ...})
    created_at: float
    updated_at: float
    platform: str = "web"
    seq: int = 0  # creation order: list order and the position a cursor names

    @property
    def name(self) -> str:
        return self.title

    @property
    def prompt(self) -> str:
        """Everything the simulated agent reads: title, description and step texts (markers too)."""
        parts = [self.title, self.description or ""]
        parts += [str(s.get("title") or s.get("code") or "") for s in self.steps]
        return " ".join(p for p in parts if p)


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
    is_default: bool = False


@dataclass
class BatchRecord:
    id: str
    group_id: str
    project_id: str
    owner: str
    run_ids: list[str]
    test_ids: list[str]  # in run order (the prep test first)
    trigger: dict[str, Any]  # what the trigger asked for (platform, targetUrl, ...), reused by rerun


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
    """A project credential; the password (or instructions) is never kept, only whether there was one."""

    id: str
    project_id: str
    kind: str
    auth_method: str
    label: str
    username: str
    has_auth_instructions: bool
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
    steps: tuple[dict[str, Any], ...] = ()
    device_model: str | None = None
    execution_mode: str | None = None
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
        """``output.result`` once completed (``PASS``/``FAILED``); None otherwise or when skipped."""
        if self.status is not Phase.COMPLETED or self.timeline.outcome is Outcome.SKIP:
            return None
        return "FAILED" if self.timeline.outcome is Outcome.FAIL else "PASS"

    @property
    def skipped(self) -> bool:
        """Completed with planner-skipped output (``{kind: planner_skipped, reason}``)."""
        return self.status is Phase.COMPLETED and self.timeline.outcome is Outcome.SKIP


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "env"


def copy_run(run: RunRecord) -> RunRecord:
    return RunRecord(**{**run.__dict__, "input": dict(run.input)})


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True


def canonical_uuid(value: str, what: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise ValueError(f"{what} must be a UUID, got {value!r}") from None


_TRAILING_STOPWORDS = frozenset({"a", "an", "and", "at", "for", "in", "of", "on", "the", "to", "with"})


def derive_feature_name(prompt: str) -> str:
    """A short feature name from a prompt: its first clause, up to six words, without a URL."""
    text = re.split(r"https?://\S+|[.,;:!?]\s|\n", strip_markers(prompt), maxsplit=1)[0]
    words = text.split()[:6]
    while words and words[-1].lower() in _TRAILING_STOPWORDS:
        words.pop()
    name = " ".join(words)
    return name[:80] if name else "Untitled feature"
