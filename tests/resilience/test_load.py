"""Load under faults: 200 concurrent creates and 1,000 concurrent waits from one AsyncTesterArmy.

Faults are injected into a few percent of the requests (spread evenly through the request stream by
the simulator's scripted faults). The promise checked here, server-side where it matters:

* 0 unhandled errors — every call either returns its result or raises a typed ``TesterArmyError``;
* every run id is accounted for — each run that exists server-side was either returned to its
  caller or belongs to a create whose response was spoiled after the server had created it (and
  that caller got a typed error saying so);
* 0 duplicates — one create call never makes two runs (the server saw one POST per call, plus one
  repeat per 429 refusal, which created nothing);
* every wait ends with its run, completed, despite the faults on the polls.

Real HTTP on 127.0.0.1, real time (the runs progress on the simulator's scaled clock). Marked slow
so it can be selected on its own (``-m slow``); it stays in ``make test``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
import testerarmy as ta
from testerarmy.testing import SeedGroup, SeedTest, Simulator

from .conftest import KEY

pytestmark = [pytest.mark.slow, pytest.mark.integration, pytest.mark.anyio]

CREATES = 200
WAITS = 1_000
CREATE_FAULT_EVERY = 25  # 4 % of the creates
POLL_FAULT_EVERY = 30  # ~3 % of the polls
MAX_POLL_FAULTS = 400

# What can go wrong on a create, cycled. "after": the server created the run, then the answer was
# spoiled, so the run exists although the caller gets an error.
CREATE_FAULTS: list[dict[str, Any]] = [
    {"status": 503},
    {"status": 429, "retry_after": 1},
    {"status": 500, "after_handler": True},
    {"body": "drop", "after_handler": True},
]
POLL_FAULTS: list[dict[str, Any]] = [
    {"status": 503},
    {"status": 502, "body": "html"},
    {"status": 500},
    {"status": 504},
    {"status": 429, "retry_after": 1},
    {"body": "drop"},
]


SCHEDULED_CREATE_FAULTS = [
    CREATE_FAULTS[i % len(CREATE_FAULTS)] for i in range(CREATES // CREATE_FAULT_EVERY)
]
# A 429 that says when is a refusal: the create is sent again after it and succeeds (one more POST,
# still one run). Every other create fault ends that call with a typed error.
REFUSED_CREATES = sum(
    1 for spec in SCHEDULED_CREATE_FAULTS if spec.get("status") == 429 and "retry_after" in spec
)
FAILED_CREATES = len(SCHEDULED_CREATE_FAULTS) - REFUSED_CREATES
FILLERS = WAITS - CREATES + FAILED_CREATES  # with the runs created: 1,000 to wait for


@pytest.fixture
def sim() -> Iterator[Simulator]:
    # The runs to wait for besides the created ones come from one group of saved tests (one trigger
    # queues them all). A run takes ~1 s queued + ~4 s running of real time: many waits poll more
    # than once.
    names = tuple(f"filler {i}" for i in range(FILLERS))
    with Simulator(
        api_keys=(KEY,),
        time_scale=0.01,
        seed=7,
        queue_seconds=100,
        run_seconds=400,
        tests=[SeedTest(name) for name in names],
        groups=[SeedGroup("fillers", tests=names)],
    ) as simulator:
        yield simulator


def _schedule(
    sim: Simulator, method: str, path: str, faults: list[dict[str, Any]], every: int, count: int
) -> None:
    """``count`` one-shot faults, the i-th after ~``every``·i matching requests."""
    for index in range(count):
        spec = faults[index % len(faults)]
        # Fault i sees only the requests the i earlier faults did not take: this spaces them evenly.
        sim.faults.add(method=method, path=path, skip=every * (index + 1) - 1 - index, times=1, **spec)


async def _create_all(
    client: ta.AsyncTesterArmy, prompts: list[str]
) -> tuple[dict[str, str], dict[str, BaseException]]:
    created: dict[str, str] = {}
    failed: dict[str, BaseException] = {}

    async def create(prompt: str) -> None:
        try:
            response = await client.runs.create(prompt=prompt)
        except Exception as exc:  # recorded and classified below: typed or not
            failed[prompt] = exc
        else:
            created[prompt] = str(response.id)

    async with anyio.create_task_group() as group:
        for prompt in prompts:
            group.start_soon(create, prompt)
    return created, failed


async def test_200_creates_and_1000_waits_under_faults(sim: Simulator) -> None:
    started = time.perf_counter()
    async with ta.AsyncTesterArmy(api_key=KEY, base_url=sim.url) as client:
        # --- 200 concurrent creates, 4 % of them hit by a fault ------------------------------
        _schedule(sim, "POST", "/v1/runs", CREATE_FAULTS, CREATE_FAULT_EVERY, CREATES // CREATE_FAULT_EVERY)
        created, failed = await _create_all(client, [f"load {i}" for i in range(CREATES)])
        create_faults_hit = sum(fault["applied"] for fault in sim.faults.describe())
        sim.faults.clear()
        posts = sim.requests.count(method="POST", path="/v1/runs")

        # More runs, without faults, so that there are 1,000 to wait for.
        trigger = await client.groups.trigger(sim.groups[0].id)
        fillers = [str(run_id) for run_id in trigger.run_ids]
        assert len(fillers) == FILLERS

        # --- 1,000 concurrent waits, ~3 % of the polls hit by a fault ------------------------
        run_ids = [*created.values(), *fillers]
        _schedule(sim, "GET", "/v1/runs/{id}", POLL_FAULTS, POLL_FAULT_EVERY, MAX_POLL_FAULTS)
        gets_before = sim.requests.count(method="GET")
        waited: dict[str, ta.Run] = {}
        wait_errors: dict[str, BaseException] = {}
        history: dict[str, list[str]] = {run_id: [] for run_id in run_ids}  # statuses seen, per run

        async def wait(run_id: str) -> None:
            try:
                waited[run_id] = await client.runs.wait(
                    run_id,
                    timeout=60,
                    poll_interval=0.25,
                    max_interval=1.0,
                    on_update=lambda run: history[run_id].append(
                        str(getattr(run.status, "value", run.status))
                    ),
                )
            except Exception as exc:  # recorded: there must be none
                wait_errors[run_id] = exc

        async with anyio.create_task_group() as group:
            for run_id in run_ids:
                group.start_soon(wait, run_id)
        poll_faults_hit = sum(fault["applied"] for fault in sim.faults.describe())
        sim.faults.clear()
    wall = time.perf_counter() - started
    polls = sim.requests.count(method="GET") - gets_before

    # --- creates: typed errors only, one POST per call, every run accounted for -------------
    untyped = {p: repr(e) for p, e in failed.items() if not isinstance(e, ta.APIError)}
    assert untyped == {}
    assert len(created) + len(failed) == CREATES
    assert create_faults_hit == len(SCHEDULED_CREATE_FAULTS)
    assert len(failed) == FAILED_CREATES
    # One POST per call, plus one repeat per refusal: nothing that may have reached the handler.
    assert posts == CREATES + REFUSED_CREATES, "a create was retried after it may have reached the server"
    mine = [snap for snap in sim.runs if snap.prompt.startswith("load ")]
    per_prompt = Counter(snap.prompt for snap in mine)
    assert max(per_prompt.values()) == 1, "duplicate runs"
    server_ids = {snap.prompt: snap.id for snap in mine}
    # Every returned id is the server's run for that call ...
    assert {p: server_ids.get(p) for p in created} == created
    # ... and every run without a returned id was spoiled after the server created it: its caller
    # got a 5xx or a broken connection (never a 429 or a before-the-handler 503: no run for those).
    orphans = set(server_ids) - set(created)
    assert orphans <= set(failed)
    assert all(isinstance(failed[p], ta.InternalServerError | ta.APIConnectionError) for p in orphans)
    assert len(orphans) == sum(1 for spec in SCHEDULED_CREATE_FAULTS if spec.get("after_handler"))
    assert all(p not in server_ids for p, e in failed.items() if isinstance(e, ta.RateLimitError))

    # --- waits: every one returned its run, completed --------------------------------------------
    assert wait_errors == {}, {k: repr(v) for k, v in list(wait_errors.items())[:5]}
    assert len(run_ids) == len(set(run_ids)) == WAITS
    assert sorted(waited) == sorted(run_ids)
    assert all(str(run.id) == run_id for run_id, run in waited.items())
    statuses = Counter(str(getattr(r.status, "value", r.status)) for r in waited.values())
    assert statuses == {"completed": WAITS}
    assert 0.01 <= poll_faults_hit / polls <= 0.05, (poll_faults_hit, polls)  # "a few percent"
    assert all(statuses[-1] == "completed" for statuses in history.values())
    polled_again = sum(1 for statuses in history.values() if statuses[0] != "completed")
    assert polled_again > 0  # some runs were still going when their wait began

    print(
        f"\nload: {CREATES} concurrent creates -> {len(created)} ids returned, {len(failed)} typed errors "
        f"({len(orphans)} of them after the server created the run), {posts} POSTs, 0 duplicates; "
        f"{WAITS} concurrent waits -> {len(waited)} completed ({polled_again} found their run still "
        f"going), {polls} polls, {poll_faults_hit} faulted; "
        f"0 unhandled errors; wall {wall:.1f} s"
    )
