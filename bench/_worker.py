"""The client side of the client benchmarks, run in a fresh interpreter by ``bench._support.run_worker``.

``python -m bench._worker TASK`` reads a JSON payload on stdin and prints one JSON line. Imports
are kept to what the measured code needs (the fan-out task reports this process's peak RSS, which
must be the client's, not the benchmark harness's or the simulator's).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["main"]


def _interleaved(
    pair: dict[str, Callable[[], object]], rounds: int, calls: int
) -> dict[str, list[list[float]]]:
    """Per-call µs of each side, round by round. The sides alternate call by call (whichever went
    first in a round goes second in the next), so a noisy neighbour hits both alike."""
    samples: dict[str, list[list[float]]] = {name: [] for name in pair}
    clock = time.perf_counter_ns
    for index in range(rounds):
        order = list(pair.items()) if index % 2 == 0 else list(reversed(pair.items()))
        times: dict[str, list[float]] = {name: [] for name in pair}
        for _ in range(calls):
            for name, call in order:
                start = clock()
                call()
                times[name].append((clock() - start) / 1000)
        for name in pair:
            samples[name].append(times[name])
    return samples


async def _ainterleaved(
    pair: dict[str, Callable[[], Awaitable[object]]], rounds: int, calls: int
) -> dict[str, list[list[float]]]:
    samples: dict[str, list[list[float]]] = {name: [] for name in pair}
    clock = time.perf_counter_ns
    for index in range(rounds):
        order = list(pair.items()) if index % 2 == 0 else list(reversed(pair.items()))
        times: dict[str, list[float]] = {name: [] for name in pair}
        for _ in range(calls):
            for name, call in order:
                start = clock()
                await call()
                times[name].append((clock() - start) / 1000)
        for name in pair:
            samples[name].append(times[name])
    return samples


def overhead(payload: dict[str, Any]) -> dict[str, Any]:
    """``client.runs.get(id)`` against raw ``httpx`` ``get`` + ``json.loads``, same server, both
    keeping one connection alive (each side has its own pool; neither reconnects)."""
    import httpx
    from testerarmy import AsyncTesterArmy, TesterArmy

    url, key, run_id = payload["url"], payload["key"], payload["run_id"]
    rounds, calls, warmup = payload["rounds"], payload["calls"], payload["warmup"]
    headers = {"Authorization": f"Bearer {key}"}
    path = f"/v1/runs/{run_id}"
    if payload["flavour"] == "sync":
        with (
            TesterArmy(api_key=key, base_url=url) as client,
            httpx.Client(base_url=url, headers=headers) as raw,
        ):

            def ours() -> object:
                return client.runs.get(run_id)

            def baseline() -> object:
                return json.loads(raw.get(path).content)

            for _ in range(warmup):
                ours(), baseline()
            return _interleaved({"ours": ours, "baseline": baseline}, rounds, calls)

    async def measure() -> dict[str, list[list[float]]]:
        async with (
            AsyncTesterArmy(api_key=key, base_url=url) as client,
            httpx.AsyncClient(base_url=url, headers=headers) as raw,
        ):

            async def ours() -> object:
                return await client.runs.get(run_id)

            async def baseline() -> object:
                return json.loads((await raw.get(path)).content)

            for _ in range(warmup):
                await ours()
                await baseline()
            return await _ainterleaved({"ours": ours, "baseline": baseline}, rounds, calls)

    import anyio

    return anyio.run(measure)


def _peak_rss_mb() -> float:
    """Peak resident set of this process's own address space.

    Linux's ``VmHWM`` (reset by exec). ``ru_maxrss`` is not used on Linux: it carries the forked
    parent's peak over the exec, so a child of a big benchmark process would report the parent.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    import resource

    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def fanout(payload: dict[str, Any]) -> dict[str, Any]:
    """Trigger a group of many tests with a default ``AsyncTesterArmy`` (only its clock and sleep
    are scaled) and wait for every run of the batch.

    ``mode="idle"`` is the RSS baseline: the same imports and client, one ``runs.get``.
    """
    import anyio
    from testerarmy import AsyncTesterArmy

    scale = payload["scale"]
    if payload.get("per_run"):
        # The baseline of figure 4: the same wait with list pages switched off (one GET per pending
        # run per round, the algorithm before list polling). Bench-only: swaps the planner class
        # where the wait imports it from (``_base`` imports it when a wait starts, so a name
        # patched on ``_base`` itself would be shadowed and the baseline would list pages too).
        from testerarmy import _listpoll

        planner = _listpoll.StatusPlanner
        setattr(_listpoll, "StatusPlanner", lambda: planner(listing=False))  # noqa: B010

    async def scaled_sleep(seconds: float) -> None:
        await anyio.sleep(seconds * scale)

    async def measure() -> dict[str, Any]:
        async with AsyncTesterArmy(
            api_key=payload["key"],
            base_url=payload["url"],
            clock=lambda: time.monotonic() / scale,
            sleep=scaled_sleep,
        ) as client:
            if payload["mode"] == "idle":
                await client.runs.get(payload["run_id"])
                return {"runs": 0}
            start, cpu = time.monotonic(), time.process_time()
            runs = await client.groups.trigger_and_wait(payload["group_id"], timeout=3600)
            end, cpu = time.monotonic(), time.process_time() - cpu
            statuses: dict[str, int] = {}
            for run in runs:
                status = str(getattr(run.status, "value", run.status))
                statuses[status] = statuses.get(status, 0) + 1
            return {"runs": len(runs), "start": start, "end": end, "cpu_s": cpu, "statuses": statuses}

    return {**anyio.run(measure), "peak_rss_mb": _peak_rss_mb()}


def creates(payload: dict[str, Any]) -> dict[str, Any]:
    """``count`` concurrent ``runs.create`` calls from one default ``AsyncTesterArmy``.

    Every call has its own prompt, so the server side can tell duplicates; the answer counts the
    calls that returned a run and the errors by type (nothing is caught silently).
    """
    import anyio
    from testerarmy import AsyncTesterArmy

    created: list[str] = []
    errors: dict[str, int] = {}

    async def one(client: AsyncTesterArmy, index: int) -> None:
        try:
            run = await client.runs.create(prompt=f"{payload['prefix']} {index:05d}")
        except Exception as exc:  # counted and reported: the figure is "0 unhandled errors"
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
        else:
            created.append(str(run.id))

    async def measure() -> dict[str, Any]:
        async with AsyncTesterArmy(api_key=payload["key"], base_url=payload["url"]) as client:
            start = time.monotonic()
            async with anyio.create_task_group() as group:
                for index in range(payload["count"]):
                    group.start_soon(one, client, index)
            end = time.monotonic()
        return {"start": start, "end": end, "created": created, "errors": errors}

    return anyio.run(measure)


TASKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "overhead": overhead,
    "fanout": fanout,
    "creates": creates,
}


def main() -> int:
    task = TASKS[sys.argv[1]]
    payload = json.loads(sys.stdin.read())
    print(json.dumps(task(payload)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
