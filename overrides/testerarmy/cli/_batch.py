"""What ``groups trigger`` and ``batches rerun`` do once a batch of runs exists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._context import CliError, CliState
from ._exit import ExitCode, code_for_runs, passed
from ._options import WaitSettings
from ._output import Output

if TYPE_CHECKING:
    from .._client import AsyncTesterArmy

__all__ = ["follow_batch"]


async def follow_batch(
    state: CliState,
    out: Output,
    client: AsyncTesterArmy,
    run_ids: Sequence[str],
    answer: object,
    waiting: WaitSettings,
    *,
    what: str,
) -> ExitCode:
    """Print the queued runs (``--no-wait``) or wait for all of them and print the results."""
    from ._follow import follow

    if not waiting.wait:
        if out.as_json:
            out.json(answer)
        out.human.print(f"{what[0].upper()}{what[1:]}: {len(run_ids)} run(s) queued.")
        for run_id in run_ids:
            out.human.print(f"  {run_id}")
        return ExitCode.OK
    if not run_ids:
        if out.as_json:
            out.json([])
        raise CliError(
            f"{what} queued no runs (does it have enabled tests?); nothing was tested", ExitCode.NOT_PASSED
        )
    out.info(f"{what[0].upper()}{what[1:]}: waiting for {len(run_ids)} run(s) (Ctrl-C stops waiting).")
    found = await follow(state, out, client, run_ids, waiting, as_list=True, title=f"TesterArmy {what}")
    out.runs(found)
    out.info(f"{sum(map(passed, found))} of {len(found)} run(s) passed.")
    return code_for_runs(found)
