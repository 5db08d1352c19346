"""Replace files so that a reader sees either all old or all new contents, never half a file.

Each file is written to a temporary sibling first (same directory, so the final rename cannot
cross filesystems), then renamed over its target. For several files, every temporary is written
before the first rename, and a failed rename puts the files already replaced back.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write", "replace_files"]


def _stage(path: Path, data: bytes) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    staged = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            staged.chmod(path.stat().st_mode & 0o7777)
        else:
            staged.chmod(0o644)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged


def replace_files(files: list[tuple[Path, bytes]]) -> None:
    """Write every (path, data) pair; on any failure the paths hold their previous bytes."""
    originals = {path: path.read_bytes() if path.exists() else None for path, _ in files}
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files:
            staged.append((_stage(path, data), path))
    except BaseException:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        raise
    done: list[Path] = []
    try:
        for temp, path in staged:
            os.replace(temp, path)
            done.append(path)
    except BaseException:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        for path in done:
            previous = originals[path]
            with contextlib.suppress(OSError):
                if previous is None:
                    path.unlink()
                else:
                    os.replace(_stage(path, previous), path)
        raise


def atomic_write(path: Path, data: bytes) -> None:
    replace_files([(path, data)])
