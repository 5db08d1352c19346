"""Make the generated ``models`` package load each model on first use (PEP 562).

The client package's own ``__init__.py`` gets the same treatment: the generator re-exports its
attrs-based ``Client``/``AuthenticatedClient`` there, which nothing of ours uses, yet every import
of a ``testerarmy_api`` submodule ran it (and built both attrs classes) first.

openapi-python-client writes ``models/__init__.py`` as one ``from .x import X`` per model, so the
first ``import testerarmy_api.models`` — which every call makes, through the operation table —
imports all ~190 model modules (and their attrs classes) although one call needs two or three.
This build step rewrites that file from what the generator wrote:

* the same names in ``__all__``, each bound lazily by a module-level ``__getattr__`` to the class
  from the same submodule (``models.Run`` is ``models.run.Run``, as before);
* the same imports under ``if TYPE_CHECKING:``, so mypy (ours and users', ``--strict``) sees every
  name with its real type. ``__getattr__`` is defined only when not type checking: otherwise mypy
  would accept any attribute of the module, typos included, as ``Any``.

It is a codegen step, not a runtime patch: the generated file itself is lazy, and
``make check-generated`` holds it to this function's output. The input must be exactly the
generator's shape (a docstring, relative single-name imports, ``__all__``); anything else fails the
build with a message, because silently dropping a name would drop a model.
"""

from __future__ import annotations

import ast
from pathlib import Path

from codegen.errors import SpecError

__all__ = ["make_lazy", "render_lazy_init"]


def _imports(source: str, where: str) -> tuple[str | None, dict[str, str], list[str]]:
    """(docstring, {name: submodule}, __all__) of a generator's ``__init__.py`` (``where``)."""
    tree = ast.parse(source)
    doc = ast.get_docstring(tree)
    names: dict[str, str] = {}
    exported: list[str] | None = None
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            for alias in node.names:
                if alias.asname not in (None, alias.name):
                    raise SpecError(where, alias.name, f"{where}: renamed import not supported")
                names[alias.name] = node.module
            continue
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "__all__"
            and isinstance(node.value, ast.Tuple | ast.List)
        ):
            exported = [ast.literal_eval(element) for element in node.value.elts]
            continue
        raise SpecError(where, "", f"{where}: unexpected statement at line {node.lineno}")
    if exported is None:
        raise SpecError(where, "", f"{where} has no __all__")
    missing = sorted(set(exported) - set(names))
    if missing:
        raise SpecError(where, "", f"{where} exports names it does not import: {missing}")
    return doc, names, exported


def render_lazy_init(source: str, where: str = "models/__init__.py", *, noun: str = "model") -> str:
    """The lazy ``__init__.py`` for the generator's eager ``source`` (each ``noun`` on first use)."""
    doc, names, exported = _imports(source, where)
    summary = (doc or "The data models used in inputs/outputs").rstrip(".")
    lines = [
        f'"""{summary}.',
        "",
        f"Each {noun} loads on first use (PEP 562; this file is written by codegen/lazy_models.py).",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import TYPE_CHECKING",
        "",
        "if TYPE_CHECKING:",
        *(f"    from .{names[name]} import {name} as {name}" for name in sorted(names)),
        "",
        "__all__ = (",
        *(f"    {name!r}," for name in exported),
        ")",
        "",
        "#: Public name -> the submodule that defines it.",
        "_SUBMODULES: dict[str, str] = {",
        *(f"    {name!r}: {names[name]!r}," for name in sorted(names)),
        "}",
        "",
        "if not TYPE_CHECKING:",
        "",
        "    def __getattr__(name: str) -> object:",
        "        submodule = _SUBMODULES.get(name)",
        "        if submodule is None:",
        '            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")',
        "        import importlib",
        "",
        '        value = getattr(importlib.import_module(f".{submodule}", __name__), name)',
        "        globals()[name] = value  # later lookups are plain module attributes",
        "        return value",
        "",
        "    def __dir__() -> list[str]:",
        "        return sorted({*globals(), *__all__})",
        "",
    ]
    return "\n".join(lines)


def make_lazy(init: Path, where: str, *, noun: str = "model") -> Path:
    """Rewrite the generator's ``init`` (an ``__init__.py``, ``where`` in messages) in place."""
    init.write_text(render_lazy_init(init.read_text(encoding="utf-8"), where, noun=noun), encoding="utf-8")
    return init
