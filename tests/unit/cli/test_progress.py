"""Progress: plain lines off a terminal, a live in-place display on one."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from rich.spinner import SPINNERS
from testerarmy.cli._context import CliState, Runtime
from testerarmy.cli._progress import LiveProgress, PlainProgress, make_progress

from .conftest import assert_plain
from .test_exit import make_run

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
RUN_ID = "6f1c3f5e-0b7a-4d8e-9a51-2c0d9a7e4b11"


class Clock:
    def __init__(self) -> None:
        self.now = 10.0

    def __call__(self) -> float:
        return self.now


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_progress_prints_one_line_per_change() -> None:
    clock, stream = Clock(), io.StringIO()
    with PlainProgress([RUN_ID], clock, stream) as progress:
        progress.update(make_run("queued"))
        clock.now += 2.5
        progress.update(make_run("running"))
        clock.now += 10
        progress.update(make_run("completed", "FAILED"))

    assert stream.getvalue().splitlines() == [
        f"[+   0.0s] run {RUN_ID}: queued",
        f"[+   2.5s] run {RUN_ID}: queued → running",
        f"[+  12.5s] run {RUN_ID}: running → completed (FAILED)",
    ]
    assert_plain(stream.getvalue())
    assert progress.unfinished() == []
    assert [str(run.status) for run in progress.last_seen()] == ["completed"]


def test_live_progress_draws_in_place_with_ansi() -> None:
    clock, stream = Clock(), FakeTTY()
    console = Console(file=stream, force_terminal=True, width=100)
    with LiveProgress([RUN_ID], clock, console) as progress:
        progress.update(make_run("queued"))
        clock.now += 1.0
        progress.update(make_run("running"))
    text = stream.getvalue()

    assert "\x1b[" in text  # styles
    assert "\x1b[2K" in text  # lines erased and redrawn: updates in place
    assert set(SPINNERS["dots"]["frames"]) & set(text)  # a spinner frame
    plain = ANSI.sub("", text)
    assert f"run {RUN_ID}: queued → running" in plain  # the transition line stays
    assert "running 1.0s" in plain  # the live row: status and elapsed time


@pytest.mark.parametrize(("term", "live"), [("xterm-256color", True), ("dumb", False)])
def test_make_progress_picks_live_only_on_a_capable_terminal(
    monkeypatch: pytest.MonkeyPatch, term: str, live: bool
) -> None:
    monkeypatch.setenv("TERM", term)
    state = CliState(stderr=FakeTTY(), runtime=Runtime(clock=Clock()))
    assert isinstance(make_progress(state, [RUN_ID]), LiveProgress) is live


def test_make_progress_is_plain_on_a_pipe_even_with_force_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    state = CliState(stderr=io.StringIO(), runtime=Runtime(clock=Clock()))
    assert isinstance(make_progress(state, [RUN_ID]), PlainProgress)
    state.console(err=True).print("styled?", style="bold red")
    assert_plain(state.stderr.getvalue())  # type: ignore[attr-defined]


def test_verbose_gets_plain_progress_even_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    state = CliState(stderr=FakeTTY(), runtime=Runtime(clock=Clock()), verbose=True)
    assert isinstance(make_progress(state, [RUN_ID]), PlainProgress)
