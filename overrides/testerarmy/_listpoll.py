"""Learning many runs' statuses from ``GET /v1/runs`` pages — a sans-I/O planner (see ``_flow``).

A wait over N runs polls them in rounds (``_polling.wait_flow``). Per-run GETs cost N requests a
round; one list page reports up to 100 runs of the team (``limit=100``), filtered by project and
walked with ``cursor`` → ``nextCursor``. :meth:`StatusPlanner.fetch` answers one round:

1. Runs are grouped by the project they are known to belong to (learned from every answer seen so
   far); runs of unknown project (the first round) and runs without one share a team-wide walk.
2. Each group with at least two runs left walks its list from the top (newest first, where a batch
   that was just triggered sits) and takes every listed run **whose id is one of ours** — never
   another run of the team. The walk goes on while it pays: while its pages do not outnumber the
   runs they answered, or while the wanted runs last listed further down (a round's runs need not
   be the newest of the batch) are at least as many as the pages down to them; and never more
   pages than runs it wants. So a round never costs more than per-run polling plus one request per
   group, and a batch that fills the top pages costs one page per 100 runs.
3. Whatever no page answered — a run outside the walked window, a group too small, a walk that
   failed — is fetched with per-run GETs (:class:`~._polling.Fetch`), exactly as before. So every
   run gets an answer every round: no completion can be missed, and the followers in
   ``_polling`` see the same ``Polled`` outcomes (status changes, ``on_update``, deadline) whichever
   way the answer came.

A list error falls back to per-run GETs for that round, except a 429: more requests are exactly
what the server refused, so the runs get the ``RateLimitError`` (their followers wait out its
``Retry-After``, and the client's gate holds every other request meanwhile). A non-transient list
error (the server rejects the filter, an unparseable page) switches listing off for the rest of
the wait.

Why not filter by ``status`` as well: a status filter hides exactly the runs whose status changed,
and the terminal statuses' lists grow with the team's whole history; the unfiltered project list
answers running and finished runs alike from its top pages. ``testId`` narrows to one test's runs,
which a batch spans many of.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from uuid import UUID

from ._errors import RateLimitError
from ._logging import logger
from ._polling import Fetch, Polled, is_transient
from ._retry import parse_retry_after

if TYPE_CHECKING:
    import httpx
    from testerarmy_api.models.run import Run
    from testerarmy_api.models.run_list import RunList

    from ._resources._operation import Operation

__all__ = [
    "LIST_PAGE_SIZE",
    "MIN_LISTED",
    "ListRuns",
    "ListedPage",
    "PlannerAction",
    "StatusPlanner",
    "listed_page",
    "page_operation",
]

#: The spec's maximum ``limit`` for ``GET /v1/runs``.
LIST_PAGE_SIZE: Final = 100
#: Below this many runs in a group, per-run GETs are as cheap as a page.
MIN_LISTED: Final = 2

_TEAM: Final = None  # group key: no project filter


@dataclass(frozen=True, slots=True)
class ListRuns:
    """Action: ``GET /v1/runs?limit=…[&projectId=…][&cursor=…]``; outcome a :class:`ListedPage`
    or the :class:`~._errors.APIError` it raised."""

    project_id: str | None
    cursor: str | None
    limit: int = LIST_PAGE_SIZE


@dataclass(frozen=True, slots=True)
class ListedPage:
    runs: Sequence[Run]
    next_cursor: str | None
    retry_after: float | None = None


PlannerAction = ListRuns | Fetch


def _project_of(run: Run) -> str | None:
    value: object = getattr(run, "project_id", None)  # None, UNSET or the id
    return str(value) if isinstance(value, UUID | str) and value else None


@dataclass
class StatusPlanner:
    """One per wait: remembers projects across rounds and whether listing works at all."""

    listing: bool = True
    projects: dict[str, str | None] = field(default_factory=dict)
    #: Where each run of ours was last listed (items above it in its list). Runs are only ever added
    #: at the top, so this is a lower bound of where it is now: a walk whose top pages hold none of
    #: the runs it wants (they are older than the batch's newest) goes on down to them if it pays.
    offsets: dict[str, int] = field(default_factory=dict)
    #: Requests made so far, by kind (for logs and benchmarks).
    pages: int = 0
    gets: int = 0

    def _groups(self, run_ids: Sequence[str]) -> list[tuple[str | None, list[str]]]:
        groups: dict[str | None, list[str]] = {}
        for run_id in run_ids:
            groups.setdefault(self.projects.get(run_id, _TEAM), []).append(run_id)
        # Project walks first (narrowest), the team-wide walk last: it catches what they missed.
        return sorted(groups.items(), key=lambda item: (item[0] is _TEAM, -len(item[1])))

    def _learn(self, run_id: str, run: Run) -> None:
        self.projects[run_id] = _project_of(run)

    def _walk(
        self, project_id: str | None, wanted: set[str], answers: dict[str, Polled | Exception]
    ) -> Generator[ListRuns, Any, None]:
        """Walk one list from its top while it pays; fill ``answers`` for the ids in ``wanted``."""
        pages = answered = offset = 0
        budget = len(wanted)  # never more pages than the GETs they replace
        cursor: str | None = None
        seen_cursors: set[str] = set()
        while wanted and pages < budget and (pages <= answered or self._pays_further(offset, wanted)):
            outcome = yield ListRuns(project_id, cursor)
            pages += 1
            self.pages += 1
            if isinstance(outcome, RateLimitError):
                for run_id in wanted:
                    answers[run_id] = outcome
                wanted.clear()
                return
            if isinstance(outcome, Exception):
                if not is_transient(outcome):
                    logger.info("Polling by list pages switched off for this wait: %s", outcome)
                    self.listing = False
                else:
                    logger.info("Run list page failed, polling runs one by one this round: %s", outcome)
                return
            assert isinstance(outcome, ListedPage)
            for position, run in enumerate(outcome.runs, offset):
                run_id = str(run.id)
                if run_id in self.projects or run_id in wanted:
                    self.offsets[run_id] = position
                if run_id in wanted:  # by id: another run of the team is never taken for ours
                    wanted.discard(run_id)
                    answers[run_id] = Polled(run, outcome.retry_after)
                    answered += 1
            offset += len(outcome.runs)
            cursor = outcome.next_cursor
            if not cursor or cursor in seen_cursors:
                return
            seen_cursors.add(cursor)

    def _pays_further(self, offset: int, wanted: set[str]) -> bool:
        """Do the wanted runs last listed below ``offset`` repay the pages down to them?"""
        deeper = sorted(self.offsets[r] for r in wanted if self.offsets.get(r, -1) >= offset)
        return any(found >= (at - offset) // LIST_PAGE_SIZE + 1 for found, at in enumerate(deeper, 1))

    def fetch(self, run_ids: Sequence[str]) -> Generator[PlannerAction, Any, tuple[Polled | Exception, ...]]:
        """One poll round over ``run_ids``: an outcome per id, in order (as ``Fetch`` would give)."""
        answers: dict[str, Polled | Exception] = {}
        groups = self._groups(run_ids) if len(run_ids) >= MIN_LISTED else []
        for project_id, group in groups:
            wanted = {run_id for run_id in group if run_id not in answers}
            if self.listing and len(wanted) >= MIN_LISTED:  # a failed walk may switch listing off
                yield from self._walk(project_id, wanted, answers)
        rest = tuple(run_id for run_id in run_ids if run_id not in answers)
        if rest:
            self.gets += len(rest)
            outcomes = yield Fetch(rest)
            answers.update(zip(rest, outcomes, strict=True))
        for run_id, answer in answers.items():
            if isinstance(answer, Polled):
                self._learn(run_id, answer.run)
        return tuple(answers[run_id] for run_id in run_ids)


# --- for the I/O drivers (``_resources._base``): the request of a ListRuns and its answer -----------


def page_operation(action: ListRuns) -> Operation[RunList]:
    """The checked ``GET /v1/runs`` request for ``action`` (built from the spec's operation data)."""
    from testerarmy_api.resources._operations import RUNS_LIST
    from testerarmy_api.types import UNSET

    from ._resources._request import build_operation

    args: dict[str, object] = {"limit": action.limit}
    if action.project_id is not None:
        args["project_id"] = action.project_id
    if action.cursor is not None:
        args["cursor"] = action.cursor
    return build_operation(RUNS_LIST, args, timeout=UNSET, extra_headers=None)


def listed_page(page: RunList, response: httpx.Response) -> ListedPage:
    cursor = page.next_cursor
    return ListedPage(
        tuple(page.runs),
        cursor if isinstance(cursor, str) and cursor else None,
        parse_retry_after(response.headers.get("retry-after"), time.time()),
    )
