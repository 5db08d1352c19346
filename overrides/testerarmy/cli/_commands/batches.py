"""``testerarmy-py batches cancel|rerun BATCH_ID``: a group-run batch as a whole."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import click

from .._context import CliState
from .._exit import EXIT_CODES_HELP, ExitCode
from .._options import DEFAULT_GROUP_TIMEOUT, WaitSettings, json_option, wait_options
from .._output import Output

if TYPE_CHECKING:
    from ..._client import AsyncTesterArmy

__all__ = ["batches"]


@click.group("batches")
def batches() -> None:
    """Group-run batches (the batchId of groups trigger)."""


@batches.command("cancel", epilog=EXIT_CODES_HELP)
@click.argument("batch_id", metavar="BATCH_ID", type=click.UUID)
@json_option
@click.pass_context
def cancel(ctx: click.Context, batch_id: uuid.UUID, as_json: bool) -> None:
    """Cancel every queued or running run of a batch (finished runs stay as they are; cancelling
    a finished batch again is not an error)."""
    state = ctx.find_object(CliState)
    assert state is not None
    out = Output(state, as_json=as_json)

    async def work(client: AsyncTesterArmy) -> ExitCode:
        answer = await client.batches.cancel(batch_id)
        if as_json:
            out.json(answer.to_dict())
        out.human.print(
            f"Batch {batch_id}: {answer.cancelled} run(s) cancelled, "
            f"{answer.already_finished} already finished."
        )
        return ExitCode.OK

    ctx.exit(state.run(work))


@batches.command("rerun", epilog=EXIT_CODES_HELP)
@click.argument("batch_id", metavar="BATCH_ID", type=click.UUID)
@wait_options(wait_by_default=False, default_timeout=DEFAULT_GROUP_TIMEOUT)
@json_option
@click.pass_context
def rerun(ctx: click.Context, batch_id: uuid.UUID, waiting: WaitSettings, as_json: bool) -> None:
    """Re-run the runnable tests of a batch as a new batch (deleted or disabled tests are skipped);
    with --wait, follow the new batch like groups trigger --wait."""
    from .._batch import follow_batch
    from .._follow import SUBMITTING
    from .._submit import submit

    state = ctx.find_object(CliState)
    assert state is not None
    out = Output(state, as_json=as_json)

    async def work(client: AsyncTesterArmy) -> ExitCode:
        state.interrupt_note = SUBMITTING
        answer = await submit(client.batches.rerun(batch_id), f"re-running batch {batch_id}", limit=20)
        skipped = answer.skipped_test_ids or []
        if skipped:
            out.info(f"Skipped {len(skipped)} test(s) that can no longer run: {', '.join(map(str, skipped))}")
        out.info(f"New batch {answer.batch_id} (from {answer.source_batch_id}).")
        run_ids = [str(run_id) for run_id in answer.run_ids]
        return await follow_batch(
            state, out, client, run_ids, answer.to_dict(), waiting, what=f"batch {answer.batch_id}"
        )

    ctx.exit(state.run(work))
