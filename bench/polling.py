"""Figure 3: polling efficiency of ``client.runs.wait`` against a naive once-a-second loop.

Runs are created on the simulator to complete exactly 2 s, 10 s and 60 s (simulated) after they are
submitted. Time is scaled (``SCALE`` real seconds per simulated second) for *both* sides alike: the
simulator's clock, the client's injected ``clock``/``sleep`` and the naive loop's sleep, so the
60 s run takes ``60 * SCALE`` real seconds and every interval keeps its simulated length.

* ours: ``client.runs.wait(run_id)`` with its defaults (first pause 1 s, x1.5 per poll, at most 10 s);
* baseline: ``while True: run = client.runs.get(run_id); if terminal: break; sleep(1)``.

Per run: the GETs the simulator saw for it, and the detection lag — simulated time from the run's
completion to the moment the call returned. The target: the lag stays within the poll interval the
client was using when the run completed (so backing off never costs more than one interval), and
on the 60 s run the client makes at most half of the naive loop's requests.

All six waits of one repetition run at the same time (one thread each), so a noisy neighbour hits
ours and the baseline alike; the figure is the median over the repetitions, spread = min–max.
"""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bench._harness import Row
from bench._support import ScaledClock

__all__ = ["run"]

SCALE = 0.1  # real seconds per simulated second: the 60 s run takes 6 real seconds
DURATIONS = (2.0, 10.0, 60.0)
NAIVE_INTERVAL = 1.0
MAX_REQUEST_RATIO = 0.5  # on the 60 s run
TERMINAL = frozenset({"completed", "failed", "cancelled"})


@dataclass
class Outcome:
    run_id: str
    returned_at: float  # simulated seconds (simulator clock)
    interval: float | None = None  # ours: the pause before the poll that saw the run finished


def _status(run: Any) -> str:
    return str(getattr(run.status, "value", run.status))


def _ours(sim: Any, clock: ScaledClock, duration: float) -> Outcome:
    from testerarmy import TesterArmy

    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        clock.sleep(seconds)

    with TesterArmy(api_key=sim.api_key, base_url=sim.url, clock=clock.now, sleep=sleep) as client:
        run_id = str(client.runs.create(prompt=f"Poll me [sim:duration={duration:g}]").id)
        client.runs.wait(run_id, timeout=10 * duration + 60)
        returned = sim.now()
    return Outcome(run_id, returned, pauses[-1] if pauses else None)


def _naive(sim: Any, clock: ScaledClock, duration: float) -> Outcome:
    from testerarmy import TesterArmy

    with TesterArmy(api_key=sim.api_key, base_url=sim.url) as client:
        run_id = str(client.runs.create(prompt=f"Poll me [sim:duration={duration:g}]").id)
        for _ in range(int(10 * duration / NAIVE_INTERVAL) + 100):  # bounded, like every loop here
            if _status(client.runs.get(run_id)) in TERMINAL:
                break
            clock.sleep(NAIVE_INTERVAL)
        else:
            raise RuntimeError(f"naive loop: run {run_id} did not finish")
        returned = sim.now()
    return Outcome(run_id, returned)


def _measure(sim: Any, outcome: Outcome) -> dict[str, Any]:
    finished = sim.run(outcome.run_id).timeline.terminal_at()
    return {
        "lag": outcome.returned_at - finished,
        "requests": _settled_count(sim, outcome.run_id),
        "interval": outcome.interval,
    }


def _settled_count(sim: Any, run_id: str) -> int:
    """GETs of the run in the simulator's log, once the log has caught up (it records a request
    just after answering it): the count must hold still for 50 ms (bounded wait)."""
    count: int = sim.requests.count("GET", f"/v1/runs/{run_id}")
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        time.sleep(0.05)
        again = sim.requests.count("GET", f"/v1/runs/{run_id}")
        if again == count:
            break
        count = again
    return count


def _one_repetition(
    sim: Any, clock: ScaledClock, keys: list[tuple[str, float]]
) -> dict[tuple[str, float], Outcome]:
    """Every wait of one repetition at once, released together by a barrier."""
    start = threading.Barrier(len(keys))

    def job(side: str, duration: float) -> Outcome:
        start.wait()
        return (_ours if side == "ours" else _naive)(sim, clock, duration)

    with ThreadPoolExecutor(max_workers=len(keys)) as pool:
        futures = {key: pool.submit(job, *key) for key in keys}
        return {key: future.result() for key, future in futures.items()}


def run(repeat: int = 5) -> list[Row]:
    from testerarmy.testing import Simulator

    clock = ScaledClock(SCALE)
    results: dict[tuple[str, float], list[dict[str, Any]]] = {
        (side, d): [] for side in ("ours", "naive") for d in DURATIONS
    }
    repetitions = max(3, repeat)
    with Simulator(time_scale=SCALE, queue_seconds=0.0, jitter=0.0, seed=0) as sim:
        for _ in range(repetitions):
            outcomes = _one_repetition(sim, clock, list(results))
            for key, outcome in outcomes.items():
                results[key].append(_measure(sim, outcome))
    return [
        _row(duration, results[("ours", duration)], results[("naive", duration)]) for duration in DURATIONS
    ]


def _row(duration: float, ours: list[dict[str, Any]], naive: list[dict[str, Any]]) -> Row:
    lag = statistics.median(r["lag"] for r in ours)
    naive_lag = statistics.median(r["lag"] for r in naive)
    requests = statistics.median(r["requests"] for r in ours)
    naive_requests = statistics.median(r["requests"] for r in naive)
    interval = statistics.median(r["interval"] for r in ours)
    ratio = requests / naive_requests
    # Like every figure: the median. (At this time scale 10 ms of scheduling noise on the shared
    # machine is 0.1 simulated seconds, so single repetitions can stray; the spread shows them.)
    lag_ok = lag <= interval
    met = lag_ok and (ratio <= MAX_REQUEST_RATIO if duration == max(DURATIONS) else True)
    target = "lag ≤ interval" + (f", ≤ {MAX_REQUEST_RATIO}× requests" if duration == max(DURATIONS) else "")

    def spread(rows: list[dict[str, Any]], key: str) -> str:
        values = [r[key] for r in rows]
        return f"{min(values):.2g}–{max(values):.2g}"

    return Row(
        figure=f"3. runs.wait, run done after {duration:g} s",
        ours=f"{requests:g} req, lag {lag:.2f} s ({spread(ours, 'lag')}; interval {interval:.3g} s)",
        baseline=f"{naive_requests:g} req, lag {naive_lag:.2f} s ({spread(naive, 'lag')})",
        ratio=ratio,
        target=target,
        met=met,
        details={
            "unit": "requests = GETs of the run seen by the simulator; lag in simulated seconds",
            "ratio_is": "requests ours / requests naive",
            "time_scale": SCALE,
            "repetitions": len(ours),
            "ours": ours,
            "naive": naive,
            "naive_interval_s": NAIVE_INTERVAL,
            "lag_within_interval_every_time": all(r["lag"] <= r["interval"] for r in ours),
        },
    )
