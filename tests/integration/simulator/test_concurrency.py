"""1,000 concurrent requests over loopback: no errors, no lost or duplicated runs, consistent state."""

from __future__ import annotations

import anyio
import pytest
from testerarmy.testing import Simulator

from ._rawhttp import RawResponse, request

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CONCURRENCY = 1000


@pytest.mark.anyio
async def test_thousand_concurrent_requests():
    with Simulator(time_scale=0.01, api_keys=("sk_test_a", "sk_test_b")) as sim:
        host, port = "127.0.0.1", sim.port
        key_a = {"Authorization": "Bearer sk_test_a"}
        seed = await request(host, port, "POST", "/api/v1/runs", key_a, {"prompt": "seed"})
        seed_id = seed.json()["id"]
        results: list[tuple[str, int, RawResponse]] = []
        start = anyio.Event()
        limiter = anyio.CapacityLimiter(CONCURRENCY)  # bounded: at most CONCURRENCY in flight

        async def one(i: int) -> None:
            kind = ("create", "create", "list", "get_own", "get_other")[i % 5]
            key = {"get_own": "sk_test_a", "get_other": "sk_test_b"}.get(kind, f"sk_test_{'ab'[i % 2]}")
            headers = {"Authorization": f"Bearer {key}"}
            async with limiter:
                await start.wait()  # release every request at once
                if kind == "create":
                    resp = await request(host, port, "POST", "/api/v1/runs", headers, {"prompt": f"load {i}"})
                elif kind == "list":
                    resp = await request(host, port, "GET", "/api/v1/runs?limit=10", headers)
                else:
                    resp = await request(host, port, "GET", f"/api/v1/runs/{seed_id}", headers)
                results.append((kind, i, resp))

        with anyio.fail_after(60):
            async with anyio.create_task_group() as tg:
                for i in range(CONCURRENCY):
                    tg.start_soon(one, i)
                await anyio.sleep(0.1)
                start.set()

        assert len(results) == CONCURRENCY
        created = [r for kind, _, r in results if kind == "create"]
        n_created = 2 * CONCURRENCY // 5
        assert {r.status for r in created} == {202}
        assert len({r.json()["id"] for r in created}) == len(created) == n_created
        assert {r.status for kind, _, r in results if kind == "list"} == {200}
        # Ownership holds under load: the seed run is key a's; key b gets 404 for it.
        assert {(r.status, r.json()["id"]) for kind, _, r in results if kind == "get_own"} == {(200, seed_id)}
        assert {r.status for kind, _, r in results if kind == "get_other"} == {404}
        # Server-side state agrees: one run per successful POST, no duplicates, no 5xx.
        assert len(sim.runs) == n_created + 1
        assert len({s.id for s in sim.runs}) == len(sim.runs)
        assert sim.requests.count(operation="runs.create") == n_created + 1
        assert not [r for r in sim.requests if r.status >= 500]
