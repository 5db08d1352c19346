"""Exit codes of the ``testerarmy-py`` command, and which outcome or error maps to which.

CI systems only see the exit code, so the codes separate *what went wrong* into the things a
pipeline reacts to differently: the product check did not pass (1: fix the product), the pipeline is
misconfigured (2: fix the job), the API or network failed (3: retry the job), the run did not
finish in time (4: raise --timeout or look at the run). The official ``testerarmy`` CLI uses
0/1/2 only; docs/cli.md states how ours map to its codes.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from .._errors import MissingAPIKeyError, WaitTimeoutError
from .._summary import Outcome, outcome_of

if TYPE_CHECKING:
    from testerarmy_api.models.run import Run

__all__ = ["EXIT_CODES_HELP", "ExitCode", "code_for_error", "code_for_runs", "label", "passed"]


class ExitCode(enum.IntEnum):
    OK = 0
    NOT_PASSED = 1
    USAGE = 2
    API = 3
    TIMEOUT = 4
    INTERRUPTED = 130  # 128 + SIGINT, what shells report for a Ctrl-C


# Shown at the end of `testerarmy-py --help` (and of every subcommand's help); docs/cli.md has the
# same table. `\b` keeps click from re-wrapping the lines.
EXIT_CODES_HELP: Final = """\b
Exit codes (official testerarmy CLI: 0, 1, 2):
  0    every run passed (verdict PASS), or the command succeeded
  1    a run did not pass: FAILED, planner-skipped, errored or cancelled
  2    usage or input error (bad option, no API key) - nothing sent
  3    API or auth error (4xx/5xx), or the API could not be reached
  4    --timeout reached before the run(s) finished
  130  interrupted (Ctrl-C)"""

# What each outcome is called in tables, progress lines, JUnit and GitHub summaries. PASS and
# FAILED are the API's own verdicts; the others are not verdicts and say what happened instead.
_LABELS: Final = {
    Outcome.PASSED: "PASS",
    Outcome.FAILED: "FAILED",
    Outcome.SKIPPED: "SKIPPED",
    Outcome.ERRORED: "ERROR",
    Outcome.CANCELLED: "CANCELLED",
}


def label(run: Run) -> str:
    """``PASS`` / ``FAILED`` / ``SKIPPED`` (planner) / ``ERROR`` (the run failed) / ``CANCELLED``;
    for a run without an outcome yet (or one this SDK does not know) its status in capitals."""
    from .._polling import status_of

    outcome = outcome_of(run)
    return _LABELS.get(outcome) or status_of(run).upper()


def passed(run: Run) -> bool:
    """Only a ``completed`` run whose verdict is ``PASS`` counts as passed."""
    return outcome_of(run) is Outcome.PASSED


def code_for_runs(runs: Sequence[Run]) -> ExitCode:
    """0 if every run passed; 1 if any did not — or if there were no runs at all (nothing was tested,
    which a CI gate must not mistake for success)."""
    if runs and all(passed(run) for run in runs):
        return ExitCode.OK
    return ExitCode.NOT_PASSED


def code_for_error(error: BaseException) -> ExitCode:
    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(error, WaitTimeoutError):
        return ExitCode.TIMEOUT
    if isinstance(error, MissingAPIKeyError):
        return ExitCode.USAGE
    # API errors (any status, connection problems, unparseable answers) — and anything else, which
    # is a bug in this tool or the SDK: not the user's input (2) and not a run verdict (1); "the
    # tooling failed, retry or report it" is what 3 tells a pipeline.
    return ExitCode.API
