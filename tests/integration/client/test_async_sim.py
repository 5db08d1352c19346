"""AsyncTesterArmy against the simulator: same behaviour, batch polled concurrently over one pool."""

from __future__ import annotations

import pytest
import testerarmy as ta
from testerarmy.testing import Simulator

from .conftest import FAST_WAIT, KEY, Sleeps, logged

pytestmark = [pytest.mark.integration, pytest.mark.anyio]


async def test_create_and_wait(sim: Simulator) -> None:
    seen: list[str] = []

    async def on_update(run: ta.Run) -> None:
        seen.append(str(run.status))

    async with ta.AsyncTesterArmy(api_key=KEY, base_url=sim.url) as client:
        run = await client.runs.create_and_wait(prompt="Check search", on_update=on_update, **FAST_WAIT)
    assert run.status == "completed"
    assert seen[0] == "queued"
    assert seen[-1] == "completed"


async def test_group_batch_in_order(sim: Simulator) -> None:
    group = sim.groups[0]
    async with ta.AsyncTesterArmy(api_key=KEY, base_url=sim.url) as client:
        runs = await client.groups.trigger_and_wait(group.id, **FAST_WAIT)
        listed = [run async for run in client.runs.list(limit=1)]  # one run per page: follows nextCursor
    assert [str(r.test_id) for r in runs] == list(group.test_ids)
    assert {str(r.id) for r in runs} <= {str(r.id) for r in listed}


async def test_retries_and_no_duplicate_runs(sim: Simulator) -> None:
    sleeps = Sleeps()
    async with ta.AsyncTesterArmy(api_key=KEY, base_url=sim.url, sleep=sleeps.asleep) as client:
        created = await client.runs.create(prompt="p")
        sim.faults.add(method="GET", path="/v1/runs/{id}", statuses=[503, 503])
        await client.runs.get(created.id)
        sim.faults.add(method="POST", path="/v1/runs", status=500, after_handler=True)
        with pytest.raises(ta.InternalServerError):
            await client.runs.create(prompt="q")
    assert len(sleeps) == 2
    assert logged(sim, "POST", "/v1/runs") == 2
    assert len(sim.runs) == 2
