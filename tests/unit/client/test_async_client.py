"""AsyncTesterArmy mirrors the sync client (same flows, async I/O); batch polls run concurrently."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import anyio
import httpx
import pytest
import testerarmy as ta
from testerarmy_api.models import Run

from .conftest import API_KEY, FakeAPI, FakeClock, run_json, trigger_json

pytestmark = pytest.mark.anyio

RUN = str(uuid.uuid4())
RUN2 = str(uuid.uuid4())
RUN3 = str(uuid.uuid4())
GROUP = str(uuid.uuid4())

Make = Callable[..., ta.AsyncTesterArmy]


OTHER = str(uuid.uuid4())


def _others_page(request: httpx.Request) -> httpx.Response:
    """A spec-shaped ``GET /v1/runs`` page that lists only another run of the team.

    A wait over several runs asks the list first; a page that answers none of them leaves the
    runs to per-run GETs — the concurrent polls these tests are about.
    """
    assert request.url.params["limit"] == "100"
    return httpx.Response(200, json={"runs": [run_json(OTHER, "completed")], "nextCursor": None})


def run_reply(status: str, run_id: str = RUN) -> httpx.Response:
    return httpx.Response(200, json=run_json(run_id, status))


async def test_create_and_wait_with_async_on_update(
    api: FakeAPI, make_async_client: Make, clock: FakeClock
) -> None:
    api.add(
        "POST",
        "/v1/runs",
        httpx.Response(202, json={"id": RUN, "status": "queued", "createdAt": "2026-01-01T00:00:00Z"}),
    )
    api.add("GET", f"/v1/runs/{RUN}", run_reply("queued"), run_reply("running"), run_reply("completed"))
    seen: list[str] = []

    async def on_update(run: Run) -> None:
        seen.append(str(run.status))

    async with make_async_client() as client:
        run = await client.runs.create_and_wait(prompt="p", on_update=on_update)
    assert run.status == "completed"
    assert seen == ["queued", "running", "completed"]
    assert clock.sleeps == [1.0, 1.5]


async def test_sync_on_update_also_accepted(api: FakeAPI, make_async_client: Make) -> None:
    api.add("GET", f"/v1/runs/{RUN}", run_reply("completed"))
    seen: list[str] = []
    async with make_async_client() as client:
        await client.runs.wait(RUN, on_update=lambda r: seen.append(str(r.status)))
    assert seen == ["completed"]


async def test_wait_timeout(api: FakeAPI, make_async_client: Make) -> None:
    api.add("GET", f"/v1/runs/{RUN}", run_reply("running"))
    async with make_async_client() as client:
        with pytest.raises(ta.WaitTimeoutError) as info:
            await client.runs.wait(RUN, timeout=10)
    assert info.value.last_status == "running"
    assert info.value.elapsed == 10.0


async def test_list_is_an_async_iterator(api: FakeAPI, make_async_client: Make) -> None:
    api.add(
        "GET",
        "/v1/runs",
        httpx.Response(200, json={"runs": [run_json(RUN, "failed"), run_json(RUN2, "paused")]}),
    )
    async with make_async_client() as client:
        statuses = [run.status async for run in client.runs.list(status="failed")]
    assert statuses == ["failed", "paused"]


async def test_argument_errors_before_any_request(api: FakeAPI, make_async_client: Make) -> None:
    async with make_async_client() as client:
        with pytest.raises(ValueError, match="prompt"):
            await client.runs.create(prompt="")
        with pytest.raises(ValueError, match="run_id"):
            await client.runs.get("not-a-uuid")
        with pytest.raises(ValueError, match="limit"):
            client.runs.list(limit=0)
        with pytest.raises(ValueError, match="timeout"):
            await client.runs.create_and_wait(prompt="p", timeout=0)
        with pytest.raises(ValueError, match="group_id"):
            await client.groups.trigger_and_wait("x")
    assert api.requests == []


async def test_every_resource_reachable(api: FakeAPI, make_async_client: Make) -> None:
    api.add("POST", f"/v1/groups/webhook/{GROUP}/s", httpx.Response(202, json={"received": True}))
    api.add("GET", f"/v1/projects/{GROUP}/mobile", httpx.Response(200, json={"apps": []}))
    api.add("DELETE", f"/v1/tests/{RUN}", httpx.Response(200, json={"deleted": True, "id": RUN}))
    async with make_async_client() as client:
        assert (await client.webhooks.trigger(GROUP, "s")).received is True
        assert (await client.mobile_apps.list(GROUP)).apps == []
        assert str((await client.tests.delete(RUN)).id) == RUN
    assert "authorization" not in api.requests[0].headers
    assert api.requests[1].headers["authorization"] == f"Bearer {API_KEY}"


async def test_group_batch_polled_concurrently_results_in_order(clock: FakeClock) -> None:
    in_flight = 0
    peak = 0
    polls: dict[str, int] = {}

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        path = request.url.path.removeprefix("/api")
        if request.method == "POST":
            return httpx.Response(202, json=trigger_json(GROUP, [RUN, RUN2, RUN3]))
        if path == "/v1/runs":
            return _others_page(request)
        run_id = path.rsplit("/", 1)[1]
        polls[run_id] = polls.get(run_id, 0) + 1
        in_flight += 1
        peak = max(peak, in_flight)
        await anyio.sleep(0)  # let the other polls start (no real waiting)
        await anyio.sleep(0)
        in_flight -= 1
        done = polls[run_id] >= {RUN: 3, RUN2: 1, RUN3: 2}[run_id]
        return httpx.Response(200, json=run_json(run_id, "completed" if done else "running"))

    pool = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with ta.AsyncTesterArmy(
        api_key=API_KEY, http_client=pool, clock=clock, sleep=clock.asleep
    ) as client:
        runs = await client.groups.trigger_and_wait(GROUP, timeout=60)
    await pool.aclose()
    assert [str(r.id) for r in runs] == [RUN, RUN2, RUN3]
    assert peak == 3
    assert polls == {RUN: 3, RUN2: 1, RUN3: 2}  # never the other run of the team


async def test_batch_rerun_polled_concurrently_results_in_order(clock: FakeClock) -> None:
    polls: dict[str, int] = {}
    batch = str(uuid.uuid4())

    async def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api")
        if request.method == "POST":
            assert path == f"/v1/batches/{batch}/rerun"
            ids = [RUN3, RUN]
            body = trigger_json(GROUP, ids, sourceBatchId=batch, skippedTestIds=[])
            return httpx.Response(202, json=body)
        if path == "/v1/runs":
            return _others_page(request)
        run_id = path.rsplit("/", 1)[1]
        polls[run_id] = polls.get(run_id, 0) + 1
        done = polls[run_id] >= {RUN: 2, RUN3: 1}[run_id]
        return httpx.Response(200, json=run_json(run_id, "completed" if done else "running"))

    pool = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with ta.AsyncTesterArmy(
        api_key=API_KEY, http_client=pool, clock=clock, sleep=clock.asleep
    ) as client:
        runs = await client.batches.rerun_and_wait(batch, timeout=60)
    await pool.aclose()
    assert [str(r.id) for r in runs] == [RUN3, RUN]


async def test_close_semantics() -> None:
    client = ta.AsyncTesterArmy(api_key="sk_x")
    copy = client.with_options(max_retries=0)
    await copy.close()
    assert not client._pool.is_closed
    await client.close()
    assert client._pool.is_closed
    pool = httpx.AsyncClient()
    async with ta.AsyncTesterArmy(api_key="sk_x", http_client=pool):
        pass
    assert not pool.is_closed
    await pool.aclose()


async def test_default_sleep_is_anyio(api: FakeAPI) -> None:
    # No injected sleep: the real one (anyio) is used; a 0.01 s poll interval keeps this fast.
    api.add("GET", f"/v1/runs/{RUN}", run_reply("running"), run_reply("completed"))
    pool = httpx.AsyncClient(transport=httpx.MockTransport(api.handler))
    async with ta.AsyncTesterArmy(api_key=API_KEY, http_client=pool) as client:
        run = await client.runs.wait(RUN, poll_interval=0.01, max_interval=0.01)
    await pool.aclose()
    assert run.status == "completed"


async def test_attempts_in_flight_are_bounded_so_the_pool_queue_stays_short() -> None:
    # httpcore's pool costs O(queue length) per freed connection; the client queues beyond
    # MAX_IN_FLIGHT attempts itself (see testerarmy._transport).
    from testerarmy._transport import MAX_IN_FLIGHT

    in_flight = peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await anyio.sleep(0)  # let every other task start its request meanwhile
        in_flight -= 1
        return run_reply("queued")

    pool = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with (
        ta.AsyncTesterArmy(api_key=API_KEY, base_url="https://tester.army/api", http_client=pool) as client,
        anyio.create_task_group() as group,
    ):
        for _ in range(MAX_IN_FLIGHT + 50):
            group.start_soon(client.runs.get, RUN)
    await pool.aclose()
    assert peak == MAX_IN_FLIGHT
