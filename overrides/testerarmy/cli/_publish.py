"""After a wait: turn the runs into report cases and write the reports the command was asked for.

Called on every way a wait ends with runs to report — all finished, or ``--timeout`` reached (then
the unfinished runs are reported as timed out) — so a CI job gets its JUnit file and step summary
even when it exits 4.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .._errors import APIError
from ._reports import Case, github_annotations, github_summary, on_github_actions, write_junit

if TYPE_CHECKING:
    from testerarmy_api.models.run import Run

    from .._client import AsyncTesterArmy
    from ._context import CliState
    from ._options import WaitSettings

__all__ = ["Named", "first_line", "publish", "wants_reports"]


@dataclass(frozen=True)
class Named:
    """What the command knows about a run before it finishes: its testcase name and class."""

    name: str
    classname: str
    test_id: str | None = None


def first_line(text: str, limit: int = 120) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    line = line.lstrip("#").strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def wants_reports(waiting: WaitSettings) -> bool:
    return waiting.junit_xml is not None or on_github_actions(os.environ)


def _set(value: object) -> Any:
    from testerarmy_api.types import Unset

    return None if isinstance(value, Unset) else value


async def _test_titles(client: AsyncTesterArmy, test_ids: Collection[str]) -> dict[str, str]:
    """Titles of saved tests (for testcase names); a test that cannot be read keeps the fallback."""
    titles: dict[str, str] = {}
    for test_id in test_ids:
        try:
            detail = await client.tests.get(test_id)
        except APIError:
            continue
        title = detail.get("title") if isinstance(detail, dict) else None
        if isinstance(title, str) and title.strip():
            titles[test_id] = title.strip()
    return titles


def _fallback_name(run_id: str, run: Run | None) -> str:
    if run is not None:
        prompt = _set(run.input_).additional_properties.get("prompt") if _set(run.input_) else None
        if isinstance(prompt, str) and prompt.strip():
            return first_line(prompt)
        feature = getattr(_set(run.output), "feature_name", None)
        if isinstance(feature, str) and feature.strip():
            return feature.strip()
    return f"run {run_id}"


async def publish(
    state: CliState,
    client: AsyncTesterArmy,
    waiting: WaitSettings,
    *,
    title: str,
    run_ids: Sequence[str],
    runs: Mapping[str, Run],
    timed_out: Collection[str] = (),
    named: Mapping[str, Named] | None = None,
    unsubmitted: Sequence[Case] = (),
) -> list[Case]:
    """Write ``--junit-xml`` and the GitHub step summary/annotations (when asked); the cases.
    ``unsubmitted``: cases without a run (their ``problem`` says why), reported after the runs."""
    named = named or {}
    test_ids = {
        run_id: str(_set(runs[run_id].test_id))
        for run_id in run_ids
        if run_id in runs and _set(runs[run_id].test_id) is not None
    }
    missing = {test_id for run_id, test_id in test_ids.items() if run_id not in named}
    titles = await _test_titles(client, missing) if missing and wants_reports(waiting) else {}
    cases = []
    for run_id in run_ids:
        run = runs.get(run_id)
        given = named.get(run_id)
        test_id = given.test_id if given and given.test_id else test_ids.get(run_id)
        if given is not None:
            name, classname = given.name, given.classname
        elif test_id is not None:
            name, classname = titles.get(test_id) or _fallback_name(run_id, run), f"test.{test_id}"
        else:
            name, classname = _fallback_name(run_id, run), "prompt"
        cases.append(Case(run_id, name, classname, run, test_id, timed_out=run_id in timed_out))
    cases.extend(unsubmitted)  # scenarios whose submit failed: errors in the report, no run id
    if waiting.junit_xml is not None:
        stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
        try:
            write_junit(waiting.junit_xml, cases, suite_name=title, timestamp=stamp)
        except OSError as exc:
            state.warn(f"could not write --junit-xml {waiting.junit_xml}: {exc.strerror or exc}")
    if on_github_actions(os.environ):
        summary_path = os.environ.get("GITHUB_STEP_SUMMARY", "").strip()
        if summary_path:
            try:
                with open(summary_path, "a", encoding="utf-8") as summary:
                    summary.write(github_summary(cases, title=title))
            except OSError as exc:
                state.warn(f"could not append to $GITHUB_STEP_SUMMARY: {exc.strerror or exc}")
        github_annotations(cases, state.stderr)
    return cases
