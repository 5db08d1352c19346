"""codegen/lazy_models.py: the generated models package loads each model on first use."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import testerarmy_api.models as models
from mypy import api as mypy_api

from codegen.errors import SpecError
from codegen.lazy_models import render_lazy_init

EAGER = '''\
"""Contains all the data models used in inputs/outputs"""

from .alpha import Alpha
from .beta_kind import BetaKind

__all__ = (
    "Alpha",
    "BetaKind",
)
'''


def _package(root: Path) -> Path:
    """A tiny package shaped like the generator's output, with the lazy __init__."""
    package = root / "pkg" / "models"
    package.mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (package / "__init__.py").write_text(render_lazy_init(EAGER))
    (package / "alpha.py").write_text("class Alpha:\n    size: int = 1\n")
    (package / "beta_kind.py").write_text("import enum\n\nclass BetaKind(enum.Enum):\n    A = 'a'\n")
    return package


class TestRender:
    def test_names_resolve_lazily_and_once(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        _package(tmp_path)
        monkeypatch.syspath_prepend(str(tmp_path))
        lazy = importlib.import_module("pkg.models")
        try:
            assert "pkg.models.alpha" not in sys.modules
            assert lazy.Alpha is importlib.import_module("pkg.models.alpha").Alpha
            assert "pkg.models.beta_kind" not in sys.modules  # only what was asked for
            assert "Alpha" in vars(lazy)  # cached: later lookups skip __getattr__
            assert set(lazy.__all__) == {"Alpha", "BetaKind"}
            assert {"Alpha", "BetaKind"} <= set(dir(lazy))
            with pytest.raises(AttributeError, match="has no attribute 'Gamma'"):
                lazy.Gamma  # noqa: B018
        finally:
            for name in [m for m in sys.modules if m == "pkg" or m.startswith("pkg.")]:
                del sys.modules[name]

    def test_mypy_sees_every_name_and_no_catch_all(self, tmp_path: Path) -> None:
        _package(tmp_path)
        (tmp_path / "use.py").write_text(
            textwrap.dedent(
                """\
                from pkg.models import Alpha, BetaKind
                import pkg.models as models

                size: int = Alpha().size
                kind: BetaKind = BetaKind.A
                wrong: str = models.Alpha().size
                models.Gamma
                """
            )
        )
        out, _, status = mypy_api.run(
            ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / ".mypy"), str(tmp_path / "use.py")]
        )
        assert status == 1, out
        errors = [line for line in out.splitlines() if ": error:" in line]
        # Exactly the two deliberate mistakes: real types are seen, and unknown names are not Any.
        assert len(errors) == 2, out
        assert "use.py:6:" in errors[0]
        assert "incompatible types" in errors[0].lower()
        assert "use.py:7:" in errors[1]
        assert "Gamma" in errors[1]

    @pytest.mark.parametrize(
        ("source", "problem"),
        [
            ('from .a import A as B\n__all__ = ("B",)\n', "renamed import"),
            ("from .a import A\n", "no __all__"),
            ('from .a import A\n__all__ = ("A", "C")\n', "does not import: ['C']"),
            ('from .a import A\nX = 1\n__all__ = ("A",)\n', "unexpected statement at line 2"),
        ],
    )
    def test_an_unexpected_generator_shape_fails_the_build(self, source: str, problem: str) -> None:
        with pytest.raises(SpecError, match=problem.replace("[", r"\[").replace("]", r"\]")):
            render_lazy_init(source)


class TestGeneratedPackage:
    def test_every_exported_model_is_the_class_of_its_submodule(self) -> None:
        for name in models.__all__:
            value = getattr(models, name)
            assert value.__name__ == name
            assert value.__module__.startswith("testerarmy_api.models.")

    def test_importing_the_package_and_the_operation_table_loads_no_model(self) -> None:
        code = (
            "import sys, testerarmy_api.models, testerarmy_api.resources._operations\n"
            "print(sum(m.startswith('testerarmy_api.models.') for m in sys.modules))\n"
            "testerarmy_api.models.Run\n"
            "print(sum(m.startswith('testerarmy_api.models.') for m in sys.modules))\n"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        before, after = (int(line) for line in out.stdout.split())
        assert before == 0
        assert 0 < after < len(models.__all__) // 2  # the run and what it refers to, not everything

    def test_the_generators_client_classes_load_only_when_asked_for(self) -> None:
        # Nothing of ours uses them; every `testerarmy_api.*` import used to build both attrs classes.
        code = (
            "import sys, testerarmy_api, testerarmy_api.resources._operations\n"
            "from testerarmy import TesterArmy\n"
            "TesterArmy(api_key='sk_' + 'x' * 32, base_url='http://127.0.0.1:9').close()\n"
            "print('testerarmy_api.client' in sys.modules)\n"
            "from testerarmy_api import AuthenticatedClient, Client\n"
            "print(Client.__module__, AuthenticatedClient.__module__)\n"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert out.stdout.split() == ["False", "testerarmy_api.client", "testerarmy_api.client"], out.stderr
