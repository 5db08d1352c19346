"""The lock that pins the vendored spec and every other upstream source: sha256, origin and date.

`make generate` refuses a spec (or a pinned source) whose bytes no longer match the lock, so an
accidental edit of openapi.yaml cannot slip into generated code; `make update-spec` is the one way
to move the spec. Besides the spec, the lock pins the other upstream documents the pipeline reads
(`sources`), e.g. the docs page that is the only description of `POST /v1/runs`: its overlay
(codegen/overlays/) is checked against those bytes.

Fields of the spec entry: `path` (repository-relative), `sha256` of its bytes, `source` (where
upstream publishes it: a URL when known), `retrieved` (the capture date), and `fetched_from` when the
bytes came from somewhere other than `source` (a local copy of a capture).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.errors import SpecError

__all__ = [
    "LOCK_PATH",
    "PinnedSource",
    "SpecLock",
    "lock_bytes",
    "read_lock",
    "sha256_of",
    "verify_lock",
    "write_lock",
]

LOCK_PATH = Path(__file__).with_name("openapi.lock.json")


@dataclass(frozen=True)
class PinnedSource:
    """An upstream document besides the spec, vendored byte for byte."""

    path: str
    sha256: str
    source: str
    retrieved: str
    #: What the pipeline takes from it (for people reading the lock).
    provides: str = ""


@dataclass(frozen=True)
class SpecLock:
    path: str
    sha256: str
    source: str
    retrieved: str
    fetched_from: str | None = None
    sources: tuple[PinnedSource, ...] = ()


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_SPEC_FIELDS = ("path", "sha256", "source", "retrieved")


def read_lock(lock_path: Path = LOCK_PATH) -> SpecLock:
    try:
        data = json.loads(lock_path.read_text(encoding="utf-8"))
        sources = tuple(
            PinnedSource(**{k: str(item[k]) for k in _SPEC_FIELDS}, provides=str(item.get("provides", "")))
            for item in data.get("sources") or []
        )
        fetched_from = data.get("fetched_from")
        return SpecLock(
            **{k: str(data[k]) for k in _SPEC_FIELDS},
            fetched_from=None if fetched_from is None else str(fetched_from),
            sources=sources,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SpecError(str(lock_path), "", f"unreadable lock file: {exc}") from None


def lock_bytes(lock: SpecLock) -> bytes:
    """The lock file's content: fixed key order, optional fields only when set."""
    data: dict[str, Any] = {k: getattr(lock, k) for k in _SPEC_FIELDS}
    if lock.fetched_from is not None:
        data["fetched_from"] = lock.fetched_from
    if lock.sources:
        data["sources"] = [
            {k: getattr(s, k) for k in (*_SPEC_FIELDS, "provides") if getattr(s, k)} for s in lock.sources
        ]
    return (json.dumps(data, indent=2) + "\n").encode()


def write_lock(lock: SpecLock, lock_path: Path = LOCK_PATH) -> None:
    lock_path.write_bytes(lock_bytes(lock))


def _mismatch(path: Path, actual: str, expected: str, how: str) -> SpecError:
    return SpecError(
        str(path),
        "",
        f"sha256 {actual[:12]}… does not match codegen/openapi.lock.json ({expected[:12]}…). {how}",
    )


def verify_lock(spec_path: Path, lock: SpecLock) -> str:
    """Return the spec's sha256 if it and every pinned source match the lock; refuse otherwise.

    Pinned sources are repository-relative, i.e. relative to the spec's directory.
    """
    actual = sha256_of(spec_path)
    if actual != lock.sha256:
        raise _mismatch(
            spec_path,
            actual,
            lock.sha256,
            "openapi.yaml stands for upstream and is not edited by hand; to take a new upstream spec "
            "run `make update-spec SPEC=<url-or-path>`.",
        )
    for pinned in lock.sources:
        path = spec_path.parent / pinned.path
        try:
            found = sha256_of(path)
        except OSError as exc:
            raise SpecError(str(path), "", f"pinned source is unreadable: {exc.strerror}") from None
        if found != pinned.sha256:
            raise _mismatch(
                path,
                found,
                pinned.sha256,
                f"it is upstream's {pinned.source} as retrieved {pinned.retrieved}; it is not edited "
                "by hand: vendor the new bytes and update its lock entry together.",
            )
    return actual
