"""The public names as a user's tools see them: mypy rejects misspelt names, pytest ignores our classes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import testerarmy

REPO = Path(__file__).resolve().parents[3]


def _mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "user_code.py"
    script.write_text(textwrap.dedent(source), encoding="utf-8")
    # Run outside the repository with no config: only the installed packages are visible, as for a user.
    return subprocess.run(
        [
            sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--config-file", "/dev/null",
            "--cache-dir", str(REPO / ".mypy_cache" / "user-view"), str(script),
        ],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_mypy_rejects_a_misspelt_public_name(tmp_path: Path) -> None:
    result = _mypy(
        tmp_path,
        """
        from testerarmy import TesterAmry
        """,
    )
    assert result.returncode == 1, result.stdout
    assert 'Module "testerarmy" has no attribute "TesterAmry"' in result.stdout


def test_mypy_sees_every_lazy_name_with_its_real_type(tmp_path: Path) -> None:
    imports = ", ".join(sorted(testerarmy.__all__))
    result = _mypy(
        tmp_path,
        f"""
        from testerarmy import {imports}

        reveal_type(TesterArmy)
        reveal_type(Run)
        """,
    )
    assert result.returncode == 0, result.stdout
    assert ": error:" not in result.stdout, result.stdout
    assert 'Revealed type is "def (' in result.stdout  # a class or function, not Any
    assert "Any" not in result.stdout


def test_every_public_name_resolves_at_run_time() -> None:
    for name in testerarmy.__all__:
        getattr(testerarmy, name)
    with pytest.raises(AttributeError, match="TesterAmry"):
        getattr(testerarmy, "TesterAmry")  # noqa: B009


def test_importing_the_clients_and_base_classes_into_a_test_module_collects_nothing(tmp_path: Path) -> None:
    (tmp_path / "test_user_suite.py").write_text(
        "from testerarmy import AsyncTesterArmy, TesterArmy, TesterArmyError, TesterArmyWarning\n"
        "from testerarmy import RateLimitError\n\n\n"
        "def test_something() -> None:\n"
        "    assert TesterArmy and AsyncTesterArmy and TesterArmyError and TesterArmyWarning\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-W", "error", "-q", "-p", "no:cacheprovider",
            "--rootdir", str(tmp_path), "-c", "/dev/null", str(tmp_path),
        ],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert "PytestCollectionWarning" not in result.stdout


def test_unset_is_the_generated_sentinel_reexported() -> None:
    from testerarmy_api import types

    assert testerarmy.UNSET is types.UNSET
    assert testerarmy.Unset is types.Unset
    assert not testerarmy.UNSET
