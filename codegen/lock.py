"""The lock that pins the vendored spec: its sha256, where it came from and when.

`make generate` refuses a spec whose bytes no longer match the lock, so an accidental edit of
openapi.yaml cannot slip into generated code; `make update-spec` is the one way to move it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from codegen.errors import SpecError

__all__ = ["LOCK_PATH", "SpecLock", "read_lock", "sha256_of", "verify_lock", "write_lock"]

LOCK_PATH = Path(__file__).with_name("openapi.lock.json")


@dataclass(frozen=True)
class SpecLock:
    path: str
    sha256: str
    source: str
    retrieved: str


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_lock(lock_path: Path = LOCK_PATH) -> SpecLock:
    try:
        data = json.loads(lock_path.read_text(encoding="utf-8"))
        return SpecLock(**{k: str(data[k]) for k in ("path", "sha256", "source", "retrieved")})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SpecError(str(lock_path), "", f"unreadable lock file: {exc}") from None


def write_lock(lock: SpecLock, lock_path: Path = LOCK_PATH) -> None:
    lock_path.write_text(json.dumps(asdict(lock), indent=2) + "\n", encoding="utf-8")


def verify_lock(spec_path: Path, lock: SpecLock) -> str:
    """Return the spec's sha256 if it matches the lock; refuse otherwise."""
    actual = sha256_of(spec_path)
    if actual != lock.sha256:
        raise SpecError(
            str(spec_path),
            "",
            f"sha256 {actual[:12]}… does not match codegen/openapi.lock.json ({lock.sha256[:12]}…). "
            "openapi.yaml stands for upstream and is not edited by hand; to take a new upstream spec "
            "run `make update-spec SPEC=<url-or-path>`.",
        )
    return actual
