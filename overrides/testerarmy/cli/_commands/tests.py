"""``testerarmy-py tests trigger TEST_ID``: run a saved test."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import click

from .._context import CliState
from .._exit import EXIT_CODES_HELP, ExitCode
from .._options import DEFAULT_RUN_TIMEOUT, WaitSettings, json_option, wait_options
from .._output import Output

if TYPE_CHECKING:
    from ..._client import AsyncTesterArmy

__all__ = ["tests"]


@click.group("tests")
def tests() -> None:
    """Saved tests."""


@tests.command("trigger", epilog=EXIT_CODES_HELP)
@click.argument("test_id", metavar="TEST_ID", type=click.UUID)
@wait_options(wait_by_default=False, default_timeout=DEFAULT_RUN_TIMEOUT)
@json_option
@click.pass_context
def trigger(ctx: click.Context, test_id: uuid.UUID, waiting: WaitSettings, as_json: bool) -> None:
    """Start a run of the saved test TEST_ID (--wait: and wait for its verdict)."""
    from .._follow import SUBMITTING, finish_submitted
    from .._submit import submit

    state = ctx.find_object(CliState)
    assert state is not None
    out = Output(state, as_json=as_json)

    async def work(client: AsyncTesterArmy) -> ExitCode:
        state.interrupt_note = SUBMITTING
        triggered = await submit(client.tests.trigger(test_id), f"triggering test {test_id}")
        run_id = str(triggered.run_id)
        return await finish_submitted(state, out, client, run_id, triggered.to_dict(), waiting)

    ctx.exit(state.run(work))
