"""``testerarmy sim``: the local simulator in the foreground, for demos and trying the CLI offline."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click

from .._context import CliError, CliState
from .._exit import ExitCode

__all__ = ["sim"]

SIM_DEFAULT_KEY = "sk_test_sim"  # testerarmy.testing.DEFAULT_API_KEY (not imported: needs the extra)


@click.command("sim")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="Port (0: any free one)."
)
@click.option(
    "--key",
    "sim_key",
    default=SIM_DEFAULT_KEY,
    show_default=True,
    metavar="KEY",
    help="The API key the simulator accepts (a local test key; it is printed).",
)
@click.option(
    "--time-scale",
    type=click.FloatRange(min=0),
    default=0.2,
    show_default=True,
    metavar="FACTOR",
    help="Real seconds per simulated second (a run takes ~22 simulated seconds).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for ids, durations and content.")
@click.pass_context
def sim(ctx: click.Context, host: str, port: int, sim_key: str, time_scale: float, seed: int) -> None:
    """Start the local TesterArmy simulator in the foreground (Ctrl-C stops it).

    It prints the base URL and key to use. Prompt markers such as [sim:fail], [sim:error] or
    [sim:duration=5] choose how a run ends; see docs/simulator.md.
    """
    state = ctx.find_object(CliState)
    assert state is not None
    try:
        from ...testing import Simulator
    except ImportError as exc:
        raise CliError(
            f"the simulator needs the 'sim' extra: pip install 'testerarmy[sim]' ({exc})", ExitCode.USAGE
        ) from None
    try:
        simulator = Simulator(api_keys=(sim_key,), host=host, port=port, time_scale=time_scale, seed=seed)
    except ValueError as exc:
        raise CliError(str(exc), ExitCode.USAGE) from None
    try:
        simulator.start()
    except OSError as exc:
        raise CliError(f"cannot listen on {host}:{port}: {exc}", ExitCode.USAGE) from None

    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            stop.set()

        previous = signal.signal(signal.SIGTERM, on_sigterm)
    out = state.stdout
    try:
        groups = simulator.groups
        tests = simulator.tests
        lines = [
            f"TesterArmy simulator running at {simulator.url}",
            f"  API key:  {sim_key}",
            "",
            "Use it from another shell:",
            f"  export TESTERARMY_BASE_URL={simulator.url}",
            f"  export TESTERARMY_API_KEY={sim_key}",
            '  testerarmy run "Check that the checkout accepts the test card"',
            '  testerarmy run "Check the login form [sim:fail]"',
        ]
        if groups:
            lines.append(f"  testerarmy groups trigger {groups[0].id} --wait   # group {groups[0].name!r}")
        if tests:
            lines.append(f"  testerarmy tests trigger {tests[0].id} --wait    # test {tests[0].name!r}")
        lines += ["", f"Time scale {time_scale:g} real s per simulated s. Press Ctrl-C to stop."]
        print("\n".join(lines), file=out, flush=True)
        try:
            # Bounded waits so that Ctrl-C (KeyboardInterrupt) and SIGTERM are noticed promptly.
            while not stop.wait(0.2):
                if not simulator.running:
                    raise CliError("the simulator's server thread stopped unexpectedly", ExitCode.API)
        except KeyboardInterrupt:
            pass  # Ctrl-C is the normal way to stop a foreground server: exit 0
    finally:
        simulator.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print("Simulator stopped.", file=out, flush=True)
    ctx.exit(ExitCode.OK)
