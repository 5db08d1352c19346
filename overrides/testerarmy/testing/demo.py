"""``make demo``: a QA run end to end, offline - simulator up, submit with the SDK, follow it, print it.

No API key and no network are needed: the simulator runs on 127.0.0.1 with its own test key, and the
client (``testerarmy.TesterArmy``) talks to it exactly as it would talk to https://tester.army/api.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Sequence
from typing import TextIO

from testerarmy_api.models import Run, RunErrorType0, RunOutput

from testerarmy import TesterArmy

from ._simulator import Simulator

__all__ = ["main"]

DEFAULT_PROMPT = "Sign up on https://shop.example.com with a new email address and check the welcome page"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m testerarmy.testing.demo", description=__doc__)
    p.add_argument("--prompt", default=DEFAULT_PROMPT, help="what to test (markers like [sim:fail] work)")
    p.add_argument(
        "--time-scale", type=float, default=0.1, help="real seconds per simulated second (default 0.1)"
    )
    p.add_argument("--seed", type=int, default=0)
    return p


def _print_run(run: Run, out: TextIO) -> None:
    print(f"\nRun {run.id}: {run.status}", file=out)
    if isinstance(run.output, RunOutput):
        output = run.output
        issues = output.issues if isinstance(output.issues, list) else []
        print(f"  feature:     {output.feature_name}", file=out)
        print(f"  result:      {output.result}", file=out)
        print(f"  description: {output.description}", file=out)
        print(f"  issues:      {len(issues)}", file=out)
        for issue in issues:
            if isinstance(issue, dict):
                print(f"    - [{issue.get('severity', '?')}] {issue.get('title', '')}", file=out)
        for url in output.screenshots if isinstance(output.screenshots, list) else []:
            print(f"  screenshot:  {url}", file=out)
    if isinstance(run.error, RunErrorType0):
        print(f"  error:       {run.error.to_dict()}", file=out)
    if isinstance(run.duration_ms, float | int):
        print(f"  duration:    {run.duration_ms / 1000:.1f} s (simulated)", file=out)


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = _parser().parse_args(argv)
    print("TesterArmy demo - local simulator, no API key, no network", file=out)
    with Simulator(time_scale=args.time_scale, seed=args.seed) as sim:
        print(f"Simulator listening on {sim.url} (time scale {args.time_scale:g})", file=out)
        with TesterArmy(base_url=sim.url, api_key=sim.api_key) as client:
            created = client.runs.create(prompt=args.prompt)
            print(f"Submitted run {created.id}: {args.prompt!r}", file=out)
            started = time.monotonic()
            done = threading.Event()
            lock = threading.Lock()

            def show(run: Run) -> None:
                with lock:
                    print(f"  [{time.monotonic() - started:5.1f} s] {run.status}", file=out, flush=True)

            def tick() -> None:
                # Visible progress between status changes.
                while not done.wait(1.0):
                    with lock:
                        print(f"  [{time.monotonic() - started:5.1f} s] ...", file=out, flush=True)

            ticker = threading.Thread(target=tick, daemon=True)
            ticker.start()
            try:
                run = client.runs.wait(
                    created.id, timeout=120, poll_interval=0.2, max_interval=0.5, on_update=show
                )
            finally:
                done.set()
                ticker.join()
        _print_run(run, out)
    print("Simulator stopped.", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
