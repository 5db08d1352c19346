"""Prove the hand-written package against a staged generated tree before `generate` swaps it in.

overrides/ is layered on generated/: a spec change that is fine for the generators can still break
it (a removed operation the facade imports, a renamed field it reads). So `generate` imports the
package `testerarmy` and runs `mypy --strict` on it with the *staged* tree first on every search
path; any failure is one line per error, `file:line: message`, and nothing is swapped or bumped.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from codegen.errors import SpecError

__all__ = [
    "OVERRIDES_PACKAGE",
    "OverridesBrokenError",
    "OverridesCheck",
    "check_overrides",
    "overrides_dir",
    "start_overrides_checks",
]

OVERRIDES_PACKAGE = "testerarmy"

# Imports every module of the package (skipping `__main__` entry points, which run on import), then
# builds both clients: resources import their generated modules lazily, on construction or access.
_SMOKE = """
import importlib, pkgutil, sys
stage, overrides, package = sys.argv[1:4]
sys.path[:0] = [stage, overrides]
root = importlib.import_module(package)
for info in pkgutil.walk_packages(root.__path__, package + "."):
    if not info.name.endswith(".__main__"):
        importlib.import_module(info.name)
for name in ("TesterArmy", "AsyncTesterArmy"):
    client_class = getattr(root, name, None)
    if client_class is not None:
        client = client_class(api_key="generate-smoke-test")
        for attribute in dir(client):
            if not attribute.startswith("_"):
                getattr(client, attribute)
"""

_MYPY_ERROR = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?:\d+:)? error: (?P<message>.*)$", re.MULTILINE)
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)', re.MULTILINE)


class OverridesBrokenError(SpecError):
    """overrides/ does not import or type-check against the new generated tree."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        listing = "".join(f"\n  {line}" for line in errors)
        super().__init__(
            "overrides/",
            "",
            f"{len(errors)} error(s) against the new generated tree; generated/, the version and "
            "CHANGELOG.md were left untouched (fix overrides/ or the rules, then run make generate):"
            + listing,
        )


def overrides_dir(project_root: Path) -> Path | None:
    """The directory holding the hand-written package, when this project has one."""
    candidate = project_root / "overrides"
    return candidate if (candidate / OVERRIDES_PACKAGE).is_dir() else None


def _relative(path: str, root: Path, stage: Path) -> str:
    resolved = Path(path).resolve()
    for base, label in ((stage, "<new generated>"), (root, "")):
        try:
            rest = resolved.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
        return f"{label}/{rest}" if label else rest
    return path


def _import_errors(output: str, root: Path, stage: Path) -> list[str]:
    """A traceback as one line: the innermost frame in our code (or the stage), and the exception."""
    lines = [line for line in output.strip().splitlines() if line.strip()]
    exception = lines[-1].strip() if lines else "import failed with no output"
    ours = [
        (m["file"], m["line"])
        for m in _FRAME.finditer(output)
        if Path(m["file"]).resolve().is_relative_to(root.resolve())
        or Path(m["file"]).resolve().is_relative_to(stage.resolve())
    ]
    if not ours:
        return [f"import {OVERRIDES_PACKAGE}: {exception}"]
    file, line = ours[-1]
    return [f"{_relative(file, root, stage)}:{line}: {exception}"]


class OverridesCheck:
    """The import smoke test and mypy, started together; `result()` waits for both."""

    def __init__(self, project_root: Path, overrides: Path, stage: Path, cache_dir: Path) -> None:
        self._root, self._stage = project_root, stage
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        self._imported = subprocess.Popen(
            [sys.executable, "-I", "-B", "-c", _SMOKE, str(stage), str(overrides), OVERRIDES_PACKAGE],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=project_root,
        )  # fmt: skip
        pyproject = project_root / "pyproject.toml"
        config = ["--config-file", str(pyproject)] if pyproject.is_file() else ["--strict"]
        # MYPYPATH is searched before the config's mypy_path and site-packages, so the staged tree
        # shadows generated/ (and the editable install) for this run only.
        self._typed = subprocess.Popen(
            [sys.executable, "-m", "mypy", *config, "--strict", "--cache-dir", str(cache_dir),
             "--no-error-summary", "--hide-error-context", "--no-pretty", str(overrides / OVERRIDES_PACKAGE)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=project_root,
            env={**env, "MYPYPATH": os.pathsep.join([str(stage), str(overrides)])},
        )  # fmt: skip

    def result(self) -> None:
        import_output, _ = self._imported.communicate()
        type_output, _ = self._typed.communicate()
        errors: list[str] = []
        if self._imported.returncode != 0:
            errors += _import_errors(import_output, self._root, self._stage)
        if self._typed.returncode != 0:
            found = [
                f"{_relative(m['file'], self._root, self._stage)}:{m['line']}: {m['message']}"
                for m in _MYPY_ERROR.finditer(type_output)
            ]
            errors += found or [f"mypy: {line}" for line in type_output.strip().splitlines()[-1:]]
        if errors:
            raise OverridesBrokenError(errors)


def start_overrides_checks(project_root: Path, stage: Path, cache_dir: Path) -> OverridesCheck | None:
    """Start both checks (they run while the caller validates the stage itself); None without overrides/."""
    overrides = overrides_dir(project_root)
    if overrides is None:
        return None
    return OverridesCheck(project_root, overrides, stage, cache_dir)


def check_overrides(project_root: Path, stage: Path, cache_dir: Path) -> None:
    """Both checks, waited for; raises OverridesBrokenError (no-op without overrides/)."""
    check = start_overrides_checks(project_root, stage, cache_dir)
    if check is not None:
        check.result()
