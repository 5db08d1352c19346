"""`python -m codegen diff` and `python -m codegen update-spec`: argument-level entry points."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from codegen.diff.load import build_report, read_side
from codegen.diff.render import render_json, render_text
from codegen.errors import SpecError
from codegen.rules import RULES_PATH
from codegen.update_spec import SpecRefusedError, update_spec

__all__ = ["diff_command", "update_spec_command"]


def diff_command(
    old: Path,
    new: Path,
    *,
    raw: bool = False,
    as_json: bool = False,
    out: TextIO | None = None,
    rules_path: Path = RULES_PATH,
) -> int:
    """Print the report; exit status 1 if the new spec leaves rules stale (generate would refuse)."""
    out = out or sys.stdout  # looked up per call: tests and callers may swap sys.stdout
    report = build_report(
        read_side(old, raw=raw, rules_path=rules_path), read_side(new, raw=raw, rules_path=rules_path)
    )
    out.write(render_json(report) if as_json else render_text(report))
    return 1 if report.stale_rules else 0


def update_spec_command(
    source: str,
    *,
    spec_path: Path,
    lock_path: Path,
    generated_dir: Path,
    out: TextIO | None = None,
    source_url: str | None = None,
    captured: date | None = None,
    rules_path: Path = RULES_PATH,
) -> int:
    out = out or sys.stdout
    untouched = f"{spec_path.name} and {lock_path.name} were left unchanged."
    try:
        result = update_spec(
            source,
            spec_path=spec_path,
            lock_path=lock_path,
            generated_dir=generated_dir,
            source_url=source_url,
            captured=captured,
            rules_path=rules_path,
        )
    except SpecRefusedError as exc:
        if exc.report is not None:
            out.write("What the refused spec would change:\n\n" + render_text(exc.report) + "\n")
        print(f"error: refused {source}: {exc}\n{untouched}", file=sys.stderr)
        return 1
    except SpecError as exc:
        print(f"error: refused {source}: {exc}\n{untouched}", file=sys.stderr)
        return 1
    if result.report is not None:
        out.write(render_text(result.report) + "\n")
    if not result.changed:
        out.write(f"{spec_path.name} is already this spec (sha256 {result.sha256[:12]}); nothing to do.\n")
        return 0
    was = f"{result.previous_sha256[:12]}" if result.previous_sha256 else "none"
    out.write(
        f"{spec_path.name} replaced by {source} (sha256 {result.sha256[:12]}, was {was}); "
        f"{lock_path.name} updated. Next: make generate.\n"
    )
    return 0
