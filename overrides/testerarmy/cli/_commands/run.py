"""``testerarmy-py run PROMPT | PATH``: submit a run (or a markdown suite) and wait for the verdict."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .._context import CliError, CliState
from .._exit import EXIT_CODES_HELP, ExitCode
from .._options import (
    DEFAULT_RUN_TIMEOUT,
    WaitSettings,
    check_prompt,
    check_url,
    json_option,
    wait_options,
)
from .._output import Output

if TYPE_CHECKING:
    from ..._client import AsyncTesterArmy
    from .._suites import Scenario

__all__ = ["run"]

ENV_TARGET_URL = "TESTERARMY_TARGET_URL"


@click.command("run", epilog=EXIT_CODES_HELP)
@click.argument("prompt", metavar="PROMPT|PATH", callback=check_prompt)
@click.option(
    "--webhook-url",
    metavar="URL",
    callback=check_url,
    help="Also have TesterArmy POST each finished run to this URL.",
)
@click.option(
    "--target-url",
    metavar="URL",
    envvar=ENV_TARGET_URL,
    show_envvar=True,
    callback=check_url,
    help="The app under test: replaces <target_url> in the prompt or the scenarios.",
)
@click.option(
    "--parallel",
    type=click.IntRange(1, 50),
    default=3,
    show_default=True,
    metavar="N",
    help="Suites: at most N runs in flight at once.",
)
@click.option(
    "--rerun-failed",
    "rerun_failed",
    metavar="JUNIT_XML",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Suites: run only the scenarios that did not pass in this earlier --junit-xml report.",
)
@wait_options(wait_by_default=True, default_timeout=DEFAULT_RUN_TIMEOUT)
@json_option
@click.pass_context
def run(
    ctx: click.Context,
    prompt: str,
    webhook_url: str | None,
    target_url: str | None,
    parallel: int,
    rerun_failed: Path | None,
    waiting: WaitSettings,
    as_json: bool,
) -> None:
    """Submit a test run described by PROMPT and wait for its result; or run the markdown suite at
    PATH: a directory runs its top-level *.md scenarios (not README.md or TESTER.md) with its
    TESTER.md prepended to each, a single .md file gets the nearest TESTER.md up the tree.

    \b
    Examples:
      testerarmy-py run "Sign up on https://shop.example.com and check the welcome mail"
      testerarmy-py run tests/ --target-url http://localhost:3000 --junit-xml report.xml
      testerarmy-py run tests/ --rerun-failed report.xml --junit-xml report.xml
    """
    from .._follow import SUBMITTING, finish_submitted
    from .._publish import Named, first_line
    from .._submit import submit
    from .._suites import SuiteError, is_suite_path, load_suite, read_previous_results

    state = ctx.find_object(CliState)
    assert state is not None
    out = Output(state, as_json=as_json)

    if is_suite_path(prompt):
        if not waiting.wait:
            raise click.UsageError("a suite always waits for its runs (drop --no-wait)")
        try:
            scenarios = load_suite(prompt, target_url)
            if rerun_failed is not None:
                previous = read_previous_results(rerun_failed)
                scenarios = [s for s in scenarios if s.path in previous.not_passed_classnames]
        except SuiteError as error:
            raise CliError(str(error), ExitCode.USAGE) from None
        if not scenarios:
            out.info(f"Nothing to re-run: every scenario of {prompt} passed in {rerun_failed}.")
            if as_json:
                out.json([])
            ctx.exit(ExitCode.OK)
        ctx.exit(state.run(lambda client: _suite(state, out, client, scenarios, waiting, parallel, prompt)))
    if rerun_failed is not None:
        raise click.UsageError("--rerun-failed applies to a suite (a directory or .md file), not a prompt")
    if target_url is not None:
        prompt = prompt.replace("<target_url>", target_url)
    named = Named(first_line(prompt), "prompt")

    async def work(client: AsyncTesterArmy) -> ExitCode:
        state.interrupt_note = SUBMITTING
        created = await submit(
            client.runs.create(prompt=prompt, webhook_url=webhook_url), "submitting the run"
        )
        return await finish_submitted(
            state, out, client, str(created.id), created.to_dict(), waiting, named=named
        )

    ctx.exit(state.run(work))


async def _suite(
    state: CliState,
    out: Output,
    client: AsyncTesterArmy,
    scenarios: list[Scenario],
    waiting: WaitSettings,
    parallel: int,
    where: str,
) -> ExitCode:
    from .._suite_run import run_suite

    return await run_suite(
        state, out, client, scenarios, waiting, parallel=parallel, title=f"TesterArmy {where}"
    )
