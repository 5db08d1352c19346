"""The simulator's one command line: ``testerarmy-sim``, ``python -m testerarmy.testing`` and
``testerarmy-py sim`` all call ``main`` here (same flags, defaults, output and exit codes).

Prints where it listens, then serves until Ctrl-C or SIGTERM. Keys given with ``--api-key`` are never
printed; without one, a throwaway local key is generated and printed (the only way to learn it), as
is the admin token. Exit codes: 0 stopped normally, 2 bad arguments or the port cannot be used,
3 the server thread died.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import secrets
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
from ._simulator import SeedGroup, SeedProject, SeedTest, Simulator

__all__ = ["EXIT_OK", "EXIT_SERVER_DIED", "EXIT_USAGE", "build_parser", "main", "simulator_from_args"]

_ADMIN_ENV = "TESTERARMY_SIM_ADMIN_TOKEN"
# The same numbers as the testerarmy CLI (testerarmy.cli._exit.ExitCode), which has no import here:
# the simulator must work without the cli extra.
EXIT_OK, EXIT_USAGE, EXIT_SERVER_DIED = 0, 2, 3
DEFAULT_TIME_SCALE = 0.2  # a default run (~22 simulated s) takes ~4.4 real s: short enough to watch


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


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not in 0..65535")
    return value


def build_parser(prog: str = "testerarmy-sim") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Local TesterArmy API simulator (routes under /api/v1, admin API under /_sim).",
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=_port, default=8787, help="port; 0 picks a free one (default: 8787)")
    p.add_argument(
        "--api-key",
        "--key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accepted API key, repeatable, never printed (default: a generated local key, printed)",
    )
    p.add_argument(
        "--admin-token",
        default=None,
        help=f"token for the X-Sim-Admin-Token header (default: ${_ADMIN_ENV}, else random and printed)",
    )
    p.add_argument(
        "--time-scale",
        type=_positive_float,
        default=DEFAULT_TIME_SCALE,
        help="real seconds per simulated second; 1 = real time, 0 = manual clock "
        f"(default: {DEFAULT_TIME_SCALE:g})",
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
    p.add_argument(
        "--spec", type=Path, default=None, help="serve this OpenAPI file instead of the installed spec"
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
        raise ValueError(f"cannot read --seed-file {path}: {exc}") from None
    if not isinstance(data, dict) or not set(data) <= {"projects", "tests", "groups"}:
        raise ValueError(f"--seed-file {path} must be an object with projects, tests, groups")
    try:
        return {
            "projects": [SeedProject(**p) for p in data.get("projects", [])],
            "tests": [SeedTest(**{**t, "steps": tuple(t.get("steps", ()))}) for t in data.get("tests", [])],
            "groups": [
                SeedGroup(**{**g, "tests": tuple(g.get("tests", ()))}) for g in data.get("groups", [])
            ],
        }
    except TypeError as exc:
        raise ValueError(f"bad entry in --seed-file {path}: {exc}") from None


def _access_line(out: TextIO) -> Any:
    def log(record: RequestRecord) -> None:
        path = record.path
        if record.operation == "webhooks.trigger":
            path = path.rsplit("/", 1)[0] + "/<secret>"  # the path carries a secret
        flags = f" fault={record.fault}" if record.fault else ""
        flags += " dropped" if record.dropped else ""
        print(f"{record.method} {path} -> {record.status} ({record.duration * 1000:.1f} ms){flags}", file=out)

    return log


def _generated_key() -> str:
    return f"sk_test_sim_{secrets.token_urlsafe(18)}"


def simulator_from_args(
    args: argparse.Namespace, out: TextIO = sys.stdout, *, generated_key: str | None = None
) -> Simulator:
    seeds: dict[str, Any] = {}
    if args.seed_file is not None:
        seeds = _load_seed_file(args.seed_file)
    elif args.no_demo_data:
        seeds = {"projects": [], "tests": [], "groups": []}
    if args.jitter >= 1:
        raise ValueError("--jitter must be below 1")
    return Simulator(
        api_keys=tuple(args.api_keys or (generated_key or _generated_key(),)),
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
        spec=args.spec,
        **seeds,
    )


def _banner(sim: Simulator, args: argparse.Namespace, key: str | None) -> str:
    shown_key = key if key is not None else "<the key given with --api-key>"
    admin = sim.admin_token
    if args.admin_token or os.environ.get(_ADMIN_ENV):
        admin = f"<from --admin-token/${_ADMIN_ENV}>"
    lines = [
        f"TesterArmy simulator listening on {sim.url}",
        f"  API key:    {shown_key}" + ("  (generated)" if key is not None else ""),
        f"  admin API:  {sim.admin_url} (header X-Sim-Admin-Token: {admin})",
        f"  time scale: {sim.clock.time_scale:g} real s per simulated s",
        f"  spec:       {args.spec or 'the installed normalized spec'}"
        f" ({len(sim.spec.operations)} operations)",
        "",
        "Use it from another shell:",
        f"  export TESTERARMY_BASE_URL={sim.url}",
        f"  export TESTERARMY_API_KEY={shown_key}",
        '  testerarmy-py run "Check that the checkout accepts the test card"',
        '  testerarmy-py run "Check the login form [sim:fail]"',
    ]
    if sim.groups:
        # A seeded group rather than a project's default "All Tests", when there is one.
        group = next((g for g in sim.groups if not g.is_default), sim.groups[0])
        lines.append(f"  testerarmy-py groups trigger {group.id} --wait   # group {group.name!r}")
    if sim.tests:
        lines.append(
            f"  testerarmy-py tests trigger {sim.tests[0].id} --wait    # test {sim.tests[0].name!r}"
        )
    lines += ["", "Press Ctrl-C to stop."]
    return "\n".join(lines)


def main(
    argv: Sequence[str] | None = None,
    *,
    stop: threading.Event | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    prog: str = "testerarmy-sim",
) -> int:
    """Serve until Ctrl-C/SIGTERM (or until ``stop`` is set, for tests); returns the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = build_parser(prog).parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2, message already printed)
        return EXIT_OK if exc.code in (0, None) else EXIT_USAGE
    key = None if args.api_keys else _generated_key()
    try:
        sim = simulator_from_args(args, out, generated_key=key)
    except (ValueError, SystemExit) as exc:
        print(f"{prog}: {exc}", file=err)
        return EXIT_USAGE
    stop = stop or threading.Event()
    previous: Any = None
    if threading.current_thread() is threading.main_thread():

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        try:
            sim.start()
        except OSError as exc:
            print(f"{prog}: cannot listen on {args.host}:{args.port}: {exc}", file=err)
            return EXIT_USAGE
        # A foreground server keeps its startup objects (spec, validators, models) for life: take
        # them out of the collector's scans, which otherwise walk them on every full collection.
        gc.freeze()
        print(_banner(sim, args, key), file=out, flush=True)
        try:
            # Bounded waits so that Ctrl-C (KeyboardInterrupt) and SIGTERM are noticed promptly.
            while not stop.wait(0.2):
                if not sim.running:
                    print(f"{prog}: the server thread stopped unexpectedly", file=err)
                    return EXIT_SERVER_DIED
        except KeyboardInterrupt:
            pass  # Ctrl-C is the normal way to stop a foreground server: exit 0
    finally:
        sim.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print("Simulator stopped.", file=out, flush=True)
    return EXIT_OK
