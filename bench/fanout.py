"""Figure 4: ``AsyncTesterArmy`` waiting for 1,000 runs at once.

A simulator group of 1,000 tests is triggered with ``client.groups.trigger_and_wait(group_id)`` in a
fresh child process (``bench._worker fanout``): one POST creates the batch, then the client polls
all 1,000 runs on one timeline over one connection pool. Runs take the simulator's default
durations (2 s queue + 20 s run, ±25%), on a clock scaled by ``SCALE`` for the simulator and the
client alike (the client's poll intervals are simulated seconds too).

* wall time: from the trigger to ``trigger_and_wait`` returning, against the moment the last run
  of the batch completed (the ideal, measured in the same run) — the difference is the lag, target
  ≤ 2 real seconds. Scaling shrinks the pauses between polls but not the cost of a poll round, so
  the lag measured here is if anything larger than the same batch would see in real time;
* peak RSS of the child (Linux ``VmHWM``), against a child that imports the same modules, builds
  the same client and makes one call (the fixed cost), target ≤ 200 MB;
* TCP connections the client opened (distinct peers of the simulator's port, sampled from
  ``/proc/net/tcp`` every 0.1 s: the client is the default one, nothing hooked), GETs per run and
  the poll rate the wait achieved (GETs per second of wall time).

Each repetition uses a fresh simulator; the idle child and the fan-out child alternate.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench._harness import Row
from bench._support import ConnectionCounter, run_worker

__all__ = ["run"]

RUNS = 1_000
SCALE = 0.1  # real seconds per simulated second
MAX_LAG = 2.0  # real seconds
MAX_RSS_MB = 200.0


def _one(repetition: int) -> dict[str, Any]:
    from testerarmy.testing import SeedGroup, SeedTest, Simulator

    tests = [SeedTest(f"Fan-out test {i:04d}", f"Check page {i}") for i in range(RUNS)]
    group = SeedGroup("Fan-out", tests=tuple(t.name for t in tests))
    with Simulator(time_scale=SCALE, seed=repetition, tests=tests, groups=[group]) as sim:
        group_id = sim.groups[0].id
        common = {"url": sim.url, "key": sim.api_key, "scale": SCALE}
        idle = run_worker("fanout", {**common, "mode": "idle", "run_id": _any_run_id(sim)})
        sim.requests.clear()
        # Simulated second 0 on the monotonic clock (shared by every process on this machine).
        anchor = time.monotonic() - sim.now() * SCALE
        server_cpu = time.process_time()  # this process is the simulator's (plus the idle sampler)
        with ConnectionCounter(sim.port) as connections:
            fan = run_worker("fanout", {**common, "mode": "wait", "group_id": group_id}, timeout=600)
        server_cpu = time.process_time() - server_cpu
        batch = [r for r in sim.runs if r.group_id == group_id]
        finished = [r.timeline.terminal_at() for r in batch]
        last = anchor + max(f for f in finished if f is not None) * SCALE
        gets = sim.requests.count("GET", operation="runs.get")
    return {
        "runs": fan["runs"],
        "statuses": fan["statuses"],
        "wall_s": fan["end"] - fan["start"],
        "ideal_s": last - fan["start"],
        "lag_s": fan["end"] - last,
        "peak_rss_mb": fan["peak_rss_mb"],
        "idle_rss_mb": idle["peak_rss_mb"],
        "connections": connections.count,
        "gets": gets,
        "polls_per_s": gets / (fan["end"] - fan["start"]),
        # How long polling every run once takes at that rate: the lag's natural unit.
        "poll_round_s": RUNS * (fan["end"] - fan["start"]) / gets,
        # Where a poll's time goes: CPU of the client process and of the simulator's, per GET.
        "client_cpu_ms_per_get": fan["cpu_s"] * 1000 / gets,
        "server_cpu_ms_per_get": server_cpu * 1000 / gets,
    }


def _any_run_id(sim: Any) -> str:
    from testerarmy import TesterArmy

    with TesterArmy(api_key=sim.api_key, base_url=sim.url) as client:
        return str(client.runs.create(prompt="A run for the idle baseline to fetch").id)


def run(repeat: int = 5) -> list[Row]:
    samples = [_one(index) for index in range(max(3, repeat // 2))]

    def stat(key: str) -> tuple[float, float, float]:
        values = [s[key] for s in samples]
        return statistics.median(values), min(values), max(values)

    wall, ideal, lag = stat("wall_s"), stat("ideal_s"), stat("lag_s")
    rss, idle = stat("peak_rss_mb"), stat("idle_rss_mb")
    gets, rate = stat("gets"), stat("polls_per_s")
    counted = [s["connections"] for s in samples if s["connections"] is not None]
    connections = f"{statistics.median(counted):.0f} opened" if counted else "n/a (no /proc/net)"
    return [
        Row(
            figure=f"4. fan-out {RUNS} runs: wall time",
            ours=f"{wall[0]:.2f} s (lag +{lag[0]:.2f} s, {lag[1]:.2f}–{lag[2]:.2f})",
            baseline=f"{ideal[0]:.2f} s to last completion",
            ratio=wall[0] / ideal[0],
            target=f"lag ≤ +{MAX_LAG:g} s",
            met=lag[0] <= MAX_LAG,
            details={"runs": RUNS, "time_scale": SCALE, "repetitions": samples},
        ),
        Row(
            figure=f"4. fan-out {RUNS} runs: peak RSS",
            ours=f"{rss[0]:.0f} MB ({rss[1]:.0f}–{rss[2]:.0f})",
            baseline=f"{idle[0]:.0f} MB idle client",
            ratio=rss[0] / idle[0],
            target=f"≤ {MAX_RSS_MB:g} MB",
            met=rss[0] <= MAX_RSS_MB,
            details={"unit": "MB, VmHWM of the client process", "ours": rss, "idle": idle},
        ),
        Row(
            figure=f"4. fan-out {RUNS} runs: TCP connections",
            ours=f"{connections}; {gets[0] / RUNS:.2f} GETs/run at {rate[0]:.0f}/s "
            f"({stat('client_cpu_ms_per_get')[0]:.1f} ms client CPU each)",
            baseline=f"{RUNS} runs",
            ratio=None,
            target="(reported)",
            met=None,
            details={
                "connections": [s["connections"] for s in samples],
                "gets": [s["gets"] for s in samples],
                "polls_per_s": [s["polls_per_s"] for s in samples],
            },
        ),
    ]
