"""`make bench`: run the benchmarks, print one table, write bench/results/<name>.json per benchmark.

python -m bench [NAME ...] [--repeat N]   (NAME: see BENCHMARKS; default all)
"""

from __future__ import annotations

import argparse
import importlib
import sys

from bench._harness import Row, print_table, write_results

#: name -> module with `run(repeat: int) -> list[Row]`
BENCHMARKS = {
    "codegen": "bench.codegen_speed",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", choices=[[], *BENCHMARKS], help="benchmarks to run (default: all)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions per measurement")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    for name in args.names or list(BENCHMARKS):
        module = importlib.import_module(BENCHMARKS[name])
        print(f"running {name}…", file=sys.stderr, flush=True)
        produced: list[Row] = module.run(repeat=args.repeat)
        path = write_results(name, produced)
        print(f"  wrote {path}", file=sys.stderr)
        rows.extend(produced)
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
