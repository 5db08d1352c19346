"""Figure 4: ``AsyncTesterArmy`` waiting for 1,000 runs at once — list pages against per-run polling.

A simulator group of 1,000 tests is triggered with ``client.groups.trigger_and_wait(group_id)`` in a
fresh child process (``bench._worker fanout``): one POST creates the batch, then the client polls
all 1,000 runs on one timeline over one connection pool. Runs take the simulator's default
durations (2 s queue + 20 s run, ±25%), on a clock scaled by ``SCALE`` for the simulator and the
client alike (the client's poll intervals are simulated seconds too).

Each repetition runs the wait twice on fresh simulators with the same seed: **ours** (the default
client: status from ``GET /v1/runs`` pages, per-run GETs only where no page answered) and the
**baseline**, the same client with list pages switched off (one GET per pending run per round,
the algorithm before list polling). Which goes first alternates. Then both again with two CPU hogs
(busy-loop processes, one per core of the reference machine) running for the whole wait.

* requests: ``GET /v1/runs`` pages + ``GET /v1/runs/{id}`` the simulator logged during the wait,
  ours ÷ baseline (target ≤ 10 %);
* lag: from the moment the last run of the batch completed (the simulator's timeline) to
  ``trigger_and_wait`` returning, in real seconds (target ≤ 2 s, with and without hogs);
* peak RSS of the child (Linux ``VmHWM``), against a child that imports the same modules, builds
  the same client and makes one call (the fixed cost), target ≤ 200 MB;
* TCP connections the client opened (distinct peers of the simulator's port, sampled from
  ``/proc/net/tcp`` every 0.1 s: the client is the default one, nothing hooked).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from typing import Any

from bench._harness import Row
from bench._support import ConnectionCounter, run_worker

__all__ = ["run"]

RUNS = 1_000
SCALE = 0.1  # real seconds per simulated second
MAX_LAG = 2.0  # real seconds
MAX_RSS_MB = 200.0
MAX_REQUEST_RATIO = 0.10  # ours ÷ per-run polling, same run
HOGS = 2  # busy-loop processes for the loaded variant (the reference machine has 2 cores)


def _hogs(count: int) -> list[subprocess.Popen[bytes]]:
    code = "while True: pass"
    return [subprocess.Popen([sys.executable, "-c", code]) for _ in range(count)]


def _one(repetition: int, *, per_run: bool, hogs: int) -> dict[str, Any]:
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
        busy = _hogs(hogs)
        try:
            with ConnectionCounter(sim.port) as connections:
                payload = {**common, "mode": "wait", "group_id": group_id, "per_run": per_run}
                fan = run_worker("fanout", payload, timeout=900)
        finally:
            for hog in busy:  # only the processes started above, by their handle
                hog.kill()
                hog.wait()
        server_cpu = time.process_time() - server_cpu
        batch = [r for r in sim.runs if r.group_id == group_id]
        finished = [r.timeline.terminal_at() for r in batch]
        last = anchor + max(f for f in finished if f is not None) * SCALE
        gets = sim.requests.count("GET", operation="runs.get")
        pages = sim.requests.count("GET", operation="runs.list")
    if per_run and pages:  # the baseline must be per-run polling, or the ratio means nothing
        raise RuntimeError(f"the per-run baseline listed {pages} pages: its planner swap did not take")
    wall = fan["end"] - fan["start"]
    return {
        "runs": fan["runs"],
        "statuses": fan["statuses"],
        "wall_s": wall,
        "ideal_s": last - fan["start"],
        "lag_s": fan["end"] - last,
        "peak_rss_mb": fan["peak_rss_mb"],
        "idle_rss_mb": idle["peak_rss_mb"],
        "connections": connections.count,
        "gets": gets,
        "pages": pages,
        "requests": gets + pages,
        "requests_per_s": (gets + pages) / wall,
        "client_cpu_ms_per_request": fan["cpu_s"] * 1000 / max(1, gets + pages),
        "server_cpu_ms_per_request": server_cpu * 1000 / max(1, gets + pages),
    }


def _any_run_id(sim: Any) -> str:
    from testerarmy import TesterArmy

    with TesterArmy(api_key=sim.api_key, base_url=sim.url) as client:
        return str(client.runs.create(prompt="A run for the idle baseline to fetch").id)


Stat = tuple[float, float, float]


def _stat(samples: list[dict[str, Any]], key: str) -> Stat:
    values = [s[key] for s in samples]
    return statistics.median(values), min(values), max(values)


def _requests_row(label: str, ours: list[dict[str, Any]], base: list[dict[str, Any]]) -> Row:
    # Ratios per repetition (ours and the baseline of the same repetition), then their median.
    ratios = [o["requests"] / b["requests"] for o, b in zip(ours, base, strict=True)]
    mine, theirs = _stat(ours, "requests"), _stat(base, "requests")
    pages, gets = _stat(ours, "pages"), _stat(ours, "gets")
    return Row(
        figure=f"4. fan-out {RUNS} runs{label}: requests",
        ours=f"{mine[0]:.0f} ({mine[1]:.0f}–{mine[2]:.0f}; {pages[0]:.0f} pages + {gets[0]:.0f} GETs)",
        baseline=f"{theirs[0]:.0f} ({theirs[1]:.0f}–{theirs[2]:.0f}) per-run polling, "
        f"{theirs[0] / RUNS:.2f} GETs/run",
        ratio=statistics.median(ratios),
        target=f"≤ {MAX_REQUEST_RATIO:.0%}",
        met=statistics.median(ratios) <= MAX_REQUEST_RATIO,
        details={"ratios": ratios, "ours": ours, "baseline": base},
    )


def _lag_row(label: str, ours: list[dict[str, Any]], base: list[dict[str, Any]]) -> Row:
    wall, ideal, lag = _stat(ours, "wall_s"), _stat(ours, "ideal_s"), _stat(ours, "lag_s")
    base_lag = _stat(base, "lag_s")
    return Row(
        figure=f"4. fan-out {RUNS} runs{label}: lag after last completion",
        ours=f"+{lag[0]:.2f} s ({lag[1]:.2f}–{lag[2]:.2f}); wall {wall[0]:.2f} s",
        baseline=f"+{base_lag[0]:.2f} s ({base_lag[1]:.2f}–{base_lag[2]:.2f}) per-run polling; "
        f"last completion at {ideal[0]:.2f} s",
        ratio=wall[0] / ideal[0],
        target=f"lag ≤ +{MAX_LAG:g} s",
        met=lag[0] <= MAX_LAG,
        details={"time_scale": SCALE, "ours_lag_s": lag, "baseline_lag_s": base_lag},
    )


def run(repeat: int = 5) -> list[Row]:
    repetitions = max(3, repeat // 2)
    results: dict[tuple[bool, int], list[dict[str, Any]]] = {}
    for hogs in (0, HOGS):
        for index in range(repetitions):
            # Alternate who goes first, so a slow spell of the machine hits both sides alike.
            order = (False, True) if index % 2 == 0 else (True, False)
            for per_run in order:
                sample = _one(index, per_run=per_run, hogs=hogs)
                results.setdefault((per_run, hogs), []).append(sample)
    quiet, quiet_base = results[(False, 0)], results[(True, 0)]
    busy, busy_base = results[(False, HOGS)], results[(True, HOGS)]
    rss, idle = _stat(quiet, "peak_rss_mb"), _stat(quiet, "idle_rss_mb")
    counted = [s["connections"] for s in quiet if s["connections"] is not None]
    connections = f"{statistics.median(counted):.0f} opened" if counted else "n/a (no /proc/net)"
    cpu = _stat(quiet, "client_cpu_ms_per_request")
    return [
        _requests_row("", quiet, quiet_base),
        _lag_row("", quiet, quiet_base),
        _requests_row(f", {HOGS} CPU hogs", busy, busy_base),
        _lag_row(f", {HOGS} CPU hogs", busy, busy_base),
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
            ours=f"{connections}; {cpu[0]:.1f} ms client CPU per request",
            baseline=f"{RUNS} runs",
            ratio=None,
            target="(reported)",
            met=None,
            details={"connections": [s["connections"] for s in quiet]},
        ),
    ]
