"""Compare two directory trees file by file (the drift check and the no-op detection share it)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TreeDiff", "diff_trees", "tree_digest"]

_IGNORED_DIRS = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


@dataclass(frozen=True)
class TreeDiff:
    added: tuple[str, ...]  # in `new` only
    removed: tuple[str, ...]  # in `old` only
    changed: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def lines(self) -> list[str]:
        return (
            [f"  + {p}" for p in self.added]
            + [f"  - {p}" for p in self.removed]
            + [f"  ~ {p}" for p in self.changed]
        )


def _files(root: Path, skip_dirs: frozenset[str] | set[str] = frozenset()) -> dict[str, Path]:
    if not root.is_dir():
        return {}
    ignored = _IGNORED_DIRS | set(skip_dirs)
    return {
        p.relative_to(root).as_posix(): p
        for p in root.rglob("*")
        if p.is_file() and not ignored.intersection(p.relative_to(root).parts)
    }


def tree_digest(root: Path, skip_dirs: frozenset[str] | set[str] = frozenset()) -> str:
    """sha256 over every file's relative path and bytes, in path order."""
    digest = hashlib.sha256()
    for name, path in sorted(_files(root, skip_dirs).items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def diff_trees(old: Path, new: Path) -> TreeDiff:
    before, after = _files(old), _files(new)
    return TreeDiff(
        added=tuple(sorted(after.keys() - before.keys())),
        removed=tuple(sorted(before.keys() - after.keys())),
        changed=tuple(
            sorted(k for k in before.keys() & after.keys() if before[k].read_bytes() != after[k].read_bytes())
        ),
    )
