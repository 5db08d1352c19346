"""Every make target is listed by `make help` and has something to do (`make integration` once
did nothing and exited 0)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
MAKEFILE = (REPO / "Makefile").read_text(encoding="utf-8")


def _phony() -> set[str]:
    declared = " ".join(re.findall(r"^\.PHONY:((?:.*\\\n)*.*)$", MAKEFILE, flags=re.MULTILINE))
    return set(declared.replace("\\", " ").split())


def _documented() -> set[str]:
    return set(re.findall(r"^([a-zA-Z_-]+):.*## ", MAKEFILE, flags=re.MULTILINE))


def test_every_phony_target_is_documented_and_vice_versa() -> None:
    assert _phony() == _documented()


def _dry_run(target: str) -> list[str]:
    # -n prints what would run without running it; -W pyproject.toml pretends it changed, so the venv
    # stamp is out of date and `install` shows its recipe too (on any machine, installed or not).
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", "-W", "pyproject.toml", target, "SPEC=x"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("target", sorted(_documented()))
def test_every_target_runs_commands_of_its_own(target: str) -> None:
    venv_setup = set(_dry_run(".venv/.installed"))
    lines = _dry_run(target)
    assert not [line for line in lines if "Nothing to be done" in line]
    # Beyond creating the venv (install's whole job), a target must have work of its own.
    own = lines if target == "install" else [line for line in lines if line not in venv_setup]
    assert own, f"make {target} would do nothing"
