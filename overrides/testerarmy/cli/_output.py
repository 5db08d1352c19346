"""What the commands print: run summaries, tables, JSON.

Streams: results go to stdout; progress, notes and errors to stderr. With ``--json`` stdout carries
*only* the JSON document (so ``| jq`` always works) and the human-readable result moves to stderr.
Server-provided text is rendered as ``rich.text.Text`` (never parsed as markup), so a description
containing ``[brackets]`` prints as it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .._polling import failure_reason, status_of
from .._summary import duration_seconds, issue_text
from ._context import CliState
from ._progress import STATUS_STYLES, verdict

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text
    from testerarmy_api.models.run import Run

__all__ = ["Output", "duration_seconds", "issue_text", "json_text"]

VERDICT_STYLES = {"PASS": "bold green", "FAIL": "bold red"}


def json_text(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def _set(value: object) -> Any:
    """``None`` for the generated models' ``UNSET`` as well as for ``None``."""
    # Imported here: the generated package's __init__ imports httpx, which `--help` does not need.
    from testerarmy_api.types import Unset

    return None if isinstance(value, Unset) else value


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


def _strings(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else []


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

    def runs(self, runs: Sequence[Run], *, details: bool = True) -> None:
        """Several runs (a group batch): JSON array, results table, details of those not passing."""
        if self.as_json:
            self.json([run.to_dict() for run in runs])
        self.human.print(self.results_table(runs))
        if details:
            for run in runs:
                if verdict(run) != "PASS":
                    self.human.print()
                    self.human.print(self.summary(run), soft_wrap=True)

    def summary(self, run: Run) -> RenderableType:
        """Feature, verdict, description, issues, screenshots, duration, run id."""
        from rich.console import Group
        from rich.text import Text

        status = status_of(run)
        result = verdict(run)
        lines: list[RenderableType] = []
        headline = Text.assemble(
            (result, VERDICT_STYLES.get(result, STATUS_STYLES.get(status, "bold"))),
            ("  ", ""),
            (_feature(run) or f"run {run.id}", "bold"),
        )
        lines.append(headline)
        output = _set(run.output)
        if output is not None:
            description = _set(output.description)
            if description:
                lines.append(_indented(str(description)))
            issues = _strings(_set(output.issues))
            lines.append(_indented(f"Issues ({len(issues)}):" if issues else "Issues: none"))
            lines.extend(_indented(f"- {issue_text(issue)}", 4) for issue in issues)
            screenshots = _strings(_set(output.screenshots))
            if screenshots:
                lines.append(_indented("Screenshots:"))
                lines.extend(_indented(str(url), 4) for url in screenshots)
        if status == "failed":
            lines.append(_indented(f"Error: {failure_reason(run) or 'no reason given by the API'}", 2, "red"))
        if status in ("completed", "failed", "cancelled"):
            lines.append(_indented(f"Duration: {_format_duration(duration_seconds(run))}"))
        else:
            lines.append(_indented(f"Status: {status} (not finished)"))
        lines.append(_indented(f"Run: {run.id}"))
        return Group(*lines)

    def results_table(self, runs: Iterable[Run]) -> RenderableType:
        from rich import box
        from rich.table import Table
        from rich.text import Text

        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for column in ("Result", "Test", "Issues", "Duration", "Run"):
            table.add_column(column, no_wrap=column in ("Result", "Run"))
        for run in runs:
            result = verdict(run)
            output = _set(run.output)
            issues = len(_strings(_set(output.issues))) if output is not None else 0
            table.add_row(
                Text(result, style=VERDICT_STYLES.get(result, STATUS_STYLES.get(status_of(run), ""))),
                Text(_feature(run) or "-"),
                str(issues),
                _format_duration(duration_seconds(run)),
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
            result = getattr(_set(run.output), "result", None)
            table.add_row(
                str(run.id),
                Text(status, style=STATUS_STYLES.get(status, "")),
                Text(
                    str(result) if isinstance(result, str) else "-", style=VERDICT_STYLES.get(str(result), "")
                ),
                Text(_feature(run) or _prompt(run)),
                run.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            )
        return table


def _prompt(run: Run) -> str:
    """The prompt of an ad-hoc run, or ``test <id>`` for a run of a saved test."""
    # A webhook's run omits `input` (codegen/rules.yaml `tolerated`): then there is no prompt to show.
    given = getattr(_set(run.input_), "additional_properties", {})
    prompt, test_id = given.get("prompt"), given.get("testId")
    if isinstance(prompt, str) and prompt:
        return prompt if len(prompt) <= 60 else prompt[:59] + "…"
    return f"test {test_id}" if isinstance(test_id, str) else "-"


def _indented(text: str, indent: int = 2, style: str = "") -> Text:
    from rich.text import Text

    return Text(" " * indent + text, style=style)
