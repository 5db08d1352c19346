"""``testerarmy-py groups trigger GROUP_ID``: run every enabled test of a group (or, with
``--rerun-failed``, only those that did not pass last time), optionally wait for all."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .._context import CliError, CliState
from .._exit import EXIT_CODES_HELP, ExitCode
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
@click.option(
    "--rerun-failed",
    "rerun_failed",
    metavar="JUNIT_XML",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Run only the tests that did not pass in this earlier --junit-xml report of the group.",
)
@wait_options(wait_by_default=False, default_timeout=DEFAULT_GROUP_TIMEOUT)
@json_option
@click.pass_context
def trigger(
    ctx: click.Context, group_id: uuid.UUID, rerun_failed: Path | None, waiting: WaitSettings, as_json: bool
) -> None:
    """Run every enabled test of group GROUP_ID.

    With --wait, all runs of the batch are followed at once and a table of results is printed; the
    exit code is 0 only if every run passed (--json: an array of the runs). With --rerun-failed, the
    tests that did not pass in an earlier report are triggered one by one instead of the group.
    """
    from ..._resources.groups import batch_run_ids
    from .._batch import follow_batch
    from .._follow import SUBMITTING
    from .._submit import submit
    from .._suites import SuiteError, read_previous_results

    state = ctx.find_object(CliState)
    assert state is not None
    out = Output(state, as_json=as_json)
    retry: tuple[str, ...] | None = None
    if rerun_failed is not None:
        try:
            retry = read_previous_results(rerun_failed).not_passed_test_ids
        except SuiteError as error:
            raise CliError(str(error), ExitCode.USAGE) from None
        if not retry:
            out.info(f"Nothing to re-run: every test passed in {rerun_failed}.")
            if as_json:
                out.json([])
            ctx.exit(ExitCode.OK)

    async def work(client: AsyncTesterArmy) -> ExitCode:
        state.interrupt_note = SUBMITTING
        if retry is not None:
            run_ids = []
            for test_id in retry:
                started = await submit(client.tests.trigger(test_id), f"re-running test {test_id}")
                run_ids.append(str(started.run_id))
            answer: object = {"runIds": run_ids}
            superseded: list[uuid.UUID] = []
        else:
            # trigger + wait is groups.trigger_and_wait, split so that the run ids are known before
            # the first poll: the progress display lists them all from the start, and
            # --cancel-on-interrupt can cancel them even if Ctrl-C comes before that poll.
            triggered = await submit(
                client.groups.trigger(group_id), f"triggering group {group_id}", limit=20
            )
            run_ids = batch_run_ids(triggered)
            answer = triggered.to_dict()
            superseded = triggered.cancelled_run_ids or []
        if superseded:
            out.info(f"The API cancelled {len(superseded)} earlier queued run(s) of this group.")
        return await follow_batch(state, out, client, run_ids, answer, waiting, what=f"group {group_id}")

    ctx.exit(state.run(work))
