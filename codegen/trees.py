"""Compare two directory trees file by file (the drift check and the no-op detection share it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["TreeDiff", "diff_trees"]

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


def _files(root: Path) -> dict[str, Path]:
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): p
        for p in root.rglob("*")
        if p.is_file() and not _IGNORED_DIRS.intersection(p.relative_to(root).parts)
    }


def diff_trees(old: Path, new: Path) -> TreeDiff:
    before, after = _files(old), _files(new)
    return TreeDiff(
        added=tuple(sorted(after.keys() - before.keys())),
        removed=tuple(sorted(before.keys() - after.keys())),
        changed=tuple(
            sorted(k for k in before.keys() & after.keys() if before[k].read_bytes() != after[k].read_bytes())
        ),
    )
