"""A user's script, as the README teaches it: type-checked with `mypy --strict` against the installed
wheel, then run against the simulator (tests/integration/packaging/test_user_view.py).

It reads outcome, verdict, issues, error and duration with no ``Unset`` import: through
``summarize(run)``, and on the model itself by narrowing (``Unset`` is falsy for mypy; ``output`` is
the union ``TestOutput | PlannerSkippedOutput``, told apart with ``isinstance``).
Not collected by pytest (no ``test_`` prefix); the key and base URL come from the environment.
"""

from __future__ import annotations

import asyncio
import sys

from testerarmy import (
    AsyncTesterArmy,
    Outcome,
    RateLimitError,
    Run,
    RunSummary,
    TesterArmy,
    TesterArmyError,
    TestOutput,
    WaitOptions,
    request_id,
    summarize,
    to_json,
)
from testerarmy_api.api.runs import get

PROMPTS = (
    "Open https://shop.example.com/pricing, click Pro and check the checkout loads [sim:pass]",
    "Sign up with a new account and check the welcome page [sim:fail] [sim:issues=2]",
    "Check the search box returns results [sim:error=BROWSER_CRASHED]",
)
WAIT: WaitOptions = {"timeout": 120.0, "poll_interval": 0.05, "max_interval": 0.2}


def line(run: Run) -> str:
    """One report line: the summary view (plain types all the way)."""
    summary: RunSummary = summarize(run)
    issues = "; ".join(summary.issues) or "-"
    duration = f"{summary.duration_seconds:.1f}s" if summary.duration_seconds is not None else "?"
    verdict = summary.verdict or "-"
    outcome: Outcome = summary.outcome
    return (
        f"{summary.id} {summary.status} {verdict} {duration} issues={issues} error={summary.error} "
        f"outcome={outcome.value}"
    )


def verdict_on_the_model(run: Run) -> str | None:
    """The same read on the generated model: truthiness narrows away Unset and None."""
    if isinstance(run.output, TestOutput) and run.output.result:
        return str(run.output.result).upper()
    return None


def issue_count(run: Run) -> int:
    return len(run.output.issues) if isinstance(run.output, TestOutput) and run.output.issues else 0


def error_details(run: Run) -> dict[str, object]:
    return {"code": run.error.code, "message": run.error.message} if run.error else {}


def duration_ms(run: Run) -> float | None:
    return run.duration_ms or None  # UNSET and None are falsy (a 0 ms run reads as None here)


def sync_part() -> list[str]:
    lines: list[str] = []
    with TesterArmy() as client:
        try:
            run = client.runs.create_and_wait(prompt=PROMPTS[0], **WAIT)
        except RateLimitError as exc:
            return [f"rate limited; retry after {exc.retry_after}s (request {exc.request_id})"]
        lines.append(line(run))
        lines.append(f"model verdict={verdict_on_the_model(run)} issues={issue_count(run)}")
        lines.append(f"request id={request_id(run)}")
        # The README's raw-response call through the generated client (same auth and retries).
        response = get.sync_detailed(run.id, client=client.api)
        lines.append(f"raw status={int(response.status_code)} parsed={type(response.parsed).__name__}")
        assert isinstance(response.parsed, Run)
        lines.append("json " + to_json(response.parsed, indent=None)[:1])
        for listed in client.runs.list(limit=1):  # one run per page: the iterator follows nextCursor
            lines.append("listed " + line(listed))
    return lines


async def async_part() -> list[str]:
    async with AsyncTesterArmy() as client:
        runs = await asyncio.gather(*(client.runs.create_and_wait(prompt=p, **WAIT) for p in PROMPTS[1:]))
    return [line(run) + f" details={sorted(error_details(run))} ms={duration_ms(run)}" for run in runs]


def main() -> int:
    try:
        lines = sync_part() + asyncio.run(async_part())
    except TesterArmyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
