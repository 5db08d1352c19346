"""Change report between two specs: what changed for SDK users, and how bad it is.

`make spec-diff` prints it; `make generate` prints it (and refuses breaking changes unless
ALLOW_BREAKING=1) when the spec changed; `make update-spec` shows it for the spec it takes in.
"""

from codegen.diff.classify import RULES, Rule
from codegen.diff.compare import compare_specs
from codegen.diff.load import SpecSide, build_report, normalize_document, read_normalized, read_side
from codegen.diff.model import Change, Report, Severity
from codegen.diff.render import render_json, render_text

__all__ = [
    "RULES",
    "Change",
    "Report",
    "Rule",
    "Severity",
    "SpecSide",
    "build_report",
    "compare_specs",
    "normalize_document",
    "read_normalized",
    "read_side",
    "render_json",
    "render_text",
]
