"""Rendering of runs: issues of any shape, durations, and server text printed literally."""

from __future__ import annotations

import io

from rich.console import Console
from testerarmy.cli._context import CliState
from testerarmy.cli._output import Output, duration_seconds, issue_text

from .test_exit import make_run


def render(output: Output, renderable: object) -> str:
    console = Console(file=io.StringIO(), force_terminal=False, color_system=None, width=200)
    console.print(renderable)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(text, str)
    return text


def test_issue_text_handles_every_shape() -> None:
    assert issue_text({"severity": "high", "title": "T", "description": "D"}) == "[high] T: D"
    assert issue_text({"title": "Only a title"}) == "Only a title"
    assert issue_text({"description": "Only words"}) == "Only words"
    assert issue_text("a plain string") == "a plain string"
    assert issue_text({"code": 7}) == '{"code": 7}'
    assert issue_text(["x", 1]) == '["x", 1]'


def test_duration_prefers_duration_ms_then_timestamps() -> None:
    assert duration_seconds(make_run("completed", "PASS", durationMs=1500)) == 1.5
    timed = make_run(
        "completed", "PASS", startedAt="2026-02-12T00:00:00Z", completedAt="2026-02-12T00:01:05Z"
    )
    assert duration_seconds(timed) == 65.0
    assert duration_seconds(make_run("running")) is None


def test_summary_prints_server_text_literally_not_as_markup() -> None:
    run = make_run("completed", "FAILED")
    run.output.description = "Clicked [bold]Buy[/bold] and saw [red]nothing[/]"  # type: ignore[union-attr]
    run.output.issues = ["[link=http://x]bad[/link]"]  # type: ignore[union-attr]

    text = render(Output(CliState(), as_json=False), Output(CliState(), as_json=False).summary(run))

    assert "Clicked [bold]Buy[/bold] and saw [red]nothing[/]" in text
    assert "- [link=http://x]bad[/link]" in text


def test_summary_of_a_long_run_uses_minutes() -> None:
    run = make_run("completed", "PASS", durationMs=125_000)
    out = Output(CliState(), as_json=False)
    assert "Duration: 2 min 05 s" in render(out, out.summary(run))


def test_cancelled_run_summary() -> None:
    out = Output(CliState(), as_json=False)
    text = render(out, out.summary(make_run("cancelled")))
    assert text.startswith("CANCELLED  run 6f1c3f5e-0b7a-4d8e-9a51-2c0d9a7e4b11")
    assert "Duration: -" in text


def test_long_urls_are_not_broken_on_a_narrow_terminal() -> None:
    class TTY(io.StringIO):
        def isatty(self) -> bool:
            return True

    url = "https://screenshots.example.com/" + "x" * 120 + ".png"
    run = make_run("completed", "PASS")
    run.output.screenshots = [url]  # type: ignore[union-attr]
    state = CliState(stdout=TTY())
    state.console(err=False).width = 60  # type: ignore[misc]

    Output(state, as_json=False).run(run)

    assert url in state.stdout.getvalue()  # type: ignore[attr-defined]
