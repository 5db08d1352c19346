"""A readable repr for the client generator's ``Unset`` sentinel (a build step of codegen/build.py).

openapi-python-client's ``Unset`` has no ``__repr__``, so a model with a field the API left out prints
``platform=<testerarmy_api.types.Unset object at 0x7f...>``: noise in logs, tracebacks and REPLs, and
different on every run. The generator has no setting for it, and we do not ship a copy of its
template, so this step adds the method to the generated ``types.py`` right after generation (the
committed output, checked by ``make check-generated``; nothing is patched at run time). If the
generator's class ever changes shape, the build fails here instead of silently skipping the step.
"""

from __future__ import annotations

from pathlib import Path

from codegen.errors import SpecError

__all__ = ["add_unset_repr"]

_ANCHOR = "class Unset:\n    def __bool__(self) -> Literal[False]:\n        return False\n"
_METHOD = '\n    def __repr__(self) -> str:\n        return "UNSET"\n'


def add_unset_repr(package: Path) -> None:
    path = package / "types.py"
    text = path.read_text(encoding="utf-8")
    if text.count(_ANCHOR) != 1:
        raise SpecError(
            "types.py", "Unset", "the generator's Unset class changed shape; update codegen/unset_repr.py"
        )
    path.write_text(text.replace(_ANCHOR, _ANCHOR + _METHOD), encoding="utf-8")
