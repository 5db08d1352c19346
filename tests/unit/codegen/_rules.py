"""Writing a modified copy of codegen/rules.yaml elsewhere (tests that change or drop sections)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from codegen.rules import RULES_PATH

__all__ = ["write_rules"]


def write_rules(raw: dict[str, Any], path: Path) -> Path:
    """Write `raw` as a rules file at `path`, its overlay paths still naming the real overlays.

    Overlay paths are relative to the rules file, so a copy in a temporary directory would
    otherwise point at overlays that are not there.
    """
    copied = dict(raw)
    if copied.get("overlays"):
        copied["overlays"] = [str((RULES_PATH.parent / p).resolve()) for p in copied["overlays"]]
    path.write_text(yaml.safe_dump(copied), encoding="utf-8")
    return path
