"""Command line of the pipeline: python -m codegen {generate,check,diff,update-spec}."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from codegen.build import NORMALIZED_NAME
from codegen.diff.commands import diff_command, update_spec_command
from codegen.errors import SpecError
from codegen.generate import GENERATED_DIR, SPEC_PATH, check, generate
from codegen.lock import LOCK_PATH
from codegen.rules import RULES_PATH

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("generate", "normalize openapi.yaml and rewrite generated/ atomically"),
        ("check", "fail if generated/ differs from what generate would write"),
    ):
        command = commands.add_parser(name, help=text)
        # Paths default to the repository's; tests and experiments point them elsewhere.
        command.add_argument("--spec", type=Path, default=SPEC_PATH, help="vendored spec (openapi.yaml)")
        command.add_argument("--lock", type=Path, default=LOCK_PATH, help="lock file pinning the spec")
        command.add_argument("--target", type=Path, default=GENERATED_DIR, help="generated tree")
    diff = commands.add_parser(
        "diff",
        help="change report: what a spec change means for SDK users",
        description="Compare two specs at the level users feel (normalized). A file named "
        "*.normalized.yaml is taken as already normalized; any other is normalized with "
        "codegen/rules.yaml first.",
    )
    diff.add_argument(
        "--old", type=Path, default=GENERATED_DIR / NORMALIZED_NAME, help="default: %(default)s"
    )
    diff.add_argument("--new", type=Path, default=SPEC_PATH, help="default: %(default)s")
    diff.add_argument("--raw", action="store_true", help="compare both files as they are (no normalization)")
    diff.add_argument("--json", action="store_true", help="machine-readable report")
    diff.add_argument("--rules", type=Path, default=RULES_PATH, help="rules to normalize with: %(default)s")
    update = commands.add_parser(
        "update-spec", help="validate a new upstream spec, then replace openapi.yaml"
    )
    update.add_argument("source", help="http(s) URL or file path of the new spec")
    update.add_argument("--spec", type=Path, default=SPEC_PATH, help="vendored spec to replace")
    update.add_argument("--lock", type=Path, default=LOCK_PATH, help="lock file to update")
    update.add_argument("--target", type=Path, default=GENERATED_DIR, help="generated tree (for the report)")
    update.add_argument("--source-url", help="where upstream publishes it, when SOURCE is a local copy")
    update.add_argument("--captured", type=date.fromisoformat, help="capture date (YYYY-MM-DD) of that copy")
    update.add_argument("--rules", type=Path, default=RULES_PATH, help="rules to check it with: %(default)s")
    args = parser.parse_args(argv)
    try:
        if args.command == "diff":
            return diff_command(args.old, args.new, raw=args.raw, as_json=args.json, rules_path=args.rules)
        if args.command == "update-spec":
            return update_spec_command(
                args.source,
                spec_path=args.spec,
                lock_path=args.lock,
                generated_dir=args.target,
                source_url=args.source_url,
                captured=args.captured,
                rules_path=args.rules,
            )
        if args.command == "generate":
            generate(args.spec, args.target, args.lock)
        elif args.command == "check":
            drift = check(args.spec, args.target, args.lock)
            if drift:
                print("generated/ is out of date with openapi.yaml + codegen/ (run `make generate`):")
                print("\n".join(drift.lines()))
                print("  (+ only in generated/, - missing from generated/, ~ content differs)")
                return 1
            print("generated/ matches openapi.yaml + codegen/")
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
