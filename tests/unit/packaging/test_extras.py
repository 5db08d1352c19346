"""Without an extra, the module that needs it says which extra to install (one line, no traceback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import testerarmy_api
import testerarmy_pydantic


def _run_without(blocked: str, code: str) -> subprocess.CompletedProcess[str]:
    # `sys.modules[name] = None` makes every import of `name` fail as if it were not installed.
    prelude = f"import sys; sys.modules[{blocked!r}] = None\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code], capture_output=True, text=True, timeout=60, check=False
    )


def test_both_generated_packages_carry_the_pep561_marker() -> None:
    for package in (testerarmy_api, testerarmy_pydantic):
        assert (Path(package.__file__).parent / "py.typed").is_file(), package.__name__


def test_pydantic_models_without_pydantic_name_the_sim_extra() -> None:
    result = _run_without("pydantic", "import testerarmy_pydantic")
    assert result.returncode == 1
    assert "ModuleNotFoundError: testerarmy_pydantic needs pydantic: pip install 'testerarmy[sim]'" in (
        result.stderr
    )


def test_command_without_click_names_the_cli_extra_and_exits_2() -> None:
    result = _run_without("click", "from testerarmy.cli import main; raise SystemExit(main())")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "pip install 'testerarmy[cli]'" in lines[0]
    assert "Traceback" not in result.stderr
