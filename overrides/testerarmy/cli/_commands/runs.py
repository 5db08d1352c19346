"""``testerarmy-py runs get|list|cancel|wait``: existing runs."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import click

from .._context import CliState
from .._exit import EXIT_CODES_HELP, ExitCode, code_for_runs
from .._options import DEFAULT_RUN_TIMEOUT, WaitSettings, json_option, wait_options
from .._output import Output

if TYPE_CHECKING:
    from ..._client import AsyncTesterArmy

__all__ = ["runs"]

KNOWN_STATUSES = ("queued", "running", "completed", "failed", "cancelled")
# GET /v1/runs answers 20 runs when no limit is sent (the spec's parameter description).
DEFAULT_LIST_LIMIT = 20


def _state(ctx: click.Context) -> CliState:
    state = ctx.find_object(CliState)
    assert state is not None
    return state


@click.group("runs")
def runs() -> None:
    """Inspect, list, cancel and wait for runs."""


@runs.command("get", epilog=EXIT_CODES_HELP)
@click.argument("run_id", metavar="RUN_ID", type=click.UUID)
@json_option
@click.pass_context
def get(ctx: click.Context, run_id: uuid.UUID, as_json: bool) -> None:
    """Show a run (exit 0 whenever it could be fetched, whatever its status)."""
    state = _state(ctx)
    out = Output(state, as_json=as_json)

    async def work(client: AsyncTesterArmy) -> ExitCode:
        out.run(await client.runs.get(run_id))
        return ExitCode.OK

    ctx.exit(state.run(work))


def _check_status(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # Not a click.Choice: the API's status set is open, and a newer status must stay filterable.
    if value is not None and (not value.strip() or any(ch.isspace() for ch in value.strip())):
        raise click.BadParameter("must be a status such as " + ", ".join(KNOWN_STATUSES), ctx, param)
    return None if value is None else value.strip()


@runs.command("list", epilog=EXIT_CODES_HELP)
@click.option(
    "--status",
    metavar="STATUS",
    callback=_check_status,
    help="Only runs with this status (" + ", ".join(KNOWN_STATUSES) + ").",
)
@click.option(
    "--limit",
    type=click.IntRange(1, 100),
    default=None,
    help=f"At most this many runs (default {DEFAULT_LIST_LIMIT}, the API's page size).",
)
@json_option
@click.pass_context
def list_runs(ctx: click.Context, status: str | None, limit: int | None, as_json: bool) -> None:
    """List recent runs, newest first (--json: an array of runs)."""
    state = _state(ctx)
    out = Output(state, as_json=as_json)

    async def work(client: AsyncTesterArmy) -> ExitCode:
        # runs.list follows every page; the command shows one screenful (--limit, else the API's
        # default page size) and stops the walk there, so no further page is fetched.
        wanted = limit or DEFAULT_LIST_LIMIT
        found = []
        async for run in client.runs.list(status=status, limit=limit):
            found.append(run)
            if len(found) >= wanted:
                break
        if as_json:
            out.json([run.to_dict() for run in found])
        if found:
            out.human.print(out.runs_list_table(found))
        else:
            out.info("No runs found.")
        return ExitCode.OK

    ctx.exit(state.run(work))


@runs.command("cancel", epilog=EXIT_CODES_HELP)
@click.argument("run_id", metavar="RUN_ID", type=click.UUID)
@json_option
@click.pass_context
def cancel(ctx: click.Context, run_id: uuid.UUID, as_json: bool) -> None:
    """Cancel a queued or running run."""
    state = _state(ctx)
    out = Output(state, as_json=as_json)

    async def work(client: AsyncTesterArmy) -> ExitCode:
        answer = (await client.runs.cancel(run_id)).to_dict()
        if as_json:
            out.json(answer)
        status = answer.get("status")
        out.human.print(f"Run {run_id} cancelled" + (f" (status: {status})." if status else "."))
        return ExitCode.OK

    ctx.exit(state.run(work))


@runs.command("wait", epilog=EXIT_CODES_HELP)
@click.argument("run_id", metavar="RUN_ID", type=click.UUID)
@wait_options(wait_by_default=True, default_timeout=DEFAULT_RUN_TIMEOUT, wait_flag=False)
@json_option
@click.pass_context
def wait(ctx: click.Context, run_id: uuid.UUID, waiting: WaitSettings, as_json: bool) -> None:
    """Wait for an existing run to finish and exit with its verdict."""
    from .._follow import follow

    state = _state(ctx)
    out = Output(state, as_json=as_json)

    async def work(client: AsyncTesterArmy) -> ExitCode:
        found = await follow(
            state, out, client, [str(run_id)], waiting, as_list=False, title=f"TesterArmy run {run_id}"
        )
        out.run(found[0])
        return code_for_runs(found)

    ctx.exit(state.run(work))
