"""List-based status polling: the planner as a pure flow against a fake team answering as the
published spec says (``GET /v1/runs``: newest first, ``limit`` ≤ 100, ``projectId``, ``cursor`` →
``nextCursor``), then through the client over httpx.MockTransport."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import testerarmy as ta
from testerarmy._flow import Sleep, drive
from testerarmy._listpoll import LIST_PAGE_SIZE, ListedPage, ListRuns, StatusPlanner
from testerarmy._polling import Fetch, Notify, Polled, WaitSettings, status_of, wait_flow
from testerarmy_api.models import Run

from .conftest import API_KEY, FakeClock, run_json

PROJECT = str(uuid.uuid4())
OTHER_PROJECT = str(uuid.uuid4())


def status_error(status: int, cls: type[ta.APIStatusError], **kwargs: Any) -> ta.APIStatusError:
    request = httpx.Request("GET", "https://tester.army/api/v1/runs")
    return cls(f"{status}", response=httpx.Response(status, request=request), **kwargs)


@dataclass
class TeamRun:
    id: str
    project_id: str | None
    done_at: float  # clock time at which the run completes (running before)

    def json(self, now: float) -> dict[str, Any]:
        status = "completed" if now >= self.done_at else "running"
        return run_json(self.id, status, projectId=self.project_id)


class MovingClock(FakeClock):
    """A clock that also moves a little on every reading, as work takes time."""

    def __init__(self, step: float) -> None:
        super().__init__()
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@dataclass
class FakeTeam:
    """All runs of the team, newest first, answering list pages and GETs at the fake clock's time."""

    clock: FakeClock
    runs: list[TeamRun] = field(default_factory=list)
    list_errors: list[Exception] = field(default_factory=list)
    lists: list[ListRuns] = field(default_factory=list)
    gets: list[str] = field(default_factory=list)

    def add(self, count: int, project_id: str | None, done_at: Callable[[int], float]) -> list[str]:
        """Create ``count`` runs (newer than all before them); their ids, oldest first."""
        made = [TeamRun(str(uuid.uuid4()), project_id, done_at(i)) for i in range(count)]
        self.runs[:0] = reversed(made)
        return [run.id for run in made]

    def page(self, action: ListRuns) -> ListedPage | Exception:
        self.lists.append(action)
        if self.list_errors:
            return self.list_errors.pop(0)
        assert 1 <= action.limit <= LIST_PAGE_SIZE
        matching = [r for r in self.runs if action.project_id in (None, r.project_id)]
        start = int(action.cursor) if action.cursor else 0
        chunk = matching[start : start + action.limit]
        end = start + len(chunk)
        cursor = str(end) if end < len(matching) else None
        return ListedPage(tuple(Run.from_dict(r.json(self.clock())) for r in chunk), cursor)

    def get(self, run_id: str) -> Polled | Exception:
        self.gets.append(run_id)
        run = next(r for r in self.runs if r.id == run_id)
        return Polled(Run.from_dict(run.json(self.clock())))

    @property
    def requests(self) -> int:
        return len(self.lists) + len(self.gets)


@dataclass
class Driver:
    team: FakeTeam
    updates: list[tuple[float, str, str]] = field(default_factory=list)

    def perform(self, action: object) -> object:
        clock = self.team.clock
        if isinstance(action, ListRuns):
            return self.team.page(action)
        if isinstance(action, Fetch):
            return tuple(self.team.get(run_id) for run_id in action.run_ids)
        if isinstance(action, Sleep):
            clock.sleep(action.seconds)
            return None
        assert isinstance(action, Notify)
        self.updates.append((clock(), str(action.run.id), status_of(action.run)))
        return None

    def wait(
        self, run_ids: Sequence[str], planner: StatusPlanner | None, timeout: float = 600.0
    ) -> list[Run]:
        flow = wait_flow(run_ids, WaitSettings(timeout=timeout), self.team.clock, planner)
        return drive(flow, self.perform)


def round_of(
    planner: StatusPlanner, team: FakeTeam, run_ids: Sequence[str]
) -> tuple[Polled | Exception, ...]:
    return drive(planner.fetch(run_ids), Driver(team).perform)


class TestOneRound:
    def test_a_batch_at_the_top_costs_one_page_per_hundred_runs(self, clock: FakeClock) -> None:
        team = FakeTeam(clock)
        team.add(500, OTHER_PROJECT, lambda i: 0.0)  # older history of the team
        ours = team.add(250, PROJECT, lambda i: 1e9)
        answers = round_of(StatusPlanner(), team, ours)
        assert [str(a.run.id) for a in answers if isinstance(a, Polled)] == ours
        assert len(team.lists) == 3
        assert team.gets == []

    def test_another_run_of_the_team_is_never_taken_for_ours(self, clock: FakeClock) -> None:
        team = FakeTeam(clock)
        ours = team.add(3, PROJECT, lambda i: 1e9)
        team.add(40, PROJECT, lambda i: 0.0)  # newer runs of the same project, all completed
        answers = round_of(StatusPlanner(), team, ours)
        assert all(isinstance(a, Polled) for a in answers)
        assert [str(a.run.id) for a in answers if isinstance(a, Polled)] == ours
        assert {status_of(a.run) for a in answers if isinstance(a, Polled)} == {"running"}

    def test_runs_outside_the_window_are_fetched_one_by_one(self, clock: FakeClock) -> None:
        team = FakeTeam(clock)
        old = team.add(2, PROJECT, lambda i: 0.0)
        team.add(300, OTHER_PROJECT, lambda i: 0.0)  # pushes the two old runs to the 4th page
        answers = round_of(StatusPlanner(), team, old)
        assert len(team.lists) == 1  # the first page answered none: walking on would not pay
        assert sorted(team.gets) == sorted(old)
        assert [str(a.run.id) for a in answers if isinstance(a, Polled)] == old

    def test_a_round_of_the_batchs_older_runs_walks_down_to_them(self, clock: FakeClock) -> None:
        # A round need not hold the batch's newest runs (a cohort of followers out of step): its
        # runs sit on the 2nd and 3rd page, and the planner knows it from the round before.
        team = FakeTeam(clock)
        ours = team.add(250, PROJECT, lambda i: 1e9)
        planner = StatusPlanner()
        round_of(planner, team, ours)
        team.lists.clear()
        oldest = ours[:150]
        answers = round_of(planner, team, oldest)
        assert [str(a.run.id) for a in answers if isinstance(a, Polled)] == oldest
        assert len(team.lists) == 3
        assert team.gets == []

    def test_later_rounds_filter_by_the_project_learnt(self, clock: FakeClock) -> None:
        team = FakeTeam(clock)
        ours = team.add(150, PROJECT, lambda i: 1e9)
        planner = StatusPlanner()
        round_of(planner, team, ours)
        assert {a.project_id for a in team.lists} == {None}
        team.add(200, OTHER_PROJECT, lambda i: 0.0)  # the team gets busy elsewhere meanwhile
        team.lists.clear()
        answers = round_of(planner, team, ours)
        assert all(isinstance(a, Polled) for a in answers)
        assert [a.project_id for a in team.lists] == [PROJECT, PROJECT]
        assert team.gets == []

    def test_a_single_run_is_simply_fetched(self, clock: FakeClock) -> None:
        team = FakeTeam(clock)
        (one,) = team.add(1, PROJECT, lambda i: 1e9)
        round_of(StatusPlanner(), team, [one])
        assert (team.lists, team.gets) == ([], [one])

    def test_a_failed_page_falls_back_to_gets_for_the_round(self, clock: FakeClock) -> None:
        team = FakeTeam(clock, list_errors=[status_error(503, ta.InternalServerError)])
        ours = team.add(5, PROJECT, lambda i: 1e9)
        planner = StatusPlanner()
        answers = round_of(planner, team, ours)
        assert all(isinstance(a, Polled) for a in answers)
        assert sorted(team.gets) == sorted(ours)
        assert planner.listing  # transient: the next round lists again
        team.gets.clear()
        round_of(planner, team, ours)
        assert team.gets == []

    def test_a_list_the_server_cannot_answer_switches_listing_off(self, clock: FakeClock) -> None:
        team = FakeTeam(clock, list_errors=[status_error(400, ta.BadRequestError)])
        ours = team.add(5, PROJECT, lambda i: 1e9)
        planner = StatusPlanner()
        round_of(planner, team, ours)
        assert not planner.listing
        team.lists.clear()
        round_of(planner, team, ours)
        assert team.lists == []

    def test_a_refused_page_is_not_followed_by_a_get_per_run(self, clock: FakeClock) -> None:
        refused = status_error(429, ta.RateLimitError, retry_after=7.0)
        team = FakeTeam(clock, list_errors=[refused])
        ours = team.add(50, PROJECT, lambda i: 1e9)
        answers = round_of(StatusPlanner(), team, ours)
        assert answers == (refused,) * 50
        assert team.gets == []

    def test_a_repeated_cursor_ends_the_walk(self, clock: FakeClock) -> None:
        team = FakeTeam(clock)
        ours = team.add(3, PROJECT, lambda i: 1e9)
        by_id = {run.id: run for run in team.runs}

        def looping(action: ListRuns) -> ListedPage | Exception:
            # A broken server: every page says "same" is next, and each shows one more of ours.
            team.lists.append(action)
            run = by_id[ours[len(team.lists) - 1]]
            return ListedPage((Run.from_dict(run.json(clock())),), "same")

        team.page = looping  # type: ignore[method-assign]
        answers = round_of(StatusPlanner(), team, ours)
        assert [action.cursor for action in team.lists] == [None, "same"]
        assert team.gets == [ours[2]]
        assert [str(a.run.id) for a in answers if isinstance(a, Polled)] == ours


class TestWholeWaits:
    def test_same_updates_for_a_fraction_of_the_requests(self, clock: FakeClock) -> None:
        # 600 runs finishing over 2 minutes behind some history; per-run polling is the baseline.
        def build() -> tuple[FakeTeam, list[str]]:
            team = FakeTeam(FakeClock())
            team.add(120, OTHER_PROJECT, lambda i: 0.0)
            return team, team.add(600, PROJECT, lambda i: 1001.0 + (i * 7919) % 120)

        listed_team, ours = build()
        listed = Driver(listed_team)
        got = listed.wait(ours, StatusPlanner())
        baseline_team, baseline_ours = build()
        baseline = Driver(baseline_team)
        baseline.wait(baseline_ours, None)

        assert [str(run.id) for run in got] == ours
        assert {status_of(run) for run in got} == {"completed"}
        # on_update semantics: every run reported running, then completed, in that order, once each
        for updates in (listed.updates, baseline.updates):
            assert len(updates) == 2 * 600
        statuses: dict[str, list[str]] = {}
        for _, run_id, status in listed.updates:
            statuses.setdefault(run_id, []).append(status)
        assert set(statuses) == set(ours)
        assert all(seq == ["running", "completed"] for seq in statuses.values())

        # completions are learnt as soon as with per-run polling: the rounds are the same
        def last_completion(updates: list[tuple[float, str, str]]) -> float:
            return max(t for t, _, status in updates if status == "completed")

        assert last_completion(listed.updates) == last_completion(baseline.updates)
        assert listed_team.requests <= 0.1 * baseline_team.requests

    def test_a_clock_that_moves_while_the_client_works_keeps_rounds_whole(self) -> None:
        # On a real machine (and on a scaled clock) time passes while a round's thousand followers
        # are advanced and their callbacks run; followers on one schedule must still wake together,
        # or each round splits into cohorts that list pages answer badly.
        def build() -> tuple[FakeTeam, list[str]]:
            team = FakeTeam(MovingClock(step=0.0005))
            team.add(120, OTHER_PROJECT, lambda i: 0.0)
            return team, team.add(1000, PROJECT, lambda i: 1010.0 + (i * 7919) % 30)

        listed_team, ours = build()
        listed = Driver(listed_team)
        got = listed.wait(ours, StatusPlanner())
        baseline_team, baseline_ours = build()
        Driver(baseline_team).wait(baseline_ours, None)
        assert {status_of(run) for run in got} == {"completed"}
        assert len(listed.updates) == 2 * 1000
        assert listed_team.requests <= 0.1 * baseline_team.requests

    def test_the_deadline_holds(self, clock: FakeClock) -> None:
        team = FakeTeam(clock)
        ours = team.add(10, PROJECT, lambda i: 1e9)
        start = clock()
        with pytest.raises(ta.WaitTimeoutError):
            Driver(team).wait(ours, StatusPlanner(), timeout=30.0)
        assert clock() - start <= 30.0 + 1e-9


class TestThroughTheClient:
    """The client sends the spec's GET /v1/runs query and reads nextCursor (MockTransport)."""

    @staticmethod
    def handler(team: FakeTeam) -> Callable[[httpx.Request], httpx.Response]:
        def answer(request: httpx.Request) -> httpx.Response:
            path = request.url.path.removeprefix("/api")
            now = team.clock()
            if path == "/v1/runs":
                params = request.url.params
                assert set(params) <= {"limit", "projectId", "cursor", "status", "testId"}
                limit = int(params.get("limit", "20"))
                page = team.page(ListRuns(params.get("projectId"), params.get("cursor"), limit))
                assert isinstance(page, ListedPage)
                body = {"runs": [run.to_dict() for run in page.runs], "nextCursor": page.next_cursor}
                return httpx.Response(200, json=body)
            run_id = path.rsplit("/", 1)[1]
            team.gets.append(run_id)
            run = next(r for r in team.runs if r.id == run_id)
            return httpx.Response(200, json=run.json(now))

        return answer

    def test_wait_many_lists_pages(self, clock: FakeClock) -> None:
        team = FakeTeam(clock)
        team.add(30, None, lambda i: 0.0)
        ours = team.add(120, PROJECT, lambda i: 1003.0 + i % 5)
        http = httpx.Client(transport=httpx.MockTransport(self.handler(team)))
        seen: list[str] = []
        with ta.TesterArmy(api_key=API_KEY, http_client=http, clock=clock, sleep=clock.sleep) as client:
            runs = client.runs.wait_many(ours, on_update=lambda run: seen.append(status_of(run)))
        assert [str(run.id) for run in runs] == ours
        assert seen.count("completed") == 120
        assert team.gets == []
        assert team.lists[0] == ListRuns(None, None, 100)
        assert team.lists[1] == ListRuns(None, "100", 100)
        assert all(action.project_id == PROJECT for action in team.lists[2:])
        assert team.requests < 120

    @pytest.mark.anyio
    async def test_async_wait_many_lists_pages(self, clock: FakeClock) -> None:
        team = FakeTeam(clock)
        ours = team.add(40, PROJECT, lambda i: 1002.0)
        http = httpx.AsyncClient(transport=httpx.MockTransport(self.handler(team)))
        async with ta.AsyncTesterArmy(
            api_key=API_KEY, http_client=http, clock=clock, sleep=clock.asleep
        ) as client:
            runs = await client.runs.wait_many(ours)
        assert [str(run.id) for run in runs] == ours
        assert team.gets == []
        assert team.requests < 10
