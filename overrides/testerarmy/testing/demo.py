"""``make demo``: a QA run end to end, offline, the way a CI job runs it.

Starts the local simulator on 127.0.0.1, then runs the real command line,
``testerarmy-py run "<prompt>" --wait``, against it (as a subprocess, pointed at the simulator through
``TESTERARMY_BASE_URL`` / ``TESTERARMY_API_KEY``), shows its progress and verdict, and stops the
simulator. No API key and no network are needed. The exit code is the CLI's: 0 PASS, 1 FAIL, ...
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from typing import TextIO

from ._simulator import Simulator

__all__ = ["DEFAULT_PROMPT", "main"]

DEFAULT_PROMPT = "Sign up on https://shop.example.com with a new email address and check the welcome page"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m testerarmy.testing.demo", description=__doc__)
    p.add_argument("--prompt", default=DEFAULT_PROMPT, help="what to test (markers like [sim:fail] work)")
    p.add_argument(
        "--time-scale", type=float, default=0.1, help="real seconds per simulated second (default 0.1)"
    )
    p.add_argument("--seed", type=int, default=0)
    return p


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the demo; with `out` given, the CLI's output is captured and written there (for tests)."""
    args = _parser().parse_args(argv)
    write = (out or sys.stdout).write
    write("TesterArmy demo: local simulator, no API key, no network\n")
    with Simulator(time_scale=args.time_scale, seed=args.seed) as sim:
        write(f"Simulator listening on {sim.url} (time scale {args.time_scale:g})\n")
        command = ["testerarmy-py", "run", args.prompt, "--wait", "--poll-interval", "0.5"]
        write(f"$ {' '.join(command[:2])} {args.prompt!r} {' '.join(command[3:])}\n\n")
        env = {**os.environ, "TESTERARMY_BASE_URL": sim.url, "TESTERARMY_API_KEY": sim.api_key}
        # Our own interpreter and module; the prompt is one argv item, never parsed by a shell.
        argv_cli = [sys.executable, "-m", "testerarmy.cli", *command[1:]]
        if out is None:
            # Inherit the terminal: on a TTY the CLI shows its live progress display.
            code = subprocess.run(argv_cli, env=env, check=False).returncode  # noqa: S603
        else:
            done = subprocess.run(argv_cli, env=env, check=False, capture_output=True, text=True)  # noqa: S603
            write(done.stderr + done.stdout)
            code = done.returncode
    write(f"\nSimulator stopped. testerarmy-py exited with {code}.\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
