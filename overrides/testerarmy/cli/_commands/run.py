"""``testerarmy-py run PROMPT``: submit a run and, by default, wait for its verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .._context import CliState
from .._exit import EXIT_CODES_HELP, ExitCode
from .._options import DEFAULT_RUN_TIMEOUT, WaitSettings, check_prompt, check_url, json_option, wait_options
from .._output import Output

if TYPE_CHECKING:
    from ..._client import AsyncTesterArmy

__all__ = ["run"]


@click.command("run", epilog=EXIT_CODES_HELP)
@click.argument("prompt", callback=check_prompt)
@click.option(
    "--webhook-url",
    metavar="URL",
    callback=check_url,
    help="Also have TesterArmy POST the finished run to this URL.",
)
@wait_options(wait_by_default=True, default_timeout=DEFAULT_RUN_TIMEOUT)
@json_option
@click.pass_context
def run(
    ctx: click.Context, prompt: str, webhook_url: str | None, waiting: WaitSettings, as_json: bool
) -> None:
    """Submit a test run described by PROMPT and wait for its result.

    \b
    Example:
      testerarmy-py run "Sign up on https://shop.example.com and check the welcome mail" --timeout 900
    """
    from .._follow import SUBMITTING, finish_submitted

    state = ctx.find_object(CliState)
    assert state is not None
    out = Output(state, as_json=as_json)

    async def work(client: AsyncTesterArmy) -> ExitCode:
        state.interrupt_note = SUBMITTING
        created = await client.runs.create(prompt=prompt, webhook_url=webhook_url)
        return await finish_submitted(state, out, client, str(created.id), created.to_dict(), waiting)

    ctx.exit(state.run(work))
