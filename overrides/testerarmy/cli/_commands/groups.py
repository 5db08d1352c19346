"""``testerarmy-py groups trigger GROUP_ID``: run every enabled test of a group, optionally wait for all."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import click

from .._context import CliError, CliState
from .._exit import EXIT_CODES_HELP, ExitCode, code_for_runs, passed
from .._options import DEFAULT_GROUP_TIMEOUT, WaitSettings, json_option, wait_options
from .._output import Output

if TYPE_CHECKING:
    from ..._client import AsyncTesterArmy

__all__ = ["groups"]


@click.group("groups")
def groups() -> None:
    """Test groups."""


@groups.command("trigger", epilog=EXIT_CODES_HELP)
@click.argument("group_id", metavar="GROUP_ID", type=click.UUID)
@wait_options(wait_by_default=False, default_timeout=DEFAULT_GROUP_TIMEOUT)
@json_option
@click.pass_context
def trigger(ctx: click.Context, group_id: uuid.UUID, waiting: WaitSettings, as_json: bool) -> None:
    """Run every enabled test of group GROUP_ID.

    With --wait, all runs of the batch are followed at once and a table of results is printed; the
    exit code is 0 only if every run passed (--json: an array of the runs).
    """
    from ..._resources.groups import batch_run_ids
    from .._follow import SUBMITTING, follow

    state = ctx.find_object(CliState)
    assert state is not None
    out = Output(state, as_json=as_json)

    async def work(client: AsyncTesterArmy) -> ExitCode:
        # trigger + runs.wait_many is exactly groups.trigger_and_wait, split so that the run ids are
        # known before the first poll: the progress display lists them all from the start, and
        # --cancel-on-interrupt can cancel them even if Ctrl-C comes before that poll.
        state.interrupt_note = SUBMITTING
        triggered = await client.groups.trigger(group_id)
        run_ids = batch_run_ids(triggered)
        superseded = triggered.cancelled_run_ids or []
        if superseded:
            out.info(f"The API cancelled {len(superseded)} earlier queued run(s) of this group.")
        if not waiting.wait:
            if as_json:
                out.json(triggered.to_dict())
            out.human.print(f"Group {group_id}: {len(run_ids)} run(s) queued.")
            for run_id in run_ids:
                out.human.print(f"  {run_id}")
            return ExitCode.OK
        if not run_ids:
            if as_json:
                out.json([])
            raise CliError(
                f"group {group_id} queued no runs (does it have enabled tests?); nothing was tested",
                ExitCode.NOT_PASSED,
            )
        out.info(f"Group {group_id}: waiting for {len(run_ids)} run(s) (Ctrl-C stops waiting).")
        found = await follow(state, out, client, run_ids, waiting, as_list=True)
        out.runs(found)
        out.info(f"{sum(map(passed, found))} of {len(found)} run(s) passed.")
        return code_for_runs(found)

    ctx.exit(state.run(work))
