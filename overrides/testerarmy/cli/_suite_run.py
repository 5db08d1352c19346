"""Running a markdown suite: every scenario submitted as a run, at most ``--parallel`` in flight.

"In flight" means submitted and not finished: a scenario is submitted only when fewer than N runs
are still going, so a suite of 40 scenarios with ``--parallel 3`` never occupies more than three
of the account's concurrent runs. One progress display follows them all; ``--timeout`` bounds the
wait for each run, counted from its submission (a run waiting for a slot is not yet running).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .._errors import WaitTimeoutError
from ._context import CliError, CliState
from ._exit import ExitCode, code_for_runs, passed
from ._publish import Named, publish
from ._reports import Case
from ._submit import submit

if TYPE_CHECKING:
    from testerarmy_api.models.run import Run

    from .._client import AsyncTesterArmy
    from ._options import WaitSettings
    from ._output import Output
    from ._progress import Progress
    from ._suites import Scenario

__all__ = ["run_suite"]


@dataclass
class _Results:
    runs: dict[str, Run] = field(default_factory=dict)
    run_ids: dict[int, str] = field(default_factory=dict)  # scenario index -> run id
    timed_out: set[str] = field(default_factory=set)
    problems: list[tuple[Scenario, CliError]] = field(default_factory=list)


async def _one(
    client: AsyncTesterArmy,
    index: int,
    scenario: Scenario,
    waiting: WaitSettings,
    progress: Progress,
    results: _Results,
) -> None:
    try:
        created = await submit(client.runs.create(prompt=scenario.prompt), f"submitting {scenario.path}")
    except CliError as error:
        results.problems.append((scenario, error))
        return
    run_id = str(created.id)
    results.run_ids[index] = run_id
    progress.note(f"{scenario.path}: run {run_id} submitted")
    try:
        results.runs[run_id] = await client.runs.wait(
            run_id,
            timeout=waiting.timeout,
            poll_interval=waiting.poll_interval,
            max_interval=waiting.max_interval,
            on_update=progress.update,
        )
    except WaitTimeoutError:
        results.timed_out.add(run_id)
        seen = {str(run.id): run for run in progress.last_seen()}
        if run_id in seen:
            results.runs[run_id] = seen[run_id]


async def run_suite(
    state: CliState,
    out: Output,
    client: AsyncTesterArmy,
    scenarios: Sequence[Scenario],
    waiting: WaitSettings,
    *,
    parallel: int,
    title: str,
) -> ExitCode:
    import anyio

    from ._progress import make_progress

    results = _Results()
    slots = anyio.Semaphore(parallel)
    progress = make_progress(state, [])
    state.interrupt_note = f"stopped the suite; submitted runs keep running ({len(scenarios)} scenario(s))"

    async def guarded(index: int, scenario: Scenario) -> None:
        async with slots:
            await _one(client, index, scenario, waiting, progress, results)

    out.info(f"{title}: {len(scenarios)} scenario(s), at most {parallel} run(s) at a time.")
    with progress:
        async with anyio.create_task_group() as group:
            for index, scenario in enumerate(scenarios):
                group.start_soon(guarded, index, scenario)
    state.interrupt_note = None
    order = [results.run_ids[i] for i in range(len(scenarios)) if i in results.run_ids]
    named = {
        results.run_ids[i]: Named(scenario.title, scenario.path)
        for i, scenario in enumerate(scenarios)
        if i in results.run_ids
    }
    unsubmitted = [Case("", item.title, item.path, problem=error.message) for item, error in results.problems]
    await publish(
        state, client, waiting, title=title, run_ids=order, runs=results.runs,
        timed_out=results.timed_out, named=named, unsubmitted=unsubmitted,
    )  # fmt: skip
    finished = [results.runs[run_id] for run_id in order if run_id in results.runs]
    titles = {run_id: item.name for run_id, item in named.items()}
    out.runs(finished, names=titles)
    count = sum(1 for run in finished if passed(run))
    out.info(f"{count} of {len(scenarios)} scenario(s) passed.")
    for _, problem in results.problems:
        out.info(f"Error: {problem.message}")
    if any(problem.code is ExitCode.API for _, problem in results.problems):
        return ExitCode.API
    if results.timed_out:
        return ExitCode.TIMEOUT
    return code_for_runs(finished) if len(finished) == len(scenarios) else ExitCode.NOT_PASSED
