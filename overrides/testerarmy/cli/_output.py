"""What the commands print: run summaries, tables, JSON.

Streams: results go to stdout; progress, notes and errors to stderr. With ``--json`` stdout carries
*only* the JSON document (so ``| jq`` always works) and the human-readable result moves to stderr.
Server-provided text is rendered as ``rich.text.Text`` (never parsed as markup), so a description
containing ``[brackets]`` prints as it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from .._polling import status_of
from .._summary import Outcome, duration_seconds, issue_text, summarize
from ._context import CliState
from ._progress import STATUS_STYLES, verdict

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text
    from testerarmy_api.models.run import Run

__all__ = ["Output", "duration_seconds", "issue_text", "json_text"]

VERDICT_STYLES = {
    "PASS": "bold green",
    "FAILED": "bold red",
    "ERROR": "red",
    "SKIPPED": "yellow",
    "CANCELLED": "magenta",
}


def json_text(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def _format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def _feature(run: Run) -> str:
    name = getattr(run.output, "feature_name", None)
    if isinstance(name, str) and name:
        return name
    return ""


class Output:
    """Printing for one command invocation (``as_json`` = the command's ``--json`` flag)."""

    def __init__(self, state: CliState, *, as_json: bool) -> None:
        self._state = state
        self.as_json = as_json

    @property
    def human(self) -> Console:
        """Where human-readable results go: stdout, or stderr when stdout is reserved for JSON."""
        return self._state.console(err=self.as_json)

    # --- primitives -----------------------------------------------------------------------------

    def json(self, data: object) -> None:
        stream = self._state.stdout
        stream.write(json_text(data) + "\n")
        stream.flush()

    def info(self, message: str) -> None:
        """A note on stderr (never on stdout, which is for results)."""
        from rich.text import Text

        self._state.console(err=True).print(Text(message))

    # --- runs -----------------------------------------------------------------------------------

    def run(self, run: Run) -> None:
        """One run: its JSON (with ``--json``) and its summary."""
        if self.as_json:
            self.json(run.to_dict())
        # soft_wrap: long lines (screenshot URLs) are left for the terminal to wrap, so they stay
        # one clickable/copyable string instead of being broken at the console width.
        self.human.print(self.summary(run), soft_wrap=True)

    def runs(
        self, runs: Sequence[Run], *, details: bool = True, names: Mapping[str, str] | None = None
    ) -> None:
        """Several runs (a batch, a suite): JSON array, results table, details of those not passing."""
        if self.as_json:
            self.json([run.to_dict() for run in runs])
        self.human.print(self.results_table(runs, names))
        if details:
            for run in runs:
                if verdict(run) != "PASS":
                    self.human.print()
                    self.human.print(self.summary(run), soft_wrap=True)

    def summary(self, run: Run) -> RenderableType:
        """Verdict, feature, description (or the planner's reason), issues, screenshots, error,
        duration, run id: all read through ``summarize`` so every outcome is shown as what it is."""
        from rich.console import Group
        from rich.text import Text

        status = status_of(run)
        result = verdict(run)
        facts = summarize(run)
        lines: list[RenderableType] = []
        headline = Text.assemble(
            (result, VERDICT_STYLES.get(result, STATUS_STYLES.get(status, "bold"))),
            ("  ", ""),
            (_feature(run) or f"run {run.id}", "bold"),
        )
        lines.append(headline)
        if facts.outcome is Outcome.SKIPPED:
            lines.append(_indented(f"Skipped by the planner: {facts.description or 'no reason given'}"))
        elif facts.description:
            lines.append(_indented(facts.description))
        if facts.outcome in (Outcome.PASSED, Outcome.FAILED, Outcome.UNKNOWN) and status == "completed":
            issues = facts.issues
            lines.append(_indented(f"Issues ({len(issues)}):" if issues else "Issues: none"))
            lines.extend(_indented(f"- {issue}", 4) for issue in issues)
        if facts.screenshots:
            lines.append(_indented("Screenshots:"))
            lines.extend(_indented(str(url), 4) for url in facts.screenshots)
        if facts.outcome is Outcome.ERRORED:
            lines.append(_indented(f"Error: {facts.error or 'no reason given by the API'}", 2, "red"))
        if status in ("completed", "failed", "cancelled"):
            lines.append(_indented(f"Duration: {_format_duration(facts.duration_seconds)}"))
        else:
            lines.append(_indented(f"Status: {status} (not finished)"))
        lines.append(_indented(f"Run: {run.id}"))
        return Group(*lines)

    def results_table(self, runs: Iterable[Run], names: Mapping[str, str] | None = None) -> RenderableType:
        from rich import box
        from rich.table import Table
        from rich.text import Text

        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for column in ("Result", "Test", "Issues", "Duration", "Run"):
            table.add_column(column, no_wrap=column in ("Result", "Run"))
        for run in runs:
            result = verdict(run)
            facts = summarize(run)
            name = (names or {}).get(str(run.id)) or _feature(run) or "-"
            table.add_row(
                Text(result, style=VERDICT_STYLES.get(result, STATUS_STYLES.get(status_of(run), ""))),
                Text(name),
                str(len(facts.issues)),
                _format_duration(facts.duration_seconds),
                str(run.id),
            )
        return table

    def runs_list_table(self, runs: Iterable[Run]) -> RenderableType:
        from rich import box
        from rich.table import Table
        from rich.text import Text

        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for column in ("Run", "Status", "Result", "Feature / prompt", "Created"):
            table.add_column(column, no_wrap=column in ("Run", "Status", "Created"))
        for run in runs:
            status = status_of(run)
            result = verdict(run) if status in ("completed", "failed", "cancelled") else "-"
            table.add_row(
                str(run.id),
                Text(status, style=STATUS_STYLES.get(status, "")),
                Text(result, style=VERDICT_STYLES.get(result, "")),
                Text(_feature(run) or _prompt(run)),
                run.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            )
        return table


def _prompt(run: Run) -> str:
    """The prompt of an ad-hoc run, or ``test <id>`` for a run of a saved test."""
    # A webhook's run omits `input` (codegen/rules.yaml `tolerated`): then there is no prompt to show.
    given = getattr(run.input_ or None, "additional_properties", None) or {}
    prompt, test_id = given.get("prompt"), given.get("testId")
    if isinstance(prompt, str) and prompt:
        return prompt if len(prompt) <= 60 else prompt[:59] + "…"
    return f"test {test_id}" if isinstance(test_id, str) else "-"


def _indented(text: str, indent: int = 2, style: str = "") -> Text:
    from rich.text import Text

    return Text(" " * indent + text, style=style)
