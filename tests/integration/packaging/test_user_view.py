"""The user's view: build sdist + wheel, install the wheel into a fresh venv outside the repository,
type-check a realistic script with `mypy --strict` against that install, run it against the simulator.

Slow (a build and a venv): built once per session; pip's cache keeps the install fast on reruns.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import time
import venv
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

import attrs
import pytest
from testerarmy import RunSummary
from testerarmy.testing import Simulator
from testerarmy_api.models import Run

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[3]
USER_APP = Path(__file__).with_name("user_app.py")
PACKAGES = ("testerarmy", "testerarmy_api", "testerarmy_pydantic")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    sdist: Path
    python: Path
    install_seconds: float


def _run(
    args: list[str], cwd: Path, timeout: float = 600, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("user-view")
    dist = root / "dist"
    built = _run([sys.executable, "-m", "build", "--outdir", str(dist), str(REPO)], cwd=root)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    started = time.perf_counter()
    # The local wheel plus the package index for its dependencies, as a user installs it.
    pip = _run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"{wheel}[cli,sim]"],
        cwd=root,
    )
    elapsed = time.perf_counter() - started
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return Installed(wheel=wheel, sdist=sdist, python=python, install_seconds=elapsed)


def _in_venv(installed: Installed, code: str) -> str:
    result = _run([str(installed.python), "-c", code], cwd=installed.python.parent)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_wheel_is_what_gets_imported(installed: Installed) -> None:
    paths = _in_venv(
        installed, "import testerarmy, testerarmy_api; print(testerarmy.__file__, testerarmy_api.__file__)"
    )
    venv_root = str(installed.python.parent.parent)
    assert all(path.startswith(venv_root) for path in paths.split()), paths


def test_wheel_files(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    for package in PACKAGES:
        assert f"{package}/py.typed" in names, package
    assert any(re.fullmatch(r"[^/]+\.dist-info/licenses/LICENSE", name) for name in names)
    # The spec's Test* schemas (TestDefinition, TestOutput, ...) are generated model modules named
    # test_*.py: they are the package. Anything else named like a test module is not.
    models = ("testerarmy_api/models/",)
    assert not [
        n
        for n in names
        if n.startswith(("tests/", "bench/", "codegen/"))
        or ("/test_" in n and not n.startswith(models))
        or n.endswith("conftest.py")
    ]
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == set(PACKAGES)


def test_sdist_files(installed: Installed) -> None:
    with tarfile.open(installed.sdist) as archive:
        names = [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]
    assert "LICENSE" in names
    assert "README.md" in names
    assert any(name.startswith("docs/") for name in names)
    assert not [n for n in names if n.startswith(("tests/", "bench/", ".github/")) or "/.work/" in n]


def test_twine_check_is_clean(installed: Installed) -> None:
    result = _run(
        [sys.executable, "-m", "twine", "check", "--strict", str(installed.wheel), str(installed.sdist)],
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2


def _reveal_block() -> str:
    """reveal_type of every public attribute of a Run and of a RunSummary (from the classes: a field the
    spec adds is checked too)."""
    lines = ["", "", "def _reveal(run: Run) -> None:", "    summary = summarize(run)"]
    lines += [f"    reveal_type(run.{field.name})" for field in attrs.fields(Run)]
    lines += [f"    reveal_type(summary.{field.name})" for field in fields(RunSummary)]
    return "\n".join(lines) + "\n"


def test_user_script_passes_mypy_strict_and_nothing_on_a_run_is_any(
    installed: Installed, tmp_path: Path
) -> None:
    script = tmp_path / "user_app.py"
    script.write_text(USER_APP.read_text(encoding="utf-8") + _reveal_block(), encoding="utf-8")
    # Our mypy, looking only at the fresh venv's site-packages (--python-executable), no config file.
    result = _run(
        [
            sys.executable, "-m", "mypy", "--strict", "--config-file", "/dev/null", "--no-error-summary",
            "--python-executable", str(installed.python),
            "--cache-dir", str(tmp_path / "mypy-cache"), str(script),
        ],
        cwd=tmp_path,
    )  # fmt: skip
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert not errors, result.stdout
    revealed = re.findall(r'Revealed type is "(.*)"', result.stdout)
    names = [f"run.{f.name}" for f in attrs.fields(Run)] + [f"summary.{f.name}" for f in fields(RunSummary)]
    assert len(revealed) == len(names), result.stdout
    types = dict(zip(names, revealed, strict=True))
    assert "Any" not in types.values()
    # Only the bag of unknown fields (raw JSON) may hold Any, as dict values.
    with_any = {name: t for name, t in types.items() if "Any" in t}
    assert set(with_any) <= {"run.additional_properties"}, with_any
    assert not [t for name, t in types.items() if name.startswith("summary.") and "Unset" in t]
    print("\n".join(f"{name}: {t}" for name, t in types.items()))  # with -s: the reveal_type listing


def test_user_script_runs_against_the_simulator(installed: Installed) -> None:
    with Simulator(time_scale=0.01) as sim:
        env = {**os.environ, "TESTERARMY_BASE_URL": sim.url, "TESTERARMY_API_KEY": sim.api_key}
        env.pop("TESTERARMY_LOG", None)
        result = _run([str(installed.python), str(USER_APP)], cwd=installed.python.parent, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout.splitlines()
    assert re.match(r"\S+ completed PASS \d+\.\ds issues=- error=None outcome=passed$", out[0]), out
    assert out[1] == "model verdict=PASS issues=0"
    assert out[3] == "raw status=200 parsed=Run"
    assert any(line.startswith("listed ") for line in out)
    failed_verdict, errored = out[-2], out[-1]
    assert " completed FAILED " in failed_verdict
    assert "outcome=failed" in failed_verdict
    assert "issues=-" not in failed_verdict
    assert " failed - " in errored
    assert "outcome=errored" in errored
    assert "error=None" not in errored
    assert "details=['code', 'message']" in errored


def test_the_command_runs_from_the_installed_wheel(installed: Installed) -> None:
    command = installed.python.parent / "testerarmy-py"
    result = _run([str(command), "--help"], cwd=installed.python.parent)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_install_from_the_repository_as_the_readme_says(tmp_path: Path) -> None:
    # The README's git+https line, pointed at this checkout's commit (git+file: same pip code path,
    # no network), into a fresh venv: pip clones, builds with the backend, installs.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r'pip install "(testerarmy\[[^\]]+\]) @ git\+https://[^"]+"', readme)
    assert match, "README has no git+https install line with extras"
    commit = _run(["git", "rev-parse", "HEAD"], cwd=REPO).stdout.strip()
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    requirement = f"{match.group(1)} @ git+file://{REPO}@{commit}"
    # The venv's bundled pip may predate git+file:/// support in its requirement parser (23.2 rejects
    # it; git+https parses): bring pip current first, as the Makefile does.
    upgrade = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip"]
    assert _run(upgrade, cwd=tmp_path).returncode == 0
    pip = _run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", requirement], cwd=tmp_path
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    result = _run([str(env_dir / "bin" / "testerarmy-py"), "--version"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    typed = _run(
        [
            str(env_dir / "bin" / "python"),
            "-c",
            "import importlib.resources as r; print(r.files('testerarmy_api') / 'py.typed')",
        ],
        cwd=tmp_path,
    )
    assert Path(typed.stdout.strip()).is_file()
