"""``testerarmy-sim`` / ``python -m testerarmy.testing``: run the simulator in the foreground.

Prints where it listens (the API key is never printed: it is the one passed with ``--api-key`` or the
documented default), then serves until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from ._faults import FaultSpec
from ._outcomes import Outcome, OutcomeRule
from ._ratelimit import RateLimit
from ._requestlog import RequestRecord
from ._simulator import DEFAULT_API_KEY, SeedGroup, SeedProject, SeedTest, Simulator

__all__ = ["build_parser", "main", "simulator_from_args"]

_ADMIN_ENV = "TESTERARMY_SIM_ADMIN_TOKEN"


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number >= 0")
    return value


def _fault(text: str) -> FaultSpec:
    try:
        return FaultSpec.model_validate_json(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"invalid --fault {text!r}: {exc}") from None


def _rate_limit(text: str) -> RateLimit:
    try:
        return RateLimit.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _rule(text: str) -> OutcomeRule:
    pattern, sep, outcome = text.rpartition("=")
    if not sep or not pattern:
        raise argparse.ArgumentTypeError(
            f"--rule must look like REGEX=OUTCOME (e.g. checkout=fail), got {text!r}"
        )
    try:
        return OutcomeRule(pattern, outcome)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="testerarmy-sim",
        description="Local TesterArmy API simulator (routes under /api/v1, admin API under /_sim).",
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8787, help="port; 0 picks a free one (default: 8787)")
    p.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help=f"accepted API key, repeatable (default: {DEFAULT_API_KEY})",
    )
    p.add_argument(
        "--admin-token",
        default=None,
        help=f"token for the X-Sim-Admin-Token header (default: ${_ADMIN_ENV}, else random and printed)",
    )
    p.add_argument(
        "--time-scale",
        type=_positive_float,
        default=1.0,
        help="real seconds per simulated second; 0.1 = ten times faster, 0 = manual clock (default: 1)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed for ids, durations and generated content")
    p.add_argument("--queue-seconds", type=_positive_float, default=2.0, help="simulated queue time of a run")
    p.add_argument("--run-seconds", type=_positive_float, default=20.0, help="simulated run time of a run")
    p.add_argument(
        "--jitter", type=_positive_float, default=0.25, help="relative randomness of durations [0, 1)"
    )
    p.add_argument(
        "--default-outcome",
        choices=[o.value for o in Outcome],
        default="pass",
        help="outcome of runs without a marker or matching rule",
    )
    p.add_argument("--rule", type=_rule, action="append", default=[], metavar="REGEX=OUTCOME")
    p.add_argument("--rate-limit", type=_rate_limit, default=None, metavar="N/SECONDS", help="e.g. 10/1")
    p.add_argument("--fault", type=_fault, action="append", default=[], metavar="JSON", help="a FaultSpec")
    p.add_argument(
        "--seed-file", type=Path, default=None, help="JSON with projects, tests and groups to load"
    )
    p.add_argument("--no-demo-data", action="store_true", help="start without the demo project/tests/group")
    p.add_argument(
        "--allow-external-webhooks", action="store_true", help="deliver webhooks to non-loopback hosts"
    )
    p.add_argument("--access-log", action="store_true", help="print one line per request")
    p.add_argument(
        "--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"]
    )
    return p


def _load_seed_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"testerarmy-sim: cannot read --seed-file {path}: {exc}") from None
    if not isinstance(data, dict) or not set(data) <= {"projects", "tests", "groups"}:
        raise SystemExit(f"testerarmy-sim: --seed-file {path} must be an object with projects, tests, groups")
    try:
        return {
            "projects": [SeedProject(**p) for p in data.get("projects", [])],
            "tests": [SeedTest(**{**t, "steps": tuple(t.get("steps", ()))}) for t in data.get("tests", [])],
            "groups": [
                SeedGroup(**{**g, "tests": tuple(g.get("tests", ()))}) for g in data.get("groups", [])
            ],
        }
    except TypeError as exc:
        raise SystemExit(f"testerarmy-sim: bad entry in --seed-file {path}: {exc}") from None


def _access_line(out: TextIO) -> Any:
    def log(record: RequestRecord) -> None:
        path = record.path
        if record.operation == "webhooks.trigger":
            path = path.rsplit("/", 1)[0] + "/<secret>"  # the path carries a secret
        flags = f" fault={record.fault}" if record.fault else ""
        flags += " dropped" if record.dropped else ""
        print(f"{record.method} {path} -> {record.status} ({record.duration * 1000:.1f} ms){flags}", file=out)

    return log


def simulator_from_args(args: argparse.Namespace, out: TextIO = sys.stdout) -> Simulator:
    seeds: dict[str, Any] = {}
    if args.seed_file is not None:
        seeds = _load_seed_file(args.seed_file)
    elif args.no_demo_data:
        seeds = {"projects": [], "tests": [], "groups": []}
    if args.jitter >= 1:
        raise SystemExit("testerarmy-sim: --jitter must be below 1")
    return Simulator(
        api_keys=tuple(args.api_keys or (DEFAULT_API_KEY,)),
        host=args.host,
        port=args.port,
        time_scale=args.time_scale,
        seed=args.seed,
        queue_seconds=args.queue_seconds,
        run_seconds=args.run_seconds,
        jitter=args.jitter,
        rules=args.rule,
        default_outcome=args.default_outcome,
        rate_limit=args.rate_limit,
        faults=args.fault,
        admin_token=args.admin_token or os.environ.get(_ADMIN_ENV) or None,
        allow_external_webhooks=args.allow_external_webhooks,
        log_level=args.log_level,
        on_request=_access_line(out) if args.access_log else None,
        **seeds,
    )


def main(
    argv: Sequence[str] | None = None, *, stop: threading.Event | None = None, out: TextIO = sys.stdout
) -> int:
    """Serve until Ctrl-C/SIGTERM (or until ``stop`` is set, for tests); returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        sim = simulator_from_args(args, out)
    except ValueError as exc:
        print(f"testerarmy-sim: {exc}", file=sys.stderr)
        return 2
    stop = stop or threading.Event()
    previous: Any = None
    if threading.current_thread() is threading.main_thread():

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        sim.start()
    except OSError as exc:
        print(f"testerarmy-sim: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    try:
        print(f"TesterArmy simulator listening on {sim.url}", file=out)
        print(
            f"  API key: {'the one(s) given with --api-key' if args.api_keys else 'the default test key'}",
            file=out,
        )
        admin_source = (
            "from --admin-token/$" + _ADMIN_ENV if (args.admin_token or os.environ.get(_ADMIN_ENV)) else ""
        )
        print(
            f"  admin API: {sim.admin_url} (header X-Sim-Admin-Token: {admin_source or sim.admin_token})",
            file=out,
        )
        print(f"  time scale: {sim.clock.time_scale:g} real s per simulated s; Ctrl-C to stop", file=out)
        out.flush()
        try:
            while not stop.wait(0.2):
                if not sim.running:
                    print("testerarmy-sim: server thread stopped unexpectedly", file=sys.stderr)
                    return 1
        except KeyboardInterrupt:
            pass
    finally:
        sim.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print("TesterArmy simulator stopped", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
