"""Command line of the pipeline: python -m codegen {generate,check,diff,update-spec}."""

from __future__ import annotations

import argparse
import sys

from codegen.errors import SpecError
from codegen.generate import check, generate

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("generate", help="normalize openapi.yaml and rewrite generated/ atomically")
    commands.add_parser("check", help="fail if generated/ differs from what generate would write")
    args = parser.parse_args(argv)
    try:
        if args.command == "generate":
            generate()
        elif args.command == "check":
            drift = check()
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
