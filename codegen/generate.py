"""`make generate` and `make check-generated`.

generate: build into a staging directory, validate it (imports, mypy --strict), then swap it in
as generated/ with two renames. Any failure before the swap leaves generated/ exactly as it was.
check: build into a scratch directory and compare with generated/, listing every difference.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from codegen.build import CLIENT_PACKAGE, PYDANTIC_PACKAGE, build_tree
from codegen.diff.gate import check_spec_change, record_spec_change
from codegen.errors import SpecError
from codegen.lock import LOCK_PATH, read_lock, verify_lock
from codegen.prove import OverridesBrokenError, check_overrides, start_overrides_checks
from codegen.stamp import BuildStamp
from codegen.trees import TreeDiff, diff_trees

__all__ = ["GENERATED_DIR", "REPO_ROOT", "SPEC_PATH", "check", "generate"]

REPO_ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = REPO_ROOT / "openapi.yaml"
GENERATED_DIR = REPO_ROOT / "generated"
WORK_DIR = REPO_ROOT / "codegen" / ".work"
MYPY_CONFIG = Path(__file__).with_name("mypy-generated.ini")

_IMPORT_ALL = """
import importlib, pkgutil, sys
for package in sys.argv[1:]:
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        importlib.import_module(info.name)
"""


def _validate(stage: Path, project_root: Path) -> None:
    """The staged tree imports and passes mypy --strict, and so does overrides/ on top of it.

    The four checks (codegen/prove.py has the overrides' two) run at once.
    """
    overrides = start_overrides_checks(project_root, stage, WORK_DIR / "mypy_cache_overrides")
    env = {**os.environ, "PYTHONPATH": str(stage), "PYTHONDONTWRITEBYTECODE": "1"}
    imported = subprocess.Popen(
        [sys.executable, "-I", "-B", "-c", f"import sys; sys.path.insert(0, {str(stage)!r})\n" + _IMPORT_ALL,
         CLIENT_PACKAGE, PYDANTIC_PACKAGE],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    # The staging path is always the same, so mypy's cache stays valid between runs.
    typed = subprocess.Popen(
        [sys.executable, "-m", "mypy", "--config-file", str(MYPY_CONFIG),
         "--cache-dir", str(WORK_DIR / "mypy_cache"), "-p", CLIENT_PACKAGE, "-p", PYDANTIC_PACKAGE],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=stage,
        env={**env, "MYPYPATH": str(stage)},
    )  # fmt: skip
    import_output, _ = imported.communicate()
    type_output, _ = typed.communicate()
    broken: OverridesBrokenError | None = None
    try:
        if overrides is not None:
            overrides.result()
    except OverridesBrokenError as exc:
        broken = exc
    if imported.returncode != 0:
        raise SpecError("generated code", "", f"does not import:\n{import_output.strip()}")
    if typed.returncode != 0:
        raise SpecError("generated code", "", f"fails mypy --strict:\n{type_output.strip()}")
    if broken is not None:
        raise broken


@contextmanager
def _exclusive_stage() -> Iterator[Path]:
    """A fixed staging directory, held under an exclusive lock (two generates never interleave)."""
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    with (WORK_DIR / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stage = WORK_DIR / "stage"
        shutil.rmtree(stage, ignore_errors=True)
        try:
            yield stage / "generated"
        finally:
            shutil.rmtree(stage, ignore_errors=True)


def _swap(stage: Path, target: Path) -> None:
    old = WORK_DIR / f"previous-{os.getpid()}"
    if target.exists():
        target.rename(old)
    try:
        stage.rename(target)
    except OSError:
        if old.exists():
            old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def generate(
    spec_path: Path = SPEC_PATH,
    target: Path = GENERATED_DIR,
    lock_path: Path = LOCK_PATH,
    *,
    allow_breaking: bool | None = None,
) -> TreeDiff:
    """`allow_breaking` None reads ALLOW_BREAKING from the environment (see codegen/diff/gate.py)."""
    spec_sha256 = verify_lock(spec_path, read_lock(lock_path))
    stamp = BuildStamp.of(spec_path, target)
    if stamp.matches_last():
        # Same spec and rules as a build that passed the gate below: it has nothing to report or refuse.
        print(
            f"generated/ is up to date with openapi.yaml (sha256 {spec_sha256[:12]}…): "
            "no input changed since the last build (`make check-generated` rebuilds to compare)"
        )
        return TreeDiff((), (), ())
    # Change report vs the spec generated/ came from; refusals happen here, before any staging.
    plan = check_spec_change(spec_path, target, spec_sha256, allow_breaking)
    with _exclusive_stage() as stage:
        build_tree(spec_path, spec_sha256, stage)
        changes = diff_trees(target, stage)
        if not changes:
            # The tree is the committed one, but overrides/ may have changed since: prove it too.
            check_overrides(spec_path.parent, stage, WORK_DIR / "mypy_cache_overrides")
            stamp.record()
            print(f"generated/ is up to date with openapi.yaml (sha256 {spec_sha256[:12]}…)")
            return changes
        # Only a tree that differs from the committed (already validated) one needs checking.
        _validate(stage, spec_path.parent)
        # Everything passed: only now swap, then bump the version and write CHANGELOG.
        _swap(stage, target)
        print(f"generated/ rewritten from openapi.yaml (sha256 {spec_sha256[:12]}…):")
        print("\n".join(changes.lines()))
        record_spec_change(spec_path, plan)  # version bump + CHANGELOG entry, if the spec changed
        # Stamped after the bump: the version file is in overrides/, one of the stamp's inputs.
        BuildStamp.of(spec_path, target).record()
        return changes


def check(spec_path: Path = SPEC_PATH, target: Path = GENERATED_DIR, lock_path: Path = LOCK_PATH) -> TreeDiff:
    spec_sha256 = verify_lock(spec_path, read_lock(lock_path))
    with tempfile.TemporaryDirectory(prefix="testerarmy-check-") as tmp:
        fresh = Path(tmp) / "generated"
        build_tree(spec_path, spec_sha256, fresh)
        return diff_trees(fresh, target)
