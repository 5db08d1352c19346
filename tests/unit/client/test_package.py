"""The public surface of `import testerarmy`: names, laziness, version."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import testerarmy as ta

REPO = Path(__file__).resolve().parents[3]


def test_every_public_name_resolves() -> None:
    for name in ta.__all__:
        assert getattr(ta, name) is not None, name
    assert set(ta.__all__) <= set(dir(ta))


def test_unknown_attribute() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        ta.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018


def test_reexports_are_the_generated_objects() -> None:
    from testerarmy_api._spec import API_VERSION, DEFAULT_BASE_URL
    from testerarmy_api.models import CreateRunResponse, Run, RunStatus

    assert ta.Run is Run
    assert ta.RunStatus is RunStatus
    assert ta.CreateRunResponse is CreateRunResponse
    assert (ta.API_VERSION, ta.DEFAULT_BASE_URL) == (API_VERSION, DEFAULT_BASE_URL)


def test_version_matches_pyproject() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert ta.__version__ == project["version"]


def test_import_is_light_and_never_pulls_testing_or_cli() -> None:
    code = (
        "import sys, testerarmy\n"
        "heavy = [m for m in ('httpx', 'attrs', 'testerarmy_api', 'testerarmy.testing', 'testerarmy.cli',"
        " 'testerarmy._client') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
        "from testerarmy import TesterArmy\n"
        "print('testerarmy_api.models' in sys.modules, 'testerarmy.testing' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["", "False False"]
