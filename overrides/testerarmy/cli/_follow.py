"""Following submitted runs to the end, for every command that waits.

The waiting itself is the client's (``runs.wait_many``: one timeline, the batch polled concurrently
by the async client); this module adds what only a command line needs around it: the progress
display, what happens on Ctrl-C (optionally cancelling the runs), and a useful message — and, with
``--json``, still a JSON document on stdout — when ``--timeout`` is reached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Final

from .._errors import APIError, WaitTimeoutError
from ._context import PROG, CliError, CliState
from ._exit import ExitCode, code_for_runs
from ._options import WaitSettings
from ._output import Output
from ._progress import make_progress
from ._publish import Named, publish

if TYPE_CHECKING:
    from testerarmy_api.models.run import Run

    from .._client import AsyncTesterArmy
    from ._progress import Progress

__all__ = ["SUBMITTING", "finish_submitted", "follow"]

# What a Ctrl-C during the submitting request means (set by the commands before they submit).
SUBMITTING = (
    f"stopped while submitting: the run(s) may or may not have been created ({PROG} runs list shows them)"
)

# Cancelling after Ctrl-C must not hang the terminal if the API is slow or unreachable.
CANCEL_DEADLINE: Final = 15.0


def _is_interrupt(error: BaseException) -> bool:
    import anyio

    # asyncio turns SIGINT into a cancellation of the main task; a KeyboardInterrupt can also be
    # raised straight out of a callback or sleep.
    return isinstance(error, KeyboardInterrupt | anyio.get_cancelled_exc_class())


def _keeps_running(run_ids: Sequence[str]) -> str:
    if len(run_ids) == 1:
        return f"stopped waiting; run {run_ids[0]} keeps running ({PROG} runs cancel {run_ids[0]} stops it)"
    return f"stopped waiting; the {len(run_ids)} runs keep running ({PROG} runs cancel ID stops one)"


async def follow(
    state: CliState,
    out: Output,
    client: AsyncTesterArmy,
    run_ids: Sequence[str],
    waiting: WaitSettings,
    *,
    as_list: bool,
    title: str,
    named: Mapping[str, Named] | None = None,
) -> list[Run]:
    """Wait for ``run_ids`` with progress; the finished runs in the same order. The reports the
    command was asked for (``--junit-xml``, GitHub) are written both when every run finished and
    when ``--timeout`` is reached.

    ``as_list``: the command's JSON result is an array (a group) rather than one run object.
    ``title``: the report's suite name; ``named``: testcase names known before the runs finish.
    """
    progress = make_progress(state, run_ids)
    state.interrupt_note = _keeps_running(run_ids)
    try:
        with progress:
            try:
                runs = await client.runs.wait_many(
                    list(run_ids),
                    timeout=waiting.timeout,
                    poll_interval=waiting.poll_interval,
                    max_interval=waiting.max_interval,
                    on_update=progress.update,
                )
            except BaseException as error:
                if waiting.cancel_on_interrupt and _is_interrupt(error):
                    state.interrupt_note = await _cancel_unfinished(client, progress)
                raise
    except WaitTimeoutError:
        seen = {str(run.id): run for run in progress.last_seen()}
        await publish(
            state, client, waiting, title=title, run_ids=run_ids, runs=seen,
            timed_out=set(progress.unfinished()), named=named,
        )  # fmt: skip
        raise _timed_out(out, progress, run_ids, waiting, as_list=as_list) from None
    state.interrupt_note = None
    by_id = {str(run.id): run for run in runs}
    await publish(state, client, waiting, title=title, run_ids=run_ids, runs=by_id, named=named)
    return runs


def _timed_out(
    out: Output, progress: Progress, run_ids: Sequence[str], waiting: WaitSettings, *, as_list: bool
) -> CliError:
    seen = progress.last_seen()
    if out.as_json:
        # Scripts reading stdout still get a document: the last state seen of each run.
        if as_list:
            out.json([run.to_dict() for run in seen])
        elif seen:
            out.json(seen[0].to_dict())
    unfinished = progress.unfinished() or list(run_ids)
    if len(run_ids) == 1:
        status = seen[0].status if seen else None
        last = f"last status: {getattr(status, 'value', status)}" if status is not None else "no status yet"
        message = (
            f"run {run_ids[0]} did not finish within {waiting.timeout:g} s ({last}); it keeps running: "
            f"'{PROG} runs wait {run_ids[0]}' resumes waiting"
        )
    else:
        message = (
            f"{len(unfinished)} of {len(run_ids)} runs did not finish within {waiting.timeout:g} s; "
            f"they keep running: {', '.join(unfinished)}"
        )
    return CliError(message, ExitCode.TIMEOUT)


async def _cancel_unfinished(client: AsyncTesterArmy, progress: Progress) -> str:
    """Cancel every run not finished yet (shielded from the interrupt, bounded in time)."""
    import anyio

    run_ids = progress.unfinished()
    if not run_ids:
        return "stopped waiting; every run had already finished"
    progress.note(f"cancelling {len(run_ids)} run(s)…")
    cancelled: list[str] = []
    problems: list[str] = []
    attempted: set[str] = set()
    with anyio.move_on_after(CANCEL_DEADLINE, shield=True):
        for run_id in run_ids:
            try:
                await client.runs.cancel(run_id)
            except APIError as error:
                problems.append(f"could not cancel run {run_id}: {error}")
            else:
                cancelled.append(run_id)
            attempted.add(run_id)
    problems += [
        f"gave up cancelling run {run_id} after {CANCEL_DEADLINE:g} s"
        for run_id in run_ids
        if run_id not in attempted
    ]
    parts = [f"cancelled run {run_id}" for run_id in cancelled] + problems
    return "; ".join(parts)


async def finish_submitted(
    state: CliState,
    out: Output,
    client: AsyncTesterArmy,
    run_id: str,
    submitted: dict[str, object],
    waiting: WaitSettings,
    *,
    named: Named | None = None,
) -> ExitCode:
    """After one run was submitted (``run``, ``tests trigger``): report it, or wait for its verdict."""
    if not waiting.wait:
        if out.as_json:
            out.json(submitted)
        out.human.print(f"Run {run_id} queued.")
        out.info(f"Follow it with: {PROG} runs wait {run_id}")
        return ExitCode.OK
    out.info(f"Run {run_id} submitted; waiting for the result (Ctrl-C stops waiting).")
    title = named.name if named is not None else f"run {run_id}"
    names = {run_id: named} if named is not None else None
    runs = await follow(state, out, client, [run_id], waiting, as_list=False, title=title, named=names)
    out.run(runs[0])
    return code_for_runs(runs)
