"""`make bench`: run the benchmarks, print one table, write bench/results/<name>.json per benchmark.

python -m bench [NAME ...] [--repeat N]   (NAME: see BENCHMARKS; default all)
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from bench._harness import Row, print_table, write_results

#: name -> module with `run(repeat: int) -> list[Row]`; results go to bench/results/<name>.json.
#: The order is the figures' order in the table (docs/performance.md).
BENCHMARKS = {
    "codegen": "bench.codegen_speed",  # figures 1 and 6
    "call_overhead": "bench.call_overhead",  # figure 2
    "polling": "bench.polling",  # figure 3
    "fanout": "bench.fanout",  # figure 4
    "ratelimit": "bench.ratelimit",  # figure 4b
    "import_time": "bench.import_time",  # figure 5
    "sim_throughput": "bench.sim_throughput",  # figure 7
}

DEFAULT_REPEAT = 5
#: Default repetitions where DEFAULT_REPEAT would break the budget (`make bench` < ~10 minutes on a
#: shared 2-core machine): each codegen repetition runs five whole generations.
REPEAT = {"codegen": 3}

#: Figure numbers for benchmarks whose rows do not start with one.
FIGURE_NUMBERS = {"sim_throughput": "7"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", choices=[[], *BENCHMARKS], help="benchmarks to run (default: all)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help=f"timed repetitions per measurement (default {DEFAULT_REPEAT}, or as in REPEAT)",
    )
    args = parser.parse_args(argv)
    rows: list[Row] = []
    started = time.monotonic()
    for name in args.names or list(BENCHMARKS):
        module = importlib.import_module(BENCHMARKS[name])
        print(f"running {name}…", file=sys.stderr, flush=True)
        began = time.monotonic()
        repeat = args.repeat if args.repeat is not None else REPEAT.get(name, DEFAULT_REPEAT)
        produced: list[Row] = module.run(repeat=repeat)
        number = FIGURE_NUMBERS.get(name)
        for row in produced:
            if number and not row.figure[:1].isdigit():
                row.figure = f"{number}. {row.figure}"
        path = write_results(name, produced)
        print(f"  wrote {path} ({time.monotonic() - began:.0f} s)", file=sys.stderr)
        rows.extend(produced)
    print_table(rows)
    print(f"\n{len(rows)} rows in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
