"""Progress while waiting for runs: live in place on a terminal, one plain line per change otherwise.

Both flavours are fed the same way — ``update(run)`` is the client's ``on_update`` callback, called
once per status change — and print the same transition lines (``run <id>: queued → running``), so
a CI log and a terminal tell the same story. On a terminal a rich ``Live`` display below those lines
additionally shows a spinner, the current status and the elapsed time of every run, redrawn in
place; it is transient (erased when the wait ends), the transition lines stay.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Self, TextIO

from .._polling import TERMINAL_STATUSES, failure_reason, status_of
from .._summary import summarize
from ._context import CliState, is_terminal

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.live import Live
    from rich.spinner import Spinner
    from rich.text import Text
    from testerarmy_api.models.run import Run

__all__ = ["LiveProgress", "PlainProgress", "Progress", "make_progress", "verdict"]

# Status -> rich style on a terminal (plain mode prints no styles at all).
STATUS_STYLES = {
    "submitted": "dim",
    "queued": "yellow",
    "running": "cyan",
    "completed": "green",
    "failed": "red",
    "cancelled": "magenta",
}


def verdict(run: Run) -> str:
    """The run's label (``PASS``, ``FAILED``, ``SKIPPED``, ``ERROR``, ``CANCELLED``, ``RUNNING``…)."""
    from ._exit import label

    return label(run)


@dataclass
class _Row:
    run_id: str
    status: str = "submitted"
    run: Run | None = None
    finished_at: float | None = None
    spinner: Spinner | None = None


class Progress:
    """Shared bookkeeping; subclasses decide how a line is shown (:meth:`_emit`)."""

    def __init__(self, run_ids: Sequence[str], clock: Callable[[], float]) -> None:
        self._clock = clock
        self._started = clock()
        self._rows = {run_id: _Row(run_id) for run_id in run_ids}
        self._lock = threading.Lock()  # update() runs on the event loop, rendering on rich's thread

    # --- fed by the client --------------------------------------------------------------------

    def update(self, run: Run) -> None:
        """``on_update`` callback: ``run`` has a new status."""
        run_id = str(run.id)
        status = status_of(run)
        with self._lock:
            row = self._rows.setdefault(run_id, _Row(run_id))
            previous = row.status
            row.status, row.run = status, run
            if status in TERMINAL_STATUSES and row.finished_at is None:
                row.finished_at = self._clock()
        self._emit(self._transition(run_id, previous, run))

    def note(self, message: str) -> None:
        """A free-form line among the transition lines (e.g. "cancelling ...")."""
        self._emit_text(message)

    # --- read by the commands -----------------------------------------------------------------

    def last_seen(self) -> list[Run]:
        """The latest state seen of every run (those polled at least once), in tracking order."""
        with self._lock:
            return [row.run for row in self._rows.values() if row.run is not None]

    def unfinished(self) -> list[str]:
        with self._lock:
            return [row.run_id for row in self._rows.values() if row.status not in TERMINAL_STATUSES]

    def elapsed(self) -> float:
        return self._clock() - self._started

    # --- formatting -----------------------------------------------------------------------------

    def _transition(self, run_id: str, previous: str, run: Run) -> list[tuple[str, str]]:
        """The pieces of a transition line as (text, style) pairs."""
        status = status_of(run)
        pieces: list[tuple[str, str]] = [(f"[+{self.elapsed():6.1f}s] ", "dim"), (f"run {run_id}: ", "")]
        if previous != "submitted":
            pieces += [(previous, STATUS_STYLES.get(previous, "")), (" → ", "dim")]
        pieces.append((status, STATUS_STYLES.get(status, "bold")))
        if status == "completed":
            result = verdict(run)
            pieces.append((f" ({result})", "bold green" if result == "PASS" else "bold red"))
            if result == "SKIPPED":
                reason = summarize(run).description
                if reason:
                    pieces.append((f" {reason}", "dim"))
        elif status == "failed":
            reason = failure_reason(run)
            if reason:
                pieces.append((f" ({reason})", "red"))
        return pieces

    def _emit(self, pieces: list[tuple[str, str]]) -> None:
        raise NotImplementedError

    def _emit_text(self, message: str) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


class PlainProgress(Progress):
    """One line per status change, nothing else: safe for CI logs and files."""

    def __init__(self, run_ids: Sequence[str], clock: Callable[[], float], stream: TextIO) -> None:
        super().__init__(run_ids, clock)
        self._stream = stream

    def _emit(self, pieces: list[tuple[str, str]]) -> None:
        self._emit_text("".join(text for text, _ in pieces))

    def _emit_text(self, message: str) -> None:
        # A plain line, flushed at once: CI logs stream, and nothing may be rewritten later.
        print(message, file=self._stream, flush=True)


class LiveProgress(Progress):
    """Transition lines plus a live, in-place display (spinner, status, elapsed) on a terminal."""

    REFRESH_PER_SECOND = 8

    def __init__(self, run_ids: Sequence[str], clock: Callable[[], float], console: Console) -> None:
        super().__init__(run_ids, clock)
        self._console = console
        self._live: Live | None = None

    def __enter__(self) -> Self:
        from rich.live import Live

        self._live = Live(
            console=self._console,
            get_renderable=self._render,
            refresh_per_second=self.REFRESH_PER_SECOND,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._live.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def _emit(self, pieces: list[tuple[str, str]]) -> None:
        from rich.text import Text

        if self._live is not None:
            # Printing above a Live display redraws its *last* frame; refresh first so that the
            # frame under the new line already shows the new status.
            self._live.refresh()
        self._console.print(Text.assemble(*pieces), soft_wrap=True)

    def _emit_text(self, message: str) -> None:
        from rich.text import Text

        self._console.print(Text(message, style="dim"))

    def _render(self) -> RenderableType:
        from rich.spinner import Spinner
        from rich.table import Table
        from rich.text import Text

        now = self._clock()
        table = Table.grid(padding=(0, 1))
        with self._lock:
            rows = list(self._rows.values())
            for row in rows:
                if row.status in TERMINAL_STATUSES:
                    mark: RenderableType = self._mark(row)
                    elapsed = (row.finished_at or now) - self._started
                else:
                    if row.spinner is None:
                        row.spinner = Spinner("dots", style="cyan")
                    mark = row.spinner
                    elapsed = now - self._started
                table.add_row(
                    mark,
                    Text(f"run {row.run_id}"),
                    Text(row.status, style=STATUS_STYLES.get(row.status, "bold")),
                    Text(f"{elapsed:.1f}s", style="dim"),
                )
            done = sum(row.status in TERMINAL_STATUSES for row in rows)
        if len(rows) > 1:
            header = Text(f"Waiting for {len(rows)} runs: {done} done", style="bold")
            outer = Table.grid()
            outer.add_row(header)
            outer.add_row(table)
            return outer
        return table

    @staticmethod
    def _mark(row: _Row) -> Text:
        from rich.text import Text

        if row.run is not None and verdict(row.run) == "PASS":
            return Text("✓", style="bold green")
        return Text("✗", style="bold red")


def make_progress(state: CliState, run_ids: Sequence[str]) -> Progress:
    """Live progress if stderr is a terminal, plain lines otherwise (progress always goes to stderr,
    so that stdout carries only results). ``--verbose`` also gets plain lines: its log lines go to
    stderr too and would be interleaved with a display that redraws itself."""
    if is_terminal(state.stderr) and not state.verbose:
        return LiveProgress(run_ids, state.runtime.clock, state.console(err=True))
    return PlainProgress(run_ids, state.runtime.clock, state.stderr)
