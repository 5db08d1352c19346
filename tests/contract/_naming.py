"""How openapi-python-client 0.29 turns spec names into Python names, restated for the checks.

The structure checks predict the Python name of every JSON property, parameter and schema and
then look for it in the generated package. The rules below are our own restatement of the
generator's documented behaviour (camelCase words -> snake_case, builtins and keywords get a
trailing underscore, `id` is allowed; classes are PascalCase). `test_naming.py` compares them
with the installed generator on every name in the spec, so a generator upgrade that changes its
naming shows up as one precise failure instead of dozens of confusing ones.
"""

from __future__ import annotations

import builtins
import keyword
import re

__all__ = ["class_name", "module_name", "python_name"]

# Characters the generator keeps before splitting words; everything else is dropped.
_DELIMITERS = "._- "
# A word is an optionally capitalised lower-case run ("Url", "webhook"); other runs between
# delimiters (upper-case acronyms, digits) stay words of their own.
_WORD = re.compile(r"([A-Z]?[a-z]+)")
_RESERVED = (set(dir(builtins)) | {"self", "true", "false", "datetime"}) - {"id"}


def _words(name: str) -> list[str]:
    kept = "".join(c for c in name if c.isidentifier() or c.isdecimal() or c in _DELIMITERS)
    if any(c.isupper() for c in kept):
        kept = " ".join(_WORD.split(kept))
    return [w for w in re.split(r"[._\- ]+", kept) if w]


def _unreserve(name: str) -> str:
    return f"{name}_" if name in _RESERVED or keyword.iskeyword(name) else name


def python_name(json_name: str, prefix: str = "field_") -> str:
    """`webhookUrl` -> `webhook_url`, `type` -> `type_`, `input` -> `input_`, `id` -> `id`."""
    leading_underscore = json_name.startswith("_")
    name = _unreserve("_".join(_words(json_name)).lower())
    if not name.isidentifier() or leading_underscore:
        name = f"{prefix}{name}"
    return name


def class_name(name: str) -> str:
    """`SubmitRunResponse` -> `SubmitRunResponse`, `run_status` -> `RunStatus`."""
    pascal = "".join(w if w.isupper() else w.capitalize() for w in _words(name))
    return _unreserve(pascal)


def module_name(cls_name: str) -> str:
    """The module of a generated model: `RunStepResultsType0Item` -> `run_step_results_type_0_item`."""
    return "_".join(_words(cls_name)).lower()
