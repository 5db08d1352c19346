"""``testerarmy-py sim``: the simulator's command line, the same one as ``testerarmy-sim``.

Both call ``testerarmy.testing._cli.main``: one parser, one banner, one set of exit codes (0, 2 for
bad arguments or a busy port, 3 if the server thread dies), so the two cannot drift apart. click
passes the arguments through untouched; ``testerarmy-py sim --help`` shows that parser's help.
"""

from __future__ import annotations

import click

from .._context import CliError, CliState
from .._exit import ExitCode

__all__ = ["sim"]


@click.command(
    "sim",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def sim(ctx: click.Context, args: tuple[str, ...]) -> None:
    """Start the local TesterArmy simulator in the foreground (Ctrl-C stops it).

    Same flags, output and exit codes as testerarmy-sim (see testerarmy sim --help and
    docs/simulator.md). It prints the base URL and key to use; prompt markers such as [sim:fail]
    choose how a run ends.
    """
    state = ctx.find_object(CliState)
    assert state is not None
    try:
        from ...testing import _cli
    except ImportError as exc:
        raise CliError(
            f"the simulator needs the 'sim' extra: pip install 'testerarmy[sim]' ({exc})", ExitCode.USAGE
        ) from None
    ctx.exit(_cli.main(list(args), out=state.stdout, err=state.stderr, prog="testerarmy sim"))
